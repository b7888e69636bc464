"""Every page of a built edition in headless Chromium, from one visit per page.

The checks are written once here; ``tests/test_pages_main.py`` and ``tests/test_pages_student.py``
run them on the main and the student edition (a module each, so that two test workers take one
edition each); the main one also holds what a first visit of the main edition costs. The visit is
``page_audit.audit_edition``: these tests only read its record.

* math typeset by MathJax, Hangul drawn with NanumGothic, whose backslash is not the won sign;
  no console errors, no request leaving the local server, links that resolve;
* accessibility with axe-core (npm, vendored in tests/vendor/axe-core with its licence; version
  in tests/vendor/package.json and package-lock.json), injected after MathJax has typeset. Its
  default rule set covers WCAG 2.0/2.1 A and AA and best practices: contrast, alt text of images
  and figures, labels and accessible names, heading order, the page language. No page may have
  a serious or critical violation; heading order and the page's language (``ko``) are required
  even where axe rates them lower;
* what a reader sees (:data:`browser_probe.PROBE`, read from the DOM after MathJax has typeset,
  the only place where "TeX source the reader can see" is well defined): no ``$``, ``\\``,
  ``^{``, ``_{`` or ``\\command`` in any text node outside typeset math and code; no code cell
  scrolls sideways and every display equation fits the text column at 1280 x 800; on a 390-px
  phone the page never scrolls sideways, a wide equation scrolls in its own box and no formula
  is cut off.

Without Chromium these tests skip (with the reason) unless REQUIRE_BROWSER is set, as in CI.
"""

from __future__ import annotations

import collections
import urllib.error
import urllib.request
from urllib.parse import urldefrag, urlparse

import pytest

import page_audit
from browser_probe import site_pages
from conftest import toc_docnames
from scripts import headless, page_weight

HEAVIEST = "chapters/advanced.html"
BLOCKING = {"serious", "critical"}
ALWAYS_REQUIRED = {"heading-order", "html-has-lang", "html-lang-valid", "image-alt", "label"}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def directory(edition, site):
    path = page_audit.EDITIONS[edition]
    if not (path / "index.html").is_file():
        pytest.fail(f"the {edition} edition is not built ({path}); run `make book student-book`")
    return path


@pytest.fixture(scope="module")
def server(directory):
    with headless.served(directory) as base:
        yield base


@pytest.fixture(scope="module")
def pages(edition, directory, server):
    """``{page: record}`` of every page of the edition, from one visit per page."""
    page_audit.require_browser()
    with headless.chromium(logs=True) as driver:
        return page_audit.audit_edition(driver, server, directory, weigh=edition == "main",
                                        shots=page_audit.SHOTS if edition == "main" else None)


@pytest.fixture(scope="module")
def visited(pages):
    """What each page of the table of contents shows (``info``, console messages, requests)."""
    return {p.removesuffix(".html"): {**r["info"], "console": r["console"], "requests": r["requests"]}
            for p, r in pages.items() if "info" in r}


# --- every page of the contents -----------------------------------------------------------------


def test_every_page_of_the_contents_was_visited(pages, directory):
    toc = page_weight.pages_of(directory, toc_docnames())
    assert len(toc) >= 10 and all("info" in pages[p] for p in toc), sorted(pages)


# --- math, fonts, console, requests, links -------------------------------------------------------


def test_math_is_typeset(visited):
    pages_with_math = [d for d, i in visited.items() if i["maths"]]
    assert pages_with_math, "no page has math at all"
    for doc, info in visited.items():
        assert not info["untyped"], f"{doc}: math left untypeset: {info['untyped'][:3]}"
        assert not info["rawDelims"], rf"{doc}: raw \( or \[ in the text"


def test_hangul_uses_a_korean_font(visited):
    for doc, info in visited.items():
        assert info["fontFamily"].replace('"', "").startswith("NanumGothic"), f"{doc}: font {info['fontFamily']}"
        assert info["nanumReady"] and info["nanumLoaded"], f"{doc}: NanumGothic not loaded"


def test_backslash_is_not_drawn_as_the_won_sign(pages):
    drawn = {p: r["wonSign"] for p, r in pages.items() if r.get("wonSign") is not None}
    assert HEAVIEST in drawn, f"{HEAVIEST} has no paragraph to draw in: {sorted(drawn)}"
    for page, result in drawn.items():
        assert "error" not in result, f"{page}: {result}"
        assert "NanumGothic" in result["font"], f"{page}: {result}"
        assert result["slashInk"] > 0 and result["wonInk"] > 0, f"{page}: nothing drawn: {result}"
        assert not result["same"], f"{page}: the body font draws \\ and ₩ alike: {result}"


def test_no_console_errors(visited):
    for doc, info in visited.items():
        messages = [e["message"] for e in info["console"]]
        assert not messages, f"{doc}: console errors:\n" + "\n".join(messages[:5])


def test_no_request_leaves_the_local_server(visited, server):
    for doc, info in visited.items():
        # anything over the network (the browser's own chrome:// pages are not)
        network = [u for u in info["requests"] if urlparse(u).scheme in ("http", "https", "ws", "wss", "ftp")]
        outside = [u for u in network if not u.startswith(server + "/")]
        assert not outside, f"{doc}: requests to {outside[:5]}"
        assert network, f"{doc}: no request was recorded at all"


