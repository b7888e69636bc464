"""One `coursework release` per assignment for the whole test run, copied to each test's folder.

Releasing runs nbgrader (generate_assignment and a fresh gradebook), several seconds of CPU
each time; the released course folder depends only on the assignment's source text. Tests that
grade, export or merge need a released course of their own (they write its gradebook), so each
gets a copy of one pristine release made by the real command. The copy is what the command
would have produced in that folder: its nbgrader configuration is written again for the folder
and the timeout, by the function `release` uses. Tests of the release itself release on their
own (test_coursework.py).

With pytest-xdist the workers of one run share the pristine release (a file lock decides who
makes it); the workers' common folder is the run's own, so two runs never share one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import coursework as cw

_MADE: dict[str, Path] = {}


def _shared_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's basetemp is <run>/popen-gwN; <run> belongs to this run only
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pristine_release(tmp_path_factory, assignment: str) -> Path:
    """The course folder of one `python -m coursework --assignment A release`, made once per run.
    Never write to it: copy it with :func:`released_course`."""
    if assignment in _MADE:
        return _MADE[assignment]
    from test_coursework import run_script

    shared = _shared_folder(tmp_path_factory)
    folder = shared / f"pristine-release-{assignment}"
    done = shared / f"pristine-release-{assignment}.done"
    with open(shared / f"pristine-release-{assignment}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            run_script("--assignment", assignment, "release", workdir=folder)
            done.write_text("released\n", encoding="utf-8")
    _MADE[assignment] = folder
    return folder


def released_course(tmp_path_factory, assignment: str, dest: Path, timeout: int = 30) -> Path:
    """``dest`` (absent or empty) becomes a released course of ``assignment``, as
    ``release --timeout TIMEOUT --workdir DEST`` leaves it."""
    source = pristine_release(tmp_path_factory, assignment)
    shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
    cw.write_course_config(dest, timeout)
    return dest
