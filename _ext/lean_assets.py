"""What a first visit downloads: only the icons, styles and MathJax parts the book uses.

Measured with ``benchmarks/bench_pages.py`` (empty cache), the theme and MathJax made up most of
every page: the pydata theme's ``fontawesome.js`` (1.49 MB, Font Awesome Free 6.5.2 with all
2,045 icons as SVG paths) and the Font Awesome web fonts its style sheet declares (275 kB), and
MathJax's combined ``tex-chtml.js`` (1.16 MB, 426 kB of it the right-click menu). This extension
keeps the same code and cuts the data:

* **Icons.** When the HTML is written, ``_static/scripts/fontawesome.js`` is rewritten with the
  same Font Awesome code and only the icons that a page or a script of the site names
  (``fa-<name>`` or one of its aliases); everything else in the file is left as it was. The icons
  are still drawn as inline SVG by Font Awesome's own code, so they look the same and keep
  following the text colour (dark mode included). The theme's style sheets also draw a few icons
  with the Font Awesome web fonts (admonition titles, download links, breadcrumbs): those fonts
  are cut with fontTools to the characters the remaining style rules name, as WOFF2 only.
* **Unused style rules.** The theme's, sphinx-design's and myst-nb's style sheets are written
  without the rules none of whose selectors can match: a selector is dropped when it names a
  class that appears in no ``class`` attribute of any page and in no script of the site (scripts
  add classes, also ones they build from a prefix such as ``"bs-tooltip-"``, which keeps every
  class with that prefix). Classes inside ``:not()``, ``:is()`` and the like are not judged.
  Everything else (element and attribute selectors, dark-mode ``[data-theme]`` rules, fonts,
  keyframes, custom properties) stays.
* **MathJax.** Instead of ``tex-chtml.js``, pages load ``startup.js`` with the components of
  ``tex-chtml.js`` except the menu: TeX input (with its autoloaded extensions), CommonHTML output
  with the TeX fonts, and the assistive MathML that screen readers read. The typeset math is
  the same; the right-click menu (zoom, "show math as", renderer choice) is gone. The menu also
  made every formula focusable (a display formula too wide for the column scrolls, and a
  scrolling box must take keyboard focus): ``_static/math_focus.js`` keeps that (Jupyter Book
  links every script of ``_static`` from every page).

Font Awesome Free is CC BY 4.0 (icons) and MIT (code); its licence header stays in the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

FONTAWESOME_JS = Path("_static") / "scripts" / "fontawesome.js"
WEBFONTS = Path("_static") / "vendor" / "fontawesome" / "webfonts"
MATHJAX_COMPONENTS = ["input/tex", "output/chtml", "a11y/assistive-mml"]

# one icon in the bundle's packs: name:[width,height,[aliases],"unicode",path or [paths]]
_ICON = re.compile(r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"([0-9a-f]+)",'
                   r'("(?:[^"\\]|\\.)*"|\[[^\]]*\])\]')
_FA_TOKEN = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})")
_TTF_SOURCE = re.compile(r',\s*url\([^)]*fontawesome/webfonts/[^)]*\.ttf\)\s*format\(["\']?truetype["\']?\)')
_SOURCE_MAP = re.compile(r"\n?/\*# sourceMappingURL=[^*]*\*/\s*$|\n?//# sourceMappingURL=\S+\s*$")


def names_in_use(outdir: Path) -> set[str]:
    """Every ``fa-<name>`` token in the site's pages and its own scripts (not Font Awesome's)."""
    names: set[str] = set()
    files = list(outdir.rglob("*.html")) + [p for p in (outdir / "_static").rglob("*.js")
                                              if p.name != "fontawesome.js" and "mathjax" not in p.parts]
    for path in files:
        names.update(_FA_TOKEN.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def subset_icon_packs(source: str, wanted: set[str]) -> tuple[str, int, int]:
    """``source`` (the theme's fontawesome.js) with only the icons whose name or alias is in
    ``wanted``; returns the new text, the icons kept and the icons in all."""
    matches = list(_ICON.finditer(source))
    if not matches:
        raise ValueError("no Font Awesome icon packs found in fontawesome.js (theme changed?)")
    # the packs are object literals {a:[...],b:[...]} whose entries are separated by one comma
    packs: list[list[re.Match]] = [[matches[0]]]
    for match in matches[1:]:
        if match.start() == packs[-1][-1].end() + 1 and source[packs[-1][-1].end()] == ",":
            packs[-1].append(match)
        else:
            packs.append([match])
    out, position, kept = [], 0, 0
    for pack in packs:
        chosen = []
        for match in pack:
            name = match.group(1) or match.group(2)
            aliases = {a.strip('"') for a in match.group(5).split(",") if a.startswith('"')}
            if name in wanted or aliases & wanted:
                chosen.append(match.group(0))
        kept += len(chosen)
        out += [source[position:pack[0].start()], ",".join(chosen)]
        position = pack[-1].end()
    out.append(source[position:])
    return _SOURCE_MAP.sub("", "".join(out)), kept, len(matches)


def lean_icons(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    script = outdir / FONTAWESOME_JS
    if not script.is_file():
        return
    wanted = names_in_use(outdir)
    text, kept, total = subset_icon_packs(script.read_text(encoding="utf-8"), wanted)
    before = script.stat().st_size
    script.write_text(text, encoding="utf-8")
    script.with_name(script.name + ".map").unlink(missing_ok=True)
    logger.info(f"icons: {kept} of {total} Font Awesome icons kept, fontawesome.js "
                f"{before / 1e6:.2f} MB -> {script.stat().st_size / 1e3:.0f} kB")


PURGED_CSS = ("_static/styles/pydata-sphinx-theme.css", "_static/styles/sphinx-book-theme.css",
              "_static/sphinx-design.min.css", "_static/mystnb.*.css")
_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
_PSEUDO_ARGS = re.compile(r":[a-zA-Z-]+\((?:[^()]|\([^()]*\))*\)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CLASS_ATTR = re.compile(r"""class=(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def classes_in_use(outdir: Path) -> tuple[set[str], tuple[str, ...]]:
    """Class names the pages carry or the scripts may add, and the prefixes scripts build names from."""
    used: set[str] = set()
    for page in outdir.rglob("*.html"):
        for groups in _CLASS_ATTR.findall(page.read_text(encoding="utf-8", errors="replace")):
            used.update("".join(groups).split())
    prefixes: set[str] = set()
    for script in outdir.rglob("*.js"):
        if "mathjax" in script.relative_to(outdir).parts:
            continue  # MathJax writes its own style sheet for its own elements
        words = _WORD.findall(script.read_text(encoding="utf-8", errors="replace"))
        used.update(words)
        prefixes.update(w for w in words if w.endswith("-") and len(w) >= 4)
    return used, tuple(sorted(prefixes))


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in prelude:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _selector_may_match(selector: str, used: set[str], prefixes: tuple[str, ...]) -> bool:
    bare = _PSEUDO_ARGS.sub("", re.sub(r"\[[^\]]*\]", "", selector))
    return all(name in used or name.startswith(prefixes) for name in _CLASS.findall(bare))


def purge_css(css: str, used: set[str], prefixes: tuple[str, ...]) -> str:
    """``css`` without the rules whose every selector names a class the site never uses."""
    import tinycss2

    def walk(nodes):
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                kept = [s for s in _split_selectors(tinycss2.serialize(node.prelude))
                        if _selector_may_match(s, used, prefixes)]
                if kept:
                    out.append(",".join(kept) + "{" + tinycss2.serialize(node.content) + "}")
            elif node.type == "at-rule" and node.content is not None and node.lower_at_keyword in (
                    "media", "supports", "container", "layer"):
                inner = walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))
                if inner:
                    out.append("@" + node.at_keyword + tinycss2.serialize(node.prelude) + "{" + "".join(inner) + "}")
            elif node.type in ("at-rule",):
                out.append(tinycss2.serialize([node]))
        return out

    return "".join(walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)))


