"""Two roles for links that depend on the configuration or on a later build step.

* ``{repo-file}`assignments/README.md``` links a file of the repository on GitHub. The URL is
  built from ``repository.url`` and ``repository.branch`` in ``_config.yml`` (which Jupyter Book
  passes on as ``html_theme_options``), the one place that names the repository.
* ``{handout}`book``` links the printable PDF ``pdf/book.pdf`` that ``make pdf``
  (``scripts/make_pdf.py``) writes into the built site, relative to the current page.

Both accept an explicit title: ``{handout}`인쇄용 PDF <book>```.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import split_explicit_title

PDF_DIR = "pdf"  # the folder scripts/make_pdf.py writes into


def handout_uri(docname: str, name: str) -> str:
    """URL of the printed PDF ``name`` relative to the page of ``docname``."""
    return "../" * docname.count("/") + f"{PDF_DIR}/{name}.pdf"


class RepoFileRole(SphinxRole):
    def run(self):
        has_title, title, path = split_explicit_title(self.text)
        options = self.config.html_theme_options or {}
        repo = (options.get("repository_url") or "").rstrip("/")
        if not repo:
            msg = self.inliner.reporter.error(
                "repo-file: no repository.url in _config.yml to link to", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        branch = options.get("repository_branch") or "main"
        url = f"{repo}/blob/{branch}/{path.lstrip('/')}"
        text = title if has_title else path
        return [nodes.reference(self.rawtext, "", nodes.literal(text=text) if not has_title else nodes.Text(text),
                                refuri=url)], []


class HandoutRole(SphinxRole):
    def run(self):
        has_title, title, name = split_explicit_title(self.text)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            msg = self.inliner.reporter.error(
                f"handout: {name!r} is not a PDF name (letters, digits, _ and -, without .pdf)", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        url = handout_uri(self.env.docname, name)
        return [nodes.reference(self.rawtext, title if has_title else f"{name}.pdf", refuri=url)], []


def setup(app):
    app.add_role("repo-file", RepoFileRole())
    app.add_role("handout", HandoutRole())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
