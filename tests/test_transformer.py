"""weightinit.transformer and diagnostics.check_init, against independent computations."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import stats

from weightinit import plots
from weightinit import transformer as T
from weightinit.diagnostics import check_init
from weightinit.train import loss_and_grads


# --- softmax and its Jacobian -------------------------------------------------------------------

def test_softmax_is_stable_and_sums_to_one():
    z = np.array([[1000.0, 1000.0, 0.0], [-5.0, 0.0, 5.0]])
    p = T.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0], atol=1e-300)
    e = np.exp([-5.0, 0.0, 5.0])
    np.testing.assert_allclose(p[1], e / e.sum())


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, size=7)
    J = T.softmax_jacobian(z)
    h = 1e-6
    numeric = np.empty((7, 7))
    for j in range(7):
        dz = np.zeros(7)
        dz[j] = h
        numeric[:, j] = (T.softmax(z + dz) - T.softmax(z - dz)) / (2 * h)
    np.testing.assert_allclose(J, numeric, atol=1e-8)
    # the closed-form norm equals the norm of the built matrix, for a batch too
    Z = rng.normal(0, 3, size=(5, 11))
    np.testing.assert_allclose(T.softmax_jacobian_norm(Z), np.linalg.norm(T.softmax_jacobian(Z), axis=(-2, -1)))


def test_jacobian_norm_limits_and_bound():
    T_ = 64
    assert T.softmax_jacobian_norm(np.zeros(T_)) == pytest.approx(math.sqrt(T_ - 1) / T_)
    assert T.softmax_jacobian_norm(np.array([50.0, 0, 0, 0])) < 1e-20
    rng = np.random.default_rng(1)
    for s in (0.1, 1, 5, 30):
        Z = rng.normal(0, s, size=(200, 16))
        bound = 2 * math.sqrt(2) * (1 - T.softmax(Z).max(axis=1))
        assert np.all(T.softmax_jacobian_norm(Z) <= bound + 1e-12)


def test_entropy_against_direct_formula():
    rng = np.random.default_rng(2)
    Z = rng.normal(0, 2, size=(4, 9))
    p = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(T.softmax_entropy(Z), -(p * np.log(p)).sum(axis=1))
    assert T.softmax_entropy(np.zeros(8)) == pytest.approx(math.log(8))


# --- attention scores ---------------------------------------------------------------------------

@pytest.mark.parametrize("d_k", [16, 256])
def test_score_variance_is_d_k_times_the_variances(d_k):
    """Monte Carlo of Var(q·k) against d_k σ_q² σ_k² (and the scales)."""
    rng = np.random.default_rng(d_k)
    q = rng.normal(0, 0.7, size=(20000, d_k))
    k = rng.normal(0, 1.3, size=(20000, d_k))
    measured = np.einsum("ij,ij->i", q, k).std()
    expected = math.sqrt(d_k) * 0.7 * 1.3
    assert measured / expected == pytest.approx(1, abs=0.03)
    assert T.score_std(d_k, q_std=0.7, k_std=1.3, scale="none") == pytest.approx(expected)
    assert T.score_std(d_k, q_std=0.7, k_std=1.3) == pytest.approx(0.7 * 1.3)
    assert T.score_std(d_k, scale="inverse") == pytest.approx(1 / math.sqrt(d_k))
    assert T.score_std(d_k, scale=0.5) == pytest.approx(0.5 * math.sqrt(d_k))


def test_attention_statistics():
    big = T.attention_statistics(1024, scale="none", rng=0)
    scaled = T.attention_statistics(1024, scale="sqrt", rng=0)
    assert big.score_std / big.score_std_theory == pytest.approx(1, abs=0.03)
    assert scaled.score_std == pytest.approx(1, abs=0.03)
    assert big.max_weight > 0.9 and big.entropy_ratio < 0.05
    assert scaled.max_weight < 0.15 and scaled.entropy_ratio > 0.85
    assert big.jacobian_norm < 0.5 * scaled.jacobian_norm
    tiny = T.attention_statistics(1024, scale="inverse", rng=0)
    assert tiny.jacobian_norm == pytest.approx(tiny.uniform_jacobian_norm, rel=0.01)
    # reproducible, and a Generator advances
    assert T.attention_statistics(16, rng=3) == T.attention_statistics(16, rng=3)
    g = np.random.default_rng(3)
    assert T.attention_statistics(16, rng=g) != T.attention_statistics(16, rng=g)


@pytest.mark.parametrize("kwargs, error", [
    ({"d_k": 0}, ValueError), ({"d_k": 2.0}, TypeError), ({"d_k": 8, "scale": "log"}, ValueError),
    ({"d_k": 8, "scale": -1.0}, ValueError), ({"d_k": 8, "n_keys": 1}, ValueError),
    ({"d_k": 8, "q_std": 0.0}, ValueError), ({"d_k": 8, "rng": "seed"}, TypeError),
])
def test_attention_statistics_refuses_bad_input(kwargs, error):
    with pytest.raises(error):
        T.attention_statistics(**kwargs)


def test_plot_attention_scaling():
    s = [T.attention_statistics(d, scale=sc, n_queries=50, rng=0) for d in (16, 64) for sc in ("none", "sqrt")]
    fig = plots.plot_attention_scaling(s, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()) == 3     # two scales and the uniform level
    with pytest.raises(TypeError):
        plots.plot_attention_scaling([1, 2])


# --- initial loss -------------------------------------------------------------------------------

def test_cross_entropy_against_direct_formula():
    rng = np.random.default_rng(4)
    z = rng.normal(0, 3, size=(6, 10))
    y = rng.integers(0, 10, size=6)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert T.cross_entropy(z, y) == pytest.approx(-np.mean(np.log(p[np.arange(6), y])))
    assert T.cross_entropy(np.zeros((3, 7)), [0, 1, 2]) == pytest.approx(math.log(7))
    with pytest.raises(ValueError):
        T.cross_entropy(z, y + 10)
    with pytest.raises(ValueError):
        T.cross_entropy(z, y.astype(float))


def test_layer_norm_gives_length_sqrt_d():
    x = np.random.default_rng(5).normal(3, 2, size=(4, 50))
    h = T.layer_norm(x)
    np.testing.assert_allclose((h * h).sum(axis=1), 50)
    np.testing.assert_allclose(h.mean(axis=1), 0, atol=1e-12)


def test_expected_max_normal():
    assert T.expected_max_normal(1) == pytest.approx(0, abs=1e-9)
    assert T.expected_max_normal(2) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-6)
    x = np.random.default_rng(6).standard_normal((4000, 500))
    assert T.expected_max_normal(500) == pytest.approx(x.max(axis=1).mean(), abs=0.02)


def test_initial_loss_theory_brackets_monte_carlo():
    """Logits drawn directly as iid N(0, s²): ln V <= E[loss] <= ln V + s²/2, delta method close."""
    rng = np.random.default_rng(7)
    V = 1000
    for s in (0.3, 1.0, 2.0):
        z = rng.normal(0, s, size=(4000, V))
        lse = np.log(np.exp(z).sum(axis=1))
        measured = np.mean(lse - z.mean(axis=1))          # uniform target, averaged exactly
        th = T.initial_loss_theory(V, s)
        assert th.uniform <= measured <= th.upper + 1e-3
        assert measured == pytest.approx(th.second_order, abs=0.01)
    assert T.initial_loss_theory(V, 0.0).upper == pytest.approx(math.log(V))
    big = T.initial_loss_theory(V, 30.0)
    z = rng.normal(0, 30.0, size=(2000, V))
    measured = np.mean(np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1) - z.mean(1))
    assert big.max_lower - 0.5 <= measured <= big.max_lower + big.uniform
    assert np.isnan(big.second_order)
    with pytest.raises(ValueError):
        T.initial_loss_theory(V, -1.0)


def test_head_loss_simulation_follows_theory():
    d, V = 64, 2000
    stds = [0.0, 0.05, 1 / math.sqrt(d)]
    measured = T.head_loss_simulation(V, d, stds, n_tokens=64, rng=0)
    assert measured[0] == pytest.approx(math.log(V))
    for sigma, m in zip(stds[1:], measured[1:]):
        th = T.initial_loss_theory(V, sigma * math.sqrt(d))
        assert m == pytest.approx(th.second_order, abs=0.03)
    with pytest.raises(ValueError):
        T.head_loss_simulation(V, d, [-0.1])


def test_prior_bias_gives_the_entropy_of_the_prior():
    y = np.repeat([0, 1, 2], [70, 20, 10])
    b = T.prior_bias(y, 3)
    np.testing.assert_allclose(np.exp(b), [0.7, 0.2, 0.1])
    logits = np.tile(b, (y.size, 1))
    entropy = -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) + 0.1 * math.log(0.1))
    assert T.cross_entropy(logits, y) == pytest.approx(entropy)
    with pytest.raises(ValueError, match="never occur"):
        T.prior_bias(np.array([0, 0, 1]), 3)


# --- GPT-2 parameters and check_init ------------------------------------------------------------

def test_gpt2_init_shapes_and_laws():
    L, d, V, Tb = 3, 32, 100, 16
    p = T.gpt2_init(L, d, V, Tb, rng=0)
    assert p["transformer.wte.weight"].shape == (V, d) and p["transformer.wpe.weight"].shape == (Tb, d)
    assert p["transformer.h.2.attn.c_attn.weight"].shape == (3 * d, d)
    assert p["transformer.h.0.mlp.c_fc.weight"].shape == (4 * d, d)
    assert p["transformer.h.0.mlp.c_proj.weight"].shape == (d, 4 * d)
    assert "lm_head.weight" not in p and p["transformer.h.1.ln_2.weight"].sum() == d
    assert all(v.dtype == np.float32 for v in p.values())
    # 12 d² + 13 d per block with biases, plus embeddings and the final LayerNorm (as nanoGPT counts)
    assert sum(v.size for v in p.values()) == V * d + Tb * d + L * (12 * d * d + 13 * d) + 2 * d
    cproj = np.concatenate([p[f"transformer.h.{i}.{m}.c_proj.weight"].ravel() for i in range(L) for m in ("attn", "mlp")])
    assert stats.kstest(cproj / (0.02 / math.sqrt(2 * L)), "norm").pvalue > 1e-4
    assert stats.kstest(p["transformer.wte.weight"].ravel() / 0.02, "norm").pvalue > 1e-4
    by_layer = T.gpt2_init(L, d, V, Tb, residual="by_layer", rng=0)
    for i in range(L):
        w = by_layer[f"transformer.h.{i}.mlp.c_proj.weight"]
        assert w.std() == pytest.approx(0.02 / math.sqrt(2 * (i + 1)), rel=0.05)
    zero = T.gpt2_init(L, d, V, Tb, residual="zero", tie=False, bias=False, rng=0)
    assert not zero["transformer.h.0.attn.c_proj.weight"].any() and "lm_head.weight" in zero
    assert not any(k.endswith(".bias") for k in zero)
    assert np.array_equal(T.gpt2_init(1, 8, 10, 4, rng=5)["transformer.wte.weight"],
                          T.gpt2_init(1, 8, 10, 4, rng=5)["transformer.wte.weight"])
    with pytest.raises(ValueError, match="residual"):
        T.gpt2_init(L, d, V, Tb, residual="half")
    with pytest.raises(TypeError):
        T.gpt2_init(L, d, V, Tb, dtype=np.int32)


@pytest.mark.parametrize("residual", T.RESIDUAL_RULES)
def test_check_init_accepts_what_gpt2_init_draws(residual):
    p = T.gpt2_init(4, 64, 300, 32, residual=residual, rng=1)
    check = check_init(p, T.gpt2_init_rules(4, residual=residual))
    assert check.ok, check.table(only_problems=True)


def test_check_init_catches_skipped_and_doubled_scaling():
    L = 6
    p = T.gpt2_init(L, 64, 300, 32, rng=2)
    rules = T.gpt2_init_rules(L)
    skipped = T.gpt2_init(L, 64, 300, 32, residual="none", rng=2)
    check = check_init(skipped, rules)
    assert sorted(check.mismatches) == sorted(k for k in p if k.endswith("c_proj.weight"))
    np.testing.assert_allclose(check.ratio[[check.names.index(k) for k in check.mismatches]],
                               math.sqrt(2 * L), rtol=0.1)
    doubled = dict(p)
    doubled["transformer.h.3.attn.c_proj.weight"] = p["transformer.h.3.attn.c_proj.weight"] / math.sqrt(2 * L)
    assert check_init(doubled, rules).mismatches == ["transformer.h.3.attn.c_proj.weight"]
    broken_norm = dict(p)
    broken_norm["transformer.ln_f.weight"] = np.zeros(64)
    assert check_init(broken_norm, rules).mismatches == ["transformer.ln_f.weight"]
    partial = check_init(p, {"*.bias": 0.0})
    assert partial.unmatched and not partial.ok and "규칙 없음" in partial.table()
    assert "불일치" in check.table(only_problems=True) and "통과" not in check.table(only_problems=True)


def test_check_init_tolerance_scales_with_size():
    rng = np.random.default_rng(3)
    small = {"w": rng.normal(0, 1.0, size=16)}          # sample std may be 20% off: still accepted
    assert check_init(small, {"*": 1.0}).ok
    large = {"w": rng.normal(0, 1.1, size=100_000)}     # 10% off with 10⁵ entries: caught
    assert not check_init(large, {"*": 1.0}).ok
    shifted = {"w": rng.normal(0.2, 1.0, size=10_000)}  # mean off by 20 standard errors
    assert not check_init(shifted, {"*": 1.0}).ok


@pytest.mark.parametrize("params, rules, error", [
    ({}, {"*": 1.0}, TypeError), ({"w": np.ones(3)}, {}, TypeError),
    ({"w": np.ones(3)}, {"*": -1.0}, ValueError), ({"w": np.ones(3)}, {"*": "big"}, ValueError),
    ({"w": np.array([1.0, np.nan])}, {"*": 1.0}, ValueError), ({"w": "abc"}, {"*": 1.0}, TypeError),
])
def test_check_init_refuses_bad_input(params, rules, error):
    with pytest.raises(error):
        check_init(params, rules)


# --- zero output layer --------------------------------------------------------------------------

def test_zero_head_moves_only_the_head_first_then_everything():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(64, 5))
    y = rng.integers(0, 3, size=64)
    W = [rng.normal(0, 0.5, size=(8, 5)), rng.normal(0, 0.4, size=(8, 8)), np.zeros((3, 8))]
    b = [np.zeros(8), np.zeros(8), np.zeros(3)]
    W1, b1, losses, norms = T.full_batch_descent(W, b, X, y, "tanh", lr=0.5, steps=2)
    assert losses[0] == pytest.approx(math.log(3))
    assert norms[0, 0] == 0 and norms[0, 1] == 0 and norms[0, 2] > 0
    assert np.all(norms[1] > 0)
    # one step by hand gives the same parameters as the library after one step
    _, gw, gb = loss_and_grads(W, b, X, y, "tanh")
    W_one, _, _, _ = T.full_batch_descent(W, b, X, y, "tanh", lr=0.5, steps=1)
    np.testing.assert_allclose(W_one[2], W[2] - 0.5 * gw[2])
    assert not W[2].any()                                # inputs not modified
    # all-zero weights: the weights never move
    Z = [np.zeros_like(w) for w in W]
    Wz, _, _, nz = T.full_batch_descent(Z, b, X, y, "tanh", lr=0.5, steps=5)
    assert all(not w.any() for w in Wz) and not nz.any()


def test_plot_initial_loss():
    s = np.array([0.1, 1.0, 10.0])
    measured = [T.initial_loss_theory(1000, x).upper for x in s]
    fig = plots.plot_initial_loss(1000, s, measured, marks={"a": 1.0}, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 5          # points, ln V, upper, max bound, one mark
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), measured)
    with pytest.raises(ValueError):
        plots.plot_initial_loss(1000, [0.0, 1.0], [1.0, 2.0])
