"""A term's bookkeeping around the grader: the roster, submission times, the late policy, and a
grade table that Excel opens with its Korean text intact.

* Roster: a CSV with the columns ``id`` and ``name`` (학번, 이름), and optionally ``lms_id``
  (the number Canvas or Moodle gives the student, used by :mod:`.importer`). UTF-8 (with or
  without BOM) and CP949, the encoding Excel uses for Korean CSV files, are both read.
* Submission times: ``<submissions>/.submission_times.csv`` (``student_id,submitted_at[,late_mark]``),
  written by ``python -m coursework import`` and editable by hand; times are ISO 8601.
* Late policy: a deadline (ISO 8601 with a UTC offset, e.g. ``2026-04-03T23:59:00+09:00``) and a
  penalty in percent of the total per started day late (0: late work is only flagged).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .common import CourseworkError, atomic_write_text, spreadsheet_cell

TIMES_FILE = ".submission_times.csv"
NOT_SUBMITTED = "미제출"


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    lms_id: str = ""


def _read_csv_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CourseworkError(f"{path}: not UTF-8 or CP949 text; save the roster as 'CSV UTF-8'")


def read_roster(path: Path) -> list[Student]:
    """The students of the course, in the roster's order."""
    if not path.is_file():
        raise CourseworkError(f"roster not found: {path}")
    reader = csv.reader(io.StringIO(_read_csv_text(path), newline=""))
    fields = next(reader, [])
    header = [key.strip().lower() for key in fields]
    if not {"id", "name"} <= set(header):
        raise CourseworkError(f"{path}: the roster needs the columns id,name (optional lms_id); found {sorted(header)}")
    students, seen = [], set()
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # a blank line
        if len(values) != len(header):
            raise CourseworkError(
                f"{path}, line {line}: {len(values)} fields, but the header {','.join(fields)} has {len(header)}; "
                "a name that holds a comma must be quoted (\"Kim, Minsu\"), as Excel's 'CSV UTF-8' does")
        row = {key: value.strip() for key, value in zip(header, values)}
        if not row["id"]:
            raise CourseworkError(f"{path}, line {line}: empty id")
        if row["id"] in seen:
            raise CourseworkError(f"{path}, line {line}: id {row['id']!r} appears twice")
        seen.add(row["id"])
        students.append(Student(row["id"], row["name"], row.get("lms_id", "")))
    if not students:
        raise CourseworkError(f"{path}: the roster lists no student")
    return students


def parse_time(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseworkError(f"{what}: {text!r} is not an ISO 8601 time such as 2026-04-03T23:59:00+09:00") from None
    if moment.tzinfo is None:
        raise CourseworkError(f"{what}: {text!r} has no UTC offset (write e.g. +09:00 for Korea)")
    return moment


def read_times(path: Path) -> dict[str, dict]:
    """student id -> {"submitted_at": datetime | None, "late_mark": bool} from a times file."""
    if not path.is_file():
        return {}
    times = {}
    for line, row in enumerate(csv.DictReader(_read_csv_text(path).splitlines()), start=2):
        student = (row.get("student_id") or "").strip()
        if not student:
            raise CourseworkError(f"{path}, line {line}: empty student_id")
        stamp = (row.get("submitted_at") or "").strip()
        times[student] = {
            "submitted_at": parse_time(stamp, f"{path}, line {line}") if stamp else None,
            "late_mark": (row.get("late_mark") or "").strip().lower() in ("1", "true", "yes", "late"),
        }
    return times


def write_times(path: Path, times: dict[str, dict]) -> None:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["student_id", "submitted_at", "late_mark"])
    for student in sorted(times):
        entry = times[student]
        stamp = entry["submitted_at"].isoformat() if entry.get("submitted_at") else ""
        writer.writerow([student, stamp, "late" if entry.get("late_mark") else ""])
    atomic_write_text(path, handle.getvalue())


def days_late(submitted: datetime | None, deadline: datetime | None) -> int:
    """Started days after the deadline (0 when on time or when either time is unknown)."""
    if submitted is None or deadline is None or submitted <= deadline:
        return 0
    return math.ceil((submitted - deadline).total_seconds() / 86400)


def late_factor(days: int, penalty_percent_per_day: float) -> float:
    """What remains of the total after the penalty: 1 - days * penalty, never below 0."""
    if not 0 <= penalty_percent_per_day <= 100:
        raise CourseworkError(f"late penalty must be between 0 and 100 percent per day, not {penalty_percent_per_day}")
    return max(0.0, 1.0 - days * penalty_percent_per_day / 100.0)


class SpreadsheetWriter:
    """``csv.writer`` whose text cells cannot run as formulas when the file is opened in a
    spreadsheet (a roster name such as ``=HYPERLINK(...)``; see :func:`.common.spreadsheet_cell`)."""

    def __init__(self, handle):
        self._writer = csv.writer(handle)

    def writerow(self, row) -> None:
        self._writer.writerow([spreadsheet_cell(cell) for cell in row])


