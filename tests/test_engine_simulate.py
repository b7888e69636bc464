"""Simulator: statistics, theory against simulation (ensemble means), DESIGN §5 R3/R5/R6 echoes."""

import math

import numpy as np
import pytest
from scipy import special

from weightinit.simulate import SimulationResult, compare, init_network, input_variances, run_network, simulate
from weightinit.theory import InitSpec


def ensemble_ratio(activation, init, n_networks, *, width=500, depth=10, batch_size=64):
    """Mean over independent networks of measured / predicted variance, per layer.

    The recursions predict the variance over random weights *and* inputs. One ReLU network's
    per-layer variance fluctuates by ~20 % around it at width 500 and depth 10 (deep ReLU
    layers see nearly parallel inputs, so the batch no longer averages over weights), so the
    comparison is made on the ensemble mean, as the theory states it.
    """
    fwd, bwd = [], []
    for seed in range(n_networks):
        res = simulate(width, depth, activation, init, batch_size=batch_size, rng=100 + seed, keep_arrays=False)
        th = res.theory()
        fwd.append(res.preact_std**2 / th.preact_var)
        bwd.append(res.grad_preact_std**2 / th.grad_preact_var)
    return np.mean(fwd, axis=0), np.mean(bwd, axis=0)


# fixed σ chosen so that the signal stays measurable over 10 layers of 500:
# linear n σ² = 1.01, ReLU n σ²/2 = 1.06, tanh n σ² = 1.25 (a non-zero fixed point).
CASES = [
    ("linear", "xavier_normal", 2),
    ("linear", "kaiming_normal", 2),
    ("linear", 0.045, 2),
    ("relu", "xavier_normal", 12),
    ("relu", "kaiming_normal", 12),
    ("relu", 0.065, 12),
    ("tanh", "xavier_normal", 2),
    ("tanh", "kaiming_normal", 2),
    ("tanh", 0.05, 2),
    ("gelu", "kaiming_normal", 4),
    ("silu", "xavier_normal", 4),
]


@pytest.mark.parametrize("activation, init, n_networks", CASES)
def test_theory_matches_simulation_within_10_percent(activation, init, n_networks):
    fwd, bwd = ensemble_ratio(activation, init, n_networks)
    np.testing.assert_array_less(np.abs(fwd - 1), 0.10)
    np.testing.assert_array_less(np.abs(bwd - 1), 0.10)


def test_theory_would_catch_a_wrong_gain():
    # The same comparison fails when the prediction uses Var(ReLU(z)) instead of E[ReLU(z)²].
    res = simulate(500, 10, "relu", "kaiming_normal", batch_size=64, rng=3, keep_arrays=False)
    wrong = 2.0 * (0.5 - 1 / (2 * math.pi))  # n σ² Var(ReLU)/q per layer
    predicted = 2.0 * wrong ** np.arange(10)
    assert abs(res.preact_std[-1] ** 2 / predicted[-1] - 1) > 0.5


def test_r3_glorot_echo_standard_versus_xavier():
    # Glorot & Bengio (2010) figs. 6-7: tanh, 5 layers of 1000, U(±1/√n) against normalized init.
    res = compare(["pytorch_default_uniform", "xavier_uniform"], 1000, 5, "tanh", batch_size=500, rng=0,
                  keep_arrays=False)
    standard, xavier = res.values()
    s = standard.act_std
    assert np.all(np.diff(s) < 0)  # shrinks layer by layer
    assert s[0] == pytest.approx(0.46, abs=0.02) and s[-1] == pytest.approx(0.05, abs=0.01)
    # small-signal tanh is nearly linear: each layer multiplies the std by about √(n Var W) = 1/√3
    np.testing.assert_allclose(s[2:] / s[1:-1], 1 / math.sqrt(3), rtol=0.05)
    assert xavier.act_std[0] == pytest.approx(0.63, abs=0.02)
    assert xavier.act_std[-1] == pytest.approx(0.32, abs=0.02)
    assert s[-1] < 0.25 * xavier.act_std[-1]
    # back-propagated gradients ∂L/∂Z, top layer → bottom layer
    assert standard.grad_preact_std[-1] == pytest.approx(1.0, abs=0.03)
    assert standard.grad_preact_std[0] == pytest.approx(0.08, abs=0.01)
    assert xavier.grad_preact_std[-1] == pytest.approx(0.91, abs=0.03)
    assert xavier.grad_preact_std[0] == pytest.approx(0.37, abs=0.02)


