"""Debian's headless Chromium driven by Selenium, and a built site served on 127.0.0.1.

The one place that knows how to start both, for the PDF printer (``scripts/make_pdf.py``), the
browser tests (``tests/test_browser*.py``, ``tests/page_audit.py``) and the explorer benchmark.
The browser is Debian's (``apt-get install chromium chromium-driver``, or ``$CHROMIUM`` and
``$CHROMEDRIVER``); nothing here downloads one.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
INSTALL_HINT = "apt-get install chromium chromium-driver fonts-nanum"

# no network beyond the local server, no first-run or update traffic; Korean UI so that the
# browser's own fallback fonts and language match a Korean reader's
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic", "--no-first-run", "--lang=ko-KR")


def missing() -> list[str]:
    """The browser files that are not installed here (empty when Chromium can run)."""
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """Leaves out the traceback of a request the browser dropped halfway (it cancels pending
    requests when a test moves to the next page); any other error is reported as usual."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def start_server(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` on a free local port; return the server (call ``shutdown`` and
    ``server_close`` when done) and its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@contextlib.contextmanager
def served(directory: Path) -> Iterator[str]:
    """The base URL of ``directory`` served on 127.0.0.1 while the ``with`` block runs."""
    httpd, base = start_server(directory)
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium(*, window: tuple[int, int] = (1280, 1600), timeout: float = 60, logs: bool = False) -> Iterator:
    """A headless Chromium WebDriver with a fresh profile, quit when the ``with`` block ends.

    ``logs`` records the console and the network log (``driver.get_log("browser")`` and
    ``"performance"``). Raises ``FileNotFoundError`` naming the missing files and the Debian
    packages when the browser is not installed."""
    absent = missing()
    if absent:
        raise FileNotFoundError(f"{', '.join(absent)} not found; install Debian's browser: {INSTALL_HINT}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={window[0]},{window[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(timeout)
        driver.set_script_timeout(timeout)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
