"""The house look of every figure: the bundled Korean font and a few rcParams.

The font (NanumGothic, SIL Open Font License 1.1, see ``fonts/OFL.txt``) ships inside the
package, so figures render Hangul on any machine after ``pip install``, with no system font.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FONT_PATH", "FONT_NAME", "use_korean_style"]

FONT_PATH = Path(__file__).with_name("fonts") / "NanumGothic.ttf"
FONT_NAME = "NanumGothic"

_registered = False


def use_korean_style() -> None:
    """Register the bundled Korean font with matplotlib and apply the house style.

    Safe to call many times. NanumGothic has no U+2212 MINUS SIGN, so tick labels use the
    ASCII hyphen-minus (``axes.unicode_minus = False``); otherwise every negative tick
    would be a missing glyph.
    """
    global _registered
    import matplotlib as mpl
    from matplotlib import font_manager

    if not _registered:
        font_manager.fontManager.addfont(str(FONT_PATH))
        _registered = True
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_NAME, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "mathtext.fontset": "dejavusans",
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (7.0, 4.0),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
        }
    )
