"""Execute chapter sources into the reference notebooks under ``notebooks/``.

The chapters are MyST Markdown (``chapters/*.md``, reviewable text). Their executed form,
``notebooks/<name>.ipynb``, serves two purposes: it is what a student downloads or opens on
Colab, and it holds the reference outputs that ``pytest --nbval`` compares a fresh run with.

    python scripts/make_notebooks.py              # every chapter notebook
    python scripts/make_notebooks.py random_init  # one chapter
    python scripts/make_notebooks.py --check      # exit 1 if a reference is out of date

``--check`` compares the cell sources and types only (outputs are nbval's business).
"""

from __future__ import annotations

import argparse
import hashlib
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


def chapter_sources() -> list[Path]:
    """Chapters that are notebooks (MyST Markdown with a kernelspec)."""
    return sorted(p for p in CHAPTERS.glob("*.md") if "kernelspec:" in p.read_text(encoding="utf-8")[:600])


def colab_setup_cell() -> nbformat.NotebookNode:
    """A first cell that installs weightinit when the notebook runs on Colab (and does nothing elsewhere)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    source = (
        "# Colab에서 열었을 때만 이 장이 쓰는 라이브러리 weightinit을 설치한다.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "weightinit @ git+{url}"'
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


def stale(md: Path) -> str | None:
    ref = NOTEBOOKS / f"{md.stem}.ipynb"
    if not ref.is_file():
        return f"{ref.relative_to(ROOT)} is missing"
    if cell_signature(nbformat.read(ref, as_version=4)) != cell_signature(to_notebook(md)):
        return f"{ref.relative_to(ROOT)} does not match {md.relative_to(ROOT)}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="chapter names (file stems); default: all")
    parser.add_argument("--check", action="store_true", help="only report references that are out of date")
    args = parser.parse_args(argv)
    sources = chapter_sources()
    if args.names:
        known = {p.stem: p for p in sources}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters are {sorted(known)}")
        sources = [known[n] for n in args.names]
    if args.check:
        problems = [msg for md in sources if (msg := stale(md))]
        for msg in problems:
            print(msg, "- run: make notebooks", file=sys.stderr)
        return 1 if problems else 0
    for md in sources:
        print(f"{md.stem:<16} {execute(md):6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
