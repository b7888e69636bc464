"""Width scaling of an MLP: the standard parametrization (SP) and the maximal update
parametrization (μP, Yang & Hu 2021; Yang et al. 2022, "Tensor Programs V").

A *parametrization* says how three numbers of every layer change when the network gets wider:
the variance of the initial weights, a constant *multiplier* applied to the weights in the
forward pass, and the layer's learning rate. Everything is written relative to a *base width*
``n0`` at which all parametrizations coincide, as a power of the width ratio ``s = n / n0``.

The network is a bias-free ReLU MLP with ``depth`` hidden layers of equal width ``n``::

    h1 = c1 W1 x,   h_l = c_l W_l relu(h_{l-1})  (l = 2..depth),   f = c_out W_out relu(h_depth)

Layers are *input* (W1: a fixed number of features to the width), *hidden* (width to width) and
*output* (width to a fixed number of classes); they follow the ``mup`` package's split into
"vector-like" and "matrix-like" parameters. At the base width SP and μP are the same network,
drawn with He variance ``gain**2 / fan_in`` (``gain**2 = 2``) and variance ``1 / fan_in`` for the
linear readout.

Tables (exponent of ``s``; "multiplier" form = the ``mup`` package, Table 8 of Tensor Programs V;
"fan_in" form = Table 3, the same parametrization with the output multiplier folded into the
weights; checked against ``microsoft/mup`` 1.0.0, commit 1981497 (``MuReadout``, ``MuSGD``,
``MuAdam``, ``set_base_shapes``))::

                    init var      multiplier     SGD lr      Adam lr
    SP      all     1/fan_in      1              1           1
    μP      input   1             1              s           1
            hidden  1/s           1              1           1/s
            output  1             1/s            s           1
    μP      output  1/s**2        1              1/s         1/s      (fan_in form)

The trainer (:func:`train_mlp`) trains several learning rates at once as a stack of
independent networks that share their initial weights and their mini-batches (a paired
comparison); SGD and Adam (PyTorch's definition, bias-corrected) are implemented by hand.
Everything random comes from ``rng`` (SPEC 7).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_generator, check_choice, check_float_dtype, check_int, check_real
from .threads import blas_threads

__all__ = [
    "PARAMETRIZATIONS",
    "OPTIMIZERS",
    "LAYER_KINDS",
    "parametrization_table",
    "scaling_label",
    "ParametrizedMLP",
    "init_mlp",
    "mlp_loss_and_grads",
    "adam_step",
    "teacher_task",
    "TrainRun",
    "train_mlp",
    "LRSweep",
    "lr_sweep",
    "one_step_change",
    "relative_update",
]

PARAMETRIZATIONS = ("sp", "mup")
OPTIMIZERS = ("sgd", "adam")
LAYER_KINDS = ("input", "hidden", "output")
_FORMS = ("multiplier", "fan_in")

# exponents of s = width / base_width: (init variance, multiplier, SGD lr, Adam lr)
_TABLES = {
    ("sp", "multiplier"): {"input": (0, 0, 0, 0), "hidden": (-1, 0, 0, 0), "output": (-1, 0, 0, 0)},
    ("mup", "multiplier"): {"input": (0, 0, 1, 0), "hidden": (-1, 0, 0, -1), "output": (0, -1, 1, 0)},
    ("mup", "fan_in"): {"input": (0, 0, 1, 0), "hidden": (-1, 0, 0, -1), "output": (-2, 0, -1, -1)},
}
_TABLES[("sp", "fan_in")] = _TABLES[("sp", "multiplier")]



def parametrization_table(name: str = "mup", optimizer: str = "sgd", *, form: str = "multiplier") -> dict:
    """The per-layer scaling rules of a parametrization, as exponents of the width ratio.

    Parameters
    ----------
    name : {"sp", "mup"}
    optimizer : {"sgd", "adam"}
    form : {"multiplier", "fan_in"}, default ``"multiplier"``
        ``"multiplier"``: the ``mup`` package's form (output weights keep a width-independent
        variance and are multiplied by ``1/s`` in the forward pass). ``"fan_in"``: the same
        parametrization with that multiplier folded into the weights (no multipliers). SP is
        the same in both forms.

    Returns
    -------
    dict
        ``{kind: {"init_var": a, "multiplier": b, "lr": c}}`` for ``kind`` in
        ``("input", "hidden", "output")``: at width ``n`` the layer's initial weight variance is
        its base-width variance times ``s**a``, its forward multiplier ``s**b`` and its learning
        rate the global one times ``s**c``, with ``s = n / n0``.

    Examples
    --------
    >>> parametrization_table("mup", "adam")["hidden"]
    {'init_var': -1, 'multiplier': 0, 'lr': -1}
    """
    check_choice(name, "name", PARAMETRIZATIONS)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    check_choice(form, "form", _FORMS)
    rows = _TABLES[(name, form)]
    col = 2 if optimizer == "sgd" else 3
    return {k: {"init_var": rows[k][0], "multiplier": rows[k][1], "lr": rows[k][col]}
            for k in LAYER_KINDS}


def scaling_label(exponent: int, symbol: str = "s") -> str:
    """A power of the width ratio as text: ``1``, ``s``, ``1/s``, ``s²``, ``1/s²``.

    Parameters
    ----------
    exponent : int
        The power, e.g. an entry of :func:`parametrization_table`.
    symbol : str, default ``"s"``

    Returns
    -------
    str

    >>> [scaling_label(e) for e in (-2, -1, 0, 1)]
    ['1/s²', '1/s', '1', 's']
    """
    if isinstance(exponent, (bool, np.bool_)) or not isinstance(exponent, numbers.Integral):
        raise TypeError(f"exponent must be an int; got {exponent!r}")
    e = int(exponent)
    sup = {2: "²", 3: "³"}
    if e == 0:
        return "1"
    power = symbol if abs(e) == 1 else symbol + sup.get(abs(e), f"^{abs(e)}")
    return power if e > 0 else "1/" + power


@dataclass
class ParametrizedMLP:
    """An MLP drawn under a parametrization (what :func:`init_mlp` returns).

    Attributes
    ----------
    weights : list of ``ndarray``
        PyTorch shape ``(out, in)``, or ``(R, out, in)`` for a stack of ``R`` copies.
    multipliers : list of float
        Forward multiplier of each layer (the layer computes ``multiplier * W @ a``).
    lr_scales : dict
        ``{"sgd": [...], "adam": [...]}``: factor on the global learning rate of each layer.
    init_vars : list of float
        Variance the weights were drawn with.
    kinds : list of str
        ``"input"``, ``"hidden"`` or ``"output"`` per layer.
    name, form : str
    width, base_width : int
    """

    weights: list = field(repr=False)
    multipliers: list
    lr_scales: dict
    init_vars: list
    kinds: list
    name: str
    form: str
    width: int
    base_width: int


def _layer_kinds(depth: int) -> list:
    return ["input"] + ["hidden"] * (depth - 1) + ["output"]


def init_mlp(
    name: str,
    width: int,
    n_features: int,
    n_classes: int,
    *,
    base_width: int = 64,
    depth: int = 2,
    form: str = "multiplier",
    gain: float = math.sqrt(2.0),
    init_scale: float = 1.0,
    copies: int | None = None,
    dtype=np.float64,
    rng=None,
) -> ParametrizedMLP:
    """Draw a bias-free ReLU MLP under SP or μP.

    Parameters
    ----------
    name : {"sp", "mup"}
    width : int
        Width ``n`` of every hidden layer.
    n_features, n_classes : int
        Input dimension and number of outputs (both fixed as the width grows).
    base_width : int, default ``64``
        Width ``n0`` at which every parametrization is the same network.
    depth : int, default ``2``
        Number of hidden layers (``depth - 1`` hidden-to-hidden matrices).
    form : {"multiplier", "fan_in"}
        See :func:`parametrization_table`.
    gain : float, default ``sqrt(2)``
        He gain of the ReLU layers: input and hidden weights have variance ``gain**2 / fan_in``
        at the base width; the linear readout has ``1 / fan_in``.
    init_scale : float, default ``1``
        Multiply every initial standard deviation by this (to study the init scale).
    copies : int, optional
        If given, return weights of shape ``(copies, out, in)``: the same draw repeated (to
        train several learning rates from one initialization).
    dtype : numpy.float32 or numpy.float64
    rng : None, int or ``numpy.random.Generator``
        Standard normal draws, layer by layer from the input; so SP and μP drawn from the same
        seed differ only by the scale of each layer.

    Returns
    -------
    ParametrizedMLP
    """
    check_choice(name, "name", PARAMETRIZATIONS)
    check_choice(form, "form", _FORMS)
    width = check_int(width, "width", 1)
    n_features = check_int(n_features, "n_features", 1)
    n_classes = check_int(n_classes, "n_classes", 1)
    base_width = check_int(base_width, "base_width", 1)
    depth = check_int(depth, "depth", 1)
    gain = check_real(gain, "gain", positive=True)
    init_scale = check_real(init_scale, "init_scale", positive=True)
    if copies is not None:
        copies = check_int(copies, "copies", 1)
    dt = check_float_dtype(dtype)
    gen = as_generator(rng)

    s = width / base_width
    kinds = _layer_kinds(depth)
    shapes = [(width, n_features)] + [(width, width)] * (depth - 1) + [(n_classes, width)]
    base_var = {"input": gain**2 / n_features, "hidden": gain**2 / base_width, "output": 1.0 / base_width}
    tables = {opt: parametrization_table(name, opt, form=form) for opt in OPTIMIZERS}
    rules = tables["sgd"]
    weights, mults, init_vars = [], [], []
    for kind, shape in zip(kinds, shapes):
        var = base_var[kind] * s ** rules[kind]["init_var"] * init_scale**2
        w = gen.standard_normal(shape, dtype=dt) * dt.type(math.sqrt(var))
        if copies is not None:
            w = np.repeat(w[None], copies, axis=0)
        weights.append(w)
        mults.append(float(s ** rules[kind]["multiplier"]))
        init_vars.append(var)
    lr_scales = {opt: [float(s ** tables[opt][k]["lr"]) for k in kinds] for opt in OPTIMIZERS}
    return ParametrizedMLP(weights, mults, lr_scales, init_vars, kinds, name, form, width, base_width)


def _forward(weights, mults, X):
    """Pre-activations of every hidden layer and the output; works on stacks (R, ., .)."""
    hs = []
    a = X
    for W, c in zip(weights[:-1], mults[:-1]):
        h = np.matmul(a, np.swapaxes(W, -1, -2))
        if c != 1.0:
            h *= c
        hs.append(h)
        a = np.maximum(h, 0)
    out = np.matmul(a, np.swapaxes(weights[-1], -1, -2))
    if mults[-1] != 1.0:
        out *= mults[-1]
    return hs, out


def _softmax_ce(out, y):
    """Per-copy mean cross-entropy and dLoss/dout (divided by the batch size)."""
    B = out.shape[-2]
    shifted = out - out.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, np.broadcast_to(y[:, None], shifted.shape[:-1] + (1,)), axis=-1)[..., 0]
    value = (log_norm - picked).mean(axis=-1)
    grad = np.exp(shifted - log_norm[..., None])
    rows = np.arange(B)
    grad[..., rows, y] -= 1.0
    grad /= B
    return value, grad


def _backward(weights, mults, X, hs, g):
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        a = X if l == 0 else np.maximum(hs[l - 1], 0)
        gw = np.matmul(np.swapaxes(g, -1, -2), a)
        if mults[l] != 1.0:
            gw *= mults[l]
        grads[l] = gw
        if l > 0:
            delta = np.matmul(g, weights[l])
            if mults[l] != 1.0:
                delta *= mults[l]
            g = delta * (hs[l - 1] > 0)
    return grads


def _check_xy(X, y, dtype=np.float64):
    X = np.asarray(X, dtype=dtype)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}")
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer class labels of shape ({X.shape[0]},); got {y.dtype} {y.shape}")
    if y.size and y.min() < 0:
        raise ValueError("class labels must be >= 0")
    return X, y


def mlp_loss_and_grads(weights, multipliers, X, y):
    """Mean softmax cross-entropy of a batch and its gradients with respect to every weight.

    Parameters
    ----------
    weights : list of ``ndarray``
        As in :class:`ParametrizedMLP` (a single network or a stack of ``R`` networks).
    multipliers : sequence of float
        Forward multiplier of each layer.
    X : ``ndarray``, shape (batch, n_features)
    y : ``ndarray`` of int, shape (batch,)

    Returns
    -------
    value : float or ``ndarray`` of shape (R,)
    grads : list of ``ndarray``, same shapes as ``weights``
    """
    if len(multipliers) != len(weights):
        raise ValueError(f"need one multiplier per layer: {len(weights)} layers, {len(multipliers)} multipliers")
    X, y = _check_xy(X, y, weights[0].dtype)
    if y.size and y.max() >= weights[-1].shape[-2]:
        raise ValueError(f"labels must be < the number of outputs {weights[-1].shape[-2]}; got {y.max()}")
    hs, out = _forward(weights, list(multipliers), X)
    value, g = _softmax_ce(out, y)
    grads = _backward(weights, list(multipliers), X, hs, g)
    return (float(value) if np.ndim(value) == 0 else value), grads


def adam_step(param, grad, m, v, t, lr, *, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in place (Kingma & Ba 2015; PyTorch's ``torch.optim.Adam``).

    ``m ← β1 m + (1-β1) g``, ``v ← β2 v + (1-β2) g²``,
    ``param ← param - lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + eps)``.

    Parameters
    ----------
    param, grad, m, v : ``ndarray`` (same shape; ``param``, ``m``, ``v`` are updated in place)
    t : int
        Step number, starting at 1.
    lr : float or ``ndarray``
        Learning rate; an array broadcasts against ``param`` (one rate per stacked copy).
    betas : (float, float)
    eps : float

    Returns
    -------
    ``ndarray``
        The update that was subtracted, ``lr · m̂ / (sqrt(v̂) + eps)``.
    """
    t = check_int(t, "t", 1)
    b1, b2 = betas
    m *= b1
    m += (1 - b1) * grad
    v *= b2
    v += (1 - b2) * np.square(grad)
    step = np.sqrt(v)
    step *= 1.0 / math.sqrt(1 - b2**t)
    step += eps
    np.divide(m, step, out=step)
    step *= np.asarray(lr, dtype=step.dtype) / step.dtype.type(1 - b1**t)
    param -= step
    return step


