"""Reading-time estimates of the chapters, computed from their text, and the landing page's table.

    python scripts/reading_time.py            # print the estimate of every chapter
    python scripts/reading_time.py --write    # rewrite the table in chapters/index.md

A chapter's time is counted from what a reader meets in it:

* Korean prose (Hangul syllables outside code, math and solutions) at ``SYLLABLES_PER_MIN``;
* display equations at ``MIN_PER_DISPLAY`` each and inline formulas at ``MIN_PER_INLINE`` each;
* executed code cells (read, run, look at the output) at ``MIN_PER_CELL`` each, plus
  ``MIN_PER_CODE_LINE`` for every line of code in them and in displayed listings;
* exercises at ``MIN_PER_EXERCISE`` each (solutions are read during that time, so their text is
  not counted as reading).

The table between the two marker lines of ``chapters/index.md`` is generated from these counts;
``tests/test_reading_time.py`` recomputes it, so the table cannot drift from the text.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / "chapters" / "index.md"
BEGIN, END = "% reading-time: begin", "% reading-time: end"

# Rates, stated on the landing page (chapters/index.md)
SYLLABLES_PER_MIN = 200     # careful reading of technical Korean prose
MIN_PER_DISPLAY = 1.0       # a display equation, followed line by line
MIN_PER_INLINE = 0.03       # an inline formula (about 2 seconds)
MIN_PER_CELL = 1.0          # an executed code cell: run it, look at the output
MIN_PER_CODE_LINE = 0.05    # a line of code, in a cell or a listing (3 seconds)
MIN_PER_EXERCISE = 8.0      # an exercise, solved on paper or in the notebook
SITTING_MIN = 60            # one sitting

HANGUL = re.compile(r"[가-힣]")
FENCE = re.compile(r"^(`{3,}|:{3,})\s*\{?([\w:-]*)\}?.*$")


@dataclass(frozen=True)
class Counts:
    """Prose, math and code counted in one part of a chapter."""

    syllables: int = 0
    display_math: int = 0
    inline_math: int = 0
    code_cells: int = 0
    code_lines: int = 0

    @property
    def minutes(self) -> float:
        return (self.syllables / SYLLABLES_PER_MIN + self.display_math * MIN_PER_DISPLAY
                + self.inline_math * MIN_PER_INLINE + self.code_cells * MIN_PER_CELL
                + self.code_lines * MIN_PER_CODE_LINE)


@dataclass(frozen=True)
class ChapterCount:
    """What a reader meets in one chapter: the main line, the optional "더 깊이" boxes (with
    the hidden cells that belong to them) and the exercises."""

    name: str
    main: Counts
    deeper: Counts
    exercises: int

    @property
    def reading_min(self) -> float:
        """Minutes to read the main line and run its cells ("더 깊이" boxes and exercises excluded)."""
        return self.main.minutes

    @property
    def deeper_min(self) -> float:
        return self.deeper.minutes

    @property
    def exercise_min(self) -> float:
        return self.exercises * MIN_PER_EXERCISE


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5:]
    return text


DEEPER_TITLE = "더 깊이"


def count_chapter(path: Path) -> ChapterCount:
    """Count prose, math, code and exercises of one MyST Markdown chapter."""
    lines = _strip_front_matter(path.read_text(encoding="utf-8")).splitlines()
    tally = {"main": dict.fromkeys(Counts.__dataclass_fields__, 0),
             "deeper": dict.fromkeys(Counts.__dataclass_fields__, 0)}
    prose = {"main": [], "deeper": []}
    exercises = 0
    stack: list[tuple[str, str, bool]] = []   # open fences: (marker, directive name, optional box)
    in_solution_range = False                 # between {solution-start} and {solution-end}
    in_math = False
    for line in lines:
        stripped = line.strip()
        optional = any(o for _, _, o in stack)
        part = tally["deeper" if optional else "main"]
        if in_math:
            if stripped.startswith("$$"):
                in_math = False
            continue
        m = FENCE.match(stripped)
        if m:
            marker, name = m.group(1), m.group(2)
            if stack and marker == stack[-1][0] and not name:
                stack.pop()                                   # closing fence
                continue
            hidden = in_solution_range or any(n == "solution" for _, n, _ in stack)
            box = name == "dropdown" and DEEPER_TITLE in stripped
            if name == "solution-start":
                in_solution_range = True
            elif name == "solution-end":
                in_solution_range = False
            elif name == "exercise":
                exercises += 1
            elif name == "code-cell" and not hidden:
                part["code_cells"] += 1
            elif name == "math" and not hidden:
                part["display_math"] += 1
            stack.append((marker, name, box or optional))
            continue
        if in_solution_range or any(n in ("solution", "exercise") for _, n, _ in stack):
            continue                                          # read during the exercise time
        top = stack[-1][1] if stack else None
        if top == "code-cell" and stripped.startswith(":tags:") and "hide-cell" in stripped \
                and not optional:
            # a cell hidden whole belongs to the "더 깊이" box just before it: move it there
            tally["main"]["code_cells"] -= 1
            tally["deeper"]["code_cells"] += 1
            stack[-1] = (stack[-1][0], stack[-1][1], True)
            continue
        if top in ("code-cell", "python", "bash", "text", ""):
            if stripped and not stripped.startswith(":") and stripped != "---":
                part["code_lines"] += 1
            continue
        if top == "math":
            continue
        if stripped.startswith("$$"):
            part["display_math"] += 1
            in_math = not (len(stripped) > 4 and stripped.endswith("$$"))
            continue
        part["inline_math"] += len(re.findall(r"(?<!\$)\$(?!\$)[^$]+\$", line))
        prose["deeper" if optional else "main"].append(re.sub(r"\$[^$]*\$|`[^`]*`", "", line))
    for key in tally:
        tally[key]["syllables"] = len(HANGUL.findall("\n".join(prose[key])))
    return ChapterCount(path.stem, Counts(**tally["main"]), Counts(**tally["deeper"]), exercises)


def toc_chapters() -> list[Path]:
    """The numbered chapters of _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    out = []
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for entry in part.get("chapters", []):
            out.append(ROOT / f"{entry['file']}.md")
    return out