def test_navigation_links_resolve(visited, server):
    checked, broken = set(), []
    for doc, info in visited.items():
        for href in info["links"]:
            url = urldefrag(href)[0]
            if not url.startswith(server) or url in checked:
                continue
            checked.add(url)
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.status == 200
            except (urllib.error.URLError, AssertionError) as exc:
                broken.append(f"{doc} -> {url} ({exc})")
    assert checked, "no internal link found"
    assert not broken, "broken links:\n" + "\n".join(broken)


# --- accessibility (axe-core) ------------------------------------------------------------------


def test_axe_ran_on_every_page(pages, directory):
    assert page_audit.AXE.is_file() and (page_audit.AXE.parent / "LICENSE").is_file()
    assert sorted(pages) == site_pages(directory)
    errors = {page: r["axe"]["error"] for page, r in pages.items() if "error" in r["axe"]}
    assert not errors, errors
    assert sum(r["axe"]["images"] for r in pages.values()) > 10, "no figures were audited"


def test_pages_are_korean(pages):
    for page, r in pages.items():
        assert r["axe"]["lang"] == "ko", f"{page}: lang={r['axe']['lang']!r}"


def test_no_serious_or_critical_violations(pages):
    counts = collections.Counter()
    blocking = []
    for page, r in pages.items():
        for v in r["axe"]["violations"]:
            counts[v["impact"]] += v["count"]
            if v["impact"] in BLOCKING or v["id"] in ALWAYS_REQUIRED:
                blocking.append(f"{page}: [{v['impact']}] {v['id']} ({v['help']}) x{v['count']}: {v['nodes'][:3]}")
    print("axe violations by impact:", dict(counts))
    assert not blocking, "accessibility violations:\n" + "\n".join(blocking[:30])


# --- what a reader sees: TeX, code cells, equations at 1280 px and on a phone -------------------


def test_every_page_was_probed(pages, directory):
    assert sorted(pages) == site_pages(directory) and len(pages) >= 10, sorted(pages)
    assert all("desktop" in r and "phone" in r for r in pages.values())


def test_no_tex_source_outside_typeset_math(pages):
    shown = {page: r["desktop"]["raw"] for page, r in pages.items() if r["desktop"]["raw"]}
    assert not shown, "TeX source a reader sees:\n" + "\n".join(
        f"{page}: {frags[:4]}" for page, frags in shown.items())


def test_code_cells_do_not_scroll_sideways_at_1280(pages):
    assert sum(r["desktop"]["codeCells"] for r in pages.values()) > 100, "no code cells measured"
    wide = {page: r["desktop"]["wideCode"] for page, r in pages.items() if r["desktop"]["wideCode"]}
    assert not wide, "code cells wider than their box at 1280 px:\n" + "\n".join(
        f"{page}: {cells[:3]}" for page, cells in wide.items())


def test_display_equations_fit_the_column_at_1280(pages):
    assert sum(r["desktop"]["displayMath"] for r in pages.values()) > 50, "no display equation measured"
    wide = {page: r["desktop"]["wideMath"] for page, r in pages.items() if r["desktop"]["wideMath"]}
    assert not wide, "display equations wider than the text column (or scrolling in their box) at 1280 px:\n" + "\n".join(
        f"{page}: {eqs[:3]}" for page, eqs in wide.items())
    for page, r in pages.items():
        assert r["desktop"]["viewWidth"] == page_audit.DESKTOP[0], f"{page}: window is {r['desktop']['viewWidth']} px wide"
        assert r["desktop"]["pageWidth"] <= r["desktop"]["viewWidth"], f"{page}: the page scrolls sideways"


def test_on_a_phone_wide_equations_scroll_in_their_own_box(pages):
    wide_on_phone = 0
    for page, r in pages.items():
        phone = r["phone"]
        assert phone["viewWidth"] == page_audit.PHONE[0], f"{page}: window is {phone['viewWidth']} px wide"
        assert phone["pageWidth"] <= phone["viewWidth"], \
            f"{page}: the page is {phone['pageWidth']} px wide on a {phone['viewWidth']}-px phone"
        for eq in phone["wideMath"]:
            wide_on_phone += 1
            assert eq["scrolls"], f"{page}: a wide equation spills out of its box on a phone: {eq}"
    # the check above means something only if some equations are wider than a phone
    assert wide_on_phone > 5, wide_on_phone


def test_on_a_phone_no_math_is_cut_off(pages):
    """At 390 px no typeset formula (inline ones in theorem, proof and exercise boxes too) ends
    beyond the visible area of the box around it, unless that box scrolls sideways."""
    cut = {page: r["phone"]["cutMath"] for page, r in pages.items() if r["phone"]["cutMath"]}
    assert not cut, f"{sum(map(len, cut.values()))} formulas are cut off on a phone: {cut}"
    # the check means something only if formulas overflow their boxes at all: some do and scroll
    scrolling = sum(1 for r in pages.values() for eq in r["phone"]["wideMath"] if eq["scrolls"])
    assert scrolling > 5, scrolling
