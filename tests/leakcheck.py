"""Find solution text in what students can reach.

A *needle* is a distinctive piece of a solution or a hidden test: a code line, a line of
Markdown, a printed output line, a sentence of rendered text, or the SHA-256 of an image that
only a solution produces. :func:`find_leaks` walks every file under the given paths and
reports each needle it finds, with the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
# appended, not prepended: scripts/coursework.py must not hide the coursework package
sys.path.append(str(ROOT / "scripts"))
import make_notebooks  # noqa: E402

MIN_LINE = 25  # shorter lines ("return x", "```") are not distinctive
TEXT_SUFFIXES = {".html", ".htm", ".js", ".json", ".txt", ".md", ".ipynb", ".py", ".csv", ".xml", ".svg", ".css", ".log", ""}


def normalize(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Needles:
    texts: dict[str, str] = field(default_factory=dict)  # normalized text -> where it comes from
    images: dict[str, str] = field(default_factory=dict)  # sha256 hex -> where it comes from

    def add_text(self, text: str, origin: str, allowed: str = "") -> None:
        """Add ``text`` unless it is short or also appears in ``allowed`` (text a student may see)."""
        text = normalize(text)
        if len(text) >= MIN_LINE and text not in allowed:
            self.texts.setdefault(text, origin)

    def __len__(self) -> int:
        return len(self.texts) + len(self.images)

    def __or__(self, other: "Needles") -> "Needles":
        return Needles({**other.texts, **self.texts}, {**other.images, **self.images})


def public_text() -> str:
    """What any student may read anyway: every chapter notebook without its solutions."""
    return " ".join(
        _notebook_text(nbformat.read(path, as_version=4))
        for path in sorted((ROOT / "notebooks" / "student").glob("*.ipynb"))
    )


def _notebook_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(_output_text(out))
    return normalize("\n".join(parts))


def _output_text(out) -> str:
    if out.get("output_type") == "stream":
        return "".join(out.get("text", ""))
    data = out.get("data", {})
    return "".join(data.get("text/plain", "")) if isinstance(data.get("text/plain", ""), str) else ""


def chapter_needles() -> Needles:
    """Every chapter's solutions: the parts of notebooks/<name>.ipynb that strip_solutions removes."""
    needles = Needles()
    pairs = []
    for md in make_notebooks.chapter_sources():
        reference = nbformat.read(ROOT / "notebooks" / f"{md.stem}.ipynb", as_version=4)
        pairs.append((md.stem, reference, make_notebooks.strip_solutions(reference)))
    # what students see in any chapter may repeat a solution's line: that line is no evidence
    allowed = " ".join(_notebook_text(student) for _, _, student in pairs)
    for name, reference, student in pairs:
        kept = {cell.id: cell for cell in student.cells}
        for cell in reference.cells:
            origin = f"solution in chapters/{name}.md"
            if cell.id in kept:
                if cell.cell_type == "markdown":
                    for line in set(cell.source.splitlines()) - set(kept[cell.id].source.splitlines()):
                        needles.add_text(line, origin, allowed)
                continue
            for line in cell.source.splitlines():
                needles.add_text(line, origin, allowed)
            for out in cell.get("outputs", []):
                for line in _output_text(out).splitlines():
                    needles.add_text(line, origin + " (output)", allowed)
                png = out.get("data", {}).get("image/png")
                if png:
                    digest = hashlib.sha256(base64.b64decode("".join(png))).hexdigest()
                    needles.images[digest] = origin + " (figure)"
    return needles


def rendered_solution_needles(site: Path, docnames: list[str]) -> Needles:
    """Sentences of the solutions as the normal edition renders them (math and all)."""
    needles = Needles()
    pages, all_solutions = [], []
    for doc in docnames:
        html = BeautifulSoup((site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
        article = html.select_one("article")
        if article is None:
            continue
        solutions = article.select("div.solution")
        for solution in solutions:
            solution.extract()
        pages.append(normalize(article.get_text(" ")))
        all_solutions.extend((doc, solution) for solution in solutions)
    allowed = " ".join(pages)  # a sentence that some page says outside a solution is no evidence
    for doc, solution in all_solutions:
        for block in solution.select("p, li, pre"):
            for sentence in re.split(r"(?<=[.다])\s", normalize(block.get_text(" "))):
                needles.add_text(sentence, f"solution in {doc} (rendered)", allowed)
    return needles


_REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def assignment_needles(md_path: Path, public: str = "") -> Needles:
    """Solution code, hidden tests and model answers of an assignment source (MyST text).

    Lines that also appear in ``public`` (for example the book's own code) are no evidence.
    """
    import jupytext

    nb = jupytext.read(md_path, fmt="md:myst")
    secret_parts, visible_parts = [], []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            secret_parts.append(cell.source)  # a model answer, replaced by a stub on release
            continue
        regions = [m.group(2) for m in _REGION.finditer(cell.source)]
        secret_parts.extend(regions)
        visible_parts.append(_REGION.sub("", cell.source))
    allowed = normalize("\n".join(visible_parts)) + " " + public
    needles = Needles()
    for part in secret_parts:
        for line in part.splitlines():
            if line.strip().startswith("#") and len(line.strip()) < 40:
                continue
            needles.add_text(line, f"solution or hidden test in {md_path.name}", allowed)
    return needles


def _texts_of(path: Path) -> list[str]:
    raw = path.read_bytes()
    if path.suffix.lower() not in TEXT_SUFFIXES or b"\0" in raw[:4096]:
        return []
    text = raw.decode("utf-8", errors="replace")
    texts = [normalize(text)]
    if path.suffix.lower() in (".html", ".htm"):
        page = BeautifulSoup(text, "html.parser")
        texts.append(normalize(page.get_text(" ")))
        texts.append(normalize(page.get_text("")))
    elif path.suffix.lower() in (".ipynb", ".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "cells" in data:  # sources and outputs as lists of lines
            texts.append(_notebook_text(nbformat.reads(text, as_version=4)))
    return texts


def find_leaks(paths: list[Path], needles: Needles) -> list[str]:
    """``file: needle (origin)`` for every needle found in a file under ``paths``."""
    leaks = []
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in needles.images:
                leaks.append(f"{path}: figure of the {needles.images[digest]}")
            texts = _texts_of(path)
            for needle, origin in needles.texts.items():
                if any(needle in text for text in texts):
                    leaks.append(f"{path}: {needle[:80]!r} ({origin})")
    return leaks
