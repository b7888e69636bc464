"""Instructor commands for the weight-initialization coursework.

The assignment is kept as a MyST Markdown notebook under ``assignments/source/<name>.md``;
nbgrader cell metadata is written there as ``code-cell`` options (and ``+++ {...}`` for
Markdown cells). Every generated file lives in a working directory (default
``_build/coursework``) that holds the nbgrader course: ``source/``, ``release/``,
``submitted/``, ``results/``, ``gradebook.db`` and ``logs/``.

    python -m coursework release   [--workdir DIR] [--out DIR]
    python -m coursework init-secret [--secret-file PATH]
    python -m coursework autograde SUBMISSIONS_DIR [--jobs N] [--timeout SECONDS] [--secret-file PATH] [--shard K/N]
    python -m coursework merge     SHARD_WORKDIR [SHARD_WORKDIR ...]
    python -m coursework regrade   SUBMISSIONS_DIR STUDENT_ID [same options as autograde]
    python -m coursework import    ZIP SUBMISSIONS_DIR --roster ROSTER.csv [--lms canvas|moodle]
    python -m coursework export    CSV_PATH
    python -m coursework grades    CSV_PATH [--roster CSV] [--submissions-dir DIR] [--deadline T] [--late-penalty P]
    python -m coursework feedback  [--student ID] [--roster CSV] [--submissions-dir DIR] [--deadline T]
    python -m coursework manual-review [--student ID]
    python -m coursework manual-grade STUDENT GRADE_ID POINTS [--comment TEXT]

Submissions are read from ``SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb`` (or a Colab/Drive
copy name of it) and are never modified. Each is graded in a bubblewrap sandbox (see
:mod:`coursework.grade`). Grade cells are grouped into tasks by the prefix of their ``grade_id``
(``task3_hidden`` belongs to ``task3``), which gives the per-task columns of the exported CSV.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import DEFAULT_ASSIGNMENT, DEFAULT_WORKDIR, REPO, CourseworkError
from .export import cmd_export
from .feedback import cmd_feedback
from .grade import DEFAULT_SECRET_FILE, SECRET_ENV, cmd_init_secret
from .importer import cmd_import
from .manual import cmd_manual_grade, cmd_manual_review
from .regrade import cmd_regrade
from .release import cmd_release
from .shard import cmd_autograde as cmd_autograde_shard, cmd_merge, parse_shard
from .term import add_term_arguments, cmd_grades


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursework", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help=f"nbgrader course folder (gradebook, releases, grades); default {DEFAULT_WORKDIR}")
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                        help=f"assignment name = assignments/source/<name>.md; default {DEFAULT_ASSIGNMENT}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="make the nbgrader source from the text and the student release")
    p.add_argument("--out", type=Path, help="also copy the student notebook(s) to this folder")
    p.add_argument("--timeout", type=int, default=30, help="per-cell execution timeout in seconds (default 30)")
    p.set_defaults(func=cmd_release)

    grading = argparse.ArgumentParser(add_help=False)
    grading.add_argument("--timeout", type=int, default=30, help="per-cell execution timeout in seconds (default 30)")
    grading.add_argument("--notebook-timeout", type=float, default=None,
                          help="wall-clock limit per student; default timeout x (2 x test cells + tasks + 2) + 60 s")
    grading.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1),
                          help="submissions graded in parallel (default $JOBS, else the number of cores)")
    grading.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of a sandbox (default 2048 MB)")
    grading.add_argument("--secret-file", type=Path, default=None,
                          help=f"instructor secret for the hidden inputs (default ${SECRET_ENV}, else {DEFAULT_SECRET_FILE})")

    p = sub.add_parser("autograde", parents=[grading],
                       help="grade copies of SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    p.add_argument("--shard", type=parse_shard, default=None, metavar="K/N",
                   help="grade only shard K of N (a fixed share by student id), for several machines; see merge")
    p.set_defaults(func=cmd_autograde_shard)

    p = sub.add_parser("merge", help="combine the course folders of autograde --shard 1/N ... N/N into --workdir")
    p.add_argument("shards", type=Path, nargs="+", metavar="SHARD_WORKDIR")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("regrade", parents=[grading], help="grade one student's submission again, alone")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    p.add_argument("student", metavar="STUDENT_ID")
    p.set_defaults(func=cmd_regrade)

    p = sub.add_parser("init-secret", help=f"create the instructor's grading secret (default {DEFAULT_SECRET_FILE})")
    p.add_argument("--secret-file", type=Path, default=None, help="where to write it")
    p.add_argument("--force", action="store_true", help="replace an existing secret")
    p.set_defaults(func=cmd_init_secret)

    p = sub.add_parser("import", help="unpack a Canvas or Moodle submission zip into SUBMISSIONS_DIR/<id>/")
    p.add_argument("archive", type=Path, metavar="ZIP")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    p.add_argument("--roster", type=Path, required=True, help="CSV id,name[,lms_id] that maps LMS users to ids")
    p.add_argument("--lms", choices=["auto", "canvas", "moodle"], default="auto")
    p.add_argument("--tz", default="+09:00", help="UTC offset of the times stored in the zip (default +09:00)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the plain grade table (student, points per task, total) as CSV")
    p.add_argument("csv_path", type=Path, metavar="CSV_PATH")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("grades", help="the term's grade table for Excel: roster, 미제출, late policy (UTF-8 with BOM)")
    p.add_argument("csv_path", type=Path, metavar="CSV_PATH")
    add_term_arguments(p)
    p.set_defaults(func=cmd_grades)

    p = sub.add_parser("feedback", help="write feedback/<assignment>/<student>.html for every student")
    p.add_argument("--student", help="only this student")
    add_term_arguments(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("manual-review", help="print the written answers that wait for points")
    p.add_argument("--student", help="only this student")
    p.set_defaults(func=cmd_manual_review)

    p = sub.add_parser("manual-grade", help="record the points (and a comment) of a hand-graded cell")
    p.add_argument("student")
    p.add_argument("grade_id")
    p.add_argument("points", type=float)
    p.add_argument("--comment", help="shown to the student in the feedback file")
    p.set_defaults(func=cmd_manual_grade)

    args = parser.parse_args(argv)
    for name in ("workdir", "submissions", "csv_path", "out", "secret_file", "archive", "roster", "times",
                 "submissions_dir"):
        value = getattr(args, name, None)
        if isinstance(value, Path):
            setattr(args, name, value.expanduser().absolute())
    workdir_resolved = args.workdir.resolve()
    for protected in (REPO / "assignments", REPO / "chapters", REPO / "weightinit"):
        if workdir_resolved == protected or protected in workdir_resolved.parents:
            print(f"error: --workdir must not be inside the sources ({protected})", file=sys.stderr)
            return 2
    try:
        return args.func(args)
    except CourseworkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
