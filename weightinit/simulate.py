"""Forward and backward passes through a deep MLP, with per-layer statistics.

:func:`simulate` builds a fully connected network (any depth, widths, activation, initializer
and bias scale), pushes a batch through it, back-propagates a gradient and returns a
:class:`SimulationResult` with the mean and standard deviation of every layer's
pre-activations, activations and gradients, the fraction of saturated or dead units, and the
raw arrays for histograms. :meth:`weightinit.simulate.SimulationResult.theory` returns the matching prediction of
:func:`weightinit.theory.propagate`, so that a figure can lay the theory over the measurement.

Conventions
-----------
* Layout: a batch is ``(batch, n)``; weights have PyTorch shape ``(out, in)``, so that
  ``Z = A @ W.T + b``.
* The same activation is applied after every layer, the last included.
* Backward pass: the loss is a fixed random linear read-out of the last layer,
  ``L = sum(E * A[L])`` with ``E`` standard normal, so ``dL/dA[L] = E`` has standard
  deviation 1 and the gradients of the hidden layers are those of a single sample (not divided
  by the batch size). Weight gradients are averaged over the batch.
* Randomness: the weights are drawn first (layer 1 to L, each followed by its bias when
  ``bias_std > 0``), then the inputs (unless ``x`` is given), then ``E``, all from ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ._validation import as_generator, check_int
from .activations import Activation, get_activation
from .threads import blas_threads
from .theory import InitSpec, LayerAxis, TheoryProfile, as_init_spec, check_widths, propagate, _check_nonnegative

__all__ = [
    "SimulationResult",
    "init_network",
    "run_network",
    "simulate",
    "compare",
    "input_variances",
]


@dataclass
class SimulationResult(LayerAxis):
    """Per-layer statistics of one forward and backward pass (layers 1..L).

    All statistics are arrays of shape ``(L,)`` taken over every entry of the ``(batch, n_l)``
    array of a layer.

    Attributes
    ----------
    widths : tuple of int
        ``(n_0, n_1, ..., n_L)``.
    activation : ``Activation``
    init : ``InitSpec``
    bias_std : float
    input_second_moment : float
        Measured :math:`E[x^2]` of the inputs (what the theory starts from).
    preact_mean, preact_std : ``ndarray``
        Of :math:`Z^{[l]}`.
    act_mean, act_std : ``ndarray``
        Of :math:`A^{[l]} = f(Z^{[l]})`.
    saturated_frac : ``ndarray`` or None
        tanh: fraction with ``|A| > 0.99``; sigmoid: outside ``[0.01, 0.99]``; else None.
    inactive_frac : ``ndarray`` or None
        ReLU and leaky ReLU: fraction of entries with :math:`Z \\le 0`; else None.
    dead_frac : ``ndarray`` or None
        ReLU and leaky ReLU: fraction of units with :math:`Z \\le 0` for every sample of the
        batch ("dead" units); else None.
    grad_act_std : ``ndarray``
        Standard deviation of :math:`\\partial L/\\partial A^{[l]}`.
    grad_preact_std : ``ndarray``
        Standard deviation of :math:`\\partial L/\\partial Z^{[l]}` (the "back-propagated
        gradient" of Glorot & Bengio 2010, fig. 7).
    weight_grad_std : ``ndarray``
        Standard deviation of the entries of :math:`\\partial L/\\partial W^{[l]}`.
    preacts, acts, grad_acts, grad_preacts : list of ``ndarray`` or None
        The raw ``(batch, n_l)`` arrays, kept when ``keep_arrays=True``.
    """

    widths: tuple
    activation: Activation
    init: InitSpec
    bias_std: float
    input_second_moment: float
    preact_mean: np.ndarray
    preact_std: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    saturated_frac: np.ndarray | None
    inactive_frac: np.ndarray | None
    dead_frac: np.ndarray | None
    grad_act_std: np.ndarray
    grad_preact_std: np.ndarray
    weight_grad_std: np.ndarray
    preacts: list | None = field(default=None, repr=False)
    acts: list | None = field(default=None, repr=False)
    grad_acts: list | None = field(default=None, repr=False)
    grad_preacts: list | None = field(default=None, repr=False)


    @property
    def label(self) -> str:
        """The initializer's Korean label, for legends."""
        return self.init.label

    def theory(self) -> TheoryProfile:
        """The mean-field prediction for this network and these inputs.

        Returns
        -------
        TheoryProfile
            From :func:`weightinit.theory.propagate` with the same widths, activation,
            initializer and bias scale, starting from the measured input second moment, with
            unit output-gradient variance.
        """
        if self.init.name == "custom":
            raise ValueError(
                "this result came from weights given to run_network, not from an initializer; "
                "use weightinit.theory.propagate with the initializer that drew them"
            )
        return propagate(
            list(self.widths[1:]),
            self.activation,
            self.init,
            input_dim=self.widths[0],
            input_second_moment=self.input_second_moment,
            bias_std=self.bias_std,
        )

    def summary(self) -> str:
        """A small fixed-width table of the per-layer statistics (for printing in notebooks)."""
        head = f"{'층':>3} {'Z 표준편차':>11} {'A 평균':>9} {'A 표준편차':>11} {'dZ 표준편차':>12}"
        extra = ""
        if self.saturated_frac is not None:
            extra = "포화 비율"
        elif self.dead_frac is not None:
            extra = "죽은 렐루"
        lines = [head + (f" {extra:>8}" if extra else "")]
        for i in range(self.depth):
            row = (
                f"{i + 1:>3} {self.preact_std[i]:>12.4g} {self.act_mean[i]:>10.4g} "
                f"{self.act_std[i]:>12.4g} {self.grad_preact_std[i]:>13.4g}"
            )
            if self.saturated_frac is not None:
                row += f" {self.saturated_frac[i]:>10.3f}"
            elif self.dead_frac is not None:
                row += f" {self.dead_frac[i]:>10.3f}"
            lines.append(row)
        return "\n".join(lines)


@blas_threads()
def init_network(
    widths,
    init,
    *,
    depth: int | None = None,
    input_dim: int | None = None,
    bias_std: float = 0.0,
    rng=None,
    dtype=np.float64,
):
    """Draw the weights and biases of an MLP.

    Parameters
    ----------
    widths : int or ``sequence`` of int
        Width of every layer (with ``depth``) or the list of layer widths.
    init : str, (str, dict), float or ``InitSpec``
        Weight initializer (see :class:`weightinit.theory.InitSpec`).
    depth : int
        Number of layers when ``widths`` is an int.
    input_dim : int
        Input size n_0; defaults to the first layer width.
    bias_std : float, default ``0.0``
        Biases are N(0, bias_std²); with 0 they are zeros (and no draw is made).
    rng : None, int or ``numpy.random.Generator``
        Source of randomness.
    dtype : ``numpy dtype``, default ``float64``

    Returns
    -------
    weights : list of ``ndarray``
        ``weights[l]`` has shape ``(n_{l+1}, n_l)``.
    biases : list of ``ndarray``
        ``biases[l]`` has shape ``(n_{l+1},)``.
    """
    spec = as_init_spec(init)
    ns = check_widths(widths, depth, input_dim)
    sb = _check_nonnegative(bias_std, "bias_std")
    gen = as_generator(rng)
    weights, biases = [], []
    for n_in, n_out in zip(ns[:-1], ns[1:]):
        weights.append(np.asarray(spec.draw((n_out, n_in), gen, dtype=dtype)))
        if sb > 0:
            biases.append((sb * gen.standard_normal(n_out)).astype(dtype, copy=False))
        else:
            biases.append(np.zeros(n_out, dtype=dtype))
    return weights, biases


def _mean_std(x: np.ndarray):
    # One pass with a BLAS dot for the sum of squares: far cheaper than x.std() on big arrays.
    flat = x.reshape(-1)
    n = flat.size
    mean = float(flat.sum()) / n
    var = float(np.dot(flat, flat)) / n - mean * mean
    return mean, np.sqrt(max(var, 0.0))


def _derivative(act: Activation, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # Reuse the forward output where the derivative is a function of it (saves a tanh/exp).
    if act.name == "tanh":
        return 1.0 - a * a
    if act.name == "sigmoid":
        return a * (1.0 - a)
    return act.derivative(z)


@blas_threads()
def run_network(
    x,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray] | None,
    activation,
    *,
    output_grad=None,
    rng=None,
    keep_arrays: bool = True,
    init: InitSpec | None = None,
    bias_std: float = 0.0,
) -> SimulationResult:
    """Forward and backward pass through given weights; see the module notes for conventions.

    Parameters
    ----------
    x : ``array_like``, shape (batch, n_0)
        Inputs.
    weights : ``sequence`` of ``ndarray``
        ``weights[l]`` of shape ``(n_{l+1}, n_l)``.
    biases : ``sequence`` of ``ndarray`` or None
        ``None`` for no biases.
    activation : str or ``Activation``
    output_grad : ``array_like``, shape (batch, n_L)
        :math:`\\partial L/\\partial A^{[L]}`; standard normal from ``rng`` when omitted.
    rng : None, int or ``numpy.random.Generator``
        Used only to draw ``output_grad``.
    keep_arrays : bool, default ``True``
        Keep the per-layer arrays in the result (for histograms).
    init : ``InitSpec``
        Recorded in the result (for labels and :meth:`weightinit.simulate.SimulationResult.theory`).
    bias_std : float, default ``0.0``
        Recorded in the result.

    Returns
    -------
    SimulationResult
    """
    act = get_activation(activation)
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array (batch, n_0); got shape {x.shape}")
    if not weights:
        raise ValueError("weights must hold at least one layer")
    ns = [x.shape[1]]
    for l, w in enumerate(weights):
        if w.ndim != 2 or w.shape[1] != ns[-1]:
            raise ValueError(f"weights[{l}] has shape {w.shape}; expected (n_out, {ns[-1]})")
        ns.append(w.shape[0])
    if biases is not None and len(biases) != len(weights):
        raise ValueError(f"got {len(biases)} biases for {len(weights)} layers")
    L = len(weights)
    batch = x.shape[0]

    stats = {k: np.empty(L) for k in ("zm", "zs", "am", "as", "ga", "gz", "gw")}
    sat = np.empty(L) if act.saturates else None
    inactive = np.empty(L) if act.is_rectifier else None
    dead = np.empty(L) if act.is_rectifier else None

    zs, as_, masks = [], [], []
    a = x
    for l in range(L):
        z = a @ weights[l].T
        if biases is not None:
            b = biases[l]
            if np.any(b):
                z += b
        a = act(z)
        zs.append(z)
        as_.append(a)
        stats["zm"][l], stats["zs"][l] = _mean_std(z)
        stats["am"][l], stats["as"][l] = _mean_std(a)
        if sat is not None:
            sat[l] = np.count_nonzero(act.saturated(a)) / a.size
        if inactive is not None:
            on = z > 0
            masks.append(on)  # reused by the backward pass as ReLU's derivative
            inactive[l] = 1.0 - np.count_nonzero(on) / on.size
            dead[l] = 1.0 - np.count_nonzero(on.any(axis=0)) / on.shape[1]

    if output_grad is None:
        delta = as_generator(rng).standard_normal((batch, ns[-1])).astype(x.dtype, copy=False)
    else:
        delta = np.asarray(output_grad)
        if delta.shape != (batch, ns[-1]):
            raise ValueError(f"output_grad has shape {delta.shape}; expected {(batch, ns[-1])}")
    gas, gzs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        gas[l] = delta
        stats["ga"][l] = _mean_std(delta)[1]
        if act.name == "relu":
            g = delta * masks[l]  # bool mask: multiplied without a float copy of f'(z)
        else:
            g = delta * _derivative(act, zs[l], as_[l])
        gzs[l] = g
        stats["gz"][l] = _mean_std(g)[1]
        a_prev = as_[l - 1] if l > 0 else x
        gw = g.T @ a_prev
        stats["gw"][l] = _mean_std(gw)[1] / batch
        if l > 0:
            delta = g @ weights[l]

    return SimulationResult(
        widths=tuple(ns),
        activation=act,
        init=init if init is not None else InitSpec("custom", label="사용자 지정 가중치"),
        bias_std=float(bias_std),
        input_second_moment=float(np.dot(x.reshape(-1), x.reshape(-1))) / x.size,
        preact_mean=stats["zm"],
        preact_std=stats["zs"],
        act_mean=stats["am"],
        act_std=stats["as"],
        saturated_frac=sat,
        inactive_frac=inactive,
        dead_frac=dead,
        grad_act_std=stats["ga"],
        grad_preact_std=stats["gz"],
        weight_grad_std=stats["gw"],
        preacts=zs if keep_arrays else None,
        acts=as_ if keep_arrays else None,
        grad_acts=gas if keep_arrays else None,
        grad_preacts=gzs if keep_arrays else None,
    )


@blas_threads()
def _layer_widths(width, depth, input_dim) -> tuple:
    """``(n_0, n_1, ..., n_L)`` of :func:`simulate` and :func:`input_variances`: 10 layers when
    ``width`` is an int and ``depth`` is omitted."""
    if depth is None and isinstance(width, (int, np.integer)):
        depth = 10
    return check_widths(width, depth, input_dim)


def simulate(
    width=500,
    depth: int | None = None,
    activation="tanh",
    init="xavier_normal",
    *,
    input_dim: int | None = None,
    batch_size: int = 1000,
    bias_std: float = 0.0,
    x=None,
    rng=None,
    keep_arrays: bool = True,
    activation_kwargs=None,
    dtype=np.float64,
) -> SimulationResult:
    """Draw a network, run a batch forward and a gradient backward, and measure every layer.

    Parameters
    ----------
    width : int or ``sequence`` of int, default ``500``
        Width of every layer, or the list of the layer widths.
    depth : int
        Number of layers: 10 when omitted and ``width`` is an int; when ``width`` is a
        sequence, leave it out or give its length.
    activation : str or ``Activation``, default ``"tanh"``
    init : str, (str, dict), float or ``InitSpec``, default ``"xavier_normal"``
        Weight initializer; a number s means plain random init N(0, s²).
    input_dim : int
        n_0; defaults to the first layer width.
    batch_size : int, default ``1000``
        Number of samples (ignored when ``x`` is given).
    bias_std : float, default ``0.0``
        Biases N(0, bias_std²); zeros when 0.
    x : ``array_like``
        Inputs of shape ``(batch, n_0)``; standard normal when omitted.
    rng : None, int or ``numpy.random.Generator``
    keep_arrays : bool, default ``True``
        Keep the raw per-layer arrays (needed for histograms).
    activation_kwargs : dict
        E.g. ``{"negative_slope": 0.1}`` for leaky ReLU.
    dtype : ``numpy dtype``, default ``float64``

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> res = simulate(500, 10, "relu", "kaiming_normal", rng=0)   # doctest: +SKIP
    >>> res.act_std, res.theory().act_std                          # doctest: +SKIP
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    if x is not None:
        x = np.asarray(x, dtype=dtype)
        if x.ndim != 2:
            raise ValueError(f"x must be a 2-D array (batch, n_0); got shape {x.shape}")
        if input_dim is not None and input_dim != x.shape[1]:
            raise ValueError(f"input_dim={input_dim} does not match x of shape {x.shape}")
        input_dim = x.shape[1]
    ns = _layer_widths(width, depth, input_dim)
    spec = as_init_spec(init)
    gen = as_generator(rng)
    weights, biases = init_network(list(ns[1:]), spec, input_dim=ns[0], bias_std=bias_std, rng=gen, dtype=dtype)
    if x is None:
        if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an int; got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {batch_size}")
        x = gen.standard_normal((int(batch_size), ns[0])).astype(dtype, copy=False)
    return run_network(
        x,
        weights,
        biases,
        act,
        rng=gen,
        keep_arrays=keep_arrays,
        init=spec,
        bias_std=bias_std,
    )


def compare(inits, width=500, depth: int | None = None, activation="tanh", *, rng=None, **kwargs) -> dict:
    """Simulate the same inputs through one network per initializer.

    Parameters
    ----------
    inits : ``sequence``
        Initializers in any form :func:`weightinit.theory.as_init_spec` accepts.
    width, depth, activation
        As in :func:`simulate`.
    rng : None, int or ``numpy.random.Generator``
        The inputs are drawn once from it, then each network in turn.
    **kwargs
        Passed to :func:`simulate` (``batch_size``, ``bias_std``, ``keep_arrays``, ``input_dim``...).

    Returns
    -------
    dict
        ``{label: SimulationResult}`` in the order of ``inits``.
    """
    gen = as_generator(rng)
    specs = [as_init_spec(i) for i in inits]
    if not specs:
        raise ValueError("inits must name at least one initializer")
    x = kwargs.pop("x", None)
    batch_size = kwargs.pop("batch_size", 1000)
    input_dim = kwargs.pop("input_dim", None)
    if x is None:
        n0 = input_dim if input_dim is not None else (width if isinstance(width, (int, np.integer)) else list(width)[0])
        x = gen.standard_normal((int(batch_size), int(n0)))
    labels = [spec.label for spec in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"initializers must have distinct labels; got {labels}")
    out = {}
    for spec in specs:
        out[spec.label] = simulate(width, depth, activation, spec, x=x, rng=gen, **kwargs)
    return out


def input_variances(
    width=500,
    depth: int | None = None,
    activation="tanh",
    init="xavier_normal",
    *,
    input_dim: int | None = None,
    n_inputs: int = 1000,
    input_second_moment: float = 1.0,
    rng=None,
    activation_kwargs=None,
) -> np.ndarray:
    r"""The variance of every layer's pre-activations for one input, drawn for many inputs.

    Fix an input :math:`x` and draw the weights independently. Given the activations
    :math:`a^{[l-1]}` of that input, the :math:`n_l` pre-activations of layer :math:`l` are
    independent :math:`N(0, s_l)` with :math:`s_l = \mathrm{Var}(W^{[l]})\,\lVert a^{[l-1]}\rVert^2`
    (and :math:`s_1 = \mathrm{Var}(W^{[1]})\,\lVert x\rVert^2`). This function draws that chain
    :math:`s_1, \dots, s_L` for ``n_inputs`` inputs :math:`x \sim N(0,\, m_2 I)`, drawing each
    layer's pre-activations from :math:`N(0, s_l)` directly: :math:`n_l` draws per input and layer
    instead of a matrix product.

    One input's chain has the distribution it has in a network of :func:`simulate`; here the
    inputs do not share weights, so the chains are independent. The mean of ``s[:, l]`` over
    the inputs therefore estimates the pre-activation variance of layer ``l + 1`` averaged over
    inputs and weights, which :func:`weightinit.theory.propagate` approximates (mean field) by
    putting the mean of :math:`s_l` in place of :math:`s_l`. Where the length map
    :math:`q \mapsto \sigma_w^2 \mathbb{E}[f(\sqrt q\,\xi)^2]` is linear (ReLU, leaky ReLU,
    the identity) the two agree in expectation at every width; where it is convex (GELU at small
    :math:`q`), the average variance is larger than the theory's (Jensen's inequality).

    Parameters
    ----------
    width : int or ``sequence`` of int, default ``500``
        Width of every layer, or the list of the layer widths.
    depth : int
        Number of layers: 10 when omitted and ``width`` is an int.
    activation : str or ``Activation``, default ``"tanh"``
    init : str, (str, dict), float or ``InitSpec``, default ``"xavier_normal"``
        Only the variance of the weights is used, as if they were Gaussian (for a uniform
        initializer the pre-activations are Gaussian only by the central limit theorem). The
        rows of an orthogonal matrix are not independent, so ``"orthogonal"`` is refused.
    input_dim : int
        n_0; defaults to the first layer width.
    n_inputs : int, default ``1000``
        Number of inputs (independent chains). Memory: one ``(n_inputs, n_l)`` array at a time.
    input_second_moment : float, default ``1.0``
        :math:`m_2 = E[x^2]` of an input coordinate.
    rng : None, int or ``numpy.random.Generator``
        The inputs' squared norms are drawn first, then each layer's pre-activations.
    activation_kwargs : dict
        E.g. ``{"negative_slope": 0.1}`` for leaky ReLU.

    Returns
    -------
    ``ndarray``, shape ``(n_inputs, L)``
        ``s[i, l]``: the variance of layer ``l + 1``'s pre-activations for input ``i``.

    Examples
    --------
    >>> s = input_variances(256, 20, "gelu", "kaiming_normal", n_inputs=2000, rng=0)  # doctest: +SKIP
    >>> s[:, -1].mean(), propagate(256, "gelu", "kaiming_normal", depth=20).preact_var[-1]  # doctest: +SKIP
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    ns = _layer_widths(width, depth, input_dim)
    spec = as_init_spec(init)
    if spec.name == "orthogonal":
        raise ValueError("input_variances needs independent weights; an orthogonal init has dependent "
                         "rows (use simulate for it)")
    n_inputs = check_int(n_inputs, "n_inputs", 1)
    m2 = _check_nonnegative(input_second_moment, "input_second_moment")
    gen = as_generator(rng)
    weight_var = [spec.variance((ns[l], ns[l - 1])) for l in range(1, len(ns))]
    s = np.empty((n_inputs, len(ns) - 1))
    # ||x||^2 of x ~ N(0, m2 I_{n_0}) is m2 times a chi-square with n_0 degrees of freedom
    s[:, 0] = weight_var[0] * m2 * gen.chisquare(ns[0], size=n_inputs)
    for l in range(1, len(ns) - 1):
        z = np.sqrt(s[:, l - 1])[:, None] * gen.standard_normal((n_inputs, ns[l]))
        s[:, l] = weight_var[l] * np.sum(act(z) ** 2, axis=1)
    return s
