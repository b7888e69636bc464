"""The sandbox and the test process of the coursework grader, driven directly (no nbgrader).

Each test hands :func:`coursework.runner.run_job` a tiny task: the student's code (run in the
bubblewrap sandbox) and the instructor's test cells (run in the test process). The student code
here is hostile on purpose; each test says what it may and may not achieve.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coursework.runner import run_job  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

SETUP = "import math\nimport numpy as np\n"
LIMITS = {"cell_timeout": 5, "load_timeout": 5, "memory_bytes": 2 * 2**30, "cpu_seconds": 60, "processes": 64}


def grade(student_code: str, tests: list[str], api=("f",), limits=None, seed=0) -> list[dict]:
    job = {
        "setup": SETUP, "api": list(api), "limits": dict(LIMITS, **(limits or {})),
        "tasks": {"task1": {"seed": seed, "cells": [{"name": "answer", "source": student_code}],
                            "tests": [{"grade_id": f"t{i}", "points": 1, "source": src} for i, src in enumerate(tests)]}},
    }
    return run_job(job)["tasks"]["task1"]["tests"]


def sandbox_root_may_hold() -> set[str]:
    """What ``/`` inside the sandbox may list, wherever the checkout lives: the system folders this
    host has, the mount points the sandbox makes, and the first folder of each Python installation
    path (a virtual environment inside the checkout makes that folder appear, holding only the
    path down to the environment)."""
    system = {name for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32") if os.path.lexists("/" + name)}
    pythons = {Path(sys.base_prefix).resolve(), Path(sys.prefix).absolute()}
    return system | {"dev", "proc", "tmp", "etc", "opt"} | {p.parts[1] for p in pythons if not str(p).startswith("/usr/")}


def repository_may_hold() -> list[str]:
    """What the checkout's folder may list inside the sandbox: only the step down to the virtual
    environment when that lives inside the checkout (the environment must be visible to run)."""
    prefix = Path(sys.prefix).absolute()
    return [prefix.relative_to(REPO).parts[0]] if prefix.is_relative_to(REPO) else []


def passed(results: list[dict]) -> list[bool]:
    return [r["passed"] for r in results]


def test_honest_answer_passes_and_wrong_answer_fails():
    tests = ["assert abs(f(2.0) - 4.0) < 1e-12", "assert isinstance(f(3.0), float)"]
    assert passed(grade("def f(x):\n    return float(x * x)\n", tests)) == [True, True]
    assert passed(grade("def f(x):\n    return int(x) + 1\n", tests)) == [False, False]
    assert passed(grade("", tests)) == [False, False]


def test_sandbox_sees_no_repository_secret_or_network_and_cannot_write(tmp_path):
    marker = tmp_path / "written-by-student"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.1)
    port = server.getsockname()[1]
    os.environ["COURSEWORK_SECRET"] = "must-not-reach-the-sandbox"
    try:
        code = f"""
import os, socket
def f():
    seen = {{"uid": os.getuid(), "cap": open("/proc/self/status").read().split("CapEff:")[1].split()[0],
            "env": sorted(os.environ), "root": sorted(os.listdir("/")),
            "repo": os.path.exists({str(REPO / 'assignments')!r}),
            "repo_listing": sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else [],
            "tmp_path": os.path.exists({str(tmp_path)!r}), "proc": sorted(p for p in os.listdir("/proc") if p.isdigit())}}
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=1)
        seen["net"] = "connected"
    except OSError as err:
        seen["net"] = type(err).__name__
    for path in ({str(marker)!r}, "/usr/written", "/opt/grader/written"):
        try:
            open(path, "w").write("x")
            seen.setdefault("written", []).append(path)
        except OSError:
            pass
    open("/tmp/scratch.txt", "w").write("the private /tmp is writable")
    seen["tmp"] = open("/tmp/scratch.txt").read()
    return seen
