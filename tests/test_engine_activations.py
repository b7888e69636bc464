"""Activations: values, derivatives against finite differences, lookup errors."""

import numpy as np
import pytest

from weightinit.activations import ACTIVATION_NAMES, Activation, get_activation, leaky_relu

Z = np.linspace(-4.0, 4.0, 81) + 0.0123  # shifted so that no point sits on ReLU's kink


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_central_difference(name):
    act = get_activation(name)
    h = 1e-6
    numeric = (act(Z + h) - act(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(Z), numeric, rtol=1e-7, atol=1e-8)


def test_values_from_their_definitions():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(get_activation("linear")(z), z)
    np.testing.assert_array_equal(get_activation("relu")(z), [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(get_activation("leaky_relu", negative_slope=0.2)(z), [-0.4, -0.1, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(get_activation("tanh")(z), np.tanh(z))
    np.testing.assert_allclose(get_activation("sigmoid")(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14)


def test_sigmoid_does_not_overflow_far_out():
    with np.errstate(all="raise"):
        s = get_activation("sigmoid")(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 1.0])


def test_vectorised_over_any_shape_and_keeps_float32():
    z = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 12
    for name in ACTIVATION_NAMES:
        act = get_activation(name)
        assert act(z).shape == z.shape and act(z).dtype == np.float32
        assert act.derivative(z).shape == z.shape and act.derivative(z).dtype == np.float32


def test_scalars_and_ints_are_accepted():
    assert float(get_activation("relu")(3)) == 3.0
    assert float(get_activation("tanh").derivative(0)) == 1.0
    assert float(get_activation("sigmoid").derivative(0)) == 0.25


def test_saturation_masks():
    a = np.array([-0.995, -0.5, 0.0, 0.991, 0.005, 0.999])
    np.testing.assert_array_equal(get_activation("tanh").saturated(a), [True, False, False, True, False, True])
    s = np.array([0.005, 0.5, 0.995, 0.02, 0.98])
    np.testing.assert_array_equal(get_activation("sigmoid").saturated(s), [True, False, True, False, False])
    assert not get_activation("relu").saturated(a).any()


def test_lookup_is_case_insensitive_and_passes_objects_through():
    relu = get_activation("ReLU")
    assert isinstance(relu, Activation) and relu.name == "relu"
    assert get_activation(relu) is relu
    assert get_activation("leaky-relu").negative_slope == 0.01
    assert leaky_relu(0.3).negative_slope == 0.3


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        get_activation("swish")
    for name in ACTIVATION_NAMES:
        assert name in str(info.value)


@pytest.mark.parametrize(
    "args, kwargs, error",
    [
        (("relu",), {"negative_slope": 0.1}, ValueError),
        (("leaky_relu",), {"slope": 0.1}, ValueError),
        (("leaky_relu",), {"negative_slope": -0.1}, ValueError),
        (("leaky_relu",), {"negative_slope": float("nan")}, ValueError),
        (("leaky_relu",), {"negative_slope": "0.1"}, TypeError),
        ((3,), {}, TypeError),
    ],
)
def test_bad_arguments_raise(args, kwargs, error):
    with pytest.raises(error):
        get_activation(*args, **kwargs)
