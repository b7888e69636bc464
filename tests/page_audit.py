"""One visit per page of a built edition, recording everything the per-page browser tests read.

Each page of the edition is loaded once in headless Chromium. In the main edition, whose
weight is held to limits, the cache is disabled and the page scrolled through and left until
MathJax has typeset, the fonts are in and the network has been quiet (``scripts/page_weight.visit``,
the measurement of ``benchmarks/bench_pages.py``); in the student edition a plain load waits for
MathJax and the fonts. Then, on that same load, at the top of the page:

* ``weight`` (main edition): bytes and requests of the load (``scripts/page_weight.weigh``),
  pages of the table of contents;
* ``info``: math typeset or not, the body font, links, title (pages of the table of contents),
  and the canvas test of the backslash against the won sign;
* a screenshot into ``_build/screenshots`` (main edition);
* ``desktop``: :data:`browser_probe.PROBE` at 1280 x 800;
* ``axe``: axe-core's violations at 1280 x 1600, the window the page was loaded in;
* ``phone``: :data:`browser_probe.PROBE` at 390 x 844;
* ``console`` and ``requests``: severe console messages and every URL requested from the start
  of the load to the end of these checks.

The tests (``tests/page_checks.py``, run per edition by ``tests/test_pages_main.py`` and
``tests/test_pages_student.py``) only read the record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from browser_probe import PROBE, site_pages
from conftest import ROOT, SITE, toc_docnames
from scripts import headless, page_weight

STUDENT = ROOT / "_build" / "student" / "_build" / "html"
EDITIONS = {"main": SITE, "student": STUDENT}
SHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WINDOW = (1280, 1600)          # the load, the screenshot and axe
DESKTOP, PHONE = (1280, 800), (390, 844)


def require_browser() -> None:
    """Skip (with the reason) without Chromium, or fail when REQUIRE_BROWSER is set."""
    missing = headless.missing()
    if missing:
        reason = f"no Chromium here ({', '.join(missing)} missing): {headless.INSTALL_HINT}"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set)")
        print(reason)
        pytest.skip(reason)


def load(driver, url: str) -> None:
    """Load ``url`` and wait until MathJax (if the page has it) has typeset and the web fonts
    are in; console and network logs of earlier pages are dropped."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(url)
    driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const fonts = document.fonts ? document.fonts.ready : Promise.resolve();
        const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        Promise.all([fonts, math]).then(() => done(true), (e) => done(String(e)));
        """
    )


def requested(entries: list[dict]) -> list[str]:
    """The URLs of the ``Network.requestWillBeSent`` events among performance-log entries."""
    urls = []
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


INFO = r"""
const maths = [...document.querySelectorAll('article .math')];
const untyped = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60));
const para = document.querySelector('article p') || document.body;
return {
  maths: maths.length,
  untyped: untyped,
  rawDelims: /\\\(|\\\[/.test(document.querySelector('article').innerText),
  fontFamily: getComputedStyle(para).fontFamily,
  nanumReady: document.fonts.check('16px NanumGothic', '가'),
  nanumLoaded: [...document.fonts].some(f => f.family.replace(/"/g, '') === 'NanumGothic' && f.status === 'loaded'),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  title: document.title,
};
"""

# Draw a backslash and a won sign in the font of the first paragraph (NanumGothic has a won
# sign at U+005C): the two must differ.
WON_SIGN = r"""
const done = arguments[arguments.length - 1];
const para = document.querySelector('article p');
if (!para) { done(null); return; }
const font = getComputedStyle(para).font;
const draw = (ch) => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d'); g.font = font; g.textBaseline = 'top';
  g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64); g.fillStyle = '#000'; g.fillText(ch, 8, 8);
  return {pixels: c.toDataURL(), width: g.measureText(ch).width,
          ink: [...g.getImageData(0, 0, 64, 64).data].filter((v, i) => i % 4 === 0 && v < 128).length};
};
document.fonts.load(font, '\\\u20a9가').then(() => {
  const slash = draw('\\'), won = draw('\u20a9');
  done({font, same: slash.pixels === won.pixels, slashInk: slash.ink, wonInk: won.ink,
        slashWidth: slash.width, wonWidth: won.width});
}, (e) => done({error: String(e)}));
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done({
  lang: document.documentElement.lang,
  images: document.querySelectorAll('article img').length,
  violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}))
}), e => done({error: String(e)}));
"""


def audit_edition(driver, base: str, directory: Path, *, weigh: bool = True,
                  shots: Path | None = None) -> dict[str, dict]:
    """Visit every page of the edition in ``directory`` (served at ``base``) once in ``driver``
    (started with ``logs=True``); return ``{page: record}`` (see the module's docstring).
    Without ``weigh`` a page is loaded the plain way (:func:`load`: browser cache on, no
    scrolling, no wait for a quiet network) and has no ``weight``. Screenshots go to ``shots``
    when given."""
    axe = AXE.read_text(encoding="utf-8")
    toc = set(page_weight.pages_of(directory, toc_docnames()))
    gzip_sizes: dict[Path, int] = {}
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    record = {}
    for page in site_pages(directory):
        driver.set_window_size(*WINDOW)
        if weigh:
            driver.get_log("browser")               # drop what earlier pages left
            entries = page_weight.visit(driver, f"{base}/{page}")
            driver.execute_script("window.scrollTo(0, 0)")
        else:
            load(driver, f"{base}/{page}")
            entries = []
        result: dict = {}
        if page in toc:
            if weigh:
                result["weight"] = page_weight.weigh(entries, base, directory, page, gzip_sizes)
            result["info"] = driver.execute_script(INFO)
            result["wonSign"] = driver.execute_async_script(WON_SIGN)
            if shots is not None:
                driver.save_screenshot(str(shots / f"{page.removesuffix('.html').replace('/', '_')}.png"))
        driver.set_window_size(*DESKTOP)
        result["desktop"] = driver.execute_script(PROBE)
        driver.set_window_size(*WINDOW)
        driver.execute_script(axe)
        result["axe"] = driver.execute_async_script(AXE_RUN)
        driver.set_window_size(*PHONE)
        result["phone"] = driver.execute_script(PROBE)
        result["console"] = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        result["requests"] = requested(entries + driver.get_log("performance"))
        record[page] = result
    driver.set_window_size(*WINDOW)
    return record
