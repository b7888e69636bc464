#!/usr/bin/env python
"""Instructor commands for the weight-initialization coursework (nbgrader).

The assignment is kept as a MyST Markdown notebook under ``assignments/source/<name>.md``;
nbgrader cell metadata is written there as ``code-cell`` options (and ``+++ {...}`` for
Markdown cells). Every generated file lives in a working directory (default
``_build/coursework``) that holds the nbgrader course: ``source/``, ``release/``,
``submitted/``, ``autograded/``, ``gradebook.db`` and ``logs/``.

    python scripts/coursework.py release   [--workdir DIR] [--out DIR]
    python scripts/coursework.py autograde SUBMISSIONS_DIR [--workdir DIR] [--timeout SECONDS]
    python scripts/coursework.py export    CSV_PATH [--workdir DIR]
    python scripts/coursework.py manual-grade STUDENT GRADE_ID POINTS [--workdir DIR]

Submissions are read from ``SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb`` and are never
modified: they are copied into the working directory and the copies are graded.
Grade cells are grouped into tasks by the prefix of their ``grade_id`` (``task3_hidden`` belongs
to ``task3``), which gives the per-task columns of the exported CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "assignments" / "source"
DEFAULT_WORKDIR = REPO / "_build" / "coursework"
DEFAULT_ASSIGNMENT = "weight_init"
COURSE_ID = "weightinit"
STATUS_FILE = "grading_status.json"

NBGRADER_DEFAULTS = {"grade": False, "locked": False, "solution": False, "task": False, "schema_version": 3}
TASK_ID = re.compile(r"^(task\d+)_[A-Za-z0-9_]+$")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CourseworkError(Exception):
    """An error with a message meant for the instructor (no traceback)."""


# --------------------------------------------------------------------------- conversion


def task_of(grade_id: str) -> str | None:
    """The task a grade cell belongs to (``task3_hidden`` -> ``task3``), or None."""
    match = TASK_ID.match(grade_id)
    return match.group(1) if match else None


def task_sort_key(task: str) -> int:
    return int(task[len("task"):])


def build_source_notebook(md_path: Path):
    """Read the MyST text, complete the nbgrader metadata and check it."""
    import jupytext
    import nbformat

    if not md_path.is_file():
        raise CourseworkError(f"assignment source not found: {md_path}")
    nb = jupytext.read(md_path, fmt="md:myst")
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            cell["id"] = f"cell-{index:02d}"
            continue
        full = dict(NBGRADER_DEFAULTS)
        full.update(meta)
        grade_id = full.get("grade_id")
        where = f"{md_path.name}, cell {index}"
        if not grade_id or not re.fullmatch(r"[A-Za-z0-9_-]+", str(grade_id)):
            raise CourseworkError(f"{where}: nbgrader cell needs a grade_id of letters, digits, '_' or '-'")
        if grade_id in seen:
            raise CourseworkError(f"{where}: duplicate grade_id {grade_id!r}")
        seen.add(grade_id)
        if full["grade"]:
            if not isinstance(full.get("points"), (int, float)) or full["points"] <= 0:
                raise CourseworkError(f"{where}: grade cell {grade_id!r} needs positive 'points'")
            if task_of(grade_id) is None:
                raise CourseworkError(f"{where}: grade cell {grade_id!r} must be named task<N>_<part>")
        if full["solution"] and cell.cell_type == "code" and "### BEGIN SOLUTION" not in cell.source:
            raise CourseworkError(f"{where}: solution cell {grade_id!r} has no ### BEGIN SOLUTION region")
        if "### BEGIN HIDDEN TESTS" in cell.source and not (full["grade"] and not full["solution"]):
            raise CourseworkError(f"{where}: hidden tests belong in a grade (test) cell, not {grade_id!r}")
        cell.metadata["nbgrader"] = full
        cell["id"] = str(grade_id)
    nbformat.validate(nb)
    return nb


def task_points(nb) -> dict[str, float]:
    """Maximum points per task, from the nbgrader metadata of a notebook."""
    points: dict[str, float] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            task = task_of(meta["grade_id"])
            points[task] = points.get(task, 0.0) + float(meta["points"])
    return dict(sorted(points.items(), key=lambda item: task_sort_key(item[0])))


# --------------------------------------------------------------------------- nbgrader plumbing


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader: its virtualenv's bin/ first on PATH (alembic, kernel python)."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # one BLAS thread per kernel: on a busy machine threaded BLAS was 5-30x slower here, which
    # pushes honest cells towards the per-cell timeout
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def write_course_config(workdir: Path, timeout: int) -> None:
    config = f"""\
