"""The test process of one submission (trusted: it never executes the student's code).

It reads a job (JSON on stdin: the instructor's setup and test cells, the student's cells per task,
the secret-derived seed per task, limits), starts the student's side in a fresh bubblewrap sandbox
for each task
(:mod:`.sandbox`, :mod:`.student_server`) and runs every test cell here, in a fresh namespace in
which the task's functions are proxies: a call sends its arguments to the sandbox and gets back
data only. A rebound builtin, a patched NumPy, an IPython hook or printed "test passed" in the
student's code therefore cannot change a check. The result (JSON on stdout) is written by this
process alone.

**Inputs are the instructor's.** A test's arguments cross to the sandbox as copies, and what the
student's code does to them there never flows back: an array the test passed in holds the same
values after the call, so an expected value computed from it afterwards comes from inputs the
student's code never held (zeroing ``x`` in place cannot make the reference curve zero too).
Only random state flows back, as in one process: the state of a ``Generator`` argument
(including the children ``spawn`` took from its seed sequence) and NumPy's global state.

A call that does not answer within the cell's time limit, or a sandbox that exits (``os._exit``,
a crash, memory), fails the test that made it; the sandbox is killed and a fresh one serves the
next test, so a loop costs only its own task.
"""

from __future__ import annotations

import builtins
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback

import numpy as np

from . import wire
from .sandbox import limit_resources, sandbox_command, sandbox_launch_env


class SandboxTimeout(Exception):
    """The student's code did not answer within the time limit."""


class SandboxDied(Exception):
    """The student's process ended or broke the protocol."""


class StudentProcess:
    def __init__(self, limits: dict):
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self.loaded: dict[str, list[str]] = {}
        self.restarts = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            sandbox_command(os.getpid(), processes=self.limits["processes"]),
            # bwrap stays the sandbox's process 1, and without a user id of its own (grading as a
            # normal user) the student's code may read /proc/1/environ: give it nothing to read
            env=sandbox_launch_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=limit_resources(self.limits["memory_bytes"], self.limits["cpu_seconds"],
                                       self.limits["processes"]),
        )
        self.loaded = {}

    def kill(self, counted: bool = True) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None
            self.restarts += counted

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, remaining = [], n
        while remaining:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise SandboxTimeout()
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise SandboxTimeout()
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise SandboxDied("the student's process ended")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def request(self, message: dict, deadline: float) -> dict:
        if self.proc is None:
            self.start()
        try:
            wire.send(self.proc.stdin, message)
            header = self._read(8, deadline)
            if not header.isdigit() or int(header) > wire.MAX_MESSAGE:
                raise SandboxDied("malformed reply from the student's process")
            return wire.parse(self._read(int(header), deadline))
        except (BrokenPipeError, SandboxDied, ValueError, UnicodeDecodeError, RecursionError, wire.WireError) as err:
            self.kill()
            raise SandboxDied(str(err) or "the student's process ended") from None
        except SandboxTimeout:
            self.kill()
            raise

    def ensure_loaded(self, task: str, setup: str, cells: list[dict], deadline: float) -> list[str]:
        if self.proc is not None and task in self.loaded:
            return self.loaded[task]
        reply = self.request({"op": "load", "task": task, "setup": setup, "cells": cells}, deadline)
        errors = reply.get("errors")
        # short strings only: the reply may be a frame the student's code wrote itself
        self.loaded[task] = [e[:300] for e in errors if isinstance(e, str)][:20] if isinstance(errors, list) else []
        return self.loaded[task]


def exception_class(names: list[str]) -> type[BaseException]:
    """The builtin exception a student's error is raised as in the test. StopIteration and
    StopAsyncIteration are never re-raised: inside ``map``, ``filter`` or a ``for`` loop over
    them they end the iteration silently, so a test such as ``assert all(map(check, inputs))``
    would pass without a single check. They become RuntimeError, as Python does for generators."""
    for name in names:
        if not isinstance(name, str):
            continue
        candidate = getattr(builtins, name, None)
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            if issubclass(candidate, (StopIteration, StopAsyncIteration)):
                return RuntimeError
            return candidate
    return RuntimeError


