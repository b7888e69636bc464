"""Honest mistakes and attacks on the grader, graded end to end in one batch.

Each submission below is built from the student release and the instructor's solutions, then
altered the way a student might (split or copied cells, Colab file names, Korean ids, magics,
warnings, loops) or the way a cheater would (writing the gradebook, IPython input transformers,
shadowing builtins, patching NumPy, reading hidden tests from disk, the network, os._exit, fork
bombs, fake output). The expected score of every task is derived from the points in the source;
attacks must earn nothing they do not deserve and be flagged; honest students lose nothing.
"""

from __future__ import annotations

import copy
import csv
import socket
import threading
import uuid
from pathlib import Path

import pytest
from course_release import released_course
from test_coursework import (
    ASSIGNMENT,
    CELL_TIMEOUT,
    REPO,
    cw,
    grade_id,
    make_submission,
    read_notebook,
    run_script,
    sha256_tree,
    solution_source,
    strip_markers,
    write_notebook,
)

pytestmark = pytest.mark.skipif(__import__("shutil").which("bwrap") is None, reason="bubblewrap is not installed")

# A cell that never ends and swallows the interrupt. It sleeps rather than spins: the grader
# cannot tell the two apart (both are stopped by the wall-clock limit, never by the CPU limit),
# and a spinning loop would hold a core for the whole timeout. test_sandbox keeps spinning loops,
# with a two-second limit.
LOOP = "\nimport time\nwhile True:\n    try:\n        time.sleep(1)\n    except:\n        pass\n"


