"""Autograding a folder of submissions, and recording hand-graded points."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from .common import COURSE_ID, STATUS_FILE, STUDENT_ID, CourseworkError, require_release
from .release import write_course_config
from .sandbox import run_nbgrader


def check_submission(path: Path, expected_ids: set[str]) -> tuple[str | None, str | None]:
    """Return (why the notebook cannot be graded, a warning), each None when there is none."""
    import nbformat

    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except UnicodeDecodeError:
        return "not UTF-8 text", None
    except json.JSONDecodeError as err:
        return f"not a notebook (invalid JSON: {err.msg} at line {err.lineno})", None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        return "not a Jupyter notebook in format 4 (missing 'nbformat': 4 or 'cells')", None
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several validation error types
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"invalid notebook: {first_line}", None
    present = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells}
    if not present & expected_ids:
        return "none of the assignment's cells found (another notebook, or its cell metadata was removed)", None
    missing = sorted(expected_ids - present)
    if missing:
        return None, (
            "cells deleted: " + ", ".join(missing)
            + " (deleted test cells are put back and graded; a deleted answer scores 0)"
        )
    return None, None


def collect_submissions(submissions: Path, assignment: str, expected_ids: set[str]):
    """Split SUBMISSIONS/<student>/<assignment>.ipynb into gradable and rejected entries."""
    if not submissions.exists():
        raise CourseworkError(f"submissions folder not found: {submissions}")
    if not submissions.is_dir():
        raise CourseworkError(f"not a folder: {submissions}")
    notebook = f"{assignment}.ipynb"
    gradable: dict[str, Path] = {}
    rejected: dict[str, str] = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            rejected[entry.name] = f"{entry}: expected a folder per student ({submissions}/<student_id>/{notebook})"
            continue
        if not STUDENT_ID.match(entry.name):
            rejected[entry.name] = f"{entry}: student id may use only letters, digits, '.', '_' and '-'"
            continue
        path = entry / notebook
        if not path.is_file():
            found = ", ".join(p.name for p in sorted(entry.glob("*.ipynb"))) or "no notebook"
            rejected[entry.name] = f"{path}: missing ({found} found)"
            continue
        problem, warning = check_submission(path, expected_ids)
        if problem:
            rejected[entry.name] = f"{path}: {problem}"
            continue
        if warning:
            print(f"warning: {path}: {warning}", file=sys.stderr)
        gradable[entry.name] = path
    if not gradable and not rejected:
        raise CourseworkError(f"no submissions in {submissions} (expected <student_id>/{notebook})")
    return gradable, rejected


def cmd_autograde(args) -> int:
    if not args.submissions.is_dir():
        what = "not a folder" if args.submissions.exists() else "submissions folder not found"
        raise CourseworkError(f"{what}: {args.submissions}")
    import nbformat

    workdir: Path = args.workdir.resolve()
    source_nb_path = require_release(workdir, args.assignment)
    source_nb = nbformat.read(source_nb_path, as_version=4)
    expected_ids = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in source_nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id")
    }
    gradable, rejected = collect_submissions(args.submissions.resolve(), args.assignment, expected_ids)
    for reason in rejected.values():
        print(f"error: malformed submission, not graded: {reason}", file=sys.stderr)
    write_course_config(workdir, args.timeout)
    n_code = sum(cell.cell_type == "code" for cell in source_nb.cells)
    limit = args.notebook_timeout or args.timeout * (n_code + 2) + 60

    status_path = workdir / STATUS_FILE
    status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.is_file() else {}
    status = status.get(args.assignment, {}) if isinstance(status.get(args.assignment), dict) else {}
    for student, reason in rejected.items():
        status[student] = "malformed: " + reason

    # grade copies: submitted/<student>/<assignment>/ is replaced for the students of this batch
    # only; earlier batches keep their copies, grades and autograded notebooks
    submitted_root = workdir / "submitted"
    for student, path in gradable.items():
        target = submitted_root / student / args.assignment
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(path, target / path.name)  # the submission itself is only read
        old_output = workdir / "autograded" / student / args.assignment
        if old_output.exists():
            shutil.rmtree(old_output)
    others = sorted(p.name for p in submitted_root.iterdir() if p.is_dir() and p.name not in gradable) \
        if submitted_root.is_dir() else []

    failures = 0
    if gradable:
        start = time.monotonic()
        # one nbgrader process for the batch (its start-up alone takes seconds); each cell is
        # interrupted after --timeout, and the whole batch is killed after the wall-clock limit
        code, log = run_nbgrader(
            workdir,
            ["autograde", args.assignment, "--force"]
            + ([f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []),
            workdir / "logs" / "autograde.log",
            limit=limit * len(gradable),
        )
        elapsed = time.monotonic() - start
        for student in gradable:
            output = workdir / "autograded" / student / args.assignment / f"{args.assignment}.ipynb"
            if output.is_file():
                status[student] = "ok"
            else:
                failures += 1
                why = f"killed after {limit * len(gradable):.0f} s" if code == -9 else f"nbgrader exit {code}"
                status[student] = f"grading failed ({why})"
                print(f"error: grading {student} failed ({why}); see {workdir / 'logs' / 'autograde.log'}",
                      file=sys.stderr)
        print(f"autograded {len(gradable)} submission(s) in {elapsed:.1f} s")

    all_status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.is_file() else {}
    all_status[args.assignment] = status
    status_path.write_text(json.dumps(all_status, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"{len(gradable) - failures} graded, {failures} failed, {len(rejected)} malformed")
    return 1 if failures or rejected else 0


def cmd_manual_grade(args) -> int:
    import warnings

    warnings.simplefilter("ignore")
    from nbgrader.api import Gradebook, MissingEntry

    workdir: Path = args.workdir.resolve()
    require_release(workdir, args.assignment)
    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}", COURSE_ID) as gb:
        try:
            grade = gb.find_grade(args.grade_id, args.assignment, args.assignment, args.student)
        except MissingEntry:
            raise CourseworkError(f"no grade {args.grade_id!r} for student {args.student!r}; autograde first")
        maximum = float(grade.max_score)
        if not 0 <= args.points <= maximum:
            raise CourseworkError(f"points must be between 0 and {maximum:g}")
        grade.manual_score = args.points
        grade.needs_manual_grade = False
        gb.db.commit()
    print(f"{args.student} {args.grade_id}: {args.points:g} / {maximum:g}")
    return 0
