"""Update times of the in-page explorer in headless Chromium (a script, not a test).

Run with ``.venv/bin/python benchmarks/bench_explorer.py`` after ``make book``; add ``--busy``
to keep one core busy with a Python loop meanwhile. Each update is timed inside the page with
``performance.now()``, from just before the input event until the table is written and the
plots are drawn (no WebDriver round trip inside a measurement). For each setting: two warm-up
rounds (they draw the weights of each initializer family once), then ``ROUNDS`` rounds of
moves; the script prints the first update, the best and the median of the timed ones, and the
simulated width and batch the page chose. For 256 x 50 the moves are those of
``tests/test_browser_explorer.py`` (every control); for the other settings, the bias slider
between 0 and 0.1, which changes every number but draws no new weights; in the residual view,
the branch scale and the normalization placement. Target: <= 150 ms at width 256 x depth 50
(best); at most 1 s for any update at any setting.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts import headless  # noqa: E402  (Debian's Chromium and the local server)

SITE = ROOT / "_build" / "html"

SETTINGS = [  # activation, init, width, depth
    ("relu", "kaiming_normal", 256, 10),
    ("relu", "kaiming_normal", 256, 50),
    ("sigmoid", "random", 256, 50),
    ("tanh", "xavier_normal", 256, 50),
    ("tanh", "orthogonal", 256, 50),
    ("sigmoid", "lecun_normal", 256, 50),
    ("tanh", "xavier_normal", 512, 50),
    ("tanh", "orthogonal", 1024, 50),
    ("relu", "kaiming_normal", 1024, 50),
    ("sigmoid", "lecun_normal", 1024, 50),
    ("relu", "kaiming_uniform", 1024, 1),
    ("gelu", "kaiming_normal", 256, 50),
    ("silu", "kaiming_normal", 1024, 50),
]

RESIDUAL_SETTINGS = [  # activation, init, width, depth: the residual view, moving alpha and the norm
    ("relu", "kaiming_normal", 256, 10),
    ("relu", "kaiming_normal", 256, 50),
    ("gelu", "kaiming_normal", 256, 50),
    ("relu", "orthogonal", 1024, 50),
    ("silu", "kaiming_normal", 1024, 50),
]

sys.path.insert(0, str(ROOT / "tests"))
from test_browser_explorer import MOVES_256_50, TIME_MOVES, TIMED_ROUNDS as ROUNDS  # noqa: E402  (the test's own)

SET = """
const [name, value, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector(`[name="${name}"]`);
if (String(el.value) === String(value)) { done(false); return; }
root.addEventListener('wie:updated', () => requestAnimationFrame(() => done(true)), {once: true});
el.value = String(value);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""


def main() -> int:
    busy = None
    if "--busy" in sys.argv[1:]:
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        print(f"one core kept busy (pid {busy.pid})")
    try:
        return _run()
    finally:
        if busy is not None:
            busy.terminate()
            busy.wait()


def _run() -> int:
    if not (SITE / "chapters" / "practice.html").is_file():
        print("build the site first: make book")
        return 1
    if headless.missing():
        print(f"no Chromium here: {headless.INSTALL_HINT}")
        return 1
    with headless.chromium(timeout=120) as driver, headless.served(SITE) as base:
        _measure(driver, base)
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)")
    return 0


def _measure(driver, base: str) -> None:
    driver.get(f"{base}/chapters/practice.html")
    driver.execute_async_script(
        "const done = arguments[0]; const w = () => (window.weightinitExplorer && "
        "window.weightinitExplorer.last) ? done(true) : setTimeout(w, 50); w();")
    print(f"{'activation':<9} {'init':<16} {'width':>5} {'depth':>5} {'sim.':>5} {'batch':>5} "
          f"{'first':>8} {'best':>8} {'median':>8}  (moves)")
    for act, init, width, depth in SETTINGS:
        for name, value in (("bias", 0), ("activation", act), ("init", init), ("depth", depth), ("width", width)):
            driver.execute_async_script(SET, name, value)
        moves = MOVES_256_50 if (width, depth) == (256, 50) and (act, init) == ("relu", "kaiming_normal") else \
            [("bias", "0.1"), ("bias", "0")]
        rounds = driver.execute_async_script(TIME_MOVES, moves, 2 + ROUNDS)
        first = max(r["ms"] for r in rounds[0])
        timed = [r for rnd in rounds[2:] for r in rnd]
        if moves is MOVES_256_50:  # the slowest move decides: best and median per move, the worst of them
            per_move = [sorted(rnd[i]["ms"] for rnd in rounds[2:]) for i in range(len(moves))]
            best = max(ms[0] for ms in per_move)
            median = max(statistics.median(ms) for ms in per_move)
            label = "every control, slowest move"
        else:
            ms = [r["ms"] for r in timed]
            best, median, label = min(ms), statistics.median(ms), "bias 0 <-> 0.1"
        print(f"{act:<9} {init:<16} {width:>5} {depth:>5} {timed[0]['width']:>5} {timed[0]['batch']:>5} "
              f"{first:>6.0f}ms {best:>6.0f}ms {median:>6.0f}ms  ({label})", flush=True)
    driver.execute_async_script(SET, "mode", "residual")
    print("residual view:")
    for act, init, width, depth in RESIDUAL_SETTINGS:
        for name, value in (("activation", act), ("init", init), ("depth", depth), ("width", width)):
            driver.execute_async_script(SET, name, value)
        moves = [("alpha", "0.5"), ("alpha", "1"), ("norm", "pre_ln"), ("norm", "none")]
        rounds = driver.execute_async_script(TIME_MOVES, moves, 2 + ROUNDS)
        first = max(r["ms"] for r in rounds[0])
        timed = [r for rnd in rounds[2:] for r in rnd]
        ms = [r["ms"] for r in timed]
        print(f"{act:<9} {init:<16} {width:>5} {depth:>5} {timed[0]['width']:>5} {timed[0]['batch']:>5} "
              f"{first:>6.0f}ms {min(ms):>6.0f}ms {statistics.median(ms):>6.0f}ms  (alpha 1 <-> 0.5, norm none <-> pre-LN)",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
