"""The grade table: per-student, per-task scores from the gradebook, written as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .common import (
    COURSE_ID,
    TASK_ID,
    CourseworkError,
    atomic_write_text,
    read_json_record,
    read_status,
    require_release,
    spreadsheet_cell,
    task_of,
    task_sort_key,
    terminal_safe,
)


def read_grades(workdir: Path, assignment: str):
    """Per-student, per-task scores from the gradebook: (tasks with max points, rows)."""
    import warnings

    warnings.simplefilter("ignore")  # SQLAlchemy/nbgrader deprecation noise
    from nbgrader.api import Gradebook, MissingEntry

    status = read_status(workdir).get(assignment, {})
    results_dir = workdir / "results" / assignment
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
            rows.append((student, state, scores if graded else None, pending,
                         read_flags(results_dir / f"{student}.json") if graded else ""))
    return maxima, tasks, rows


def read_flags(path: Path) -> str:
    """The review flags of one graded submission: 'task1: reason; reason | task3: reason'."""
    record = read_json_record(path, "채점 결과")
    tasks = record.get("tasks", {}) if isinstance(record, dict) else {}
    return " | ".join(f"{task}: {'; '.join(entry['flags'])}" for task, entry in tasks.items() if entry.get("flags"))


def cmd_export(args) -> int:
    workdir: Path = args.workdir.resolve()
    require_release(workdir, args.assignment)
    maxima, tasks, rows = read_grades(workdir, args.assignment)
    handle = io.StringIO(newline="")  # written whole at the end: a failure leaves the old file
    writer = csv.writer(handle)
    writer.writerow(["student_id", *tasks, "total", "max_total", "pending_manual", "status", "flags"])
    for student, state, scores, pending, flags in rows:
        if scores is None:
            writer.writerow([spreadsheet_cell(c) for c in
                             [student, *[""] * len(tasks), "", f"{sum(maxima.values()):g}", "", state, ""]])
            continue
        cells = ["" if task in pending else f"{scores[task]:g}" for task in tasks]
        total = sum(scores[task] for task in tasks if task not in pending)
        writer.writerow([spreadsheet_cell(c) for c in
                         [student, *cells, f"{total:g}", f"{sum(maxima.values()):g}", " ".join(sorted(pending)),
                          state, flags]])
    atomic_write_text(args.csv_path, handle.getvalue())
    print(f"wrote {len(rows)} rows to {args.csv_path}")
    flagged = [(student, flags) for student, _, _, _, flags in rows if flags]
    for student, flags in flagged:
        print(terminal_safe(f"검토 필요: {student} — {flags}"))
    print("max points: " + ", ".join(f"{task} {maxima[task]:g}" for task in tasks))
    return 0
