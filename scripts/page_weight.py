"""What a first visit to a page of the built site costs: bytes and requests, read from Chromium's
network log.

Shared by ``benchmarks/bench_pages.py`` (prints the table) and ``tests/page_audit.py`` (its
visit of every page; ``tests/page_checks.py`` holds the limits). Each page is loaded with the
browser cache disabled, from the plain local server of ``scripts/headless.py`` (it sends files
as they are, without compression), then scrolled to the bottom so that lazily loaded figures
count too, and the script waits until MathJax has typeset and the fonts are in and the network
has been quiet for a moment.

``raw`` is the bytes received (headers included) as Chromium reports them. ``gzip`` is what a
server that compresses text (GitHub Pages does: HTML, CSS, JavaScript, SVG, JSON, plain text)
would send: the body of each text file compressed with gzip level 6, other files as they are,
plus the same headers.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

COMPRESSED_TYPES = (".html", ".css", ".js", ".mjs", ".svg", ".json", ".txt", ".map", ".xml")

_SETTLE = """
const done = arguments[arguments.length - 1];
window.scrollTo(0, document.documentElement.scrollHeight);
for (const img of document.images) img.loading = "eager";
const fonts = document.fonts ? document.fonts.ready : Promise.resolve();
const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
Promise.all([fonts, math]).then(() => done(true), (e) => done(String(e)));
"""


@dataclass
class PageWeight:
    page: str
    raw: int = 0
    gzip: int = 0
    requests: int = 0
    files: list[tuple[str, int]] = field(default_factory=list)   # (path, raw bytes), largest first


def _gzip_size(path: Path, cache: dict[Path, int]) -> int | None:
    if path not in cache:
        if not path.is_file():
            return None
        body = path.read_bytes()
        cache[path] = len(gzip.compress(body, 6)) if path.suffix in COMPRESSED_TYPES else len(body)
    return cache[path]


def measure(driver, base: str, site: Path, page: str, *, quiet: float = 0.5) -> PageWeight:
    """Load ``page`` (e.g. ``"index.html"``) from ``base`` in ``driver`` (a Chromium WebDriver
    started with ``logs=True``) with an empty cache and return its weight."""
    return weigh(visit(driver, f"{base}/{page}", quiet=quiet), base, site, page)


def visit(driver, url: str, *, quiet: float = 0.5) -> list[dict]:
    """Load ``url`` in ``driver`` with the cache disabled, scroll through it, wait until MathJax
    has typeset, the fonts are in and the network has been quiet for ``quiet`` seconds; return
    the performance-log entries of the load (for :func:`weigh`). The page stays scrolled to
    the bottom."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get(url)
    driver.execute_async_script(_SETTLE)
    # wait for the network to be quiet (MathJax fetches its fonts after typesetting)
    entries: list[dict] = []
    idle_since = time.monotonic()
    deadline = idle_since + 30
    while time.monotonic() < deadline:
        batch = driver.get_log("performance")
        if batch:
            entries += batch
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            break
        time.sleep(0.1)
    return entries


def weigh(entries: list[dict], base: str, site: Path, page: str,
          cache: dict[Path, int] | None = None) -> PageWeight:
    """The weight of ``page`` from the performance-log ``entries`` of its load (see
    :func:`visit`); ``cache`` keeps the gzip sizes of files between pages."""
    urls: dict[str, str] = {}
    headers: dict[str, int] = {}
    finished: dict[str, int] = {}
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        method = message.get("method")
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url.startswith(("http://", "https://")):
                urls[params["requestId"]] = url
        elif method == "Network.responseReceived":
            response = params["response"]
            text = response.get("headersText") or ""
            headers[params["requestId"]] = len(text) if text else 0
        elif method == "Network.loadingFinished":
            finished[params["requestId"]] = int(params["encodedDataLength"])
    weight = PageWeight(page)
    cache = {} if cache is None else cache
    prefix = urlparse(base).path.rstrip("/")
    for rid, url in urls.items():
        received = finished.get(rid, 0)
        weight.requests += 1
        weight.raw += received
        path = unquote(urlparse(url).path)[len(prefix):].lstrip("/")
        local = site / path
        if local.is_dir():
            local = local / "index.html"
        body = local.stat().st_size if local.is_file() else received
        overhead = max(received - body, 0)          # response headers
        compressed = _gzip_size(local, cache)
        weight.gzip += (compressed if compressed is not None else body) + overhead
        weight.files.append((path, received))
    weight.files.sort(key=lambda item: -item[1])
    return weight


def pages_of(site: Path, docnames: list[str]) -> list[str]:
    return [f"{doc}.html" for doc in docnames if (site / f"{doc}.html").is_file()]