def _minutes(value: float) -> int:
    """Rounded to the nearest 5 minutes (at least 5 for anything to read)."""
    return max(5, int(5 * math.floor(value / 5 + 0.5))) if value > 0 else 0


def _label(path: Path) -> str:
    """The chapter's label (its first ``(name)=`` target)."""
    m = re.search(r"^\((ch-[\w-]+)\)=$", path.read_text(encoding="utf-8"), re.M)
    if not m:
        raise ValueError(f"{path} has no (ch-...)= label before its title")
    return m.group(1)


def table(chapters: list[Path] | None = None) -> str:
    """The landing page's table (Markdown), one row per chapter and the total."""
    chapters = toc_chapters() if chapters is None else chapters
    rows = ["| 장 | 한글 음절 | 수식(별행/본문) | 코드 셀(줄) | 읽기와 실행 | 더 깊이(골라 읽기) | 연습문제 |",
            "|---|---|---|---|---|---|---|"]
    total = [0, 0, 0]
    for path in chapters:
        c = count_chapter(path)
        minutes = [_minutes(c.reading_min), _minutes(c.deeper_min) if c.deeper_min else 0, _minutes(c.exercise_min)]
        total = [t + v for t, v in zip(total, minutes)]
        main = c.main
        rows.append(f"| {{ref}}`{_label(path)}` | {main.syllables:,} | {main.display_math}/{main.inline_math} | "
                    f"{main.code_cells}({main.code_lines}) | {minutes[0]}분 | "
                    f"{f'{minutes[1]}분' if minutes[1] else '-'} | {minutes[2]}분 ({c.exercises}문제) |")
    hours = (total[0] + total[2]) / 60
    rows.append(f"| 모두 | | | | {total[0]}분 | {total[1]}분 | {total[2]}분 |")
    rows.append("")
    rows.append(f"읽기와 실행, 연습문제를 합하면 약 {hours:.0f}시간이다(\"더 깊이\" 상자까지 읽으면 {total[1]}분이 더 든다).")
    return "\n".join(rows)


def replace_table(text: str, new_table: str) -> str:
    """``text`` with the lines between the two markers replaced by ``new_table``."""
    start, stop = text.find(BEGIN), text.find(END)
    if start == -1 or stop == -1 or stop < start:
        raise ValueError(f"chapters/index.md needs the lines '{BEGIN}' and '{END}' around the table")
    head = text[:start + len(BEGIN)]
    return f"{head}\n{new_table}\n{text[stop:]}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in chapters/index.md")
    args = parser.parse_args(argv)
    for path in toc_chapters():
        c = count_chapter(path)
        flag = "" if c.reading_min <= SITTING_MIN else "  (longer than one sitting)"
        print(f"{c.name:12s} reading {c.reading_min:5.1f} min, deeper {c.deeper_min:4.1f} min, "
              f"exercises {c.exercise_min:5.1f} min{flag}")
    if args.write:
        INDEX.write_text(replace_table(INDEX.read_text(encoding="utf-8"), table()), encoding="utf-8")
        print(f"wrote the table in {INDEX.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
