"""Exact reference values of DESIGN.md §4: fans, gains, variances, bounds and standard deviations.

Every expected value is written here from its closed form (and, where the design table gives
one, checked against the table's printed digits), never taken from the library.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from weightinit.initializers import (
    INITIALIZER_NAMES,
    calculate_gain,
    compute_fans,
    get_initializer,
    init_variance,
    random_normal,
    random_uniform,
    truncated_normal,
)

DENSE = (256, 128)  # PyTorch (out, in): fan_in 128, fan_out 256
CONV_T = (32, 16, 3, 3)  # PyTorch conv: fans (144, 288)
CONV_K = (3, 3, 16, 32)  # the same kernel in Keras layout
TRUNC_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]

REL = 1e-12


def close(x, y, rel=REL):
    return math.isclose(x, y, rel_tol=rel, abs_tol=0.0)


# ---------------------------------------------------------------------------------------------
# fans
# ---------------------------------------------------------------------------------------------

FAN_CASES = [
    # (torch shape, keras shape, fan_in, fan_out), worked out by hand
    ((256, 128), (128, 256), 128, 256),
    ((10, 1), (1, 10), 1, 10),
    ((8, 4, 5), (5, 4, 8), 20, 40),  # conv1d, k = 5
    ((32, 16, 3, 3), (3, 3, 16, 32), 144, 288),  # conv2d, 3x3
    ((64, 3, 7, 5), (7, 5, 3, 64), 105, 2240),  # conv2d, non-square kernel
    ((6, 2, 3, 4, 5), (3, 4, 5, 2, 6), 120, 360),  # conv3d, receptive field 60
]


@pytest.mark.parametrize("torch_shape, keras_shape, fan_in, fan_out", FAN_CASES)
def test_fans_both_layouts(torch_shape, keras_shape, fan_in, fan_out):
    assert compute_fans(torch_shape) == (fan_in, fan_out)
    assert compute_fans(torch_shape, layout="torch") == (fan_in, fan_out)
    assert compute_fans(keras_shape, layout="keras") == (fan_in, fan_out)
    assert all(type(f) is int for f in compute_fans(keras_shape, layout="keras"))


def test_fans_accept_lists_and_numpy_ints():
    assert compute_fans([np.int64(32), np.int32(16), 3, 3]) == (144, 288)
    assert compute_fans(np.array([3, 3, 16, 32]), layout="keras") == (144, 288)


def test_fans_of_a_dense_matrix_differ_between_layouts():
    # the same array read in the other convention swaps the roles of the two axes
    assert compute_fans((256, 128), "torch") == (128, 256)
    assert compute_fans((256, 128), "keras") == (256, 128)


# ---------------------------------------------------------------------------------------------
# gains
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "args, closed_form, table",
    [
        (("tanh",), 5.0 / 3.0, 1.6666666667),
        (("relu",), math.sqrt(2.0), 1.4142135624),
        (("leaky_relu",), math.sqrt(2.0 / (1.0 + 0.01**2)), 1.4141428570),
        (("leaky_relu", math.sqrt(5.0)), math.sqrt(2.0 / 6.0), 0.5773502692),
        (("leaky_relu", 10), math.sqrt(2.0 / 101.0), 0.1407195089),
        (("leaky_relu", 0), math.sqrt(2.0), 1.4142135624),
        (("selu",), 0.75, 0.75),
    ],
)
def test_gain_reference_values(args, closed_form, table):
    g = calculate_gain(*args)
    assert close(g, closed_form)
    assert abs(g - table) < 5e-11  # the design table prints 10 decimals


@pytest.mark.parametrize(
    "name",
    ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
     "conv_transpose3d", "sigmoid"],
)
def test_unit_gains(name):
    assert calculate_gain(name) == 1.0
    assert calculate_gain(name, 0.3) == 1.0  # param is ignored, as in PyTorch


def test_gain_param_is_ignored_outside_leaky_relu():
    assert calculate_gain("relu", 0.5) == calculate_gain("relu")
    assert calculate_gain("tanh", 7) == calculate_gain("tanh")


# ---------------------------------------------------------------------------------------------
# variances, bounds and standard deviations of the design table
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, shape, kwargs, kind, closed_form, table",
    [
        ("xavier_uniform", DENSE, {}, "bound", math.sqrt(6 / 384), 0.125),
        ("xavier_normal", DENSE, {}, "std", math.sqrt(2 / 384), 0.0721687836),
        ("kaiming_uniform", DENSE, {"nonlinearity": "relu"}, "bound", math.sqrt(6 / 128), 0.2165063509),
        ("kaiming_normal", DENSE, {"nonlinearity": "relu"}, "std", math.sqrt(2 / 128), 0.125),
        ("pytorch_default_uniform", DENSE, {}, "bound", 1 / math.sqrt(128), 0.0883883476),
        ("lecun_uniform", DENSE, {}, "bound", math.sqrt(3 / 128), 0.1530931089),
        ("he_normal", DENSE, {}, "sigma", math.sqrt(2 / 128) / TRUNC_STD, 0.1421059043),
        ("xavier_uniform", CONV_T, {}, "bound", math.sqrt(6 / 432), 0.1178511302),
    ],
)
def test_design_table(name, shape, kwargs, kind, closed_form, table):
    v = init_variance(name, shape, **kwargs)
    # turn the variance back into the parameter the table lists
    if kind == "bound":
        value = math.sqrt(3 * v)  # Var U(-a, a) = a^2 / 3
    elif kind == "std":
        value = math.sqrt(v)
    else:  # sigma of the normal before truncation at +-2 sigma
        value = math.sqrt(v) / TRUNC_STD
    assert close(value, closed_form)
    assert abs(value - table) < 5e-11


def test_he_normal_hard_bound_matches_table():
    sigma = math.sqrt(init_variance("he_normal", DENSE)) / TRUNC_STD
    assert abs(2 * sigma - 0.2842118086) < 5e-11


def test_truncation_constant_is_the_std_of_the_truncated_standard_normal():
    assert close(math.sqrt(stats.truncnorm(-2, 2).var()), TRUNC_STD, rel=1e-14)
    assert close(init_variance("truncated_normal", DENSE), stats.truncnorm(-2, 2).var(), rel=1e-14)


S = math.sqrt(5.0)
EXACT = [
    # name, shape, layout, kwargs, exact variance
    ("he_normal", DENSE, "torch", {}, 2 / 128),
    ("he_uniform", DENSE, "torch", {}, 2 / 128),
    ("he_normal", CONV_K, "keras", {}, 2 / 144),
    ("he_normal", CONV_T, "torch", {}, 2 / 144),
    ("glorot_uniform", DENSE, "torch", {}, 2 / 384),
    ("glorot_normal", CONV_K, "keras", {}, 2 / 432),
    ("lecun_uniform", DENSE, "torch", {}, 1 / 128),
    ("lecun_normal", CONV_T, "torch", {}, 1 / 144),
    ("pytorch_default_uniform", DENSE, "torch", {}, 1 / (3 * 128)),
    ("pytorch_default_uniform", CONV_K, "keras", {}, 1 / (3 * 144)),
    ("xavier_uniform", DENSE, "torch", {"gain": 5 / 3}, (25 / 9) * 2 / 384),
    ("xavier_normal", CONV_K, "keras", {"gain": 2.0}, 4 * 2 / 432),
    ("kaiming_uniform", DENSE, "torch", {}, 2 / 128),  # a=0 with leaky_relu is ReLU
    ("kaiming_uniform", DENSE, "torch", {"a": S}, 1 / (3 * 128)),  # nn.Linear's call
    ("kaiming_normal", DENSE, "torch", {"mode": "fan_out"}, 2 / 256),
    ("kaiming_normal", DENSE, "torch", {"nonlinearity": "tanh"}, (25 / 9) / 128),
    ("kaiming_normal", DENSE, "torch", {"a": 0.2}, 2 / (1.04 * 128)),
    ("kaiming_normal", DENSE, "torch", {"nonlinearity": "linear", "a": 0.2}, 1 / 128),
    ("kaiming_uniform", CONV_K, "keras", {"mode": "fan_out", "nonlinearity": "selu"}, 0.5625 / 288),
    ("random_normal", DENSE, "torch", {"std": 0.05}, 0.0025),
    ("random_uniform", DENSE, "torch", {"a": 0.3}, 0.03),
    ("random_uniform", DENSE, "keras", {"a": 1 / math.sqrt(128)}, 1 / (3 * 128)),
    ("truncated_normal", DENSE, "torch", {"std": 0.5}, 0.25 * TRUNC_STD**2),
    ("orthogonal", DENSE, "torch", {}, 1 / 256),  # unit columns in R^256
    ("orthogonal", (128, 256), "torch", {"gain": 2.0}, 4 / 256),  # unit rows in R^256
    ("orthogonal", CONV_T, "torch", {}, 1 / 144),  # (32, 144): rows in R^144
    ("orthogonal", CONV_K, "keras", {}, 1 / 144),  # (144, 32): columns in R^144
    ("variance_scaling", DENSE, "torch", {}, 1 / 128),
    ("variance_scaling", DENSE, "torch", {"scale": 0.7, "mode": "fan_avg"}, 0.7 / 192),
    ("variance_scaling", CONV_K, "keras", {"scale": 3.0, "mode": "fan_out", "distribution": "uniform"},
     3 / 288),
]


@pytest.mark.parametrize("name, shape, layout, kwargs, expected", EXACT)
def test_init_variance_exact(name, shape, layout, kwargs, expected):
    assert close(init_variance(name, shape, layout=layout, **kwargs), expected)


def test_init_variance_examples_of_the_brief_are_exact():
    assert init_variance("he_normal", (256, 128)) == 2 / 128
    assert init_variance("glorot_uniform", (256, 128)) == 2 / 384


@pytest.mark.parametrize("bound", [0.05, 0.5, 0.99, 1.0, 1.5, 3.0, 6.0])
def test_truncated_normal_variance_for_other_bounds(bound):
    expected = 0.09 * stats.truncnorm(-bound, bound).var()
    assert close(init_variance("truncated_normal", DENSE, std=0.3, bound=bound), expected, rel=1e-10)


def test_truncated_normal_variance_tiny_bound_uses_the_series():
    # Var of N(0,1) cut at +-b is b^2/3 - 2 b^4/45 + O(b^6): the closed form would lose every digit
    b = 1e-4
    assert close(init_variance("truncated_normal", DENSE, bound=b), b**2 / 3 - 2 * b**4 / 45, rel=1e-12)


def test_all_names_have_a_variance():
    needs = {"random_normal": {"std": 0.1}, "random_uniform": {"a": 0.1}}
    for name in INITIALIZER_NAMES:
        v = init_variance(name, CONV_T, **needs.get(name, {}))
        assert isinstance(v, float) and 0 < v < 1


# ---------------------------------------------------------------------------------------------
# the exact parameter shows up in the samples
# ---------------------------------------------------------------------------------------------

UNIFORM_BOUNDS = [
    ("xavier_uniform", DENSE, "torch", {}, math.sqrt(6 / 384)),
    ("kaiming_uniform", DENSE, "torch", {}, math.sqrt(6 / 128)),
    ("pytorch_default_uniform", DENSE, "torch", {}, 1 / math.sqrt(128)),
    ("lecun_uniform", DENSE, "torch", {}, math.sqrt(3 / 128)),
    ("he_uniform", CONV_K, "keras", {}, math.sqrt(6 / 144)),
    ("glorot_uniform", CONV_T, "torch", {}, math.sqrt(6 / 432)),
    ("random_uniform", DENSE, "torch", {"a": 0.3}, 0.3),
    ("variance_scaling", DENSE, "torch", {"scale": 3.0, "distribution": "uniform"}, math.sqrt(9 / 128)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape, layout, kwargs, bound", UNIFORM_BOUNDS)
def test_uniform_samples_fill_the_exact_interval(name, shape, layout, kwargs, bound, dtype):
    fn = get_initializer(name)
    if name != "random_uniform":
        kwargs = {**kwargs, "layout": layout}
    w = fn(shape, **kwargs, rng=7, dtype=dtype)
    # float32 rounds the bound itself by up to half an ulp
    slack = 1e-12 if dtype == np.float64 else 1e-6
    assert np.abs(w).max() <= bound * (1 + slack)
    assert w.max() >= 0.99 * bound and w.min() <= -0.99 * bound


TRUNCATED = [
    ("he_normal", DENSE, "torch", {}, math.sqrt(2 / 128) / TRUNC_STD),
    ("glorot_normal", CONV_K, "keras", {}, math.sqrt(2 / 432) / TRUNC_STD),
    ("lecun_normal", CONV_T, "torch", {}, math.sqrt(1 / 144) / TRUNC_STD),
    ("truncated_normal", DENSE, "torch", {"std": 0.02}, 0.02),
    ("variance_scaling", DENSE, "torch", {"scale": 0.5, "mode": "fan_out"}, math.sqrt(0.5 / 256) / TRUNC_STD),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape, layout, kwargs, sigma", TRUNCATED)
def test_truncated_samples_reach_but_never_leave_two_sigma(name, shape, layout, kwargs, sigma, dtype):
    fn = get_initializer(name)
    if name != "truncated_normal":
        kwargs = {**kwargs, "layout": layout}
    w = fn(shape, **kwargs, rng=11, dtype=dtype)
    slack = 1e-12 if dtype == np.float64 else 1e-6
    assert np.abs(w).max() <= 2 * sigma * (1 + slack)
    assert np.abs(w).max() >= 0.99 * 2 * sigma


# ---------------------------------------------------------------------------------------------
# the exact parameter of each sampler: every named law is a fixed-scale law with the published
# std / bound / sigma, drawn from the same random stream
# ---------------------------------------------------------------------------------------------

def test_fixed_scale_samplers_are_scaled_numpy_draws():
    # SPEC 7 stream: an int seed means default_rng(seed); the draw is made in the dtype asked for
    for dtype in (np.float64, np.float32):
        z = np.random.default_rng(5).standard_normal(DENSE, dtype=dtype)
        np.testing.assert_array_equal(random_normal(DENSE, 0.25, rng=5, dtype=dtype), z * dtype(0.25))
        u = np.random.default_rng(5).random(DENSE, dtype=dtype)
        got = random_uniform(DENSE, 0.5, rng=5, dtype=dtype)
        np.testing.assert_allclose(got, u * 1.0 - 0.5, rtol=0, atol=4 * np.finfo(dtype).eps)


SAME_LAW = [
    # (name, shape, layout, kwargs, equivalent fixed-scale call)
    ("kaiming_normal", DENSE, "torch", {}, ("random_normal", {"std": math.sqrt(2 / 128)})),
    ("kaiming_normal", CONV_T, "torch", {"mode": "fan_out", "nonlinearity": "tanh"},
     ("random_normal", {"std": (5 / 3) / math.sqrt(288)})),
    ("xavier_normal", DENSE, "torch", {}, ("random_normal", {"std": math.sqrt(2 / 384)})),
    ("xavier_uniform", DENSE, "torch", {}, ("random_uniform", {"a": 0.125})),
    ("xavier_uniform", CONV_T, "torch", {}, ("random_uniform", {"a": math.sqrt(6 / 432)})),
    ("kaiming_uniform", DENSE, "torch", {"nonlinearity": "relu"}, ("random_uniform", {"a": math.sqrt(6 / 128)})),
    ("pytorch_default_uniform", DENSE, "torch", {}, ("random_uniform", {"a": 1 / math.sqrt(128)})),
    ("lecun_uniform", DENSE, "torch", {}, ("random_uniform", {"a": math.sqrt(3 / 128)})),
    ("he_uniform", CONV_K, "keras", {}, ("random_uniform", {"a": math.sqrt(6 / 144)})),
    ("glorot_uniform", CONV_K, "keras", {}, ("random_uniform", {"a": math.sqrt(6 / 432)})),
    ("he_normal", DENSE, "torch", {}, ("truncated_normal", {"std": math.sqrt(2 / 128) / TRUNC_STD})),
    ("glorot_normal", CONV_K, "keras", {}, ("truncated_normal", {"std": math.sqrt(2 / 432) / TRUNC_STD})),
    ("lecun_normal", CONV_T, "torch", {}, ("truncated_normal", {"std": math.sqrt(1 / 144) / TRUNC_STD})),
    ("variance_scaling", DENSE, "torch", {"scale": 0.3, "mode": "fan_avg"},
     ("truncated_normal", {"std": math.sqrt(0.3 / 192) / TRUNC_STD})),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape, layout, kwargs, plain", SAME_LAW)
def test_named_law_has_the_published_parameter(name, shape, layout, kwargs, plain, dtype):
    got = get_initializer(name)(shape, **kwargs, layout=layout, rng=17, dtype=dtype)
    plain_name, plain_kwargs = plain
    want = get_initializer(plain_name)(shape, **plain_kwargs, rng=17, dtype=dtype)
    # the same stream scaled by the same number, up to the rounding of that number
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("std, bound", [(1.0, 2.0), (0.37, 2.0), (0.05, 1.5)])
def test_truncated_normal_redraws_only_the_rejected_entries(std, bound, dtype):
    # With normal proposals (bound >= 1) the first proposal is the plain stream of the seed:
    # entries inside the bound are kept as drawn and scaled by exactly std, the others redrawn.
    z = np.random.default_rng(3).standard_normal(DENSE, dtype=dtype)
    w = truncated_normal(DENSE, std, bound=bound, rng=3, dtype=dtype)
    inside = np.abs(z) <= bound
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(w[inside], std * z[inside].astype(np.float64), rtol=rtol)
    assert (~inside).sum() > 0
    assert np.all(np.abs(w[~inside]) <= bound * std * (1 + rtol))
