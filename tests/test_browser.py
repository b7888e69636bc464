"""The site in a real browser: Debian's headless Chromium driven by Selenium.

For every page of the table of contents: math typeset by MathJax, Hangul drawn with a Korean
font, no console errors, no request leaving the local server, links that resolve. And the
Korean search finds a word written with a particle. Without Chromium these tests skip (with
the reason) unless REQUIRE_BROWSER is set, as it is in CI.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import quote, urldefrag, urlparse

import pytest

from conftest import ROOT, SITE, toc_docnames
from scripts import headless

SHOTS = ROOT / "_build" / "screenshots"

pytestmark = pytest.mark.browser


def _require_browser():
    missing = headless.missing()
    if missing:
        reason = f"no Chromium here ({', '.join(missing)} missing): {headless.INSTALL_HINT}"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set)")
        print(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(site):
    with headless.served(SITE) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    with headless.chromium(logs=True) as driver:
        yield driver


def _load(driver, url: str) -> None:
    driver.get_log("browser")      # drop what earlier pages left
    driver.get_log("performance")
    driver.get(url)
    # wait until MathJax (if the page has it) has typeset and the web fonts are in
    driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const fonts = document.fonts ? document.fonts.ready : Promise.resolve();
        const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        Promise.all([fonts, math]).then(() => done(true), (e) => done(String(e)));
        """
    )


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def visited(browser, server):
    """Load every page once and record what each shows; the tests below read the record."""
    record = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for doc in toc_docnames():
        url = f"{server}/{doc}.html"
        _load(browser, url)
        info = browser.execute_script(
            """
            const maths = [...document.querySelectorAll('article .math')];
            const untyped = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60));
            const para = document.querySelector('article p') || document.body;
            return {
              maths: maths.length,
              untyped: untyped,
              rawDelims: /\\\\\\(|\\\\\\[/.test(document.querySelector('article').innerText),
              fontFamily: getComputedStyle(para).fontFamily,
              nanumReady: document.fonts.check('16px NanumGothic', '가'),
              nanumLoaded: [...document.fonts].some(f => f.family.replace(/"/g, '') === 'NanumGothic' && f.status === 'loaded'),
              links: [...document.querySelectorAll('a[href]')].map(a => a.href),
              title: document.title,
            };
            """
        )
        info["console"] = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        info["requests"] = _requests(browser)
        browser.save_screenshot(str(SHOTS / f"{doc.replace('/', '_')}.png"))
        record[doc] = info
    return record


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
