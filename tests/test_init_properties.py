"""Property tests over random shapes, layouts, modes, distributions and scales.

Hypothesis runs derandomized and every draw uses a seed it generated, so a run is reproducible
and the statistical tolerances below are not a source of flakiness: they are wide enough
(6 standard errors, p < 2e-9 per example) that only a wrong variance can break them.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import weightinit.initializers as wi
from fan_reference import fans

TRUNC_STD = 0.87962566103423978
# kurtosis E[x^4] / E[x^2]^2 of each law; sets the spread of the sample mean square
KURTOSIS = {
    "normal": 3.0,
    "uniform": 9.0 / 5.0,
    # N(0,1) truncated to [-2, 2]: E[x^4] = 3 - 2 b (b^2 + 3) phi(b) / (2 Phi(b) - 1) at b = 2
    "truncated_normal": None,
}
_b = 2.0
_phi = math.exp(-_b * _b / 2) / math.sqrt(2 * math.pi)
_mass = math.erf(_b / math.sqrt(2))
_m2 = 1 - 2 * _b * _phi / _mass
_m4 = 3 - 2 * _b * (_b * _b + 3) * _phi / _mass
KURTOSIS["truncated_normal"] = _m4 / _m2**2

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=60,
                    suppress_health_check=[HealthCheck.too_slow])


def to_keras(torch_shape):
    out, inp, *kernel = torch_shape
    return (*kernel, inp, out)


torch_shapes = st.tuples(
    st.integers(1, 300), st.integers(1, 300), st.lists(st.integers(1, 7), max_size=3)
).map(lambda t: (t[0], t[1], *t[2]))


@SETTINGS
@given(torch_shapes)
def test_fans_are_positive_ints_and_agree_across_layouts(shape):
    fi, fo = wi.compute_fans(shape)
    assert type(fi) is int and type(fo) is int and fi > 0 and fo > 0
    assert wi.compute_fans(to_keras(shape), layout="keras") == (fi, fo)
    assert (fi, fo) == fans(shape, "torch")
    # both fans share the receptive field
    assert fi * shape[0] == fo * shape[1]


@SETTINGS
@given(torch_shapes, st.sampled_from(["fan_in", "fan_out", "fan_avg"]), st.floats(0.01, 100.0))
def test_init_variance_is_scale_over_fan_in_both_layouts(shape, mode, scale):
    fi, fo = fans(shape, "torch")
    n = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
    for layout, s in [("torch", shape), ("keras", to_keras(shape))]:
        v = wi.init_variance("variance_scaling", s, layout=layout, scale=scale, mode=mode)
        assert math.isclose(v, scale / n, rel_tol=1e-12)


# shapes with enough entries for the sample variance to say something (>= 2000)
sized_shapes = st.tuples(
    st.integers(1, 80), st.integers(1, 80), st.lists(st.integers(1, 5), max_size=2)
).map(lambda t: (t[0], t[1], *t[2])).filter(lambda s: 2000 <= math.prod(s) <= 60_000)


@SETTINGS
@given(
    sized_shapes,
    st.sampled_from(["torch", "keras"]),
    st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
    st.sampled_from(["normal", "uniform", "truncated_normal"]),
    st.floats(0.05, 20.0),
    st.sampled_from([np.float32, np.float64]),
    st.integers(0, 2**32 - 1),
)
def test_sample_variance_tracks_scale_over_fan(torch_shape, layout, mode, distribution, scale, dtype, seed):
    shape = torch_shape if layout == "torch" else to_keras(torch_shape)
    fi, fo = fans(shape, layout)
    v = scale / {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
    w = wi.variance_scaling(shape, scale, mode, distribution, layout=layout, rng=seed, dtype=dtype)
    x = w.astype(np.float64).ravel()
    n = x.size
    # mean of squares of n i.i.d. zero-mean draws: standard error v * sqrt((kappa - 1) / n)
    se = math.sqrt((KURTOSIS[distribution] - 1) / n)
    assert abs(np.mean(x * x) / v - 1) < 6 * se
    assert abs(x.mean()) < 6 * math.sqrt(v / n)
    if distribution == "uniform":
        assert np.abs(x).max() <= math.sqrt(3 * v) * (1 + 1e-6)
    elif distribution == "truncated_normal":
        assert np.abs(x).max() <= 2 * math.sqrt(v) / TRUNC_STD * (1 + 1e-6)


NAMED = {
    # name: (mode, variance numerator, law) from the papers and framework documentation
    "glorot_uniform": ("fan_avg", 1.0, "uniform"),
    "glorot_normal": ("fan_avg", 1.0, "truncated_normal"),
    "he_uniform": ("fan_in", 2.0, "uniform"),
    "he_normal": ("fan_in", 2.0, "truncated_normal"),
    "lecun_uniform": ("fan_in", 1.0, "uniform"),
    "lecun_normal": ("fan_in", 1.0, "truncated_normal"),
    "pytorch_default_uniform": ("fan_in", 1.0 / 3.0, "uniform"),
    "xavier_uniform": ("fan_avg", 1.0, "uniform"),
    "xavier_normal": ("fan_avg", 1.0, "normal"),
    "kaiming_uniform": ("fan_in", 2.0, "uniform"),
    "kaiming_normal": ("fan_in", 2.0, "normal"),
}


@SETTINGS
@given(sized_shapes, st.sampled_from(["torch", "keras"]), st.sampled_from(sorted(NAMED)),
       st.integers(0, 2**32 - 1))
def test_named_initializers_variance(torch_shape, layout, name, seed):
    shape = torch_shape if layout == "torch" else to_keras(torch_shape)
    mode, numerator, law = NAMED[name]
    fi, fo = fans(shape, layout)
    v = numerator / {"fan_in": fi, "fan_avg": (fi + fo) / 2}[mode]
    assert math.isclose(wi.init_variance(name, shape, layout=layout), v, rel_tol=1e-12)
    x = wi.get_initializer(name)(shape, layout=layout, rng=seed).ravel()
    se = math.sqrt((KURTOSIS[law] - 1) / x.size)
    assert abs(np.mean(x * x) / v - 1) < 6 * se


@SETTINGS
@given(
    st.tuples(st.integers(1, 40), st.integers(1, 12), st.lists(st.integers(1, 3), max_size=2)).map(
        lambda t: (t[0], t[1], *t[2])),
    st.sampled_from(["torch", "keras"]),
    st.floats(0.1, 10.0),
    st.integers(0, 2**32 - 1),
)
def test_orthogonal_property(shape, layout, gain, seed):
    w = wi.orthogonal(shape, gain, layout=layout, rng=seed)
    m = w.reshape(shape[0], -1) if layout == "torch" else w.reshape(-1, shape[-1])
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), rtol=0, atol=1e-10 * gain**2)
