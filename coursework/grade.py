"""Autograding a folder of submissions in sandboxes, and recording hand-graded points.

The grader never runs a submission's code itself and never trusts the submitted test cells:

1. Each notebook is read as JSON (never executed here). Its answer cells are found by their
   ``grade_id`` and, when the metadata was edited or lost, by the functions they define, so split,
   duplicated, reordered or re-tagged cells are still graded. IPython syntax (``%timeit``, ``!pip``)
   is turned into plain Python calls that do nothing while grading.
2. One test process per submission (:mod:`.runner`, started ``JOBS`` at a time) runs the
   instructor's test cells, hidden tests included, taken from the released source; the student's
   functions run in a bubblewrap sandbox and answer with data only (:mod:`.sandbox`).
3. The scores come back on the test process's standard output, are written to the gradebook by
   this process, and the tasks whose code does something a grader must look at (rebinding
   builtins, patching modules, IPython hooks, edited test cells, ...) are flagged for review.
"""

from __future__ import annotations

import ast
import errno
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .common import (
    COURSE_ID,
    REPO,
    STUDENT_ID,
    CourseworkError,
    atomic_write_bytes,
    atomic_write_json,
    clean_text,
    read_json_record,
    read_status,
    readable_name,
    require_release,
    task_of,
    task_sort_key,
    terminal_safe,
    write_status,
)
from .sandbox import SANDBOX_PROCESSES, SandboxUnavailable, check_sandbox, nbgrader_env

SECRET_ENV = "COURSEWORK_SECRET"
# What one submission may cost this process (the grader's own memory and time stay bounded
# whatever a student hands in): the notebook file, the JSON values in it (a million tiny
# objects cost about 100 MB as Python objects), and the text of all its cells together
MAX_NOTEBOOK_BYTES = 32 * 2**20
MAX_NOTEBOOK_VALUES = 1_000_000
MAX_CELL_TEXT = 1_000_000  # characters; the released notebook has about 30 000
# address space of one test process (it decodes replies of at most wire.MAX_MESSAGE bytes and
# MAX_VALUES values, a few hundred MB at worst; the sandbox has its own limit)
RUNNER_MEMORY_BYTES = 2 * 2**30
DEFAULT_SECRET_FILE = Path("~/.config/weightinit-coursework/secret")
RESULTS_DIR = "results"

# --------------------------------------------------------------------------- the instructor's secret


def secret_path(explicit: Path | None) -> Path:
    return (explicit or DEFAULT_SECRET_FILE).expanduser()


def load_secret(explicit: Path | None = None) -> bytes:
    """The instructor's grading secret: ``--secret-file``, else $COURSEWORK_SECRET, else the
    default file. It never enters the repository, the workdir or a sandbox."""
    if explicit is None and os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode("utf-8")
    path = secret_path(explicit)
    if not path.is_file():
        raise CourseworkError(
            f"no grading secret: set ${SECRET_ENV}, pass --secret-file, or create {path} "
            "with `python -m coursework init-secret`"
        )
    secret = path.read_bytes().strip()
    if len(secret) < 16:
        raise CourseworkError(f"grading secret in {path} is too short (at least 16 characters)")
    return secret


