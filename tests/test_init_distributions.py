"""Every initializer draws from its exact law: Kolmogorov-Smirnov tests, moments, orthogonality.

The expected law of each case is rebuilt here from the published formulas (fans counted by
``fans`` below, not by the library), so a wrong fan, gain, correction factor or distribution
makes a test fail. Seeds are fixed, so the tests are deterministic; p > 1e-4 is the threshold
PyTorch's own initializer tests use.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import weightinit.initializers as wi
from fan_reference import fans

TRUNC_STD = 0.87962566103423978
P_MIN = 1e-4


def normal(var):
    return stats.norm(scale=math.sqrt(var))


def uniform(var):
    a = math.sqrt(3 * var)
    return stats.uniform(loc=-a, scale=2 * a)


def truncated(var):
    sigma = math.sqrt(var) / TRUNC_STD
    return stats.truncnorm(-2, 2, scale=sigma)


DENSE = (256, 128)
CONV_T = (64, 32, 3, 3)  # 18432 entries; fans (288, 576)
CONV_K = (3, 3, 32, 64)
CONV1D_T = (60, 40, 5)  # 12000 entries; fans (200, 300)
CONV3D_K = (3, 3, 3, 16, 32)  # fans (432, 864)


def avg(shape, layout):
    fi, fo = fans(shape, layout)
    return (fi + fo) / 2


def fin(shape, layout):
    return fans(shape, layout)[0]


def fout(shape, layout):
    return fans(shape, layout)[1]


G5 = math.sqrt(5.0)

# (id, function, shape, kwargs, frozen scipy law)
CASES = [
    ("random_normal", wi.random_normal, DENSE, {"std": 0.05}, stats.norm(scale=0.05)),
    ("random_uniform", wi.random_uniform, DENSE, {"a": 0.3}, stats.uniform(loc=-0.3, scale=0.6)),
    ("truncated_normal", wi.truncated_normal, DENSE, {"std": 0.7}, stats.truncnorm(-2, 2, scale=0.7)),
    ("truncated_normal_b3", wi.truncated_normal, DENSE, {"std": 0.7, "bound": 3.0},
     stats.truncnorm(-3, 3, scale=0.7)),
    ("truncated_normal_b05", wi.truncated_normal, DENSE, {"std": 2.0, "bound": 0.5},
     stats.truncnorm(-0.5, 0.5, scale=2.0)),
    ("truncated_normal_b1", wi.truncated_normal, DENSE, {"bound": 1.0}, stats.truncnorm(-1, 1)),
    ("xavier_uniform", wi.xavier_uniform, DENSE, {"gain": 5 / 3},
     uniform((5 / 3) ** 2 * 2 / (128 + 256))),
    ("xavier_uniform_conv", wi.xavier_uniform, CONV_T, {}, uniform(1 / avg(CONV_T, "torch"))),
    ("xavier_normal", wi.xavier_normal, CONV_T, {}, normal(2 / (288 + 576))),
    ("xavier_normal_keras", wi.xavier_normal, CONV_K, {"gain": 2.0, "layout": "keras"},
     normal(4 / avg(CONV_K, "keras"))),
    ("kaiming_uniform", wi.kaiming_uniform, DENSE, {}, stats.uniform(loc=-math.sqrt(6 / 128),
                                                                     scale=2 * math.sqrt(6 / 128))),
    ("kaiming_uniform_sqrt5", wi.kaiming_uniform, DENSE, {"a": G5},
     stats.uniform(loc=-1 / math.sqrt(128), scale=2 / math.sqrt(128))),
    ("kaiming_uniform_fan_out_tanh", wi.kaiming_uniform, CONV1D_T,
     {"mode": "fan_out", "nonlinearity": "tanh"},
     uniform((25 / 9) / fout(CONV1D_T, "torch"))),
    ("kaiming_normal", wi.kaiming_normal, DENSE, {"nonlinearity": "relu", "mode": "fan_out"},
     stats.norm(scale=math.sqrt(2 / 256))),
    ("kaiming_normal_leaky", wi.kaiming_normal, CONV_T, {"a": 0.1},
     normal(2 / ((1 + 0.01) * fin(CONV_T, "torch")))),
    ("glorot_uniform_keras", wi.glorot_uniform, CONV_K, {"layout": "keras"},
     uniform(1 / avg(CONV_K, "keras"))),
    ("glorot_normal", wi.glorot_normal, DENSE, {}, truncated(2 / 384)),
    ("glorot_normal_keras3d", wi.glorot_normal, CONV3D_K, {"layout": "keras"},
     truncated(1 / avg(CONV3D_K, "keras"))),
    ("he_uniform", wi.he_uniform, DENSE, {}, uniform(2 / 128)),
    ("he_uniform_keras", wi.he_uniform, CONV_K, {"layout": "keras"}, uniform(2 / 288)),
    ("he_normal", wi.he_normal, DENSE, {}, stats.truncnorm(-2, 2, scale=math.sqrt(2 / 128) / TRUNC_STD)),
    ("he_normal_conv", wi.he_normal, CONV_T, {}, truncated(2 / fin(CONV_T, "torch"))),
    ("lecun_uniform", wi.lecun_uniform, CONV1D_T, {}, uniform(1 / fin(CONV1D_T, "torch"))),
    ("lecun_normal", wi.lecun_normal, DENSE, {}, truncated(1 / 128)),
    ("lecun_normal_keras", wi.lecun_normal, CONV_K, {"layout": "keras"}, truncated(1 / 288)),
    ("pytorch_default_uniform", wi.pytorch_default_uniform, DENSE, {},
     stats.uniform(loc=-1 / math.sqrt(128), scale=2 / math.sqrt(128))),
    ("pytorch_default_uniform_keras", wi.pytorch_default_uniform, CONV_K, {"layout": "keras"},
     stats.uniform(loc=-1 / math.sqrt(288), scale=2 / math.sqrt(288))),
]
for _mode, _den in [("fan_in", fin), ("fan_out", fout), ("fan_avg", avg)]:
    for _dist, _law in [("normal", normal), ("uniform", uniform), ("truncated_normal", truncated)]:
        CASES.append((
            f"variance_scaling_{_mode}_{_dist}",
            wi.variance_scaling,
            CONV_K,
            {"scale": 0.7, "mode": _mode, "distribution": _dist, "layout": "keras"},
            _law(0.7 / _den(CONV_K, "keras")),
        ))

IDS = [c[0] for c in CASES]


def test_every_initializer_except_orthogonal_has_a_ks_case():
    covered = {c[1].__name__ for c in CASES}
    assert covered == set(wi.INITIALIZER_NAMES) - {"orthogonal"}


def excess_kurtosis(law):
    return float(law.stats(moments="k"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ks_against_exact_law(case, dtype):
    _, fn, shape, kwargs, law = case
    w = fn(shape, **kwargs, rng=20260, dtype=dtype)
    x = w.ravel().astype(np.float64)
    assert x.size >= 10_000
    assert stats.kstest(x, law.cdf).pvalue > P_MIN

    # The sample std of n i.i.d. draws has standard error sigma * sqrt((kappa - 1) / (4 n)),
    # kappa the kurtosis of the law: 5 standard errors.
    sigma = law.std()
    kappa = excess_kurtosis(law) + 3
    tol = 5 * math.sqrt((kappa - 1) / (4 * x.size))
    assert abs(x.std() / sigma - 1) < tol
    assert abs(x.mean()) < 5 * sigma / math.sqrt(x.size)
    lo, hi = law.support()
    assert x.min() >= lo * (1 + 1e-6) and x.max() <= hi * (1 + 1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_init_variance_matches_the_law_drawn(case):
    # init_variance is what the theory curves use: it has to be the variance of the law above
    _, fn, shape, kwargs, law = case
    assert math.isclose(wi.init_variance(fn.__name__, shape, **kwargs), law.var(), rel_tol=1e-10)


def test_ks_test_has_power_against_the_untruncated_law():
    # guard that the KS cases can tell the truncated from the untruncated normal of equal variance
    w = wi.he_normal(DENSE, rng=20260).ravel()
    assert stats.kstest(w, normal(2 / 128).cdf).pvalue < P_MIN
    w = wi.kaiming_normal(DENSE, rng=20260).ravel()
    assert stats.kstest(w, truncated(2 / 128).cdf).pvalue < P_MIN


# ---------------------------------------------------------------------------------------------
# orthogonal
# ---------------------------------------------------------------------------------------------

ORTHO_SHAPES = [
    ((64, 64), "torch"),  # square
    ((128, 32), "torch"),  # tall: orthonormal columns
    ((32, 128), "torch"),  # wide: orthonormal rows
    ((16, 8, 3, 3), "torch"),  # conv -> (16, 72), wide
    ((128, 4, 3, 3), "torch"),  # conv -> (128, 36), tall
    ((12, 5, 7), "torch"),  # conv1d -> (12, 35)
    ((64, 64), "keras"),
    ((3, 3, 8, 16), "keras"),  # conv -> (72, 16), tall
    ((3, 3, 4, 128), "keras"),  # conv -> (36, 128), wide
    ((2, 3, 3, 2, 4), "keras"),  # conv3d -> (36, 4)
]


def as_matrix(w, layout):
    return w.reshape(w.shape[0], -1) if layout == "torch" else w.reshape(-1, w.shape[-1])


@pytest.mark.parametrize("gain", [1.0, 1.7])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, layout", ORTHO_SHAPES)
def test_orthogonal_gram_matrix(shape, layout, dtype, gain):
    w = wi.orthogonal(shape, gain, layout=layout, rng=3, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype
    m = as_matrix(w, layout).astype(np.float64)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    tol = 1e-6 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(gram / gain**2, np.eye(min(rows, cols)), rtol=0, atol=tol)
    # every unit vector lives in R^max(rows, cols): the mean square entry is exact
    assert math.isclose(float(np.mean(m**2)), gain**2 / max(rows, cols), rel_tol=10 * tol)
    assert math.isclose(wi.init_variance("orthogonal", shape, layout=layout, gain=gain),
                        gain**2 / max(rows, cols), rel_tol=1e-12)


def test_orthogonal_layouts_flatten_differently():
    # a torch (out, in, k) kernel is orthogonal across out-rows, a keras one across out-columns
    w = wi.orthogonal((4, 3, 3), layout="torch", rng=0)
    np.testing.assert_allclose(w.reshape(4, 9) @ w.reshape(4, 9).T, np.eye(4), atol=1e-12)
    w = wi.orthogonal((3, 3, 4), layout="keras", rng=0)
    np.testing.assert_allclose(w.reshape(9, 4).T @ w.reshape(9, 4), np.eye(4), atol=1e-12)


@pytest.mark.parametrize(
    "shape, layout",
    [
        ((3, 3), "torch"),  # columns of a Haar matrix in R^3
        ((5, 3), "torch"),  # tall: columns in R^5
        ((3, 5), "torch"),  # wide: rows in R^5
        ((2, 1, 3), "torch"),  # conv -> (2, 3): rows in R^3
        ((2, 2, 3), "keras"),  # conv -> (4, 3): columns in R^4
    ],
)
def test_orthogonal_is_haar_distributed(shape, layout):
    # A coordinate t of a uniform unit vector in R^m has density proportional to
    # (1 - t^2)^((m - 3) / 2), i.e. (t + 1) / 2 ~ Beta((m - 1)/2, (m - 1)/2); for m = 3 it is
    # uniform on [-1, 1]. Without the diag(R) sign fix, LAPACK's QR gives Q[0, 0] <= 0 always.
    rows, cols = (shape[0], math.prod(shape[1:])) if layout == "torch" else (math.prod(shape[:-1]), shape[-1])
    m = max(rows, cols)
    gain = 1.5
    law = stats.beta((m - 1) / 2, (m - 1) / 2, loc=-gain, scale=2 * gain)
    gen = np.random.default_rng(99)
    draws = np.stack([as_matrix(wi.orthogonal(shape, gain, layout=layout, rng=gen), layout)
                      for _ in range(3000)])
    for i, j in [(0, 0), (rows - 1, cols - 1), (0, cols - 1)]:
        assert stats.kstest(draws[:, i, j], law.cdf).pvalue > P_MIN
    # the law is symmetric: as many positive as negative leading entries
    assert abs(np.mean(draws[:, 0, 0] > 0) - 0.5) < 4 * 0.5 / math.sqrt(3000)
