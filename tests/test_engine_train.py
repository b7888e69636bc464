"""Trainer: finite-difference gradient check, SGD bookkeeping, R4 (He et al. 2015, fig. 3), data."""

import math

import numpy as np
import pytest

from weightinit.datasets import rings, spirals
from weightinit.simulate import init_network
from weightinit.theory import InitSpec
from weightinit.train import TrainResult, compare_training, loss_and_grads, predict, train


def numeric_grads(weights, biases, X, y, activation, loss, h=1e-6):
    def f():
        return loss_and_grads(weights, biases, X, y, activation, loss=loss)[0]

    out = []
    for params in (weights, biases):
        grads = []
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = f()
                p[idx] = old - h
                down = f()
                p[idx] = old
                g[idx] = (up - down) / (2 * h)
            grads.append(g)
        out.append(grads)
    return out


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear", "gelu", "gelu_tanh", "silu"])
@pytest.mark.parametrize("loss, n_out", [("softmax", 3), ("logistic", 1)])
def test_backprop_matches_finite_differences(activation, loss, n_out):
    rng = np.random.default_rng(0)
    weights, biases = init_network([5, 4, n_out], "xavier_normal", input_dim=3, bias_std=0.3, rng=rng)
    X = rng.standard_normal((7, 3))
    y = rng.integers(0, 3 if loss == "softmax" else 2, 7)
    _, gw, gb = loss_and_grads(weights, biases, X, y, activation, loss=loss)
    nw, nb = numeric_grads(weights, biases, X, y, activation, loss)
    analytic = np.concatenate([g.ravel() for g in gw + gb])
    numeric = np.concatenate([g.ravel() for g in nw + nb])
    rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    assert rel < 1e-6


def test_loss_values_from_their_definitions():
    # zero weights: every class equally likely, loss = ln K; logistic: ln 2
    weights = [np.zeros((4, 2)), np.zeros((3, 4))]
    biases = [np.zeros(4), np.zeros(3)]
    X = np.ones((5, 2))
    y = np.array([0, 1, 2, 0, 1])
    assert loss_and_grads(weights, biases, X, y, "tanh")[0] == pytest.approx(math.log(3))
    weights[-1], biases[-1] = np.zeros((1, 4)), np.array([2.0])
    value = loss_and_grads(weights, biases, X, np.array([1, 0, 1, 1, 0]), "tanh", loss="logistic")[0]
    expected = (3 * math.log1p(math.exp(-2)) + 2 * math.log1p(math.exp(2))) / 5
    assert value == pytest.approx(expected, rel=1e-12)
    assert np.all(predict(weights, biases, X, "tanh", loss="logistic") == 1)


def test_logistic_loss_does_not_overflow():
    weights = [np.zeros((1, 1))]
    biases = [np.array([800.0])]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss_and_grads(weights, biases, np.zeros((1, 1)), np.array([0]), "relu", loss="logistic")[0]
    assert value == pytest.approx(800.0)


def test_sgd_with_momentum_follows_its_update_rule():
    X, y = rings(40, rng=1)
    kw = dict(width=6, depth=2, activation="tanh", init="xavier_normal", lr=0.1, batch_size=1000, eval_every=1)
    w0, b0 = init_network([6, 6, 2], "xavier_normal", input_dim=2, rng=3)
    res = train(X, y, momentum=0.9, steps=2, rng=3, **kw)
    # full batch: v1 = g0, w1 = w0 - lr g0; v2 = 0.9 g0 + g1, w2 = w1 - lr v2
    _, g0, _ = loss_and_grads(w0, b0, X, y, "tanh")
    _, gb0 = loss_and_grads(w0, b0, X, y, "tanh")[1:]
    w1 = [w - 0.1 * g for w, g in zip(w0, g0)]
    b1 = [b - 0.1 * g for b, g in zip(b0, gb0)]
    _, g1, gb1 = loss_and_grads(w1, b1, X, y, "tanh")
    w2 = [w - 0.1 * (0.9 * a + b) for w, a, b in zip(w1, g0, g1)]
    for got, want in zip(res.weights, w2):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.grad_norms[0], [np.linalg.norm(g) for g in g0], rtol=1e-12)
    assert res.loss[0] == pytest.approx(res.eval_loss[0])


