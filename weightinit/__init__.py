"""weightinit: weight initializers for neural networks, and the experiments that explain them.

The initializers follow PyTorch's array layout ``(out, in, *kernel)`` by default and Keras/JAX's
``(*kernel, in, out)`` on request; every random draw takes an ``rng`` argument (SPEC 7).
"""

from .style import use_korean_style

__version__ = "0.1.0"
