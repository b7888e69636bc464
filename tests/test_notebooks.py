"""The reference notebooks (``notebooks/*.ipynb``): they must match the chapters, every output of
the build's execution must equal theirs, and a drifted number must make that comparison fail.

The book build executes every chapter (in CI anew, ``EXECUTE=force``; locally whenever a chapter's
code or the library changed, see the Makefile) and keeps the executed notebooks in its
jupyter-cache. Executing the references a second time under nbval would repeat that work, so the
build's outputs are compared with the references here, by nbval's own comparison code (its
markers, stream coalescing, skipped keys and the sanitizers of ``tests/nbval_sanitize.cfg``)."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbval import plugin as nbval_plugin

from conftest import ROOT, notebook_docnames

sys.path.insert(0, str(ROOT / "scripts"))
import make_notebooks  # noqa: E402

CHAPTERS = [Path(d).name for d in notebook_docnames()]
CACHE = ROOT / "_build" / ".jupyter_cache"
# what nbval leaves out of its comparison (nbval.plugin.IPyNbFile.skip_compare without nbdime), and
# the PNG that myst_nb.glue stores under papermill's record key: a PNG is not byte-stable across
# machines; everything printed and the text form of every glued object is compared
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
                "application/papermill.record/image/png", "application/papermill.record/image/jpeg")


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = {p.stem for p in make_notebooks.chapter_sources()}
    assert on_disk == set(CHAPTERS), f"chapters not in _toc.yml or missing: {on_disk ^ set(CHAPTERS)}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_reference_is_in_sync_with_its_chapter(name):
    problem = make_notebooks.stale(ROOT / "chapters" / f"{name}.md")
    assert problem is None, f"{problem}: run `make notebooks` and commit notebooks/{name}.ipynb"


@pytest.mark.parametrize("name", CHAPTERS)
def test_reference_has_outputs_to_compare(name):
    """A reference without stored outputs would make nbval compare nothing."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), f"{name}: a code cell was never executed"
    assert any(o.get("output_type") == "stream" for c in code for o in c.outputs), f"{name}: no printed output"


class _Cell:
    """What ``nbval.plugin.IPyNbCell.compare_outputs`` reads of a collected cell, without a kernel:
    the keys left out of the comparison, the sanitizers and a plain pytest-style repr."""

    colors = nbval_plugin.nocolors
    config = None

    def __init__(self, patterns: dict[str, str]):
        self.parent = SimpleNamespace(skip_compare=SKIP_COMPARE, sanitize_patterns=patterns)
        self.ihook = SimpleNamespace(pytest_assertrepr_compare=lambda **kw: [])
        self.comparison_traceback: list[str] = []

    sanitize = nbval_plugin.IPyNbCell.sanitize
    compare_outputs = nbval_plugin.IPyNbCell.compare_outputs
    format_output_compare = nbval_plugin.IPyNbCell.format_output_compare


def _patterns() -> dict[str, str]:
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    return dict(nbval_plugin.get_sanitize_patterns(text))


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and "colab-setup" not in c.metadata.get("tags", [])]


def build_execution(name: str, cache: Path = CACHE):
    """The notebook the book build executed for ``chapters/<name>.md``, read from the build's
    execution cache (jupyter-cache): the record of that chapter whose code is the chapter's code now."""
    from jupyter_cache import get_cache

    if not (cache / "global.db").is_file():
        pytest.fail(f"no execution cache at {cache}: run `make book` (or `make test`, which builds first)")
    want = [c.source.strip() for c in _code_cells(make_notebooks.to_notebook(ROOT / "chapters" / f"{name}.md"))]
    store = get_cache(cache)
    records = [r for r in store.list_cache_records() if Path(r.uri).name == f"{name}.md"]
    for record in sorted(records, key=lambda r: r.created, reverse=True):
        nb = store.get_cache_bundle(record.pk).nb
        if [c.source.strip() for c in _code_cells(nb)] == want:
            return nb
    pytest.fail(f"the build has not executed the current code of chapters/{name}.md: run `make book`")


