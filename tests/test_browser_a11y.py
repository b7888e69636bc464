"""Accessibility of every built page of both editions, checked with axe-core in Chromium.

axe-core (npm, vendored in tests/vendor/axe-core with its licence; version in
tests/vendor/package.json and package-lock.json) is injected through Selenium after MathJax has
typeset. Its default rule set covers WCAG 2.0/2.1 A and AA and best practices: contrast, alt text
of images and figures, labels and accessible names, heading order, the page language. No page
may have a serious or critical violation; heading order and the page's language (``ko``) are
required even where axe rates them lower.
"""

from __future__ import annotations

import collections

import pytest

from browser_probe import site_pages
from conftest import ROOT
from test_browser import _load, browser  # noqa: F401  (the browser fixture)
from test_browser_render import _serve, editions  # noqa: F401  (the editions fixture)

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
ALWAYS_REQUIRED = {"heading-order", "html-has-lang", "html-lang-valid", "image-alt", "label"}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def audits(browser, editions):  # noqa: F811
    source = AXE.read_text(encoding="utf-8")
    record = {}
    for edition, directory in editions.items():
        httpd, base = _serve(directory)
        try:
            for page in site_pages(directory):
                _load(browser, f"{base}/{page}")
                browser.execute_script(source)
                record[f"{edition}:{page}"] = browser.execute_async_script(
                    """
                    const done = arguments[arguments.length - 1];
                    axe.run(document, {resultTypes: ['violations']}).then(r => done({
                      lang: document.documentElement.lang,
                      images: document.querySelectorAll('article img').length,
                      violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}))
                    }), e => done({error: String(e)}));
                    """
                )
        finally:
            httpd.shutdown()
            httpd.server_close()
    return record


def test_axe_ran_on_every_page(audits, editions):
    assert AXE.is_file() and (AXE.parent / "LICENSE").is_file()
    for edition, directory in editions.items():
        assert len([k for k in audits if k.startswith(edition + ":")]) == len(site_pages(directory))
    errors = {page: a["error"] for page, a in audits.items() if "error" in a}
    assert not errors, errors
    assert sum(a["images"] for a in audits.values()) > 10, "no figures were audited"


def test_pages_are_korean(audits):
    for page, audit in audits.items():
        assert audit["lang"] == "ko", f"{page}: lang={audit['lang']!r}"


def test_no_serious_or_critical_violations(audits):
    counts = collections.Counter()
    blocking = []
    for page, audit in audits.items():
        for v in audit["violations"]:
            counts[v["impact"]] += v["count"]
            if v["impact"] in BLOCKING or v["id"] in ALWAYS_REQUIRED:
                blocking.append(f"{page}: [{v['impact']}] {v['id']} ({v['help']}) x{v['count']}: {v['nodes'][:3]}")
    print("axe violations by impact:", dict(counts))
    assert not blocking, "accessibility violations:\n" + "\n".join(blocking[:30])
