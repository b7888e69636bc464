"""Put "run this chapter yourself" links at the top of every chapter that has a notebook.

The same line links the chapter's printable PDF (``pdf/<name>.pdf``, written by ``make pdf``).

Colab cannot open MyST Markdown, so each chapter's executed notebook is kept in
``notebooks/<name>.ipynb`` (also the reference for the notebook tests). This extension adds,
under the chapter title, a download link for that file (copied into the site by Sphinx) and
links that open it on Colab and Binder. Every URL is derived from ``repository.url`` in
``_config.yml``, the one place the repository is named.

The student edition (``WEIGHTINIT_EDITION=student``) links ``notebooks/student/<name>.ipynb``
instead: the same notebook without the exercise solutions (``scripts/make_notebooks.py``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx import addnodes
from student_edition import student_edition_requested

from book_links import handout_uri

NOTEBOOK_DIR = "notebooks"
STUDENT_NOTEBOOK_DIR = "notebooks/student"


def notebook_dir() -> str:
    """Where this edition's chapter notebooks are, relative to the book root."""
    return STUDENT_NOTEBOOK_DIR if student_edition_requested() else NOTEBOOK_DIR


def _links(app, stem: str) -> dict[str, str]:
    options = app.config.html_theme_options or {}
    repo = (options.get("repository_url") or "").rstrip("/")
    branch = options.get("repository_branch") or "main"
    launch = options.get("launch_buttons") or {}
    binder = (launch.get("binderhub_url") or "https://mybinder.org").rstrip("/")
    slug = repo.split("github.com/", 1)[-1]
    path = f"{notebook_dir()}/{stem}.ipynb"
    return {
        "colab": f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}",
        "binder": f"{binder}/v2/gh/{slug}/{branch}?urlpath={quote('lab/tree/' + path, safe='')}",
    }


def add_notebook_links(app, doctree):
    docname = app.env.docname
    stem = Path(docname).name
    folder = notebook_dir()
    notebook = Path(app.srcdir) / folder / f"{stem}.ipynb"
    if not docname.startswith("chapters/") or not notebook.is_file():
        return
    if docname == app.config.root_doc:
        return  # the landing page runs code only to draw its figure: nothing to open on Colab
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    urls = _links(app, stem)
    para = nodes.paragraph()
    para += nodes.strong(text="직접 실행해 보기: ")
    para += addnodes.download_reference(
        "",
        "",
        nodes.literal(text=f"{stem}.ipynb"),
        reftarget=f"/{folder}/{stem}.ipynb",
        refdoc=docname,
        refexplicit=True,
        reftype="download",
        refdomain="",
    )
    para += nodes.Text(" 내려받기 · ")
    para += nodes.reference("", "Colab에서 열기", refuri=urls["colab"])
    para += nodes.Text(" · ")
    para += nodes.reference("", "Binder에서 열기", refuri=urls["binder"])
    para += nodes.Text(" · ")
    para += nodes.reference("", "인쇄용 PDF", refuri=handout_uri(docname, stem))  # written by make pdf
    box = nodes.container(classes=["notebook-links"])
    box += para
    # Right after the title, before the chapter's first paragraph.
    section.insert(1, box)


def setup(app):
    # Before Sphinx's download collector (priority 500) so that the file is registered.
    app.connect("doctree-read", add_notebook_links, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