def lean_styles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    used, prefixes = classes_in_use(outdir)
    before = after = 0
    for pattern in PURGED_CSS:
        for css in outdir.glob(pattern):
            text = css.read_text(encoding="utf-8")
            lean = purge_css(text, used, prefixes)
            before, after = before + len(text.encode()), after + len(lean.encode())
            css.write_text(lean, encoding="utf-8")
            css.with_name(css.name + ".map").unlink(missing_ok=True)
    logger.info(f"style sheets: {before / 1e3:.0f} kB -> {after / 1e3:.0f} kB without rules no page can match")
    lean_icon_fonts(outdir)


def lean_icon_fonts(outdir: Path) -> None:
    """Cut the Font Awesome web fonts to the characters that the site's style sheets name."""
    from web_fonts import subset_font

    fonts = outdir / WEBFONTS
    if not fonts.is_dir():
        return
    sheets = [p for p in (outdir / "_static").rglob("*.css") if "mathjax" not in p.parts]
    chars: set[str] = set()
    for css in sheets:
        text = css.read_text(encoding="utf-8")
        chars.update(chr(int(code, 16)) for code in _CSS_ESCAPE.findall(text) if int(code, 16) <= 0x10FFFF)
        chars.update(c for c in text if ord(c) > 0x7F)  # the theme writes most icon characters as they are
        if "fontawesome/webfonts" in text:
            css.write_text(_TTF_SOURCE.sub("", text), encoding="utf-8")
    sizes = []
    for ttf in sorted(fonts.glob("*.ttf")):
        target = ttf.with_suffix(".woff2")
        subset_font(ttf, target, chars)
        ttf.unlink()
        sizes.append(f"{target.name} {target.stat().st_size / 1e3:.1f} kB")
    logger.info("icon fonts: " + ", ".join(sizes))


def mathjax_without_menu(app, config):
    # sphinx-mathjax-offline points mathjax_path at the combined tex-chtml.js in its setup()
    if not str(config.mathjax_path).endswith("tex-chtml.js"):
        return
    config.mathjax_path = str(config.mathjax_path)[: -len("tex-chtml.js")] + "startup.js"
    options = dict(config.mathjax3_config or {})
    loader = dict(options.get("loader") or {})
    loader["load"] = [*loader.get("load", []), *(c for c in MATHJAX_COMPONENTS if c not in loader.get("load", []))]
    options["loader"] = loader
    config.mathjax3_config = options


def setup(app):
    app.connect("config-inited", mathjax_without_menu, priority=900)
    app.connect("build-finished", lean_icons, priority=400)  # before web_fonts reads the scripts
    app.connect("build-finished", lean_styles, priority=410)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
