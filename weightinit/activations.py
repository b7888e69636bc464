"""Activation functions with their derivatives, looked up by name.

Each activation is an :class:`Activation`: a small frozen object that evaluates the function
and its derivative on arrays of any shape, and carries the Korean label used in figures.
The experiment engine (:mod:`weightinit.theory`, :mod:`weightinit.simulate`,
:mod:`weightinit.train`) accepts either an :class:`Activation` or its name.

Examples
--------
>>> import numpy as np
>>> from weightinit.activations import get_activation
>>> relu = get_activation("relu")
>>> relu(np.array([-1.0, 2.0]))
array([0., 2.])
>>> get_activation("leaky_relu", negative_slope=0.1).derivative(np.array([-1.0, 2.0]))
array([0.1, 1. ])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "Activation",
    "ACTIVATION_NAMES",
    "get_activation",
    "linear",
    "relu",
    "leaky_relu",
    "tanh",
    "sigmoid",
    "gelu",
    "gelu_tanh",
    "silu",
]

ACTIVATION_NAMES = ("linear", "relu", "leaky_relu", "tanh", "sigmoid", "gelu", "gelu_tanh", "silu")
"""Names accepted by :func:`get_activation`."""


@dataclass(frozen=True)
class Activation:
    """An elementwise activation function and its derivative.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATION_NAMES`.
    label : str
        Korean name used in figure legends and titles.
    function : ``callable``
        ``function(z)`` returns f(z) elementwise for an array ``z``.
    derivative_function : ``callable``
        ``derivative_function(z)`` returns f'(z) elementwise.
    negative_slope : float
        Slope for z < 0 (only meaningful for ``"leaky_relu"``; 0 for ``"relu"``).
    """

    name: str
    label: str
    function: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    derivative_function: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    negative_slope: float = 0.0

    def __call__(self, z):
        """Return f(z) elementwise."""
        return self.function(_as_float(z))

    def derivative(self, z):
        """Return f'(z) elementwise."""
        return self.derivative_function(_as_float(z))

    @property
    def is_rectifier(self) -> bool:
        """True for ReLU and leaky ReLU, whose units can be inactive ("dead")."""
        return self.name in ("relu", "leaky_relu")

    @property
    def is_smooth_rectifier(self) -> bool:
        """True for GELU (exact and tanh form) and SiLU, which are smooth, unbounded above and
        not odd, with f(0) = 0, f'(0) = 1/2 and f(z) - max(z, 0) tending to 0 far from 0."""
        return self.name in ("gelu", "gelu_tanh", "silu")

    @property
    def saturates(self) -> bool:
        """True for tanh and sigmoid, whose outputs can sit on a flat tail."""
        return self.name in ("tanh", "sigmoid")

    def saturated(self, a: np.ndarray) -> np.ndarray:
        """Boolean mask of saturated outputs ``a = f(z)``.

        tanh: ``|a| > 0.99``; sigmoid: ``a < 0.01`` or ``a > 0.99``. For the other activations
        nothing saturates and the mask is all False.
        """
        a = np.asarray(a)
        if self.name == "tanh":
            return np.abs(a) > 0.99
        if self.name == "sigmoid":
            return (a < 0.01) | (a > 0.99)
        return np.zeros(a.shape, dtype=bool)


def _as_float(z) -> np.ndarray:
    # Keep float32/float64 arrays as they are (no copy); promote ints, bools and scalars.
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(float)


# ---------------------------------------------------------------------------------------------
# The functions themselves. They are written to avoid temporaries where that is cheap, because
# the simulator calls them on (batch, width) arrays at every layer.


def _linear(z):
    return z


def _linear_grad(z):
    return np.ones_like(z)


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_grad(z):
    # f'(0) is taken as 0, as in PyTorch; z == 0 has probability zero for continuous inputs.
    return (z > 0).astype(z.dtype)


def _make_leaky(slope: float):
    def leaky(z):
        return np.where(z > 0, z, slope * z)

    def leaky_grad(z):
        return np.where(z > 0, 1.0, slope).astype(z.dtype, copy=False)

    return leaky, leaky_grad


def _tanh_grad(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _sigmoid(z):
    # 0.5 * (1 + tanh(z/2)) is the logistic function without overflow in exp(-z) for z << 0.
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def _sigmoid_grad(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _erf(x):
    # imported here, not at module level: scipy.special loads scipy's own OpenBLAS, and importing
    # weightinit must not change a process's BLAS threads (tests/test_threads.py)
    from scipy.special import erf

    return erf(x)


def _gelu(z):
    # exact GELU z * Phi(z), Phi the standard normal CDF (PyTorch's default, approximate="none")
    return 0.5 * z * (1.0 + _erf(z * _INV_SQRT2))


def _gelu_grad(z):
    return 0.5 * (1.0 + _erf(z * _INV_SQRT2)) + z * _INV_SQRT2PI * np.exp(-0.5 * z * z)


def _gelu_tanh(z):
    # PyTorch's approximate="tanh" (and GPT-2's gelu_new): 0.5 z (1 + tanh(sqrt(2/pi)(z + 0.044715 z^3)))
    t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
    return 0.5 * z * (1.0 + t)


def _gelu_tanh_grad(z):
    t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z * z)


def _silu(z):
    return z * _sigmoid(z)


def _silu_grad(z):
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


linear = Activation("linear", "선형", _linear, _linear_grad)
"""Identity f(z) = z, f'(z) = 1."""

relu = Activation("relu", "렐루", _relu, _relu_grad)
"""Rectified linear unit f(z) = max(z, 0); f'(z) = 1 for z > 0, else 0."""

tanh = Activation("tanh", "tanh", np.tanh, _tanh_grad)
"""Hyperbolic tangent; f'(z) = 1 - tanh(z)^2."""

sigmoid = Activation("sigmoid", "시그모이드", _sigmoid, _sigmoid_grad)
"""Logistic sigmoid f(z) = 1 / (1 + exp(-z)); f'(z) = f(z)(1 - f(z))."""


gelu = Activation("gelu", "GELU", _gelu, _gelu_grad)
"""Gaussian error linear unit f(z) = z Phi(z) (exact, with erf), as PyTorch's ``nn.GELU()``."""

gelu_tanh = Activation("gelu_tanh", "GELU (tanh 근사)", _gelu_tanh, _gelu_tanh_grad)
"""GELU's tanh approximation, as PyTorch's ``nn.GELU(approximate="tanh")``."""

silu = Activation("silu", "SiLU", _silu, _silu_grad)
"""Sigmoid linear unit (swish) f(z) = z sigmoid(z), as PyTorch's ``nn.SiLU()``."""


def leaky_relu(negative_slope: float = 0.01) -> Activation:
    """Return the leaky ReLU with slope ``negative_slope`` for z < 0.

    Parameters
    ----------
    negative_slope : float, default ``0.01``
        The slope a in f(z) = z for z > 0, a z otherwise. Must be finite and >= 0.

    Returns
    -------
    Activation
    """
    if isinstance(negative_slope, (bool, np.bool_)) or not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"negative_slope must be a real number; got {negative_slope!r}")
    a = float(negative_slope)
    if not np.isfinite(a) or a < 0:
        raise ValueError(f"negative_slope must be finite and >= 0; got {negative_slope!r}")
    fn, grad = _make_leaky(a)
    return Activation("leaky_relu", f"리키 렐루 (a={a:g})", fn, grad, negative_slope=a)


def get_activation(activation, **kwargs) -> Activation:
    """Look up an activation by name (or pass an :class:`Activation` through).

    Parameters
    ----------
    activation : str or ``Activation``
        One of ``"linear"``, ``"relu"``, ``"leaky_relu"``, ``"tanh"``, ``"sigmoid"``,
        ``"gelu"``, ``"gelu_tanh"``, ``"silu"`` (case-insensitive), or an :class:`Activation`,
        which is returned unchanged.
    **kwargs
        ``negative_slope`` for ``"leaky_relu"`` (default 0.01). Other activations take none.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If the name is unknown (the message lists the valid names) or a keyword is given that
        the activation does not take.
    """
    if isinstance(activation, Activation):
        if kwargs:
            raise ValueError(f"keyword arguments {sorted(kwargs)} given with an Activation object")
        return activation
    if not isinstance(activation, str):
        raise TypeError(
            f"activation must be a name or an Activation; got {type(activation).__name__} ({activation!r})"
        )
    key = activation.strip().lower().replace("-", "_")
    if key == "leaky_relu":
        unknown = set(kwargs) - {"negative_slope"}
        if unknown:
            raise ValueError(f"leaky_relu takes only negative_slope; got {sorted(unknown)}")
        return leaky_relu(**kwargs)
    table = {"linear": linear, "relu": relu, "tanh": tanh, "sigmoid": sigmoid,
             "gelu": gelu, "gelu_tanh": gelu_tanh, "silu": silu}
    if key not in table:
        raise ValueError(
            f"unknown activation {activation!r}; valid names are: {', '.join(ACTIVATION_NAMES)}"
        )
    if kwargs:
        raise ValueError(f"activation {key!r} takes no keyword arguments; got {sorted(kwargs)}")
    return table[key]
