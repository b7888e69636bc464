"""weightinit.threads: the BLAS thread limit of the engine's hot paths, set with threadpoolctl."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import weightinit
from weightinit.activations import Activation, get_activation
from weightinit.datasets import rings
from weightinit.simulate import init_network, run_network, simulate
from weightinit.threads import blas_thread_count, blas_threads, limit_blas_threads
from weightinit.train import train

pytestmark = pytest.mark.skipif(blas_thread_count() == 0, reason="NumPy uses no BLAS that threadpoolctl knows")


@pytest.fixture
def two_threads():
    """Start every test from two BLAS threads (the test run itself sets OPENBLAS_NUM_THREADS=1)."""
    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_thread_count() == 2
        yield


def spy_tanh(seen: list) -> Activation:
    """tanh that records the BLAS thread count each time the engine evaluates it."""
    tanh = get_activation("tanh")

    def function(z):
        seen.append(blas_thread_count())
        return np.tanh(z)

    return Activation("tanh", tanh.label, function, tanh.derivative_function)


def test_context_manager_limits_and_restores(two_threads):
    with blas_threads(1):
        assert blas_thread_count() == 1
    assert blas_thread_count() == 2


def test_restores_after_an_exception(two_threads):
    with pytest.raises(RuntimeError, match="inside"):
        with blas_threads(1):
            raise RuntimeError("inside")
    assert blas_thread_count() == 2


def test_decorator_and_nesting(two_threads):
    @blas_threads(1)
    def inner():
        return blas_thread_count()

    assert inner() == 1
    assert inner() == 1  # a decorator is reusable
    with blas_threads(1):
        inner()
        assert blas_thread_count() == 1  # leaving the inner block keeps the outer limit
    assert blas_thread_count() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1", None])
def test_bad_limit_is_named(bad):
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        with blas_threads(bad):
            pass
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        limit_blas_threads(bad)


def test_limit_for_the_session_lasts(two_threads):
    limit_blas_threads(1)
    assert blas_thread_count() == 1
    np.ones((50, 50)) @ np.ones((50, 50))
    assert blas_thread_count() == 1
    # the fixture's threadpool_limits restores 2 on leaving, so other tests are not affected


def test_simulate_and_run_network_run_on_one_thread(two_threads):
    seen: list = []
    simulate(width=40, depth=3, activation=spy_tanh(seen), batch_size=20, rng=0)
    weights, biases = init_network([40, 40], "xavier_normal", input_dim=40, rng=1)
    run_network(np.ones((5, 40)), weights, biases, spy_tanh(seen), rng=2)
    assert seen and set(seen) == {1}
    assert blas_thread_count() == 2


def test_train_runs_on_one_thread(two_threads):
    seen: list = []
    X, y = rings(64, rng=0)
    train(X, y, width=8, depth=2, activation=spy_tanh(seen), steps=2, batch_size=16, eval_every=1, rng=0)
    assert seen and set(seen) == {1}
    assert blas_thread_count() == 2


def test_orthogonal_and_theory_run_on_one_thread(two_threads, monkeypatch):
    seen: list = []
    qr = np.linalg.qr

    def spy_qr(a, *args, **kwargs):
        seen.append(blas_thread_count())
        return qr(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "qr", spy_qr)
    weightinit.orthogonal((30, 30), rng=0)
    weightinit.theory.gaussian_expectation(lambda z: seen.append(blas_thread_count()) or np.tanh(z) ** 2, 0.5)
    assert seen == [1, 1]
    assert blas_thread_count() == 2


def test_import_changes_no_thread_count():
    """Importing weightinit must leave a user's BLAS threads alone (the chapters limit them visibly)."""
    code = (
        "from threadpoolctl import threadpool_info, threadpool_limits\n"
        "import numpy\n"
        "threadpool_limits(2, user_api='blas')\n"
        "before = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "import weightinit\n"
        "after = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print(before, after)\n"
        "assert before == after and max(before) == 2, (before, after)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