def test_history_shapes_and_determinism():
    X, y = spirals(200, rng=0)
    a = train(X, y, 16, 3, "tanh", "xavier_normal", steps=25, batch_size=32, eval_every=10, rng=5)
    b = train(X, y, 16, 3, "tanh", "xavier_normal", steps=25, batch_size=32, eval_every=10, rng=5)
    assert isinstance(a, TrainResult)
    assert a.loss.shape == a.accuracy.shape == (25,)
    assert a.grad_norms.shape == (25, 4)
    np.testing.assert_array_equal(a.eval_steps, [0, 10, 20, 25])
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert a.label == "자비에 초기화 (정규)" and 0 <= a.final_accuracy <= 1


def test_r4_he_learns_where_lecun_variance_does_not():
    # He et al. (2015) fig. 3: 30 ReLU layers of 64, plain SGD lr 0.02, 300 steps of 128.
    X, y = rings(1000, rng=0)
    inits = [InitSpec("lecun_normal", label="σ²=1/n"), "kaiming_normal"]
    for seed in range(3):
        out = compare_training(inits, X, y, width=64, depth=30, activation="relu", lr=0.02, steps=300,
                               batch_size=128, eval_every=300, rng=seed)
        small, he = out.values()
        assert small.final_loss > 0.6 and abs(small.final_loss - math.log(2)) < 0.02
        assert he.final_loss < 0.1
        # the vanished signal also shows in the gradients at the start: the first layer's
        # gradient norm under σ²=1/n is orders of magnitude below He's
        assert small.grad_norms[0, 0] < 1e-3 * he.grad_norms[0, 0]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"lr": 0.0}, ValueError),
        ({"lr": float("nan")}, ValueError),
        ({"momentum": 1.0}, ValueError),
        ({"steps": 0}, ValueError),
        ({"batch_size": 0}, ValueError),
        ({"depth": 0}, ValueError),
        ({"width": 0}, ValueError),
        ({"loss": "hinge"}, ValueError),
        ({"activation": "elu"}, ValueError),
    ],
)
def test_bad_arguments_raise(kwargs, error):
    X, y = rings(20, rng=0)
    args = dict(width=4, depth=2, steps=1)
    args.update(kwargs)
    with pytest.raises(error):
        train(X, y, **args)


def test_bad_data_raise():
    X, y = rings(20, rng=0)
    with pytest.raises(ValueError):
        train(X, y[:-1], 4, 1, steps=1)
    with pytest.raises(ValueError, match="logistic"):
        train(X, y + 1, 4, 1, loss="logistic", steps=1)
    with pytest.raises(ValueError):
        train(X[:, 0], y, 4, 1, steps=1)
    with pytest.raises(ValueError):
        train(X, y - 1, 4, 1, steps=1)


def test_rings_geometry_and_balance():
    X, y = rings(1001, n_rings=3, noise=0.0, rng=0)
    assert X.shape == (1001, 2) and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y), [334, 334, 333])
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), (y + 1) / 3, rtol=1e-12)
    X2, y2 = rings(1001, n_rings=3, noise=0.0, rng=0)
    np.testing.assert_array_equal(X, X2)


def test_spirals_arms_are_interleaved():
    X, y = spirals(600, n_arms=2, noise=0.0, rng=0)
    assert X.shape == (600, 2) and set(np.unique(y)) == {0, 1}
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0 + 1e-12
    # arm 1 is arm 0 turned by π: the angle minus 2π·turns·r differs by π between arms
    phase = np.mod(np.arctan2(X[:, 1], X[:, 0]) - 2 * np.pi * 1.5 * r, 2 * np.pi)
    np.testing.assert_allclose(np.mod(phase[y == 0] + 1e-9, 2 * np.pi), 1e-9, atol=1e-6)
    np.testing.assert_allclose(phase[y == 1], np.pi, atol=1e-6)


@pytest.mark.parametrize(
    "func, kwargs",
    [
        (rings, {"n_samples": 0}),
        (rings, {"n_rings": 1}),
        (rings, {"noise": -0.1}),
        (spirals, {"turns": 0}),
        (spirals, {"n_arms": 1}),
        (spirals, {"n_samples": 1, "n_arms": 2}),
    ],
)
def test_dataset_arguments_are_checked(func, kwargs):
    with pytest.raises(ValueError):
        func(**kwargs)
