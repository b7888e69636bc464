"""Page weight of the built site on a first visit (a script, not a test).

Run with ``.venv/bin/python benchmarks/bench_pages.py [--site DIR] [--top K] [page ...]`` after
``make book``. Every page of the table of contents (or the pages named, e.g. ``index``
``chapters/practice``) is loaded in Debian's headless Chromium with an empty cache from a plain
local server, scrolled through, and measured from the browser's network log (see
``scripts/page_weight.py``): bytes as a plain static server sends them, the same with gzip as
GitHub Pages sends text files, and the number of requests. ``--top K`` also lists each page's K
largest files. Limits held by ``tests/page_checks.py``: landing page <= 1.5 MB, every
chapter <= 2.5 MB (raw bytes, 1 MB = 10**6 bytes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from conftest import toc_docnames  # noqa: E402  (reading order of the book)
from scripts import headless, page_weight  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="documents such as index or chapters/practice (default: all)")
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--top", type=int, default=0, help="list each page's K largest files")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        parser.error(f"no built site at {site}; run `make book` first")
    pages = page_weight.pages_of(site, args.pages or toc_docnames())
    print(f"{'page':32s} {'requests':>8s} {'raw bytes':>12s} {'gzip bytes':>12s}")
    total_raw = total_gzip = 0
    with headless.served(site) as base, headless.chromium(logs=True) as driver:
        for page in pages:
            weight = page_weight.measure(driver, base, site, page)
            total_raw += weight.raw
            total_gzip += weight.gzip
            print(f"{page:32s} {weight.requests:8d} {weight.raw:12,d} {weight.gzip:12,d}", flush=True)
            for path, size in weight.files[: args.top]:
                print(f"    {size:12,d}  {path}")
    print(f"{'(mean per page)':32s} {'':8s} {total_raw // len(pages):12,d} {total_gzip // len(pages):12,d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
