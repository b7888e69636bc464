r"""Weight initializers for dense and convolutional layers, in NumPy.

Every initializer here is a *law* for the entries of a weight array: a distribution (normal,
uniform, normal truncated at :math:`\pm 2\sigma`, or a scaled orthogonal matrix) together with
the variance of each entry. Internally each public function first resolves its arguments to
that law, then draws from it, and :func:`init_variance` reads the variance off the very same
law, so the number used for a theory curve cannot drift away from what the sampler does.

All fan-based initializers are specialisations of :func:`variance_scaling`, which gives every
entry the variance

.. math::

   \operatorname{Var}(W_{ij}) = \frac{\text{scale}}{n}, \qquad
   n \in \Bigl\{ n_\text{in},\; n_\text{out},\; \tfrac{n_\text{in} + n_\text{out}}{2} \Bigr\}.

=========================== =============== ============ ==================================
initializer                 distribution    scale        :math:`n`
=========================== =============== ============ ==================================
``xavier_uniform``          uniform         gain²        fan_avg
``xavier_normal``           normal          gain²        fan_avg
``kaiming_uniform``         uniform         gain²        fan_in or fan_out
``kaiming_normal``          normal          gain²        fan_in or fan_out
``glorot_uniform``          uniform         1            fan_avg
``glorot_normal``           truncated       1            fan_avg
``he_uniform``              uniform         2            fan_in
``he_normal``               truncated       2            fan_in
``lecun_uniform``           uniform         1            fan_in
``lecun_normal``            truncated       1            fan_in
``pytorch_default_uniform`` uniform         1/3          fan_in
=========================== =============== ============ ==================================

**Array layout.** Shapes follow PyTorch by default, ``layout="torch"``: ``(out, in, *kernel)``,
so a dense layer computing :math:`W a` has ``W.shape == (n_out, n_in)``. Keras and JAX/Flax
store kernels as ``(*kernel, in, out)``; pass ``layout="keras"`` for that. The layout decides
which axes count as fan-in and fan-out (and, for :func:`orthogonal`, how the kernel is
flattened to a matrix). The Keras/JAX-named initializers also default to ``layout="torch"`` so
that the whole library uses one convention; pass ``layout="keras"`` explicitly to reproduce a
Keras or JAX kernel shape.

**Randomness.** Every sampler takes ``rng`` (SPEC 7): ``None`` for fresh entropy, an int seed for a
reproducible result (the same array on every call), or a ``numpy.random.Generator``,
which is advanced by the call. No global random state is used.
"""

from __future__ import annotations

import inspect
import math
from typing import NamedTuple

import numpy as np

from ._validation import as_generator, check_choice, check_float_dtype, check_real, check_shape
from .threads import blas_threads

__all__ = [
    "INITIALIZER_NAMES",
    "calculate_gain",
    "compute_fans",
    "get_initializer",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "init_variance",
    "kaiming_normal",
    "kaiming_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "pytorch_default_uniform",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
]

LAYOUTS = ("torch", "keras")
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")
_NO_PYTORCH_GAIN = ("gelu", "gelu_tanh", "silu", "swish")
"""Activations of :mod:`weightinit.activations` for which ``torch.nn.init.calculate_gain`` has no entry."""

NONLINEARITIES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)

# Below this bound a normal proposal is accepted too rarely (erf(b/sqrt 2) < 0.68), so the
# truncated sampler switches to uniform proposals on [-b, b].
_UNIFORM_PROPOSAL_BELOW = 1.0


# --------------------------------------------------------------------------------------------
# fans and gains
# --------------------------------------------------------------------------------------------


def compute_fans(shape, layout="torch"):
    r"""Return ``(fan_in, fan_out)`` of a dense weight matrix or a convolution kernel.

    Parameters
    ----------
    shape : tuple of int
        At least two non-negative dimensions, as any sequence of ints (tuple, list, 1-D
        integer array, ``torch.Size``). With ``layout="torch"`` this is
        ``(out, in, *kernel)``; with ``layout="keras"`` it is ``(*kernel, in, out)``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        Which axes hold the input and output channels.

    Returns
    -------
    fan_in, fan_out : int
        :math:`n_\text{in} = c_\text{in} \cdot r` and :math:`n_\text{out} = c_\text{out} \cdot r`,
        where the receptive field :math:`r` is the product of the kernel dimensions
        (:math:`r = 1` for a dense layer).

    Raises
    ------
    TypeError, ValueError
        If ``shape`` has fewer than two dimensions or a negative or non-integer entry, or
        ``layout`` is unknown.

    Notes
    -----
    Each output unit of a convolution sums :math:`c_\text{in} \cdot r` products, so this is the
    :math:`n` of the variance argument (He et al. 2015, §2.2, where :math:`n = k^2 c`). The same
    kernel gives the same fans in both layouts: ``(32, 16, 3, 3)`` in PyTorch and
    ``(3, 3, 16, 32)`` in Keras both give ``(144, 288)``.

    PyTorch's ``_calculate_fan_in_and_fan_out`` and JAX's ``_compute_fans`` (with the defaults
    ``in_axis=-2, out_axis=-1``) compute the same numbers for their own layouts.

    Examples
    --------
    >>> compute_fans((256, 128))
    (128, 256)
    >>> compute_fans((3, 3, 16, 32), layout="keras")
    (144, 288)
    """
    dims = check_shape(shape)
    check_choice(layout, "layout", LAYOUTS)
    if layout == "torch":
        c_out, c_in, kernel = dims[0], dims[1], dims[2:]
    else:
        kernel, c_in, c_out = dims[:-2], dims[-2], dims[-1]
    receptive = math.prod(kernel)
    return c_in * receptive, c_out * receptive


