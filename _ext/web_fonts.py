"""Web fonts cut down to the characters the built site shows.

The package's NanumGothic TTF (4.5 MB, also used by the matplotlib figures) is far too heavy for
a first visit. When the HTML build has finished, this extension reads the text of every page and
of the site's own scripts (search messages, translations), and writes with fontTools

* ``_static/fonts/NanumGothic-subset.woff2``: the Hangul and other non-ASCII characters in use;
* ``_static/fonts/DejaVuSans-ascii.woff2`` and ``-Bold``: printable ASCII from matplotlib's
  DejaVu Sans. NanumGothic draws U+005C as the won sign (₩), so ASCII, and the backslash with
  it, comes from a Latin font (``unicode-range`` in ``_static/korean.css`` sends each character
  to its font).

The font licences are copied next to the fonts.
"""

from __future__ import annotations

import html.parser
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
NANUM = ROOT / "weightinit" / "fonts" / "NanumGothic.ttf"
NANUM_LICENCE = ROOT / "weightinit" / "fonts" / "OFL.txt"
OUT_DIR = Path("_static") / "fonts"
ASCII = {chr(c) for c in range(0x20, 0x7F)}
# attributes whose values the browser shows (tooltips, alt text, placeholders, buttons)
SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "value", "data-tooltip"}


def _dejavu(name: str) -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


class _TextCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.chars.update(value)

    def handle_data(self, data):
        self.chars.update(data)


def site_characters(outdir: Path) -> set[str]:
    """Every character a reader can see on the site: page text, shown attributes, script strings."""
    collector = _TextCollector()
    for page in sorted(outdir.rglob("*.html")):
        collector.feed(page.read_text(encoding="utf-8", errors="replace"))
    chars = set(collector.chars)
    static = outdir / "_static"
    for script in sorted(outdir.glob("*.js")) + sorted(static.rglob("*.js")):
        if "mathjax" in script.relative_to(outdir).parts:
            continue  # MathJax draws its own glyphs with its own fonts
        chars.update(script.read_text(encoding="utf-8", errors="replace"))
    return {c for c in chars if c.isprintable() or c == " "}


def subset_font(source: Path, target: Path, chars: set[str]) -> int:
    """Write ``source`` cut down to ``chars`` as WOFF2; return the number of characters kept."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), lazy=False)
    cmap = font.getBestCmap()
    keep = sorted(ord(c) for c in chars if ord(c) in cmap)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]            # keep copyright and licence records
    options.notdef_outline = True
    options.hinting = False             # browsers on screens rasterise well without it; saves weight
    # font-editor leftovers (FontForge timestamps, VTT hinting sources) browsers never read
    options.drop_tables += ["FFTM", "TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(target))
    return len(keep)


def write_web_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    fonts = outdir / OUT_DIR
    chars = site_characters(outdir)
    korean = {c for c in chars if c not in ASCII}
    kept = subset_font(NANUM, fonts / "NanumGothic-subset.woff2", korean)
    subset_font(_dejavu("DejaVuSans.ttf"), fonts / "DejaVuSans-ascii.woff2", ASCII)
    subset_font(_dejavu("DejaVuSans-Bold.ttf"), fonts / "DejaVuSans-Bold-ascii.woff2", ASCII)
    shutil.copyfile(NANUM_LICENCE, fonts / "NanumGothic-OFL.txt")
    shutil.copyfile(_dejavu("LICENSE_DEJAVU"), fonts / "DejaVuSans-LICENSE.txt")
    size = sum(f.stat().st_size for f in fonts.glob("*.woff2"))
    logger.info(f"web fonts: {kept} non-ASCII characters from NanumGothic, {size / 1024:.0f} KiB in all")


def setup(app):
    app.connect("build-finished", write_web_fonts, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