def cell_of(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def course_copy(tmp_path_factory, assignment: str, name: str):
    """A course folder of its own with ``assignment`` released, its source and its release notebook."""
    import warnings

    workdir = released_course(tmp_path_factory, assignment, tmp_path_factory.mktemp(name), CELL_TIMEOUT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source_nb = cw.build_source_notebook(cw.SOURCE_DIR / f"{assignment}.md")
    return workdir, source_nb, read_notebook(workdir / "release" / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return course_copy(tmp_path_factory, ASSIGNMENT, "adv-course")


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the grader's machine that a sandboxed submission must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    accepted: list = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    server.close()


@pytest.fixture(scope="module")
def batch(course, listener, tmp_path_factory):
    workdir, source_nb, release_nb = course
    port, _ = listener
    tasks = set(cw.task_points(source_nb))
    auto = tasks - {"task6"}
    root = tmp_path_factory.mktemp("adv-submissions")
    outside = tmp_path_factory.mktemp("adv-outside")
    marker = f"written-{uuid.uuid4().hex}"
    sol = {gid: strip_markers(solution_source(source_nb, gid)) for gid in
           ("task1_solution", "task2_solution", "task3_solution", "task4_solution", "task5_solution")}
    plans: dict[str, tuple[str, object]] = {}  # student -> (file name, notebook)
    expected: dict[str, set[str]] = {}  # student -> tasks with full automatic marks
    flagged: dict[str, str] = {}  # student -> a reason expected in the flags column

    def add(student, nb, full, name=f"{ASSIGNMENT}.ipynb", flag=None):
        plans[student] = (name, nb)
        expected[student] = set(full)
        if flag:
            flagged[student] = flag

    # ---------------------------------------------------------------- honest mistakes
    nb = make_submission(release_nb, source_nb, auto)
    split = cell_of(nb, "task2_solution")
    head, tail = split.source.split("\n\n\ndef xavier_uniform(")
    second = copy.deepcopy(split)
    split.source, second.source = head, "def xavier_uniform(" + tail
    nb.cells.insert(nb.cells.index(split) + 1, second)  # JupyterLab "split cell": same metadata twice
    dup = copy.deepcopy(cell_of(nb, "task3_solution"))
    nb.cells.insert(nb.cells.index(cell_of(nb, "task3_solution")) + 1, dup)  # copy-pasted answer
    dup_test = copy.deepcopy(cell_of(nb, "task1_visible"))
    nb.cells.insert(nb.cells.index(cell_of(nb, "task1_visible")) + 1, dup_test)  # and a test cell
    add("split_and_copied", nb, auto)

    nb = make_submission(release_nb, source_nb, tasks)  # the written task answered too
    nb.cells = nb.cells[::-1]
    add("reordered", nb, auto)

    nb = make_submission(release_nb, source_nb, auto)
    del cell_of(nb, "task1_solution").metadata["nbgrader"]  # metadata lost (another editor)
    cell_of(nb, "task3_solution").metadata["nbgrader"]["grade_id"] = "task3_solution_copy"
    cell_of(nb, "task2_visible").metadata["nbgrader"]["points"] = 100  # points edited: ignored
    for cell in nb.cells:
        cell.metadata["editable"] = True
        cell.metadata["colab"] = {"id": "abc"}
    add("metadata", nb, auto)

    add("김민준", make_submission(release_nb, source_nb, auto), auto, name=f"Copy of {ASSIGNMENT}.ipynb")
    add("이서연", make_submission(release_nb, source_nb, {"task1", "task2", "task3"}), {"task1", "task2", "task3"},
        name=f"{ASSIGNMENT}의 사본.ipynb")
    add("2024003", make_submission(release_nb, source_nb, auto), auto, name=f"{ASSIGNMENT} (1).ipynb")
    add("2024004", make_submission(release_nb, source_nb, auto), auto, name=f"Copy of Copy of {ASSIGNMENT}.ipynb")
    add("정하늘", make_submission(release_nb, source_nb, auto), auto, name=f"{ASSIGNMENT}.ipynb.ipynb")

    warn = sol["task1_solution"].replace(
        '    a = np.asarray(a, dtype=float)',
        '    import sys, warnings\n    warnings.warn("float64 로 바꿉니다", RuntimeWarning)\n'
        '    print("진행 중", file=sys.stderr)\n    a = np.asarray(a, dtype=float)')
    assert warn != sol["task1_solution"]
    add("stderr_warning", make_submission(release_nb, source_nb, auto, {"task1_solution": warn}), auto)

    magics = {"task1_solution": "%matplotlib inline\n" + sol["task1_solution"],
              "task3_solution": sol["task3_solution"] + "\n%timeit -n1 -r1 he_uniform_bound(3)\n!pip list\n"}
    add("magics", make_submission(release_nb, source_nb, auto, magics), auto)

    looping = {"task2_solution": sol["task2_solution"] + LOOP,
               "task4_solution": sol["task4_solution"].replace(
                   "    rng = np.random.default_rng(rng)\n    functions",
                   "    import time\n    while True:\n        try:\n            time.sleep(1)\n        except:\n            pass\n"
                   "    rng = np.random.default_rng(rng)\n    functions")}
    assert looping["task4_solution"] != sol["task4_solution"]
    add("loops", make_submission(release_nb, source_nb, auto, looping), auto - {"task2", "task4"})

    nb = make_submission(release_nb, source_nb, auto)
    import nbformat

    scratch = nbformat.v4.new_code_cell("x = np.ones((4, 4))\nprint(layer_rms(x, 1.0, 10**9))\n\n"
                                        "def helper():\n    return 1\n")
    nb.cells.insert(nb.cells.index(cell_of(nb, "task4_solution")) + 1, scratch)
    add("scratch_cell", nb, auto)

    # ---------------------------------------------------------------- attacks
    gradebook = workdir / "gradebook.db"
    add("gradebook_writer", make_submission(release_nb, source_nb, set(), {"task1_solution": f"""
import sqlite3, json
for path in ({str(gradebook)!r}, "gradebook.db", "../gradebook.db"):
    try:
        db = sqlite3.connect(path)
        db.execute("UPDATE grade SET auto_score = 100, manual_score = 100, needs_manual_grade = 0")
        db.commit()
    except Exception:
        pass
for path in ({str(workdir / "grading_status.json")!r}, {str(workdir / "results" / ASSIGNMENT / "gradebook_writer.json")!r}):
    try:
        open(path, "w").write(json.dumps({{"tasks": {{}}}}))
    except Exception:
        pass
def predict_var_z(w_var, a):
    return 0.0
"""}), set(), flag="sqlite3")

    add("transformer", make_submission(release_nb, source_nb, set(), {"task1_solution": """
def _skip(lines):
    return ["pass\\n"]
get_ipython().input_transformers_cleanup.append(_skip)
"""}), set(), flag="IPython 훅(input_transformers_cleanup)")

    add("shadow_abs", make_submission(release_nb, source_nb, auto - {"task1"}, {"task1_solution": """
abs = lambda x: 0
def predict_var_z(w_var, a):
    return float(5.12)
"""}), auto - {"task1"}, flag="내장 이름 재정의(abs)")

    add("numpy_patcher", make_submission(release_nb, source_nb, auto - {"task3"}, {"task3_solution": """
import builtins
np.array_equal = lambda *a, **k: True
np.allclose = lambda *a, **k: True
builtins.abs = lambda x: 0
def he_uniform_bound(n_in):
    return 0.0
def he_normal_std(n_in):
    return 0.0
def he_uniform(n_in, n_out, rng=None):
    return np.zeros((n_out, n_in))
def he_normal(n_in, n_out, rng=None):
    return np.zeros((n_out, n_in))
"""}), auto - {"task3"}, flag="모듈 속성 덮어쓰기(np.array_equal)")

    add("sys_modules", make_submission(release_nb, source_nb, auto - {"task5"}, {"task5_solution": """
import sys, types
sys.modules["math"] = types.SimpleNamespace(sqrt=lambda x: 0.0, isclose=lambda *a, **k: True)
def compute_fans(shape):
    return (0, 0)
def recommend_init(activation, shape, negative_slope=0.01):
    return ("he", 0.0)
"""}), auto - {"task5"}, flag="sys.modules 조작")

    leak_paths = [str(REPO / "assignments" / "source" / f"{ASSIGNMENT}.md"),
                  str(workdir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")]
    add("test_reader", make_submission(release_nb, source_nb, auto - {"task1"}, {"task1_solution": f"""
import os
_leaked = any(os.path.exists(p) for p in {leak_paths!r})
def predict_var_z(w_var, a):
    if not _leaked:
        return 0.0
    a = np.asarray(a, dtype=float)
    return float(a.shape[1] * w_var * np.mean(a**2))
"""}), auto - {"task1"})

    add("network", make_submission(release_nb, source_nb, auto - {"task1"}, {"task1_solution": f"""
import socket
def predict_var_z(w_var, a):
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).recv(5)
    except OSError:
        return 0.0
    a = np.asarray(a, dtype=float)
    return float(a.shape[1] * w_var * np.mean(a**2))
"""}), auto - {"task1"}, flag="네트워크(socket) 사용")

    targets = [str(root / marker), str(workdir / marker), str(REPO / marker), str(outside / marker),
               str(root / "writer" / f"{ASSIGNMENT}.ipynb"), str(workdir / "submitted" / "correct_copy")]
    add("writer", make_submission(release_nb, source_nb, auto, {"task5_solution": sol["task5_solution"] + f"""

for _path in {targets!r}:
    try:
        open(_path, "w").write("overwritten")
    except OSError:
        pass
"""}), auto, flag="open() 호출")

    add("exiter", make_submission(release_nb, source_nb, auto - {"task1", "task2"}, {
        "task1_solution": "import os\nos._exit(3)\n" + sol["task1_solution"],
        "task2_solution": sol["task2_solution"].replace(
            "    rng = np.random.default_rng(rng)\n    return rng.normal(",
            "    import os\n    os._exit(0)\n    rng = np.random.default_rng(rng)\n    return rng.normal("),
    }), auto - {"task1", "task2"}, flag="os._exit 호출")

    add("fork_bomb_and_memory", make_submission(release_nb, source_nb, auto - {"task1"}, {
        "task1_solution": "import os\ntry:\n    while True:\n        os.fork()\nexcept OSError:\n    pass\n",
        "task3_solution": sol["task3_solution"] + "\n_hog = bytearray(10**12)\n",
    }), auto - {"task1"}, flag="os.fork 호출")

    add("fake_output", make_submission(release_nb, source_nb, set(), {"task1_solution": """
import os, sys, json
print("과제 1 공개 테스트 통과")
print(json.dumps({"grade_id": "task1_hidden", "score": 2, "max_score": 2}))
def predict_var_z(w_var, a):
    frame = json.dumps({"ok": True, "result": 5.12}).encode()
    for fd in range(3, 30):
        try:
            os.write(fd, b"%08d" % len(frame) + frame)
        except OSError:
            pass
    sys.stdout.write("All tests passed\\n")
    return 1.0
"""}), set(), flag="os.write 호출")

    # a written answer with terminal escape sequences: clear the screen, hide what follows,
    # reverse the text direction, when printed raw by manual-review
    add("terminal_escape", make_submission(release_nb, source_nb, tasks, {
        "task6_derivation": "(가) 답\x1b[2J\x1b[8m 숨긴 글 \x1b[0m\u202e끝"}), auto)

    for student, (name, nb) in plans.items():
        write_notebook(nb, root / student / name)
    (root / "2024003" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "2024003" / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write_notebook(release_nb, root / "2024003" / "scratch.ipynb")

    before = sha256_tree(root)
    proc = run_script("autograde", root, "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    after = sha256_tree(root)
    csv_path = tmp_path_factory.mktemp("adv-grades") / "grades.csv"
    export = run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "expected": expected, "flagged": flagged, "proc": proc, "export": export,
            "before": before, "after": after, "marker": marker, "targets": targets, "root": root,
            "workdir": workdir, "plans": plans}


def test_batch_completes_and_every_student_is_graded(batch):
    proc = batch["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(batch["rows"]) == set(batch["plans"])
    assert all(row["status"] == "ok" for row in batch["rows"].values())


def test_every_task_is_graded_as_it_deserves(batch, course):
    _, source_nb, _ = course
    points = cw.task_points(source_nb)
    wrong = []
    for student, row in batch["rows"].items():
        for task in points:
            if task == "task6":
                continue
            want = points[task] if task in batch["expected"][student] else 0.0
            if student in ("shadow_abs", "fake_output") and task == "task1":
                # a constant 5.12 (returned, or forged as a reply frame: data either way) is the
                # visible test's expected value: that test's points, none of the hidden ones
                want = cell_of(source_nb, "task1_visible").metadata["nbgrader"]["points"]
            if float(row[task]) != want:
                wrong.append((student, task, row[task], want))
    assert not wrong, wrong


def test_attacks_are_flagged_and_honest_work_is_not(batch):
    rows = batch["rows"]
    for student, reason in batch["flagged"].items():
        assert reason in rows[student]["flags"], (student, rows[student]["flags"])
        assert f"검토 필요: {student}" in batch["proc"].stdout
    honest = ["split_and_copied", "reordered", "metadata", "김민준", "이서연", "2024003", "2024004", "정하늘", "stderr_warning",
              "magics", "loops", "scratch_cell"]
    assert {s: rows[s]["flags"] for s in honest} == {s: "" for s in honest}


def test_submissions_are_unchanged_and_nothing_was_written_outside(batch):
    assert batch["before"] == batch["after"]
    for target in batch["targets"]:
        path = Path(target)
        assert not path.exists() or path.read_text(encoding="utf-8", errors="replace") != "overwritten", target


def test_the_gradebook_cannot_be_changed_from_a_submission(batch):
    rows = batch["rows"]
    assert float(rows["gradebook_writer"]["total"]) == 0
    assert rows["gradebook_writer"]["pending_manual"] == ""  # an untouched written answer scores 0
    # the attacker's UPDATE would have given everyone 100 and cleared the pending written task
    for student, row in rows.items():
        assert float(row["total"]) <= float(row["max_total"]), student
    assert rows["reordered"]["pending_manual"] == "task6"


def test_the_network_is_unreachable(batch, listener):
    _, accepted = listener
    assert accepted == []


def test_colab_names_korean_ids_and_duplicates_are_reported_as_notes(batch):
    import json

    results = batch["workdir"] / "results" / ASSIGNMENT
    notes = json.loads((results / "김민준.json").read_text(encoding="utf-8"))["notes"]
    assert any("Copy of weight_init.ipynb" in n for n in notes)
    for student, name in (("2024004", "Copy of Copy of weight_init.ipynb"), ("정하늘", "weight_init.ipynb.ipynb")):
        notes = json.loads((results / f"{student}.json").read_text(encoding="utf-8"))["notes"]
        assert any(name in n for n in notes), (student, notes)
    notes = json.loads((results / "split_and_copied.json").read_text(encoding="utf-8"))["notes"]
    assert any("task2_solution" in n and "task3_solution" in n for n in notes)


def test_a_written_answer_cannot_drive_the_instructors_terminal(batch):
    review = run_script("manual-review", "--student", "terminal_escape", workdir=batch["workdir"]).stdout
    assert "(가) 답" in review and "숨긴 글" in review  # the answer is shown, all of it
    assert "\x1b" not in review and "\u202e" not in review
    assert "\\u001b[2J" in review and "\\u202e" in review  # as visible escapes


def test_two_copies_of_the_notebook_reject_only_that_student(course, tmp_path):
    workdir, source_nb, release_nb = course
    folder = tmp_path / "subs"
    write_notebook(release_nb, folder / "박지훈" / f"Copy of {ASSIGNMENT}.ipynb")
    write_notebook(release_nb, folder / "박지훈" / f"{ASSIGNMENT} (1).ipynb")
    write_notebook(release_nb, folder / "최유진" / f"{ASSIGNMENT}.ipynb")
    proc = run_script("autograde", folder, "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    assert proc.returncode == 1
    assert "과제 노트북이 여러 개입니다" in proc.stderr and "박지훈" in proc.stderr
    assert "1 graded, 0 failed, 1 malformed" in proc.stdout


# --------------------------------------------------------------------------- the wire, driven directly

SETUP = "import math\nimport numpy as np\n"
LIMITS = {"cell_timeout": 10, "load_timeout": 10, "memory_bytes": 2 * 2**30, "cpu_seconds": 60, "processes": 8}


def run_one_task(student_code: str, tests: list[str], api=("f",)) -> dict:
    from coursework.runner import run_job

    job = {"setup": SETUP, "api": list(api), "limits": LIMITS,
           "tasks": {"task1": {"seed": 0, "cells": [{"name": "answer", "source": student_code}],
                               "tests": [{"grade_id": f"t{i}", "points": 1, "source": src}
                                         for i, src in enumerate(tests)]}}}
    return run_job(job)["tasks"]["task1"]


def test_stop_iteration_from_an_answer_cannot_end_a_check_early():
    # map() and for-loops stop silently on StopIteration: re-raised as such in the test, it would
    # turn `all(map(check, inputs))` into True without a single check (a builtin name or a class
    # of the student's own that calls itself StopIteration)
    check = "assert all(map(lambda x: abs(f(x) - x * x) < 1e-12, [1.0, 2.0, 3.0]))"
    loop = "for _y in map(f, [1.0, 2.0]):\n    assert _y == 0.5\n_ran = True"
    for code in ("def f(x):\n    raise StopIteration\n",
                 "class StopIteration(Exception):\n    pass\ndef f(x):\n    raise StopIteration('x')\n",
                 "def f(x):\n    raise StopAsyncIteration\n"):
        result = run_one_task(code, [check, loop])
        assert [t["passed"] for t in result["tests"]] == [False, False], (code, result)
        assert all("RuntimeError" in t["error"] for t in result["tests"]), result
    honest = run_one_task("def f(x):\n    return x * x\n", [check])
    assert honest["tests"][0]["passed"], honest


def test_a_forged_load_reply_puts_only_short_text_in_the_feedback():
    # the answer's own error messages reach the student's feedback; a frame written straight to
    # the protocol descriptor must not smuggle other data (or megabytes) into it
    forged = """
import json, os
_frame = json.dumps({"ok": True, "errors": [{"nested": [1, 2]}, 7, None, "x" * 100000]}).encode()
for _fd in range(3, 12):
    try:
        os.write(_fd, b"%08d" % len(_frame) + _frame)
    except OSError:
        pass
def f(x):
    return x
"""
    result = run_one_task(forged, ["assert f(2) == 2"])
    assert result["cell_errors"], result  # the forged frame did arrive
    assert all(isinstance(e, str) and len(e) <= 300 for e in result["cell_errors"]), result["cell_errors"]


@pytest.mark.skipif(__import__("os").geteuid() != 0, reason="only grading as root gives each sandbox a user id of its own")
def test_test_processes_running_at_once_never_share_a_sandbox_user_id():
    from coursework.sandbox import sandbox_command

    def uid(pid):
        return next(a for a in sandbox_command(pid) if a.startswith("--reuid="))

    # process ids are unique while the processes run; ids 100000 apart once shared a user id,
    # and so one student's fork bomb counted against the other's process limit
    assert uid(12345) != uid(112345)
    assert len({uid(pid) for pid in (1, 99999, 100001, 4194303)}) == 4


# --------------------------------------------------------------------------- grading as a normal user

NOBODY = 65534


def as_normal_user(stage: Path) -> list[str]:
    """A command prefix that runs its command as user and group 65534 with no capability. Run
    as a normal user already, the prefix is empty. As root, a private mount namespace covers
    each folder that user may not enter on the way to the Python installation (typically a
    pyenv under /root) with a tmpfs holding only that installation, so the grader runs as it
    would from a normal account's own Python; nothing else is granted."""
    import os
    import shutil
    import sys

    if os.geteuid() != 0:
        return []
    for tool in ("setpriv", "unshare"):
        assert shutil.which(tool), f"{tool} (util-linux) is needed to grade as a normal user from root"
    setpriv = [shutil.which("setpriv"), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
               "--inh-caps=-all", "--bounding-set=-all"]
    needed = [Path(sys.base_prefix).resolve(), Path(sys.prefix).absolute(), REPO]
    covers: dict[Path, list[Path]] = {}
    for path in needed:
        closed = [a for a in reversed(path.parents) if str(a) != "/" and not a.stat().st_mode & 0o001]
        if closed:
            covers.setdefault(closed[0], []).append(path)
    if not covers:
        return setpriv
    lines = ["set -e"]
    for i, (top, paths) in enumerate(sorted(covers.items())):
        for j, path in enumerate(paths):
            lines += [f"mkdir -p {stage}/{i}-{j}", f"mount --bind '{path}' {stage}/{i}-{j}"]
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs '{top}'")
        for j, path in enumerate(paths):
            lines += [f"mkdir -p '{path}'", f"mount --bind {stage}/{i}-{j} '{path}'"]
    lines.append('exec "$@"')
    return [shutil.which("unshare"), "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines), "sh", *setpriv]


HOSTILE_TASK1 = """
import os
def _won():
    found = False
    for _pid in os.listdir("/proc"):
        if _pid.isdigit():
            try:
                found |= {secret!r}.encode() in open("/proc/" + _pid + "/environ", "rb").read()
            except OSError:
                pass
    for _line in open("/proc/self/status"):
        if _line.startswith("CapEff:") and int(_line.split()[1], 16) != 0:
            found = True
    try:
        open({gradebook!r}, "ab").close()
        found = True
    except OSError:
        pass
    return found
_WON = _won()
def predict_var_z(w_var, a):
    if not _WON:
        return 0.0
    a = np.asarray(a, dtype=float)
    return float(a.shape[1] * w_var * np.mean(a**2))
"""

HOSTILE_TASK2 = """
import os, time
def _forks(n):
    pids = []
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return len(pids)
_MANY = _forks(40) >= 20
"""


def test_grading_as_a_normal_user(course, tmp_path):
    """The whole flow (release, autograde, export) as an unprivileged user, where the sandbox
    takes its other path (bwrap --unshare-user: same user id inside, no setpriv). An honest
    submission gets full marks; a hostile one that wins only if it finds the secret in any
    process's environment, keeps a capability, opens the gradebook, or forks 20 processes gets
    nothing for those tasks and is flagged."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    from test_coursework import TEST_SECRET

    from coursework.sandbox import SANDBOX_PROCESSES, userns_blockers

    assert SANDBOX_PROCESSES < 20
    base = Path(tempfile.mkdtemp(prefix="nonroot-grading-", dir="/tmp"))  # pytest's tmp is root-only
    try:
        stage = base / "stage"
        stage.mkdir()
        prefix = as_normal_user(stage)
        probe = subprocess.run([*prefix, shutil.which("bwrap"), "--unshare-user", "--ro-bind", "/", "/", "true"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            blockers = userns_blockers()
            if blockers or "namespace" in probe.stderr:
                pytest.skip("this kernel forbids unprivileged user namespaces: "
                            + ("; ".join(blockers) or probe.stderr.strip()))
            raise AssertionError(f"bwrap --unshare-user failed for another reason: {probe.stderr}")

        workdir, home, subs = base / "course", base / "home", base / "submissions"
        for folder in (workdir, home, subs):
            folder.mkdir()
        _, source_nb, release_nb = course
        tasks = set(cw.task_points(source_nb))
        auto = tasks - {"task6"}
        sol = strip_markers(solution_source(source_nb, "task2_solution"))
        task1 = HOSTILE_TASK1.format(secret=TEST_SECRET, gradebook=str(workdir / "gradebook.db"))
        task2 = HOSTILE_TASK2 + sol + "\nif not _MANY:\n    xavier_uniform_bound = xavier_normal_std = lambda n_in, n_out: 0.0\n"
        write_notebook(make_submission(release_nb, source_nb, auto), subs / "honest" / f"{ASSIGNMENT}.ipynb")
        write_notebook(make_submission(release_nb, source_nb, auto, {"task1_solution": task1, "task2_solution": task2}),
                       subs / "hostile" / f"{ASSIGNMENT}.ipynb")
        if os.geteuid() == 0:
            os.chmod(base, 0o755)
            for path in [base, *base.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)

        env = dict(os.environ, HOME=str(home), COURSEWORK_SECRET=TEST_SECRET, JOBS="2", PYTHONDONTWRITEBYTECODE="1")

        def coursework(*args):
            proc = subprocess.run([*prefix, sys.executable, "-m", "coursework", "--workdir", str(workdir), *map(str, args)],
                                  capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
            assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
            return proc

        coursework("release", "--timeout", CELL_TIMEOUT)
        before = sha256_tree(subs)
        graded = coursework("autograde", subs, "--timeout", CELL_TIMEOUT)
        assert sha256_tree(subs) == before
        assert "2 graded, 0 failed, 0 malformed" in graded.stdout, graded.stdout
        coursework("export", base / "grades.csv")
        with open(base / "grades.csv", newline="", encoding="utf-8-sig") as handle:
            rows = {row["student_id"]: row for row in csv.DictReader(handle)}
        if os.geteuid() == 0:
            assert (workdir / "gradebook.db").stat().st_uid == NOBODY  # graded by that user
        points = cw.task_points(source_nb)
        assert {t: float(rows["honest"][t]) for t in auto} == {t: points[t] for t in auto}
        assert rows["honest"]["flags"] == ""
        hostile = {t: float(rows["hostile"][t]) for t in auto}
        assert hostile == {t: 0.0 if t in ("task1", "task2") else points[t] for t in auto}, rows["hostile"]
        assert "task1: " in rows["hostile"]["flags"] and "/proc 접근" in rows["hostile"]["flags"]
        assert "os.fork 호출" in rows["hostile"]["flags"]
    finally:
        shutil.rmtree(base, ignore_errors=True)


FAKE_BWRAP = """#!/bin/sh
echo "bwrap: No permissions to create a new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2
exit 1
"""


def test_a_host_that_forbids_the_sandbox_stops_grading_with_the_reason(course, tmp_path, monkeypatch):
    """Where bwrap cannot create its namespaces (user namespaces forbidden for normal users,
    a container without CAP_SYS_ADMIN), every call would fail and the whole class would get 0.
    The grader stops before grading and names what is missing instead."""
    import os

    from coursework import sandbox

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text(FAKE_BWRAP)
    (fake / "bwrap").chmod(0o755)
    path = f"{fake}{os.pathsep}{os.environ['PATH']}"

    workdir, source_nb, release_nb = course
    subs = tmp_path / "subs"
    write_notebook(make_submission(release_nb, source_nb, {"task1"}), subs / "s1" / f"{ASSIGNMENT}.ipynb")
    proc = run_script("autograde", subs, workdir=workdir, check=False, env={"PATH": path})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "채점 샌드박스(bubblewrap)를 만들 수 없어" in proc.stderr and "cannot create the grading sandbox" in proc.stderr
    assert "non-privileged user namespaces" in proc.stderr  # bwrap's own words
    assert "graded" not in proc.stdout and not (workdir / "results" / ASSIGNMENT / "s1.json").exists()

    # a memory limit too small for Python and NumPy would also fail every test: caught the same way
    proc = run_script("autograde", subs, "--memory-mb", 48, workdir=workdir, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Python 이 시작되지 못해" in proc.stderr and "--memory-mb 48" in proc.stderr
    assert "graded" not in proc.stdout and not (workdir / "results" / ASSIGNMENT / "s1.json").exists()

    # as a normal user, the kernel setting that forbids it is named with the value it needs
    setting = tmp_path / "max_user_namespaces"
    setting.write_text("0\n")
    monkeypatch.setenv("PATH", path)
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox, "USERNS_SETTINGS", (
        (str(setting), "user.max_user_namespaces", lambda v: v != "0", "> 0"),
        (str(tmp_path / "absent"), "kernel.unprivileged_userns_clone", lambda v: v != "0", "1")))
    with pytest.raises(sandbox.SandboxUnavailable) as err:
        sandbox.check_sandbox()
    message = str(err.value)
    assert "비특권 사용자 네임스페이스" in message and "unprivileged user namespaces" in message
    assert "user.max_user_namespaces = 0 (needs > 0)" in message
    assert "unprivileged_userns_clone" not in message  # a setting this kernel lacks forbids nothing
