"""An instructor's term with both assignments: roster, grade table for Excel, feedback files
without hidden tests or solutions, hand grading with comments, regrading one student, a
resubmission, the late policy and the import of Canvas and Moodle archives.

Each assignment is released once and graded once (module fixtures) with three roster students:
one hands in the instructor's solution, one the untouched release, one nothing; the second
assignment also gets a submission with a typical mistake in task 1.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course_release import released_course
from leakcheck import assignment_needles, find_leaks

import coursework as cw
from coursework import importer, term

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["weight_init", "signal_propagation"]
TEST_SECRET = "throwaway-secret-for-the-kit-tests-only"
ROSTER = "id,name\n2026001,김민수\n2026002,이서연\n2026003,박지훈\n2026004,최유진\n"
KST = timezone(timedelta(hours=9))


def run(*args, workdir: Path, assignment: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, COURSEWORK_SECRET=TEST_SECRET, JOBS="2", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "coursework", "--workdir", str(workdir), "--assignment", assignment,
                           *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=900, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"coursework {args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _nb_read(path):
    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.read(path, as_version=4)


def _nb_write(nb, path: Path):
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(nb, path)


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solved(release_nb, source_nb, replace=None):
    """The release with every answer cell filled from the instructor's source."""
    replace = replace or {}
    solutions = {_gid(c): c.source for c in source_nb.cells if _gid(c)}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = _gid(cell)
        if gid in replace:
            cell.source = replace[gid]
        elif gid and cell.metadata["nbgrader"].get("solution"):
            cell.source = "\n".join(line for line in solutions[gid].splitlines() if "### " not in line)
    return nb


def read_csv(path: Path, encoding: str = "utf-8") -> dict[str, dict]:
    with open(path, newline="", encoding=encoding) as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def term_run(request, tmp_path_factory):
    assignment = request.param
    root = tmp_path_factory.mktemp(assignment)
    workdir, submissions = root / "work", root / "submissions"
    roster = root / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    times = {}
    start = datetime.now()
    released_course(tmp_path_factory, assignment, workdir)  # as `release` leaves it (timeout 30)
    times["release"] = (datetime.now() - start).total_seconds()
    source_nb = cw.build_source_notebook(cw.SOURCE_DIR / f"{assignment}.md")
    release_nb = _nb_read(workdir / "release" / assignment / f"{assignment}.ipynb")
    plans = {"2026001": solved(release_nb, source_nb), "2026002": release_nb}
    if assignment == "signal_propagation":
        # a standard deviation where the variance belongs: task 1 fails, the rest is right
        task1 = next(c.source for c in source_nb.cells if _gid(c) == "task1_solution")
        wrong = "\n".join(line for line in task1.splitlines() if "### " not in line)
        assert "math.sqrt(sigma_w2 / n)" in wrong
        plans["2026004"] = solved(release_nb, source_nb,
                                  {"task1_solution": wrong.replace("math.sqrt(sigma_w2 / n)", "sigma_w2 / math.sqrt(n)")})
    for student, nb in plans.items():
        _nb_write(nb, submissions / student / f"{assignment}.ipynb")
    if assignment == "weight_init":  # a file that is not a notebook: reported, not graded
        (submissions / "2026004").mkdir()
        (submissions / "2026004" / f"{assignment}.ipynb").write_text("{ not json", encoding="utf-8")
    start = datetime.now()
    run("autograde", submissions, "--timeout", 20, workdir=workdir, assignment=assignment,
        check=assignment != "weight_init")
    times["autograde"] = (datetime.now() - start).total_seconds()
    start = datetime.now()
    run("feedback", "--roster", roster, workdir=workdir, assignment=assignment)
    times["feedback"] = (datetime.now() - start).total_seconds()
    print(f"\n{assignment}: release (a copy) {times['release']:.1f} s, autograde of {len(plans)} submissions "
          f"{times['autograde']:.1f} s, feedback {times['feedback']:.1f} s")
    return {"assignment": assignment, "workdir": workdir, "submissions": submissions, "roster": roster,
            "source_nb": source_nb, "points": cw.task_points(source_nb), "root": root}


