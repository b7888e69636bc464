r"""Signal-propagation theory: what the variance of each layer *should* be.

For a pre-activation :math:`z \sim N(0, q)` this module computes the Gaussian expectations
:math:`E[f(z)]`, :math:`E[f(z)^2]` and :math:`E[f'(z)^2]` (closed forms for linear, ReLU and
leaky ReLU; quadrature for tanh, sigmoid, GELU and SiLU, see :func:`gaussian_expectation`), and
from them

* the **forward recursion** of the pre-activation variance (DESIGN §4, "PLUS"),

  .. math:: q_l = \sigma_{w,l}^2 \, n_{l-1} \, E[f(z_{l-1})^2] + \sigma_b^2 ,

* the **backward recursion** of the gradient variance,

  .. math:: \mathrm{Var}(\partial L/\partial A^{[l-1]})
            = n_l \, \sigma_{w,l}^2 \, E[f'(z_l)^2] \, \mathrm{Var}(\partial L/\partial A^{[l]}),

* the mean-field slope :math:`\chi_1 = \sigma_w^2 E[f'(z^*)^2]` at the fixed point
  :math:`q^*` (Poole et al. 2016; Schoenholz et al. 2017).

Both recursions treat every pre-activation as Gaussian and the weights as independent of the
signal; the simulator (:mod:`weightinit.simulate`) checks how well that holds.

Initializers are named as in :mod:`weightinit.initializers`; the weight variance of each
layer is taken from :func:`weightinit.initializers.init_variance`, so the formulas live in one
place. See :class:`InitSpec` for the ways to name an initializer.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from .activations import Activation, get_activation
from .threads import blas_threads

__all__ = [
    "InitSpec",
    "as_init_spec",
    "gaussian_expectation",
    "activation_mean",
    "activation_second_moment",
    "derivative_second_moment",
    "TheoryProfile",
    "propagate",
    "fixed_point",
    "chi1",
    "MeanFieldPoint",
    "variance_preserving_gain",
    "gradient_preserving_gain",
]

# ---------------------------------------------------------------------------------------------
# Naming an initializer

_LABELS = {
    "xavier_uniform": "자비에 초기화 (균등)",
    "glorot_uniform": "자비에 초기화 (균등)",
    "xavier_normal": "자비에 초기화 (정규)",
    "glorot_normal": "자비에 초기화 (정규)",
    "kaiming_uniform": "히 초기화 (균등)",
    "he_uniform": "히 초기화 (균등)",
    "kaiming_normal": "히 초기화 (정규)",
    "he_normal": "히 초기화 (정규)",
    "lecun_uniform": "르쿤 초기화 (균등)",
    "lecun_normal": "르쿤 초기화 (정규)",
    "orthogonal": "직교 초기화",
    "pytorch_default_uniform": "PyTorch 기본 초기화 U(±1/√n)",
    "truncated_normal": "절단 정규 초기화",
}


@dataclass(frozen=True)
class InitSpec:
    """An initializer name, its keyword arguments and a Korean label for legends.

    Every engine function that takes an ``init`` argument accepts anything that
    :func:`as_init_spec` understands:

    * a name, e.g. ``"xavier_normal"`` or ``"kaiming_normal"``;
    * a pair ``(name, kwargs)``, e.g. ``("random_normal", {"std": 0.01})``;
    * a bare number ``s``: plain random init N(0, s²), i.e. ``("random_normal", {"std": s})``;
    * an :class:`InitSpec` (use it to choose the legend label yourself).

    Parameters
    ----------
    name : str
        A name understood by :func:`weightinit.initializers.get_initializer`.
    kwargs : ``mapping``
        Keyword arguments for the initializer (``std=`` for ``"random_normal"``, ...).
    label : str
        Legend label; a Korean default is derived from the name when omitted.

    Examples
    --------
    >>> InitSpec.fixed(0.01).label
    '무작위 초기화 (σ=0.01)'
    >>> as_init_spec(("random_normal", {"std": 1.0})) == InitSpec.fixed(1.0)
    True
    """

    name: str
    kwargs: Mapping = field(default_factory=dict)
    label: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"InitSpec.name must be a non-empty str; got {self.name!r}")
        if not isinstance(self.kwargs, Mapping):
            raise TypeError(f"InitSpec.kwargs must be a mapping; got {type(self.kwargs).__name__}")
        # A read-only copy keeps the frozen spec immutable and hashable by value.
        object.__setattr__(self, "kwargs", MappingProxyType(dict(self.kwargs)))
        if not self.label:
            object.__setattr__(self, "label", _default_label(self.name, self.kwargs))

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.kwargs.items())), self.label))

    def __eq__(self, other):
        if not isinstance(other, InitSpec):
            return NotImplemented
        return (self.name, dict(self.kwargs), self.label) == (other.name, dict(other.kwargs), other.label)

    @classmethod
    def fixed(cls, std: float, label: str = "") -> "InitSpec":
        """Plain random init with a fixed standard deviation: W ~ N(0, std²)."""
        _check_positive(std, "std")
        return cls("random_normal", {"std": float(std)}, label)

    def initializer(self):
        """Return the callable from :func:`weightinit.initializers.get_initializer`."""
        from .initializers import get_initializer

        return get_initializer(self.name)

    def variance(self, shape) -> float:
        """Exact variance of the entries drawn for a weight of PyTorch shape ``(out, in)``."""
        from .initializers import init_variance

        return float(init_variance(self.name, tuple(shape), **dict(self.kwargs)))

    def draw(self, shape, rng, dtype=np.float64) -> np.ndarray:
        """Draw a weight array of PyTorch shape ``(out, in)`` from the generator ``rng``."""
        return self.initializer()(tuple(shape), rng=rng, dtype=dtype, **dict(self.kwargs))


def _default_label(name: str, kwargs: Mapping) -> str:
    if name == "random_normal" and "std" in kwargs:
        return f"무작위 초기화 (σ={kwargs['std']:g})"
    if name == "random_uniform" and "a" in kwargs:
        return f"무작위 초기화 (U(±{kwargs['a']:g}))"
    return _LABELS.get(name, name)


def as_init_spec(init) -> InitSpec:
    """Turn any accepted way of naming an initializer into an :class:`InitSpec`.

    Parameters
    ----------
    init : str, (str, dict), float or ``InitSpec``
        See :class:`InitSpec`.

    Returns
    -------
    InitSpec
    """
    if isinstance(init, InitSpec):
        return init
    if isinstance(init, str):
        return InitSpec(init)
    if isinstance(init, numbers.Real) and not isinstance(init, (bool, np.bool_)):
        return InitSpec.fixed(init)
    if isinstance(init, tuple) and len(init) == 2 and isinstance(init[0], str) and isinstance(init[1], Mapping):
        return InitSpec(init[0], init[1])
    raise TypeError(
        "init must be a name, a (name, kwargs) pair, a positive std for N(0, std²) or an InitSpec; "
        f"got {init!r}"
    )


def _check_positive(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be finite and > 0; got {value!r}")
    return float(value)


def _check_nonnegative(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be finite and >= 0; got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# Gaussian expectations

_N_NODES = 201
_GH_NODES, _GH_WEIGHTS = hermegauss(_N_NODES)
# hermegauss integrates against exp(-x²/2); dividing by √(2π) turns it into E over N(0, 1).
_GH_WEIGHTS = _GH_WEIGHTS / math.sqrt(2.0 * math.pi)
_GH_MAX_Q = 1.0  # up to here 201 Gauss-Hermite nodes are exact to ~1e-14 for tanh and sigmoid
_Z_MAX = 12.0  # the standard normal density beyond ±12 is below 1e-31
_POLE_RATE = 40.0  # trapezoid error ~ exp(-π²/(h√q)); 40 leaves < 1e-13 even for sech⁴


# GELU / SiLU above q = 1: f = ReLU + (a part that vanishes far from 0), so only that part is
# integrated, on a fixed grid in x = √q z (see _smooth_rectifier_expectation)
_SR_X_MAX = 40.0  # |f(x) - max(x, 0)| < 1e-15 beyond ±40 (SiLU: |x| e^{-|x|})
_SR_STEP = 1.0 / 32.0
_SR_X = np.linspace(-_SR_X_MAX, _SR_X_MAX, int(round(2 * _SR_X_MAX / _SR_STEP)) + 1)


def _gelu_mean(q):
    # E[z Φ(z)] for z ~ N(0, q): q E[φ(z)] by Stein's lemma, = q / √(2π(1 + q))
    return q / np.sqrt(2.0 * math.pi * (1.0 + q))


def _smooth_rectifier_expectation(act, kind: str, q) -> np.ndarray:
    r"""E[f(z)], E[f(z)²] or E[f'(z)²] of GELU / SiLU for z ~ N(0, q), q > 1.

    Written as a reference with a closed form plus the expectation of a remainder that vanishes
    far from 0: :math:`E[f^2] = q/2 + E[f^2 - \max(z,0)^2]`, :math:`E[f'^2] = 1/2 + E[f'^2 -
    H(z)]` (H the unit step with H(0) = 1/2), :math:`E[f] = E[\mathrm{GELU}] + E[f -
    \mathrm{GELU}]`. The remainder is integrated in :math:`x = z` with the trapezoid rule on
    :math:`[-40, 40]`, step 1/32, against the density of N(0, q). The remainders' odd
    derivatives are continuous at 0 (the kink of ReLU² and the jump of H at a node taken at its
    midpoint only touch even orders), so the rule keeps its high accuracy; the number of nodes
    does not grow with q, and q may be as large as a float allows.
    """
    q = np.asarray(q, dtype=float)
    x = _SR_X
    with np.errstate(over="ignore", invalid="ignore"):
        w = _SR_STEP * np.exp(-0.5 * x * x / q[..., None]) / np.sqrt(2.0 * math.pi * q[..., None])
    if kind == "m2":
        rest = act(x) ** 2 - np.maximum(x, 0.0) ** 2
        base = 0.5 * q
    elif kind == "d2":
        step = np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))
        rest = act.derivative(x) ** 2 - step
        base = np.full_like(q, 0.5)
    else:
        from .activations import gelu

        rest = act(x) - gelu(x)
        base = _gelu_mean(q)
    out = base + w @ rest
    return np.where(np.isinf(q), base, out)


def _smooth_rectifier_moment(act, kind: str, g, q) -> np.ndarray:
    """Gauss-Hermite for q <= 1 (as every activation), the remainder rule above."""
    q = np.asarray(q, dtype=float)
    if np.any(q < 0) or np.any(np.isnan(q)):
        raise ValueError("variance q must be >= 0")
    out = np.empty(q.shape)
    small = q <= _GH_MAX_Q
    if small.any():
        out[small] = gaussian_expectation(g, q[small])
    if (~small).any():
        out[~small] = _smooth_rectifier_expectation(act, kind, q[~small])
    return out if q.ndim else np.asarray(out[()])


def _rule(q_max: float):
    """Nodes and weights for E[g(√q z)], z ~ N(0, 1), accurate for every q <= q_max."""
    if q_max <= _GH_MAX_Q:
        return _GH_NODES, _GH_WEIGHTS
    # tanh(√q z) has poles at z = ±iπ/(2√q): the trapezoid rule's error on the real line is
    # about exp(-2π·distance/h), so the step must shrink like 1/√q to keep 1e-14.
    h = min(0.1, math.pi**2 / (_POLE_RATE * math.sqrt(q_max)))
    n = int(math.ceil(_Z_MAX / h))
    z = np.linspace(-_Z_MAX, _Z_MAX, 2 * n + 1)  # symmetric, with a node at 0
    w = (_Z_MAX / n) * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return z, w


@blas_threads()  # matrix-vector products of a few thousand entries
def gaussian_expectation(func, q) -> np.ndarray:
    r"""Return :math:`E[g(z)]` for :math:`z \sim N(0, q)` by quadrature.

    Parameters
    ----------
    func : ``callable``
        Vectorised function g. It is called with an array of shape ``q.shape + (k,)`` holding
        the k quadrature nodes scaled by :math:`\sqrt q` (a 1-D array when ``q`` is a scalar).
    q : float or ``array_like``
        Variance(s) of z, >= 0. The result has the shape of ``q``.

    Notes
    -----
    For :math:`q \le 1` this is Gauss--Hermite quadrature with the 201 probabilists' nodes of
    ``numpy.polynomial.hermite_e.hermegauss``: exact for polynomials up to degree 401 and
    accurate to about 1e-14 for tanh, sigmoid and their derivatives. For larger q these
    functions approach a step (tanh(√q z) has poles at :math:`z = \pm i\pi/(2\sqrt q)`),
    where Gauss--Hermite converges slowly (201 nodes leave an error of 1e-5 at q = 10 and
    1e-2 at q = 100) and more than about 360 nodes overflow. There the trapezoid rule on
    :math:`[-12, 12]` with step :math:`h = \pi^2/(40\sqrt q)` is used instead; for analytic
    integrands it converges like :math:`e^{-\pi^2/(h\sqrt q)}` (Trefethen & Weideman,
    *SIAM Review* 56, 2014). Both rules are symmetric with a node at 0, so odd integrands
    give 0 and :math:`E[\max(z,0)^2] = q/2` exactly.
    """
    q = np.asarray(q, dtype=float)
    if np.any(q < 0) or not np.all(np.isfinite(q)):
        raise ValueError("variance q must be finite and >= 0")
    if q.ndim == 0:
        z, w = _rule(float(q))
        return np.asarray(func(math.sqrt(float(q)) * z) @ w)
    out = np.empty(q.shape)
    small = q <= _GH_MAX_Q
    for mask in (small, ~small):
        if mask.any():
            z, w = _rule(float(q[mask].max()))
            out[mask] = func(np.sqrt(q[mask])[:, None] * z) @ w
    return out


def activation_mean(activation, q) -> np.ndarray:
    r""":math:`E[f(z)]` for :math:`z \sim N(0, q)`.

    Closed forms: linear and tanh 0 (odd functions), sigmoid ½ (f(z) + f(−z) = 1), ReLU
    :math:`\sqrt{q/2\pi}`, leaky ReLU :math:`(1-a)\sqrt{q/2\pi}`. GELU and SiLU are not odd
    and their mean is not 0: GELU :math:`q/\sqrt{2\pi(1+q)}` (Stein's lemma); SiLU and the tanh
    form of GELU by quadrature (for q > 1 as GELU's mean plus a remainder, see
    ``_smooth_rectifier_expectation``).
    """
    act = get_activation(activation)
    q = np.asarray(q, dtype=float)
    if act.name in ("linear", "tanh"):
        return np.zeros_like(q)
    if act.name == "sigmoid":
        return np.full_like(q, 0.5)
    if act.is_rectifier:
        return (1.0 - act.negative_slope) * np.sqrt(q / (2.0 * math.pi))
    if act.name == "gelu":
        return _gelu_mean(q)
    if act.is_smooth_rectifier:
        return _smooth_rectifier_moment(act, "m1", act, q)
    return gaussian_expectation(act, q)


def activation_second_moment(activation, q) -> np.ndarray:
    r""":math:`E[f(z)^2]` for :math:`z \sim N(0, q)`.

    Closed forms: linear q, ReLU q/2 (He et al. 2015, sec. 2.2), leaky ReLU :math:`(1+a^2)q/2`;
    quadrature (:func:`gaussian_expectation`) for tanh, sigmoid, GELU and SiLU. For GELU and SiLU
    the ratio :math:`E[f^2]/q` is not a constant: it rises from 1/4 (q → 0, where f(z) ≈ z/2) to
    1/2 (q → ∞, where f approaches ReLU).

    Parameters
    ----------
    activation : str or ``Activation``
    q : float or ``array_like``
        Pre-activation variance(s).

    Returns
    -------
    ``ndarray``
        Same shape as ``q``.
    """
    act = get_activation(activation)
    q = np.asarray(q, dtype=float)
    if act.name == "linear":
        return q.copy()
    if act.is_rectifier:
        return 0.5 * (1.0 + act.negative_slope**2) * q
    if act.is_smooth_rectifier:
        return _smooth_rectifier_moment(act, "m2", lambda z: act(z) ** 2, q)
    return gaussian_expectation(lambda z: act(z) ** 2, q)


def derivative_second_moment(activation, q) -> np.ndarray:
    r""":math:`E[f'(z)^2]` for :math:`z \sim N(0, q)`.

    Closed forms: linear 1, ReLU ½, leaky ReLU :math:`(1+a^2)/2`; quadrature for tanh,
    sigmoid, GELU and SiLU (at q = 0 these give f'(0)²: 1, 1/16, 1/4 and 1/4).
    """
    act = get_activation(activation)
    q = np.asarray(q, dtype=float)
    if act.name == "linear":
        return np.ones_like(q)
    if act.is_rectifier:
        return np.full_like(q, 0.5 * (1.0 + act.negative_slope**2))
    if act.is_smooth_rectifier:
        return _smooth_rectifier_moment(act, "d2", lambda z: act.derivative(z) ** 2, q)
    return gaussian_expectation(lambda z: act.derivative(z) ** 2, q)


# ---------------------------------------------------------------------------------------------
# Recursions through a network


class LayerAxis:
    """Depth and layer numbers of a per-layer record, read off its ``widths`` (n_0, ..., n_L)."""

    @property
    def depth(self) -> int:
        """Number of layers L."""
        return len(self.widths) - 1

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers 1..L (for plotting)."""
        return np.arange(1, self.depth + 1)


@dataclass(frozen=True)
class TheoryProfile(LayerAxis):
    """Per-layer predictions of the mean-field recursions (layers 1..L).

    Attributes
    ----------
    widths : tuple of int
        ``(n_0, n_1, ..., n_L)``: input size, then the width of each layer.
    activation : ``Activation``
    init : ``InitSpec``
    weight_var : ``ndarray``, shape (L,)
        Variance of the weight entries of each layer.
    preact_var : ``ndarray``, shape (L,)
        :math:`q_l = \\mathrm{Var}(Z^{[l]})`.
    act_second_moment : ``ndarray``, shape (L,)
        :math:`E[(A^{[l]})^2]`.
    act_mean : ``ndarray``, shape (L,)
        :math:`E[A^{[l]}]`.
    act_var : ``ndarray``, shape (L,)
        :math:`\\mathrm{Var}(A^{[l]}) = E[A^2] - E[A]^2`.
    grad_act_var : ``ndarray``, shape (L,)
        :math:`\\mathrm{Var}(\\partial L/\\partial A^{[l]})` (output layer: ``output_grad_var``).
    grad_preact_var : ``ndarray``, shape (L,)
        :math:`\\mathrm{Var}(\\partial L/\\partial Z^{[l]})`.
    """

    widths: tuple
    activation: Activation
    init: InitSpec
    weight_var: np.ndarray
    preact_var: np.ndarray
    act_second_moment: np.ndarray
    act_mean: np.ndarray
    act_var: np.ndarray
    grad_act_var: np.ndarray
    grad_preact_var: np.ndarray


    @property
    def preact_std(self) -> np.ndarray:
        """Standard deviation of the pre-activations, √q_l."""
        return np.sqrt(self.preact_var)

    @property
    def act_std(self) -> np.ndarray:
        """Standard deviation of the activations."""
        return np.sqrt(np.maximum(self.act_var, 0.0))

    @property
    def grad_act_std(self) -> np.ndarray:
        """Standard deviation of ∂L/∂A per layer."""
        return np.sqrt(self.grad_act_var)

    @property
    def grad_preact_std(self) -> np.ndarray:
        """Standard deviation of ∂L/∂Z per layer."""
        return np.sqrt(self.grad_preact_var)


def check_widths(widths, depth=None, input_dim=None) -> tuple:
    """Normalise a width description to ``(n_0, n_1, ..., n_L)`` (used across the engine).

    ``widths`` is an int (every layer that wide; needs ``depth``) or a sequence of the L layer
    widths. ``input_dim`` is n_0; it defaults to the first layer width.
    """
    if isinstance(widths, numbers.Integral) and not isinstance(widths, (bool, np.bool_)):
        if depth is None:
            raise ValueError("depth is required when width is a single int")
        if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, numbers.Integral):
            raise TypeError(f"depth must be an int; got {depth!r}")
        if depth < 1:
            raise ValueError(f"depth must be >= 1; got {depth}")
        layer_widths = [widths] * int(depth)
    else:
        try:
            layer_widths = list(widths)
        except TypeError:
            raise TypeError(f"width must be an int or a sequence of ints; got {widths!r}") from None
        if depth is not None and depth != len(layer_widths):
            raise ValueError(f"depth={depth} does not match {len(layer_widths)} given widths")
        if not layer_widths:
            raise ValueError("depth must be >= 1; got an empty sequence of widths")
    if input_dim is None:
        input_dim = layer_widths[0]
    out = [input_dim] + layer_widths
    for i, n in enumerate(out):
        what = "input_dim" if i == 0 else f"width of layer {i}"
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{what} must be an int; got {n!r}")
        if n < 1:
            raise ValueError(f"{what} must be a positive int; got {n}")
    return tuple(int(n) for n in out)


def propagate(
    widths,
    activation,
    init,
    *,
    depth: int | None = None,
    input_dim: int | None = None,
    input_second_moment: float = 1.0,
    bias_std: float = 0.0,
    output_grad_var: float = 1.0,
    activation_kwargs: Mapping | None = None,
) -> TheoryProfile:
    r"""Run the forward and backward variance recursions through an MLP.

    Parameters
    ----------
    widths : int or ``sequence`` of int
        Width of every layer (with ``depth``) or the list of the L layer widths.
    activation : str or ``Activation``
        Applied after every layer.
    init : str, (str, dict), float or ``InitSpec``
        Weight initializer of every layer (see :class:`InitSpec`).
    depth : int
        Number of layers when ``widths`` is an int.
    input_dim : int
        n_0; defaults to the first layer width.
    input_second_moment : float, default ``1.0``
        :math:`E[x^2]` of an input coordinate (1 for N(0, 1) inputs).
    bias_std : float, default ``0.0``
        Biases drawn from N(0, bias_std²) add :math:`\sigma_b^2` to every :math:`q_l`.
    output_grad_var : float, default ``1.0``
        :math:`\mathrm{Var}(\partial L/\partial A^{[L]})`; the simulator uses a standard normal
        output gradient, hence 1.
    activation_kwargs : dict
        Passed to :func:`~weightinit.activations.get_activation` (``negative_slope``).

    Returns
    -------
    TheoryProfile

    Examples
    --------
    >>> p = propagate(500, "relu", "kaiming_normal", depth=10)  # doctest: +SKIP
    >>> p.preact_var                                            # doctest: +SKIP
    array([2., 2., ..., 2.])
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    spec = as_init_spec(init)
    ns = check_widths(widths, depth, input_dim)
    m2_in = _check_nonnegative(input_second_moment, "input_second_moment")
    sb2 = _check_nonnegative(bias_std, "bias_std") ** 2
    g_out = _check_nonnegative(output_grad_var, "output_grad_var")
    L = len(ns) - 1
    weight_var = np.array([spec.variance((ns[l], ns[l - 1])) for l in range(1, L + 1)])

    q = np.empty(L)
    m2 = np.empty(L)
    prev = m2_in
    for l in range(L):
        q[l] = weight_var[l] * ns[l] * prev + sb2
        m2[l] = activation_second_moment(act, q[l])
        prev = m2[l]
    mean = activation_mean(act, q)
    d2 = derivative_second_moment(act, q)

    grad_a = np.empty(L)
    grad_z = np.empty(L)
    g = g_out
    for l in range(L - 1, -1, -1):
        grad_a[l] = g
        grad_z[l] = g * d2[l]
        # δ_{l-1} = W_lᵀ g_l: a sum over the n_l output units of layer l.
        g = ns[l + 1] * weight_var[l] * grad_z[l]
    return TheoryProfile(
        widths=ns,
        activation=act,
        init=spec,
        weight_var=weight_var,
        preact_var=q,
        act_second_moment=m2,
        act_mean=mean,
        act_var=m2 - mean**2,
        grad_act_var=grad_a,
        grad_preact_var=grad_z,
    )


# ---------------------------------------------------------------------------------------------
# Mean-field fixed point and χ₁


@dataclass(frozen=True)
class MeanFieldPoint:
    """Fixed point of the length map and the slope χ₁ there.

    Attributes
    ----------
    q_star : float
        Fixed point :math:`q^* = \\sigma_w^2 E[f(z)^2] + \\sigma_b^2` (``inf`` when the variance
        grows without bound, ``nan`` when every q is a fixed point, as for ReLU at σ_w² = 2).
    chi1 : float
        :math:`\\chi_1 = \\sigma_w^2 E[f'(z^*)^2]`: < 1 ordered (gradients vanish),
        > 1 chaotic (gradients explode), = 1 critical (edge of chaos).
    """

    q_star: float
    chi1: float


_CRITICAL_RTOL = 1e-12  # see fixed_point: rounding of n·Var(W), not a modelling tolerance
# GELU / SiLU: the grid on which fixed_point looks for the first root, and where it gives up
_SCAN_Q_MIN = 2.0**-26
_SCAN_FACTOR = 2.0**0.25
_UNBOUNDED_Q_MAX = 2.0**20  # past ~1e6 the fixed point is reported as inf ...
_UNBOUNDED_Q_LIMIT = 2.0**24  # ... unless a bias alone keeps the map up (σ_w² < 2, huge σ_b²)


def fixed_point(activation, sigma_w2: float, sigma_b2: float = 0.0, *, activation_kwargs=None) -> float:
    r"""Stable fixed point :math:`q^*` of :math:`q \mapsto \sigma_w^2 E[f(z)^2] + \sigma_b^2`.

    Here :math:`\sigma_w^2` is the *scaled* weight variance (:math:`n \cdot \mathrm{Var}(W)`).
    For bounded activations (tanh, sigmoid) the root is bracketed and found with
    ``scipy.optimize.brentq``; when the map has no positive root (tanh with
    :math:`\sigma_w^2 \le 1`, :math:`\sigma_b^2 = 0`) the fixed point is 0. For the
    positively homogeneous activations (linear, ReLU, leaky ReLU) the map is linear,
    :math:`q \mapsto c\,q + \sigma_b^2`, and the answer follows directly.

    GELU and SiLU are unbounded and not homogeneous: the map's slope :math:`\sigma_w^2
    E[f^2]/q` rises from :math:`\sigma_w^2/4` near q = 0 to :math:`\sigma_w^2/2` for large q.
    The value returned is the smallest stable fixed point (0 when :math:`\sigma_b^2 = 0` and
    :math:`\sigma_w^2 < 4`): the first q where the map falls below the diagonal is looked
    for on the grid :math:`2^{-26} \cdot 2^{k/4}` and refined with ``brentq``; ``inf`` when the map stays above the
    diagonal up to :math:`q = 10^6` (then, :math:`E[f^2]/q` being increasing, it stays above
    for good when :math:`\sigma_w^2 E[f^2]/q > 1` there). With :math:`\sigma_b^2 = 0` and
    :math:`2 < \sigma_w^2 < 4` the map has a second, unstable, fixed point
    (:math:`E[f^2(z)]/q = 1/\sigma_w^2`): variances start there stay, those above it grow
    without bound and those below it decay to 0.
    """
    from scipy.optimize import brentq

    act = get_activation(activation, **dict(activation_kwargs or {}))
    sw2 = _check_nonnegative(sigma_w2, "sigma_w2")
    sb2 = _check_nonnegative(sigma_b2, "sigma_b2")
    if act.name == "linear" or act.is_rectifier:
        c = sw2 * float(activation_second_moment(act, 1.0))
        # n·Var(W) computed as n·(2/n) can miss the critical value by an ulp (He's 2/n at n = 784
        # gives 2.0000000000000004): a slope within rounding of 1 is the critical case itself
        if abs(c - 1.0) <= _CRITICAL_RTOL:
            return math.nan if sb2 == 0 else math.inf
        if c < 1:
            return sb2 / (1.0 - c)
        return math.inf

    def h(q):
        return sw2 * float(activation_second_moment(act, q)) + sb2 - q

    lo = 0.0
    if h(0.0) <= 0.0:
        # q = 0 is a fixed point; a positive one exists only if the map rises above the
        # diagonal right after 0, i.e. the slope σ_w² f'(0)² exceeds 1.
        lo = 1e-8
        if h(lo) <= 0.0:
            return 0.0
    if act.is_smooth_rectifier:
        # h may dip below 0 and come back up (a stable and an unstable root, 2 < σ_w² < 4 with a
        # small bias), so the first sign change is looked for on a fine geometric grid upwards
        q = max(lo, _SCAN_Q_MIN)
        while h(q) > 0.0:
            lo = q
            q *= _SCAN_FACTOR
            if q > _UNBOUNDED_Q_MAX:
                # E[f²]/q increases towards 1/2: once σ_w² E[f²]/q > 1 the map stays above
                # the diagonal for good; otherwise only a large bias keeps it up
                if sw2 * float(activation_second_moment(act, q)) / q > 1.0 or q > _UNBOUNDED_Q_LIMIT:
                    return math.inf
        return float(brentq(h, lo, q, xtol=1e-14, rtol=1e-13))
    hi = 1.0
    while h(hi) > 0.0:  # f is bounded, so h(q) < 0 eventually
        hi *= 2.0
    return float(brentq(h, lo, hi, xtol=1e-14, rtol=1e-13))


def chi1(activation, sigma_w2: float, sigma_b2: float = 0.0, *, activation_kwargs=None) -> MeanFieldPoint:
    r"""The mean-field slope :math:`\chi_1 = \sigma_w^2 E[f'(z^*)^2]` (Poole 2016, Schoenholz 2017).

    Parameters
    ----------
    activation : str or ``Activation``
    sigma_w2 : float
        Scaled weight variance :math:`\sigma_w^2 = n\,\mathrm{Var}(W)`.
    sigma_b2 : float, default ``0.0``
        Bias variance.

    Returns
    -------
    MeanFieldPoint
        ``q_star`` and ``chi1``. For tanh at :math:`\sigma_b^2 = 0` the critical point is
        :math:`\sigma_w^2 = 1`; for ReLU :math:`\chi_1 = \sigma_w^2/2` whatever q is.
        GELU and SiLU at :math:`\sigma_b^2 = 0`: for :math:`\sigma_w^2 < 4` the fixed point is
        :math:`q^* = 0` and :math:`\chi_1 = \sigma_w^2 f'(0)^2 = \sigma_w^2/4`; above 4 the
        variance grows without bound and :math:`\chi_1 \to \sigma_w^2/2 > 2`. The critical
        point :math:`\sigma_w^2 = 4` is thus degenerate (:math:`q^* = 0`, the network acts as a
        linear one with slope 1/2) and of no use for initialization; see
        :func:`variance_preserving_gain` for the gain to use.

    Examples
    --------
    >>> round(chi1("relu", 2.0).chi1, 12)
    1.0
    >>> round(chi1("tanh", 1.0).chi1, 12)
    1.0
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    q = fixed_point(act, sigma_w2, sigma_b2)
    sw2 = float(sigma_w2)
    if act.name == "linear" or act.is_rectifier:
        # E[f'(z)²] does not depend on q for these activations.
        return MeanFieldPoint(q, sw2 * float(derivative_second_moment(act, 1.0)))
    if act.is_smooth_rectifier and math.isinf(q):
        # f'(√q z) tends to the step function of z, so E[f'²] -> 1/2 as q grows
        return MeanFieldPoint(q, 0.5 * sw2)
    return MeanFieldPoint(q, sw2 * float(derivative_second_moment(act, q)))


# ---------------------------------------------------------------------------------------------
# Gains for activations that PyTorch's calculate_gain does not cover


def _check_gain_q(q) -> float:
    return _check_positive(q, "q")


def variance_preserving_gain(activation, q: float = 1.0, *, activation_kwargs=None) -> float:
    r"""Gain that keeps the forward variance: :math:`1/\sqrt{E[f(z)^2]/q}`, :math:`z \sim N(0, q)`.

    A layer with weights of variance :math:`\text{gain}^2/n_{\text{in}}` maps pre-activations of
    variance q to pre-activations of variance :math:`\text{gain}^2 E[f(z)^2]`, since the
    weights have mean 0 (the second moment of the activation counts, not its variance: GELU
    and SiLU have :math:`E[f] \ne 0`). This gain makes that q again. It is ``calculate_gain``'s
    value for linear (1) and ReLU (√2), and about 1.59 for tanh (the value ``5/3`` rounds).
    For GELU it is about 1.5335 and for SiLU about 1.6765 at q = 1; for activations that are not
    positively homogeneous it depends on q.

    Parameters
    ----------
    activation : str or ``Activation``
    q : float, default ``1.0``
        Variance of the pre-activations the gain is set for (> 0).
    activation_kwargs : dict
        ``negative_slope`` for ``"leaky_relu"``.

    Returns
    -------
    float

    See Also
    --------
    gradient_preserving_gain : the gain that keeps the gradient variance instead.
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    q = _check_gain_q(q)
    return math.sqrt(q / float(activation_second_moment(act, q)))


def gradient_preserving_gain(activation, q: float = 1.0, *, activation_kwargs=None) -> float:
    r"""Gain that keeps the gradient variance: :math:`1/\sqrt{E[f'(z)^2]}`, :math:`z \sim N(0, q)`.

    With equal widths the backward recursion multiplies the gradient variance by
    :math:`n \mathrm{Var}(W) E[f'(z)^2] = \chi_1` per layer (:func:`propagate`); this gain makes
    that factor 1 at pre-activation variance q. For ReLU it equals
    :func:`variance_preserving_gain` (√2); for GELU (about 1.4811 at q = 1) and SiLU (about
    1.6233) it is smaller, because :math:`E[f'(z)^2] > E[f(z)^2]/q` for them: the two gains
    agree only for positively homogeneous f, where :math:`E[f^2] = q E[f'^2]`.

    Parameters
    ----------
    activation : str or ``Activation``
    q : float, default ``1.0``
        Variance of the pre-activations (> 0).
    activation_kwargs : dict
        ``negative_slope`` for ``"leaky_relu"``.

    Returns
    -------
    float
    """
    act = get_activation(activation, **dict(activation_kwargs or {}))
    q = _check_gain_q(q)
    return 1.0 / math.sqrt(float(derivative_second_moment(act, q)))
