"""Tests of the nbgrader coursework (the coursework package, assignments/source/) and of the
student-edition Sphinx extension (_ext/student_edition.py).

One release and one autograde run of four submissions (correct, partial, broken, untouched) are
shared by the tests through module-scoped fixtures. Expected scores are computed from the points
written in the assignment's nbgrader metadata, never copied from the grader's output.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE_MD = REPO / "assignments" / "source" / "weight_init.md"
ASSIGNMENT = "weight_init"
CELL_TIMEOUT = 10  # seconds per cell while grading in these tests (the slowest cell needs < 1 s)
PYTHON = sys.executable
# a throwaway grading secret: the hidden tests' inputs are drawn from it (never a real one)
TEST_SECRET = "throwaway-secret-for-the-test-suite-only"


import coursework as cw  # noqa: E402


def run_script(*args, workdir: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, COURSEWORK_SECRET=TEST_SECRET, JOBS="2")
    environment.update(env or {})
    proc = subprocess.run(
        [PYTHON, "-m", "coursework", "--workdir", str(workdir), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env=environment,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"coursework {args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_notebook(path: Path):
    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.read(path, as_version=4)


def write_notebook(nb, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(nb, path)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def strip_markers(source: str) -> str:
    """What a student who wrote the instructor's solution would have typed."""
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def make_submission(release_nb, source_nb, solved_tasks, replace=None):
    """A copy of the student release with the solution cells of ``solved_tasks`` filled in
    from the instructor's source, and the cells named in ``replace`` given other code."""
    replace = replace or {}
    solutions = {grade_id(c): c.source for c in source_nb.cells if grade_id(c)}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in replace:
            cell.source = replace[gid]
        elif gid and cell.metadata["nbgrader"].get("solution") and cw.task_of(gid) in solved_tasks:
            cell.source = strip_markers(solutions[gid])
    return nb


def solution_source(source_nb, gid: str) -> str:
    return next(c.source for c in source_nb.cells if grade_id(c) == gid)


def sha256_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def source_nb():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cw.build_source_notebook(SOURCE_MD)


@pytest.fixture(scope="module")
def points(source_nb):
    return cw.task_points(source_nb)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("course")
    start = time.monotonic()
    handout = workdir.parent / f"{workdir.name}-handout"
    proc = run_script("release", "--timeout", CELL_TIMEOUT, "--out", handout, workdir=workdir)
    elapsed = time.monotonic() - start
    print(f"\nrelease took {elapsed:.1f} s")
    release_nb_path = workdir / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert release_nb_path.is_file(), proc.stdout
    return workdir, release_nb_path, handout


@pytest.fixture(scope="module")
def submissions(released, source_nb, tmp_path_factory):
    """SUBMISSIONS/<student>/weight_init.ipynb for four students."""
    _, release_nb_path, _ = released
    release_nb = read_notebook(release_nb_path)
    all_tasks = set(cw.task_points(source_nb))
    root = tmp_path_factory.mktemp("submissions")
    plans = {
        "correct": make_submission(release_nb, source_nb, all_tasks),
        "partial": make_submission(release_nb, source_nb, {"task1", "task2", "task3"}),
        "broken": make_submission(
            release_nb,
            source_nb,
            all_tasks - {"task6"},
            replace={
                "task1_solution": "raise RuntimeError('student code crashes here')",
                "task2_solution": "import time\nwhile True:\n    time.sleep(1)",  # stopped by the wall-clock limit
            },
        ),
        "untouched": release_nb,
        # a wrong task 2 whose tests were emptied, and a deleted hidden test of a right task 4:
        # the grader restores both tests from the gradebook
        "tampered": make_submission(
            release_nb,
            source_nb,
            all_tasks - {"task6"},
            replace={
                "task2_solution": strip_markers(solution_source(source_nb, "task2_solution")).replace(
                    "6.0 / (n_in + n_out)", "6.0 / n_in").replace("2.0 / (n_in + n_out)", "2.0 / n_in"),
                "task2_visible": "pass",
                "task2_hidden": "pass",
            },
        ),
    }
    plans["tampered"].cells = [c for c in plans["tampered"].cells if grade_id(c) != "task4_hidden"]
    for student, nb in plans.items():
        write_notebook(nb, root / student / f"{ASSIGNMENT}.ipynb")
    return root