def task_seed(secret: bytes, assignment: str, task: str) -> int:
    digest = hmac.new(secret, f"{assignment}/{task}".encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def cmd_init_secret(args) -> int:
    path = secret_path(args.secret_file)
    if path.exists() and not args.force:
        raise CourseworkError(f"{path} exists already (use --force to replace it and change every hidden input)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(os.urandom(32).hex() + "\n")
    print(f"wrote a new grading secret to {path} (keep it out of the repository)")
    return 0


# --------------------------------------------------------------------------- the assignment


def _source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _nbgrader_meta(cell: dict) -> dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def defined_functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


class Assignment:
    """What the grader trusts: the instructor's source notebook and the released notebook."""

    def __init__(self, workdir: Path, name: str):
        source_path = require_release(workdir, name)
        release_path = workdir / "release" / name / f"{name}.ipynb"
        source = json.loads(source_path.read_text(encoding="utf-8"))
        release = json.loads(release_path.read_text(encoding="utf-8")) if release_path.is_file() else source
        self.name = name
        self.setup_parts: list[str] = []
        self.tasks: dict[str, dict] = {}
        self.cell_task: dict[str, str] = {}  # grade_id -> task of every graded/solution cell
        self.kind: dict[str, str] = {}  # grade_id -> "solution" | "test" | "manual" | "setup"
        for cell in source["cells"]:
            meta = _nbgrader_meta(cell)
            gid = meta.get("grade_id")
            text = _source_text(cell)
            if cell.get("cell_type") == "code" and not meta.get("solution") and not meta.get("grade"):
                self.setup_parts.append(text)
                if gid:
                    self.kind[gid] = "setup"
                continue
            task = task_of(gid) if gid else None
            if task is None:
                continue
            entry = self.tasks.setdefault(task, {"solutions": [], "tests": [], "api": [], "manual": [], "points": 0.0})
            self.cell_task[gid] = task
            if meta.get("grade"):
                entry["points"] += float(meta.get("points", 0))
            if cell.get("cell_type") == "markdown" and meta.get("grade"):
                entry["manual"].append({"grade_id": gid, "points": float(meta["points"])})
                self.kind[gid] = "manual"
            elif meta.get("solution"):
                entry["solutions"].append(gid)
                entry["api"] += defined_functions(text)
                self.kind[gid] = "solution"
            elif meta.get("grade"):
                entry["tests"].append({"grade_id": gid, "points": float(meta["points"]), "source": text})
                self.kind[gid] = "test"
        self.tasks = dict(sorted(self.tasks.items(), key=lambda item: task_sort_key(item[0])))
        self.setup = "\n\n".join(self.setup_parts)
        self.api = sorted({name for entry in self.tasks.values() for name in entry["api"]})
        self.api_task = {name: task for task, entry in self.tasks.items() for name in entry["api"]}
        self.released = {
            _nbgrader_meta(c).get("grade_id"): _source_text(c) for c in release["cells"] if _nbgrader_meta(c).get("grade_id")
        }
        self.grade_ids = set(self.kind)

    @property
    def max_points(self) -> dict[str, float]:
        return {task: entry["points"] for task, entry in self.tasks.items()}


# --------------------------------------------------------------------------- reading a submission

_TRANSFORMER = None


def _transformer():
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _TRANSFORMER = TransformerManager()
    return _TRANSFORMER


# a line IPython may read as an escape: %magic, !cmd, ?obj, x = %magic, x = !cmd, obj?
_ESCAPE_CANDIDATE = re.compile(r"^[ \t]*(?:[\w.\[\], *()]+=[ \t]*)?[%!?]|\?[ \t]*$")
_PLACEHOLDER = re.compile(r"^__ipython_escape_(\d+)__$")


def _statement_starts(lines: list[str]) -> set[int] | None:
    """Indices of the placeholder lines that tokenize as a statement of their own (not inside a
    string or brackets); None when the text does not tokenize."""
    import io
    import tokenize

    found: set[int] = set()
    previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if token.type in (tokenize.NL, tokenize.COMMENT):
                continue
            match = _PLACEHOLDER.match(token.string) if token.type == tokenize.NAME else None
            if match and previous in (None, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                found.add(int(match.group(1)))
            previous = token.type
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def plain_python(source: str) -> str:
    """IPython syntax (magics, ``!cmd``, ``obj?``) turned into calls of ``get_ipython()``.

    In time linear in the cell: IPython's ``TransformerManager`` re-tokenizes the whole cell once
    per escape line (a cell of 10 000 lines with 500 magics took minutes), so each candidate line
    is transformed alone and kept only where the cell, with the line replaced by a placeholder
    call, tokenizes it as a statement of its own (a ``!`` line inside a string or a bracket
    stays as it is). A cell magic (``%%time``) makes the whole cell one call, in one pass."""
    if "%" not in source and "!" not in source and "?" not in source:
        return source
    lines = source.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    try:
        if first.lstrip().startswith("%%"):
            return _transformer().transform_cell(source)
        replaced: dict[int, str] = {}
        for index, line in enumerate(lines):
            if not _ESCAPE_CANDIDATE.search(line):
                continue
            text = line.strip()
            new = _transformer().transform_cell(text + "\n").strip()
            if new != text:
                replaced[index] = line[: len(line) - len(line.lstrip())] + new + "\n"
    except Exception:  # noqa: BLE001 - left as it is; a syntax error fails its own task
        return source
    if not replaced:
        return source
    for _ in range(3):  # a line put back can change what the others are in (a quote it holds)
        probe = [f"{line[: len(line) - len(line.lstrip())]}__ipython_escape_{i}__()\n" if i in replaced else line
                 for i, line in enumerate(lines)]
        starts = _statement_starts(probe)
        if starts is None:
            return source
        if starts >= set(replaced):
            return "".join(replaced.get(i, line) for i, line in enumerate(lines))
        replaced = {i: text for i, text in replaced.items() if i in starts}
    return source


_MODULE_NAMES = {"np", "numpy", "math", "builtins", "__builtins__", "sys", "os", "random", "scipy"}
_IPYTHON_HOOKS = ("input_transformers", "ast_transformers", "events", "register_magic", "set_custom_exc",
                  "set_hook", "register_transformer", "input_splitter", "prefilter")
_SUSPICIOUS_IMPORTS = {"builtins": "builtins 모듈 사용", "ctypes": "ctypes 사용", "socket": "네트워크(socket) 사용",
                       "subprocess": "외부 프로세스 실행", "sqlite3": "데이터베이스(sqlite3) 사용",
                       "nbgrader": "nbgrader 사용", "gc": "gc 모듈 사용", "inspect": "inspect 모듈 사용",
                       "signal": "signal 모듈 사용", "importlib": "importlib 사용", "urllib": "네트워크(urllib) 사용",
                       "requests": "네트워크(requests) 사용", "atexit": "atexit 사용", "threading": "스레드 사용",
                       "multiprocessing": "프로세스 생성"}
_SUSPICIOUS_CALLS = {("os", "_exit"): "os._exit 호출", ("os", "fork"): "os.fork 호출", ("os", "system"): "os.system 호출",
                     ("os", "kill"): "os.kill 호출", ("os", "write"): "os.write 호출", ("os", "dup2"): "os.dup2 호출", ("sys", "settrace"): "sys.settrace 사용",
                     ("sys", "setprofile"): "sys.setprofile 사용", ("sys", "exit"): "sys.exit 호출"}


def tamper_signs(source: str) -> list[str]:
    """Reasons to review a cell of student code (none of them changes a score by itself)."""
    import builtins

    signs: list[str] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return signs
    builtin_names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                top = module.split(".")[0]
                if top in _SUSPICIOUS_IMPORTS:
                    signs.append(_SUSPICIOUS_IMPORTS[top])
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute):
                        base = sub.value
                        while isinstance(base, ast.Attribute):
                            base = base.value
                        if isinstance(base, ast.Name) and base.id in _MODULE_NAMES:
                            signs.append(f"모듈 속성 덮어쓰기({ast.unparse(sub)})")
                    if isinstance(sub, ast.Subscript) and "modules" in ast.unparse(sub.value):
                        signs.append("sys.modules 조작")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith(_IPYTHON_HOOKS) and "get_ipython" in ast.unparse(node.value):
                signs.append(f"IPython 훅({node.attr})")
            if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                signs.append("sys.modules 조작")
            if node.attr in ("__builtins__", "__globals__", "__code__", "__subclasses__"):
                signs.append(f"내부 속성 접근({node.attr})")
            if isinstance(node.value, ast.Name) and (node.value.id, node.attr) in _SUSPICIOUS_CALLS:
                signs.append(_SUSPICIOUS_CALLS[(node.value.id, node.attr)])
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            signs.append("__builtins__ 사용")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval", "__import__", "compile", "open", "setattr"):
            signs.append(f"{node.func.id}() 호출")
    for node in tree.body:  # module-level names that hide a builtin (abs, float, isinstance, ...)
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        for name in names:
            if name in builtin_names and not name.startswith("_"):
                signs.append(f"내장 이름 재정의({name})")
    text = source.lower()
    for word, reason in (("gradebook", "성적부(gradebook) 언급"), ("/proc/", "/proc 접근")):
        if word in text:
            signs.append(reason)
    return sorted(set(signs))


def definitions_only(source: str) -> str:
    """The imports, functions and classes of a cell, without its other statements."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return "\n\n".join(ast.unparse(node) for node in tree.body if isinstance(node, keep))


def read_submitted_file(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes of a submitted notebook, read without following a symlink (the submission
    folder is data, not a file system to follow) and only when it is a regular file of at most
    :data:`MAX_NOTEBOOK_BYTES`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:  # the last component is a symlink
            return None, "심볼릭 링크는 받지 않습니다 (파일 자체를 제출하세요)"
        return None, f"파일을 읽을 수 없습니다 ({err.strerror})"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "일반 파일이 아닙니다 (파일 자체를 제출하세요)"
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return None, (f"파일이 너무 큽니다 ({info.st_size / 2**20:.0f} MB, 최대 {MAX_NOTEBOOK_BYTES // 2**20} MB): "
                          "출력을 지우고(Edit → Clear All Outputs) 다시 저장하세요")
        return handle.read(MAX_NOTEBOOK_BYTES + 1), None


def _clean(value):
    """Every string of a notebook through :func:`clean_text` (keys too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean(v) for k, v in value.items()}
    return value


def parse_notebook_bytes(raw: bytes) -> tuple[dict | None, str | None]:
    """A notebook from its bytes, as JSON only. Its size and number of JSON values are bounded
    before it is parsed; lone surrogates and CRLF line endings are cleaned in every string."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return None, f"파일이 너무 큽니다 (최대 {MAX_NOTEBOOK_BYTES // 2**20} MB)"
    if raw.count(b",") + raw.count(b"[") + raw.count(b"{") > MAX_NOTEBOOK_VALUES:
        return None, "노트북의 JSON 항목이 너무 많습니다: 출력을 지우고 다시 저장하세요"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "UTF-8 텍스트 파일이 아닙니다"
    try:
        nb = _clean(json.loads(text))
    except json.JSONDecodeError as err:
        return None, f"노트북 파일이 아닙니다 (JSON 형식 오류: {err.lineno}번째 줄)"
    except RecursionError:
        return None, "노트북 파일이 아닙니다 (JSON 이 너무 깊게 중첩됨)"
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return None, "Jupyter 노트북(nbformat 4) 형식이 아닙니다 ('nbformat': 4 또는 'cells' 가 없음)"
    cells = nb["cells"]
    if not all(isinstance(c, dict) and isinstance(c.get("source", ""), (str, list)) for c in cells):
        return None, "노트북의 셀 형식이 잘못되었습니다"
    if not all(isinstance(part, str) for c in cells if isinstance(c.get("source"), list) for part in c["source"]):
        return None, "노트북의 셀 형식이 잘못되었습니다"
    if sum(len(_source_text(c)) for c in cells) > MAX_CELL_TEXT:
        return None, f"셀의 내용이 너무 깁니다 (모두 합쳐 {MAX_CELL_TEXT:,} 자까지)"
    return nb, None


def read_notebook_json(path: Path) -> tuple[dict | None, str | None]:
    raw, problem = read_submitted_file(path)
    if raw is None:
        return None, problem
    return parse_notebook_bytes(raw)


def parse_submission(nb: dict, assignment: Assignment) -> dict:
    """Student cells per task, manual answers, tampering signs and notes (all from JSON only)."""
    cells: dict[str, list[dict]] = {task: [] for task in assignment.tasks}
    answers: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    edited_tests: set[str] = set()
    signs: dict[str, set[str]] = {}
    notes: list[str] = []
    current: str | None = None
    recognised = 0
    for index, cell in enumerate(nb["cells"]):
        kind = cell.get("cell_type")
        meta = _nbgrader_meta(cell)
        gid = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
        text = _source_text(cell)
        role = assignment.kind.get(gid) if gid else None
        if gid in assignment.grade_ids:
            recognised += 1
            seen[gid] = seen.get(gid, 0) + 1
            current = assignment.cell_task.get(gid, current if role != "setup" else None)
            if role == "setup":
                current = None
        if kind == "markdown":
            if role == "manual":
                answers.setdefault(gid, []).append(text)
            continue
        if kind != "code":
            continue
        if role in ("test", "setup"):
            if text.strip() != clean_text(assignment.released.get(gid, "")).strip():
                edited_tests.add(gid)
            continue
        code = plain_python(text)
        target = assignment.cell_task.get(gid) if role == "solution" else None
        if target is None:
            defined = [name for name in defined_functions(code) if name in assignment.api_task]
            if defined:
                target = assignment.api_task[defined[0]]
                recognised += 1
                notes.append(f"셀 {index}: 답안 메타데이터가 없어 정의한 함수({', '.join(defined)})로 {target} 에 배정")
            elif current is not None and text.strip():
                target = current
                code = definitions_only(code)  # a helper is kept, a scratch computation is not run
        if target is None or not code.strip():
            continue
        cells[target].append({"name": f"cell {index}", "source": code})
        found = tamper_signs(code)
        if found:
            signs.setdefault(target, set()).update(found)
    duplicated = sorted(g for g, n in seen.items() if n > 1)
    if duplicated:
        notes.append("같은 grade_id 의 셀이 여러 개 (복사·분할된 셀, 차례로 합쳐 채점): " + ", ".join(duplicated))
    missing = sorted(g for g in assignment.grade_ids if g not in seen and assignment.kind[g] != "setup"
                     and not (assignment.kind[g] == "solution" and cells[assignment.cell_task[g]]))
    for gid in sorted(edited_tests):
        task = assignment.cell_task.get(gid)
        if task:
            signs.setdefault(task, set()).add(f"테스트 셀 수정됨({gid}, 원래 테스트로 채점)")
    return {"cells": cells, "answers": answers, "signs": {t: sorted(s) for t, s in signs.items()},
            "notes": notes, "missing": missing, "recognised": recognised}


# --------------------------------------------------------------------------- collecting submissions

# copies of copies too ("Copy of Copy of …", "…의 사본 (1)의 사본"), and a doubled extension
# ("weight_init.ipynb.ipynb", what a system that hides extensions makes of a rename)
NOTEBOOK_COPY = r"(?:copy of |사본 ?- ?)*{name}(?:의 사본| - 사본| copy| ?\(\d+\))*(?:\.ipynb)?"


def _is_regular(path: Path) -> bool:
    """A regular file itself, not a symlink to one (never followed)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def notebook_candidates(folder: Path, assignment: str) -> tuple[Path | None, str | None]:
    """The student's notebook in ``folder``: the exact name, else one Colab/Drive/browser copy name.
    Only regular files count: a symlink or another special file named like the notebook is
    refused with the reason, never read through."""
    pattern = re.compile("^" + NOTEBOOK_COPY.format(name=re.escape(assignment)) + r"\.ipynb$", re.IGNORECASE)
    named = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".ipynb"
                   and pattern.match(unicodedata.normalize("NFC", p.name).strip()))
    special = [p for p in named if not _is_regular(p)]
    if special:
        return None, ("심볼릭 링크나 일반 파일이 아닌 것은 받지 않습니다 ("
                      + ", ".join(readable_name(p.name) for p in special) + "): 노트북 파일 자체를 제출하세요")
    exact = folder / f"{assignment}.ipynb"
    if exact in named:
        return exact, None
    notebooks = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".ipynb" and _is_regular(p))
    if len(named) == 1:
        return named[0], None
    if len(named) > 1:
        return None, ("과제 노트북이 여러 개입니다 (" + ", ".join(readable_name(p.name) for p in named)
                      + "): 제출할 파일 하나만 남기세요")
    found = ", ".join(readable_name(p.name) for p in notebooks) or "노트북 없음"
    return None, f"{assignment}.ipynb 가 없습니다 (찾은 파일: {found})"


