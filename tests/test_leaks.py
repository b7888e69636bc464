"""No solution reaches a student: the student edition of the site and the student notebooks.

The needles are distinctive lines of every chapter solution (code, Markdown, printed output,
figures) and of every assignment's solutions and hidden tests (see ``leakcheck``). The same
search run on the normal edition must find them: that shows the search can see a leak.
The graded coursework's feedback files are walked in ``test_coursework_kit.py``.
"""

from __future__ import annotations

import ast
import json
import sys

import nbformat
import pytest
import yaml

from conftest import ROOT, toc_docnames
from leakcheck import assignment_needles, chapter_needles, find_leaks, public_text, rendered_solution_needles

# appended, not prepended: scripts/coursework.py must not hide the coursework package
sys.path.append(str(ROOT / "scripts"))
import make_notebooks  # noqa: E402

STUDENT_SITE = ROOT / "_build" / "student" / "_build" / "html"
STUDENT_NOTEBOOKS = ROOT / "notebooks" / "student"
CHAPTERS = [md.stem for md in make_notebooks.chapter_sources()]
# the landing page runs code only to draw its figure and offers no notebook to open or download
LANDING = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"].rsplit("/", 1)[-1]
LINKED_CHAPTERS = [name for name in CHAPTERS if name != LANDING]
ASSIGNMENTS = sorted((ROOT / "assignments" / "source").glob("*.md"))


@pytest.fixture(scope="module")
def needles():
    found = chapter_needles()
    assert len(found.texts) > 50, "too few needles: the chapters' solutions were not found"
    return found


@pytest.fixture(scope="module")
def coursework_needles():
    public = public_text()
    found = [assignment_needles(md, public) for md in ASSIGNMENTS]
    assert len(found) >= 2 and all(len(n.texts) > 20 for n in found), "assignment solutions not found"
    merged = found[0]
    for more in found[1:]:
        merged = merged | more
    return merged


@pytest.fixture(scope="module")
def student_site():
    if not (STUDENT_SITE / "index.html").is_file():
        pytest.fail(f"the student edition is not built ({STUDENT_SITE}); run `make student-book`")
    return STUDENT_SITE


@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebook_is_its_reference_without_solutions(name):
    problem = make_notebooks.student_stale(name)
    assert problem is None, f"{problem}: run `python scripts/make_notebooks.py --student` and commit"


def test_strip_solutions_removes_plain_and_gated_solutions():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Exercise text.\n\n```{solution} ex-1\n:class: dropdown\n\nSECRET-A\n```\nafter"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-2\n:class: dropdown\n```\n\nSECRET-B"),
        nbformat.v4.new_code_cell("secret_c = 1"),
        nbformat.v4.new_markdown_cell("SECRET-D\n\n```{solution-end}\n```\n\nNext section."),
        nbformat.v4.new_code_cell("visible = 2"),
    ]
    text = json.dumps(make_notebooks.strip_solutions(nb))
    assert "SECRET" not in text and "secret_c" not in text
    for kept in ("Exercise text.", "after", "Next section.", "visible = 2"):
        assert kept in text
    nb.cells = nb.cells[1:3]
    with pytest.raises(ValueError, match="solution-end"):
        make_notebooks.strip_solutions(nb)


def test_student_notebooks_hold_no_solution(needles, coursework_needles):
    assert sorted(p.stem for p in STUDENT_NOTEBOOKS.glob("*.ipynb")) == sorted(CHAPTERS)
    leaks = find_leaks([STUDENT_NOTEBOOKS], needles | coursework_needles)
    assert not leaks, "\n".join(leaks[:20])
    for path in STUDENT_NOTEBOOKS.glob("*.ipynb"):
        assert "{solution" not in path.read_text(encoding="utf-8"), f"{path}: a solution directive is left"


def _bound_and_loaded(source: str) -> tuple[set[str], set[str]]:
    # an IPython magic or shell line binds nothing here: keep its indentation, drop its text
    source = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )
    tree = ast.parse(source)
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, loaded


@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebook_does_not_need_a_removed_solution(name):
    """A name a student cell uses must not be defined only in a removed solution cell."""
    reference = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    student = nbformat.read(STUDENT_NOTEBOOKS / f"{name}.ipynb", as_version=4)
    kept = {cell.id for cell in student.cells}
    student_bound, student_loaded, solution_bound = set(), set(), set()
    for cell in reference.cells:
        if cell.cell_type != "code":
            continue
        bound, loaded = _bound_and_loaded(cell.source)
        if cell.id in kept:
            student_bound |= bound
            student_loaded |= loaded
        else:
            solution_bound |= bound
    missing = (student_loaded & solution_bound) - student_bound
    assert not missing, f"{name}: student cells use {sorted(missing)}, defined only in solutions"


def test_student_site_holds_no_solution_anywhere(site, student_site, needles, coursework_needles):
    """Every file of the student site: pages, search index, downloads, images, scripts."""
    rendered = rendered_solution_needles(site, toc_docnames())
    assert len(rendered.texts) > 20
    leaks = find_leaks([student_site], needles | rendered | coursework_needles)
    assert not leaks, "\n".join(leaks[:20])


def test_the_search_finds_the_solutions_of_the_normal_edition(site, needles):
    """The same search on the normal edition (solutions shown, sources copied) finds them."""
    assert (site / "_sources").is_dir()
    leaks = find_leaks([site], needles)
    assert any("/_sources/" in leak for leak in leaks), "the raw sources' solution lines were not found"
    assert any(".html:" in leak for leak in leaks), "no solution code line was found in the pages"


def test_student_site_offers_no_source_and_launches_student_notebooks(student_site):
    assert not (student_site / "_sources").exists(), "_sources/ holds the full page sources"
    notebooks = sorted(p.name for p in student_site.rglob("*.ipynb"))
    assert LANDING in CHAPTERS and notebooks == sorted(f"{name}.ipynb" for name in LINKED_CHAPTERS)
    for name in LINKED_CHAPTERS:
        page = (student_site / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert "download-source-button" not in page and "download-notebook-button" not in page
        assert "launch-buttons" not in page and "mybinder.org/v2/gh" in page
        links = [part.split('"')[0] for part in page.split('href="')[1:]]
        launch = [link for link in links if "colab.research.google.com" in link or "mybinder.org" in link]
        assert len(launch) == 2, f"{name}: expected a Colab and a Binder link, found {launch}"
        for link in launch:
            assert f"notebooks/student/{name}.ipynb" in link or f"notebooks%2Fstudent%2F{name}.ipynb" in link, link


def test_the_published_edition_is_chosen_in_one_place_and_named_in_the_readme():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    edition = workflow["env"]["PAGES_EDITION"]
    assert edition in ("full", "student")
    upload = next(step for job in workflow["jobs"].values() for step in job.get("steps", [])
                  if str(step.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert "env.PAGES_EDITION" in upload["with"]["path"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {"full": "전체판", "student": "학생판"}[edition]
    assert f"`PAGES_EDITION: {edition}`" in readme and f"지금은 **{named}**" in readme
