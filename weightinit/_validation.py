"""Argument checks shared by every public function.

Each check raises with a message that names the argument, shows what was given and says
what is allowed, so that a mistake is caught where it is made and not as a NaN later.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` into a :class:`numpy.random.Generator` following SPEC 7.

    ``None`` gives fresh OS entropy, an int (or a ``SeedSequence``) a reproducible stream, and a
    Generator is used as it is (so that it advances from call to call).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)):
        raise TypeError(f"{name} must be None, an int or a numpy.random.Generator; got a bool ({rng!r})")
    if isinstance(rng, numbers.Integral):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative int seed; got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be None, an int or a numpy.random.Generator; got {type(rng).__name__} ({rng!r})"
    )


def _shown(value) -> str:
    """``repr`` of a value for an error message, cut short so a huge array cannot flood it."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_shape(shape, name: str = "shape", min_ndim: int = 2) -> tuple[int, ...]:
    """Return ``shape`` as a tuple of Python ints after checking it.

    A shape is a sequence (tuple, list, 1-D integer array, ``torch.Size`` ...) of at least
    ``min_ndim`` non-negative integers. Bools and floats are refused even when they look
    integral: ``(3.0, 4)`` usually means a computation went wrong upstream.
    """
    not_a_sequence = TypeError(
        f"{name} must be a sequence of at least {min_ndim} non-negative ints; "
        f"got {type(shape).__name__} ({_shown(shape)})"
    )
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise not_a_sequence
    try:
        dims = tuple(shape)
    except TypeError:  # e.g. a 0-d array, which has __len__ but no length
        raise not_a_sequence from None
    if len(dims) < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions, e.g. (out, in) or (out, in, *kernel); "
            f"got {_shown(shape)} with {len(dims)}"
        )
    out = []
    for i, d in enumerate(dims):
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise TypeError(
                f"{name} must contain only non-negative ints; got {_shown(shape)} "
                f"whose entry {i} is {type(d).__name__} ({d!r})"
            )
        if d < 0:
            raise ValueError(
                f"{name} must contain only non-negative ints; got {_shown(shape)} whose entry {i} is {d}"
            )
        out.append(int(d))
    return tuple(out)


def check_real(value, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a finite Python float, refusing bools, non-numbers, NaN and infinities.

    With ``positive=True`` zero and negative values are refused as well: a zero scale would give
    an all-zero (symmetric) layer and a negative one is meaningless for a standard deviation.
    """
    allowed = "a positive finite real number" if positive else "a finite real number"
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {allowed}, not a bool; got {value!r}")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}; got {type(value).__name__} ({_shown(value)})")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be {allowed} (> 0); got {value!r}")
    return x


def check_int(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}; got {type(value).__name__} ({_shown(value)})")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value}")
    return int(value)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of the strings ``choices``; otherwise list the valid ones."""
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {listed}; got {type(value).__name__} ({_shown(value)})")
    if value not in choices:
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


_FLOAT_TYPES = (np.float32, np.float64)


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Return ``dtype`` as a :class:`numpy.dtype` if it is float32 or float64.

    These are the two precisions NumPy's Generator draws natively, so samples are produced
    directly in the requested precision instead of being rounded from float64.
    """
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    # compare scalar types: a dtype compares equal to None (read as float64) and to strings
    if dt is None or dt.type not in _FLOAT_TYPES:
        raise TypeError(f"{name} must be numpy.float32 or numpy.float64; got {_shown(dtype)}")
    return dt
