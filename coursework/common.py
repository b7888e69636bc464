"""Shared names of the coursework package: paths, the error type, task ids, and the helpers
every command uses to write records atomically and to show untrusted text safely."""

from __future__ import annotations

import json as _json
import os
import re
import sys as _sys
import tempfile as _tempfile
import unicodedata as _unicodedata
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


# --------------------------------------------------------------------------- shared helpers
# Records are written atomically and every name in them can be encoded; untrusted text printed
# to a terminal or put in a spreadsheet is neutralised first.


def readable_name(name) -> str:
    """A file or folder name (or path) as text that always encodes as UTF-8: bytes that are not
    UTF-8 (a CP949 name from a Windows zip, kept by Python as lone surrogates) are shown as
    ``\\xb0`` escapes instead of failing when written or printed."""
    text = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an undecodable byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def clean_text(text: str) -> str:
    """Text from a submission as one Jupyter process would see it: lone UTF-16 surrogates (valid
    JSON escapes, left by a cut emoji) become U+FFFD and CRLF or CR line endings become LF."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` all at once: a crash or an error leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` of text; a character that cannot be encoded (a lone surrogate)
    is written as a backslash escape, never an exception half-way through the file."""
    atomic_write_bytes(path, text.encode(encoding, "backslashreplace"))


def atomic_write_json(path: Path, value, indent: int | None = 1) -> None:
    atomic_write_text(path, _json.dumps(value, indent=indent, ensure_ascii=False))


def read_json_record(path: Path, what: str):
    """A JSON record written by the grader, or None when it is missing or damaged (a damaged one
    is reported on stderr with how to rebuild it, never a traceback)."""
    if not path.is_file():
        return None
    try:
        return _json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        print(f"경고: {readable_name(path)} ({what}) 가 손상되어 무시합니다; 다시 채점(regrade/autograde)하면 "
              f"새로 만들어집니다 / warning: {readable_name(path)} ({what}) is damaged and ignored; "
              "grading again rebuilds it", file=_sys.stderr)
        return None


def read_status(workdir: Path) -> dict:
    """``grading_status.json``: assignment -> student -> status. A damaged file is reported and
    rebuilt from the per-student results (every student with a result is ``ok``; the reasons of
    rejected submissions come back with the next ``autograde``); the damaged copy is kept
    beside it as ``grading_status.json.damaged``."""
    path = workdir / STATUS_FILE
    if not path.is_file():
        return {}
    try:
        value = _json.loads(path.read_bytes().decode("utf-8"))
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            return value
    except (UnicodeDecodeError, ValueError, RecursionError):
        pass
    rebuilt: dict[str, dict] = {}
    results = workdir / "results"
    if results.is_dir():
        for folder in sorted(results.iterdir()):
            if folder.is_dir():
                rebuilt[folder.name] = {p.stem: "ok" for p in sorted(folder.glob("*.json"))}
    print(f"경고: {readable_name(path)} 가 손상되어 채점 결과(results/)에서 다시 만들었습니다 (손상된 파일은 "
          f"{STATUS_FILE}.damaged); 거부된 제출물의 사유는 다음 autograde 때 다시 기록됩니다 / warning: "
          f"{readable_name(path)} was damaged and is rebuilt from results/ (the damaged copy is kept as "
          f"{STATUS_FILE}.damaged); run autograde again to record the reasons of rejected submissions",
          file=_sys.stderr)
    try:
        os.replace(path, path.with_name(STATUS_FILE + ".damaged"))
        atomic_write_json(path, rebuilt, indent=2)
    except OSError:
        pass
    return rebuilt


def write_status(workdir: Path, status: dict) -> None:
    atomic_write_json(workdir / STATUS_FILE, status, indent=2)


_BIDI_CONTROLS = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def terminal_safe(text: str) -> str:
    """A student's text (a written answer, a file name) as it may be printed to the instructor's
    terminal: control characters (escape sequences can hide, overwrite or recolour lines, or
    talk to the terminal itself), bidirectional overrides and undecodable bytes shown as visible
    escapes; newlines and tabs kept."""
    return "".join(
        c if c in "\n\t" or (_unicodedata.category(c) not in ("Cc", "Cs") and ord(c) not in _BIDI_CONTROLS)
        else f"\\u{ord(c):04x}"
        for c in readable_name(text)
    )


def spreadsheet_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return (a formula to Excel, LibreOffice and Google Sheets) gets a leading
    apostrophe, the usual neutralisation. Numbers are written as they are."""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