def calculate_gain(nonlinearity, param=None):
    r"""Return PyTorch's recommended gain for a nonlinearity.

    Parameters
    ----------
    nonlinearity : str
        One of ``"linear"``, ``"conv1d"``, ``"conv2d"``, ``"conv3d"``,
        ``"conv_transpose1d"``, ``"conv_transpose2d"``, ``"conv_transpose3d"``, ``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"selu"``.
    param : float or None, default ``None``
        Negative slope :math:`s` of ``"leaky_relu"`` (0.01 when ``None``). Ignored, as in
        PyTorch, for every other nonlinearity.

    Returns
    -------
    float
        ================================ =======================================
        nonlinearity                     gain
        ================================ =======================================
        linear, conv*, conv_transpose*   :math:`1`
        sigmoid                          :math:`1`
        tanh                             :math:`5/3`
        relu                             :math:`\sqrt{2}`
        leaky_relu                       :math:`\sqrt{2 / (1 + s^2)}`
        selu                             :math:`3/4`
        ================================ =======================================

    Raises
    ------
    TypeError, ValueError
        For an unknown ``nonlinearity`` (the message lists the valid ones) or a ``param`` that
        is a bool, not a number, NaN or infinite. For ``"gelu"``, ``"gelu_tanh"`` and
        ``"silu"``, which PyTorch's ``calculate_gain`` does not know either (torch 2.13.0), the
        message points to :func:`weightinit.theory.variance_preserving_gain`.

    Notes
    -----
    The gain multiplies the standard deviation, so it enters the variance squared: the
    Kaiming initializers draw with :math:`\sigma = \text{gain} / \sqrt{n}`.

    * ReLU: for :math:`z` symmetric about 0, :math:`\mathbb{E}[\max(z, 0)^2] = \tfrac12
      \operatorname{Var}(z)`, so the variance must be doubled (He et al. 2015).
    * Leaky ReLU with slope :math:`s`: :math:`\mathbb{E}[f(z)^2] = \tfrac{1 + s^2}{2}
      \operatorname{Var}(z)`. PyTorch's ``nn.Linear`` default is the case :math:`s = \sqrt5`,
      gain :math:`\sqrt{1/3}`.
    * tanh: PyTorch introduced :math:`5/3` together with ``calculate_gain`` (PR #1172, 2017)
      without a derivation. It is close to :math:`1/\operatorname{std}(\tanh(z)) \approx 1.59`
      for :math:`z \sim N(0, 1)`, the factor that restores a unit forward variance after one
      tanh layer. It is not the mean-field critical point: for equal widths and no bias,
      :math:`\chi_1 = 1` needs :math:`n \operatorname{Var}(W) = 1` (gain 1), while gain
      :math:`5/3` gives :math:`\chi_1 \approx 1.21`, so gradients grow slowly with depth
      (see :func:`weightinit.theory.chi1`).
    * sigmoid: the gain 1 ignores that sigmoid is not zero-centred. With it the gradient
      variance shrinks by :math:`\chi_1 \approx 0.056` per layer; :math:`\chi_1 = 1` needs
      :math:`n \operatorname{Var}(W) \approx 103` (Pennington et al. 2017), where about half
      of the units saturate.
    * selu: :math:`3/4` deliberately gives up self-normalisation for steadier gradients;
      PyTorch's documentation recommends ``"linear"`` (gain 1, Var = 1/n) for a
      self-normalising network (Klambauer et al. 2017).

    Examples
    --------
    >>> calculate_gain("tanh")
    1.6666666666666667
    """
    if isinstance(nonlinearity, str) and nonlinearity.strip().lower().replace("-", "_") in _NO_PYTORCH_GAIN:
        raise ValueError(
            f"calculate_gain follows PyTorch (checked against torch 2.13.0), which has no gain for "
            f"{nonlinearity!r} and raises 'Unsupported nonlinearity'; for GELU and SiLU use "
            f"weightinit.theory.variance_preserving_gain({nonlinearity!r}) (forward variance) or "
            f"weightinit.theory.gradient_preserving_gain({nonlinearity!r}) (gradient variance). "
            f"Valid nonlinearities: {', '.join(NONLINEARITIES)}"
        )
    check_choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_real(param, "param (negative slope of leaky_relu)")
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    return 1.0


# --------------------------------------------------------------------------------------------
# laws: the single description shared by the samplers and init_variance
# --------------------------------------------------------------------------------------------


class _Law(NamedTuple):
    """What an initializer draws: every entry has variance ``scale / denominator``."""

    shape: tuple
    distribution: str  # "normal" | "uniform" | "truncated_normal" | "orthogonal"
    scale: float
    denominator: float
    bound: float = 2.0  # truncation point in units of the underlying sigma
    matrix: tuple = ()  # (rows, cols) an orthogonal kernel is flattened to

    def variance(self, name="the initializer"):
        if self.denominator == 0:
            raise ValueError(
                f"the variance of {name} is undefined for shape {self.shape}: its fan is 0 "
                "(an empty array has no entries to scale)"
            )
        return self.scale / self.denominator


def _truncated_variance(bound):
    """Variance of a standard normal truncated to ``[-bound, bound]``."""
    if bound >= 1.0:
        phi = math.exp(-0.5 * bound * bound) / math.sqrt(2.0 * math.pi)
        return 1.0 - 2.0 * bound * phi / math.erf(bound / math.sqrt(2.0))
    # The closed form cancels catastrophically for small bounds (it tends to 1 - 1), so use the
    # ratio of the moment series  int x^{2k} e^{-x^2/2} dx  over [-b, b], which converge fast here.
    b2 = bound * bound
    m0 = m2 = 0.0
    term = 1.0  # (-b^2/2)^j / j!
    for j in range(40):
        m0 += term / (2 * j + 1)
        m2 += term / (2 * j + 3)
        term *= -0.5 * b2 / (j + 1)
    return b2 * m2 / m0