# Generated by scripts/coursework.py; edits are overwritten.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {str(workdir)!r}
c.CourseDirectory.course_id = {COURSE_ID!r}
c.ClearSolutions.code_stub = {{"python": "# 여기에 코드를 작성하세요\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "여기에 답을 쓰세요."
c.Execute.timeout = {int(timeout)}
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
# a deleted test cell is put back (and graded) instead of being lost
c.OverwriteCells.add_missing_cells = True
"""
    (workdir / "nbgrader_config.py").write_text(config, encoding="utf-8")


def run_nbgrader(workdir: Path, args: list[str], log_path: Path, limit: float | None = None) -> tuple[int, str]:
    """Run ``nbgrader ARGS`` in the course directory (see :func:`run_limited`)."""
    return run_limited([sys.executable, "-m", "nbgrader", *args], workdir, log_path, limit)


def run_limited(command: list[str], cwd: Path, log_path: Path, limit: float | None = None) -> tuple[int, str]:
    """Run ``command`` with its output in ``log_path``; after ``limit`` seconds kill its whole
    process group (nbgrader and the kernels it started) and return -9."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=nbgrader_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = -9
    return code, log_path.read_text(encoding="utf-8", errors="replace")


def require_release(workdir: Path, assignment: str) -> Path:
    source_nb = workdir / "source" / assignment / f"{assignment}.ipynb"
    if not (workdir / "gradebook.db").is_file() or not source_nb.is_file():
        raise CourseworkError(
            f"no released assignment {assignment!r} in {workdir}; run `coursework.py release` first"
        )
    return source_nb


# --------------------------------------------------------------------------- commands


def cmd_release(args) -> int:
    import nbformat

    workdir: Path = args.workdir
    md_path = SOURCE_DIR / f"{args.assignment}.md"
    nb = build_source_notebook(md_path)
    workdir.mkdir(parents=True, exist_ok=True)
    write_course_config(workdir, args.timeout)
    source_dir = workdir / "source" / args.assignment
    if source_dir.exists():
        shutil.rmtree(source_dir)
    source_dir.mkdir(parents=True)
    nbformat.write(nb, source_dir / f"{args.assignment}.ipynb")
    start = time.monotonic()
    code, log = run_nbgrader(
        workdir, ["generate_assignment", args.assignment, "--force"], workdir / "logs" / "release.log"
    )
    if code != 0:
        sys.stderr.write(log)
        raise CourseworkError(f"nbgrader generate_assignment failed (exit {code}); log above")
    release_dir = workdir / "release" / args.assignment
    print(f"released {args.assignment} in {time.monotonic() - start:.1f} s: {release_dir}")
    for task, points in task_points(nb).items():
        print(f"  {task}: {points:g} points")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for path in sorted(release_dir.iterdir()):
            if path.is_file():
                shutil.copy2(path, args.out / path.name)
        print(f"copied the student release to {args.out}")
    return 0


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


def read_grades(workdir: Path, assignment: str):
    """Per-student, per-task scores from the gradebook: (tasks with max points, rows)."""
    import warnings

    warnings.simplefilter("ignore")  # SQLAlchemy/nbgrader deprecation noise
    from nbgrader.api import Gradebook, MissingEntry

    status_path = workdir / STATUS_FILE
    status = json.loads(status_path.read_text(encoding="utf-8")).get(assignment, {}) if status_path.is_file() else {}
    rows = []
    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}", COURSE_ID) as gb:
        try:
            db_assignment = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseworkError(f"assignment {assignment!r} is not in the gradebook; run release first")
        maxima: dict[str, float] = {}
        for notebook in db_assignment.notebooks:
            for cell in notebook.grade_cells:
                task = task_of(cell.name) or cell.name
                maxima[task] = maxima.get(task, 0.0) + float(cell.max_score)
        tasks = sorted(maxima, key=lambda t: task_sort_key(t) if TASK_ID.match(t + "_x") else 10**6)
        students = sorted(set(status) | {s.id for s in gb.students})
        for student in students:
            state = status.get(student, "ok")
            scores: dict[str, float] = {task: 0.0 for task in tasks}
            pending: set[str] = set()
            graded = False
            if state == "ok":
                try:
                    submission = gb.find_submission(assignment, student)
                except MissingEntry:
                    submission = None
                if submission is not None:
                    graded = True
                    for notebook in submission.notebooks:
                        for grade in notebook.grades:
                            task = task_of(grade.name) or grade.name
                            if grade.needs_manual_grade and grade.manual_score is None:
                                pending.add(task)
                            scores[task] += float(grade.score or 0.0)
            if not graded and state == "ok":
                continue  # a student in the database without a submission for this assignment
            rows.append((student, state, scores if graded else None, pending))
    return maxima, tasks, rows


def cmd_export(args) -> int:
    workdir: Path = args.workdir.resolve()
    require_release(workdir, args.assignment)
    maxima, tasks, rows = read_grades(workdir, args.assignment)
    args.csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(args.csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *tasks, "total", "max_total", "pending_manual", "status"])
        for student, state, scores, pending in rows:
            if scores is None:
                writer.writerow([student, *[""] * len(tasks), "", f"{sum(maxima.values()):g}", "", state])
                continue
            cells = ["" if task in pending else f"{scores[task]:g}" for task in tasks]
            total = sum(scores[task] for task in tasks if task not in pending)
            writer.writerow(
                [student, *cells, f"{total:g}", f"{sum(maxima.values()):g}", " ".join(sorted(pending)), state]
            )
    print(f"wrote {len(rows)} rows to {args.csv_path}")
    print("max points: " + ", ".join(f"{task} {maxima[task]:g}" for task in tasks))
    return 0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coursework.py", description=__doc__.split("\n\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