def test_r5_tanh_saturation_and_collapse():
    big = simulate(500, 10, "tanh", 1.0, batch_size=500, rng=1, keep_arrays=False)
    # saturated fraction against P(|z| > atanh 0.99) for z ~ N(0, measured Var Z)
    expected = special.erfc(np.arctanh(0.99) / (big.preact_std * math.sqrt(2)))
    np.testing.assert_allclose(big.saturated_frac, expected, atol=0.02)
    assert big.saturated_frac[-1] > 0.85
    small = simulate(500, 10, "tanh", 0.01, batch_size=500, rng=1, keep_arrays=False)
    # n σ² = 0.05: nearly linear, the std falls by √0.05 per layer
    np.testing.assert_allclose(small.act_std[1:] / small.act_std[:-1], math.sqrt(0.05), rtol=0.03)
    assert small.saturated_frac.max() == 0.0


def test_r6_pytorch_default_in_relu_net_loses_five_sixths_per_layer():
    res = simulate(256, 10, "relu", "pytorch_default_uniform", batch_size=500, rng=2, keep_arrays=False)
    second_moment = res.act_std**2 + res.act_mean**2
    # n Var(W) = 1/3 and E[ReLU(z)²] = Var(z)/2: E[A²] shrinks by 1/6 per layer
    ratios = second_moment[1:] / second_moment[:-1]
    assert np.exp(np.mean(np.log(ratios))) == pytest.approx(1 / 6, rel=0.1)