def _truncated_std(bound):
    """Std of a standard normal truncated to ``[-bound, bound]`` (0.8796... at 2).

    Derived from :func:`_truncated_variance` rather than a stored constant, so that the sampler's
    sigma and the variance reported for ``truncated_normal`` can never disagree.
    """
    return math.sqrt(_truncated_variance(bound))


def _scaling_law(shape, scale, mode, distribution, layout):
    fan_in, fan_out = compute_fans(shape, layout)
    denominator = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    return _Law(tuple(shape), distribution, scale, denominator)


def _law_variance_scaling(
    shape, scale=1.0, mode="fan_in", distribution="truncated_normal", *, layout="torch"
):
    shape = check_shape(shape)
    scale = check_real(scale, "scale", positive=True)
    check_choice(mode, "mode", MODES)
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    return _scaling_law(shape, scale, mode, distribution, layout)


def _law_random_normal(shape, std):
    std = check_real(std, "std", positive=True)
    return _Law(check_shape(shape), "normal", std * std, 1.0)


def _law_random_uniform(shape, a):
    a = check_real(a, "a", positive=True)
    # Var U(-a, a) = a^2 / 3
    return _Law(check_shape(shape), "uniform", a * a, 3.0)


def _law_truncated_normal(shape, std=1.0, *, bound=2.0):
    std = check_real(std, "std", positive=True)
    bound = check_real(bound, "bound", positive=True)
    return _Law(check_shape(shape), "truncated_normal", std * std * _truncated_variance(bound), 1.0, bound)


def _xavier_law(shape, gain, distribution, layout):
    shape = check_shape(shape)
    gain = check_real(gain, "gain", positive=True)
    return _scaling_law(shape, gain * gain, "fan_avg", distribution, layout)


def _law_xavier_uniform(shape, gain=1.0, *, layout="torch"):
    return _xavier_law(shape, gain, "uniform", layout)


def _law_xavier_normal(shape, gain=1.0, *, layout="torch"):
    return _xavier_law(shape, gain, "normal", layout)


def _kaiming_law(shape, a, mode, nonlinearity, distribution, layout):
    shape = check_shape(shape)
    a = check_real(a, "a (negative slope)")
    check_choice(mode, "mode", ("fan_in", "fan_out"))
    gain = calculate_gain(nonlinearity, a)
    return _scaling_law(shape, gain * gain, mode, distribution, layout)


def _law_kaiming_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, layout="torch"):
    return _kaiming_law(shape, a, mode, nonlinearity, "uniform", layout)


def _law_kaiming_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, layout="torch"):
    return _kaiming_law(shape, a, mode, nonlinearity, "normal", layout)


def _fixed_law(scale, mode, distribution):
    def law(shape, *, layout="torch"):
        return _scaling_law(check_shape(shape), scale, mode, distribution, layout)

    return law


_law_glorot_uniform = _fixed_law(1.0, "fan_avg", "uniform")
_law_glorot_normal = _fixed_law(1.0, "fan_avg", "truncated_normal")
_law_he_uniform = _fixed_law(2.0, "fan_in", "uniform")
_law_he_normal = _fixed_law(2.0, "fan_in", "truncated_normal")
_law_lecun_uniform = _fixed_law(1.0, "fan_in", "uniform")
_law_lecun_normal = _fixed_law(1.0, "fan_in", "truncated_normal")
# nn.Linear / nn.Conv* reset_parameters: kaiming_uniform_(a=sqrt(5)) -> gain^2 = 2/6 = 1/3
_law_pytorch_default_uniform = _fixed_law(1.0 / 3.0, "fan_in", "uniform")


def _law_orthogonal(shape, gain=1.0, *, layout="torch"):
    shape = check_shape(shape)
    gain = check_real(gain, "gain", positive=True)
    check_choice(layout, "layout", LAYOUTS)
    if layout == "torch":
        rows, cols = shape[0], math.prod(shape[1:])
    else:
        rows, cols = math.prod(shape[:-1]), shape[-1]
    # The unit vectors (columns if tall, rows if wide) live in R^max(rows, cols), and a uniformly
    # random unit vector in R^m has E[x_i^2] = 1/m exactly.
    return _Law(shape, "orthogonal", gain * gain, max(rows, cols), matrix=(rows, cols))


# --------------------------------------------------------------------------------------------
# samplers
# --------------------------------------------------------------------------------------------


def _standard_truncated(gen, size, dtype, bound):
    """``size`` draws of a standard normal truncated to [-bound, bound], in ``dtype``."""
    if bound >= _UNIFORM_PROPOSAL_BELOW:
        x = gen.standard_normal(size, dtype=dtype)
        # two comparisons are cheaper than abs(): no float temporary the size of the kernel
        bad = np.flatnonzero((x > bound) | (x < -bound))
        while bad.size:
            fresh = gen.standard_normal(bad.size, dtype=dtype)
            x[bad] = fresh
            bad = bad[(fresh > bound) | (fresh < -bound)]
        return x

    # Uniform proposals on [-b, b] accepted with probability exp(-x^2/2) >= exp(-1/2): exact
    # for the truncated law, and never stuck however small b is.
    def propose(n):
        y = gen.random(n, dtype=dtype)
        y *= 2.0 * bound
        y -= bound
        return y, gen.random(n, dtype=dtype) >= np.exp(-0.5 * y * y)

    x, rejected = propose(size)
    bad = np.flatnonzero(rejected)
    while bad.size:
        fresh, rejected = propose(bad.size)
        x[bad] = fresh
        bad = bad[rejected]
    return x


