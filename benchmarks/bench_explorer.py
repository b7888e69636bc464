"""Update times of the in-page explorer in headless Chromium (a script, not a test).

Run with ``.venv/bin/python benchmarks/bench_explorer.py`` after ``make book``. For each
setting it moves a control the way a reader does (the bias slider between 0 and 0.1, which
changes every number but draws no new weights), and prints the time from the input event to
the next frame after the page has recomputed and redrawn, best and median of several moves,
with the batch the page chose. The first update after a change of width, initializer family
or seed also draws the weights; the "first" column shows that. Target: <= 150 ms at width 256 x
depth 50. On a shared machine other jobs only ever add time: the best is the closest to the
page's own cost.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"

SETTINGS = [  # activation, init, width, depth
    ("relu", "kaiming_normal", 256, 10),
    ("relu", "kaiming_normal", 256, 50),
    ("tanh", "xavier_normal", 256, 50),
    ("tanh", "orthogonal", 256, 50),
    ("sigmoid", "lecun_normal", 256, 50),
    ("tanh", "xavier_normal", 512, 50),
    ("tanh", "orthogonal", 1024, 50),
    ("relu", "kaiming_normal", 1024, 50),
]

SET = """
const [name, value, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector(`[name="${name}"]`);
if (String(el.value) === String(value)) { done({ms: 0, batch: window.weightinitExplorer.last.simulation.batch}); return; }
const t0 = performance.now();
root.addEventListener('wie:updated', (e) => requestAnimationFrame(() =>
    done({ms: performance.now() - t0, batch: e.detail.simulation.batch})), {once: true});
el.value = String(value);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""


def main() -> int:
    if not (SITE / "chapters" / "practice.html").is_file():
        print("build the site first: make book")
        return 1
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).exists() and Path(driver_path).exists()):
        print("no Chromium here: apt-get install chromium chromium-driver")
        return 1
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="chromium-bench-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_script_timeout(120)
    try:
        driver.get(f"http://127.0.0.1:{httpd.server_address[1]}/chapters/practice.html")
        driver.execute_async_script(
            "const done = arguments[0]; const w = () => (window.weightinitExplorer && "
            "window.weightinitExplorer.last) ? done(true) : setTimeout(w, 50); w();")
        print(f"{'activation':<9} {'init':<16} {'width':>5} {'depth':>5} {'batch':>5} "
              f"{'first':>8} {'best':>8} {'median':>8}")
        for act, init, width, depth in SETTINGS:
            first = None
            for name, value in (("bias", 0), ("activation", act), ("init", init), ("depth", depth), ("width", width)):
                result = driver.execute_async_script(SET, name, value)
                if result["ms"]:
                    first = result
            times = []
            for i in range(6):
                times.append(driver.execute_async_script(SET, "bias", "0.1" if i % 2 == 0 else "0"))
            ms = [t["ms"] for t in times]
            print(f"{act:<9} {init:<16} {width:>5} {depth:>5} {times[0]['batch']:>5} "
                  f"{first['ms'] if first else 0:>6.0f}ms {min(ms):>6.0f}ms {statistics.median(ms):>6.0f}ms",
                  flush=True)
    finally:
        driver.quit()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
