"""Importing the submission archive of a learning management system into the expected layout
``SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb``.

Two download formats are understood (``--lms auto`` tells them apart by the names in the zip):

* **Canvas** (*Download Submissions*): one flat zip whose files are named
  ``<name>_<canvas user id>_<submission id>_<original file name>``; a late submission has
  ``_LATE`` after the name (``<name>_LATE_<user id>_…``), and a resubmitted file keeps its
  original name with ``-1``, ``-2``, … before the extension.
* **Moodle** (*Download all submissions*): ``<full name>_<participant id>_assignsubmission_file_<file>``
  in one folder, or with *Download submissions in folders*
  ``<full name>_<participant id>_assignsubmission_file/<file>``. The participant id is Moodle's,
  not the student number.

Neither id is the student number, so the roster maps them: its optional ``lms_id`` column holds
the Canvas user id or Moodle participant id. Without it a student is matched by name when
exactly one roster name agrees (letters only, spaces and case ignored); anything else is
reported and left out, never guessed. When a student has several notebooks the newest (by the
time stored in the zip, then by resubmission number) is taken. The times are written to
``SUBMISSIONS_DIR/.submission_times.csv`` with Canvas's late mark, for the late policy of
``export``.
"""

from __future__ import annotations

import re
import shutil
import sys
import unicodedata
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from .common import CourseworkError, terminal_safe
from .term import TIMES_FILE, Student, read_roster, read_times, write_times

CANVAS = re.compile(r"^(?P<name>[^/]+?)(?P<late>_LATE)?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^/]+)_(?P<lms_id>\d+)_assignsubmission_file(?:_|/)(?P<file>.+)$")
RESUBMISSION = re.compile(r"-(\d+)(\.ipynb)$", re.IGNORECASE)


def _name_key(name: str) -> str:
    name = unicodedata.normalize("NFC", name).casefold()
    return "".join(ch for ch in name if ch.isalnum())


def parse_entry(entry: str, lms: str) -> dict | None:
    """The parts of one zip entry name, or None when it is not a submission file of that LMS."""
    pattern = {"canvas": CANVAS, "moodle": MOODLE}[lms]
    match = pattern.match(entry)
    if not match:
        return None
    parts = match.groupdict()
    return {
        "name": parts["name"],
        "lms_id": parts["lms_id"],
        "file": PurePosixPath(parts["file"]).name,
        "late_mark": bool(parts.get("late")),
    }


def detect_lms(names: list[str]) -> str:
    if any("_assignsubmission_" in name for name in names):
        return "moodle"
    if any(CANVAS.match(name) for name in names):
        return "canvas"
    raise CourseworkError(
        "the zip is neither a Canvas nor a Moodle submission download "
        "(Canvas: name_userid_submissionid_file, Moodle: Full Name_id_assignsubmission_file_…)"
    )


class RosterIndex:
    def __init__(self, roster: list[Student]):
        self.by_lms = {s.lms_id: s for s in roster if s.lms_id}
        self.by_name: dict[str, list[Student]] = {}
        for student in roster:
            self.by_name.setdefault(_name_key(student.name), []).append(student)

    def find(self, lms_id: str, name: str) -> tuple[Student | None, str]:
        if lms_id in self.by_lms:
            return self.by_lms[lms_id], ""
        if self.by_lms:
            return None, f"LMS id {lms_id} is not in the roster's lms_id column"
        matches = self.by_name.get(_name_key(name), [])
        if len(matches) == 1:
            return matches[0], ""
        if not matches:
            return None, f"no roster name matches {name!r}; add an lms_id column to the roster"
        return None, f"{len(matches)} roster names match {name!r}; add an lms_id column to the roster"


def import_archive(zip_path: Path, submissions: Path, assignment: str, roster_path: Path,
                   lms: str = "auto", tz: timezone = timezone(timedelta(hours=9))) -> dict:
    """Unpack ``zip_path`` into ``submissions``; returns {"imported": {...}, "skipped": [...]}."""
    if not zip_path.is_file():
        raise CourseworkError(f"archive not found: {zip_path}")
    if not zipfile.is_zipfile(zip_path):
        raise CourseworkError(f"{zip_path}: not a zip file")
    roster = RosterIndex(read_roster(roster_path))
    chosen: dict[str, tuple] = {}
    skipped: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        kind = detect_lms([info.filename for info in infos]) if lms == "auto" else lms
        if kind not in ("canvas", "moodle"):
            raise CourseworkError(f"unknown LMS {lms!r}; use canvas, moodle or auto")
        for info in infos:
            entry = info.filename
            if PurePosixPath(entry).name.startswith(".") or entry.startswith("__MACOSX/"):
                continue
            parts = parse_entry(entry, kind)
            if parts is None:
                skipped.append(f"{entry}: not a {kind} submission file name")
                continue
            if not parts["file"].lower().endswith(".ipynb"):
                skipped.append(f"{entry}: not a notebook (.ipynb)")
                continue
            student, why = roster.find(parts["lms_id"], parts["name"])
            if student is None:
                skipped.append(f"{entry}: {why}")
                continue
            stamp = datetime(*info.date_time, tzinfo=tz)
            match = RESUBMISSION.search(parts["file"])
            rank = (stamp, int(match.group(1)) if match else 0)
            if student.id not in chosen or rank > chosen[student.id][0]:
                if student.id in chosen:
                    skipped.append(f"{chosen[student.id][1].filename}: older than {entry}")
                chosen[student.id] = (rank, info, parts)
            else:
                skipped.append(f"{entry}: older than {chosen[student.id][1].filename}")
        submissions.mkdir(parents=True, exist_ok=True)
        times_path = submissions / TIMES_FILE
        times = read_times(times_path)
        imported = {}
        for student_id, (rank, info, parts) in sorted(chosen.items()):
            folder = submissions / student_id
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            with archive.open(info) as source, open(folder / f"{assignment}.ipynb", "wb") as target:
                shutil.copyfileobj(source, target)
            times[student_id] = {"submitted_at": rank[0], "late_mark": parts["late_mark"]}
            imported[student_id] = info.filename
    write_times(times_path, times)
    return {"lms": kind, "imported": imported, "skipped": skipped}


def cmd_import(args) -> int:
    try:
        hours, _, minutes = args.tz.lstrip("+").partition(":")
        sign = -1 if args.tz.startswith("-") else 1
        tz = timezone(sign * timedelta(hours=abs(int(hours)), minutes=int(minutes or 0)))
    except ValueError:
        raise CourseworkError(f"--tz {args.tz!r}: write a UTC offset such as +09:00") from None
    report = import_archive(args.archive, args.submissions, args.assignment, args.roster, args.lms, tz)
    for line in report["skipped"]:
        print(terminal_safe(f"건너뜀: {line}"), file=sys.stderr)
    print(f"{report['lms']}: {len(report['imported'])}명의 제출물을 {args.submissions}/<학번>/{args.assignment}.ipynb 로 옮김, "
          f"제출 시각은 {args.submissions / TIMES_FILE}")
    return 0