def collect_submissions(submissions: Path, assignment: str):
    """Split SUBMISSIONS/<student>/<notebook> into gradable paths and rejected reasons."""
    if not submissions.exists():
        raise CourseworkError(f"submissions folder not found: {submissions}")
    if not submissions.is_dir():
        raise CourseworkError(f"not a folder: {submissions}")
    gradable: dict[str, Path] = {}
    rejected: dict[str, str] = {}
    spellings: dict[str, list[str]] = {}
    for entry in sorted(submissions.iterdir()):
        # every name recorded or printed is readable text: bytes that are not UTF-8 (a CP949
        # name from a Windows zip) are escaped, so the status file can always be written
        name = readable_name(unicodedata.normalize("NFC", entry.name))
        shown = readable_name(entry)
        if name.startswith(".") or name == "__MACOSX":
            continue
        if entry.is_symlink() or not entry.is_dir():
            what = "심볼릭 링크는 받지 않습니다" if entry.is_symlink() else "학생별 폴더가 아닙니다"
            rejected[name] = f"{shown}: {what} (제출물은 {readable_name(submissions)}/<학번>/{assignment}.ipynb)"
            continue
        if not STUDENT_ID.match(name):
            undecodable = any("\udc80" <= c <= "\udcff" for c in entry.name)  # bytes Python could not decode
            rejected[name] = (f"{shown}: 학번 폴더 이름에는 문자, 숫자, '.', '_', '-' 만 쓸 수 있습니다"
                              + (" (UTF-8 이 아닌 이름입니다: 압축을 풀 때 unzip -O cp949 를 쓰세요)" if undecodable else ""))
            continue
        spellings.setdefault(name, []).append(entry.name)
        if name in gradable or name in rejected:
            forms = " 와 ".join(f"{readable_name(s)!r} ({'NFC' if unicodedata.is_normalized('NFC', s) else 'NFD'}, "
                               f"{len(s)}자)" for s in spellings[name])
            rejected[name] = (f"{shown}: 같은 학번의 폴더가 두 개입니다: {forms}. 유니코드 정규화(NFC/NFD)만 다른 이름은 "
                              "같은 학번이라 어느 쪽이 제출물인지 알 수 없어 둘 다 채점하지 않습니다; 하나만 남기세요")
            gradable.pop(name, None)
            continue
        path, problem = notebook_candidates(entry, assignment)
        if problem:
            rejected[name] = f"{readable_name(entry / (assignment + '.ipynb'))}: {problem}"
            continue
        gradable[name] = path
    if not gradable and not rejected:
        raise CourseworkError(f"no submissions in {submissions} (expected <student_id>/{assignment}.ipynb)")
    return gradable, rejected