@blas_threads()  # QR of a small matrix: one thread is faster on a busy machine
def _orthogonal_sample(gen, law, dtype):
    rows, cols = law.matrix
    wide = rows < cols
    a = gen.standard_normal((cols, rows) if wide else (rows, cols), dtype=dtype)
    q, r = np.linalg.qr(a)
    # QR is unique only up to the signs of diag(R); LAPACK's choice is not uniform, so fixing
    # diag(R) > 0 is what makes Q Haar-distributed (Mezzadri 2007).
    q *= np.where(np.diagonal(r) < 0, -1, 1).astype(dtype)
    q *= math.sqrt(law.scale)
    if wide:
        q = q.T
    return q.reshape(law.shape) if q.flags.c_contiguous else np.ascontiguousarray(q).reshape(law.shape)


def _draw(law, rng, dtype):
    dtype = check_float_dtype(dtype)
    gen = as_generator(rng)
    size = math.prod(law.shape)
    if size == 0:
        # Nothing to draw; returning before the scale is computed also avoids dividing by a
        # zero fan.
        return np.empty(law.shape, dtype=dtype)
    if law.distribution == "orthogonal":
        return _orthogonal_sample(gen, law, dtype)
    std = math.sqrt(law.scale / law.denominator)
    if law.distribution == "normal":
        out = gen.standard_normal(law.shape, dtype=dtype)
        out *= std
    elif law.distribution == "uniform":
        limit = math.sqrt(3.0) * std
        out = gen.random(law.shape, dtype=dtype)
        out *= 2.0 * limit
        out -= limit
    else:
        out = _standard_truncated(gen, size, dtype, law.bound).reshape(law.shape)
        out *= std / _truncated_std(law.bound)
    return out


# --------------------------------------------------------------------------------------------
# public initializers
# --------------------------------------------------------------------------------------------


def variance_scaling(
    shape,
    scale=1.0,
    mode="fan_in",
    distribution="truncated_normal",
    *,
    layout="torch",
    rng=None,
    dtype=np.float64,
):
    r"""Draw weights whose entries have variance ``scale / n``, with ``n`` set by ``mode``.

    This is the one sampler behind every fan-based initializer of this module.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    scale : float, default ``1.0``
        Positive multiplier of the variance (1 for Glorot/LeCun, 2 for He).
    mode : ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``, default ``"fan_in"``
        Which :math:`n` divides ``scale``: :math:`n_\text{in}`, :math:`n_\text{out}` or
        :math:`(n_\text{in} + n_\text{out})/2`.
    distribution : ``"truncated_normal"``, ``"normal"`` or ``"uniform"``, default ``"truncated_normal"``
        Law of the entries, always with mean 0 and variance :math:`v = \text{scale}/n`:

        * ``"normal"``: :math:`\mathcal N(0, v)`;
        * ``"uniform"``: :math:`U(-a, a)` with :math:`a = \sqrt{3 v}`, because
          :math:`\operatorname{Var} U(-a, a) = a^2/3`;
        * ``"truncated_normal"``: :math:`\mathcal N(0, \sigma^2)` restricted to
          :math:`[-2\sigma, 2\sigma]` with :math:`\sigma = \sqrt{v} / 0.87962566103423978`.
          The constant is the standard deviation of a standard normal truncated to
          :math:`[-2, 2]`, so the variance after truncation is exactly :math:`v`.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        ``"torch"`` reads ``shape`` as ``(out, in, *kernel)``, ``"keras"`` as
        ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, a non-positive or non-finite ``scale``, an unknown ``mode``,
        ``distribution`` or ``layout``, a dtype other than float32/float64, or a bad ``rng``.
        Everything is checked before anything is drawn.

    See Also
    --------
    init_variance : the variance :math:`v` without drawing.
    compute_fans : how :math:`n_\text{in}` and :math:`n_\text{out}` are counted.

    Notes
    -----
    Under the assumptions of the variance argument (independent, zero-mean weights independent
    of the inputs) a pre-activation :math:`z = \sum_{k=1}^{n_\text{in}} w_k a_k` has
    :math:`\operatorname{Var}(z) = n_\text{in} \operatorname{Var}(w)\, \mathbb{E}[a^2]`; the mode
    chooses which of the forward (fan_in) or backward (fan_out) products is set to ``scale``.
    Only the variance matters for this argument, which is why the three distributions are
    interchangeable.

    The defaults follow Keras' ``VarianceScaling``. JAX's
    ``jax.nn.initializers.variance_scaling`` has the same formulas but no defaults for mode and
    distribution, reads fans from ``in_axis=-2, out_axis=-1`` (the Keras layout) and also offers
    a ``"fan_geo_avg"`` mode, which is not provided here. Here, as in JAX, ``"normal"`` is the
    untruncated normal law. In Keras it is not: TensorFlow 1 and Keras 3 alike silently map
    ``distribution="normal"`` to ``"truncated_normal"`` and call the untruncated law
    ``"untruncated_normal"``. So ``keras.initializers.VarianceScaling(distribution="normal")``
    corresponds to ``distribution="truncated_normal"`` here.

    Examples
    --------
    >>> w = variance_scaling((256, 128), scale=2.0, mode="fan_in", distribution="normal", rng=0)
    >>> w.shape, w.dtype
    ((256, 128), dtype('float64'))
    """
    return _draw(_law_variance_scaling(shape, scale, mode, distribution, layout=layout), rng, dtype)


def random_normal(shape, std, *, rng=None, dtype=np.float64):
    r"""Plain random initialization: i.i.d. :math:`\mathcal N(0, \text{std}^2)` with a fixed scale.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions.
    std : float
        Positive standard deviation :math:`\sigma`. It does not depend on the layer size, which
        is the weakness of this scheme.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, a non-positive or non-finite ``std``, a bad dtype or a bad ``rng``.

    Notes
    -----
    With inputs of second moment :math:`C` a pre-activation then has
    :math:`\operatorname{Var}(z) = n_\text{in}\, \sigma^2\, C`: a fixed :math:`\sigma` lets the
    signal shrink or grow by a constant factor per layer, i.e. geometrically with depth.
    The common choice :math:`\sigma = 0.01` makes the signal vanish in deep networks.
    This matches ``torch.nn.init.normal_(w, 0, std)`` and Keras' ``RandomNormal(stddev=std)``.
    """
    return _draw(_law_random_normal(shape, std), rng, dtype)


