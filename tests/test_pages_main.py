"""Every page of the main edition in headless Chromium, one visit per page: the checks of
``tests/page_checks.py``, with screenshots into ``_build/screenshots``, and what a first visit
costs.

Bytes are read from Chromium's network log of that visit, made with the cache disabled
(``scripts/page_weight.py``, the same measurement as ``benchmarks/bench_pages.py``), from the
plain local server, after the page has been scrolled through and MathJax has typeset: the
landing page at most 1.5 MB, every chapter at most 2.5 MB, and at most 1.5 MB of Korean web
font on the heaviest chapter, from the network, subset.
"""

from __future__ import annotations

import re

import pytest

from conftest import toc_docnames
from page_checks import *  # noqa: F401,F403  (the checks and their fixtures)
from page_checks import HEAVIEST
from scripts import page_weight

LANDING_LIMIT = 1_500_000
CHAPTER_LIMIT = 2_500_000
KOREAN_FONT_LIMIT = 1_500_000  # bytes of Korean web font a first visit may download


@pytest.fixture(scope="module")
def edition():
    return "main"


@pytest.fixture(scope="module")
def weights(pages):
    return {p: r["weight"] for p, r in pages.items() if "weight" in r}


def test_first_visit_stays_within_the_limits(weights, directory):
    assert sorted(weights) == sorted(page_weight.pages_of(directory, toc_docnames())), sorted(weights)
    landing = f"{toc_docnames()[0]}.html"
    report = "\n".join(f"{w.page}: {w.raw:,} B in {w.requests} requests; largest: "
                       + ", ".join(f"{p} {s:,}" for p, s in w.files[:4]) for w in weights.values())
    assert weights[landing].raw <= LANDING_LIMIT, f"landing page over {LANDING_LIMIT:,} B:\n{report}"
    heavy = [w.page for w in weights.values() if w.raw > CHAPTER_LIMIT]
    assert not heavy, f"pages over {CHAPTER_LIMIT:,} B: {heavy}\n{report}"
    # the measurement itself must have seen the page's own assets
    assert all(w.requests >= 5 and any(p.endswith(".css") for p, _ in w.files) for w in weights.values())


def test_first_visit_downloads_a_small_korean_font(weights):
    """Empty cache, then the heaviest chapter: what the page transfers, fonts above all."""
    files = weights[HEAVIEST].files
    fonts = [(p, b) for p, b in files if re.search(r"\.(woff2?|ttf|otf)$", p)]
    korean = [(p, b) for p, b in fonts if "Nanum" in p]
    assert korean, f"no Korean web font was loaded: {fonts}"
    assert not [p for p, _ in fonts if p.endswith((".ttf", ".otf"))], f"unsubset fonts: {fonts}"
    assert all(b > 0 for _, b in korean), f"the font came from a cache: {korean}"
    total = sum(b for _, b in korean)
    print(f"Korean web font on a first visit: {total} bytes; page total {sum(b for _, b in files)} bytes")
    assert total <= KOREAN_FONT_LIMIT, f"{total} bytes of Korean font"
