"""Execute one chapter many times in a row, as the book build does, and report the slowest run.

    python benchmarks/bench_stall.py                       # practice, 20 runs
    python benchmarks/bench_stall.py --runs 40 he_init
    python benchmarks/bench_stall.py --py-spy /path/to/py-spy --dump-after 30

Each run converts ``chapters/<name>.md`` as the build does and executes it with nbclient in a
fresh kernel, with the build's cell timeout (120 s, ``_config.yml``) and the build's sliced wait
for kernel replies (``_ext/kernel_wait.py``; ``--unsliced`` leaves jupyter_client as it is). A run in which one cell
waits for the timeout is a stall: the build then loses two minutes and still passes. The script
prints every run's time and slowest cell, then the slowest run and the number of stalls (a cell
that took longer than ``--stall`` seconds). With ``--py-spy`` a watchdog dumps the Python stacks
of this process (the client) and of the kernel when a cell has run for ``--dump-after`` seconds.
Exit status 1 when any run stalled.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_notebooks  # noqa: E402  (the same conversion as the reference notebooks)

sys.path.insert(0, str(ROOT / "_ext"))
import kernel_wait  # noqa: E402  (the build's sliced wait for kernel replies)

BUILD_TIMEOUT = 120


class Watch:
    """nbclient hooks: each cell's wall time, and a py-spy dump when a cell runs too long."""

    def __init__(self, client: NotebookClient, py_spy: str | None, dump_after: float):
        self.client, self.py_spy, self.dump_after = client, py_spy, dump_after
        self.cells: list[tuple[float, int]] = []
        self._start = 0.0
        self._index = -1
        self._timer: threading.Timer | None = None
        client.on_cell_execute = self.started
        client.on_cell_executed = self.finished

    def started(self, cell, cell_index):
        self._start, self._index = time.perf_counter(), cell_index
        if self.py_spy:
            self._timer = threading.Timer(self.dump_after, self.dump)
            self._timer.daemon = True
            self._timer.start()

    def finished(self, cell, cell_index, execute_reply):
        if self._timer is not None:
            self._timer.cancel()
        self.cells.append((time.perf_counter() - self._start, cell_index))

    def dump(self):
        kernel = self.client.km.provisioner.process.pid
        for name, pid in (("client", os.getpid()), ("kernel", kernel)):
            out = subprocess.run([self.py_spy, "dump", "--locals", "--pid", str(pid)], capture_output=True, text=True)
            print(f"--- cell {self._index} running {self.dump_after:.0f} s: py-spy dump of the {name} (pid {pid})\n"
                  f"{out.stdout}{out.stderr}", flush=True)


def run_once(md: Path, py_spy: str | None, dump_after: float) -> tuple[float, float, int]:
    """Wall seconds of the whole run, and of its slowest cell with that cell's index."""
    nb = make_notebooks.to_notebook(md)
    client = NotebookClient(nb, timeout=BUILD_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(md.parent)}})
    watch = Watch(client, py_spy, dump_after)
    start = time.perf_counter()
    client.execute()
    slowest = max(watch.cells)
    return time.perf_counter() - start, slowest[0], slowest[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="practice")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--stall", type=float, default=60.0, help="a cell slower than this is a stall (s)")
    parser.add_argument("--py-spy", help="py-spy executable: dump stacks of a cell that runs too long")
    parser.add_argument("--dump-after", type=float, default=30.0)
    parser.add_argument("--unsliced", action="store_true",
                        help="wait for replies as jupyter_client does by itself (without _ext/kernel_wait.py)")
    args = parser.parse_args(argv)
    if not args.unsliced:
        kernel_wait.install()
    md = ROOT / "chapters" / f"{args.chapter}.md"
    if not md.is_file():
        parser.error(f"no chapter {md}")
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    times, stalls = [], 0
    for run in range(1, args.runs + 1):
        wall, cell_wall, cell = run_once(md, args.py_spy, args.dump_after)
        stalled = cell_wall > args.stall
        stalls += stalled
        times.append(wall)
        print(f"run {run:2d}: {wall:6.1f} s, slowest cell {cell} {cell_wall:6.1f} s{'  STALL' if stalled else ''}",
              flush=True)
    print(f"{args.chapter}: {args.runs} runs, slowest {max(times):.1f} s, median {sorted(times)[len(times) // 2]:.1f} s, "
          f"stalls (a cell > {args.stall:.0f} s): {stalls}"
          + ("" if args.unsliced else f", missed wake-ups caught by the sliced wait: {kernel_wait.rescued}"))
    return 1 if stalls else 0


if __name__ == "__main__":
    raise SystemExit(main())