def random_uniform(shape, a, *, rng=None, dtype=np.float64):
    r"""Plain random initialization: i.i.d. :math:`U(-a, a)` with a fixed bound.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions.
    a : float
        Positive half-width of the interval.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, a non-positive or non-finite ``a``, a bad dtype or a bad ``rng``.

    Notes
    -----
    .. math::

       \operatorname{Var} U(-a, a) = \frac{1}{2a}\int_{-a}^{a} x^2 \, dx = \frac{a^2}{3},

    so a uniform law with standard deviation :math:`\sigma` has :math:`a = \sqrt3\,\sigma`. This
    is how every uniform initializer here turns a target variance into a bound. Glorot &
    Bengio's "standard" initialization :math:`U(\pm 1/\sqrt{n})` gives
    :math:`n \operatorname{Var}(W) = 1/3`. Matches ``torch.nn.init.uniform_(w, -a, a)``.
    """
    return _draw(_law_random_uniform(shape, a), rng, dtype)


def truncated_normal(shape, std=1.0, *, bound=2.0, rng=None, dtype=np.float64):
    r"""Draw :math:`\mathcal N(0, \text{std}^2)` truncated to :math:`\pm\,\text{bound}\cdot\text{std}`.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions.
    std : float, default ``1.0``
        Positive standard deviation of the normal law *before* truncation.
    bound : float, default ``2.0``
        Positive truncation point in units of ``std``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, a non-positive or non-finite ``std`` or ``bound``, a bad dtype or a
        bad ``rng``.

    Notes
    -----
    Truncation lowers the variance: with :math:`b` = ``bound``, :math:`\varphi` the standard
    normal density and :math:`\Phi` its distribution function,

    .. math::

       \operatorname{Var}(W) = \text{std}^2 \left(1 - \frac{2 b\, \varphi(b)}{2\Phi(b) - 1}\right),

    which is :math:`(0.87962566\ldots \cdot \text{std})^2` at :math:`b = 2`. The truncated
    Keras/JAX initializers divide their :math:`\sigma` by that factor to undo the loss.

    Entries outside the bound are redrawn (vectorised, only the rejected ones) until none
    remain. For ``bound < 1`` the proposals are uniform on the interval and accepted with
    probability :math:`e^{-x^2/2}`, which stays efficient for narrow intervals.

    Parametrised like ``torch.nn.init.trunc_normal_(w, 0, std, -bound*std, bound*std)`` (whose
    bounds are absolute) and JAX's ``truncated_normal(stddev, lower=-bound, upper=bound)``
    (bounds in units of ``stddev``). Keras' ``TruncatedNormal`` always cuts at two standard
    deviations. None of them, nor this function, applies the variance correction of the
    ``*_normal`` initializers: ``std`` is the standard deviation before truncation.
    """
    return _draw(_law_truncated_normal(shape, std, bound=bound), rng, dtype)


def xavier_uniform(shape, gain=1.0, *, layout="torch", rng=None, dtype=np.float64):
    r"""Xavier/Glorot uniform initialization with PyTorch's semantics (``xavier_uniform_``).

    Draws :math:`U(-a, a)` with

    .. math::

       a = \text{gain} \cdot \sqrt{\frac{6}{n_\text{in} + n_\text{out}}}, \qquad
       \operatorname{Var}(W) = \text{gain}^2 \cdot \frac{2}{n_\text{in} + n_\text{out}}.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    gain : float, default ``1.0``
        Positive factor on the standard deviation. Keep ``1.0`` for tanh in a deep plain
        network (:math:`\chi_1 = 1` at equal widths); ``calculate_gain("tanh") = 5/3`` only
        restores the forward variance and makes gradients grow slowly with depth.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape`` (PyTorch itself only knows ``"torch"``).
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, gain, layout, dtype or ``rng``.

    Notes
    -----
    Glorot & Bengio (2010, eqs. 10-12 and 16) ask for :math:`n_\text{in}\operatorname{Var}(W) = 1`
    so activations keep their variance forward, and :math:`n_\text{out}\operatorname{Var}(W) = 1`
    so gradients keep theirs backward; both hold only if :math:`n_\text{in} = n_\text{out}`, and
    :math:`2/(n_\text{in} + n_\text{out})` is the compromise. The derivation assumes a
    symmetric activation in its linear regime (:math:`f'(0) = 1`, e.g. tanh).

    Same law as Keras' ``glorot_uniform`` and JAX's ``glorot_uniform``/``xavier_uniform`` when
    ``gain == 1``.

    References
    ----------
    * X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
      neural networks", AISTATS 2010, PMLR 9:249-256.
    """
    return _draw(_law_xavier_uniform(shape, gain, layout=layout), rng, dtype)


def xavier_normal(shape, gain=1.0, *, layout="torch", rng=None, dtype=np.float64):
    r"""Xavier/Glorot normal initialization with PyTorch's semantics (``xavier_normal_``): untruncated.

    Draws :math:`\mathcal N(0, \sigma^2)` with

    .. math::

       \sigma = \text{gain} \cdot \sqrt{\frac{2}{n_\text{in} + n_\text{out}}}.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    gain : float, default ``1.0``
        Positive factor on the standard deviation. Keep ``1.0`` for tanh in a deep plain
        network (:math:`\chi_1 = 1` at equal widths); ``calculate_gain("tanh") = 5/3`` only
        restores the forward variance and makes gradients grow slowly with depth.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, gain, layout, dtype or ``rng``.

    Notes
    -----
    Same variance as :func:`glorot_normal`, different law: PyTorch's ``xavier_normal_`` is a
    plain normal, while Keras' and JAX's ``glorot_normal`` are truncated at :math:`\pm 2\sigma`
    (with :math:`\sigma` enlarged to compensate). JAX's ``xavier_normal`` is an alias of its
    truncated ``glorot_normal``, so the same name means different laws in the two frameworks.

    References
    ----------
    * X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
      neural networks", AISTATS 2010, PMLR 9:249-256.
    """
    return _draw(_law_xavier_normal(shape, gain, layout=layout), rng, dtype)


