"""The cuts of ``_ext/lean_assets.py`` keep what pages need: every icon a page names is still in
the trimmed Font Awesome script, the style-sheet purge keeps rules for classes in use, and only
the search page loads the search index.

What a first visit costs (the landing page at most 1.5 MB, every chapter at most 2.5 MB, read
from Chromium's network log with the cache disabled by ``scripts/page_weight.py``, the same
measurement as ``benchmarks/bench_pages.py``) is checked on the one visit per page of
``tests/page_audit.py``, in ``tests/page_checks.py``.
"""

from __future__ import annotations

import re
import sys

from conftest import ROOT, SITE, toc_docnames

sys.path.insert(0, str(ROOT / "_ext"))
import lean_assets  # noqa: E402


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