class Task:
    """Grading state of one task: the sandbox calls made on behalf of its test cells."""

    def __init__(self, student: StudentProcess, name: str, setup: str, cells: list[dict], load_timeout: float):
        self.student, self.name, self.setup, self.cells = student, name, setup, cells
        self.load_timeout = load_timeout
        self.deadline = 0.0
        self.load_failed: str | None = None
        self.errors: list[str] = []

    def proxy(self, function_name: str):
        def call(*args, **kwargs):
            return self.call(function_name, args, kwargs)

        call.__name__ = function_name
        return call

    def call(self, function_name: str, args: tuple, kwargs: dict):
        if self.load_failed:
            raise RuntimeError(self.load_failed)
        try:
            errors = self.student.ensure_loaded(self.name, self.setup, self.cells,
                                                time.monotonic() + self.load_timeout)
        except SandboxTimeout:
            self.load_failed = "답안 셀의 실행이 시간 제한 안에 끝나지 않았습니다"
            raise RuntimeError(self.load_failed) from None
        except SandboxDied as err:
            self.load_failed = f"답안 셀을 실행하던 프로세스가 끝났습니다 ({err})"
            raise RuntimeError(self.load_failed) from None
        self.errors = errors
        message = {
            "op": "call", "task": self.name, "name": function_name,
            "args": wire.encode(list(args)), "kwargs": wire.encode(dict(kwargs)),
            "np_global": wire.encode(np.random.get_state()),
        }
        try:
            reply = self.student.request(message, self.deadline)
        except SandboxTimeout:
            raise TimeoutError(f"{function_name}: 시간 제한 안에 답하지 않았습니다") from None
        except SandboxDied as err:
            raise RuntimeError(f"{function_name}: 학생 코드의 프로세스가 끝났습니다 ({err})") from None
        if not reply.get("ok"):
            names = [reply.get("exc_type", "")] + list(reply.get("exc_mro", []))
            raise exception_class(names)(str(reply.get("message", ""))[:300])
        try:
            if reply.get("np_global") is not None:
                np.random.set_state(wire.decode(reply["np_global"]))
            # array arguments are never written back (see the module's docstring); generators are
            for arg, state in zip(args, reply.get("generators") or []):
                if state is not None and isinstance(arg, np.random.Generator):
                    follow_generator(arg, wire.decode(state))
            for key, state in (reply.get("generators_kw") or {}).items():
                if isinstance(kwargs.get(key), np.random.Generator):
                    follow_generator(kwargs[key], wire.decode(state))
            return wire.decode(reply["result"])
        except (wire.WireError, KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
            raise RuntimeError(f"{function_name}: 반환값을 읽을 수 없습니다 ({err})") from None


MAX_SPAWNED = 10_000  # children one call may take from a generator's seed sequence


def follow_generator(mine: np.random.Generator, theirs: np.random.Generator) -> None:
    """Give the test's generator the state the student's copy ended with: its bit generator's
    state, and the children ``spawn`` took from its seed sequence (the count cannot be set, so
    the same number is spawned here and dropped)."""
    mine.bit_generator.state = theirs.bit_generator.state
    ours, later = getattr(mine.bit_generator, "seed_seq", None), getattr(theirs.bit_generator, "seed_seq", None)
    if isinstance(ours, np.random.SeedSequence) and isinstance(later, np.random.SeedSequence):
        extra = later.n_children_spawned - ours.n_children_spawned
        if extra > MAX_SPAWNED:
            raise wire.WireError(f"more than {MAX_SPAWNED} generators spawned in one call")
        if extra > 0:
            ours.spawn(extra)


def short_error(err: BaseException) -> str:
    lines = "".join(traceback.format_exception_only(type(err), err)).strip().splitlines()
    return (lines[-1] if lines else type(err).__name__)[:300]


def run_job(job: dict) -> dict:
    limits = job["limits"]
    student = StudentProcess(limits)
    results: dict = {}
    try:
        for task, spec in job["tasks"].items():
            state = Task(student, task, job["setup"], spec["cells"], limits["load_timeout"])
            tests = []
            for test in spec["tests"]:
                ns: dict = {"__name__": "__grading__"}
                exec(compile(job["setup"], "<setup>", "exec"), ns)
                ns["GRADING_SEED"] = int(spec["seed"])
                for name in job["api"]:
                    ns[name] = state.proxy(name)
                state.deadline = time.monotonic() + limits["cell_timeout"]
                np.random.seed(None)
                try:
                    exec(compile(test["source"], f"<{test['grade_id']}>", "exec"), ns)
                except BaseException as err:  # noqa: BLE001 - a failed test, recorded
                    tests.append({"grade_id": test["grade_id"], "passed": False, "error": short_error(err)})
                else:
                    tests.append({"grade_id": test["grade_id"], "passed": True, "error": ""})
            results[task] = {"tests": tests, "cell_errors": state.errors, "load_failed": state.load_failed}
            student.kill(counted=False)  # every task starts in a fresh sandbox: no task can disturb another
    finally:
        student.kill(counted=False)
    return {"tasks": results, "restarts": student.restarts}


def main() -> int:
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    # the result is the only thing on the real stdout: what the test cells print goes to stderr
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    result = run_job(job)
    import resource

    result["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # this process's own peak
    result_stream.write(json.dumps(result, ensure_ascii=True))  # a lone surrogate cannot break it
    result_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
