"""The site's search in a real browser: Debian's headless Chromium driven by Selenium.

The Korean search finds a word written with a particle, and its results show snippets of prose:
no TeX source, no button text. The checks of every page (math, fonts, console, requests, links,
screenshots, accessibility, layout, weight) visit each page once in ``tests/page_audit.py`` and
live in ``tests/page_checks.py``. This module also holds the ``browser`` and ``server`` fixtures
of the explorer tests. Without Chromium these tests skip
(with the reason) unless REQUIRE_BROWSER is set, as it is in CI.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlparse

import pytest

from conftest import SITE
from page_audit import SHOTS, load as _load, require_browser as _require_browser, requested  # noqa: F401
from scripts import headless

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(site):
    with headless.served(SITE) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    with headless.chromium(logs=True) as driver:
        yield driver


def _requests(driver) -> list[str]:
    """Every URL requested since the performance log was last read."""
    return requested(driver.get_log("performance"))


@pytest.mark.parametrize("query, expected", [("분산", "chapters/random_init"), ("분산이", "chapters/random_init"),
                                             ("가중치를", "chapters/overview")])
def test_korean_search_finds_words_with_particles(browser, server, query, expected):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _load(browser, f"{server}/search.html?q={quote(query)}")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li")
        or "검색" in d.find_element(By.CSS_SELECTOR, "#search-results").text
    )
    hits = [urlparse(a.get_attribute("href")).path.lstrip("/")
            for a in browser.find_elements(By.CSS_SELECTOR, "#search-results li a")]
    assert any(h.startswith(expected) for h in hits), f"search {query!r}: {hits}"


SNIPPET_TEX = re.compile(r"\\[(\[)\]]|\\[A-Za-z]+|\$|\^\{|_\{")
CHROME_WORDS = (".ipynb", ".pdf", "Binder", "Repository", "Open issue")


@pytest.mark.parametrize("query, expected", [("조건", "chapters/xavier_init"), ("상관계수", "chapters/mean_field"),
                                             ("팬인", "chapters/he_init")])
def test_search_snippets_are_readable_prose(browser, server, query, expected):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _load(browser, f"{server}/search.html?q={quote(query)}")
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
    assert any(item["href"].startswith(expected) for item in items), f"{query!r}: {[i['href'] for i in items]}"
    for item in items:
        text = item["title"] + " " + item["snippet"]
        assert not SNIPPET_TEX.search(text), f"{query!r}: TeX in a search result: {text[:300]}"
        assert not [w for w in CHROME_WORDS if w in text], f"{query!r}: button text in a search result: {text[:300]}"
        assert re.search(r"[가-힣]{2,}", item["snippet"]), f"{query!r}: no Korean prose in {item['snippet']!r}"


def test_the_local_server_is_quiet_about_dropped_requests_only(tmp_path, capsys):
    """The browser cancels pending requests when it moves on; the server must not print a
    traceback for those, and must still report any other error."""
    httpd, _ = headless.start_server(tmp_path)
    try:
        for dropped in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset by peer")):
            try:
                raise dropped
            except OSError:
                httpd.handle_error(None, ("127.0.0.1", 1))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a real bug in a handler")
        except ValueError:
            httpd.handle_error(None, ("127.0.0.1", 1))
        assert "ValueError: a real bug in a handler" in capsys.readouterr().err
    finally:
        httpd.shutdown()
        httpd.server_close()
