"""Time every chapter notebook on a quiet machine and while another process keeps one core busy.

    python benchmarks/bench_chapters.py                    # every chapter, busy loop in Python
    python benchmarks/bench_chapters.py advanced he_init   # some chapters
    python benchmarks/bench_chapters.py --load matmul      # the busy process multiplies matrices
    python benchmarks/bench_chapters.py --cells 5 he_init  # also the 5 code cells that cost most CPU

Each chapter runs as a student would run it: converted from ``chapters/<name>.md`` exactly as
``scripts/make_notebooks.py`` does, executed in a fresh kernel whose environment has no BLAS or
OpenMP thread variables (``OPENBLAS_NUM_THREADS`` and friends are removed, also when the Makefile
exports them). Whatever limits the BLAS threads must therefore come from the code itself.
Nothing is written: the reference notebooks are left alone.

The background load is one process that spins on one core for the whole "busy" column, either a
pure Python loop or a NumPy matrix product on one BLAS thread. The target is at most 20 s per
chapter in both columns.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_notebooks  # noqa: E402  (the same conversion as the reference notebooks)

# every variable a BLAS or OpenMP runtime reads for its thread count
THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
TARGET_SECONDS = 20.0

# Each load stops by itself when the benchmark ends, however it ends (its parent changes).
LOADS = {
    "python": "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n",
    "matmul": (
        "import os\n"
        "import numpy as np\n"
        "parent = os.getppid()\n"
        "a = np.random.default_rng(0).standard_normal((400, 400))\n"
        "while os.getppid() == parent:\n"
        "    a = np.tanh(a @ a)\n"
    ),
}


def student_environment() -> dict[str, str]:
    """This process's environment without any thread-count variable (what Jupyter or Colab sees)."""
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used so far; NaN off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class CellTimer:
    """nbclient hooks that record each code cell's wall-clock and kernel CPU seconds."""

    def __init__(self, client: NotebookClient):
        self.client = client
        self.cells: list[tuple[float, float, int, str]] = []  # (cpu, wall, index, first line)
        self._start = (0.0, 0.0)
        client.on_cell_execute = self.started
        client.on_cell_executed = self.finished

    def _kernel_cpu(self) -> float:
        return _process_cpu(self.client.km.provisioner.process.pid)

    def started(self, cell, cell_index):
        self._start = (time.perf_counter(), self._kernel_cpu())

    def finished(self, cell, cell_index, execute_reply):
        wall, cpu = time.perf_counter() - self._start[0], self._kernel_cpu() - self._start[1]
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        self.cells.append((cpu, wall, cell_index, first))

    def report(self, name: str, top: int) -> None:
        print(f"  {name}: the {top} code cells with the most kernel CPU (cell index = position in the notebook)")
        for cpu, wall, index, first in sorted(self.cells, reverse=True)[:top]:
            print(f"    cell {index:>3}: {cpu:5.2f} s cpu, {wall:5.2f} s wall   {first[:60]}")


def run_chapter(md: Path, cells: int = 0) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the chapter in a fresh kernel (NaN, with the reason, if it fails).

    The CPU time is the kernel's (a finished child process): threads that spin while waiting
    for a core show up there even when the wall clock hides them. With ``cells`` > 0 the
    costliest code cells are printed too.
    """
    nb = make_notebooks.to_notebook(md)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(md.parent)}})
    timer = CellTimer(client) if cells > 0 else None
    start, cpu = time.perf_counter(), _children_cpu()
    try:
        client.execute()
    except Exception as exc:  # report and go on: one chapter must not hide the others' times
        print(f"  {md.stem}: failed after {time.perf_counter() - start:.0f} s: {type(exc).__name__}: "
              f"{str(exc).splitlines()[0] if str(exc) else ''}", flush=True)
        return float("nan"), float("nan")
    wall = time.perf_counter() - start
    if timer is not None:
        timer.report(md.stem, cells)
    return wall, _children_cpu() - cpu


class BusyCore:
    """A child process that keeps one core busy while the ``with`` block runs."""

    def __init__(self, kind: str):
        self.kind = kind
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")  # exactly one core
        self.proc = subprocess.Popen([sys.executable, "-c", LOADS[self.kind]], env=env)
        time.sleep(0.5)  # let it start spinning
        return self

    def __exit__(self, *exc):
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="chapter names (file stems); default: all")
    parser.add_argument("--load", choices=sorted(LOADS), default="python", help="what the busy process runs")
    parser.add_argument("--cells", type=int, default=0, metavar="K",
                        help="also print the K code cells of each chapter that cost the most kernel CPU (quiet run)")
    args = parser.parse_args(argv)

    if args.cells < 0:
        parser.error(f"--cells must be 0 or a positive number of cells, got {args.cells}")
    known = {p.stem: p for p in make_notebooks.chapter_sources()}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown chapter(s) {unknown}; chapters are {sorted(known)}")
    chapters = [known[n] for n in args.names] if args.names else list(known.values())

    # The kernels inherit this process's environment: make it a student's, whatever the
    # caller exported (older Makefiles exported OPENBLAS_NUM_THREADS=1).
    os.environ.clear()
    os.environ.update(student_environment())

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"no thread variables in the kernels' environment; busy process: {args.load}")
    quiet, busy = {}, {}
    for md in chapters:  # each chapter quiet, then at once busy: both see the same machine
        quiet[md.stem] = run_chapter(md, args.cells)
        with BusyCore(args.load):
            busy[md.stem] = run_chapter(md)
        print(f"  {md.stem}: {quiet[md.stem][0]:.1f} s quiet, {busy[md.stem][0]:.1f} s busy", flush=True)

    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'chapter':<16}{'quiet s':>10}{'busy s':>10}{'busy/quiet':>12}{'cpu quiet':>11}{'cpu busy':>10}")
    for md in chapters:
        (q, cq), (b, cb) = quiet[md.stem], busy[md.stem]
        flag = "" if q <= TARGET_SECONDS and b <= TARGET_SECONDS else f"   over {TARGET_SECONDS:.0f} s or failed"
        print(f"{md.stem:<16}{q:>10.1f}{b:>10.1f}{b / q:>12.2f}{cq:>11.1f}{cb:>10.1f}{flag}")
    tq, tb = (sum(t[0] for t in col.values()) for col in (quiet, busy))
    print(f"{'total':<16}{tq:>10.1f}{tb:>10.1f}{tb / tq:>12.2f}")
    print(f"(target: every chapter <= {TARGET_SECONDS:.0f} s in both columns; cpu = the kernel's CPU seconds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