# --------------------------------------------------------------------------- grading


def make_job(assignment: Assignment, parsed: dict, secret: bytes, limits: dict) -> dict:
    tasks = {}
    for task, entry in assignment.tasks.items():
        if not entry["tests"]:
            continue
        # helpers defined in another task's cells are available (definitions and imports only,
        # so another task's loop or crash cannot reach this one); the task's own cells come last
        shared = "\n\n".join(definitions_only(cell["source"]) for other, cells in parsed["cells"].items()
                              if other != task for cell in cells)
        cells = ([{"name": "definitions from other tasks", "source": shared}] if shared.strip() else [])
        tasks[task] = {"cells": cells + parsed["cells"][task], "tests": entry["tests"],
                       "seed": task_seed(secret, assignment.name, task)}
    return {"setup": assignment.setup, "api": assignment.api, "tasks": tasks, "limits": limits}


def _limit_runner_memory() -> None:
    """The test process's own address-space limit (soft: its sandboxes set their own)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = RUNNER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(RUNNER_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_runner(job: dict, limit: float, log_path: Path) -> tuple[dict | None, str]:
    """Run one submission's test process; its stdout is the result, nothing else is read."""
    env = nbgrader_env()
    env.pop(SECRET_ENV, None)  # the job carries the derived seeds; the secret stays in this process
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([sys.executable, "-m", "coursework.runner"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env,
                            start_new_session=True, preexec_fn=_limit_runner_memory)
    try:
        out, err = proc.communicate(json.dumps(job).encode("utf-8"), timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        atomic_write_bytes(log_path, err)
        return None, f"채점 시간 초과 ({limit:.0f} 초)"
    atomic_write_bytes(log_path, err)
    if proc.returncode != 0:
        return None, f"test process exit {proc.returncode}"
    try:
        return json.loads(out.decode("utf-8")), ""
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "unreadable test process output"


def score_submission(assignment: Assignment, parsed: dict, run: dict) -> dict:
    """Per-task scores, flags and messages from the test process's result."""
    tasks: dict[str, dict] = {}
    for task, entry in assignment.tasks.items():
        result = run["tasks"].get(task, {"tests": [], "cell_errors": [], "load_failed": None})
        outcome = {t["grade_id"]: t for t in result["tests"]}
        score = 0.0
        tests = []
        for test in entry["tests"]:
            got = outcome.get(test["grade_id"])
            passed = bool(got and got["passed"])
            score += test["points"] if passed else 0.0
            tests.append({"grade_id": test["grade_id"], "points": test["points"], "passed": passed,
                          "error": "" if passed else (got["error"] if got else "실행되지 않음")})
        manual = []
        for cell in entry["manual"]:
            texts = parsed["answers"].get(cell["grade_id"], [])
            stub = clean_text(assignment.released.get(cell["grade_id"], "")).strip()
            answer = "\n\n".join(t for t in texts if t.strip() != stub).strip()
            manual.append({"grade_id": cell["grade_id"], "points": cell["points"], "answered": bool(answer),
                           "answer_sha256": hashlib.sha256(answer.encode("utf-8", "surrogatepass")).hexdigest()
                           if answer else ""})
        flags = list(parsed["signs"].get(task, []))  # deleted test cells are a note (they run anyway)
        tasks[task] = {"score": score, "max": entry["points"], "tests": tests, "manual": manual,
                       "flags": flags, "cell_errors": result.get("cell_errors", []),
                       "load_failed": result.get("load_failed")}
    return tasks


def record_in_gradebook(workdir: Path, assignment: Assignment, student: str, tasks: dict) -> None:
    """Write the scores into nbgrader's gradebook (this process only; no sandbox can reach it)."""
    import warnings

    warnings.simplefilter("ignore")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment.name, student)
        for task in tasks.values():
            for test in task["tests"]:
                grade = gb.find_grade(test["grade_id"], assignment.name, assignment.name, student)
                grade.auto_score = test["points"] if test["passed"] else 0.0
                grade.manual_score = None
                grade.needs_manual_grade = False
            for cell in task["manual"]:
                grade = gb.find_grade(cell["grade_id"], assignment.name, assignment.name, student)
                if not cell["answered"]:
                    grade.auto_score, grade.manual_score, grade.needs_manual_grade = 0.0, None, False
                elif cell.get("changed", True):
                    grade.auto_score, grade.manual_score, grade.needs_manual_grade = None, None, True
        gb.db.commit()


def cmd_autograde(args) -> int:
    if not args.submissions.is_dir():
        what = "not a folder" if args.submissions.exists() else "submissions folder not found"
        raise CourseworkError(f"{what}: {args.submissions}")
    workdir: Path = args.workdir.resolve()
    assignment = Assignment(workdir, args.assignment)
    secret = load_secret(args.secret_file)
    try:
        check_sandbox(args.memory_mb * 2**20)  # a host that forbids the sandbox stops here, not with every test failed
    except SandboxUnavailable as err:
        raise CourseworkError(str(err)) from None
    gradable, rejected = collect_submissions(args.submissions.resolve(), args.assignment)
    if getattr(args, "shard", None) is not None:  # this machine's share of the class (coursework/shard.py)
        gradable, rejected = args.shard.select(gradable), args.shard.select(rejected)

    all_status = read_status(workdir)
    status = all_status.get(args.assignment, {}) if isinstance(all_status.get(args.assignment), dict) else {}
    results_dir = workdir / RESULTS_DIR / args.assignment
    results_dir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs" / "grading"
    logs.mkdir(parents=True, exist_ok=True)

    jobs: dict[str, dict] = {}
    parsed_by_student: dict[str, dict] = {}
    for student, path in gradable.items():
        # read once, without following a symlink; the grader never writes to the submission
        data, problem = read_submitted_file(path)
        target = workdir / "submitted" / student / args.assignment
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        parsed = None
        try:  # every step on the student's data: a failure rejects this student only
            if data is not None:
                atomic_write_bytes(target / f"{args.assignment}.ipynb", data)
                nb, problem = parse_notebook_bytes(data)
                parsed = parse_submission(nb, assignment) if nb is not None else None
        except Exception as err:  # noqa: BLE001 - one odd notebook must not stop the batch
            parsed, problem = None, f"노트북 구조를 읽을 수 없습니다 ({type(err).__name__})"
        if parsed is not None and parsed["recognised"] == 0:
            problem = "이 과제의 셀을 하나도 찾지 못했습니다 (다른 노트북이거나 셀 메타데이터가 지워졌고 답안 함수도 없음)"
        if problem:
            rejected[student] = f"{readable_name(path)}: {problem}"
            continue
        if path.name != f"{args.assignment}.ipynb":
            parsed["notes"].append(f"파일 이름 {readable_name(path.name)!r} 을 과제 노트북으로 채점")
        if parsed["missing"]:
            print(terminal_safe(f"경고: {readable_name(path)}: 지워진 셀 {', '.join(parsed['missing'])} "
                                "(테스트 셀은 원래대로 채점, 지워진 답안은 0점)"), file=sys.stderr)
        parsed_by_student[student] = parsed
        jobs[student] = make_job(assignment, parsed, secret, {
            "cell_timeout": args.timeout, "load_timeout": args.timeout,
            "memory_bytes": args.memory_mb * 2**20, "cpu_seconds": 10 * args.timeout + 60,
            "processes": SANDBOX_PROCESSES,
        })
    for student, reason in rejected.items():
        status[student] = "malformed: " + reason
        print(terminal_safe(f"오류: 채점하지 않은 제출물: {reason}"), file=sys.stderr)
        stale = results_dir / f"{student}.json"
        if stale.exists():
            stale.unlink()

    n_tests = sum(len(e["tests"]) for e in assignment.tasks.values())
    limit = args.notebook_timeout or args.timeout * (2 * n_tests + len(assignment.tasks) + 2) + 60
    failures = 0
    start = time.monotonic()
    if jobs:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(run_runner, job, limit, logs / f"{student}.log"): student
                       for student, job in jobs.items()}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    run, problem = future.result()
                except Exception as err:  # noqa: BLE001 - reported for this student only
                    run, problem = None, f"{type(err).__name__}: {err}"
                if run is not None:
                    try:  # scoring and recording this student: a failure is this student's only
                        record_result(workdir, assignment, student, gradable[student], parsed_by_student[student], run)
                    except Exception as err:  # noqa: BLE001 - reported for this student only
                        run, problem = None, f"결과를 기록하지 못했습니다 ({type(err).__name__}: {err})"
                if run is None:
                    failures += 1
                    status[student] = f"grading failed ({problem})"
                    print(terminal_safe(f"오류: {student} 채점 실패 ({problem}); 로그 {logs / (student + '.log')}"),
                          file=sys.stderr)
                    continue
                status[student] = "ok"
    elapsed = time.monotonic() - start
    all_status[args.assignment] = status
    write_status(workdir, all_status)
    print(f"autograded {len(jobs)} submission(s) in {elapsed:.1f} s with {args.jobs} job(s)")
    flagged = summary_flags(results_dir, jobs)
    for line in flagged:
        print("검토 필요: " + line)
    print(f"{len(jobs) - failures} graded, {failures} failed, {len(rejected)} malformed, {len(flagged)} flagged")
    return 1 if failures or rejected else 0


