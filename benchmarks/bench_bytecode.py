"""What a process of the build and the tests pays to start when Python may not keep bytecode.

    python benchmarks/bench_bytecode.py            # 3 runs of each, the median
    python benchmarks/bench_bytecode.py --runs 5

``make venv`` installs with ``pip --no-compile`` (half the install's time), so a module's bytecode
is written when it is first imported. Where the environment sets ``PYTHONDONTWRITEBYTECODE`` (some
CI images do), nothing is ever written and every process compiles everything it imports again;
the Makefile therefore unexports that variable. This script starts the kinds of process the build
and the tests start many times (a sandboxed test process importing NumPy, a chapter's kernel,
Sphinx with Jupyter Book, an nbgrader command) with an empty bytecode folder and writing
forbidden (``PYTHONPYCACHEPREFIX`` pointing to a fresh empty folder), then with the environment's
bytecode (written by a first run of each, as the first import in a build writes it), and prints
the CPU seconds (user + system, from ``resource``) of each and the ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile

PROCESSES = {
    "sandboxed test process (numpy)": "numpy",
    "chapter kernel (ipykernel, matplotlib)": "ipykernel.kernelapp, matplotlib.pyplot, weightinit",
    "build (Sphinx, Jupyter Book, myst-nb)": "sphinx.application, jupyter_book.cli.main, myst_nb",
    "grading command (nbgrader)": "nbgrader.apps.api",
}


def cpu_seconds(statement: str, *, bytecode: bool) -> float:
    """CPU seconds of a fresh interpreter that runs ``import <statement>``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as empty:
        if not bytecode:
            env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", f"import {statement}"], env=env, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each process (the median is shown)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1; got {args.runs}")
    for statement in PROCESSES.values():  # write the bytecode the second column reads
        cpu_seconds(statement, bytecode=True)
    print(f"{'process':42s} {'no bytecode':>12s} {'bytecode':>10s} {'ratio':>7s}")
    for name, statement in PROCESSES.items():
        cold = statistics.median(cpu_seconds(statement, bytecode=False) for _ in range(args.runs))
        warm = statistics.median(cpu_seconds(statement, bytecode=True) for _ in range(args.runs))
        print(f"{name:42s} {cold:10.2f} s {warm:8.2f} s {cold / warm:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