def test_solution_gets_every_automatic_point_and_the_release_none(term_run):
    points, manual = term_run["points"], set()
    for cell in term_run["source_nb"].cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade"):
            manual.add(cw.task_of(meta["grade_id"]))
    assert manual, "each assignment has a written task"
    csv_path = term_run["root"] / "plain.csv"
    run("export", csv_path, workdir=term_run["workdir"], assignment=term_run["assignment"])
    rows = read_csv(csv_path)
    for task, maximum in points.items():
        if task in manual:
            assert rows["2026001"][task] == "" and task in rows["2026001"]["pending_manual"]
            assert float(rows["2026002"][task]) == 0
        else:
            assert float(rows["2026001"][task]) == maximum, (task, rows["2026001"])
            assert float(rows["2026002"][task]) == 0, (task, rows["2026002"])
    assert float(rows["2026002"]["total"]) == 0
    if term_run["assignment"] == "signal_propagation":  # the variance mistake costs task 1 and nothing else
        assert float(rows["2026004"]["task1"]) == 0
        assert all(float(rows["2026004"][t]) == points[t] for t in points if t not in manual | {"task1"})


def test_grade_table_lists_the_roster_in_korean_for_excel(term_run):
    path = term_run["root"] / "grades.csv"
    run("grades", path, "--roster", term_run["roster"], workdir=term_run["workdir"], assignment=term_run["assignment"])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read Korean text"
    rows = read_csv(path, encoding="utf-8-sig")
    assert list(rows)[:4] == ["2026001", "2026002", "2026003", "2026004"], "roster order first"
    assert rows["2026001"]["name"] == "김민수" and rows["2026003"]["name"] == "박지훈"
    missing = rows["2026003"]
    assert missing["status"] == "미제출" and float(missing["total"]) == 0
    if term_run["assignment"] == "weight_init":
        assert rows["2026004"]["status"].startswith("malformed: ") and rows["2026004"]["total"] == ""
    assert all(float(missing[task]) == 0 for task in term_run["points"])
    auto = sum(p for t, p in term_run["points"].items() if rows["2026001"][t] != "")
    assert float(rows["2026001"]["total"]) == auto


def test_feedback_shows_scores_and_visible_messages_but_no_hidden_test_or_solution(term_run):
    workdir, assignment = term_run["workdir"], term_run["assignment"]
    folder = workdir / "feedback" / assignment
    assert sorted(p.stem for p in folder.glob("*.html")) == ["2026001", "2026002", "2026003", "2026004"]
    needles = assignment_needles(cw.SOURCE_DIR / f"{assignment}.md")
    assert len(needles.texts) > 20
    # the search sees them where they are (the instructor's source notebook) ...
    assert find_leaks([workdir / "source"], needles)
    # ... and finds none in the feedback files or in the student release
    leaks = find_leaks([folder, workdir / "release"], needles)
    assert not leaks, "\n".join(leaks[:10])
    hidden_sources = [c.source for c in term_run["source_nb"].cells if "### BEGIN HIDDEN TESTS" in c.source]
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN" not in text and "GRADING_SEED" not in text
        for source in hidden_sources:
            assert source not in text
    assert "미제출" in (folder / "2026003.html").read_text(encoding="utf-8")
    if assignment == "weight_init":
        broken = (folder / "2026004.html").read_text(encoding="utf-8")
        assert "채점하지 못했습니다" in broken and "미제출" not in broken and str(term_run["root"]) not in broken
    first = (folder / "2026001.html").read_text(encoding="utf-8")
    assert "김민수" in first and "숨은 테스트" in first and "공개 테스트 통과" in first
    if assignment == "signal_propagation":
        wrong = (folder / "2026004.html").read_text(encoding="utf-8")
        # the visible test's own message reaches the student; the hidden test's does not
        assert "첫 층의 q 는 σ_w²·E[x²] 에 가까워야 합니다" in wrong
        assert "숨은 테스트: 1개 중 0개 통과" in wrong


