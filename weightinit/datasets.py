"""Two-dimensional toy classification data, generated in code (no downloads).

Both generators return ``(X, y)`` with ``X`` of shape ``(n_samples, 2)`` (float64) and ``y`` of
shape ``(n_samples,)`` with integer class labels ``0 .. n_classes-1``, classes as balanced as
``n_samples`` allows, and the samples in random order. All randomness comes from ``rng``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_generator, check_int

__all__ = ["rings", "spirals"]


def _check_noise(noise) -> float:
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number; got {noise!r}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be finite and >= 0; got {noise!r}")
    return float(noise)


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _shuffle(X, y, gen):
    order = gen.permutation(len(y))
    return X[order], y[order]


def rings(n_samples: int = 1000, *, n_rings: int = 2, noise: float = 0.05, rng=None):
    """Concentric rings: class k lies on the circle of radius (k + 1)/n_rings, plus noise.

    Parameters
    ----------
    n_samples : int, default ``1000``
        Total number of points (>= ``n_rings``).
    n_rings : int, default ``2``
        Number of rings, i.e. classes (>= 2).
    noise : float, default ``0.05``
        Standard deviation of the isotropic Gaussian noise added to every point (the rings
        are 1/n_rings apart).
    rng : None, int or ``numpy.random.Generator``

    Returns
    -------
    X : ``ndarray``, shape (n_samples, 2)
        Coordinates; the outer ring has radius 1, so the inputs are of order 1.
    y : ``ndarray`` of int, shape (n_samples,)
        Ring index, 0 for the innermost ring.

    Notes
    -----
    No straight line separates the classes, so a linear model stays at chance: it takes a
    network with working hidden layers to learn it.
    """
    n = check_int(n_samples, "n_samples", 1)
    k = check_int(n_rings, "n_rings", 2)
    if n < k:
        raise ValueError(f"n_samples must be >= n_rings ({k}); got {n}")
    sigma = _check_noise(noise)
    gen = as_generator(rng)
    sizes = _class_sizes(n, k)
    labels = np.repeat(np.arange(k), sizes)
    angle = gen.uniform(0.0, 2.0 * np.pi, n)
    radius = (labels + 1.0) / k
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += sigma * gen.standard_normal((n, 2))
    return _shuffle(X, labels, gen)


def spirals(n_samples: int = 1000, *, n_arms: int = 2, turns: float = 1.5, noise: float = 0.05, rng=None):
    """Interleaved spirals: arm k is the spiral r = t, angle 2π·turns·t + 2πk/n_arms, t in (0, 1].

    Parameters
    ----------
    n_samples : int, default ``1000``
        Total number of points (>= ``n_arms``).
    n_arms : int, default ``2``
        Number of spiral arms, i.e. classes (>= 2).
    turns : float, default ``1.5``
        Number of revolutions of each arm (> 0); more turns make the task harder.
    noise : float, default ``0.05``
        Standard deviation of the Gaussian noise added to every point.
    rng : None, int or ``numpy.random.Generator``

    Returns
    -------
    X : ``ndarray``, shape (n_samples, 2)
        Coordinates within radius about 1.
    y : ``ndarray`` of int, shape (n_samples,)
        Arm index.
    """
    n = check_int(n_samples, "n_samples", 1)
    k = check_int(n_arms, "n_arms", 2)
    if n < k:
        raise ValueError(f"n_samples must be >= n_arms ({k}); got {n}")
    if isinstance(turns, (bool, np.bool_)) or not isinstance(turns, numbers.Real) or not (
        np.isfinite(turns) and turns > 0
    ):
        raise ValueError(f"turns must be a finite number > 0; got {turns!r}")
    sigma = _check_noise(noise)
    gen = as_generator(rng)
    sizes = _class_sizes(n, k)
    labels = np.repeat(np.arange(k), sizes)
    # sqrt spreads the points evenly along the arm's length instead of crowding the centre.
    t = np.sqrt(gen.uniform(0.0, 1.0, n)) * 0.95 + 0.05
    angle = 2.0 * np.pi * float(turns) * t + 2.0 * np.pi * labels / k
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    X += sigma * gen.standard_normal((n, 2))
    return _shuffle(X, labels, gen)
