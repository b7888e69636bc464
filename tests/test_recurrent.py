"""weightinit.recurrent: framework initializations, BPTT against finite differences, the closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from weightinit import recurrent as R


def _unit_readout(seed, batch, hidden):
    u = np.random.default_rng(seed).standard_normal((batch, hidden))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _finite_difference(loss, x0, eps=1e-6):
    grad = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (loss(up) - loss(down)) / (2 * eps)
    return grad


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_rnn_gradient_matches_finite_differences(activation):
    p = R.init_rnn(5, 3, scheme="gaussian", gain=1.2, rng=1)
    gen = np.random.default_rng(2)
    x, h0 = gen.standard_normal((6, 2, 3)), gen.standard_normal((2, 5))
    res = R.rnn_bptt(p, x, activation=activation, h0=h0, rng=7)
    u = _unit_readout(7, 2, 5)
    fd = _finite_difference(lambda h: np.sum(u * R.rnn_bptt(p, x, activation=activation, h0=h).h[-1]), h0)
    assert np.allclose(res.grad_h0, fd, atol=1e-8)
    assert np.allclose(res.grad_norm[0], np.linalg.norm(fd, axis=1), atol=1e-8)
    assert np.allclose(res.grad_norm[-1], 1.0)
    assert np.array_equal(res.u, u)


@pytest.mark.parametrize("readout", ["c", "h"])
@pytest.mark.parametrize("scheme", ["pytorch", "keras"])
def test_lstm_gradients_match_finite_differences(readout, scheme):
    p = R.init_rnn(4, 3, cell="lstm", scheme=scheme, rng=3)
    gen = np.random.default_rng(4)
    x, h0, c0 = gen.standard_normal((5, 2, 3)), gen.standard_normal((2, 4)), gen.standard_normal((2, 4))
    res = R.lstm_bptt(p, x, h0=h0, c0=c0, readout=readout, rng=9)
    u = _unit_readout(9, 2, 4)

    def loss(h, c):
        run = R.lstm_bptt(p, x, h0=h, c0=c, readout=readout)
        return np.sum(u * (run.c[-1] if readout == "c" else run.h[-1]))

    assert np.allclose(res.grad_h0, _finite_difference(lambda h: loss(h, c0), h0), atol=1e-8)
    assert np.allclose(res.grad_c0, _finite_difference(lambda c: loss(h0, c), c0), atol=1e-8)
    assert np.allclose(res.cell_grad_norm[0], np.linalg.norm(res.grad_c0, axis=1))


def test_lstm_forward_matches_the_gate_equations():
    p = R.init_rnn(3, 2, cell="lstm", scheme="pytorch", rng=5)
    x = np.random.default_rng(6).standard_normal((1, 1, 2))
    res = R.lstm_bptt(p, x)
    a = p["weight_ih"] @ x[0, 0] + p["bias_ih"] + p["bias_hh"]      # h0 = 0
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = sig(a[:3]), sig(a[3:6]), np.tanh(a[6:9]), sig(a[9:])
    assert np.allclose(res.c[1, 0], i * g) and np.allclose(res.h[1, 0], o * np.tanh(i * g))
    assert np.allclose(res.forget[0, 0], f)


def test_pytorch_scheme_bounds_and_variances():
    H, n_in = 200, 50
    p = R.init_rnn(H, n_in, cell="lstm", scheme="pytorch", rng=0)
    bound = 1 / math.sqrt(H)
    assert p["weight_ih"].shape == (4 * H, n_in) and p["weight_hh"].shape == (4 * H, H)
    for name, arr in p.items():
        assert np.abs(arr).max() <= bound, name
        assert np.abs(arr).max() > 0.98 * bound, name
    w = p["weight_hh"]
    assert abs(w.var() / (1 / (3 * H)) - 1) < 0.02
    total = p["bias_ih"] + p["bias_hh"]                   # two biases: variance 2/(3H)
    assert abs(total.var() / (2 / (3 * H)) - 1) < 0.15


def test_keras_scheme_kernel_recurrent_and_forget_bias():
    H, n_in = 16, 10
    p = R.init_rnn(H, n_in, cell="lstm", scheme="keras", rng=1)
    # glorot_uniform on the Keras kernel (input, 4H): bound sqrt(6 / (input + 4H))
    assert np.abs(p["weight_ih"]).max() <= math.sqrt(6 / (n_in + 4 * H))
    w = p["weight_hh"]                                      # (4H, H) = transpose of Keras' (H, 4H)
    assert np.allclose(w.T @ w, np.eye(H), atol=1e-12)      # the whole matrix is orthogonal
    block = w[R.gate_slice("g", H)]
    s = np.linalg.svd(block, compute_uv=False)
    assert s.max() < 1 - 1e-3                               # one gate's block is not orthogonal
    bias = p["bias_ih"] + p["bias_hh"]
    assert np.all(bias[R.gate_slice("f", H)] == 1.0)
    assert np.all(np.delete(bias, np.arange(H, 2 * H)) == 0.0)
    simple = R.init_rnn(H, n_in, scheme="keras", rng=1)
    assert np.allclose(simple["weight_hh"] @ simple["weight_hh"].T, np.eye(H), atol=1e-12)


def test_flax_scheme_has_orthogonal_blocks_and_no_forget_bias():
    H = 12
    p = R.init_rnn(H, 7, cell="lstm", scheme="flax", rng=2)
    for gate in R.GATES:
        block = p["weight_hh"][R.gate_slice(gate, H)]
        assert np.allclose(block @ block.T, np.eye(H), atol=1e-12)
    assert not np.any(p["bias_ih"]) and not np.any(p["bias_hh"])
    # lecun_normal (truncated at 2 sigma): |w| <= 2 * sqrt(1/7) / 0.8796...
    assert np.abs(p["weight_ih"]).max() <= 2 * math.sqrt(1 / 7) / 0.87962566103423978


def test_irnn_orthogonal_gaussian_schemes():
    p = R.init_rnn(10, 4, scheme="irnn", rng=0)
    assert np.array_equal(p["weight_hh"], np.eye(10))
    assert np.abs(p["weight_ih"]).max() < 0.01            # std 0.001
    q = R.init_rnn(10, 4, scheme="orthogonal", gain=0.9, rng=0)
    assert np.allclose(q["weight_hh"] @ q["weight_hh"].T, 0.81 * np.eye(10))
    g = R.init_rnn(400, 4, scheme="gaussian", gain=2.0, rng=0)["weight_hh"]
    assert abs(g.var() / (4 / 400) - 1) < 0.02


def test_forget_bias_override():
    p = R.init_rnn(6, 2, cell="lstm", scheme="pytorch", forget_bias=2.5, rng=0)
    f = R.gate_slice("f", 6)
    assert np.all(p["bias_ih"][f] + p["bias_hh"][f] == 2.5)
    assert f == slice(6, 12)


def test_reproducible_and_generator_advances():
    a = R.init_rnn(8, 3, cell="lstm", scheme="keras", rng=11)
    b = R.init_rnn(8, 3, cell="lstm", scheme="keras", rng=11)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    gen = np.random.default_rng(11)
    c, d = R.init_rnn(8, 3, rng=gen), R.init_rnn(8, 3, rng=gen)
    assert not np.array_equal(c["weight_hh"], d["weight_hh"])
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    r1, r2 = R.rnn_bptt(c, x, rng=5), R.rnn_bptt(c, x, rng=5)
    assert np.array_equal(r1.grad_norm, r2.grad_norm)


def test_linear_rnn_orthogonal_is_exact_and_power_singular_values():
    H, T = 20, 50
    p = R.init_rnn(H, H, scheme="orthogonal", gain=1.05, rng=3)
    x = np.random.default_rng(1).standard_normal((T, 4, H))
    res = R.rnn_bptt(p, x, activation="linear", rng=2)
    assert np.allclose(res.grad_norm[0], 1.05**T)
    s = R.power_singular_values(p["weight_hh"], [0, 1, T])
    assert np.allclose(s[0], 1) and np.allclose(s[2], 1.05**T)
    w = np.diag([0.5, 2.0])
    assert R.spectral_radius(w) == 2.0
    assert np.allclose(R.power_singular_values(w, 3), [[8.0, 0.125]])


def test_irnn_gradient_is_the_readout_masked_by_always_active_units():
    H, T = 30, 40
    p = R.init_rnn(H, 5, scheme="irnn", input_std=0.1, rng=4)
    x = np.random.default_rng(5).standard_normal((T, 3, 5))
    res = R.rnn_bptt(p, x, activation="relu", rng=6)
    alive = np.all(res.h[1:] > 0, axis=0)                  # z_t > 0 at every step
    u = _unit_readout(6, 3, H)
    assert np.allclose(res.grad_h0, u * alive)


def test_lstm_zero_state_jacobian_is_exact_at_zero_input():
    p = R.init_rnn(16, 3, cell="lstm", scheme="flax", forget_bias=1.0, rng=0)
    J = R.lstm_zero_state_jacobian(p)
    w_g = p["weight_hh"][R.gate_slice("g", 16)]
    assert np.allclose(J, (1 / (1 + math.e**-1)) * np.eye(16) + w_g / 4)
    T = 25
    res = R.lstm_bptt(p, np.zeros((T, 2, 3)), rng=1)
    s = _unit_readout(1, 2, 16) @ np.linalg.matrix_power(J, T - 1)
    assert np.allclose(res.grad_c0, s / (1 + math.e**-1))
    with pytest.raises(ValueError, match="b_g"):
        R.lstm_zero_state_jacobian(R.init_rnn(4, 2, cell="lstm", scheme="pytorch", rng=0))


def test_forget_time_scale():
    assert R.forget_time_scale(0.0) == pytest.approx(1 / math.log(2))
    sig = 1 / (1 + math.exp(-1))
    assert R.forget_time_scale(1.0) == pytest.approx(-1 / math.log(sig))
    big = R.forget_time_scale(np.array([6.0, 8.0]))
    assert np.allclose(big, 1 + np.exp([6.0, 8.0]), rtol=2e-3)   # ~ 1/(1 - sigma(b)) = 1 + e^b
    assert R.forget_bias_for_time_scale(101.0) == pytest.approx(math.log(100))
    b = R.forget_bias_for_time_scale(50.0)
    assert 1 / (1 - 1 / (1 + math.exp(-b))) == pytest.approx(50.0)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"hidden": 0, "input_size": 3}, ValueError, "hidden"),
        ({"hidden": 2.0, "input_size": 3}, TypeError, "hidden"),
        ({"hidden": 4, "input_size": 3, "scheme": "xavier"}, ValueError, "scheme"),
        ({"hidden": 4, "input_size": 3, "cell": "gru"}, ValueError, "cell"),
        ({"hidden": 4, "input_size": 3, "cell": "lstm", "scheme": "irnn"}, ValueError, "irnn"),
        ({"hidden": 4, "input_size": 3, "forget_bias": 1.0}, ValueError, "forget"),
        ({"hidden": 4, "input_size": 3, "scheme": "pytorch", "gain": 2.0}, ValueError, "gain"),
        ({"hidden": 4, "input_size": 3, "scheme": "keras", "input_std": 0.1}, ValueError, "input_std"),
        ({"hidden": 4, "input_size": 3, "rng": "seed"}, TypeError, "rng"),
    ],
)
def test_bad_arguments_are_named(kwargs, err, match):
    with pytest.raises(err, match=match):
        R.init_rnn(**kwargs)


def test_bad_bptt_inputs():
    p = R.init_rnn(4, 3, rng=0)
    with pytest.raises(ValueError, match=r"\(T, batch, 3\)"):
        R.rnn_bptt(p, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="LSTM"):
        R.lstm_bptt(p, np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="h0"):
        R.rnn_bptt(p, np.zeros((5, 2, 3)), h0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="readout"):
        R.lstm_bptt(R.init_rnn(4, 3, cell="lstm", rng=0), np.zeros((5, 2, 3)), readout="o")
    with pytest.raises(ValueError, match="time_scale"):
        R.forget_bias_for_time_scale(1.0)
    with pytest.raises(ValueError, match="square"):
        R.spectral_radius(np.zeros((2, 3)))


def test_plot_through_time_draws_one_panel_per_group():
    from weightinit import plots

    fig = plots.plot_through_time({"가": {"a": np.geomspace(1e-3, 1, 11)}, "나": {"b": np.ones(11), "c": np.ones(11)}})
    axes = fig.get_axes()
    assert len(axes) == 2 and len(axes[1].get_lines()) == 2
    assert axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="1-D"):
        plots.plot_through_time({"가": {"a": np.ones((2, 3))}})