def kaiming_uniform(
    shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, layout="torch", rng=None, dtype=np.float64
):
    r"""Kaiming/He uniform initialization with PyTorch's semantics (``kaiming_uniform_``).

    Draws :math:`U(-\text{bound}, \text{bound})` with

    .. math::

       \text{std} = \frac{\text{gain}}{\sqrt{n}}, \qquad \text{bound} = \sqrt{3}\,\text{std},

    where gain is ``calculate_gain(nonlinearity, a)`` and :math:`n` is the fan chosen by ``mode``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    a : float, default ``0.0``
        Negative slope of the leaky ReLU that follows the layer. Used only when
        ``nonlinearity="leaky_relu"`` (ignored otherwise, as in PyTorch); the default
        ``a=0`` with ``"leaky_relu"`` is plain ReLU, gain :math:`\sqrt2`.
    mode : ``"fan_in"`` or ``"fan_out"``, default ``"fan_in"``
        ``"fan_in"`` preserves the variance of activations in the forward pass, ``"fan_out"``
        that of gradients in the backward pass.
    nonlinearity : str, default ``"leaky_relu"``
        Any name accepted by :func:`calculate_gain`.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, ``a``, mode, nonlinearity, layout, dtype or ``rng``.

    Notes
    -----
    He et al. (2015, §2.2) observe that for :math:`z` symmetric about 0,
    :math:`\mathbb{E}[\mathrm{ReLU}(z)^2] = \tfrac12 \operatorname{Var}(z)`, so keeping the
    variance through a ReLU layer needs :math:`\tfrac12 n_\text{in} \operatorname{Var}(W) = 1`,
    i.e. :math:`\operatorname{Var}(W) = 2/n_\text{in}`; with a leaky slope :math:`a` it is
    :math:`2/((1 + a^2) n)`. Either the forward (fan_in) or the backward (fan_out) condition
    suffices, because the other then only changes the signal by a constant factor.

    ``kaiming_uniform(shape, a=math.sqrt(5))`` is PyTorch's ``nn.Linear`` default, see
    :func:`pytorch_default_uniform`. Keras' and JAX's ``he_uniform`` (and JAX's
    ``kaiming_uniform`` alias) are the case ``a=0``, ``mode="fan_in"``.

    References
    ----------
    * K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
      Human-Level Performance on ImageNet Classification", ICCV 2015, pp. 1026-1034.
    """
    return _draw(_law_kaiming_uniform(shape, a, mode, nonlinearity, layout=layout), rng, dtype)


def kaiming_normal(
    shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, layout="torch", rng=None, dtype=np.float64
):
    r"""Kaiming/He normal initialization with PyTorch's semantics (``kaiming_normal_``): untruncated.

    Draws :math:`\mathcal N(0, \text{std}^2)` with

    .. math::

       \text{std} = \frac{\text{gain}}{\sqrt{n}},

    where gain is ``calculate_gain(nonlinearity, a)`` and :math:`n` is the fan chosen by ``mode``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    a : float, default ``0.0``
        Negative slope of the leaky ReLU; used only with ``nonlinearity="leaky_relu"``.
    mode : ``"fan_in"`` or ``"fan_out"``, default ``"fan_in"``
        Fan :math:`n` used in the formula.
    nonlinearity : str, default ``"leaky_relu"``
        Any name accepted by :func:`calculate_gain`.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, ``a``, mode, nonlinearity, layout, dtype or ``rng``.

    Notes
    -----
    See :func:`kaiming_uniform` for the derivation. PyTorch's ``kaiming_normal_`` is not
    truncated; Keras' and JAX's ``he_normal`` (and JAX's ``kaiming_normal`` alias) are, see
    :func:`he_normal`.

    References
    ----------
    * K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
      Human-Level Performance on ImageNet Classification", ICCV 2015, pp. 1026-1034.
    """
    return _draw(_law_kaiming_normal(shape, a, mode, nonlinearity, layout=layout), rng, dtype)


