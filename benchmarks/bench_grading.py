"""Grading throughput of the coursework grader (a script, not a test).

Run with ``.venv/bin/python benchmarks/bench_grading.py [--n 50] [--jobs N]``. It releases the
assignment into a temporary course folder, generates N submissions (a third fully solved, a third
with tasks 1-3 solved, a third untouched release notebooks), grades them once with one job and
once with ``--jobs`` jobs (default: the number of cores), each in a fresh course folder, and
prints the times, submissions per minute and the ratio of the two times. Every submission runs in its own bubblewrap sandboxes,
one per task, so the figure includes the sandbox start-ups. A throwaway grading secret is used.

On a shared machine the ratio of the two times says as much about the other work as about the
grader (measured: 1.26 at load 7-9, 2.20 at load 2 with the same code), so the script also
measures, before and after, how much faster two CPU-bound processes run than one.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "weight_init"


def coursework(*args, workdir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, COURSEWORK_SECRET="throwaway-benchmark-secret-0123456789", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "coursework", "--workdir", str(workdir), *map(str, args)],
                          cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"coursework {args} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def generate(release: dict, source: dict, root: Path, n: int) -> None:
    solutions = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            text = "".join(cell["source"])
            solutions[meta["grade_id"]] = "\n".join(
                line for line in text.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    for i in range(n):
        solved = [("task1", "task2", "task3", "task4", "task5"), ("task1", "task2", "task3"), ()][i % 3]
        nb = copy.deepcopy(release)
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            if gid in solutions and gid.split("_")[0] in solved:
                cell["source"] = solutions[gid]
        folder = root / f"s{i:03d}"
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def grade_once(base: Path, submissions: Path, jobs: int) -> float:
    workdir = base / f"course-{jobs}"
    if workdir.exists():
        shutil.rmtree(workdir)
    coursework("release", workdir=workdir)
    start = time.monotonic()
    coursework("autograde", submissions, "--jobs", jobs, workdir=workdir)
    return time.monotonic() - start


def cpu_parallelism() -> float:
    """How much faster two CPU-bound processes finish than one after the other, on this machine
    now (2.0 on an idle 2-core machine; less while other work keeps the cores busy)."""
    code = "s = 0\nfor i in range(8_000_000):\n    s += i\n"

    def run(k: int) -> float:
        start = time.monotonic()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(k)]
        for proc in procs:
            proc.wait()
        return time.monotonic() - start

    return 2 * run(1) / run(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="number of generated submissions (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel jobs (default: cores)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        workdir = base / "course-release"
        coursework("release", workdir=workdir)
        release = json.loads((workdir / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
        source = json.loads((workdir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
        submissions = base / "submissions"
        generate(release, source, submissions, args.n)
        print(f"{args.n} generated submissions, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at the start")
        times = {}
        print(f"before: two CPU-bound processes run {cpu_parallelism():.2f}x as fast as one (2.00 = two free cores)")
        for jobs in sorted({1, max(1, args.jobs)}):
            elapsed = times[jobs] = grade_once(base, submissions, jobs)
            print(f"jobs={jobs}: {elapsed:6.1f} s, {args.n / elapsed * 60:6.1f} submissions per minute "
                  f"({elapsed / args.n:.2f} s each), load average {os.getloadavg()[0]:.1f} after it", flush=True)
        if len(times) == 2:
            ratio = times[1] / times[args.jobs]
            print(f"jobs={args.jobs} is {ratio:.2f}x as fast as jobs=1 (targets for 50 submissions on 2 cores: "
                  f"jobs=2 <= 60 s, ratio >= 1.7)")
        print(f"after: two CPU-bound processes run {cpu_parallelism():.2f}x as fast as one; a ratio below the "
              f"target with a figure well below 2 here means other work took the second core")


if __name__ == "__main__":
    main()
