"""The reference notebooks are what nbval compares against: they must match the chapters,
and a drifted number must make the comparison fail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, notebook_docnames

sys.path.insert(0, str(ROOT / "scripts"))
import make_notebooks  # noqa: E402

CHAPTERS = [Path(d).name for d in notebook_docnames()]


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


def _run_nbval(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-o", "filterwarnings=",
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         str(path)],
        cwd=path.parent, capture_output=True, text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"},
    )


def test_a_drifted_printed_number_fails_nbval(tmp_path):
    """Change one printed digit in a reference: nbval must report the cell as failing."""
    name = "random_init" if "random_init" in CHAPTERS else CHAPTERS[0]
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        text = "".join(streams[0]["text"]) if streams else ""
        match = re.search(r"\d", text)
        if match:
            digit = match.group()
            changed = text[: match.start()] + str((int(digit) + 1) % 10) + text[match.end():]
            streams[0]["text"] = changed
            break
    else:
        pytest.fail(f"{name} prints no number")
    drifted = tmp_path / f"{name}.ipynb"
    drifted.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    result = _run_nbval(drifted)
    assert result.returncode != 0, "nbval passed a notebook whose printed number was changed"
    assert "1 failed" in result.stdout, result.stdout[-2000:]


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
