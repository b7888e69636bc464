"""Theory: Gaussian expectations, the variance recursions and χ₁ against the mathematics.

Expected values come from closed forms (DESIGN §4, He et al. 2015, Poole et al. 2016) or
from an independent integration with scipy.integrate.quad, never from the module itself.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from weightinit import theory
from weightinit.initializers import get_initializer
from weightinit.theory import InitSpec, as_init_spec


def quad_expectation(g, q):
    """E[g(z)], z ~ N(0, q), by adaptive quadrature (independent of Gauss-Hermite)."""
    s = math.sqrt(q)
    value, _ = integrate.quad(
        lambda z: g(s * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), -40, 40,
        epsabs=1e-14, epsrel=1e-13, limit=200, points=[0.0],
    )
    return value


# --- R1: Var(Z) = n σ² E[A²] and Var U(-a, a) = a²/3 -------------------------------------------


@pytest.mark.parametrize("law", ["normal", "uniform"])
def test_r1_preactivation_variance_is_n_sigma2_C(law):
    n, sigma2, C = 256, 0.01, 2.0
    rng = np.random.default_rng(11)
    if law == "normal":
        W = get_initializer("random_normal")((n, n), std=math.sqrt(sigma2), rng=rng)
    else:  # the law of W does not matter, only its variance: a = √3 σ
        W = get_initializer("random_uniform")((n, n), a=math.sqrt(3 * sigma2), rng=rng)
    A = math.sqrt(C) * rng.standard_normal((4000, n))
    Z = A @ W.T
    assert Z.var() == pytest.approx(n * sigma2 * C, rel=0.03)


def test_r1_second_moment_not_variance_of_the_input():
    # Inputs with a non-zero mean: Var(Z) = n σ² E[A²], here E[A²] = 4/3 for A ~ U(0, 2),
    # while Var(A) = 1/3 would predict four times less.
    n, sigma2 = 256, 0.01
    rng = np.random.default_rng(12)
    # Many output nodes: each has its own mean E[A]·ΣW, whose spread is part of Var(Z).
    W = get_initializer("random_normal")((4096, n), std=0.1, rng=rng)
    A = rng.uniform(0.0, 2.0, (1000, n))
    assert (A @ W.T).var() == pytest.approx(n * sigma2 * 4 / 3, rel=0.05)


def test_r1_uniform_variance_is_a2_over_3():
    a = 0.5
    x = get_initializer("random_uniform")((1000, 1000), a=a, rng=13)
    assert x.var() == pytest.approx(a * a / 3, rel=0.01)
    assert np.abs(x).max() <= a


# --- R2: rectifier moments --------------------------------------------------------------------


def test_r2_relu_moments_monte_carlo():
    q = 1.5**2
    z = 1.5 * np.random.default_rng(21).standard_normal(1_000_000)
    r = np.maximum(z, 0)
    assert np.mean(r**2) == pytest.approx(q / 2, rel=0.01)  # 1.125
    assert np.var(r) == pytest.approx(q * (0.5 - 1 / (2 * math.pi)), rel=0.01)  # 0.767, not 1.125
    a = 0.1
    leaky = np.where(z > 0, z, a * z)
    assert np.mean(leaky**2) == pytest.approx((1 + a * a) * q / 2, rel=0.01)


@pytest.mark.parametrize("q", [0.3, 1.0, 2.25, 7.0])
def test_r2_closed_forms(q):
    assert theory.activation_second_moment("relu", q) == pytest.approx(q / 2, rel=1e-14)
    assert theory.activation_second_moment("linear", q) == pytest.approx(q, rel=1e-14)
    a = 0.2
    leaky = theory.activation_second_moment(get_theory_leaky(a), q)
    assert leaky == pytest.approx((1 + a * a) * q / 2, rel=1e-14)
    assert theory.activation_mean("relu", q) == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-14)
    mean, m2 = theory.activation_mean("relu", q), theory.activation_second_moment("relu", q)
    assert m2 - mean**2 == pytest.approx(q * (0.5 - 1 / (2 * math.pi)), rel=1e-12)
    assert theory.derivative_second_moment("relu", q) == 0.5
    assert theory.derivative_second_moment(get_theory_leaky(a), q) == pytest.approx((1 + a * a) / 2)


def get_theory_leaky(a):
    from weightinit.activations import leaky_relu

    return leaky_relu(a)


# --- Gauss-Hermite quadrature against closed forms and adaptive quadrature ---------------------


@pytest.mark.parametrize("q", [0.01, 0.5, 1.0, 4.0])
def test_quadrature_exact_where_closed_forms_exist(q):
    E = theory.gaussian_expectation
    assert E(lambda z: z**2, q) == pytest.approx(q, abs=1e-10)
    assert E(lambda z: z**4, q) == pytest.approx(3 * q * q, abs=1e-10)
    assert E(lambda z: np.maximum(z, 0) ** 2, q) == pytest.approx(q / 2, abs=1e-10)
    assert E(lambda z: 1 / (1 + np.exp(-z)), q) == pytest.approx(0.5, abs=1e-10)
    assert E(np.cos, q) == pytest.approx(math.exp(-q / 2), abs=1e-10)
    # Stein's lemma E[z f(z)] = q E[f'(z)] for f = tanh
    assert E(lambda z: z * np.tanh(z), q) == pytest.approx(q * E(lambda z: 1 - np.tanh(z) ** 2, q), abs=1e-10)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("q", [0.05, 1.0, 3.0, 10.0])
def test_quadrature_matches_adaptive_integration(name, q):
    from weightinit.activations import get_activation

    f = get_activation(name)
    m2 = quad_expectation(lambda z: float(f(z)) ** 2, q)
    d2 = quad_expectation(lambda z: float(f.derivative(z)) ** 2, q)
    assert theory.activation_second_moment(name, q) == pytest.approx(m2, abs=1e-10)
    assert theory.derivative_second_moment(name, q) == pytest.approx(d2, abs=1e-10)


def test_derivative_moment_at_zero_variance_is_f_prime_0_squared():
    assert theory.derivative_second_moment("tanh", 0.0) == pytest.approx(1.0, abs=1e-14)
    assert theory.derivative_second_moment("sigmoid", 0.0) == pytest.approx(1 / 16, abs=1e-14)


def test_expectations_are_vectorised_over_q():
    q = np.array([[0.1, 1.0], [2.0, 3.0]])
    out = theory.activation_second_moment("tanh", q)
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(float(theory.activation_second_moment("tanh", 2.0)), abs=1e-15)


# --- recursions ------------------------------------------------------------------------------


def test_forward_and_backward_recursion_linear_he():
    # Linear net, Var(W) = 2/n: every layer doubles the forward variance (n σ² = 2), and going
    # back through a layer doubles the gradient variance (n_out σ² = 2).
    L = 6
    p = theory.propagate(100, "linear", "kaiming_normal", depth=L, input_second_moment=1.0)
    np.testing.assert_allclose(p.weight_var, 2 / 100)
    np.testing.assert_allclose(p.preact_var, 2.0 ** np.arange(1, L + 1), rtol=1e-12)
    np.testing.assert_allclose(p.grad_act_var, 2.0 ** np.arange(L - 1, -1, -1), rtol=1e-12)
    np.testing.assert_allclose(p.grad_preact_var, p.grad_act_var, rtol=1e-12)


def test_relu_he_keeps_the_variance_and_lecun_halves_it():
    he = theory.propagate(64, "relu", "kaiming_normal", depth=8)
    np.testing.assert_allclose(he.preact_var, 2.0, rtol=1e-12)  # 64 · (2/64) · E[x²]=1, then ½·2·2
    lecun = theory.propagate(64, "relu", "lecun_normal", depth=8)
    np.testing.assert_allclose(lecun.preact_var, 0.5 ** np.arange(0, 8), rtol=1e-12)


def test_tanh_xavier_forward_recursion_with_independent_integration():
    widths = [300, 200, 100]
    p = theory.propagate(widths, "tanh", "xavier_normal", input_dim=400, input_second_moment=2.0, bias_std=0.1)
    ns = [400] + widths
    prev, expected = 2.0, []
    for n_in, n_out in zip(ns[:-1], ns[1:]):
        q = 2 / (n_in + n_out) * n_in * prev + 0.01
        expected.append(q)
        prev = quad_expectation(lambda z: math.tanh(z) ** 2, q)
    np.testing.assert_allclose(p.preact_var, expected, rtol=1e-10)


def test_init_spec_forms():
    assert as_init_spec(0.01) == InitSpec("random_normal", {"std": 0.01})
    assert as_init_spec(("random_normal", {"std": 0.01})) == InitSpec.fixed(0.01)
    assert as_init_spec("xavier_uniform").label == "자비에 초기화 (균등)"
    assert as_init_spec("kaiming_normal").label == "히 초기화 (정규)"
    assert "σ=0.01" in InitSpec.fixed(0.01).label
    assert InitSpec("he_normal", label="He").label == "He"
    spec = InitSpec.fixed(0.5)
    assert {spec: 1}[InitSpec.fixed(0.5)] == 1  # hashable by value
    with pytest.raises(TypeError):
        as_init_spec(["xavier_normal"])
    with pytest.raises(ValueError):
        InitSpec.fixed(-1.0)
    with pytest.raises(TypeError):
        as_init_spec(True)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"widths": 10, "depth": 0}, ValueError),
        ({"widths": 10, "depth": -3}, ValueError),
        ({"widths": 10}, ValueError),  # depth missing
        ({"widths": [10, 0, 5]}, ValueError),
        ({"widths": [10, -2]}, ValueError),
        ({"widths": [10, 2.5]}, TypeError),
        ({"widths": []}, ValueError),
        ({"widths": [10, 10], "depth": 3}, ValueError),
        ({"widths": 10, "depth": 2, "input_dim": 0}, ValueError),
        ({"widths": 10, "depth": 2, "bias_std": -0.1}, ValueError),
        ({"widths": 10, "depth": 2, "input_second_moment": float("inf")}, ValueError),
    ],
)
def test_propagate_rejects_bad_sizes(kwargs, error):
    with pytest.raises(error):
        theory.propagate(activation="tanh", init="xavier_normal", **kwargs)


def test_propagate_rejects_unknown_activation():
    with pytest.raises(ValueError, match="valid names"):
        theory.propagate(10, "swish", "xavier_normal", depth=2)


def test_negative_variance_is_rejected():
    with pytest.raises(ValueError):
        theory.activation_second_moment("tanh", -1.0)


# --- mean-field χ₁ (R9) ------------------------------------------------------------------------


@pytest.mark.parametrize("sw2", [0.5, 1.0, 2.0, 3.0])
def test_chi1_relu_is_half_sigma_w2(sw2):
    assert theory.chi1("relu", sw2).chi1 == pytest.approx(sw2 / 2, rel=1e-14)


def test_chi1_leaky_and_linear():
    a = 0.3
    assert theory.chi1("leaky_relu", 2.0, activation_kwargs={"negative_slope": a}).chi1 == pytest.approx(1 + a * a)
    assert theory.chi1("linear", 0.7).chi1 == pytest.approx(0.7)
    assert theory.fixed_point("linear", 0.5, 0.1) == pytest.approx(0.1 / (1 - 0.5))
    assert math.isinf(theory.fixed_point("relu", 3.0, 0.1))


def test_he_and_relu_are_critical_at_every_width():
    """n·Var(W) for He is n·(2/n) in floating point, an ulp above 2 at some widths (784): the
    mean-field answer must still be the critical one, not an exploding q* that flips with n."""
    from weightinit.initializers import init_variance

    off_by_rounding = 0
    for n in range(1, 1025):
        sw2 = n * init_variance("kaiming_normal", (n, n))
        off_by_rounding += sw2 != 2.0
        assert math.isnan(theory.fixed_point("relu", sw2)), (n, sw2)  # every q is a fixed point
        assert math.isinf(theory.fixed_point("relu", sw2, 0.01)), (n, sw2)  # the bias adds up
        leaky = n * init_variance("kaiming_normal", (n, n), a=0.2, nonlinearity="leaky_relu")
        assert math.isnan(theory.fixed_point("leaky_relu", leaky, activation_kwargs={"negative_slope": 0.2})), n
    assert off_by_rounding > 0  # the case this guards occurs
    assert theory.fixed_point("relu", 2.0 * (1 - 1e-9)) == 0.0 and math.isinf(theory.fixed_point("relu", 2.0 * (1 + 1e-9)))


@pytest.mark.parametrize("sw2", [0.5, 0.9, 1.0])
def test_tanh_ordered_and_critical_without_bias(sw2):
    p = theory.chi1("tanh", sw2)
    assert p.q_star == 0.0
    assert p.chi1 == pytest.approx(sw2, abs=1e-12)  # σ_w² tanh'(0)²: critical exactly at 1


@pytest.mark.parametrize("sw2, sb2", [(1.5, 0.0), (2.0, 0.0), (1.0, 0.05), (2.5, 0.3)])
def test_tanh_fixed_point_solves_the_length_map(sw2, sb2):
    p = theory.chi1("tanh", sw2, sb2)
    assert p.q_star > 0
    rhs = sw2 * quad_expectation(lambda z: math.tanh(z) ** 2, p.q_star) + sb2
    assert rhs == pytest.approx(p.q_star, rel=1e-9)
    chi = sw2 * quad_expectation(lambda z: (1 - math.tanh(z) ** 2) ** 2, p.q_star)
    assert p.chi1 == pytest.approx(chi, rel=1e-9)


def test_tanh_becomes_chaotic_above_one_without_bias():
    assert theory.chi1("tanh", 1.2).chi1 > 1
    # with bias the critical σ_w² moves above 1 (Schoenholz 2017, fig. 1)
    assert theory.chi1("tanh", 1.0, 0.05).chi1 < 1


def test_sigmoid_has_a_positive_fixed_point():
    p = theory.chi1("sigmoid", 4.0)
    rhs = 4.0 * quad_expectation(lambda z: 1 / (1 + math.exp(-z)) ** 2, p.q_star)
    assert rhs == pytest.approx(p.q_star, rel=1e-9)


# --- properties over many shapes (hypothesis) ------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 60), min_size=1, max_size=6),
    n0=st.integers(1, 60),
    m2=st.floats(0.01, 10.0),
)
def test_linear_xavier_recursion_for_any_width_profile(widths, n0, m2):
    p = theory.propagate(widths, "linear", "xavier_normal", input_dim=n0, input_second_moment=m2)
    ns = [n0] + widths
    q, expected = m2, []
    for n_in, n_out in zip(ns[:-1], ns[1:]):
        q = 2.0 / (n_in + n_out) * n_in * q  # E[f(z)²] = q for the identity
        expected.append(q)
    np.testing.assert_allclose(p.preact_var, expected, rtol=1e-12)
    g, back = 1.0, []
    for n_in, n_out in reversed(list(zip(ns[:-1], ns[1:]))):
        back.append(g)
        g = n_out * 2.0 / (n_in + n_out) * g  # back through W: a sum over n_out nodes
    np.testing.assert_allclose(p.grad_act_var, back[::-1], rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(q=st.floats(0.0, 50.0), k=st.integers(1, 6))
def test_gaussian_even_moments(q, k):
    double_factorial = math.prod(range(2 * k - 1, 0, -2))
    got = float(theory.gaussian_expectation(lambda z: z ** (2 * k), q))
    assert got == pytest.approx(double_factorial * q**k, rel=1e-10, abs=1e-300)


# --- GELU and SiLU -------------------------------------------------------------------------------

SMOOTH = ["gelu", "gelu_tanh", "silu"]


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("q", [0.01, 0.5, 1.0, 3.0, 40.0, 2000.0])
def test_smooth_rectifier_moments_match_adaptive_integration(name, q):
    from weightinit.activations import get_activation

    f = get_activation(name)
    scale = max(1.0, q)
    assert theory.activation_mean(name, q) == pytest.approx(quad_expectation(lambda z: float(f(z)), q),
                                                            abs=1e-11 * scale)
    assert theory.activation_second_moment(name, q) == pytest.approx(
        quad_expectation(lambda z: float(f(z)) ** 2, q), abs=1e-11 * scale)
    assert theory.derivative_second_moment(name, q) == pytest.approx(
        quad_expectation(lambda z: float(f.derivative(z)) ** 2, q), abs=1e-11)


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_rectifier_moments_monte_carlo(name):
    from weightinit.activations import get_activation

    f = get_activation(name)
    rng = np.random.default_rng(7)
    for q in (0.3, 1.0, 5.0):
        z = math.sqrt(q) * rng.standard_normal(2_000_000)
        for got, sample in [(theory.activation_mean(name, q), f(z)),
                            (theory.activation_second_moment(name, q), f(z) ** 2),
                            (theory.derivative_second_moment(name, q), f.derivative(z) ** 2)]:
            se = sample.std() / math.sqrt(z.size)
            assert abs(float(got) - sample.mean()) < 5 * se


@pytest.mark.parametrize("q", [0.1, 1.0, 10.0])
def test_gelu_mean_closed_form(q):
    # E[z Φ(z)] = q E[φ_1(z)] (Stein) = q / √(2π(1 + q)) for z ~ N(0, q)
    assert theory.activation_mean("gelu", q) == pytest.approx(q / math.sqrt(2 * math.pi * (1 + q)), abs=1e-13)


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_rectifier_limits(name):
    # f(z) ≈ z/2 near 0 and ≈ ReLU far out: E[f²]/q goes from 1/4 to 1/2, E[f'²] from 1/4 to 1/2
    assert theory.activation_second_moment(name, 1e-6) / 1e-6 == pytest.approx(0.25, rel=1e-4)
    assert theory.activation_second_moment(name, 1e6) / 1e6 == pytest.approx(0.5, rel=1e-3)
    assert theory.derivative_second_moment(name, 0.0) == pytest.approx(0.25, abs=1e-14)
    qs = np.geomspace(1e-4, 1e4, 40)
    ratio = theory.activation_second_moment(name, qs) / qs
    assert np.all(np.diff(ratio) > 0)  # fixed_point relies on this being increasing


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_rectifier_fixed_point_and_chi1(name):
    # no bias: q* = 0 is stable while σ_w² f'(0)² = σ_w²/4 < 1; χ₁ there is σ_w²/4
    for sw2 in (1.0, 2.0, 3.0, 3.9):
        mf = theory.chi1(name, sw2)
        assert mf.q_star == 0.0 and mf.chi1 == pytest.approx(sw2 / 4, abs=1e-12)
    # above 4 the variance grows without bound and χ₁ tends to σ_w²/2
    mf = theory.chi1(name, 4.5)
    assert math.isinf(mf.q_star) and mf.chi1 == pytest.approx(2.25)
    # with a bias: the fixed point solves the length map and is stable (slope < 1)
    for sw2, sb2 in [(1.0, 0.1), (2.0, 0.1), (1.5, 1.0)]:
        q = theory.fixed_point(name, sw2, sb2)
        assert 0 < q < math.inf
        assert sw2 * theory.activation_second_moment(name, q) + sb2 == pytest.approx(q, rel=1e-10)
        eps = 1e-5 * q
        slope = sw2 * (theory.activation_second_moment(name, q + eps)
                       - theory.activation_second_moment(name, q - eps)) / (2 * eps)
        assert slope < 1
        assert theory.chi1(name, sw2, sb2).chi1 == pytest.approx(
            sw2 * quad_expectation(lambda z: float(_act(name).derivative(z)) ** 2, q), abs=1e-10)


def _act(name):
    from weightinit.activations import get_activation

    return get_activation(name)


def test_smooth_rectifier_finds_the_lower_root_below_one():
    # SiLU, σ_w² = 2.35, σ_b² = 0.1: the map dips below the diagonal between two roots < 1;
    # the stable (lower) one is returned, not found by doubling from q = 1
    q = theory.fixed_point("silu", 2.35, 0.1)
    assert 0.2 < q < 1.0
    h = lambda x: 2.35 * theory.activation_second_moment("silu", x) + 0.1 - x  # noqa: E731
    assert h(0.9 * q) > 0 > h(1.1 * q)


@pytest.mark.parametrize("name, forward, backward", [
    ("relu", math.sqrt(2), math.sqrt(2)), ("linear", 1.0, 1.0)])
def test_gains_of_homogeneous_activations(name, forward, backward):
    assert theory.variance_preserving_gain(name) == pytest.approx(forward, abs=1e-12)
    assert theory.gradient_preserving_gain(name) == pytest.approx(backward, abs=1e-12)
    assert theory.variance_preserving_gain(name, q=7.0) == pytest.approx(forward, abs=1e-12)


@pytest.mark.parametrize("name", SMOOTH + ["tanh"])
def test_variance_preserving_gain_keeps_one_layer_variance(name):
    f = _act(name)
    g = theory.variance_preserving_gain(name)
    m2 = quad_expectation(lambda z: float(f(z)) ** 2, 1.0)
    assert g == pytest.approx(1 / math.sqrt(m2), rel=1e-11)
    # one layer, Monte Carlo: Var(Z_next) = 1 with Var(W) = g²/n
    rng = np.random.default_rng(3)
    n, batch = 400, 2000
    z = rng.standard_normal((batch, n))
    w = rng.standard_normal((n, n)) * g / math.sqrt(n)
    assert (f(z) @ w.T).var() == pytest.approx(1.0, abs=0.03)
    d2 = quad_expectation(lambda z: float(f.derivative(z)) ** 2, 1.0)
    assert theory.gradient_preserving_gain(name) == pytest.approx(1 / math.sqrt(d2), rel=1e-11)


def test_gelu_silu_gains_differ_forward_and_backward():
    for name in SMOOTH:
        assert theory.gradient_preserving_gain(name) < theory.variance_preserving_gain(name)
    assert theory.variance_preserving_gain("gelu") == pytest.approx(1.5335, abs=1e-4)
    assert theory.variance_preserving_gain("silu") == pytest.approx(1.6765, abs=1e-4)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "1"])
def test_gains_reject_bad_q(bad):
    with pytest.raises((ValueError, TypeError), match="q"):
        theory.variance_preserving_gain("gelu", q=bad)


@pytest.mark.parametrize("name", ["gelu", "silu", "GELU", "gelu_tanh"])
def test_calculate_gain_has_no_gelu_silu_and_says_where_to_look(name):
    from weightinit.initializers import calculate_gain, kaiming_normal

    with pytest.raises(ValueError, match="variance_preserving_gain"):
        calculate_gain(name)
    with pytest.raises(ValueError, match="variance_preserving_gain"):
        kaiming_normal((4, 4), nonlinearity=name, rng=0)


@pytest.mark.parametrize("name", SMOOTH)
def test_propagate_matches_simulation(name):
    from weightinit.simulate import simulate

    g2 = theory.variance_preserving_gain(name) ** 2
    spec = ("random_normal", {"std": math.sqrt(g2 / 256)})
    # q = 1 is a fixed point once the input looks like an activation of unit-variance z
    held = theory.propagate(256, name, spec, depth=6, input_second_moment=1 / g2)
    np.testing.assert_allclose(held.preact_var, 1.0, rtol=1e-9)
    prof = theory.propagate(256, name, spec, depth=6)
    sim = simulate(256, 6, name, spec, batch_size=400, rng=1)
    np.testing.assert_allclose(sim.preact_std, prof.preact_std, rtol=0.06)
    np.testing.assert_allclose(sim.act_std, prof.act_std, rtol=0.06)
    np.testing.assert_allclose(sim.grad_preact_std, prof.grad_preact_std, rtol=0.1)
