"""weightinit.residual: theory against Monte Carlo, gradients against finite differences, errors, rng."""

from __future__ import annotations

import math

import numpy as np
import pytest

from weightinit import residual
from weightinit.activations import get_activation


# ----------------------------------------------------------------------------- theory

def test_unnormalized_relu_theory_is_the_product_formula():
    for alpha in (0.0, 0.3, 1.0):
        th = residual.residual_stream_theory(10, alpha, "none", "relu", input_var=2.0)
        assert np.allclose(th, 2.0 * (1 + alpha**2) ** np.arange(11), rtol=1e-12)
    # another sigma_w2 and the linear activation: 1 + a^2 sigma_w2 / 2 and 1 + a^2 sigma_w2 per block
    assert np.allclose(residual.residual_stream_theory(5, 0.5, "none", "relu", sigma_w2=4.0),
                       (1 + 0.25 * 2.0) ** np.arange(6))
    assert np.allclose(residual.residual_stream_theory(5, 0.5, "none", "linear", sigma_w2=1.0),
                       1.25 ** np.arange(6))


def test_unnormalized_tanh_theory_follows_its_recursion():
    # independent: E[tanh(sqrt(v) xi)^2] by a dense Riemann sum on [-12, 12]
    xi = np.linspace(-12, 12, 200001)
    dens = np.exp(-xi**2 / 2) / math.sqrt(2 * math.pi) * (xi[1] - xi[0])
    v, expected = 1.0, [1.0]
    for _ in range(6):
        v = v + 0.49 * 1.0 * float(np.sum(np.tanh(math.sqrt(v) * xi) ** 2 * dens))
        expected.append(v)
    th = residual.residual_stream_theory(6, 0.7, "none", "tanh", sigma_w2=1.0)
    assert np.allclose(th, expected, rtol=1e-7)


def test_pre_ln_theory_is_linear_and_post_ln_is_one():
    th = residual.residual_stream_theory(8, 1.0, "pre", "relu", input_var=3.0)
    assert np.allclose(np.diff(th), 1.0) and th[0] == 3.0        # sigma_w2 E[relu(xi)^2] = 2 * 1/2
    th = residual.residual_stream_theory(8, 0.5, "pre", "linear", sigma_w2=1.0)
    assert np.allclose(np.diff(th), 0.25)
    th = residual.residual_stream_theory(4, 1.0, "post", "tanh", input_var=5.0)
    assert th.tolist() == [5.0, 1.0, 1.0, 1.0, 1.0]
    assert residual.residual_stream_theory(0).tolist() == [1.0]


# ----------------------------------------------------------------------------- Monte Carlo

@pytest.mark.parametrize("norm, alpha, activation, tol", [
    ("none", 1 / math.sqrt(16), "relu", 0.08),
    ("none", 0.5, "tanh", 0.08),
    ("pre", 1.0, "relu", 0.12),
    ("pre", 0.7, "tanh", 0.08),
    ("post", 1.0, "relu", 1e-4),
])
def test_stack_matches_theory(norm, alpha, activation, tol):
    st = residual.residual_stack(16, 256, branch_scale=alpha, norm=norm, activation=activation,
                                 batch_size=128, rng=5)
    assert np.all(np.abs(st.stream_var / st.theory() - 1) < tol)


def test_unnormalized_growth_is_exponential_and_pre_ln_is_not():
    none = residual.residual_stack(24, 256, norm="none", rng=1)
    pre = residual.residual_stack(24, 256, norm="pre", rng=1)
    assert none.stream_var[-1] / none.stream_var[0] > 2**24 / 4
    assert pre.stream_var[-1] / pre.stream_var[0] < 30


def _finite_difference(loss_of, w, idx, h=1e-6):
    wp, wm = w.copy(), w.copy()
    wp[idx] += h
    wm[idx] -= h
    return (loss_of(wp) - loss_of(wm)) / (2 * h)


@pytest.mark.parametrize("norm", residual.NORM_PLACEMENTS)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_residual_gradients_match_finite_differences(norm, activation):
    gen = np.random.default_rng(0)
    n, batch, depth = 6, 5, 3
    weights = [gen.standard_normal((n, n)) * 0.6 for _ in range(depth)]
    x = gen.standard_normal((batch, n))
    e = gen.standard_normal((batch, n))
    _, stream, grads = residual.residual_loss_and_grads(weights, x, e, branch_scale=0.8, norm=norm,
                                                        activation=activation)
    assert len(stream) == depth + 1 and np.array_equal(stream[0], x)
    for layer in range(depth):
        def loss_of(w, layer=layer):
            ws = list(weights)
            ws[layer] = w
            return residual.residual_loss_and_grads(ws, x, e, branch_scale=0.8, norm=norm,
                                                    activation=activation)[0]
        for idx in [(0, 0), (2, 3), (5, 1)]:
            numeric = _finite_difference(loss_of, weights[layer], idx) / batch
            assert abs(grads[layer][idx] - numeric) < 1e-6 * max(1.0, abs(numeric))


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_batchnorm_gradients_match_finite_differences(activation):
    gen = np.random.default_rng(1)
    weights = [gen.standard_normal((5, 4)), gen.standard_normal((6, 5)), gen.standard_normal((3, 6))]
    x = gen.standard_normal((7, 4))
    e = gen.standard_normal((7, 3))
    _, grads = residual.batchnorm_mlp_loss_and_grads(weights, x, e, activation)
    for layer in range(3):
        def loss_of(w, layer=layer):
            ws = list(weights)
            ws[layer] = w
            return residual.batchnorm_mlp_loss_and_grads(ws, x, e, activation)[0]
        for idx in [(0, 0), (2, 3)]:
            numeric = _finite_difference(loss_of, weights[layer], idx) / 7
            assert abs(grads[layer][idx] - numeric) < 1e-5 * max(1.0, abs(numeric))


