"""Time a clean book build (every chapter executed) against a rebuild with nothing changed.

    python benchmarks/bench_build.py

Both builds go to a temporary folder, so the working tree's _build is left alone. The target
is a cached rebuild of at most 20% of the clean build's time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JB = Path(sys.executable).with_name("jupyter-book")


def build(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(JB), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-book-"))
    try:
        clean = build(out)
        cached = build(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{'build':<28}{'seconds':>10}")
    print(f"{'clean (all chapters run)':<28}{clean:>10.1f}")
    print(f"{'cached (nothing changed)':<28}{cached:>10.1f}")
    print(f"{'cached / clean':<28}{cached / clean:>10.2f}   (target <= 0.20)")


if __name__ == "__main__":
    main()