@pytest.fixture(scope="module")
def graded(released, submissions, tmp_path_factory):
    workdir, _, _ = released
    before = sha256_tree(submissions)
    start = time.monotonic()
    proc = run_script("autograde", submissions, "--timeout", CELL_TIMEOUT, workdir=workdir)
    elapsed = time.monotonic() - start
    print(f"\nautograde of {len(before)} submissions took {elapsed:.1f} s")
    after = sha256_tree(submissions)
    csv_path = tmp_path_factory.mktemp("grades") / "grades.csv"
    run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"workdir": workdir, "before": before, "after": after, "rows": rows, "csv": csv_path,
            "elapsed": elapsed, "stdout": proc.stdout, "stderr": proc.stderr}


# --------------------------------------------------------------------------- the source text


def test_source_has_at_least_six_tasks_with_points(points, source_nb):
    assert len(points) >= 6
    assert all(value > 0 for value in points.values())
    manual = [c for c in source_nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    assert manual, "one task must be a hand-graded Markdown answer"
    hidden = [grade_id(c) for c in source_nb.cells if "### BEGIN HIDDEN TESTS" in c.source]
    assert {cw.task_of(g) for g in hidden} >= set(points) - {cw.task_of(grade_id(manual[0]))}


def test_converter_rejects_duplicate_grade_ids(tmp_path):
    text = SOURCE_MD.read_text(encoding="utf-8").replace("grade_id: task1_visible", "grade_id: task1_hidden")
    broken = tmp_path / "dup.md"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(cw.CourseworkError, match="duplicate grade_id 'task1_hidden'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cw.build_source_notebook(broken)


@pytest.mark.parametrize("seed", [0, 1, 2**31 + 11])
def test_instructor_solutions_pass_their_own_tests_in_process(source_nb, seed, capsys):
    """Fast check without nbgrader: the source notebook runs top to bottom without error, for
    any grading seed (40 seeds were tried when the hidden inputs were made seed-dependent)."""
    namespace: dict = {}
    for cell in source_nb.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, grade_id(cell) or "cell", "exec"), namespace)
            if grade_id(cell) == "setup":
                namespace["GRADING_SEED"] = seed


@pytest.mark.parametrize(
    "grade_cell, wrong_line, mistaken_line",
    [
        ("task1_solution", "second_moment = np.mean(a**2)", "second_moment = np.var(a)"),
        ("task2_solution", "return math.sqrt(6.0 / (n_in + n_out))", "return math.sqrt(2.0 / (n_in + n_out))"),
        ("task2_solution", "return math.sqrt(2.0 / (n_in + n_out))", "return 2.0 / (n_in + n_out)"),
        ("task3_solution", "return math.sqrt(6.0 / n_in)", "return math.sqrt(2.0 / n_in)"),
        ("task3_solution", "bound = he_uniform_bound(n_in)", "bound = he_uniform_bound(n_out)"),
        ("task3_solution", "return math.sqrt(2.0 / n_in)", "return 2.0 / n_in"),
        ("task3_solution", "rng = np.random.default_rng(rng)\n    bound = he_uniform_bound",
         "rng = np.random\n    bound = he_uniform_bound"),
        ("task4_solution", "ratio = rms[-1] / rms_in", "ratio = rms[-1] / rms[0]"),
        ("task4_solution", "w = rng.normal(0.0, sigma, size=(n, n))", "w = rng.normal(0.0, sigma**2, size=(n, n))"),
        ("task5_solution", "receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1",
         "receptive_field = 1"),
        ("task5_solution", "math.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in))",
         "math.sqrt(2.0 / ((1.0 + negative_slope) * fan_in))"),
    ],
)
@pytest.mark.parametrize("seed", [0, 2**32 - 5])
def test_hidden_tests_catch_common_mistakes(source_nb, grade_cell, wrong_line, mistaken_line, seed):
    """Each mistake passes or fails the visible test, but the hidden test of its task fails,
    whatever the grading seed (two seeds here; the grader derives one from the secret)."""
    task = cw.task_of(grade_cell)
    namespace: dict = {}
    for cell in source_nb.cells:
        gid = grade_id(cell)
        if cell.cell_type != "code" or (gid and cw.task_of(gid) not in (None, task) and gid != "setup"):
            continue
        code = cell.source
        if gid == grade_cell:
            assert wrong_line in code, "the test's premise no longer matches the solution"
            code = code.replace(wrong_line, mistaken_line)
        if gid == f"{task}_hidden":
            with pytest.raises(Exception):
                exec(compile(code, gid, "exec"), namespace)
            return
        if gid == f"{task}_visible":
            try:
                exec(compile(code, gid, "exec"), namespace)
            except AssertionError:
                pass
            continue
        exec(compile(code, gid or "cell", "exec"), namespace)
        if gid == "setup":
            namespace["GRADING_SEED"] = seed
    raise AssertionError(f"no hidden test cell for {task}")


