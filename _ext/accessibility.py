"""Markup fixes that assistive technology needs and the toolchain does not give.

docutils writes the bibliography as ``<div role="list" class="citation-list">`` whose entries
have ``role="doc-biblioentry"``, a role that ARIA 1.3 deprecates and that a ``list`` may not
contain: screen readers announce an empty list. Once the pages are written, the entries get
the role a list's children must have, ``listitem``.
"""

from __future__ import annotations

from pathlib import Path

ENTRY_ROLE = 'role="doc-biblioentry"'


def fix_bibliography_roles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if ENTRY_ROLE in text:
            page.write_text(text.replace(ENTRY_ROLE, 'role="listitem"'), encoding="utf-8")


def setup(app):
    app.connect("build-finished", fix_bibliography_roles, priority=300)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
