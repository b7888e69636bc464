""""""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import DEFAULT_ASSIGNMENT, DEFAULT_WORKDIR, REPO, CourseworkError
from .export import cmd_export
from .grade import cmd_autograde, cmd_manual_grade
from .release import cmd_release


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

    p = sub.add_parser("autograde", help="grade copies of SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    p.add_argument("--timeout", type=int, default=30, help="per-cell execution timeout in seconds (default 30)")
    p.add_argument("--notebook-timeout", type=float, default=None,
                   help="wall-clock limit per student; default timeout x (code cells + 2) + 60 s")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("export", help="write the grade table (student, points per task, total) as CSV")
    p.add_argument("csv_path", type=Path, metavar="CSV_PATH")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("manual-grade", help="record the points of a hand-graded cell")
    p.add_argument("student")
    p.add_argument("grade_id")
    p.add_argument("points", type=float)
    p.set_defaults(func=cmd_manual_grade)

    args = parser.parse_args(argv)
    for name in ("workdir", "submissions", "csv_path", "out"):
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