def test_batchnorm_forward_is_normalized_and_relu_gradients_grow():
    run = residual.batchnorm_mlp_gradients(20, 128, "relu", batch_size=64, rng=3)
    assert np.allclose(run.preact_std, 1.0, atol=1e-3)
    assert run.growth_per_layer > 1.1
    assert run.weight_grad_norm[0] > 5 * run.weight_grad_norm[-1]
    lin = residual.batchnorm_mlp_gradients(20, 128, "linear", batch_size=64, rng=3)
    assert lin.growth_per_layer < 1.03
    # the weight scale changes the overall gradient scale only (scale invariance)
    big = residual.batchnorm_mlp_gradients(20, 128, "relu", batch_size=64, sigma_w2=8.0, rng=3)
    assert np.allclose(big.weight_grad_norm * 2.0, run.weight_grad_norm, rtol=1e-3)


def test_gpt2_stream_matches_theory():
    plain = residual.gpt2_mlp_stream(12, 128, scaled=False, tokens=64, rng=0)
    th = residual.gpt2_mlp_stream_theory(12, 128, scaled=False)
    assert np.all(np.abs(plain[1:] / th[1:] - 1) < 0.1)
    scaled = residual.gpt2_mlp_stream(12, 128, scaled=True, tokens=64, rng=0)
    th_s = residual.gpt2_mlp_stream_theory(12, 128, scaled=True)
    assert np.all(np.abs(scaled[1:] / th_s[1:] - 1) < 0.1)
    # the per-block variance of the scaled stack is the unscaled one over 2L
    assert math.isclose((th_s[1] - th_s[0]) * 24, th[1] - th[0], rel_tol=1e-12)


def test_depth_scalings():
    assert residual.fixup_scale(16, 2) == 0.25 and residual.fixup_scale(16, 3) == 0.5
    assert math.isclose(residual.gpt2_residual_std(12), 0.02 / math.sqrt(24))
    a, b = residual.deepnorm_constants("decoder", 18)
    assert math.isclose(a, 36**0.25) and math.isclose(b, 144**-0.25)
    a, b = residual.deepnorm_constants("encoder-decoder/decoder", 6)
    assert math.isclose(a, 18**0.25) and math.isclose(b, 72**-0.25)


# ----------------------------------------------------------------------------- training

def test_init_schemes():
    fix = residual.init_residual_mlp("fixup", 9, 4, 8, rng=0)
    he = residual.init_residual_mlp("he", 9, 4, 8, rng=0)
    assert np.allclose(fix["W1"], he["W1"] / 3) and not fix["W2"].any() and not fix["w"].any()
    assert np.all(residual.init_residual_mlp("rezero", 9, 4, 8, rng=0)["s"] == 0)
    assert np.allclose(residual.init_residual_mlp("scaled", 9, 4, 8, rng=0)["s"], 1 / 3)


def test_training_fixup_trains_where_he_diverges():
    X, y = residual.teacher_task(256, 8, rng=0)
    inits = {s: residual.init_residual_mlp(s, 16, 8, 16, rng=1) for s in ("he", "fixup")}
    fit = residual.train_residual_mlps(inits, X, y, lrs=(0.05,), steps=60, batch_size=32, rng=2)
    assert fit.loss.shape == (2, 1, 61)
    assert fit.diverged[0, 0] and not fit.diverged[1, 0]
    assert fit.final[1, 0] < 0.5 * fit.loss[1, 0, 0]


def test_training_step_is_gradient_descent():
    """One SGD step of train_residual_mlps lowers the minibatch loss as the gradient predicts."""
    X, y = residual.teacher_task(32, 4, rng=0)
    p = residual.init_residual_mlp("scaled", 3, 4, 5, rng=1)
    lr = 1e-4
    fit = residual.train_residual_mlps({"a": p}, X, y, lrs=(lr,), steps=1, batch_size=32, rng=0)
    before, after = fit.loss[0, 0]
    # independent: the loss decrease of a small step is about lr * |grad|^2; estimate |grad|^2 numerically
    def loss(q):
        h = X.copy()
        for l in range(3):
            u = np.maximum((h + q["b1"][l]) @ q["W1"][l].T + q["b2"][l], 0)
            h = h + q["s"][l] * (u @ q["W2"][l].T) + q["b3"][l]
        return 0.5 * np.mean((h @ q["w"] + q["c"] - y) ** 2)
    assert math.isclose(loss(p), before, rel_tol=1e-12)
    g2 = 0.0
    for k, v in p.items():
        flat = np.array(v, dtype=float).reshape(-1)
        for i in range(flat.size):
            qp = {kk: np.array(vv, dtype=float).copy() for kk, vv in p.items()}
            qm = {kk: np.array(vv, dtype=float).copy() for kk, vv in p.items()}
            qp[k].reshape(-1)[i] += 1e-6
            qm[k].reshape(-1)[i] -= 1e-6
            g2 += ((loss(qp) - loss(qm)) / 2e-6) ** 2
    assert math.isclose(before - after, lr * g2, rel_tol=1e-2)