def test_manual_grading_regrading_and_a_resubmission(term_run):
    if term_run["assignment"] != "signal_propagation":
        pytest.skip("run once, on the second assignment")
    workdir, assignment, subs = term_run["workdir"], term_run["assignment"], term_run["submissions"]
    written = next(_gid(c) for c in term_run["source_nb"].cells
                   if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
    review = run("manual-review", workdir=workdir, assignment=assignment).stdout
    assert f"=== 2026001 {written}" in review and "2026002" not in review  # an untouched answer scores 0
    run("manual-grade", "2026001", written, 3, "--comment", "(나)의 근거가 부족합니다.", workdir=workdir, assignment=assignment)
    over = run("manual-grade", "2026001", written, 99, workdir=workdir, assignment=assignment, check=False)
    assert over.returncode == 2 and "points must be between 0 and" in over.stderr
    assert f"=== 2026001" not in run("manual-review", workdir=workdir, assignment=assignment).stdout
    run("feedback", "--roster", term_run["roster"], "--student", "2026001", workdir=workdir, assignment=assignment)
    page = (workdir / "feedback" / assignment / "2026001.html").read_text(encoding="utf-8")
    assert "(나)의 근거가 부족합니다." in page and "3/4점" in page

    # regrading one student with an unchanged answer keeps the hand-given points and the others' results
    other = workdir / "results" / assignment / "2026002.json"
    other_mtime = other.stat().st_mtime_ns
    run("regrade", subs, "2026001", "--timeout", 20, workdir=workdir, assignment=assignment)
    assert other.stat().st_mtime_ns == other_mtime
    grades = term_run["root"] / "after.csv"
    run("grades", grades, "--roster", term_run["roster"], workdir=workdir, assignment=assignment)
    row = read_csv(grades, encoding="utf-8-sig")["2026001"]
    assert row["pending_manual"] == "" and float(row["total"]) == sum(term_run["points"].values()) - 1

    # a resubmission with a changed written answer: the old points no longer apply
    nb = _nb_read(subs / "2026001" / f"{assignment}.ipynb")
    for cell in nb.cells:
        if _gid(cell) == written:
            cell.source = "새로 쓴 답: 30층을 지나며 제곱평균이 2^-30 배가 됩니다."
    _nb_write(nb, subs / "2026001" / f"{assignment}.ipynb")
    run("regrade", subs, "2026001", "--timeout", 20, workdir=workdir, assignment=assignment)
    review = run("manual-review", workdir=workdir, assignment=assignment).stdout
    assert "새로 쓴 답" in review
    run("grades", grades, "--roster", term_run["roster"], workdir=workdir, assignment=assignment)
    row = read_csv(grades, encoding="utf-8-sig")["2026001"]
    assert row["pending_manual"] == written.split("_")[0]


# --------------------------------------------------------------------------- without grading


def test_late_policy_in_the_grade_table(tmp_path):
    roster = [term.Student("2026001", "김민수"), term.Student("2026002", "이서연"), term.Student("2026003", "박지훈")]
    deadline = datetime(2026, 4, 3, 23, 59, tzinfo=KST)
    times = {"2026001": {"submitted_at": deadline - timedelta(minutes=5), "late_mark": False},
             "2026002": {"submitted_at": deadline + timedelta(hours=25), "late_mark": True}}
    rows = [("2026001", "ok", {"task1": 4.0, "task2": 6.0}, set(), ""),
            ("2026002", "ok", {"task1": 4.0, "task2": 6.0}, set(), "")]
    path = tmp_path / "g.csv"
    term.write_grade_table(path, {"task1": 4.0, "task2": 6.0}, ["task1", "task2"], rows,
                           roster=roster, times=times, deadline=deadline, penalty=10)
    got = read_csv(path, encoding="utf-8-sig")
    assert got["2026001"]["late_days"] == "0" and float(got["2026001"]["total"]) == 10
    assert got["2026002"]["late_days"] == "2" and got["2026002"]["late_penalty_percent"] == "20"
    assert float(got["2026002"]["total"]) == 8 and float(got["2026002"]["raw_total"]) == 10
    assert got["2026002"]["submitted_at"].startswith("2026-04-05T00:59")
    assert got["2026003"]["status"] == "미제출"
    with pytest.raises(cw.CourseworkError, match="between 0 and 100"):
        term.late_factor(1, 150)
    with pytest.raises(cw.CourseworkError, match="UTC offset"):
        term.parse_time("2026-04-03T23:59", "--deadline")


def test_roster_in_cp949_and_bad_rosters(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("id,name\n2026001,김민수\n".encode("cp949"))
    assert term.read_roster(path) == [term.Student("2026001", "김민수")]
    path.write_text("학번,이름\n1,김\n", encoding="utf-8")
    with pytest.raises(cw.CourseworkError, match="columns id,name"):
        term.read_roster(path)
    path.write_text("id,name\n1,김\n1,이\n", encoding="utf-8")
    with pytest.raises(cw.CourseworkError, match="appears twice"):
        term.read_roster(path)


def _zip(path: Path, entries: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, when) in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


NB = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def test_canvas_archive_import(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,lms_id\n2026001,김민수,11\n2026002,이서연,12\n2026003,박지훈,13\n", encoding="utf-8")
    archive = _zip(tmp_path / "submissions.zip", {
        "kimminsu_11_501_weight_init.ipynb": (NB + b" ", (2026, 4, 3, 20, 0, 0)),
        "kimminsu_11_502_weight_init-1.ipynb": (NB + b"  ", (2026, 4, 3, 22, 0, 0)),  # resubmission, newer
        "leeseoyeon_LATE_12_503_Copy of weight_init.ipynb": (NB, (2026, 4, 4, 9, 30, 0)),
        "parkjihun_13_504_report.pdf": (b"%PDF", (2026, 4, 3, 10, 0, 0)),
        "stranger_99_505_weight_init.ipynb": (NB, (2026, 4, 3, 10, 0, 0)),
    })
    subs = tmp_path / "subs"
    report = importer.import_archive(archive, subs, "weight_init", roster)
    assert report["lms"] == "canvas" and sorted(report["imported"]) == ["2026001", "2026002"]
    assert (subs / "2026001" / "weight_init.ipynb").read_bytes() == NB + b"  "
    assert (subs / "2026002" / "weight_init.ipynb").read_bytes() == NB
    skipped = "\n".join(report["skipped"])
    assert "report.pdf: not a notebook" in skipped and "99 is not in the roster" in skipped
    assert "kimminsu_11_501_weight_init.ipynb: older than" in skipped
    times = term.read_times(subs / term.TIMES_FILE)
    assert times["2026002"]["late_mark"] and not times["2026001"]["late_mark"]
    assert times["2026001"]["submitted_at"] == datetime(2026, 4, 3, 22, 0, tzinfo=KST)


def test_moodle_archive_import_flat_and_in_folders(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n2026001,김민수\n2026002,이 서연\n2026003,박지훈\n2026004,박지훈\n", encoding="utf-8")
    archive = _zip(tmp_path / "moodle.zip", {
        "김민수_3001_assignsubmission_file_weight_init.ipynb": (NB, (2026, 4, 3, 21, 0, 0)),
        "이서연_3002_assignsubmission_file/weight_init (1).ipynb": (NB + b" ", (2026, 4, 3, 23, 0, 0)),
        "박지훈_3003_assignsubmission_file_weight_init.ipynb": (NB, (2026, 4, 3, 21, 0, 0)),
        "김민수_3001_assignsubmission_onlinetext_onlinetext.html": (b"<p>", (2026, 4, 3, 21, 0, 0)),
    })
    subs = tmp_path / "subs"
    report = importer.import_archive(archive, subs, "weight_init", roster)
    assert report["lms"] == "moodle" and sorted(report["imported"]) == ["2026001", "2026002"]
    assert (subs / "2026002" / "weight_init.ipynb").read_bytes() == NB + b" "
    skipped = "\n".join(report["skipped"])
    assert "2 roster names match '박지훈'" in skipped  # two students of that name: never guessed
    with pytest.raises(cw.CourseworkError, match="neither a Canvas nor a Moodle"):
        importer.import_archive(_zip(tmp_path / "x.zip", {"a.ipynb": (NB, (2026, 1, 1, 0, 0, 0))}),
                                subs, "weight_init", roster)


def test_student_data_is_ignored_by_git():
    paths = ["submissions/2026001/weight_init.ipynb", "roster.csv", "grades.csv", "rosters/2026-1.csv",
             "submissions.zip", "_build/coursework/gradebook.db"]
    proc = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=REPO, capture_output=True, text=True)
    assert sorted(proc.stdout.split()) == sorted(paths), proc.stdout


def test_handout_explains_every_term_it_uses():
    import re

    text = (REPO / "assignments" / "handout.md").read_text(encoding="utf-8")
    rules, _, glossary = text.partition("## 용어")
    assert glossary, "the handout has a glossary section"
    defined = set(re.findall(r"^- \*\*(.+?)\*\*:", glossary, flags=re.M))
    used = set(re.findall(r"\*\*(.+?)\*\*", rules))
    assert used and used <= defined, f"terms used but not explained: {sorted(used - defined)}"
    for rule in ("마감", "지각", "재제출", "미제출", ".ipynb", "Restart", "import weightinit"):
        assert rule in rules


def test_assignment_sources_can_live_in_a_private_folder(tmp_path):
    private = tmp_path / "private-course"
    private.mkdir()
    env = dict(os.environ, COURSEWORK_SOURCE=str(private))
    probe = subprocess.run([sys.executable, "-c", "import coursework; print(coursework.SOURCE_DIR)"],
                           cwd=REPO, env=env, capture_output=True, text=True)
    assert probe.stdout.strip() == str(private)
    proc = subprocess.run([sys.executable, "-m", "coursework", "--workdir", str(tmp_path / "w"), "release"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and f"assignment source not found: {private / 'weight_init.md'}" in proc.stderr
