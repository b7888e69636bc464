"""Coursework for the weight-initialization chapter: release, sandboxed grading, export.

Modules: :mod:`.release` (MyST text -> nbgrader release), :mod:`.sandbox` (the bubblewrap
sandbox and resource limits), :mod:`.grade` (reading submissions, autograding, flags, secret),
:mod:`.runner` (the trusted test process of one submission), :mod:`.student_server` and
:mod:`.wire` (the student's side inside the sandbox and the data-only messages),
:mod:`.export` (grade table), :mod:`.importer` (LMS archives), :mod:`.cli` (``python -m coursework``).
"""

from .common import (
    COURSE_ID,
    DEFAULT_ASSIGNMENT,
    DEFAULT_WORKDIR,
    REPO,
    SOURCE_DIR,
    STUDENT_ID,
    TASK_ID,
    CourseworkError,
    require_release,
    task_of,
    task_sort_key,
)
from .export import read_grades
from .grade import Assignment, collect_submissions, load_secret, parse_submission, tamper_signs, task_seed
from .release import build_source_notebook, task_points, write_course_config
from .sandbox import nbgrader_env, run_limited, run_nbgrader

__all__ = [
    "COURSE_ID", "DEFAULT_ASSIGNMENT", "DEFAULT_WORKDIR", "REPO", "SOURCE_DIR", "STUDENT_ID", "TASK_ID",
    "CourseworkError", "require_release", "task_of", "task_sort_key", "read_grades",
    "collect_submissions", "Assignment", "load_secret", "parse_submission", "tamper_signs", "task_seed", "build_source_notebook", "task_points", "write_course_config", "nbgrader_env",
    "run_limited", "run_nbgrader",
]