def test_statistics_agree_with_numpy_on_the_kept_arrays():
    res = simulate([40, 30, 20], activation="relu", init="kaiming_uniform", input_dim=50, batch_size=70,
                   bias_std=0.1, rng=4)
    assert res.widths == (50, 40, 30, 20)
    for l in range(3):
        np.testing.assert_allclose(res.preact_mean[l], res.preacts[l].mean(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(res.preact_std[l], res.preacts[l].std(), rtol=1e-10)
        np.testing.assert_allclose(res.act_std[l], res.acts[l].std(), rtol=1e-10)
        np.testing.assert_allclose(res.grad_preact_std[l], res.grad_preacts[l].std(), rtol=1e-10)
        np.testing.assert_allclose(res.grad_act_std[l], res.grad_acts[l].std(), rtol=1e-10)
        np.testing.assert_array_equal(res.acts[l], np.maximum(res.preacts[l], 0))
        assert res.inactive_frac[l] == pytest.approx(np.mean(res.preacts[l] <= 0))
        assert res.grad_preacts[l].shape == (70, res.widths[l + 1])
    assert res.saturated_frac is None


def test_backward_pass_is_the_chain_rule():
    # Linear network: ∂L/∂A[l-1] = ∂L/∂A[l] W_l, so ∂L/∂A[1] = E W_3 W_2.
    rng = np.random.default_rng(5)
    weights = [rng.standard_normal((6, 4)), rng.standard_normal((5, 6)), rng.standard_normal((3, 5))]
    x = rng.standard_normal((8, 4))
    E = rng.standard_normal((8, 3))
    res = run_network(x, weights, None, "linear", output_grad=E)
    np.testing.assert_allclose(res.grad_acts[0], E @ weights[2] @ weights[1], rtol=1e-12)
    np.testing.assert_allclose(res.acts[2], x @ weights[0].T @ weights[1].T @ weights[2].T, rtol=1e-12)
    # weight gradient of layer 1, averaged over the batch
    g1 = res.grad_preacts[0]
    assert res.weight_grad_std[0] == pytest.approx(np.std(g1.T @ x / 8), rel=1e-12)


def test_tanh_backward_uses_its_derivative():
    rng = np.random.default_rng(6)
    weights = [rng.standard_normal((3, 3)) * 0.5 for _ in range(2)]
    x = rng.standard_normal((4, 3))
    E = rng.standard_normal((4, 3))
    res = run_network(x, weights, None, "tanh", output_grad=E)
    np.testing.assert_allclose(res.grad_preacts[1], E * (1 - np.tanh(res.preacts[1]) ** 2), rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_dead_units_are_counted(activation):
    # Inputs are positive; the second node has only negative weights, so it is dead.
    x = np.abs(np.random.default_rng(7).standard_normal((100, 3))) + 0.1
    w = np.array([[1.0, 1.0, 1.0], [-1.0, -2.0, -0.5], [1.0, -1.0, 0.5], [0.3, 0.2, 0.1]])
    res = run_network(x, [w], None, activation, rng=0)
    assert res.dead_frac[0] == pytest.approx(0.25)


def test_reproducible_given_a_seed():
    a = simulate(64, 4, "tanh", "xavier_normal", batch_size=32, rng=9)
    b = simulate(64, 4, "tanh", "xavier_normal", batch_size=32, rng=9)
    c = simulate(64, 4, "tanh", "xavier_normal", batch_size=32, rng=10)
    np.testing.assert_array_equal(a.acts[-1], b.acts[-1])
    assert not np.array_equal(a.acts[-1], c.acts[-1])


def test_a_generator_is_advanced():
    gen = np.random.default_rng(0)
    a = simulate(16, 2, "relu", 0.3, batch_size=8, rng=gen)
    b = simulate(16, 2, "relu", 0.3, batch_size=8, rng=gen)
    assert not np.array_equal(a.acts[0], b.acts[0])


def test_float32_and_init_network():
    res = simulate(32, 3, "tanh", "xavier_normal", batch_size=16, rng=0, dtype=np.float32)
    assert res.acts[-1].dtype == np.float32
    weights, biases = init_network([8, 4], "kaiming_normal", input_dim=5, bias_std=0.2, rng=1)
    assert [w.shape for w in weights] == [(8, 5), (4, 8)]
    assert [b.shape for b in biases] == [(8,), (4,)] and np.any(biases[0] != 0)
    weights, biases = init_network(4, 0.1, depth=2, rng=1)
    assert not np.any(biases[0])


def test_result_exposes_layers_label_and_summary():
    res = simulate(32, 3, "tanh", InitSpec.fixed(0.2, label="작은 σ"), batch_size=16, rng=0)
    assert isinstance(res, SimulationResult)
    np.testing.assert_array_equal(res.layers, [1, 2, 3])
    assert res.label == "작은 σ"
    text = res.summary()
    assert "층" in text and "포화" in text and len(text.splitlines()) == 4


def test_compare_uses_the_same_inputs():
    out = compare([0.05, "xavier_normal"], 20, 2, "linear", batch_size=10, rng=0)
    first, second = out.values()
    # linear first layer: Z = X Wᵀ; the same X means E[X²] is the same
    assert first.input_second_moment == second.input_second_moment
    with pytest.raises(ValueError, match="distinct labels"):
        compare([0.05, 0.05], 20, 2, "linear", rng=0)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"depth": 0}, ValueError),
        ({"depth": -1}, ValueError),
        ({"width": 0}, ValueError),
        ({"width": -5}, ValueError),
        ({"width": [10, 0]}, ValueError),
        ({"width": [10, 10], "depth": 3}, ValueError),
        ({"batch_size": 0}, ValueError),
        ({"activation": "softplus"}, ValueError),
        ({"init": [1, 2]}, TypeError),
        ({"init": -0.1}, ValueError),
        ({"bias_std": -1.0}, ValueError),
        ({"x": np.zeros((4, 3)), "input_dim": 10}, ValueError),
        ({"x": np.zeros(10)}, ValueError),
        ({"rng": "seed"}, TypeError),
    ],
)
def test_bad_arguments_raise(kwargs, error):
    args = {"width": 10, "depth": 2, "activation": "tanh", "init": "xavier_normal", "batch_size": 4}
    args.update(kwargs)
    with pytest.raises(error):
        simulate(**args)


