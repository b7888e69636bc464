"""weightinit: weight initializers for neural networks, and the experiments that explain them.

The initializers follow PyTorch's array layout ``(out, in, *kernel)`` by default and Keras/JAX's
``(*kernel, in, out)`` with ``layout="keras"``; every random draw takes an ``rng`` argument
(SPEC 7: ``None``, an int seed or a :class:`numpy.random.Generator`).

Submodules: :mod:`~weightinit.initializers` (the samplers), :mod:`~weightinit.activations`,
:mod:`~weightinit.theory` (variance recursions, mean-field slope), :mod:`~weightinit.simulate`
(per-layer statistics of a deep network), :mod:`~weightinit.train` and
:mod:`~weightinit.datasets` (a small NumPy trainer and toy data), :mod:`~weightinit.plots` and
:mod:`~weightinit.explorer` (figures and the interactive explorer), :mod:`~weightinit.diagnostics`
(per-layer statistics of any network, from recorded arrays), :mod:`~weightinit.style`,
:mod:`~weightinit.threads` (how many BLAS threads NumPy uses; importing the package changes nothing),
:mod:`~weightinit.residual` (residual networks and normalization layers at initialization),
:mod:`~weightinit.transformer` (attention scores, initial loss, GPT-2-style parameters).
"""

from . import activations, datasets, diagnostics, explorer, initializers, plots, simulate, theory, threads, train
from . import recurrent
from . import transformer
from .initializers import (
    INITIALIZER_NAMES,
    calculate_gain,
    compute_fans,
    get_initializer,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    init_variance,
    kaiming_normal,
    kaiming_uniform,
    lecun_normal,
    lecun_uniform,
    orthogonal,
    pytorch_default_uniform,
    random_normal,
    random_uniform,
    truncated_normal,
    variance_scaling,
    xavier_normal,
    xavier_uniform,
)
from . import residual  # residual networks and normalization layers at initialization
from .style import use_korean_style
from .threads import blas_threads, limit_blas_threads

from . import parametrization  # noqa: E402  (width scaling: SP and μP)

__version__ = "0.1.0"

__all__ = [*initializers.__all__, "use_korean_style", "blas_threads", "limit_blas_threads", "activations", "datasets",
           "diagnostics", "explorer", "initializers", "plots", "simulate", "theory", "threads", "train"]
__all__ += ["residual"]
__all__ += ["recurrent"]
__all__ += ["parametrization"]
__all__ += ["transformer"]
