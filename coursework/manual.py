"""Hand grading of the written tasks from the command line: read the pending answers, record
points with a comment for the student.

nbgrader's formgrader does the same in a browser on the same gradebook (see the assignments
README). A resubmission whose written answer changed is put back to "pending" by ``autograde``
(the old manual points and comment no longer apply); an unchanged answer keeps them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from .common import COURSE_ID, CourseworkError, require_release, terminal_safe  # noqa: F401 - terminal_safe re-exported


def _gradebook(workdir: Path):
    warnings.simplefilter("ignore")  # SQLAlchemy/nbgrader deprecation noise
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{workdir / 'gradebook.db'}", COURSE_ID)


def manual_grade_ids(workdir: Path, assignment: str) -> list[str]:
    """grade_ids of the hand-graded (Markdown answer) cells of the released assignment."""
    source = json.loads(require_release(workdir, assignment).read_text(encoding="utf-8"))
    ids = []
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and meta.get("grade") and meta.get("grade_id"):
            ids.append(meta["grade_id"])
    return ids


def submitted_answer(workdir: Path, assignment: str, student: str, grade_id: str) -> str:
    """The text of a student's answer cell in the graded copy (empty when missing)."""
    from .grade import read_notebook_json

    path = workdir / "submitted" / student / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        return ""
    nb, _ = read_notebook_json(path)
    if nb is None:
        return ""
    parts = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
        if isinstance(meta, dict) and meta.get("grade_id") == grade_id:
            source = cell.get("source", "")
            parts.append("".join(source) if isinstance(source, list) else str(source))
    return "\n\n".join(parts).strip()


def pending(workdir: Path, assignment: str, student: str | None = None) -> list[dict]:
    """Written answers that wait for points: [{student, grade_id, max, answer}]."""
    ids = manual_grade_ids(workdir, assignment)
    out = []
    with _gradebook(workdir) as gb:
        for submission in gb.assignment_submissions(assignment):
            if student and submission.student_id != student:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in ids and grade.needs_manual_grade and grade.manual_score is None:
                        out.append({"student": submission.student_id, "grade_id": grade.name,
                                    "max": float(grade.max_score),
                                    "answer": submitted_answer(workdir, assignment, submission.student_id, grade.name)})
    return sorted(out, key=lambda item: (item["student"], item["grade_id"]))


def set_manual_grade(workdir: Path, assignment: str, student: str, grade_id: str, points: float,
                     comment: str | None = None) -> float:
    """Record hand-given points (and a comment shown in the student's feedback); returns the maximum."""
    from nbgrader.api import MissingEntry

    require_release(workdir, assignment)
    with _gradebook(workdir) as gb:
        try:
            grade = gb.find_grade(grade_id, assignment, assignment, student)
        except MissingEntry:
            raise CourseworkError(f"no grade {grade_id!r} for student {student!r}; autograde first") from None
        maximum = float(grade.max_score)
        if not 0 <= points <= maximum:
            raise CourseworkError(f"points must be between 0 and {maximum:g}, not {points:g}")
        grade.manual_score = points
        grade.needs_manual_grade = False
        if comment is not None:
            found = gb.find_comment(grade_id, assignment, assignment, student)
            found.manual_comment = comment
        gb.db.commit()
    return maximum


def read_manual(workdir: Path, assignment: str, students: list[str]) -> dict[str, dict[str, dict]]:
    """student -> grade_id -> {"points": float | None, "max": float, "comment": str} for the
    hand-graded cells (one gradebook session for all: opening one takes a second)."""
    ids = manual_grade_ids(workdir, assignment)
    with _gradebook(workdir) as gb:
        return {student: _manual_of(gb, assignment, student, ids) for student in students}


def _manual_of(gb, assignment: str, student: str, ids: list[str]) -> dict[str, dict]:
    from nbgrader.api import MissingEntry

    out = {}
    for grade_id in ids:
        try:
            grade = gb.find_grade(grade_id, assignment, assignment, student)
        except MissingEntry:
            continue
        try:
            comment = gb.find_comment(grade_id, assignment, assignment, student).manual_comment or ""
        except MissingEntry:
            comment = ""
        waiting = grade.needs_manual_grade and grade.manual_score is None
        out[grade_id] = {"points": None if waiting else float(grade.score or 0.0),
                         "max": float(grade.max_score), "comment": comment}
    return out


def cmd_manual_review(args) -> int:
    workdir: Path = args.workdir.resolve()
    items = pending(workdir, args.assignment, args.student)
    for item in items:
        print(f"=== {item['student']} {item['grade_id']} (최대 {item['max']:g}점) ===")
        print(terminal_safe(item["answer"]) or "(빈 답)")
        print()
    print(f"채점을 기다리는 서술형 답 {len(items)}개. 점수 입력: "
          f"python -m coursework --assignment {args.assignment} manual-grade 학번 grade_id 점수 --comment \"의견\"")
    return 0


def cmd_manual_grade(args) -> int:
    workdir: Path = args.workdir.resolve()
    maximum = set_manual_grade(workdir, args.assignment, args.student, args.grade_id, args.points, args.comment)
    print(f"{args.student} {args.grade_id}: {args.points:g} / {maximum:g}" + (" (의견 저장)" if args.comment else ""))
    return 0
