"""Shared names of the coursework package: paths, the error type, task ids."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Where the assignments' MyST sources are. The graded term's sources (solutions, hidden tests)
# can live in a private folder or repository: set COURSEWORK_SOURCE to it.
SOURCE_ENV = "COURSEWORK_SOURCE"
SOURCE_DIR = Path(os.environ.get(SOURCE_ENV) or REPO / "assignments" / "source").expanduser()
DEFAULT_WORKDIR = REPO / "_build" / "coursework"
DEFAULT_ASSIGNMENT = "weight_init"
COURSE_ID = "weightinit"
STATUS_FILE = "grading_status.json"

NBGRADER_DEFAULTS = {"grade": False, "locked": False, "solution": False, "task": False, "schema_version": 3}
TASK_ID = re.compile(r"^(task\d+)_[A-Za-z0-9_]+$")
# letters of any script (Korean ids), digits, ".", "_", "-"; no leading dot or separator
STUDENT_ID = re.compile(r"^[^\W_][\w.-]*$")


class CourseworkError(Exception):
    """An error with a message meant for the instructor (no traceback)."""


def task_of(grade_id: str) -> str | None:
    """The task a grade cell belongs to (``task3_hidden`` -> ``task3``), or None."""
    match = TASK_ID.match(grade_id)
    return match.group(1) if match else None


def task_sort_key(task: str) -> int:
    return int(task[len("task"):])


def require_release(workdir: Path, assignment: str) -> Path:
    source_nb = workdir / "source" / assignment / f"{assignment}.ipynb"
    if not (workdir / "gradebook.db").is_file() or not source_nb.is_file():
        raise CourseworkError(
            f"no released assignment {assignment!r} in {workdir}; run `coursework.py release` first"
        )
    return source_nb