"""
        tests = [
            "_s = f()\nassert _s['uid'] != 0 and _s['cap'] == '0000000000000000', _s",
            "_s = f()\nassert 'COURSEWORK_SECRET' not in _s['env'] and not _s['repo'] and not _s['tmp_path'], _s",
            "_s = f()\nassert _s['net'] != 'connected' and 'written' not in _s, _s",
            "_s = f()\nassert _s['tmp'].startswith('the private') and len(_s['proc']) <= 3, _s",
            f"_s = f()\nassert set(_s['root']) <= {sandbox_root_may_hold()!r}, _s",
            f"_s = f()\nassert _s['repo_listing'] == {repository_may_hold()!r}, _s",
        ]
        assert passed(grade(code, tests)) == [True] * len(tests)
        with pytest.raises(OSError):
            server.accept()  # nobody connected
        assert not marker.exists()
    finally:
        os.environ.pop("COURSEWORK_SECRET", None)
        server.close()


def test_rebinding_builtins_or_patching_numpy_cannot_pass_a_check():
    wrong = "def f(x):\n    return 0.0\n"
    tricks = [
        "abs = lambda x: 0\n",
        "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n",
        "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\nmath.isclose = lambda *a, **k: True\n",
        "import sys, types\nsys.modules['numpy'] = types.SimpleNamespace(allclose=lambda *a, **k: True)\n",
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n",
        "class _T:\n    def __eq__(self, other):\n        return True\n    def __float__(self):\n        return 4.0\n"
        "def f(x):\n    return _T()\n",
        "print('과제 1 공개 테스트 통과')\nimport sys\nsys.stderr.write('ok\\n')\n",
    ]
    tests = [
        "assert abs(f(2.0) - 4.0) < 1e-9",
        "assert np.allclose(f(2.0), 4.0) and np.array_equal(np.asarray(f(2.0)), np.asarray(4.0))",
        "assert math.isclose(f(2.0), 4.0)",
        "assert f(2.0) == 4.0 and isinstance(f(2.0), float)",
    ]
    for trick in tricks:
        assert passed(grade(trick + wrong if "def f" not in trick else trick, tests)) == [False] * len(tests), trick


def test_forged_protocol_frames_carry_only_data():
    """A student who writes a fake 'reply' on every descriptor can at most answer a call with
    data; the check in the test process still decides."""
    code = """
import os, json
def f(x):
    frame = json.dumps({"ok": True, "result": 4.0}).encode()
    for fd in range(3, 30):
        try:
            os.write(fd, b"%08d" % len(frame) + frame)
        except OSError:
            pass
    return 0.0
"""
    results = grade(code, ["assert f(2.0) == 4.0", "assert f(3.0) == 9.0"])
    assert results[1]["passed"] is False


def test_loop_that_swallows_interrupts_costs_only_its_test():
    code = """
def f(x):
    if x < 0:
        while True:
            try:
                pass
            except:
                pass
    return float(x)
"""
    start = time.monotonic()
    results = grade(code, ["assert f(-1.0) == -1.0", "assert f(2.0) == 2.0"], limits={"cell_timeout": 2})
    assert passed(results) == [False, True]
    assert "시간 제한" in results[0]["error"]
    assert time.monotonic() - start < 20


def test_loop_while_defining_fails_the_task_within_the_time_limit():
    start = time.monotonic()
    results = grade("while True:\n    try:\n        pass\n    except BaseException:\n        pass\n",
                    ["assert f(1) == 1", "assert f(2) == 2"], limits={"load_timeout": 2})
    assert passed(results) == [False, False]
    assert time.monotonic() - start < 15


def test_exit_crash_memory_and_fork_bomb_are_contained():
    code = """
import os
def f(x):
    if x == 1:
        os._exit(0)
    if x == 2:
        return bytearray(10**11)
    if x == 3:
        pids = 0
        try:
            while True:
                if os.fork() == 0:
                    import time
                    time.sleep(30)
                    os._exit(0)
                pids += 1
        except OSError:
            return pids
    return float(x)