def test_run_network_checks_shapes():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="weights\\[1\\]"):
        run_network(x, [np.zeros((5, 3)), np.zeros((2, 4))], None, "relu")
    with pytest.raises(ValueError, match="output_grad"):
        run_network(x, [np.zeros((5, 3))], None, "relu", output_grad=np.zeros((4, 4)))
    with pytest.raises(ValueError):
        run_network(x, [], None, "relu")
    with pytest.raises(ValueError, match="initializer"):
        run_network(x, [np.ones((5, 3))], None, "relu", rng=0).theory()


# --- input_variances: one chain of per-input variances per input ----------------------------


def test_input_variances_relu_mean_is_the_theory_at_any_width():
    """ReLU's length map is linear, so the mean-field recursion is exact in expectation even at
    widths of 16 to 64: every layer's mean over 20 000 inputs is within four standard errors of it."""
    from weightinit.theory import propagate

    widths = [32, 64, 16, 48, 32, 24, 40, 32]        # each layer its own Var(W) = 2 / n_in
    s = input_variances(widths, None, "relu", "kaiming_normal", n_inputs=20_000, rng=3)
    assert s.shape == (20_000, 8)
    theory = propagate(widths, "relu", "kaiming_normal").preact_var
    err = s.std(axis=0) / np.sqrt(len(s))
    assert np.all(np.abs(s.mean(axis=0) - theory) < 4 * err), (s.mean(axis=0), theory, err)
    # layer 1: Var(W) n_0 m_2 exactly in expectation (chi-square), here with m_2 = 3
    first = input_variances(32, 2, "relu", "kaiming_normal", n_inputs=20_000, input_second_moment=3.0, rng=4)[:, 0]
    assert abs(first.mean() / (2 / 32 * 32 * 3.0) - 1) < 4 * first.std() / first.mean() / np.sqrt(len(first))


def test_input_variances_gelu_he_average_is_above_the_mean_field_and_nears_it_when_wider():
    """GELU's length map is convex at small q: the average variance shrinks more slowly than the
    mean-field theory says (Jensen), and less so the wider the layers."""
    from weightinit.theory import propagate

    theory = propagate(256, "gelu", "kaiming_normal", depth=20).preact_var[-1]
    mean = {n: input_variances(n, 20, "gelu", "kaiming_normal", n_inputs=2000, rng=0)[:, -1].mean()
            for n in (128, 1024)}
    assert mean[128] > mean[1024] > 1.5 * theory, (mean, theory)


def test_input_variances_matches_networks_of_simulate():
    """Each input's chain has the law it has in one network: averaged over networks, the pooled
    variance of simulate agrees with the chains' mean (tanh, 64 wide, 10 layers)."""
    pooled = np.mean([simulate(64, 10, "tanh", "xavier_normal", batch_size=200, rng=s, keep_arrays=False).preact_std ** 2
                      for s in range(30)], axis=0)
    chains = input_variances(64, 10, "tanh", "xavier_normal", n_inputs=6000, rng=1).mean(axis=0)
    assert np.all(np.abs(pooled / chains - 1) < 0.03), pooled / chains


def test_input_variances_is_reproducible_and_checks_its_arguments():
    a = input_variances(16, 3, "tanh", n_inputs=5, rng=7)
    assert np.array_equal(a, input_variances(16, 3, "tanh", n_inputs=5, rng=7))
    gen = np.random.default_rng(7)
    assert not np.array_equal(input_variances(16, 3, "tanh", n_inputs=5, rng=gen),
                              input_variances(16, 3, "tanh", n_inputs=5, rng=gen))  # the Generator advances
    with pytest.raises(ValueError, match="orthogonal"):
        input_variances(16, 3, "tanh", "orthogonal", rng=0)
    with pytest.raises(ValueError, match=r"n_inputs must be an int >= 1; got 0"):
        input_variances(16, 3, "tanh", n_inputs=0)
    with pytest.raises(TypeError, match="n_inputs must be an int"):
        input_variances(16, 3, "tanh", n_inputs=True)
    with pytest.raises(ValueError, match="input_second_moment"):
        input_variances(16, 3, "tanh", input_second_moment=-1.0)