# --------------------------------------------------------------------------- the release


def solution_and_hidden_lines(source_nb) -> list[str]:
    """Non-trivial lines that occur only inside solution regions, model answers or hidden tests."""
    inside, outside = [], set()
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown" and meta.get("solution"):
            inside += lines
            continue
        region = None
        for line in lines:
            if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
                region = line
            elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
                region = None
            elif region:
                inside.append(line)
            else:
                outside.add(line.strip())
    return sorted({line.strip() for line in inside if len(line.strip()) >= 8} - outside)


def test_release_contains_no_solution_and_no_hidden_test(released, source_nb):
    _, release_nb_path, _ = released
    text = release_nb_path.read_text(encoding="utf-8")
    release_nb = read_notebook(release_nb_path)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "모범 답안"):
        assert marker not in text
    secret = solution_and_hidden_lines(source_nb)
    assert len(secret) > 60, "the search must cover the solutions and hidden tests"
    # a secret line may not occur anywhere in the code, nor as a line of the Markdown (the
    # instructions quote `np.random.default_rng(rng)` inside a sentence on purpose)
    code = "\n".join(cell.source for cell in release_nb.cells if cell.cell_type == "code")
    lines = {line.strip() for cell in release_nb.cells for line in cell.source.splitlines()}
    leaked = [line for line in secret if line in code or line in lines]
    assert not leaked, f"release contains solution or hidden-test lines: {leaked[:5]}"
    # every graded code task is a stub the student has to fill
    stubs = [c for c in release_nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    assert all(not c.get("outputs") for c in release_nb.cells if c.cell_type == "code")


def test_release_keeps_visible_tests_and_points(released, source_nb):
    _, release_nb_path, _ = released
    release_nb = read_notebook(release_nb_path)
    release_points = cw.task_points(release_nb)
    assert release_points == cw.task_points(source_nb)
    visible = {grade_id(c): c.source for c in release_nb.cells if (grade_id(c) or "").endswith("_visible")}
    source_visible = {grade_id(c): c.source for c in source_nb.cells if (grade_id(c) or "").endswith("_visible")}
    assert visible == source_visible and len(visible) >= 5


def test_release_is_copied_to_the_handout_folder(released):
    _, release_nb_path, handout = released
    assert sorted(p.name for p in handout.iterdir()) == [f"{ASSIGNMENT}.ipynb"]
    assert (handout / f"{ASSIGNMENT}.ipynb").read_bytes() == release_nb_path.read_bytes()


def test_workdir_inside_sources_is_refused(tmp_path):
    proc = run_script("release", workdir=REPO / "assignments" / "build", check=False)
    assert proc.returncode == 2 and "must not be inside the sources" in proc.stderr
    assert not (REPO / "assignments" / "build").exists()


# --------------------------------------------------------------------------- grading


def test_grading_never_modifies_or_loses_submissions(graded):
    assert graded["before"] == graded["after"]
    assert len(graded["before"]) == 5


def test_instructor_solution_gets_full_automatic_marks(graded, points, source_nb):
    row = graded["rows"]["correct"]
    manual_tasks = {cw.task_of(grade_id(c)) for c in source_nb.cells
                    if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}
    for task, maximum in points.items():
        if task in manual_tasks:
            assert row[task] == "", "a written answer waits for the instructor"
        else:
            assert float(row[task]) == maximum, task
    assert row["pending_manual"].split() == sorted(manual_tasks)
    assert float(row["total"]) == sum(v for t, v in points.items() if t not in manual_tasks)
    assert float(row["max_total"]) == sum(points.values())


def test_untouched_release_gets_zero(graded, points):
    row = graded["rows"]["untouched"]
    assert row["status"] == "ok"
    assert all(float(row[task]) == 0 for task in points)
    assert float(row["total"]) == 0 and row["pending_manual"] == ""


def test_crash_and_infinite_loop_cost_only_their_tasks(graded, points):
    row = graded["rows"]["broken"]
    assert row["status"] == "ok"
    assert float(row["task1"]) == 0  # its cell raises
    assert float(row["task2"]) == 0  # its cell loops until the per-cell timeout
    for task in ("task3", "task4", "task5"):
        assert float(row[task]) == points[task]
    assert float(row["total"]) == points["task3"] + points["task4"] + points["task5"]
    # the loop cost one cell timeout, not the whole notebook limit
    assert graded["elapsed"] < 4 * CELL_TIMEOUT + 120


def test_emptied_and_deleted_tests_are_restored(graded, points):
    row = graded["rows"]["tampered"]
    assert float(row["task2"]) == 0, "the emptied tests of a wrong answer must be put back"
    assert float(row["task4"]) == points["task4"], "a deleted hidden test must be put back and graded"
    assert re.search(r"tampered/weight_init\.ipynb: 지워진 셀 [^\n]*task4_hidden", graded["stderr"])
    # emptied test cells are listed for review; the task was graded with the original tests
    assert "테스트 셀 수정됨(task2_visible" in row["flags"] and "테스트 셀 수정됨(task2_hidden" in row["flags"]


def test_end_to_end_grade_table(graded, points):
    rows = graded["rows"]
    tasks = list(points)
    with open(graded["csv"], newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["student_id", *tasks, "total", "max_total", "pending_manual", "status", "flags"]
    assert all(rows[s]["flags"] == "" for s in ("correct", "partial", "untouched"))
    assert set(rows) == {"correct", "partial", "broken", "untouched", "tampered"}
    expected_totals = {
        "correct": sum(points[t] for t in tasks if t != "task6"),
        "partial": points["task1"] + points["task2"] + points["task3"],
        "broken": points["task3"] + points["task4"] + points["task5"],
        "untouched": 0,
        "tampered": points["task1"] + points["task3"] + points["task4"] + points["task5"],
    }
    assert {s: float(r["total"]) for s, r in rows.items()} == expected_totals
    partial = rows["partial"]
    assert [float(partial[t]) for t in tasks] == [points["task1"], points["task2"], points["task3"], 0, 0, 0]


def test_manual_grade_completes_the_total(graded, points, tmp_path):
    workdir = graded["workdir"]
    run_script("manual-grade", "correct", "task6_derivation", points["task6"], workdir=workdir)
    csv_path = tmp_path / "after_manual.csv"
    run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        row = {r["student_id"]: r for r in csv.DictReader(handle)}["correct"]
    assert float(row["total"]) == sum(points.values()) == float(row["max_total"])
    assert row["pending_manual"] == ""


def test_second_batch_with_malformed_submissions(released, graded, points, tmp_path):
    """A later batch: one late student is graded, malformed submissions are reported with the
    reason, and the students of the first batch keep their grades and graded copies."""
    workdir, release_nb_path, _ = released
    import nbformat

    folder = tmp_path / "subs"
    write_notebook(read_notebook(release_nb_path), folder / "late" / f"{ASSIGNMENT}.ipynb")
    (folder / "kim").mkdir(parents=True)
    (folder / "kim" / f"{ASSIGNMENT}.ipynb").write_text("{ this is not json", encoding="utf-8")
    (folder / "lee").mkdir()
    (folder / "lee" / "homework.ipynb").write_text(release_nb_path.read_text(encoding="utf-8"), encoding="utf-8")
    write_notebook(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")]),
                   folder / "park" / f"{ASSIGNMENT}.ipynb")
    (folder / "stray.ipynb").write_text("{}", encoding="utf-8")
    before = sha256_tree(folder)
    first_batch_copy = workdir / "results" / ASSIGNMENT / "partial.json"
    first_batch_mtime = first_batch_copy.stat().st_mtime_ns
    proc = run_script("autograde", folder, "--timeout", CELL_TIMEOUT, workdir=workdir, check=False)
    assert proc.returncode == 1
    assert re.search(r"kim/weight_init\.ipynb: 노트북 파일이 아닙니다 \(JSON 형식 오류", proc.stderr)
    assert re.search(r"lee/weight_init\.ipynb: weight_init\.ipynb 가 없습니다 \(찾은 파일: homework\.ipynb\)", proc.stderr)
    assert re.search(r"park/weight_init\.ipynb: 이 과제의 셀을 하나도 찾지 못했습니다", proc.stderr)
    assert "stray.ipynb: 학생별 폴더가 아닙니다" in proc.stderr
    assert "1 graded, 0 failed, 4 malformed, 0 flagged" in proc.stdout
    assert sha256_tree(folder) == before
    # the first batch was neither regraded nor lost
    assert first_batch_copy.stat().st_mtime_ns == first_batch_mtime
    assert (workdir / "submitted" / "partial" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    csv_path = tmp_path / "grades.csv"
    run_script("export", csv_path, workdir=workdir)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["late"]["total"]) == 0 and rows["late"]["status"] == "ok"
    assert float(rows["partial"]["total"]) == points["task1"] + points["task2"] + points["task3"]
    for student in ("kim", "lee", "park"):
        assert rows[student]["status"].startswith("malformed: ") and rows[student]["total"] == ""

    missing = run_script("autograde", tmp_path / "nowhere", workdir=workdir, check=False)
    assert missing.returncode == 2 and "submissions folder not found" in missing.stderr
    not_released = run_script("export", tmp_path / "x.csv", workdir=tmp_path / "empty", check=False)
    assert not_released.returncode == 2 and "run `coursework.py release` first" in not_released.stderr


def test_runaway_grading_process_group_is_killed(tmp_path):
    """The wall-clock backstop kills nbgrader and every process it started (e.g. a kernel)."""
    pid_file = tmp_path / "child.pid"
    command = [PYTHON, "-c", textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
    """)]
    start = time.monotonic()
    code, _ = cw.run_limited(command, tmp_path, tmp_path / "log.txt", limit=3)
    assert code == -9 and time.monotonic() - start < 30
    child = int(pid_file.read_text())
    for _ in range(50):  # the killed grandchild may take a moment to be reaped by init
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        state = Path(f"/proc/{child}/stat").read_text().split()[2] if Path(f"/proc/{child}/stat").exists() else "X"
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the grandchild process survived")


# --------------------------------------------------------------------------- student edition


SPHINX_CONF = """
import sys
sys.path.insert(0, {ext_dir!r})
extensions = ["myst_parser", "sphinx_exercise", "student_edition"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
exclude_patterns = ["_build"]
"""

SPHINX_INDEX = """
# Exercises

```{exercise} Sum of variances
:label: ex-one

EXERCISE-ONE-TEXT
```

```{solution} ex-one
SOLUTION-ONE-TEXT
```

```{exercise} Uniform variance
:label: ex-two

EXERCISE-TWO-TEXT
```

```{solution-start} ex-two
```

GATED-SOLUTION-TEXT

```python
print("GATED-SOLUTION-CODE")
```

```{solution-end}
```

AFTER-SOLUTIONS-TEXT
"""


def build_tiny_book(tmp_path: Path, student: bool) -> str:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(SPHINX_CONF.format(ext_dir=str(REPO / "_ext")), encoding="utf-8")
    (src / "index.md").write_text(SPHINX_INDEX, encoding="utf-8")
    env = dict(os.environ)
    env.pop("WEIGHTINIT_EDITION", None)
    if student:
        env["WEIGHTINIT_EDITION"] = "student"
    proc = subprocess.run(
        [PYTHON, "-m", "sphinx", "-b", "html", "-W", "-q", "-E", str(src), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (tmp_path / "html" / "index.html").read_text(encoding="utf-8")


def test_student_edition_removes_solutions(tmp_path):
    html = build_tiny_book(tmp_path, student=True)
    for kept in ("EXERCISE-ONE-TEXT", "EXERCISE-TWO-TEXT", "AFTER-SOLUTIONS-TEXT"):
        assert kept in html
    for removed in ("SOLUTION-ONE-TEXT", "GATED-SOLUTION-TEXT", "GATED-SOLUTION-CODE", 'class="solution'):
        assert removed not in html


def test_default_edition_keeps_solutions(tmp_path):
    html = build_tiny_book(tmp_path, student=False)
    for kept in ("EXERCISE-ONE-TEXT", "EXERCISE-TWO-TEXT", "SOLUTION-ONE-TEXT", "GATED-SOLUTION-TEXT",
                 "GATED-SOLUTION-CODE", "AFTER-SOLUTIONS-TEXT"):
        assert kept in html


# --------------------------------------------------------------------------- the grading secret


def test_grading_secret_is_required_and_created_private(released, tmp_path):
    workdir, release_nb_path, _ = released
    folder = tmp_path / "subs"
    write_notebook(read_notebook(release_nb_path), folder / "s1" / f"{ASSIGNMENT}.ipynb")
    secret_file = tmp_path / "config" / "secret"
    proc = run_script("autograde", folder, "--secret-file", secret_file, workdir=workdir, check=False,
                      env={"COURSEWORK_SECRET": ""})
    assert proc.returncode == 2 and "no grading secret" in proc.stderr and "init-secret" in proc.stderr
    run_script("init-secret", "--secret-file", secret_file, workdir=workdir)
    assert secret_file.stat().st_mode & 0o777 == 0o600 and len(secret_file.read_text().strip()) == 64
    again = run_script("init-secret", "--secret-file", secret_file, workdir=workdir, check=False)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_hidden_inputs_depend_on_the_secret_and_the_task():
    seeds = {cw.task_seed(secret, ASSIGNMENT, task) for secret in (b"a" * 16, b"b" * 16)
             for task in ("task1", "task2")}
    assert len(seeds) == 4
    assert cw.task_seed(b"a" * 16, ASSIGNMENT, "task1") == cw.task_seed(b"a" * 16, ASSIGNMENT, "task1")