"""
    results = grade(code, [
        "f(1)",
        "try:\n    f(2)\nexcept MemoryError:\n    pass\nelse:\n    raise AssertionError('10**11 bytes were allocated')",
        "assert f(3) < 64",
        "assert f(5.0) == 5.0",
    ])
    assert passed(results) == [False, True, True, True], results


def test_generators_and_global_random_state_behave_as_in_one_process():
    code = """
def f(n, rng=None):
    rng = np.random.default_rng(rng)
    return rng.normal(size=n)

def g(n):
    return np.random.rand(n)
"""
    tests = [
        # a Generator passed in is advanced, as in a single process
        "_gen = np.random.default_rng(1)\n_a = f(3, rng=_gen)\n_b = f(3, rng=_gen)\nassert not np.array_equal(_a, _b)\n"
        "assert np.array_equal(_a, np.random.default_rng(1).normal(size=3))",
        # the global NumPy state used by the student is seen by the test
        "np.random.seed(5)\n_x = g(2)\nnp.random.seed(5)\nassert np.array_equal(_x, np.random.rand(2))",
        "np.random.seed(5)\n_state = np.random.get_state()[1].copy()\ng(2)\nassert np.array_equal(np.random.get_state()[1], _state)",
    ]
    assert passed(grade(code, tests, api=("f", "g"))) == [True, True, False]


def test_arguments_modified_in_place_stay_the_instructors():
    # the test's inputs are its own: what the student's code does to its copies never comes back
    # (else zeroing x in place zeroes the reference the test computes from x afterwards)
    code = "def f(a, b=None):\n    a *= 0\n    if b is not None:\n        b[...] = 7\n    return float(a.sum())\n"
    tests = ["_a = np.ones(3)\nassert f(_a) == 0.0\nassert np.array_equal(_a, np.ones(3))",
             "_a, _b = np.ones((2, 2)), np.arange(4)\nf(_a, b=_b)\nassert np.array_equal(_b, np.arange(4))",
             "_a = np.ones(3)\nf(_a)\nassert _a.sum() == 0, 'would pass only if the change came back'"]
    assert passed(grade(code, tests)) == [True, True, False]


def test_unsupported_return_values_and_exceptions():
    code = """
class Weird:
    pass

def f(kind):
    if kind == "object":
        return Weird()
    if kind == "lambda":
        return lambda: 1
    if kind == "value":
        raise ValueError("bad activation")
    class Custom(KeyError):
        pass
    raise Custom("x")
"""
    tests = [
        "f('object')",
        "f('lambda')",
        "try:\n    f('value')\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError",
        "try:\n    f('custom')\nexcept KeyError:\n    pass\nelse:\n    raise AssertionError",
    ]
    assert passed(grade(code, tests)) == [False, False, True, True]


def test_honest_string_scalars_and_zero_dimensional_arrays_cross_as_in_one_process():
    # np.where returns a 0-d array; np.str_, np.bytes_ and datetimes are NumPy scalars: an honest
    # answer returning them is graded as it runs in one Jupyter process
    code = """
def f(kind):
    if kind == "where":
        return np.where(kind == "where", "vanishing", np.where(False, "exploding", "stable"))
    if kind == "str_":
        return np.array(["stable", "x"])[0]
    if kind == "bytes_":
        return np.bytes_(b"ok")
    if kind == "date":
        return np.datetime64("2026-12-06")
    if kind == "zero_d":
        return np.array(2.5)
    if kind == "strings":
        return np.array(["a", "bc"])
    return np.array([object()])