# ----------------------------------------------------------------------------- rng and errors

def test_rng_reproducibility():
    a = residual.residual_stack(4, 16, norm="pre", rng=7)
    b = residual.residual_stack(4, 16, norm="pre", rng=np.random.default_rng(7))
    assert np.array_equal(a.stream_var, b.stream_var) and np.array_equal(a.weight_grad_norm, b.weight_grad_norm)
    gen = np.random.default_rng(7)
    c = residual.gpt2_mlp_stream(2, 8, rng=gen)
    d = residual.gpt2_mlp_stream(2, 8, rng=gen)
    assert not np.array_equal(c, d)                    # a Generator passed in advances
    assert np.array_equal(residual.batchnorm_mlp_gradients(3, 8, rng=1).weight_grad_norm,
                          residual.batchnorm_mlp_gradients(3, 8, rng=1).weight_grad_norm)
    X, y = residual.teacher_task(10, 3, rng=4)
    X2, y2 = residual.teacher_task(10, 3, rng=4)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("call, error, words", [
    (lambda: residual.residual_stream_theory(3, norm="middle"), ValueError, "'none', 'pre', 'post'"),
    (lambda: residual.residual_stream_theory(-1), ValueError, "depth must be an int >= 0"),
    (lambda: residual.residual_stream_theory(2.0), TypeError, "depth must be an int"),
    (lambda: residual.residual_stream_theory(3, branch_scale=-1), ValueError, "branch_scale"),
    (lambda: residual.residual_stream_theory(3, activation="swish"), ValueError, "swish"),
    (lambda: residual.residual_stream_theory(3, sigma_w2=0), ValueError, "sigma_w2"),
    (lambda: residual.residual_stack(3, 1), ValueError, "width must be an int >= 2"),
    (lambda: residual.residual_stack(3, 8, rng="seed"), TypeError, "rng must be None"),
    (lambda: residual.fixup_scale(10, 1), ValueError, "branch_layers must be an int >= 2"),
    (lambda: residual.deepnorm_constants("encoder-decoder", 6), ValueError, "'encoder', 'decoder'"),
    (lambda: residual.init_residual_mlp("xavier", 3, 4, 4), ValueError, "'he', 'scaled', 'fixup', 'rezero'"),
    (lambda: residual.residual_loss_and_grads([np.zeros((3, 3))], np.zeros((2, 4)), np.zeros((2, 4))),
     ValueError, "weights[0] must have shape (4, 4)"),
    (lambda: residual.batchnorm_mlp_loss_and_grads([np.zeros((3, 4))], np.zeros((5, 4)), np.zeros((5, 2))),
     ValueError, "readout must have shape (5, 3)"),
    (lambda: residual.train_residual_mlps({}, np.zeros((4, 2)), np.zeros(4)), TypeError, "non-empty dict"),
    (lambda: residual.train_residual_mlps({"a": residual.init_residual_mlp("he", 2, 3, 3, rng=0)},
                                          np.zeros((4, 2)), np.zeros(4)), ValueError, "X must be (n_samples, 3)"),
])
def test_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_plot_profiles_draws_and_checks():
    from weightinit import plots
    fig = plots.plot_profiles({"분산": {"a": (np.arange(3), np.ones(3))}},
                              theory={"분산": {"a": (np.arange(3), np.ones(3))}})
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="theory names panels"):
        plots.plot_profiles({"분산": {"a": (np.arange(3), np.ones(3))}}, theory={"x": {}})
    with pytest.raises(ValueError, match="1-D of one length"):
        plots.plot_profiles({"분산": {"a": (np.arange(3), np.ones(4))}})


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear", "gelu"])
@pytest.mark.parametrize("norm, explorer_norm", [("none", "none"), ("pre", "pre_ln")])
def test_the_explorer_residual_view_draws_the_same_theory(activation, norm, explorer_norm):
    """The page's residual view (weightinit.explorer) and this module describe one model."""
    from weightinit import explorer
    for alpha, sw2, v0 in [(1.0, 2.0, 1.0), (0.3, 1.0, 2.5)]:
        ours = residual.residual_stream_theory(12, alpha, norm, activation, sigma_w2=sw2, input_var=v0)
        page = explorer.residual_stream_variance(12, alpha, explorer_norm, activation, v0, sigma_w2=sw2)
        assert np.allclose(ours, page, rtol=1e-12)
