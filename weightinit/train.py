"""A small NumPy MLP trainer with hand-written backpropagation.

Enough to show what initialization does to learning (He et al. 2015, fig. 3): a deep ReLU
network whose signal vanishes at initialization does not learn at all, the same network with
He init does. The model is

.. math:: A^{[0]} = X,\\quad A^{[l]} = f(A^{[l-1]} W^{[l]\\top} + b^{[l]})\\ (l = 1..L),
          \\quad O = A^{[L]} W^{[L+1]\\top} + b^{[L+1]}

with a linear output layer, trained by mini-batch SGD (optionally with momentum) on

* ``loss="softmax"``: softmax cross-entropy, one output per class (the default);
* ``loss="logistic"``: binary logistic loss on a single output (labels 0/1).

All layers, the output layer included, are drawn with the same initializer; biases start at
zero. Everything random (weights, mini-batches) comes from ``rng``, so a run is reproducible.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_generator, check_int
from .activations import Activation, get_activation
from .simulate import init_network
from .threads import blas_threads
from .theory import InitSpec, as_init_spec, check_widths

__all__ = ["TrainResult", "loss_and_grads", "predict", "train", "compare_training"]

_LOSSES = ("softmax", "logistic")


@dataclass
class TrainResult:
    """What :func:`train` records.

    Attributes
    ----------
    loss : ``ndarray``, shape (steps,)
        Mini-batch loss at each step, before that step's update.
    accuracy : ``ndarray``, shape (steps,)
        Mini-batch accuracy at each step, before the update.
    eval_steps : ``ndarray`` of int
        Steps after which the whole training set was evaluated (0 = before training).
    eval_loss, eval_accuracy : ``ndarray``
        Loss and accuracy on the whole training set at ``eval_steps``.
    grad_norms : ``ndarray``, shape (steps, L + 1)
        Frobenius norm of the weight gradient of each layer (the last column is the output
        layer) at each step.
    weights, biases : list of ``ndarray``
        Final parameters (weights in PyTorch shape ``(out, in)``).
    init : ``InitSpec``
    activation : ``Activation``
    loss_name : str
    """

    loss: np.ndarray
    accuracy: np.ndarray
    eval_steps: np.ndarray
    eval_loss: np.ndarray
    eval_accuracy: np.ndarray
    grad_norms: np.ndarray
    weights: list = field(repr=False)
    biases: list = field(repr=False)
    init: InitSpec = None
    activation: Activation = None
    loss_name: str = "softmax"

    @property
    def label(self) -> str:
        """The initializer's Korean label, for legends."""
        return self.init.label if self.init is not None else ""

    @property
    def final_loss(self) -> float:
        """Loss on the whole training set after the last step."""
        return float(self.eval_loss[-1])

    @property
    def final_accuracy(self) -> float:
        """Accuracy on the whole training set after the last step."""
        return float(self.eval_accuracy[-1])


def _forward(weights, biases, X, act: Activation):
    """Return the list of pre-activations and activations (A[0] = X) and the output O."""
    zs, acts = [], [X]
    a = X
    for W, b in zip(weights[:-1], biases[:-1]):
        z = a @ W.T
        z += b
        a = act(z)
        zs.append(z)
        acts.append(a)
    out = a @ weights[-1].T
    out += biases[-1]
    return zs, acts, out


def _loss_and_output_grad(out, y, loss: str):
    """Mean loss over the batch, dLoss/dO, and the number of correct predictions."""
    B = out.shape[0]
    if loss == "logistic":
        o = out[:, 0]
        # log(1 + e^o) - y o, written with logaddexp so that large |o| does not overflow.
        value = float(np.mean(np.logaddexp(0.0, o) - y * o))
        p = 0.5 + 0.5 * np.tanh(0.5 * o)
        grad = ((p - y) / B)[:, None]
        correct = int(np.count_nonzero((o > 0) == (y == 1)))
        return value, grad, correct
    shifted = out - out.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(B)
    value = float(np.mean(log_norm - shifted[rows, y]))
    grad = np.exp(shifted - log_norm[:, None])
    grad[rows, y] -= 1.0
    grad /= B
    correct = int(np.count_nonzero(out.argmax(axis=1) == y))
    return value, grad, correct