def glorot_uniform(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""Glorot uniform initialization with Keras/JAX semantics.

    Draws :math:`U(-a, a)` with :math:`a = \sqrt{6/(n_\text{in} + n_\text{out})}`. Equal to
    ``variance_scaling(shape, 1.0, "fan_avg", "uniform")``; the same law as
    :func:`xavier_uniform` with ``gain=1``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    The default kernel initializer of Keras' ``Dense`` and ``Conv*`` layers.

    References
    ----------
    * X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
      neural networks", AISTATS 2010, PMLR 9:249-256.
    """
    return _draw(_law_glorot_uniform(shape, layout=layout), rng, dtype)


def glorot_normal(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""Glorot normal initialization with Keras/JAX semantics: truncated at two sigma.

    Variance :math:`2/(n_\text{in} + n_\text{out})`. Equal to
    ``variance_scaling(shape, 1.0, "fan_avg", "truncated_normal")``: a normal law with
    :math:`\sigma = \sqrt{2/(n_\text{in} + n_\text{out})} / 0.87962566103423978` cut at
    :math:`\pm 2\sigma`.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    JAX's ``xavier_normal`` is this truncated law; PyTorch's ``xavier_normal_``
    (:func:`xavier_normal`) is not truncated.

    References
    ----------
    * X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
      neural networks", AISTATS 2010, PMLR 9:249-256.
    """
    return _draw(_law_glorot_normal(shape, layout=layout), rng, dtype)


def he_uniform(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""He uniform initialization with Keras/JAX semantics: :math:`U(\pm\sqrt{6/n_\text{in}})`.

    Equal to ``variance_scaling(shape, 2.0, "fan_in", "uniform")`` and to
    ``kaiming_uniform(shape)`` (ReLU, fan-in).

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    References
    ----------
    * K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
      Human-Level Performance on ImageNet Classification", ICCV 2015, pp. 1026-1034.
    """
    return _draw(_law_he_uniform(shape, layout=layout), rng, dtype)


def he_normal(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""He normal initialization with Keras/JAX semantics: truncated, variance :math:`2/n_\text{in}`.

    Equal to ``variance_scaling(shape, 2.0, "fan_in", "truncated_normal")``: a normal law with
    :math:`\sigma = \sqrt{2/n_\text{in}} / 0.87962566103423978` cut at :math:`\pm 2\sigma`. For a
    ``(256, 128)`` matrix :math:`\sigma = 0.1421059043` and the hard bound is
    :math:`0.2842118086`.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    Same variance as PyTorch's ``kaiming_normal_`` (:func:`kaiming_normal`), which is not
    truncated; JAX's ``kaiming_normal`` is an alias of this truncated law.

    References
    ----------
    * K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
      Human-Level Performance on ImageNet Classification", ICCV 2015, pp. 1026-1034.
    """
    return _draw(_law_he_normal(shape, layout=layout), rng, dtype)


def lecun_uniform(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""LeCun uniform initialization: :math:`U(\pm\sqrt{3/n_\text{in}})`, variance :math:`1/n_\text{in}`.

    Equal to ``variance_scaling(shape, 1.0, "fan_in", "uniform")``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    LeCun et al. (1998) recommend weights with standard deviation :math:`n_\text{in}^{-1/2}` for
    their scaled tanh, so that a unit's input has unit variance. This fan-in-only rule is
    often mislabelled "Xavier"; Xavier averages the two fans. PyTorch has no named equivalent.

    References
    ----------
    * Y. LeCun, L. Bottou, G. B. Orr and K.-R. Müller, "Efficient BackProp", in Neural
      Networks: Tricks of the Trade, LNCS 1524, Springer, 1998, pp. 9-50.
    """
    return _draw(_law_lecun_uniform(shape, layout=layout), rng, dtype)


def lecun_normal(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""LeCun normal initialization with Keras/JAX semantics: truncated, variance :math:`1/n_\text{in}`.

    Equal to ``variance_scaling(shape, 1.0, "fan_in", "truncated_normal")``: a normal law with
    :math:`\sigma = \sqrt{1/n_\text{in}} / 0.87962566103423978` cut at :math:`\pm 2\sigma`.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        The library-wide default is PyTorch's ``(out, in, *kernel)``; pass ``"keras"`` for a
        Keras/JAX kernel ``(*kernel, in, out)``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    The default kernel initializer of Flax's ``nn.Dense``; also the initializer that SELU
    networks need (Klambauer et al. 2017).

    References
    ----------
    * Y. LeCun, L. Bottou, G. B. Orr and K.-R. Müller, "Efficient BackProp", in Neural
      Networks: Tricks of the Trade, LNCS 1524, Springer, 1998, pp. 9-50.
    """
    return _draw(_law_lecun_normal(shape, layout=layout), rng, dtype)


def pytorch_default_uniform(shape, *, layout="torch", rng=None, dtype=np.float64):
    r"""PyTorch's default weight initialization of ``nn.Linear`` and ``nn.Conv*``.

    Draws :math:`U(\pm 1/\sqrt{n_\text{in}})`. PyTorch's layers call
    ``kaiming_uniform_(w, a=math.sqrt(5))``; with
    :math:`\text{gain} = \sqrt{2/(1 + 5)} = \sqrt{1/3}` the bound is
    :math:`\sqrt3 \cdot \sqrt{1/3} / \sqrt{n_\text{in}} = 1/\sqrt{n_\text{in}}`, hence

    .. math::

       \operatorname{Var}(W) = \frac{1}{3\, n_\text{in}}.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape``.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws are made directly in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Notes
    -----
    This is **not** He initialization: its variance is one sixth of He's :math:`2/n_\text{in}`,
    so in a ReLU network :math:`\mathbb{E}[h^2]` shrinks by about a factor 6 per layer. It is
    kept in PyTorch for backward compatibility (PyTorch issues #1667 and #102477; it goes back
    to Lua Torch's ``nn.Linear``, issue #3668). It equals
    Glorot & Bengio's "standard" heuristic :math:`U(\pm 1/\sqrt{n})`, which they showed to be
    poorly scaled.
    """
    return _draw(_law_pytorch_default_uniform(shape, layout=layout), rng, dtype)


def orthogonal(shape, gain=1.0, *, layout="torch", rng=None, dtype=np.float64):
    r"""Orthogonal initialization (Saxe et al. 2014): a random (semi-)orthogonal matrix times ``gain``.

    The kernel is viewed as a matrix :math:`M` with one row per output unit (``layout="torch"``:
    ``(out, in * prod(kernel))``) or one column per output unit (``layout="keras"``:
    ``(prod(kernel) * in, out)``). A Gaussian matrix :math:`A` (transposed first if :math:`M` is
    wide) is factored :math:`A = QR`, the signs are fixed so that :math:`\operatorname{diag}(R)
    > 0`, and :math:`M = \text{gain}\cdot Q` (transposed back). Then

    .. math::

       M^\top M = \text{gain}^2 I \ \text{(tall or square)}, \qquad
       M M^\top = \text{gain}^2 I \ \text{(wide)}.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array, at least two dimensions; see ``layout``.
    gain : float, default ``1.0``
        Positive multiplier of the matrix.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How the kernel is flattened to a matrix.
    rng : None, int or ``numpy.random.Generator``, default ``None``
        Source of randomness (SPEC 7). An int gives the same array on every call; a Generator
        is advanced.
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``
        Precision of the result; the draws and the QR factorisation are made in it.

    Returns
    -------
    ``numpy.ndarray``
        A new array of shape ``shape`` and dtype ``dtype``.

    Raises
    ------
    TypeError, ValueError
        For a bad shape, gain, layout, dtype or ``rng``.

    Notes
    -----
    All singular values of :math:`M` equal ``gain``, so a product of many such layers neither
    shrinks nor amplifies any direction, which is what deep *linear* networks need (Saxe et al.
    2014). Without the sign fix the law of :math:`Q` depends on the QR routine and is not
    uniform (Haar). Each entry has mean 0 and variance
    :math:`\text{gain}^2 / \max(\text{rows}, \text{cols})`.

    The flattening matches PyTorch's ``orthogonal_`` for ``"torch"`` and Keras' ``Orthogonal``
    and JAX's ``orthogonal`` (``column_axis=-1``) for ``"keras"``. QR of a 4096 x 4096 matrix
    costs seconds, far more than any other initializer here.

    References
    ----------
    * A. M. Saxe, J. L. McClelland and S. Ganguli, "Exact solutions to the nonlinear dynamics
      of learning in deep linear neural networks", ICLR 2014.
    * F. Mezzadri, "How to generate random matrices from the classical compact groups",
      Notices of the AMS 54(5), 2007, pp. 592-604.
    """
    return _draw(_law_orthogonal(shape, gain, layout=layout), rng, dtype)


# --------------------------------------------------------------------------------------------
# lookup by name
# --------------------------------------------------------------------------------------------

_INITIALIZERS = {
    "variance_scaling": (variance_scaling, _law_variance_scaling),
    "random_normal": (random_normal, _law_random_normal),
    "random_uniform": (random_uniform, _law_random_uniform),
    "truncated_normal": (truncated_normal, _law_truncated_normal),
    "xavier_uniform": (xavier_uniform, _law_xavier_uniform),
    "xavier_normal": (xavier_normal, _law_xavier_normal),
    "kaiming_uniform": (kaiming_uniform, _law_kaiming_uniform),
    "kaiming_normal": (kaiming_normal, _law_kaiming_normal),
    "glorot_uniform": (glorot_uniform, _law_glorot_uniform),
    "glorot_normal": (glorot_normal, _law_glorot_normal),
    "he_uniform": (he_uniform, _law_he_uniform),
    "he_normal": (he_normal, _law_he_normal),
    "lecun_uniform": (lecun_uniform, _law_lecun_uniform),
    "lecun_normal": (lecun_normal, _law_lecun_normal),
    "pytorch_default_uniform": (pytorch_default_uniform, _law_pytorch_default_uniform),
    "orthogonal": (orthogonal, _law_orthogonal),
}

INITIALIZER_NAMES = tuple(_INITIALIZERS)
"""Names accepted by :func:`get_initializer` and :func:`init_variance`."""


def _check_name(name):
    return check_choice(name, "name", INITIALIZER_NAMES)


def get_initializer(name):
    """Return the initializer function called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`INITIALIZER_NAMES`.

    Returns
    -------
    ``callable``
        The public function, e.g. ``get_initializer("he_normal") is he_normal``.

    Raises
    ------
    TypeError, ValueError
        If ``name`` is not a string or not a known name (the message lists the valid ones).
    """
    return _INITIALIZERS[_check_name(name)][0]


def init_variance(name, shape, *, layout="torch", **kwargs):
    r"""Return the exact variance of each entry that the initializer ``name`` draws.

    The value comes from the same law the sampler draws from, not from a separate formula.

    Parameters
    ----------
    name : str
        One of :data:`INITIALIZER_NAMES`.
    shape : tuple of int
        Shape of the weight array.
    layout : ``"torch"`` or ``"keras"``, default ``"torch"``
        How fans are read from ``shape``. Checked but irrelevant for the fixed-scale
        initializers ``random_normal``, ``random_uniform`` and ``truncated_normal``.
    **kwargs
        The initializer's own parameters, e.g. ``gain=``, ``a=``, ``mode=``, ``std=``;
        ``rng`` and ``dtype`` are not accepted since they do not change the law.

    Returns
    -------
    float
        :math:`\operatorname{Var}(W_{ij})`.

    Raises
    ------
    TypeError, ValueError
        For an unknown name, a keyword the initializer does not take, a missing required
        one (``std`` of ``random_normal``, ``a`` of ``random_uniform``), any invalid argument,
        or a shape whose relevant fan is 0 (the variance is then undefined).

    Examples
    --------
    >>> init_variance("he_normal", (256, 128))
    0.015625
    >>> init_variance("pytorch_default_uniform", (3, 3, 16, 32), layout="keras") == 1 / (3 * 144)
    True
    """
    _check_name(name)
    public, law_of = _INITIALIZERS[name]
    check_choice(layout, "layout", LAYOUTS)
    params = inspect.signature(public).parameters
    allowed = [p for p in params if p not in ("shape", "layout", "rng", "dtype")]
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(
            f"init_variance({name!r}) got unexpected keyword(s) {unknown}; "
            f"{name} accepts: {', '.join(allowed) if allowed else '(no parameters)'}"
        )
    missing = [p for p in allowed if params[p].default is inspect.Parameter.empty and p not in kwargs]
    if missing:
        raise TypeError(f"init_variance({name!r}) needs the keyword(s) {missing}")
    if "layout" in params:
        kwargs["layout"] = layout
    return law_of(shape, **kwargs).variance(name)
