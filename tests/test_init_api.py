"""Behaviour of the initializer API: SPEC 7 randomness, dtypes and shapes, empty arrays, lookup
by name, and an error message naming the argument for every kind of bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import weightinit.initializers as wi
from weightinit.initializers import (
    INITIALIZER_NAMES,
    calculate_gain,
    compute_fans,
    get_initializer,
    init_variance,
)

REQUIRED = {"random_normal": {"std": 0.1}, "random_uniform": {"a": 0.1}}
FIXED_SCALE = {"random_normal", "random_uniform", "truncated_normal"}  # no layout keyword


def call(name, shape, layout="torch", **kwargs):
    kw = {**REQUIRED.get(name, {}), **kwargs}
    if name not in FIXED_SCALE:
        kw["layout"] = layout
    return get_initializer(name)(shape, **kw)


def test_names_and_lookup():
    expected = {
        "variance_scaling", "random_normal", "random_uniform", "truncated_normal",
        "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
        "lecun_normal", "orthogonal", "pytorch_default_uniform",
    }
    assert isinstance(INITIALIZER_NAMES, tuple)
    assert set(INITIALIZER_NAMES) == expected
    for name in INITIALIZER_NAMES:
        assert get_initializer(name) is getattr(wi, name)
        assert name in wi.__all__


def test_all_lists_the_public_api():
    for extra in ("INITIALIZER_NAMES", "calculate_gain", "compute_fans", "get_initializer", "init_variance"):
        assert extra in wi.__all__
    assert all(hasattr(wi, n) for n in wi.__all__)
    assert len(set(wi.__all__)) == len(wi.__all__)


# ---------------------------------------------------------------------------------------------
# SPEC 7
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_int_seed_is_reproducible_and_equals_default_rng(name):
    a = call(name, (20, 10), rng=42)
    b = call(name, (20, 10), rng=42)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, call(name, (20, 10), rng=np.random.default_rng(42)))
    assert not np.array_equal(a, call(name, (20, 10), rng=43))


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_generator_advances(name):
    gen = np.random.default_rng(5)
    a = call(name, (20, 10), rng=gen)
    b = call(name, (20, 10), rng=gen)
    assert not np.array_equal(a, b)
    # a fresh generator with the same seed replays the same sequence of calls
    gen2 = np.random.default_rng(5)
    np.testing.assert_array_equal(a, call(name, (20, 10), rng=gen2))
    np.testing.assert_array_equal(b, call(name, (20, 10), rng=gen2))


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_no_global_state(name):
    np.random.seed(0)
    state = np.random.get_state()
    a = call(name, (20, 10))
    b = call(name, (20, 10))
    assert not np.array_equal(a, b)  # rng=None: fresh entropy, not a hidden global seed
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_seed_sequence_is_accepted():
    a = wi.he_normal((8, 4), rng=np.random.SeedSequence(3))
    b = wi.he_normal((8, 4), rng=np.random.SeedSequence(3))
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# shapes and dtypes
# ---------------------------------------------------------------------------------------------

SHAPES = [
    ((7, 5), "torch"),
    ((8, 4, 5), "torch"),
    ((6, 3, 3, 3), "torch"),
    ((4, 2, 3, 3, 3), "torch"),
    ((5, 7), "keras"),
    ((5, 4, 8), "keras"),
    ((3, 3, 3, 6), "keras"),
    ((3, 3, 3, 2, 4), "keras"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", np.dtype("float64"), "f4"])
@pytest.mark.parametrize("shape, layout", SHAPES)
@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_shape_and_dtype_are_preserved(name, shape, layout, dtype):
    w = call(name, shape, layout, rng=1, dtype=dtype)
    assert type(w) is np.ndarray
    assert w.shape == shape
    assert w.dtype == np.dtype(dtype)
    assert w.flags.c_contiguous and w.flags.writeable
    assert np.all(np.isfinite(w))


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_default_dtype_is_float64_and_each_call_returns_a_new_array(name):
    a = call(name, (6, 4), rng=1)
    b = call(name, (6, 4), rng=1)
    assert a.dtype == np.float64
    assert not np.shares_memory(a, b)


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_float32_is_drawn_in_float32_not_rounded_from_float64(name):
    # rounding a float64 draw would give the float64 result cast down; a native float32 draw
    # consumes the bit stream differently and so gives different numbers
    a32 = call(name, (64, 32), rng=8, dtype=np.float32)
    a64 = call(name, (64, 32), rng=8, dtype=np.float64)
    assert not np.array_equal(a32, a64.astype(np.float32))


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex128, "int64", bool, object, "nonsense"])
def test_other_dtypes_are_refused(name, dtype):
    with pytest.raises(TypeError, match=r"dtype must be numpy\.float32 or numpy\.float64; got"):
        call(name, (4, 3), rng=0, dtype=dtype)


ZERO_SHAPES = [
    ((0, 5), "torch"),
    ((5, 0), "torch"),
    ((0, 0), "torch"),
    ((3, 0, 3, 3), "torch"),
    ((0, 3, 3, 3), "torch"),
    ((4, 3, 0), "torch"),
    ((3, 3, 0, 4), "keras"),
    ((0, 3, 2, 4), "keras"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, layout", ZERO_SHAPES)
@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_zero_size_shapes_give_empty_arrays(name, shape, layout, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = call(name, shape, layout, rng=0, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype and w.size == 0


@pytest.mark.parametrize("shape, layout", ZERO_SHAPES)
def test_zero_size_fans(shape, layout):
    fi, fo = compute_fans(shape, layout)
    assert fi >= 0 and fo >= 0 and 0 in (fi, fo)


def test_init_variance_with_a_zero_fan():
    # the fan that is not zero still defines the law
    assert init_variance("lecun_normal", (0, 5)) == 1 / 5
    with pytest.raises(ValueError, match=r"variance of he_normal is undefined for shape \(3, 0, 3, 3\)"):
        init_variance("he_normal", (3, 0, 3, 3))
    with pytest.raises(ValueError, match="undefined"):
        init_variance("kaiming_normal", (0, 5), mode="fan_out")
    with pytest.raises(ValueError, match="undefined"):
        init_variance("orthogonal", (0, 0))


def test_bad_argument_does_not_consume_randomness():
    gen = np.random.default_rng(0)
    before = gen.bit_generator.state
    for bad in [
        lambda: wi.he_normal((4, 3), rng=gen, dtype=np.int32),
        lambda: wi.xavier_uniform((4,), rng=gen),
        lambda: wi.kaiming_normal((4, 3), mode="fan_avg", rng=gen),
        lambda: wi.variance_scaling((4, 3), -1.0, rng=gen),
        lambda: wi.orthogonal((4, 3), layout="jax", rng=gen),
    ]:
        with pytest.raises((TypeError, ValueError)):
            bad()
    assert gen.bit_generator.state == before


# ---------------------------------------------------------------------------------------------
# every bad input names the argument, the value and what is allowed
# ---------------------------------------------------------------------------------------------

SHAPE_ERRORS = [
    ((5,), ValueError, r"shape must have at least 2 dimensions.*got \(5,\) with 1"),
    ((), ValueError, r"shape must have at least 2 dimensions.*got \(\) with 0"),
    (5, TypeError, r"shape must be a sequence of at least 2 non-negative ints; got int \(5\)"),
    (None, TypeError, r"shape must be a sequence.*got NoneType"),
    (np.array(5), TypeError, r"shape must be a sequence.*got ndarray \(array\(5\)\)"),
    ({3: 4}.keys(), ValueError, r"shape must have at least 2 dimensions"),
    ("ab", TypeError, r"shape must be a sequence.*got str \('ab'\)"),
    ((3, -1), ValueError, r"shape must contain only non-negative ints; got \(3, -1\) whose entry 1 is -1"),
    ((3.0, 4), TypeError,
     r"shape must contain only non-negative ints; got \(3\.0, 4\) whose entry 0 is float"),
    ((True, 4), TypeError, r"shape.*entry 0 is bool"),
    ((4, np.float64(2)), TypeError, r"shape.*entry 1 is float64"),
    ((4, "3"), TypeError, r"shape.*entry 1 is str"),
]


@pytest.mark.parametrize("shape, exc, match", SHAPE_ERRORS)
@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_bad_shapes(name, shape, exc, match):
    with pytest.raises(exc, match=match):
        call(name, shape, rng=0)
    with pytest.raises(exc, match=match):
        init_variance(name, shape, **REQUIRED.get(name, {}))


@pytest.mark.parametrize("shape, exc, match", SHAPE_ERRORS)
def test_bad_shapes_in_compute_fans(shape, exc, match):
    with pytest.raises(exc, match=match):
        compute_fans(shape)


LAYOUT_MSG = r"layout must be one of 'torch', 'keras'; got 'jax'"


@pytest.mark.parametrize("name", sorted(set(INITIALIZER_NAMES) - FIXED_SCALE))
def test_bad_layout(name):
    with pytest.raises(ValueError, match=LAYOUT_MSG):
        call(name, (4, 3), layout="jax", rng=0)
    with pytest.raises(ValueError, match=LAYOUT_MSG):
        init_variance(name, (4, 3), layout="jax")
    with pytest.raises(TypeError, match=r"layout must be one of 'torch', 'keras'; got NoneType"):
        call(name, (4, 3), layout=None, rng=0)


def test_bad_layout_in_compute_fans_and_fixed_scale_variance():
    with pytest.raises(ValueError, match=LAYOUT_MSG):
        compute_fans((4, 3), layout="jax")
    with pytest.raises(ValueError, match=LAYOUT_MSG):
        init_variance("random_normal", (4, 3), layout="jax", std=0.1)


POSITIVE = r"must be a positive finite real number"
SLOPE = r"a \(negative slope\) must be a finite real number"

BAD_NUMBERS = [
    # (function, kwargs, exception, message)
    (wi.variance_scaling, {"scale": 0.0}, ValueError, rf"scale {POSITIVE} \(> 0\); got 0\.0"),
    (wi.variance_scaling, {"scale": -2}, ValueError, rf"scale {POSITIVE} \(> 0\); got -2"),
    (wi.variance_scaling, {"scale": float("nan")}, ValueError, rf"scale {POSITIVE}; got nan"),
    (wi.variance_scaling, {"scale": float("inf")}, ValueError, rf"scale {POSITIVE}; got inf"),
    (wi.variance_scaling, {"scale": True}, TypeError, rf"scale {POSITIVE}, not a bool; got True"),
    (wi.variance_scaling, {"scale": "2"}, TypeError, rf"scale {POSITIVE}; got str \('2'\)"),
    (wi.variance_scaling, {"scale": None}, TypeError, rf"scale {POSITIVE}; got NoneType"),
    (wi.random_normal, {"std": 0}, ValueError, rf"std {POSITIVE} \(> 0\); got 0"),
    (wi.random_normal, {"std": np.float32(-0.1)}, ValueError, rf"std {POSITIVE}"),
    (wi.random_normal, {"std": False}, TypeError, rf"std {POSITIVE}, not a bool; got False"),
    (wi.random_uniform, {"a": -0.5}, ValueError, rf"a {POSITIVE} \(> 0\); got -0\.5"),
    (wi.random_uniform, {"a": float("-inf")}, ValueError, rf"a {POSITIVE}; got -inf"),
    (wi.random_uniform, {"a": [0.1]}, TypeError, rf"a {POSITIVE}; got list"),
    (wi.truncated_normal, {"std": -1.0}, ValueError, rf"std {POSITIVE} \(> 0\); got -1\.0"),
    (wi.truncated_normal, {"bound": 0.0}, ValueError, rf"bound {POSITIVE} \(> 0\); got 0\.0"),
    (wi.truncated_normal, {"bound": float("nan")}, ValueError, rf"bound {POSITIVE}; got nan"),
    (wi.truncated_normal, {"bound": np.True_}, TypeError, rf"bound {POSITIVE}, not a bool"),
    (wi.xavier_uniform, {"gain": 0}, ValueError, rf"gain {POSITIVE} \(> 0\); got 0"),
    (wi.xavier_normal, {"gain": -1.0}, ValueError, rf"gain {POSITIVE} \(> 0\); got -1\.0"),
    (wi.xavier_normal, {"gain": True}, TypeError, rf"gain {POSITIVE}, not a bool"),
    (wi.orthogonal, {"gain": float("nan")}, ValueError, rf"gain {POSITIVE}; got nan"),
    (wi.orthogonal, {"gain": "1"}, TypeError, rf"gain {POSITIVE}; got str"),
    (wi.kaiming_uniform, {"a": float("nan")}, ValueError, rf"{SLOPE}; got nan"),
    (wi.kaiming_normal, {"a": True}, TypeError, rf"{SLOPE}, not a bool"),
    (wi.kaiming_normal, {"a": "0.1"}, TypeError, rf"{SLOPE}; got str"),
]


def _bad_number_id(case):
    (key, value), = case[1].items()
    return f"{case[0].__name__}-{key}-{value!r}"


@pytest.mark.parametrize("fn, kwargs, exc, match", BAD_NUMBERS, ids=[_bad_number_id(c) for c in BAD_NUMBERS])
def test_bad_numbers(fn, kwargs, exc, match):
    kw = {**REQUIRED.get(fn.__name__, {}), **kwargs}
    with pytest.raises(exc, match=match):
        fn((4, 3), **kw, rng=0)
    with pytest.raises(exc, match=match):
        init_variance(fn.__name__, (4, 3), **kw)


MODE_ALL = r"mode must be one of 'fan_in', 'fan_out', 'fan_avg'; got 'fan_inn'"
MODE_KAIMING = r"mode must be one of 'fan_in', 'fan_out'; got 'fan_avg'"
DIST = r"distribution must be one of 'normal', 'truncated_normal', 'uniform'; got 'gaussian'"
NONLIN = r"nonlinearity must be one of 'linear', .*'tanh', 'relu', 'leaky_relu', 'selu'; got 'softplus'"


@pytest.mark.parametrize(
    "fn, kwargs, exc, match",
    [
        (wi.variance_scaling, {"mode": "fan_inn"}, ValueError, MODE_ALL),
        (wi.variance_scaling, {"mode": 1}, TypeError, r"mode must be one of 'fan_in', .*; got int \(1\)"),
        (wi.variance_scaling, {"distribution": "gaussian"}, ValueError, DIST),
        (wi.kaiming_uniform, {"mode": "fan_avg"}, ValueError, MODE_KAIMING),
        (wi.kaiming_normal, {"mode": "fan_avg"}, ValueError, MODE_KAIMING),
        (wi.kaiming_normal, {"nonlinearity": "softplus"}, ValueError, NONLIN),
        (wi.kaiming_uniform, {"nonlinearity": "ReLU"}, ValueError,
         r"nonlinearity must be one of .*; got 'ReLU'"),
    ],
)
def test_bad_choices(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn((4, 3), **kwargs, rng=0)
    with pytest.raises(exc, match=match):
        init_variance(fn.__name__, (4, 3), **kwargs)


def test_bad_gain_arguments():
    with pytest.raises(ValueError, match=NONLIN):
        calculate_gain("softplus")
    with pytest.raises(TypeError, match=r"nonlinearity must be one of .*; got NoneType"):
        calculate_gain(None)
    param = r"param \(negative slope of leaky_relu\) must be a finite real number"
    with pytest.raises(TypeError, match=rf"{param}, not a bool; got True"):
        calculate_gain("leaky_relu", True)
    with pytest.raises(TypeError, match=rf"{param}; got str"):
        calculate_gain("leaky_relu", "0.2")
    with pytest.raises(ValueError, match=rf"{param}; got inf"):
        calculate_gain("leaky_relu", math.inf)


NAME_MSG = r"name must be one of 'variance_scaling', .*'pytorch_default_uniform', 'orthogonal'; got 'xavier'"


def test_bad_names():
    with pytest.raises(ValueError, match=NAME_MSG):
        get_initializer("xavier")
    with pytest.raises(ValueError, match=NAME_MSG):
        init_variance("xavier", (4, 3))
    with pytest.raises(TypeError, match=r"name must be one of .*; got function"):
        get_initializer(wi.he_normal)


@pytest.mark.parametrize(
    "rng, exc, match",
    [
        ("seed", TypeError, r"rng must be None, an int or a numpy.random.Generator; got str \('seed'\)"),
        (1.5, TypeError, r"rng must be None, an int or a numpy.random.Generator; got float \(1\.5\)"),
        (True, TypeError, r"rng must be None, an int or a numpy.random.Generator; got a bool \(True\)"),
        (-1, ValueError, r"rng must be a non-negative int seed; got -1"),
        (np.random.RandomState(0), TypeError,
         r"rng must be None, an int or a numpy.random.Generator; got RandomState"),
    ],
)
@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_bad_rng(name, rng, exc, match):
    with pytest.raises(exc, match=match):
        call(name, (4, 3), rng=rng)


def test_init_variance_keywords():
    msg = r"init_variance\('he_normal'\) got unexpected keyword\(s\) \['gain'\]; he_normal accepts: \(no parameters\)"
    with pytest.raises(TypeError, match=msg):
        init_variance("he_normal", (4, 3), gain=2.0)
    with pytest.raises(TypeError, match=r"unexpected keyword\(s\) \['rng'\]; xavier_uniform accepts: gain"):
        init_variance("xavier_uniform", (4, 3), rng=0)
    with pytest.raises(TypeError, match=r"init_variance\('random_normal'\) needs the keyword\(s\) \['std'\]"):
        init_variance("random_normal", (4, 3))
    with pytest.raises(TypeError, match=r"needs the keyword\(s\) \['a'\]"):
        init_variance("random_uniform", (4, 3))


def test_kaiming_defaults_follow_pytorch():
    # a=0, mode="fan_in", nonlinearity="leaky_relu": gain sqrt(2 / (1 + 0)) = sqrt(2)
    np.testing.assert_array_equal(wi.kaiming_normal((64, 32), rng=4),
                                  wi.kaiming_normal((64, 32), 0.0, "fan_in", "relu", rng=4))
    # nn.Linear's default is kaiming_uniform_(a=sqrt(5))
    np.testing.assert_array_equal(wi.pytorch_default_uniform((64, 32), rng=4),
                                  wi.kaiming_uniform((64, 32), a=math.sqrt(5), rng=4))


def test_named_initializers_are_specialisations_of_variance_scaling():
    shape, seed = (48, 24, 3), 13
    vs = wi.variance_scaling
    pairs = [
        (wi.glorot_uniform(shape, rng=seed), vs(shape, 1.0, "fan_avg", "uniform", rng=seed)),
        (wi.glorot_normal(shape, rng=seed), vs(shape, 1.0, "fan_avg", "truncated_normal", rng=seed)),
        (wi.he_uniform(shape, rng=seed), vs(shape, 2.0, "fan_in", "uniform", rng=seed)),
        (wi.he_normal(shape, rng=seed), vs(shape, 2.0, "fan_in", "truncated_normal", rng=seed)),
        (wi.lecun_uniform(shape, rng=seed), vs(shape, 1.0, "fan_in", "uniform", rng=seed)),
        (wi.lecun_normal(shape, rng=seed), vs(shape, 1.0, "fan_in", "truncated_normal", rng=seed)),
        (wi.xavier_normal(shape, 2.0, rng=seed), vs(shape, 4.0, "fan_avg", "normal", rng=seed)),
        (wi.kaiming_normal(shape, mode="fan_out", rng=seed), vs(shape, 2.0, "fan_out", "normal", rng=seed)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_layout_only_changes_which_axes_are_fans():
    # the same fans in both layouts give the same numbers for the same seed
    a = wi.he_normal((32, 16, 3, 3), rng=2)
    b = wi.he_normal((3, 3, 16, 32), layout="keras", rng=2)
    np.testing.assert_array_equal(a.ravel(), b.ravel())


def test_public_functions_are_documented_with_their_sources():
    for name in wi.__all__:
        obj = getattr(wi, name)
        if callable(obj):
            doc = obj.__doc__ or ""
            assert "Parameters\n    ----------" in doc and "Returns\n    -------" in doc, name
    cites = {
        "xavier_uniform": "Glorot", "xavier_normal": "Glorot", "glorot_uniform": "Glorot",
        "glorot_normal": "Glorot", "kaiming_uniform": "He", "kaiming_normal": "He",
        "he_uniform": "He", "he_normal": "He", "lecun_uniform": "LeCun", "lecun_normal": "LeCun",
        "orthogonal": "Saxe",
    }
    for name, author in cites.items():
        doc = getattr(wi, name).__doc__
        refs = doc[doc.index("References\n    ----------"):]
        assert author in refs, name