def _check_xy(X, y, loss):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},); got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("y must hold integer class labels")
        y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError("class labels must be >= 0")
    if loss not in _LOSSES:
        raise ValueError(f"unknown loss {loss!r}; valid names are: {', '.join(_LOSSES)}")
    if loss == "logistic" and y.size and y.max() > 1:
        raise ValueError("the logistic loss needs labels 0 and 1; use loss='softmax' for more classes")
    return X, y


def loss_and_grads(weights, biases, X, y, activation, *, loss: str = "softmax"):
    """Mean loss of a batch and its gradients with respect to every weight and bias.

    Parameters
    ----------
    weights, biases : list of ``ndarray``
        ``weights[l]`` of shape ``(n_{l+1}, n_l)``; the last pair is the linear output layer.
    X : ``ndarray``, shape (batch, n_0)
    y : ``ndarray`` of int, shape (batch,)
    activation : str or ``Activation``
        Hidden-layer activation.
    loss : ``"softmax"`` or ``"logistic"``

    Returns
    -------
    value : float
        Mean loss over the batch.
    grad_weights, grad_biases : list of ``ndarray``
        Same shapes as ``weights`` and ``biases``.
    """
    act = get_activation(activation)
    X, y = _check_xy(X, y, loss)
    value, grads_w, grads_b, _ = _backprop(weights, biases, X, y, act, loss)
    return value, grads_w, grads_b


def _backprop(weights, biases, X, y, act, loss):
    zs, acts, out = _forward(weights, biases, X, act)
    value, g, correct = _loss_and_output_grad(out, y, loss)
    L = len(weights)
    grads_w = [None] * L
    grads_b = [None] * L
    for l in range(L - 1, -1, -1):
        grads_w[l] = g.T @ acts[l]
        grads_b[l] = g.sum(axis=0)
        if l > 0:
            delta = g @ weights[l]
            z, a = zs[l - 1], acts[l]
            if act.name == "tanh":
                g = delta * (1.0 - a * a)
            elif act.name == "relu":
                g = delta * (z > 0)
            else:
                g = delta * act.derivative(z)
    return value, grads_w, grads_b, correct


def predict(weights, biases, X, activation, *, loss: str = "softmax") -> np.ndarray:
    """Predicted class labels for ``X`` (see :func:`loss_and_grads` for the arguments)."""
    act = get_activation(activation)
    _, _, out = _forward(weights, biases, np.asarray(X, dtype=np.float64), act)
    if loss == "logistic":
        return (out[:, 0] > 0).astype(np.int64)
    return out.argmax(axis=1)