def write_grade_table(path: Path, maxima: dict[str, float], tasks: list[str], rows, *,
                      roster: list[Student] | None = None, times: dict[str, dict] | None = None,
                      deadline: datetime | None = None, penalty: float = 0.0) -> int:
    """Write the term's grade table as CSV in UTF-8 with a BOM (Excel then reads Korean text).

    ``rows`` are :func:`coursework.export.read_grades` rows ``(student, status, scores | None,
    pending, flags)``. With a roster every student on it gets a row (those without a submission:
    0 points and status 미제출) and students not on it are listed after, marked as such.
    Returns the number of rows written.
    """
    times = times or {}
    max_total = sum(maxima.values())
    by_student = {row[0]: row for row in rows}
    order = [s.id for s in roster] if roster else []
    names = {s.id: s.name for s in roster} if roster else {}
    order += sorted(student for student in by_student if student not in names)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    handle = io.StringIO(newline="")  # written whole at the end: a failure leaves the old file
    writer = SpreadsheetWriter(handle)
    writer.writerow(["student_id", "name", *tasks, "raw_total", "late_days", "late_penalty_percent",
                     "total", "max_total", "pending_manual", "submitted_at", "status", "flags"])
    for student in order:
        name = names.get(student, "" if not roster else "(명단에 없음)")
        when = times.get(student, {})
        stamp = when["submitted_at"].isoformat() if when.get("submitted_at") else ""
        row = by_student.get(student)
        if row is None:
            writer.writerow([student, name, *["0"] * len(tasks), "0", "", "", "0", f"{max_total:g}", "", "",
                             NOT_SUBMITTED, ""])
            written += 1
            continue
        _, status, scores, pending, flags = row
        if scores is None:  # malformed or failed: not graded, the reason in status
            writer.writerow([student, name, *[""] * len(tasks), "", "", "", "", f"{max_total:g}", "", stamp,
                             status, flags])
            written += 1
            continue
        raw = sum(scores[task] for task in tasks if task not in pending)
        late = days_late(when.get("submitted_at"), deadline)
        factor = late_factor(late, penalty)
        flag_list = [flags] if flags else []
        if when.get("late_mark") and not late:
            flag_list.append("LMS가 늦은 제출로 표시함")
        writer.writerow([
            student, name, *["" if task in pending else f"{scores[task]:g}" for task in tasks],
            f"{raw:g}", str(late) if deadline else "", f"{100 * (1 - factor):g}" if late else "",
            f"{raw * factor:g}", f"{max_total:g}", " ".join(sorted(pending)), stamp, status,
            " | ".join(flag_list),
        ])
        written += 1
    atomic_write_text(path, handle.getvalue(), encoding="utf-8-sig")
    return written


def term_options(args) -> dict:
    """Roster, times, deadline and penalty from the command line (each optional)."""
    roster = read_roster(args.roster) if getattr(args, "roster", None) else None
    times_path = getattr(args, "times", None)
    if times_path is None and getattr(args, "submissions_dir", None):
        times_path = args.submissions_dir / TIMES_FILE
    times = read_times(times_path) if times_path else {}
    deadline = parse_time(args.deadline, "--deadline") if getattr(args, "deadline", None) else None
    penalty = float(getattr(args, "late_penalty", 0.0) or 0.0)
    late_factor(0, penalty)  # validates the range
    return {"roster": roster, "times": times, "deadline": deadline, "penalty": penalty}


def cmd_grades(args) -> int:
    """The term's grade table: names, non-submitters, submission times, the late policy (Excel-ready)."""
    from .common import require_release
    from .export import read_grades

    workdir: Path = args.workdir.resolve()
    require_release(workdir, args.assignment)
    options = term_options(args)
    maxima, tasks, rows = read_grades(workdir, args.assignment)
    rows = [tuple(row) + ("",) * (5 - len(row)) for row in rows]  # (student, status, scores, pending, flags)
    count = write_grade_table(args.csv_path, maxima, tasks, rows, **options)
    print(f"wrote {count} rows to {args.csv_path} (UTF-8 with BOM: Excel shows the Korean text)")
    print("max points: " + ", ".join(f"{task} {maxima[task]:g}" for task in tasks))
    return 0


def add_term_arguments(parser) -> None:
    parser.add_argument("--roster", type=Path, help="CSV with columns id,name[,lms_id]: every student gets a row")
    parser.add_argument("--times", type=Path,
                        help=f"submission times CSV (default SUBMISSIONS_DIR/{TIMES_FILE} with --submissions-dir)")
    parser.add_argument("--submissions-dir", type=Path, help="the submissions folder (for its times file)")
    parser.add_argument("--deadline", help="ISO 8601 time with UTC offset, e.g. 2026-04-03T23:59:00+09:00")
    parser.add_argument("--late-penalty", type=float, default=0.0,
                        help="percent of the total taken per started day late (default 0: late work is only marked)")