"""
    tests = [
        "assert f('where') == 'vanishing'",
        "_r = f('where')\nassert isinstance(_r, np.ndarray) and _r.shape == () and _r.dtype.kind == 'U'",
        "_r = f('str_')\nassert _r == 'stable' and isinstance(_r, np.str_)",
        "assert f('bytes_') == b'ok' and isinstance(f('bytes_'), np.bytes_)",
        "assert f('date') == np.datetime64('2026-12-06')",
        "_r = f('zero_d')\nassert isinstance(_r, np.ndarray) and _r.shape == () and float(_r) == 2.5",
        "assert f('strings').tolist() == ['a', 'bc']",
        "f('object')",
    ]
    results = grade(code, tests)
    assert passed(results) == [True] * 7 + [False], results
    # what cannot cross says what to return instead
    assert "return numbers, strings" in results[-1]["error"], results[-1]


def test_spawned_generators_are_reproducible_as_in_one_process():
    code = """
def f(rng=None):
    child = np.random.default_rng(rng).spawn(1)[0]
    return child.random(3)
"""
    tests = [
        # what one process gives: the first child of the seed sequence of 9
        "assert np.array_equal(f(rng=np.random.default_rng(9)), np.random.default_rng(9).spawn(1)[0].random(3))",
        # two generators in the same state give the same answer (each decoded one used to get a
        # fresh random seed sequence)
        "_g1, _g2 = np.random.default_rng(9), np.random.default_rng(9)\nassert np.array_equal(f(rng=_g1), f(rng=_g2))",
        # the parent keeps count of its children: a second call spawns the next one
        "_g = np.random.default_rng(4)\n_a = f(rng=_g)\n_b = f(rng=_g)\nassert not np.array_equal(_a, _b)\n"
        "_ref = np.random.default_rng(4)\n_ref.spawn(1)\nassert np.array_equal(_b, _ref.spawn(1)[0].random(3))",
    ]
    results = grade(code, tests)
    assert passed(results) == [True, True, True], results


def test_a_huge_legal_reply_is_refused_without_costing_the_test_process_memory(tmp_path):
    """Millions of empty dicts fit in a legal reply (12 million in 48 MB) but cost gigabytes as
    Python objects (M3: 2.5 GB for one call). The
    reply is refused by its number of values before it is parsed; the test process has its own
    memory limit and reports its peak, which stays far below that."""
    from coursework import grade as grading

    limits = dict(LIMITS, cell_timeout=60, load_timeout=60)  # building the reply takes the sandbox seconds
    job = {"setup": SETUP, "api": ["f"], "limits": limits,
           "tasks": {"task1": {"seed": 0, "cells": [{"name": "answer", "source": "def f(x):\n    return [{}] * 4_000_000\n"}],
                               "tests": [{"grade_id": "t0", "points": 1, "source": "f(1)"},
                                         {"grade_id": "t1", "points": 1, "source": "assert len(f(2)) == 4_000_000"}]}}}
    run, problem = grading.run_runner(job, 300, tmp_path / "runner.log")
    assert run is not None, (problem, (tmp_path / "runner.log").read_text())
    tests = run["tasks"]["task1"]["tests"]
    assert [t["passed"] for t in tests] == [False, False]
    assert "NumPy array" in tests[0]["error"], tests
    assert run["peak_kb"] < 400 * 1024, run["peak_kb"]  # an honest run peaks near 70 MB here


def test_a_lone_surrogate_in_an_error_message_fails_only_that_test(tmp_path):
    # the test process's result is ASCII JSON: an exception message holding a lone surrogate
    # (from the student's code) used to crash it when it wrote the result
    from coursework import grade as grading

    job = {"setup": SETUP, "api": ["f"], "limits": LIMITS,
           "tasks": {"task1": {"seed": 0, "cells": [{"name": "answer", "source": "def f(x):\n    raise ValueError('\\ud83d')\n"}],
                               "tests": [{"grade_id": "t0", "points": 1, "source": "f(1)"},
                                         {"grade_id": "t1", "points": 1, "source": "assert 1 + 1 == 2"}]}}}
    run, problem = grading.run_runner(job, 120, tmp_path / "runner.log")
    assert run is not None, problem
    assert [t["passed"] for t in run["tasks"]["task1"]["tests"]] == [False, True]