def record_result(workdir: Path, assignment: Assignment, student: str, path: Path, parsed: dict, run: dict) -> None:
    """Score one student's run, keep hand-given points of an unchanged written answer, and write
    the gradebook and ``results/<assignment>/<student>.json`` (atomically)."""
    tasks = score_submission(assignment, parsed, run)
    previous = workdir / RESULTS_DIR / assignment.name / f"{student}.json"
    old = read_json_record(previous, "이전 채점 결과")
    old = old if isinstance(old, dict) else {}
    for task, entry in tasks.items():
        for cell in entry["manual"]:
            before = old.get("tasks", {}).get(task, {}).get("manual", [])
            same = [m for m in before if isinstance(m, dict) and m.get("grade_id") == cell["grade_id"]]
            cell["changed"] = not same or same[0].get("answer_sha256") != cell["answer_sha256"]
    record_in_gradebook(workdir, assignment, student, tasks)
    result = {"student": student, "file": readable_name(path.name), "tasks": tasks,
              "notes": parsed["notes"], "restarts": run.get("restarts", 0),
              "test_process_peak_kb": run.get("peak_kb")}
    atomic_write_json(previous, result)


def summary_flags(results_dir: Path, students) -> list[str]:
    lines = []
    for student in sorted(students):
        record = read_json_record(results_dir / f"{student}.json", "채점 결과")
        if not isinstance(record, dict):
            continue
        tasks = record.get("tasks", {})
        parts = [f"{task}: {'; '.join(entry['flags'])}" for task, entry in tasks.items() if entry.get("flags")]
        if parts:
            lines.append(terminal_safe(f"{student} — " + " | ".join(parts)))
    return lines


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
