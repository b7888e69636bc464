"""Print a built site to PDF with Debian's Chromium: one PDF per page and one of the whole book.

    python scripts/make_pdf.py                                  # _build/html -> _build/html/pdf/
    python scripts/make_pdf.py _build/html _build/student/_build/html

For every page of the table of contents (``_toc.yml``, in reading order) the site is served on
127.0.0.1, loaded in headless Chromium (``/usr/bin/chromium`` through ``chromedriver``; no
browser is downloaded), and printed once MathJax has typeset the math, the web fonts are in
and every figure has loaded. Printing uses the site's print style sheet (``_static/print.css``:
no header, sidebars, buttons or footer; code wraps at the margin) and the Chrome DevTools
command ``Page.printToPDF``, whose header and footer templates put the page's title at the
top of each sheet (its first heading) and "page / pages" at the bottom. Collapsed blocks (``<details>``) are opened
first, so that what the site shows on a click is on paper too.

The pages are written to ``<site>/pdf/<name>.pdf`` and the whole book to ``<site>/pdf/book.pdf``,
which the landing page links. The book is the page PDFs joined with ``pypdf`` (a maintained
pure-Python PDF library): every page keeps the numbering of its own handout, so "chapter 3,
page 5" means the same sheet in both, and the book gets one bookmark per page of the table of
contents with the headings of that page below it. Printing one long combined page instead would
need a second, single-page build of the site.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from pypdf import PdfWriter

import headless  # scripts/headless.py: Debian's Chromium and the local server

ROOT = Path(__file__).resolve().parent.parent
BOOK_NAME = "book"
PDF_DIR = "pdf"

_TEMPLATE_STYLE = "font-family: 'NanumGothic', sans-serif; font-size: 8pt; color: #555; width: 100%; margin: 0 12mm;"
PRINT_OPTIONS = {
    "paperWidth": 8.27,  # A4, in inches
    "paperHeight": 11.69,
    "marginTop": 0.7,
    "marginBottom": 0.7,
    "marginLeft": 0.6,
    "marginRight": 0.6,
    "printBackground": True,
    "displayHeaderFooter": True,
    "headerTemplate": f'<div style="{_TEMPLATE_STYLE}"><span class="title"></span></div>',
    "footerTemplate": (
        f'<div style="{_TEMPLATE_STYLE} text-align: center;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    ),
    "generateDocumentOutline": True,  # bookmarks from the page's headings
}

# Resolves when the page is ready to print: fonts, MathJax's typesetting, every image.
_WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
document.querySelectorAll('details').forEach(d => { d.open = true; });
const fonts = document.fonts ? document.fonts.ready : Promise.resolve();
const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
const images = [...document.images].map(img => img.complete ? Promise.resolve() :
    new Promise(resolve => { img.onload = img.onerror = resolve; }));
Promise.all([fonts, math, ...images])
    .then(() => new Promise(resolve => requestAnimationFrame(() => resolve())))
    .then(() => done(true), (e) => done(String(e)));
"""


def toc_docnames() -> list[str]:
    """Every document of the book in reading order, the root first (as Jupyter Book reads _toc.yml)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return names


def chromium():
    """Headless Debian Chromium (scripts/headless.py); a clear exit when it is not installed."""
    if headless.missing():
        sys.exit(f"make_pdf: {', '.join(headless.missing())} not found; install Debian's browser: "
                 f"{headless.INSTALL_HINT}")
    return headless.chromium(timeout=120)


def print_page(driver, url: str) -> tuple[bytes, str]:
    """The page at ``url`` as PDF bytes, and its title (the first heading)."""
    driver.get(url)
    ready = driver.execute_async_script(_WAIT_FOR_PAGE)
    if ready is not True:
        raise RuntimeError(f"{url} did not finish rendering: {ready}")
    # the header template prints document.title: make it the page's own heading
    title = driver.execute_script(
        "const h = document.querySelector('article h1');"
        "if (h) { document.title = h.textContent.replace(/[#¶]/g, '').replace(/\\s+/g, ' ').trim(); }"
        "return document.title;"
    )
    pdf = driver.execute_cdp_cmd("Page.printToPDF", PRINT_OPTIONS)
    return base64.b64decode(pdf["data"]), title


def make_pdfs(site: Path) -> list[Path]:
    """Print every page of ``site`` and join them into the book; return the files written."""
    if not (site / "index.html").is_file():
        sys.exit(f"make_pdf: no built site at {site} (run make book first)")
    out = site / PDF_DIR
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    docs = toc_docnames()
    pages: list[tuple[Path, str]] = []
    with chromium() as driver, headless.served(site) as base:
        for doc in docs:
            data, title = print_page(driver, f"{base}/{doc}.html")
            path = out / f"{Path(doc).name}.pdf"
            path.write_bytes(data)
            pages.append((path, title))

    book = PdfWriter()
    for path, title in pages:
        book.append(str(path), outline_item=title)
    book.add_metadata({"/Title": pages[0][1]})
    book.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)  # shared fonts once
    book_path = out / f"{BOOK_NAME}.pdf"
    with open(book_path, "wb") as fh:
        book.write(fh)
    book.close()
    return [book_path] + [path for path, _ in pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", nargs="*", type=Path, default=[ROOT / "_build" / "html"],
                        help="built sites (folders with index.html); default: _build/html")
    args = parser.parse_args(argv)
    # Each site is printed by its own Chromium at the same time: printing waits mostly on the
    # browser's layout of one page at a time, so two sites take little longer than one.
    def timed(site: Path) -> tuple[list[Path], float]:
        start = time.perf_counter()
        files = make_pdfs(site.resolve())
        return files, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=max(1, len(args.sites))) as pool:
        results = list(pool.map(timed, args.sites))
    for site, (files, elapsed) in zip(args.sites, results):
        print(f"{site}: {len(files)} PDF files in {elapsed:.1f} s")
        for path in files:
            print(f"  {path.relative_to(site.resolve())}  {path.stat().st_size / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
