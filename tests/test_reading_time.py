"""The landing page's reading-time table is computed from the chapters (scripts/reading_time.py):
recomputed here, it must be what chapters/index.md shows, and the counting itself is checked on
a small chapter written for the test."""

from __future__ import annotations

import textwrap

import pytest

from conftest import ROOT
from scripts import reading_time as rt


def test_landing_page_table_is_the_computed_one():
    text = (ROOT / "chapters" / "index.md").read_text(encoding="utf-8")
    start, stop = text.index(rt.BEGIN) + len(rt.BEGIN), text.index(rt.END)
    shown = text[start:stop].strip()
    assert shown == rt.table().strip(), (
        "the reading-time table of chapters/index.md is out of date: run `python scripts/reading_time.py --write`")


def test_every_numbered_chapter_has_a_row():
    table = rt.table()
    for path in rt.toc_chapters():
        assert f"{{ref}}`{rt._label(path)}`" in table, path.name


def test_the_split_chapters_fit_one_sitting():
    """advanced was split so that it and the new mean-field chapter each read in one sitting."""
    for name in ("advanced", "mean_field"):
        count = rt.count_chapter(ROOT / "chapters" / f"{name}.md")
        assert count.reading_min <= rt.SITTING_MIN + 2.5, (name, count.reading_min)


def test_every_chapter_fits_one_sitting():
    """No numbered chapter needs more than one sitting to read and run (exercises and the optional
    "더 깊이" boxes counted apart): practice was split into practice and frameworks, and side
    derivations of xavier_init and he_init went into "더 깊이" boxes, to get there."""
    for path in rt.toc_chapters():
        count = rt.count_chapter(path)
        assert count.reading_min <= rt.SITTING_MIN, (path.stem, round(count.reading_min, 1))


def test_counting_on_a_small_chapter(tmp_path):
    chapter = tmp_path / "sample.md"
    chapter.write_text(textwrap.dedent("""\
        ---
        jupytext: {}
        ---

        (ch-sample)=
        # 가나

        다라 $x$ 와 $y$ 마바.

        $$
        z = 1
        $$

        ```{code-cell} ipython3
        a = 1
        b = 2
        ```

        :::{dropdown} 더 깊이: 사아
        자차카 $w$
        :::

        ```{code-cell} ipython3
        :tags: [hide-cell]

        c = 3
        ```

        ```{exercise} 타파
        :label: ex-sample

        하
        ```

        ```{solution-start} ex-sample
        :class: dropdown
        ```

        풀이 글자는 세지 않는다.

        ```{code-cell} ipython3
        d = 4
        ```

        ```{solution-end}
        ```
        """), encoding="utf-8")
    c = rt.count_chapter(chapter)
    # main line: 가나, 다라, 와, 마바 (7 syllables), one display, two inline, one cell of two lines;
    # the exercise's own text (타파, 하) and the solution are part of the exercise time
    assert (c.main.display_math, c.main.inline_math, c.main.code_cells, c.main.code_lines) == (1, 2, 1, 2)
    assert c.main.syllables == 7
    # the "더 깊이" box and the hidden cell after it are optional
    assert (c.deeper.syllables, c.deeper.inline_math, c.deeper.code_cells, c.deeper.code_lines) == (3, 1, 1, 1)
    assert c.exercises == 1
    assert c.reading_min == pytest.approx(7 / rt.SYLLABLES_PER_MIN + rt.MIN_PER_DISPLAY + 2 * rt.MIN_PER_INLINE
                                          + rt.MIN_PER_CELL + 2 * rt.MIN_PER_CODE_LINE)
    assert c.exercise_min == rt.MIN_PER_EXERCISE


def test_a_missing_marker_is_named():
    with pytest.raises(ValueError, match="reading-time"):
        rt.replace_table("no markers here", "| table |")
