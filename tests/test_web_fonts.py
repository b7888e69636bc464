"""The web fonts: cut at build time to the characters the site shows, and small.

``_ext/web_fonts.py`` subsets NanumGothic (and DejaVu Sans for ASCII) to WOFF2 when the HTML
build finishes. These checks read the built sites: every character a page shows that
NanumGothic can draw is in the subset, the Korean font stays light, no full TTF is shipped,
every face swaps in, and the fonts' licences travel with them.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SITE

sys.path.insert(0, str(ROOT / "_ext"))
from web_fonts import ASCII, NANUM, site_characters  # noqa: E402

STUDENT = ROOT / "_build" / "student" / "_build" / "html"
KOREAN_LIMIT = 1_500_000   # bytes: the ceiling
KOREAN_AIM = 800_000       # bytes: what the subset is expected to stay under


@functools.lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(path)).getBestCmap())


@pytest.fixture(scope="module", params=["main", "student"])
def built(request, site):
    directory = SITE if request.param == "main" else STUDENT
    if not (directory / "index.html").is_file():
        pytest.fail(f"{directory} is not built; run `make student-book`")
    return directory


def test_korean_font_is_a_small_woff2(built):
    fonts = built / "_static" / "fonts"
    korean = fonts / "NanumGothic-subset.woff2"
    assert korean.read_bytes()[:4] == b"wOF2", "not a WOFF2 file"
    size = korean.stat().st_size
    assert size <= KOREAN_LIMIT and size <= KOREAN_AIM, f"{size} bytes of Korean font"
    # the 4.5 MB TTF (kept in the package for the figures) is not part of the site
    assert not [p for p in built.rglob("*") if p.suffix.lower() in (".ttf", ".otf") and "Nanum" in p.name]


def test_subset_covers_every_character_the_site_shows(built):
    shown = {ord(c) for c in site_characters(built) if c not in ASCII}
    drawable = shown & _cmap(NANUM)
    assert len(drawable) > 300, "suspiciously few Korean characters on the site"
    missing = drawable - _cmap(built / "_static" / "fonts" / "NanumGothic-subset.woff2")
    assert not missing, "characters on the site but not in the web font: " + "".join(map(chr, sorted(missing)))[:200]


def test_subset_is_cut_not_copied(built):
    kept = _cmap(built / "_static" / "fonts" / "NanumGothic-subset.woff2")
    assert len(kept) < len(_cmap(NANUM)) / 4, f"{len(kept)} characters kept"


def test_ascii_font_has_a_true_backslash(built):
    for name in ("DejaVuSans-ascii.woff2", "DejaVuSans-Bold-ascii.woff2"):
        kept = _cmap(built / "_static" / "fonts" / name)
        assert {ord(c) for c in ASCII} <= kept, name


def test_faces_swap_in_and_split_by_unicode_range(built):
    css = (built / "_static" / "korean.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
    assert len(faces) == 3, faces
    for face in faces:
        assert "font-display: swap" in face and "unicode-range" in face and ".woff2" in face, face
        assert (built / "_static" / re.search(r'url\("([^"]+)"\)', face).group(1)).is_file(), face
    nanum = next(f for f in faces if "NanumGothic" in f)
    # ASCII (and with it U+005C, which NanumGothic draws as ₩) is not NanumGothic's
    assert "unicode-range: U+0080-10FFFF" in nanum


def test_licences_travel_with_the_fonts(built):
    fonts = built / "_static" / "fonts"
    assert "SIL OPEN FONT LICENSE" in (fonts / "NanumGothic-OFL.txt").read_text(encoding="utf-8").upper()
    assert "Bitstream" in (fonts / "DejaVuSans-LICENSE.txt").read_text(encoding="utf-8")