def teacher_task(n_samples: int = 1024, n_features: int = 16, n_classes: int = 10, *,
                 teacher_width: int = 64, rng=None):
    """Classification data labelled by a random one-hidden-layer tanh teacher.

    ``X`` has i.i.d. standard normal entries; the label is the argmax of
    ``V tanh(U x)`` with ``U``, ``V`` standard normal scaled by ``1/sqrt(fan_in)``. A task that a
    student MLP can fit only by learning features, generated in code in milliseconds.

    Returns
    -------
    X : ``ndarray``, shape (n_samples, n_features), float64
    y : ``ndarray`` of int, shape (n_samples,)
    """
    n_samples = check_int(n_samples, "n_samples", 1)
    n_features = check_int(n_features, "n_features", 1)
    n_classes = check_int(n_classes, "n_classes", 2)
    teacher_width = check_int(teacher_width, "teacher_width", 1)
    gen = as_generator(rng)
    U = gen.standard_normal((teacher_width, n_features)) / math.sqrt(n_features)
    V = gen.standard_normal((n_classes, teacher_width)) / math.sqrt(teacher_width)
    X = gen.standard_normal((n_samples, n_features))
    y = (np.tanh(X @ U.T) @ V.T).argmax(axis=1)
    return X, y.astype(np.int64)


