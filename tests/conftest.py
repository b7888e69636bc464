"""Shared paths and the table of contents, read the way Jupyter Book reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

# One BLAS thread for the tests' own matrix work. The chapters and the
# library limit themselves (weightinit.threads), so this changes no output; it keeps the tests
# of a busy CI machine from competing BLAS threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"


def toc_docnames() -> list[str]:
    """Every document of the book, in reading order (root first)."""
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


def notebook_docnames() -> list[str]:
    """Documents that are notebooks (MyST Markdown with a kernelspec)."""
    return [d for d in toc_docnames() if "kernelspec:" in (ROOT / f"{d}.md").read_text(encoding="utf-8")[:600]]


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the site is not built ({SITE}); run `make book` (or `make test`, which builds it first)")
    return SITE
