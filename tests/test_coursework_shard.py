"""Grading on several machines: ``autograde --shard K/N`` and ``merge`` (coursework/shard.py).

A batch of submissions (solved, partly solved, untouched, a written answer, one malformed) is
graded once in one run and once as three shards in three course folders that are then merged
into a fourth. The merged gradebook must give the same grade table (export CSV) as the single
run, row for row, and the same per-student result files.
"""

from __future__ import annotations

import argparse
import csv
import io
import json

import pytest

from course_release import released_course
from test_coursework import ASSIGNMENT, CELL_TIMEOUT, make_submission, read_notebook, run_script, write_notebook

import coursework as cw  # noqa: E402
from coursework import shard as sh  # noqa: E402

PLANS = [set(), {"task1"}, {"task1", "task2", "task3"}, {"task2", "task4"}, {"task1", "task2", "task3", "task4", "task5"},
         {"task3"}, {"task5", "task6"}, {"task1", "task2", "task3", "task4", "task5", "task6"}]


def test_parse_shard_accepts_k_of_n_and_names_what_is_wrong():
    assert sh.parse_shard("2/5") == sh.Shard(2, 5) and str(sh.parse_shard(" 1/1 ")) == "1/1"
    for bad in ("0/3", "4/3", "3", "a/b", "1/2/3", "-1/2", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="K/N"):
            sh.parse_shard(bad)


def test_every_student_is_in_exactly_one_shard_and_stays_there():
    students = [f"2026{i:05d}" for i in range(3000)] + ["김민준", "kim.minjun-2"]
    for count in (1, 3, 7):
        shards = [sh.Shard(k, count) for k in range(1, count + 1)]
        owners = [[s for s in shards if s.holds(student)] for student in students]
        assert all(len(o) == 1 for o in owners)
        sizes = [sum(o[0] == s for o in owners) for s in shards]
        n, share = len(students), 1 / count   # a fair share each: within 5 standard deviations of n/N
        assert all(abs(size - n * share) <= 5 * (n * share * (1 - share)) ** 0.5 for size in sizes), sizes
    # the same split in another process and after the class changes: a hash of the id alone
    assert [sh.shard_of(s, 3) for s in students[:5]] == [sh.shard_of(s, 3) for s in students[:5]]
    assert sh.Shard(1, 3).select({s: 0 for s in students[:30]}) == {
        s: 0 for s in students[:30] if sh.shard_of(s, 3) == 1}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("shards")
    folders = {name: base / name for name in ("single", "shard1", "shard2", "shard3", "merged")}
    for folder in folders.values():  # five copies of one release
        released_course(tmp_path_factory, ASSIGNMENT, folder, CELL_TIMEOUT)
    source_nb = read_notebook(folders["single"] / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release_nb = read_notebook(folders["single"] / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    submissions = base / "submissions"
    for i, plan in enumerate(PLANS):
        write_notebook(make_submission(release_nb, source_nb, plan), submissions / f"s{i:02d}" / f"{ASSIGNMENT}.ipynb")
    (submissions / "s99").mkdir()  # malformed: no notebook
    (submissions / "s99" / "notes.txt").write_text("no notebook here", encoding="utf-8")
    return folders, submissions


def _table(folder, path):
    run_script("export", path, workdir=folder)
    return path.read_text(encoding="utf-8")


def test_three_shards_merged_give_the_single_run_grades(batch, tmp_path):
    folders, submissions = batch
    single = run_script("autograde", submissions, "--timeout", CELL_TIMEOUT, workdir=folders["single"], check=False)
    assert single.returncode == 1 and "s99" in single.stderr  # the malformed one is reported
    held = {}
    for k in (1, 2, 3):
        run_script("autograde", submissions, "--timeout", CELL_TIMEOUT, "--shard", f"{k}/3",
                   workdir=folders[f"shard{k}"], check=False)
        manifest = json.loads((folders[f"shard{k}"] / f"shard-{ASSIGNMENT}.json").read_text(encoding="utf-8"))
        held[k] = set(manifest["students"])
        graded_here = {p.stem for p in (folders[f"shard{k}"] / "results" / ASSIGNMENT).glob("*.json")}
        assert graded_here <= held[k]  # a shard grades nobody else's submission
    everyone = {f"s{i:02d}" for i in range(len(PLANS))} | {"s99"}
    assert set().union(*held.values()) == everyone and sum(map(len, held.values())) == len(everyone)
    assert all(held.values()), "with these ids every shard has work (the test would prove little otherwise)"

    out = run_script("merge", *(folders[f"shard{k}"] for k in (3, 1, 2)), workdir=folders["merged"])
    assert "merged 3 shard(s)" in out.stdout
    single_csv = _table(folders["single"], tmp_path / "single.csv")
    merged_csv = _table(folders["merged"], tmp_path / "merged.csv")
    assert single_csv == merged_csv
    assert single_csv.count("\n") == len(everyone) + 1 and "malformed" in single_csv
    # full marks for the fully solved one and not for the untouched one: the table has real grades
    rows = {row["student_id"]: row for row in csv.DictReader(io.StringIO(single_csv))}
    assert float(rows["s07"]["total"]) > float(rows["s00"]["total"]) == 0
    for i in range(len(PLANS)):
        one = json.loads((folders["single"] / "results" / ASSIGNMENT / f"s{i:02d}.json").read_text(encoding="utf-8"))
        two = json.loads((folders["merged"] / "results" / ASSIGNMENT / f"s{i:02d}.json").read_text(encoding="utf-8"))
        assert one["tasks"] == two["tasks"]


def test_merge_refuses_an_incomplete_or_doubled_set(batch):
    folders, _ = batch
    if not (folders["shard1"] / f"shard-{ASSIGNMENT}.json").is_file():
        pytest.skip("needs the shards graded by the test above")
    missing = run_script("merge", folders["shard1"], folders["shard2"], workdir=folders["merged"], check=False)
    assert missing.returncode == 2 and "missing shard(s) 3/3" in missing.stderr
    doubled = run_script("merge", folders["shard1"], folders["shard1"], folders["shard2"], workdir=folders["merged"],
                         check=False)
    assert doubled.returncode == 2 and "given twice" in doubled.stderr
    assert cw is not None
