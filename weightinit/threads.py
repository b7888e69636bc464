"""How many threads the BLAS library under NumPy may use, set from code (with ``threadpoolctl``).

The matrices of this library are small: a few hundred to a thousand units wide. On them a
second BLAS thread saves little on an idle machine, and costs a great deal on a busy one: when
another process keeps one of two cores busy, OpenBLAS threads that wait for each other made
the advanced chapter take 65 s instead of 6 s. An environment variable such as
``OPENBLAS_NUM_THREADS=1`` must be set before NumPy is imported and does not reach a student
who opens a notebook in Jupyter or Colab, so the limit is set from code instead.

Two tools, and the choice between them:

* :func:`blas_threads` is a context manager and a decorator. Inside it NumPy's BLAS runs on
  ``limit`` threads; on leaving, the previous count comes back. The engine's hot paths
  (:func:`weightinit.simulate.run_network`, :func:`weightinit.simulate.simulate`,
  :func:`weightinit.train.train`, :func:`weightinit.initializers.orthogonal`, the Gaussian
  expectations of :mod:`weightinit.theory`) run inside it, so a caller never has to think
  about threads and nothing outside these calls changes.
* :func:`limit_blas_threads` sets the limit for the rest of the session. Importing
  ``weightinit`` never does this (an import that silently slows down a user's own large matrix
  products would be a surprise); the chapters call it once, visibly, in their first cell,
  because their own cells multiply small matrices too.
"""

from __future__ import annotations

import contextlib
import functools
import numbers

from threadpoolctl import ThreadpoolController

__all__ = ["blas_threads", "limit_blas_threads", "blas_thread_count"]


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # Looking up the loaded thread pools takes about a millisecond, limiting a known one
    # a tenth of that: look once. NumPy is imported before this module (see __init__), so
    # its BLAS, the one the engine uses, is among those found.
    return ThreadpoolController()


def _check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 1:
        raise ValueError(f"limit must be a positive integer (the number of BLAS threads), got {limit!r}")
    return int(limit)


@contextlib.contextmanager
def blas_threads(limit: int = 1):
    """Run NumPy's BLAS on at most ``limit`` threads inside the block (or the decorated function).

    >>> import numpy as np
    >>> from weightinit.threads import blas_threads, blas_thread_count
    >>> with blas_threads(1):
    ...     blas_thread_count() <= 1
    True

    The previous thread counts are restored on leaving, also after an exception. Where NumPy
    uses no BLAS that threadpoolctl knows, this does nothing.
    """
    limiter = _controller().limit(limits=_check_limit(limit), user_api="blas")
    try:
        yield
    finally:
        limiter.restore_original_limits()


def limit_blas_threads(limit: int = 1) -> None:
    """Limit NumPy's BLAS to ``limit`` threads from now until the Python process ends.

    Call it once at the top of a notebook whose own cells multiply small matrices. To undo it,
    call it again with the number of cores (``os.cpu_count()``).
    """
    _controller().limit(limits=_check_limit(limit), user_api="blas")


def blas_thread_count() -> int:
    """The largest number of threads any BLAS library of this process may use now (0 if none)."""
    return max((pool.num_threads for pool in _controller().select(user_api="blas").lib_controllers), default=0)
