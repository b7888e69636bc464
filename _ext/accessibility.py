"""Markup fixes that assistive technology needs and the toolchain does not give.

docutils writes the bibliography as ``<div role="list" class="citation-list">`` whose entries
have ``role="doc-biblioentry"``, a role that ARIA 1.3 deprecates and that a ``list`` may not
contain: screen readers announce an empty list. Once the pages are written, the entries get
the role a list's children must have, ``listitem``.

myst-nb writes the toggle of a hidden code cell as ``<summary aria-label="Toggle hidden content">``
around the visible Korean label ("코드 셀 보기"): the English name hides the visible one from a
screen reader and from speech input (axe: label-content-name-mismatch). Without the attribute the
summary is named by the label it shows.
"""

from __future__ import annotations

from pathlib import Path

ENTRY_ROLE = 'role="doc-biblioentry"'
TOGGLE_NAME = '<summary aria-label="Toggle hidden content">'


def fix_bibliography_roles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = text.replace(ENTRY_ROLE, 'role="listitem"').replace(TOGGLE_NAME, "<summary>")
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", fix_bibliography_roles, priority=300)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
