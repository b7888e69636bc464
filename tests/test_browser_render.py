"""What a reader sees, measured in headless Chromium on every built page of both editions.

Text is read from the DOM after MathJax has typeset and the web fonts are in, because that is
the only place where "TeX source the reader can see" is well defined: a ``\\(x\\)`` in the HTML
is fine when MathJax turns it into a formula and a bug when it does not (display math that
MyST did not recognise, a docstring's ``$...$``, a title with math in a cross-reference).
Layout (code cells, equations, page width) can only be measured in a browser as well.

* no ``$``, ``\\``, ``^{``, ``_{`` or ``\\command`` in any text node outside typeset math and code;
* no code cell scrolls sideways and every display equation fits the text column at 1280 × 800;
  on a 390-px phone the page never scrolls sideways and a wide equation scrolls in its own box;
* the body font draws a backslash, not the won sign NanumGothic has at U+005C;
* a real search shows snippets of prose: no TeX source, no button text;
* the Korean web font a chapter downloads stays small.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from browser_probe import PROBE, site_pages
from conftest import ROOT, SITE
from scripts.headless import start_server as _serve
from test_browser import _load, browser  # noqa: F401  (the browser fixture)

STUDENT = ROOT / "_build" / "student" / "_build" / "html"
DESKTOP, PHONE = (1280, 800), (390, 844)
KOREAN_FONT_LIMIT = 1_500_000  # bytes of Korean web font a first visit may download

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editions(site):
    if not (STUDENT / "index.html").is_file():
        pytest.fail(f"the student edition is not built ({STUDENT}); run `make student-book`")
    return {"main": SITE, "student": STUDENT}


@pytest.fixture(scope="module")
def views(browser, editions):  # noqa: F811
    """Every page of both editions, probed at desktop and phone width (one load per page)."""
    record = {}
    for edition, directory in editions.items():
        httpd, base = _serve(directory)
        try:
            for page in site_pages(directory):
                browser.set_window_size(*DESKTOP)
                _load(browser, f"{base}/{page}")
                desktop = browser.execute_script(PROBE)
                browser.set_window_size(*PHONE)
                phone = browser.execute_script(PROBE)
                record[f"{edition}:{page}"] = {"desktop": desktop, "phone": phone}
        finally:
            httpd.shutdown()
            httpd.server_close()
    browser.set_window_size(*DESKTOP)
    return record


def test_every_page_was_probed(views, editions):
    for edition, directory in editions.items():
        pages = [k for k in views if k.startswith(edition + ":")]
        assert len(pages) == len(site_pages(directory)) >= 10, pages


def test_no_tex_source_outside_typeset_math(views):
    shown = {page: v["desktop"]["raw"] for page, v in views.items() if v["desktop"]["raw"]}
    assert not shown, "TeX source a reader sees:\n" + "\n".join(
        f"{page}: {frags[:4]}" for page, frags in shown.items())


def test_code_cells_do_not_scroll_sideways_at_1280(views):
    assert sum(v["desktop"]["codeCells"] for v in views.values()) > 100, "no code cells measured"
    wide = {page: v["desktop"]["wideCode"] for page, v in views.items() if v["desktop"]["wideCode"]}
    assert not wide, "code cells wider than their box at 1280 px:\n" + "\n".join(
        f"{page}: {cells[:3]}" for page, cells in wide.items())


def test_display_equations_fit_the_column_at_1280(views):
    assert sum(v["desktop"]["displayMath"] for v in views.values()) > 50, "no display equation measured"
    wide = {page: v["desktop"]["wideMath"] for page, v in views.items() if v["desktop"]["wideMath"]}
    assert not wide, "display equations wider than the text column (or scrolling in their box) at 1280 px:\n" + "\n".join(
        f"{page}: {eqs[:3]}" for page, eqs in wide.items())
    for page, v in views.items():
        assert v["desktop"]["pageWidth"] <= v["desktop"]["viewWidth"], f"{page}: the page scrolls sideways"


def test_on_a_phone_wide_equations_scroll_in_their_own_box(views):
    wide_on_phone = 0
    for page, v in views.items():
        phone = v["phone"]
        assert phone["viewWidth"] == PHONE[0], f"{page}: window is {phone['viewWidth']} px wide"
        assert phone["pageWidth"] <= phone["viewWidth"], \
            f"{page}: the page is {phone['pageWidth']} px wide on a {phone['viewWidth']}-px phone"
        for eq in phone["wideMath"]:
            wide_on_phone += 1
            assert eq["scrolls"], f"{page}: a wide equation spills out of its box on a phone: {eq}"
    # the check above means something only if some equations are wider than a phone
    assert wide_on_phone > 5, wide_on_phone


def test_on_a_phone_no_math_is_cut_off(views):
    """At 390 px no typeset formula (inline ones in theorem, proof and exercise boxes too) ends
    beyond the visible area of the box around it, unless that box scrolls sideways."""
    cut = {page: v["phone"]["cutMath"] for page, v in views.items() if v["phone"]["cutMath"]}
    assert not cut, f"{sum(map(len, cut.values()))} formulas are cut off on a phone: {cut}"
    # the check means something only if formulas overflow their boxes at all: some do and scroll
    scrolling = sum(1 for v in views.values() for eq in v["phone"]["wideMath"] if eq["scrolls"])
    assert scrolling > 5, scrolling


def test_backslash_is_not_drawn_as_the_won_sign(browser, editions):  # noqa: F811
    httpd, base = _serve(editions["main"])
    try:
        _load(browser, f"{base}/chapters/advanced.html")
        result = browser.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const font = getComputedStyle(document.querySelector('article p')).font;
            const draw = (ch) => {
              const c = document.createElement('canvas'); c.width = 64; c.height = 64;
              const g = c.getContext('2d'); g.font = font; g.textBaseline = 'top';
              g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64); g.fillStyle = '#000'; g.fillText(ch, 8, 8);
              return {pixels: c.toDataURL(), width: g.measureText(ch).width,
                      ink: [...g.getImageData(0, 0, 64, 64).data].filter((v, i) => i % 4 === 0 && v < 128).length};
            };
            document.fonts.load(font, '\\\\\\u20a9가').then(() => {
              const slash = draw('\\\\'), won = draw('\\u20a9');
              done({font, same: slash.pixels === won.pixels, slashInk: slash.ink, wonInk: won.ink,
                    slashWidth: slash.width, wonWidth: won.width});
            }, (e) => done({error: String(e)}));
            """
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "error" not in result, result
    assert "NanumGothic" in result["font"], result
    assert result["slashInk"] > 0 and result["wonInk"] > 0, f"nothing drawn: {result}"
    assert not result["same"], f"the body font draws \\ and ₩ alike: {result}"


