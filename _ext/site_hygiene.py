"""Keep every page self-contained and its browser console clean.

* sphinx-thebe is pulled in by Jupyter Book although this book has no live-code button: its
  inline script names a CDN and is injected twice, which the browser reports as a redeclared
  ``const``. Pages get neither (the Binder/Colab links work without it).
* The pydata theme logs an error on a first visit when no default colour mode is set.
"""

from __future__ import annotations


def _is_thebe(script) -> bool:
    filename = str(getattr(script, "filename", "") or "")
    body = str((getattr(script, "attributes", None) or {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def drop_unused_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    kept, seen = [], set()
    for script in scripts:
        key = (str(getattr(script, "filename", script)), repr(sorted((getattr(script, "attributes", None) or {}).items())))
        if _is_thebe(script) or key in seen:
            continue
        seen.add(key)
        kept.append(script)
    scripts[:] = kept


def set_default_mode(app, config):
    # the pydata layout reads it from the template context (the book theme has no such option)
    config.html_context = {**(config.html_context or {})}
    config.html_context.setdefault("default_mode", "light")


def setup(app):
    app.connect("config-inited", set_default_mode)
    app.connect("html-page-context", drop_unused_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
