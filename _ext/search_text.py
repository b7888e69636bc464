"""Search results that read as sentences.

Sphinx's search page shows each hit with the title of the page or section and a snippet cut
from the page's HTML. Out of the box both show TeX source: titles with math keep it
(``순전파 조건: n_{\\text{in}} \\operatorname{Var}(W) = 1``), and the snippet is the raw
``textContent`` of the page, with ``\\(n^{[l-1]}\\)`` for every formula and the header buttons'
text (``.ipynb .md .pdf``).

* Titles in ``searchindex.js`` are rewritten into plain text with pylatexenc
  (``n_in Var(W) = 1``) once the index is written.
* ``search_snippets.js`` (added to the search page only) replaces ``Search.htmlToText``: it
  leaves out math, buttons, navigation and other page chrome, and collapses white space.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
MATH = re.compile(r"\\[a-zA-Z]+|[$^_]\{|\$")


def tex_to_text(text: str) -> str:
    """``2/((1+a^2)\\,n)`` -> ``2/((1+a^2) n)``; text without TeX comes back unchanged."""
    if not MATH.search(text):
        return text
    from pylatexenc.latex2text import LatexNodes2Text

    # pylatexenc knows \frac but not its text- and display-style variants
    text = re.sub(r"\\[td]frac(?![a-zA-Z])", r"\\frac", text)
    plain = LatexNodes2Text(math_mode="text").latex_to_text(text)
    return re.sub(r"\s+", " ", plain)


def _rewrite_titles(index: dict) -> None:
    index["titles"] = [tex_to_text(t) for t in index.get("titles", [])]
    merged: dict[str, list] = {}
    for title, places in index.get("alltitles", {}).items():
        merged.setdefault(tex_to_text(title), []).extend(places)
    index["alltitles"] = merged


def rewrite_search_index(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    path = Path(app.outdir) / "searchindex.js"
    if not path.is_file():
        return
    raw = path.read_text(encoding="utf-8")
    prefix, suffix = "Search.setIndex(", ")"
    if not raw.startswith(prefix):
        raise RuntimeError(f"{path}: unexpected format (does not start with {prefix!r})")
    index = json.loads(raw[len(prefix):raw.rindex(suffix)])
    _rewrite_titles(index)
    path.write_text(prefix + json.dumps(index, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + suffix,
                    encoding="utf-8")


def add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def add_snippet_script(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file("search_snippets.js")


def setup(app):
    app.connect("config-inited", add_static_path)
    app.connect("html-page-context", add_snippet_script)
    # before the web fonts are cut to the site's characters (web_fonts.py runs at 800)
    app.connect("build-finished", rewrite_search_index, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
