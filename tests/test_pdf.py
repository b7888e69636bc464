"""The printable handouts that `make pdf` (scripts/make_pdf.py) writes into both built sites.

Read back with poppler's pdftotext and pdfinfo: every page of the table of contents has its
PDF and the book joins them all; the text is Korean, the math was typeset (no LaTeX source
beyond what the web page itself shows as text), the site's navigation chrome is not printed,
and every sheet has its title and page number.
"""

from __future__ import annotations

import re
import shutil
import functools
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, SITE, toc_docnames

STUDENT_SITE = ROOT / "_build" / "student" / "_build" / "html"
EDITIONS = {"main": SITE, "student": STUDENT_SITE}

# LaTeX source that would mean MathJax had not run (or MyST had left math as text)
RAW_LATEX = re.compile(r"\$\$|\\(frac|sqrt|mathbb|operatorname|text|sigma|sum|partial|left|right|cdot|begin)\b|\\\(|\\\[")
# text the site shows only around the article: header, sidebars, footer, notebook links
CHROME = ["직접 실행해 보기", "weightinit 강의팀", "본문은 CC BY 4.0"]


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: apt-get install poppler-utils (.ci/run installs it)")
    return path


@functools.lru_cache(maxsize=None)
def _pdf_pages(path: Path) -> tuple[str, ...]:
    """The text of every page, read once per file: pdftotext ends each page with a form feed, and
    a page's part of the whole document's text is exactly what ``pdftotext -f N -l N`` prints."""
    text = subprocess.run([_poppler("pdftotext"), "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert pages[-1] == "", f"{path.name}: pdftotext output does not end with a page break"
    return tuple(page + "\f" for page in pages[:-1])


def pdf_text(path: Path, *pages: int) -> str:
    """The text of ``path``, or of its pages ``pages[0]`` to ``pages[-1]`` (counted from 1)."""
    every = _pdf_pages(path)
    return "".join(every[pages[0] - 1:pages[-1]] if pages else every)


def page_count(path: Path) -> int:
    info = subprocess.run([_poppler("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert count == len(_pdf_pages(path)), f"{path.name}: pdfinfo and pdftotext disagree on the page count"
    return count


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def pdf_dir(request) -> Path:
    folder = EDITIONS[request.param] / "pdf"
    if not (folder / "book.pdf").is_file():
        pytest.fail(f"no PDF handouts in {folder}: run `make pdf` (`make test` builds them first)")
    return folder


def test_every_page_has_a_pdf_and_the_book_joins_them(pdf_dir):
    docs = toc_docnames()
    counts = {d: page_count(pdf_dir / f"{Path(d).name}.pdf") for d in docs}
    assert all(n >= 1 for n in counts.values()), counts
    # a chapter of this book is several printed sheets, not a page cut short
    chapters = [d for d in docs if Path(d).name in {"overview", "random_init", "xavier_init", "he_init", "practice", "advanced",
                                                          "residual",
                                                          "transformer"}]
    assert all(counts[d] >= 5 for d in chapters), counts
    assert all(counts[d] >= 5 for d in docs if Path(d).name == "width"), counts
    assert all(counts[d] >= 5 for d in docs if Path(d).name == "frameworks"), counts
    assert page_count(pdf_dir / "book.pdf") == sum(counts.values())


@functools.lru_cache(maxsize=None)
def _page_view(site: Path, doc: str) -> tuple[str, str]:
    """The page's heading, and what its article shows as plain text: code, outputs, prose, not
    the math (no separator: highlighted code keeps "\\partial" in one piece). Parsed once."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup((site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser").select_one("article")
    heading = " ".join(article.select_one("h1").get_text(" ", strip=True).replace("#", "").split())
    for node in article.select(".math, mjx-container, script, style, .notebook-links"):
        node.decompose()
    return heading, article.get_text("")


def _heading(site: Path, doc: str) -> str:
    return _page_view(site, doc)[0]


def _hangul(text: str) -> int:
    return len(re.findall(r"[가-힣]", text))


def test_pages_are_korean_and_carry_their_title_and_page_numbers(pdf_dir):
    for doc in toc_docnames():
        path = pdf_dir / f"{Path(doc).name}.pdf"
        # the Korean text of the page is on paper (a missing font or a lost block would drop it)
        printed, shown = _hangul(pdf_text(path)), _hangul(_page_text_outside_math(pdf_dir.parent, doc))
        assert shown > 0 and printed >= 0.9 * shown, f"{path.name}: {printed} Hangul syllables printed of {shown} shown"
        title = _heading(pdf_dir.parent, doc)
        first = " ".join(pdf_text(path, 1).split())
        assert first.count(title) >= 2, f"{path.name}: page 1 does not print the heading {title!r} below its header"
        n = page_count(path)
        for page in range(1, n + 1):
            text = pdf_text(path, page)
            # the header names the page, the footer says "page / pages"
            assert " ".join(text.split()).startswith(title), f"{path.name} p.{page}: header is not {title!r}"
            assert re.search(rf"(^|\s){page}\s*/\s*{n}(\s|$)", text), f"{path.name} p.{page}: no page number"


def _latex_tokens(text: str) -> Counter:
    return Counter(m.group(0) for m in RAW_LATEX.finditer(text))


def _page_text_outside_math(site: Path, doc: str) -> str:
    """What the page shows as plain text in its article: code, outputs, prose; not the math."""
    return _page_view(site, doc)[1]


def test_math_is_typeset_not_printed_as_source(pdf_dir):
    """Every formula is typeset: the PDF holds no LaTeX beyond what the page shows as text.

    LaTeX that the page itself shows as text is the page's business (code cells that label a
    plot with r"$\\sigma$", or a source whose math MyST did not parse); printing must add none:
    a formula printed before MathJax typeset it would add its LaTeX here.
    """
    site = pdf_dir.parent
    shown = {doc: _latex_tokens(_page_text_outside_math(site, doc)) for doc in toc_docnames()}
    for doc in toc_docnames():
        printed = _latex_tokens(pdf_text(pdf_dir / f"{Path(doc).name}.pdf"))
        extra = printed - shown[doc]
        assert not extra, f"{Path(doc).name}.pdf: LaTeX source printed beyond the page's own text: {dict(extra)}"
    extra = _latex_tokens(pdf_text(pdf_dir / "book.pdf")) - sum(shown.values(), Counter())
    assert not extra, f"book.pdf: LaTeX source printed: {dict(extra)}"


def test_no_navigation_chrome_is_printed(pdf_dir):
    for path in sorted(pdf_dir.glob("*.pdf")):
        text = pdf_text(path)
        shown = [c for c in CHROME if c in text]
        assert not shown, f"{path.name}: prints the site's chrome {shown}"


def test_student_handout_has_no_solutions():
    main, student = pdf_text(SITE / "pdf" / "book.pdf"), pdf_text(STUDENT_SITE / "pdf" / "book.pdf")
    assert "풀이" in main
    assert page_count(STUDENT_SITE / "pdf" / "book.pdf") < page_count(SITE / "pdf" / "book.pdf")
    assert main.count("풀이") > student.count("풀이")


def test_landing_page_links_the_book_pdf(pdf_dir):
    from bs4 import BeautifulSoup

    site = pdf_dir.parent
    root = toc_docnames()[0]
    page = site / f"{root}.html"
    html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    targets = [(page.parent / a["href"]).resolve() for a in html.select("article a[href$='.pdf']")]
    assert (pdf_dir / "book.pdf").resolve() in targets


# --------------------------------------------------------------------------- code cells on paper

def _gray_pages(pdf: Path, tmp: Path, dpi: int = 40):
    """Every page of ``pdf`` rendered by poppler's pdftoppm as an 8-bit grey image (numpy array)."""
    import numpy as np

    subprocess.run([_poppler("pdftoppm"), "-r", str(dpi), "-gray", str(pdf), str(tmp / "p")], check=True)
    for image in sorted(tmp.glob("p-*.pgm")):
        magic, size, maxval, data = image.read_bytes().split(b"\n", 3)
        assert magic == b"P5" and maxval == b"255", image
        width, height = map(int, size.split())
        yield int(image.stem.rsplit("-", 1)[1]), np.frombuffer(data, np.uint8)[: width * height].reshape(height, width)


def empty_code_boxes(page, pad: int = 6, min_rows: int = 3, min_width: int = 150) -> list[tuple[int, int]]:
    """Vertical pixel ranges of code-cell boxes on a page image that hold no text at all.

    A code cell prints as a light box (grey 238-250) with a dark left border on the white page. A
    piece of such a box with not one dark pixel inside is a box whose code went to another page.
    """
    import numpy as np

    img = page.astype(int)
    h, w = img.shape
    edge = (img[:, : w - pad - 1] >= 60) & (img[:, : w - pad - 1] <= 140)          # the left border
    edge[:, 2:] &= img[:, : w - pad - 3] >= 252                                      # the page to its left
    for k in range(1, pad + 1):                                                      # the box to its right
        inside = img[:, k : w - pad - 1 + k]
        edge &= (inside >= 238) & (inside <= 250)
    found = []
    for x in np.flatnonzero(edge.sum(axis=0) >= min_rows):
        rows = np.flatnonzero(edge[:, x])
        for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1):
            if len(run) < min_rows:
                continue
            band = img[run[0] : run[-1] + 1, x + 1 :]
            box_columns = np.flatnonzero(((band >= 238) & (band <= 250)).mean(axis=0) > 0.5)
            right = x + 1 + box_columns.max()
            if right - x >= min_width and not (img[run[0] : run[-1] + 1, x + 2 : right - 1] < 170).any():
                found.append((int(run[0]), int(run[-1])))
    return found


def test_no_code_cell_box_is_printed_empty(pdf_dir, tmp_path):
    """A code cell's box stays with its code: no page shows an empty box whose code moved on."""
    empty = {number: boxes for number, page in _gray_pages(pdf_dir / "book.pdf", tmp_path)
             if (boxes := empty_code_boxes(page))}
    assert not empty, f"book.pdf: pages with an empty code box (page: pixel rows at 40 dpi): {empty}"


def test_the_empty_box_check_sees_an_empty_box():
    """The check above finds the printed form of the fault: a bordered box with nothing inside,
    and passes a box with a line of code in it."""
    import numpy as np

    page = np.full((200, 300), 255, np.uint8)
    page[40:120, 30] = 76                # the green left border, printed grey
    page[40:120, 31:280] = 247           # the box's own background
    assert empty_code_boxes(page) == [(40, 119)]
    page[60:64, 50:200] = 40             # a line of code
    assert empty_code_boxes(page) == []


def test_collapsed_blocks_are_printed():
    """The "더 깊이" boxes and the code cells hidden behind a click are on paper."""
    he = pdf_text(SITE / "pdf" / "he_init.pdf")
    assert "숄레스키 분해" in he and "np.linalg.cholesky" in he
    xavier = pdf_text(SITE / "pdf" / "xavier_init.pdf")
    assert "더 깊이" in xavier and "brentq" in xavier
