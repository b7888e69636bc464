"""What a first visit costs: the landing page at most 1.5 MB, every chapter at most 2.5 MB.

Bytes are read from Chromium's network log with the cache disabled (``scripts/page_weight.py``,
the same measurement as ``benchmarks/bench_pages.py``), from the plain local server, after the
page has been scrolled through and MathJax has typeset. The other tests check that the cuts of
``_ext/lean_assets.py`` keep what pages need: every icon a page names is still in the trimmed
Font Awesome script, and the style-sheet purge keeps rules for classes in use.
"""

from __future__ import annotations

import re
import sys

import pytest

from conftest import ROOT, SITE, toc_docnames
from scripts import headless, page_weight

sys.path.insert(0, str(ROOT / "_ext"))
import lean_assets  # noqa: E402

LANDING_LIMIT = 1_500_000
CHAPTER_LIMIT = 2_500_000


@pytest.fixture(scope="module")
def weights(site):
    missing = headless.missing()
    if missing:
        reason = f"no Chromium here ({', '.join(missing)} missing): {headless.INSTALL_HINT}"
        if __import__("os").environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set)")
        pytest.skip(reason)
    pages = page_weight.pages_of(site, toc_docnames())
    with headless.served(site) as base, headless.chromium(logs=True) as driver:
        return {w.page: w for w in (page_weight.measure(driver, base, site, page) for page in pages)}


@pytest.mark.browser
def test_first_visit_stays_within_the_limits(weights):
    landing = f"{toc_docnames()[0]}.html"
    report = "\n".join(f"{w.page}: {w.raw:,} B in {w.requests} requests; largest: "
                       + ", ".join(f"{p} {s:,}" for p, s in w.files[:4]) for w in weights.values())
    assert weights[landing].raw <= LANDING_LIMIT, f"landing page over {LANDING_LIMIT:,} B:\n{report}"
    heavy = [w.page for w in weights.values() if w.raw > CHAPTER_LIMIT]
    assert not heavy, f"pages over {CHAPTER_LIMIT:,} B: {heavy}\n{report}"
    # the measurement itself must have seen the page's own assets
    assert all(w.requests >= 5 and any(p.endswith(".css") for p, _ in w.files) for w in weights.values())


def test_trimmed_icon_script_keeps_every_icon_a_page_names(site):
    script = (site / lean_assets.FONTAWESOME_JS).read_text(encoding="utf-8")
    assert len(script) < 200_000, "fontawesome.js was not trimmed"
    kept = set()
    for match in lean_assets._ICON.finditer(script):
        kept.add(match.group(1) or match.group(2))
        kept.update(a.strip('"') for a in match.group(5).split(",") if a.startswith('"'))
    named = set()
    for page in site.rglob("*.html"):
        for classes in re.findall(r'class="([^"]*)"', page.read_text(encoding="utf-8")):
            words = classes.split()
            if {"fa", "fas", "far", "fab", "fa-solid", "fa-regular", "fa-brands"} & set(words):
                named.update(w[3:] for w in words if w.startswith("fa-") and w not in (
                    "fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-fw", "fa-xs", "fa-sm", "fa-2x"))
    assert named, "no icon found on the pages (markup changed?)"
    assert named <= kept, f"icons named by pages but dropped from fontawesome.js: {sorted(named - kept)}"


def test_style_purge_keeps_rules_that_can_match():
    css = (".used{color:red}.unused{color:blue}.used .unused,.used>p{margin:0}"
           "@media (min-width:10px){.unused{x:1}.used:not(.unused){y:2}}"
           ":root{--a:1}html[data-theme=dark] .used{color:white}.bs-tip-top{z:1}")
    out = lean_assets.purge_css(css, {"used"}, ("bs-tip-",))
    assert ".unused{color:blue}" not in out
    assert ".used{color:red}" in out and ".used>p{margin:0}" in out and ".used .unused" not in out
    assert "@media (min-width:10px){.used:not(.unused){y:2}}" in out
    assert ":root{--a:1}" in out and "html[data-theme=dark] .used{color:white}" in out
    assert ".bs-tip-top{z:1}" in out


def test_pages_do_not_load_the_search_index_except_the_search_page(site):
    landing = (site / f"{toc_docnames()[0]}.html").read_text(encoding="utf-8")
    assert "searchindex.js" not in landing
    assert "searchindex.js" in (site / "search.html").read_text(encoding="utf-8")
    assert SITE == site