SNIPPET_TEX = re.compile(r"\\[(\[)\]]|\\[A-Za-z]+|\$|\^\{|_\{")
CHROME_WORDS = (".ipynb", ".pdf", "Binder", "Repository", "Open issue")


@pytest.mark.parametrize("query, expected", [("조건", "chapters/xavier_init"), ("상관계수", "chapters/mean_field"),
                                             ("팬인", "chapters/he_init")])
def test_search_snippets_are_readable_prose(browser, editions, query, expected):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    httpd, base = _serve(editions["main"])
    try:
        _load(browser, f"{base}/search.html?q={quote(query)}")
        # each hit's snippet is fetched from its page: wait until the search has finished (Sphinx
        # writes its summary line then; its progress pulse is no signal, as a pending tick restarts
        # it after stopPulse) and every hit shows its snippet or description
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(
            "const items = [...document.querySelectorAll('#search-results li')];"
            "return typeof Search !== 'undefined' && !!Search.status && Search.status.innerText.trim() !== ''"
            "  && items.length > 0"
            "  && items.every(li => li.querySelector(':scope > p.context, :scope > span'));"))
        items = browser.execute_script(
            "return [...document.querySelectorAll('#search-results li')].map(li => ({"
            "href: li.querySelector('a').getAttribute('href'), title: li.querySelector('a').innerText,"
            "snippet: (li.querySelector(':scope > p.context, :scope > span') || {}).innerText || ''}));")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert any(item["href"].startswith(expected) for item in items), f"{query!r}: {[i['href'] for i in items]}"
    for item in items:
        text = item["title"] + " " + item["snippet"]
        assert not SNIPPET_TEX.search(text), f"{query!r}: TeX in a search result: {text[:300]}"
        assert not [w for w in CHROME_WORDS if w in text], f"{query!r}: button text in a search result: {text[:300]}"
        assert re.search(r"[가-힣]{2,}", item["snippet"]), f"{query!r}: no Korean prose in {item['snippet']!r}"


def test_first_visit_downloads_a_small_korean_font(browser, editions):  # noqa: F811
    """Empty cache, then the heaviest chapter: what the page transfers, fonts above all."""
    httpd, base = _serve(editions["main"])
    try:
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.clearBrowserCache", {})
        _load(browser, f"{base}/chapters/advanced.html")
        entries = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => ({name: e.name, bytes: e.transferSize}))")
    finally:
        httpd.shutdown()
        httpd.server_close()
    fonts = [e for e in entries if re.search(r"\.(woff2?|ttf|otf)$", e["name"])]
    korean = [e for e in fonts if "Nanum" in e["name"]]
    assert korean, f"no Korean web font was loaded: {fonts}"
    assert not [e for e in fonts if e["name"].endswith((".ttf", ".otf"))], f"unsubset fonts: {fonts}"
    assert all(e["bytes"] > 0 for e in korean), f"the font came from a cache: {korean}"
    total = sum(e["bytes"] for e in korean)
    print(f"Korean web font on a first visit: {total} bytes; page total {sum(e['bytes'] for e in entries)} bytes")
    assert total <= KOREAN_FONT_LIMIT, f"{total} bytes of Korean font"