def compare(reference, executed) -> list[str]:
    """nbval's comparison of every code cell of ``reference`` with the same cell of ``executed``
    (markers, tags, skipped keys, stream coalescing and sanitizers as nbval applies them);
    returns one message per cell that differs."""
    ref_cells, run_cells = _code_cells(reference), _code_cells(executed)
    if [c.source.strip() for c in ref_cells] != [c.source.strip() for c in run_cells]:
        return ["the executed notebook's code cells are not the reference's"]
    patterns, problems = _patterns(), []
    for number, (ref, run) in enumerate(zip(ref_cells, run_cells), start=1):
        options = dict(nbval_plugin.find_metadata_tags(ref.metadata))
        options.update(nbval_plugin.find_comment_markers(ref.source))
        errors = [o for o in run.outputs if o.get("output_type") == "error"]
        if errors and not options.get("check_exception"):
            problems.append(f"code cell {number} raised {errors[0].get('ename')}: {errors[0].get('evalue')}")
            continue
        if options.get("skip") or not options.get("check", True) or ref.get("execution_count") is None:
            continue
        cell = _Cell(patterns)
        if not cell.compare_outputs(nbval_plugin.coalesce_streams(copy.deepcopy(run.outputs)),
                                    nbval_plugin.coalesce_streams(copy.deepcopy(ref.outputs))):
            problems.append(f"code cell {number} ({ref.source.strip().splitlines()[0][:60]!r}):\n"
                            + "\n".join(map(str, cell.comparison_traceback)))
    return problems


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_builds_execution_matches_the_reference(name):
    """Every printed number of the chapter as the build just executed it (in CI: executed anew)
    equals the reference notebook's, compared the way nbval compares."""
    problems = compare(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4), build_execution(name))
    assert not problems, f"notebooks/{name}.ipynb differs from the build's execution:\n" + "\n\n".join(problems)


def test_a_drifted_printed_number_fails_the_comparison():
    """Change one printed digit in a reference: the comparison must name that cell."""
    name = "random_init" if "random_init" in CHAPTERS else CHAPTERS[0]
    reference = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    executed = build_execution(name)
    assert not compare(reference, executed)
    for number, cell in enumerate(_code_cells(reference), start=1):
        streams = [o for o in cell.outputs if o.get("output_type") == "stream"]
        match = re.search(r"\d", streams[0].text) if streams else None
        if match:
            digit = str((int(match.group()) + 1) % 10)
            streams[0].text = streams[0].text[: match.start()] + digit + streams[0].text[match.end():]
            break
    else:
        pytest.fail(f"{name} prints no number")
    problems = compare(reference, executed)
    assert len(problems) == 1 and problems[0].startswith(f"code cell {number} "), problems
    # an error in the build's execution always fails, whatever the reference holds
    broken = copy.deepcopy(executed)
    _code_cells(broken)[0].outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[]))
    assert compare(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4), broken)[0].startswith(
        "code cell 1 raised ValueError")


def _top_level_imports(notebook: nbformat.NotebookNode) -> set[str]:
    """The top-level modules a notebook's code cells import (IPython magics turned into Python first)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_colab_setup_installs_everything_a_student_notebook_imports():
    """On Colab only the first cell installs anything: every module a student notebook imports
    must come from the standard library, the kernel (IPython), weightinit, or a distribution that
    weightinit with the extras named in that cell depends on."""
    import importlib.metadata
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    setup = make_notebooks.colab_setup_cell().source
    spec = re.search(r'%pip install --quiet "(weightinit[^"@]*) @ git\+', setup)
    assert spec, setup
    extras = Requirement(spec.group(1)).extras
    unknown = extras - set(project.get("optional-dependencies", {}))
    assert not unknown, f"the Colab cell asks for extras weightinit does not define: {unknown}"
    requirements = project["dependencies"] + [r for e in sorted(extras) for r in project["optional-dependencies"][e]]
    installed = {Requirement(r).name.lower().replace("_", "-") for r in requirements}
    provides = importlib.metadata.packages_distributions()
    allowed = set(sys.stdlib_module_names) | {"IPython", "weightinit"}
    allowed |= {m for m, dists in provides.items() if any(d.lower().replace("_", "-") in installed for d in dists)}
    for path in sorted((ROOT / "notebooks" / "student").glob("*.ipynb")):
        missing = _top_level_imports(nbformat.read(path, as_version=4)) - allowed
        assert not missing, f"{path.name} imports {sorted(missing)}, which Colab would not have installed"
