"""The student edition: the same book with every solution removed, and only the solutions."""

from __future__ import annotations

import copy
import functools
import re

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, SITE, toc_docnames

STUDENT = ROOT / "_build" / "student" / "_build" / "html"


@functools.lru_cache(maxsize=None)
def _page(site, doc: str) -> BeautifulSoup:
    """A built page, parsed once for the whole module; a test that changes it works on a copy."""
    return BeautifulSoup((site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")


def _count(site, selector: str) -> dict[str, int]:
    return {doc: len(_page(site, doc).select(selector)) for doc in toc_docnames()}


def _solution_directives() -> int:
    text = "".join((ROOT / f"{d}.md").read_text(encoding="utf-8") for d in toc_docnames())
    return len(re.findall(r"^```\{solution(-start)?\}", text, flags=re.M))


@pytest.fixture(scope="module")
def student():
    if not (STUDENT / "index.html").is_file():
        pytest.fail(f"the student edition is not built ({STUDENT}); run `make student-book`")
    return STUDENT


def test_the_normal_build_has_every_solution(site):
    expected = _solution_directives()
    assert expected > 0, "the book has no solutions at all"
    assert sum(_count(site, "div.solution").values()) == expected


def test_the_student_build_has_no_solution(site, student):
    """No solution block, and no sentence of any solution of the normal build, is left."""
    assert sum(_count(student, "div.solution").values()) == 0
    for doc in toc_docnames():
        normal = copy.copy(_page(site, doc))   # its solutions are taken out below
        text = _page(student, doc).select_one("article").get_text()
        solutions = normal.select("div.solution")
        for solution in solutions:
            solution.extract()
        # a sentence that the chapter also says outside its solutions may of course stay
        elsewhere = " ".join(normal.select_one("article").get_text().split())
        for solution in solutions:
            title = solution.select_one(".admonition-title").get_text(" ", strip=True)
            assert title not in text, f"{doc}: solution title {title!r} is in the student edition"
            body = [p.get_text(" ", strip=True) for p in solution.select(".solution-content p, section p")]
            for sentence in (" ".join(b.split())[:60] for b in body if len(b) > 30):
                if sentence not in elsewhere:
                    assert sentence not in " ".join(text.split()), f"{doc}: {sentence!r} left"


def test_the_student_build_keeps_every_exercise(site, student):
    normal, students = _count(site, "div.exercise"), _count(student, "div.exercise")
    assert sum(normal.values()) > 0 and normal == students