def _check_real(value, name, *, positive=False, below_one=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    if below_one and not (0 <= value < 1):
        raise ValueError(f"{name} must be in [0, 1); got {value!r}")
    return float(value)


def train(
    X,
    y,
    width=64,
    depth: int | None = None,
    activation="relu",
    init="kaiming_normal",
    *,
    loss: str = "softmax",
    lr: float = 0.02,
    momentum: float = 0.0,
    steps: int = 300,
    batch_size: int = 128,
    eval_every: int = 10,
    rng=None,
) -> TrainResult:
    """Train an MLP classifier with mini-batch SGD and record its history.

    Parameters
    ----------
    X : ``array_like``, shape (n_samples, n_features)
    y : ``array_like`` of int, shape (n_samples,)
        Class labels 0..K-1.
    width : int or ``sequence`` of int, default ``64``
        Width of every hidden layer, or the list of hidden widths.
    depth : int
        Number of hidden layers (30 when omitted and ``width`` is an int).
    activation : str or ``Activation``, default ``"relu"``
    init : str, (str, dict), float or ``InitSpec``, default ``"kaiming_normal"``
        Initializer of every layer (see :class:`weightinit.theory.InitSpec`).
    loss : {"softmax", "logistic"}, default ``"softmax"``
    lr : float, default ``0.02``
        Learning rate (> 0).
    momentum : float, default ``0.0``
        Heavy-ball momentum in [0, 1), PyTorch convention ``v ← μ v + g; w ← w − lr v``.
    steps : int, default ``300``
        Number of SGD updates.
    batch_size : int, default ``128``
        Mini-batch size (the whole set when larger than it); each batch is drawn without
        replacement from ``rng``.
    eval_every : int, default ``10``
        Evaluate on the whole training set every this many steps (and before the first and
        after the last).
    rng : None, int or ``numpy.random.Generator``
        Weights are drawn first, then the mini-batches.

    Returns
    -------
    TrainResult

    Examples
    --------
    >>> from weightinit.datasets import rings
    >>> X, y = rings(1000, rng=0)
    >>> res = train(X, y, 64, 30, "relu", "kaiming_normal", rng=1)   # doctest: +SKIP
    >>> res.final_loss                                                # doctest: +SKIP
    """
    X, y = _check_xy(X, y, loss)
    act = get_activation(activation)
    spec = as_init_spec(init)
    lr = _check_real(lr, "lr", positive=True)
    mu = _check_real(momentum, "momentum", below_one=True)
    steps = check_int(steps, "steps", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    eval_every = check_int(eval_every, "eval_every", 1)
    if depth is None and isinstance(width, numbers.Integral):
        depth = 30
    hidden = check_widths(width, depth, X.shape[1])
    n_classes = 1 if loss == "logistic" else max(int(y.max()) + 1, 2)
    gen = as_generator(rng)
    weights, biases = init_network(list(hidden[1:]) + [n_classes], spec, input_dim=hidden[0], rng=gen)
    vel_w = [np.zeros_like(w) for w in weights]
    vel_b = [np.zeros_like(b) for b in biases]

    n = X.shape[0]
    L = len(weights)
    losses = np.empty(steps)
    accs = np.empty(steps)
    norms = np.empty((steps, L))
    eval_steps, eval_loss, eval_acc = [], [], []

    def evaluate(step):
        value, _, correct, _ = _full_loss(weights, biases, X, y, act, loss)
        eval_steps.append(step)
        eval_loss.append(value)
        eval_acc.append(correct / n)

    with blas_threads():
        _sgd_loop(X, y, weights, biases, vel_w, vel_b, act, loss, lr, mu, steps, batch_size,
                  eval_every, gen, losses, accs, norms, evaluate)

    return TrainResult(
        loss=losses,
        accuracy=accs,
        eval_steps=np.array(eval_steps),
        eval_loss=np.array(eval_loss),
        eval_accuracy=np.array(eval_acc),
        grad_norms=norms,
        weights=weights,
        biases=biases,
        init=spec,
        activation=act,
        loss_name=loss,
    )


def _sgd_loop(X, y, weights, biases, vel_w, vel_b, act, loss, lr, mu, steps, batch_size,
              eval_every, gen, losses, accs, norms, evaluate):
    n = X.shape[0]
    L = len(weights)
    evaluate(0)
    for step in range(steps):
        if batch_size >= n:
            idx = slice(None)
            B = n
        else:
            idx = gen.choice(n, size=batch_size, replace=False)
            B = batch_size
        value, gw, gb, correct = _backprop(weights, biases, X[idx], y[idx], act, loss)
        losses[step] = value
        accs[step] = correct / B
        for l in range(L):
            norms[step, l] = np.sqrt(np.vdot(gw[l], gw[l]))
            if mu:
                vel_w[l] *= mu
                vel_w[l] += gw[l]
                vel_b[l] *= mu
                vel_b[l] += gb[l]
                weights[l] -= lr * vel_w[l]
                biases[l] -= lr * vel_b[l]
            else:
                weights[l] -= lr * gw[l]
                biases[l] -= lr * gb[l]
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            evaluate(step + 1)


def _full_loss(weights, biases, X, y, act, loss):
    _, _, out = _forward(weights, biases, X, act)
    value, _, correct = _loss_and_output_grad(out, y, loss)
    return value, None, correct, out


def compare_training(inits, X, y, *, rng=None, **kwargs) -> dict:
    """Train the same architecture once per initializer, on the same mini-batch sequence.

    Parameters
    ----------
    inits : ``sequence``
        Initializers in any form :func:`weightinit.theory.as_init_spec` accepts.
    X, y
        Training data.
    rng : None, int or ``numpy.random.Generator``
        One seed is drawn from it and every run starts from that seed, so the runs share
        the mini-batches and the underlying random numbers of their weights (a paired
        comparison: only the scale and shape of the distribution differ).
    **kwargs
        Passed to :func:`train` (``width``, ``depth``, ``activation``, ``lr``, ``steps``...).

    Returns
    -------
    dict
        ``{label: TrainResult}`` in the order of ``inits``.
    """
    specs = [as_init_spec(i) for i in inits]
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"initializers must have distinct labels; got {labels}")
    seed = int(as_generator(rng).integers(2**63))
    return {s.label: train(X, y, init=s, rng=seed, **kwargs) for s in specs}