@dataclass
class TrainRun:
    """What :func:`train_mlp` records for each learning rate.

    Attributes
    ----------
    lrs : ``ndarray``
        The global learning rates.
    final_loss : ``ndarray``
        Loss on the whole training set after the last step (``nan`` where it diverged).
    loss : ``ndarray``, shape (steps, len(lrs))
        Mini-batch loss before each step.
    diverged : ``ndarray`` of bool
        Runs whose loss became non-finite or exceeded ``diverge_at``; they are frozen there.
    width, name, optimizer : int, str, str
    """

    lrs: np.ndarray
    final_loss: np.ndarray
    loss: np.ndarray = field(repr=False)
    diverged: np.ndarray
    width: int
    name: str
    optimizer: str


def _as_lrs(lr):
    lrs = np.atleast_1d(np.asarray(lr, dtype=np.float64))
    if lrs.ndim != 1 or lrs.size == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError(f"lr must be a positive finite number or a 1-D sequence of them; got {lr!r}")
    return lrs


def train_mlp(
    X,
    y,
    width: int,
    lr,
    *,
    parametrization: str = "mup",
    optimizer: str = "adam",
    base_width: int = 64,
    depth: int = 2,
    steps: int = 100,
    batch_size: int = 64,
    betas=(0.9, 0.999),
    eps: float = 1e-8,
    form: str = "multiplier",
    init_scale: float = 1.0,
    diverge_at: float = 1e3,
    dtype=np.float64,
    rng=None,
) -> TrainRun:
    """Train the MLP of :func:`init_mlp` at one width, for one or several learning rates.

    All learning rates start from the same initial weights and see the same mini-batches; they
    are trained together as a stack of independent networks (one matrix product per layer).

    Parameters
    ----------
    X, y : training data (classes ``0..K-1``; ``K`` outputs)
    width : int
    lr : float or sequence of float
        Global learning rate(s); each layer uses ``lr`` times its factor from
        :func:`parametrization_table`.
    parametrization : {"sp", "mup"}
    optimizer : {"sgd", "adam"}
    base_width, depth, form, init_scale
        See :func:`init_mlp`.
    steps : int, default ``100``
    batch_size : int, default ``64``
        Mini-batches drawn without replacement (the whole set if larger).
    betas, eps
        Adam's constants (PyTorch defaults).
    diverge_at : float, default ``1e3``
        A run whose mini-batch loss exceeds this (or is not finite) is frozen and marked diverged.
    dtype : numpy.float64 (default) or numpy.float32
        float32 halves the time; its results depend more on the BLAS library's summation order
        (and NumPy draws float32 normals with another algorithm, so the weights differ too).
    rng : None, int or ``numpy.random.Generator``
        One seed is drawn from it; the weights come from ``[seed, 0]`` and the mini-batches from
        ``[seed, 1]``, so runs at different widths or under another parametrization with the same
        ``rng`` share their mini-batch sequence.

    Returns
    -------
    TrainRun
    """
    check_choice(parametrization, "parametrization", PARAMETRIZATIONS)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    dt = check_float_dtype(dtype)
    X, y = _check_xy(X, y, dt)
    lrs = _as_lrs(lr)
    steps = check_int(steps, "steps", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    eps = check_real(eps, "eps", positive=True)
    diverge_at = check_real(diverge_at, "diverge_at", positive=True)
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ValueError(f"betas must be two numbers in [0, 1); got {betas!r}")
    seed = int(as_generator(rng).integers(2**63))
    n_classes = max(int(y.max()) + 1, 2)
    R = lrs.size
    net = init_mlp(parametrization, width, X.shape[1], n_classes, base_width=base_width, depth=depth,
                   form=form, init_scale=init_scale, copies=R, dtype=dt, rng=np.random.default_rng([seed, 0]))
    batches = np.random.default_rng([seed, 1])
    W, mults = net.weights, net.multipliers
    layer_lr = [(lrs * f).astype(dt)[:, None, None] for f in net.lr_scales[optimizer]]
    moments = [(np.zeros_like(w), np.zeros_like(w)) for w in W] if optimizer == "adam" else None
    alive = np.ones(R, dtype=bool)
    losses = np.full((steps, R), np.nan)
    n = X.shape[0]
    with blas_threads(), np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            if batch_size >= n:
                Xb, yb = X, y
            else:
                idx = batches.choice(n, size=batch_size, replace=False)
                Xb, yb = X[idx], y[idx]
            hs, out = _forward(W, mults, Xb)
            value, g = _softmax_ce(out, yb)
            losses[step] = value
            dying = alive & ~(np.isfinite(value) & (value < diverge_at))
            if dying.any():
                # freeze a diverged copy at zero so that it stays finite (its rate is zero from now on)
                alive &= ~dying
                for l in range(len(W)):
                    layer_lr[l] = layer_lr[l] * alive[:, None, None]
                    W[l][dying] = 0
                    if moments is not None:
                        moments[l][0][dying] = 0
                        moments[l][1][dying] = 1
                hs, out = _forward(W, mults, Xb)
                _, g = _softmax_ce(out, yb)
            grads = _backward(W, mults, Xb, hs, g)
            for l in range(len(W)):
                if optimizer == "sgd":
                    grads[l] *= layer_lr[l]
                    W[l] -= grads[l]
                else:
                    m, v = moments[l]
                    adam_step(W[l], grads[l], m, v, step + 1, layer_lr[l], betas=betas, eps=eps)
        _, out = _forward(W, mults, X)
        final, _ = _softmax_ce(out, y)
    final = np.asarray(final, dtype=np.float64)
    diverged = ~alive | ~np.isfinite(final) | (final >= diverge_at)
    losses[:, ~alive] = np.where(np.isfinite(losses[:, ~alive]), losses[:, ~alive], np.nan)
    final[diverged] = np.nan
    return TrainRun(lrs, final, losses, diverged, net.width, parametrization, optimizer)


@dataclass
class LRSweep:
    """Final losses over a grid of widths and learning rates (what :func:`lr_sweep` returns).

    Attributes
    ----------
    widths : ``ndarray`` of int
    lrs : ``ndarray``
    loss : ``ndarray``, shape (len(widths), len(lrs))
        ``nan`` where training diverged.
    name, optimizer : str
    """

    widths: np.ndarray
    lrs: np.ndarray
    loss: np.ndarray
    name: str
    optimizer: str

    @property
    def best_index(self) -> np.ndarray:
        """Index into ``lrs`` of the lowest final loss at each width (diverged runs never win)."""
        if np.all(np.isnan(self.loss), axis=1).any():
            raise ValueError("every learning rate diverged at some width; widen the grid towards small rates")
        return np.nanargmin(self.loss, axis=1)

    @property
    def best_lr(self) -> np.ndarray:
        """The best learning rate at each width."""
        return self.lrs[self.best_index]

    @property
    def best_loss(self) -> np.ndarray:
        """The lowest final loss at each width."""
        return np.nanmin(self.loss, axis=1)


def lr_sweep(X, y, widths, lrs, *, parametrization: str = "mup", optimizer: str = "adam", rng=None,
             **kwargs) -> LRSweep:
    """Final training loss for every (width, learning rate) pair.

    Parameters
    ----------
    X, y : training data
    widths : sequence of int
    lrs : sequence of float
        Learning-rate grid, e.g. ``2.0 ** np.arange(-10, -3)``.
    parametrization, optimizer : see :func:`train_mlp`
    rng : None, int or ``numpy.random.Generator``
        One seed for the whole sweep: every width sees the same mini-batch sequence, and a sweep
        under another parametrization with the same ``rng`` starts from the same standard normal
        draws (identical networks at the base width).
    **kwargs
        Passed to :func:`train_mlp` (``steps``, ``batch_size``, ``base_width``, ``depth``...).

    Returns
    -------
    LRSweep
    """
    widths = [check_int(w, "width", 1) for w in np.atleast_1d(widths).tolist()]
    if not widths:
        raise ValueError("widths is empty")
    lrs = _as_lrs(lrs)
    seed = int(as_generator(rng).integers(2**63))
    loss = np.vstack([
        train_mlp(X, y, w, lrs, parametrization=parametrization, optimizer=optimizer, rng=seed, **kwargs).final_loss
        for w in widths
    ])
    return LRSweep(np.array(widths), lrs, loss, parametrization, optimizer)


def one_step_change(X, y, width: int, lr: float, *, parametrization: str = "sp", optimizer: str = "sgd",
                    base_width: int = 64, depth: int = 2, init_scale: float = 1.0, rng=None) -> dict:
    """How much one update on the batch ``(X, y)`` moves each layer's output (a "coordinate check").

    Parameters
    ----------
    X, y : the batch (its loss is used for the update and the change is measured on it)
    width, lr, parametrization, optimizer, base_width, depth, init_scale
        As in :func:`train_mlp`.
    rng : None, int or ``numpy.random.Generator``
        Initial weights.

    Returns
    -------
    dict
        ``"preactivation"``: root mean square of the change of each hidden layer's
        pre-activations (a list, input side first); ``"output"``: that of the network output;
        ``"relative_update"``: ``‖ΔW‖_F / ‖W‖_F`` of each layer (of the effective weight
        ``multiplier · W``, which is the same ratio).
    """
    check_choice(parametrization, "parametrization", PARAMETRIZATIONS)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    lr = check_real(lr, "lr", positive=True)
    X, y = _check_xy(X, y)
    n_classes = max(int(y.max()) + 1, 2)
    net = init_mlp(parametrization, width, X.shape[1], n_classes, base_width=base_width, depth=depth,
                   init_scale=init_scale, rng=rng)
    W, mults = net.weights, net.multipliers
    with blas_threads():
        hs0, out0 = _forward(W, mults, X)
        _, g = _softmax_ce(out0, y)
        grads = _backward(W, mults, X, hs0, g)
        new, ratios = [], []
        for l, (w, gw) in enumerate(zip(W, grads)):
            rate = lr * net.lr_scales[optimizer][l]
            if optimizer == "sgd":
                step = rate * gw
            else:
                step = adam_step(w.copy(), gw, np.zeros_like(w), np.zeros_like(w), 1, rate)
            new.append(w - step)
            ratios.append(float(np.linalg.norm(step) / np.linalg.norm(w)))
        hs1, out1 = _forward(new, mults, X)
    rms = lambda d: float(np.sqrt(np.mean(d * d)))  # noqa: E731
    return {"preactivation": [rms(a - b) for a, b in zip(hs1, hs0)], "output": rms(out1 - out0),
            "relative_update": ratios}


def relative_update(X, y, width: int, lr: float, *, optimizer: str = "sgd", init_scale: float = 1.0,
                    depth: int = 2, rng=None) -> np.ndarray:
    """``‖ΔW‖_F / ‖W‖_F`` of every layer after one update of a standard-parametrized MLP.

    Shorthand for ``one_step_change(..., parametrization="sp")["relative_update"]`` with the
    base width equal to ``width`` (so only ``init_scale``, the optimizer and ``lr`` matter).

    Returns
    -------
    ``ndarray``, shape (depth + 1,)
    """
    out = one_step_change(X, y, width, lr, parametrization="sp", optimizer=optimizer, base_width=width,
                          depth=depth, init_scale=init_scale, rng=rng)
    return np.array(out["relative_update"])
