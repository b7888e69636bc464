"""Execute chapter sources into the reference notebooks under ``notebooks/``.

The chapters are MyST Markdown (``chapters/*.md``, reviewable text). Their executed form,
``notebooks/<name>.ipynb``, serves two purposes: it is what a student downloads or opens on
Colab, and it holds the reference outputs that ``tests/test_notebooks.py`` compares the book
build's execution with (nbval's comparison).

    python scripts/make_notebooks.py              # every chapter notebook
    python scripts/make_notebooks.py random_init  # one chapter
    python scripts/make_notebooks.py --check      # exit 1 if a reference is out of date

``--check`` compares the cell sources and types only (outputs are compared by the tests).

Every run also writes ``notebooks/student/<name>.ipynb``: the reference notebook with every
exercise solution removed (``{solution}`` blocks, and everything between ``{solution-start}``
and ``{solution-end}``, code cells included). The student edition of the site links these,
and Colab and Binder open them. ``python scripts/make_notebooks.py --student`` rewrites only
the student notebooks from the committed references, without executing anything.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = ROOT / "notebooks"
STUDENT_NOTEBOOKS = NOTEBOOKS / "student"

# a MyST directive fence: ```{name} or :::{name} (three or more characters)
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}")


def chapter_sources() -> list[Path]:
    """Chapters that are notebooks (MyST Markdown with a kernelspec)."""
    return sorted(p for p in CHAPTERS.glob("*.md") if "kernelspec:" in p.read_text(encoding="utf-8")[:600])


def colab_setup_cell() -> nbformat.NotebookNode:
    """A first cell that installs weightinit, with what the notebooks import besides it (its
    ``notebooks`` extra), when the notebook runs on Colab; elsewhere it does nothing."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    source = (
        "# Colab에서 열었을 때만 이 장이 쓰는 라이브러리 weightinit과 노트북에 필요한 패키지(myst-nb, ipywidgets)를 설치한다.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "weightinit[notebooks] @ git+{url}"'
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["colab-setup"]})


def to_notebook(md: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(md)
    nb.cells.insert(0, colab_setup_cell())
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    # Ids from position and content, not random: regenerating an unchanged chapter changes nothing.
    for i, cell in enumerate(nb.cells):
        cell.id = hashlib.sha1(f"{i}\0{cell.source}".encode()).hexdigest()[:12]
    return nb


def cell_signature(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def execute(md: Path) -> float:
    nb = to_notebook(md)
    start = time.perf_counter()
    # Run where the book build runs it (the chapter's folder), so relative paths agree.
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(CHAPTERS)}}).execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)  # widget state holds random model ids; nothing to compare
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            for out in cell.outputs:  # a live widget's random model id means nothing in a file
                out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    NOTEBOOKS.mkdir(exist_ok=True)
    nbformat.write(nb, NOTEBOOKS / f"{md.stem}.ipynb")
    return elapsed


def coalesce_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream: how the kernel chunked them depends on timing."""
    merged = []
    for out in outputs:
        if out.output_type == "stream" and merged and merged[-1].output_type == "stream" and merged[-1].name == out.name:
            merged[-1].text += out.text
        else:
            merged.append(out)
    return merged


def _skip_directive(lines: list[str], i: int, fence: str) -> int:
    """Index of the line after the directive opened at ``lines[i]`` (closed by ``fence`` or longer)."""
    char = fence[0]
    for j in range(i + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped and set(stripped) == {char} and len(stripped) >= len(fence):
            return j + 1
    raise ValueError(f"directive {lines[i]!r} is never closed")


def strip_solutions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without exercise solutions: what a student may see.

    Removes ``{solution}`` directives and everything from a ``{solution-start}`` fence to the
    end of its ``{solution-end}`` fence (sphinx-exercise's gated solutions, which may hold code
    cells). Markdown cells left empty are dropped; other cells keep their outputs.
    """
    student = nbformat.from_dict(nb)
    cells = []
    gated = False
    for cell in student.cells:
        if cell.cell_type != "markdown":
            if not gated:
                cells.append(cell)
            continue
        lines = cell.source.split("\n")
        kept: list[str] = []
        i = 0
        while i < len(lines):
            match = _FENCE.match(lines[i])
            name = match.group("name") if match else None
            if gated:
                if name == "solution-end":
                    gated = False
                    i = _skip_directive(lines, i, match.group("fence"))
                else:
                    i += 1
            elif name == "solution-end":
                raise ValueError(f"{{solution-end}} without {{solution-start}}: {lines[i]!r}")
            elif name in ("solution", "solution-start"):
                gated = name == "solution-start"
                i = _skip_directive(lines, i, match.group("fence"))
            else:
                kept.append(lines[i])
                i += 1
        text = "\n".join(kept).strip("\n")
        if text.strip():
            cell.source = text
            cells.append(cell)
    if gated:
        raise ValueError("a {solution-start} has no {solution-end}")
    student.cells = cells
    return student


def write_student_notebook(name: str) -> Path:
    """notebooks/student/<name>.ipynb from the reference notebook notebooks/<name>.ipynb."""
    reference = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    STUDENT_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
    path = STUDENT_NOTEBOOKS / f"{name}.ipynb"
    nbformat.write(strip_solutions(reference), path)
    return path


def stale(md: Path) -> str | None:
    ref = NOTEBOOKS / f"{md.stem}.ipynb"
    if not ref.is_file():
        return f"{ref.relative_to(ROOT)} is missing"
    if cell_signature(nbformat.read(ref, as_version=4)) != cell_signature(to_notebook(md)):
        return f"{ref.relative_to(ROOT)} does not match {md.relative_to(ROOT)}"
    return None


def student_stale(name: str) -> str | None:
    """Why notebooks/student/<name>.ipynb is not exactly its reference without solutions, or None."""
    path = STUDENT_NOTEBOOKS / f"{name}.ipynb"
    if not path.is_file():
        return f"{path.relative_to(ROOT)} is missing"
    expected = strip_solutions(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
    if nbformat.read(path, as_version=4) != expected:
        return f"{path.relative_to(ROOT)} is not notebooks/{name}.ipynb without its solutions"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="chapter names (file stems); default: all")
    parser.add_argument("--check", action="store_true", help="only report references that are out of date")
    parser.add_argument("--student", action="store_true",
                        help="only rewrite notebooks/student/ from the committed references (no execution)")
    args = parser.parse_args(argv)
    sources = chapter_sources()
    if args.names:
        known = {p.stem: p for p in sources}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters are {sorted(known)}")
        sources = [known[n] for n in args.names]
    if args.check:
        problems = [msg for md in sources for msg in (stale(md), student_stale(md.stem)) if msg]
        for msg in problems:
            print(msg, "- run: make notebooks", file=sys.stderr)
        return 1 if problems else 0
    if args.student:
        for md in sources:
            print(write_student_notebook(md.stem).relative_to(ROOT))
        return 0
    for md in sources:
        print(f"{md.stem:<16} {execute(md):6.1f} s")
        write_student_notebook(md.stem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
