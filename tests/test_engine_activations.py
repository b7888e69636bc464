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


# --- GELU and SiLU against PyTorch ---------------------------------------------------------------
# Reference values computed once with torch 2.13.0 (CPU, float64):
#   x = torch.tensor(TORCH_POINTS, dtype=torch.float64, requires_grad=True)
#   torch.nn.functional.gelu(x)                       -> "gelu"
#   torch.nn.functional.gelu(x, approximate="tanh")   -> "gelu_tanh"
#   torch.nn.functional.silu(x)                       -> "silu"
# and the derivatives as torch.autograd.grad(y.sum(), x).
TORCH_POINTS = [-8.0, -4.0, -2.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 1.7, 3.0, 6.0]
TORCH_VALUES = {
    "gelu": [-4.884981308350689e-15, -0.00012668496733247991, -0.015524163314440398, -0.15865525393145702,
             -0.15426876936299344, -0.0460172162722971, 0.0, 0.053982783727702904, 0.34573123063700656,
             0.841344746068543, 1.6242387133104768, 2.99595030590511, 5.999999994080474],
    "gelu_tanh": [-0.0, -7.024594819227126e-05, -0.015084266089998577, -0.15880800939172324,
                  -0.15428599017485606, -0.04601724895456484, 0.0, 0.053982751045435165, 0.34571400982514394,
                  0.8411919906082768, 1.624105895551156, 2.996362607918227, 5.9999999999156035],
    "silu": [-0.002682801043731825, -0.07194483984836623, -0.18964545005310887, -0.2689414213699951,
             -0.1887703343990727, -0.047502081252106004, 0.0, 0.052497918747894, 0.3112296656009273,
             0.7310585786300049, 1.437409049357991, 2.8577223804672998, 5.985164261060192],
}
TORCH_DERIVATIVES = {
    "gelu": [-3.9807546004751306e-14, -0.0005036496612264215, -0.03761108590814519, -0.08331547058768635,
             0.13250487534383712, 0.4204769079752698, 0.5, 0.5795230920247302, 0.8674951246561629,
             1.0833154705876864, 1.1153179687821648, 1.011945647204184, 1.0000000354687093],
    "gelu_tanh": [0.0, -0.00033512319712218684, -0.03795157621266618, -0.08296408384578252,
                  0.13263009646535764, 0.4204782107282433, 0.5, 0.5795217892717567, 0.8673699035346424,
                  1.0829640838457826, 1.115914631452605, 1.0115841666309695, 1.0000000007709977],
    "silu": [-0.0023465512355853157, -0.05266461489107291, -0.09940111134152683, 0.07232948812851325,
             0.2600388126973482, 0.4500832085017708, 0.5, 0.5499167914982293, 0.7399611873026519,
             0.9276705118714869, 1.067564504759019, 1.0881041060151693, 1.0123264325915249],
}


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu"])
def test_gelu_silu_match_pytorch(name):
    act = get_activation(name)
    x = np.array(TORCH_POINTS)
    # absolute 1e-15 near 0 and in the far tail (-8: 0.5 x (1 + erf) loses digits there in both)
    np.testing.assert_allclose(act(x), TORCH_VALUES[name], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.derivative(x), TORCH_DERIVATIVES[name], rtol=1e-12, atol=1e-14)


def test_gelu_silu_from_their_definitions():
    from scipy.special import expit, ndtr

    z = np.linspace(-6, 6, 121)
    np.testing.assert_allclose(get_activation("gelu")(z), z * ndtr(z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(get_activation("silu")(z), z * expit(z), rtol=1e-12, atol=1e-15)
    # the tanh form stays within 5e-4 of the exact GELU (Hendrycks & Gimpel 2016)
    assert np.max(np.abs(get_activation("gelu_tanh")(z) - z * ndtr(z))) < 5e-4
    for name in ("gelu", "gelu_tanh", "silu"):
        act = get_activation(name)
        assert act.is_smooth_rectifier and not act.is_rectifier and not act.saturates
        assert float(act(0.0)) == 0.0 and float(act.derivative(0.0)) == 0.5
        assert not act.saturated(act(z)).any()
        # they approach ReLU far from 0
        far = np.array([-30.0, 30.0])
        np.testing.assert_allclose(act(far), [0.0, 30.0], atol=1e-11)


def test_new_names_are_listed():
    for name in ("gelu", "gelu_tanh", "silu"):
        assert name in ACTIVATION_NAMES
        assert get_activation(name.upper()).name == name
    assert get_activation("GELU-tanh").name == "gelu_tanh"
    with pytest.raises(ValueError, match="takes no keyword"):
        get_activation("gelu", negative_slope=0.1)
