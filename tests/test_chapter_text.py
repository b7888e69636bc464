"""The chapters against the seed lecture note and the glossary.

Every heading of the seed has its place in the book, every statement of it can be found
(its content words appear in the chapter that covers it), the gaps ("[CONTENTS]") are
filled, and the prose keeps to one term per concept.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, toc_docnames

sys.path.insert(0, str(ROOT / "_ext"))
from korean import strip_particle  # noqa: E402

SEED = ROOT.parent / "shared" / "seed" / "000_d05fdd27532dabf3.txt"
# which chapter carries which section of the seed
SECTION_CHAPTER = {
    "가중치 초기화": "overview",
    "무작위 초기화": "random_init",
    "자비에 초기화": "xavier_init",
    "히 초기화": "he_init",
}
# Terms whose seed wording the book deliberately corrects (the glossary's choice wins).
SEED_WORDING_FIXED = {"레이어": "층", "초기값": "초깃값"}


def seed_sections() -> dict[str, dict]:
    if not SEED.is_file():
        pytest.skip(f"the seed note is not beside the repository ({SEED})")
    sections, current = {}, None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        title = re.match(r">\s*##\s*\*\*(.+?)\((.+?)\)\*\*", line)
        if title:
            current = {"ko": title.group(1).strip(), "en": title.group(2).strip(), "labels": [], "statements": []}
            sections[current["ko"]] = current
            continue
        if current is None:
            continue
        label = re.search(r"\*\*\((\d)\)\s*(\S+)\*\*", line)
        if label:
            current["labels"].append(label.group(2))
            rest = line.split("**", 2)[-1].lstrip(" :*")
            if re.search(r"[가-힣]", rest):
                current["statements"].append(rest)
        elif re.search(r"[①②③]", line):
            current["statements"].append(re.sub(r".*[①②③]\s*", "", line))
        if "`PLUS`" in line:
            current["labels"].append("PLUS")
            current["statements"].append(line.split(":", 1)[0].split("**", 3)[-1])
        if "`WHY?`" in line:
            current["labels"].append("WHY")
    return sections


def chapter_text(name: str) -> str:
    return (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")


def content_words(statement: str) -> list[str]:
    words = [strip_particle(w) for w in re.findall(r"[가-힣]{2,}", re.sub(r"\$[^$]*\$|\*\*|\\[a-z]+", " ", statement))]
    stop = {"있음", "존재", "가능성", "통해", "위해", "대한", "경우", "때문", "혹은", "되어", "하게"}
    return [SEED_WORDING_FIXED.get(w, w) for w in words if w not in stop]


def test_seed_is_parsed():
    sections = seed_sections()
    assert set(sections) == set(SECTION_CHAPTER), sorted(sections)
    assert sum(len(s["statements"]) for s in sections.values()) >= 20


@pytest.mark.parametrize("section", list(SECTION_CHAPTER))
def test_every_seed_heading_has_its_place(section):
    seed = seed_sections()[section]
    text = chapter_text(SECTION_CHAPTER[section])
    headings = "\n".join(re.findall(r"^#{1,6} .*$|^\*\*[^*]+\*\*", text, flags=re.M))
    assert seed["ko"] in headings and seed["en"] in text, f"{section}: no heading for the section"
    for label in seed["labels"]:
        assert label in headings, f"{section}: the seed's {label!r} has no heading or bold label"


@pytest.mark.parametrize("section", list(SECTION_CHAPTER))
def test_every_seed_statement_can_be_found(section):
    seed = seed_sections()[section]
    text = chapter_text(SECTION_CHAPTER[section])
    for statement in seed["statements"]:
        words = content_words(statement)
        # a verb or adjective may be conjugated otherwise ("가정해" / "가정한다"): its stem will do
        found = [w for w in words if w in text or (len(w) > 2 and w[:2] in text)]
        assert len(found) >= 0.7 * len(words), (
            f"{section}: seed statement {statement.strip()!r} not found (missing {sorted(set(words) - set(found))})"
        )


def test_the_gaps_are_filled():
    book = "".join(chapter_text(Path(d).name) for d in toc_docnames())
    assert "[CONTENTS]" not in book
    assert "PLUS" in chapter_text("random_init")
    for name in ("xavier_init", "he_init"):
        text = chapter_text(name)
        why = text.index("WHY")
        assert "{prf:proof}" in text[why:], f"{name}: the WHY section has no proof"
    assert "A^{[l-1](i)}_k" in chapter_text("random_init") or "A^{[l-1](i)}_{k}" in chapter_text("random_init")


GLOSSARY = ROOT / "chapters" / "glossary.md"


def glossary_rows() -> list[list[str]]:
    """The cells of every row of the glossary's table (header and rule excluded)."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---") and not line.startswith("| 용어 |"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def banned_variants() -> dict[str, str]:
    """{name used elsewhere: the book's term}, read from the glossary's last column.

    A name there is banned from the book's own text unless it is itself one of the glossary's
    terms (기울기 is listed as what other texts call a slope, but it is our word for gradient).
    Parenthesised remarks are explanations, not names.
    """
    rows = glossary_rows()
    terms = {row[0] for row in rows}
    banned = {}
    for row in rows:
        for name in re.sub(r"\([^)]*\)", "", row[-1]).split(","):
            name = name.strip()
            if name and name not in terms:
                banned[name] = row[0]
    return banned


def _prose(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path == GLOSSARY:  # its last column lists the other names on purpose
        text = "\n".join(line.rsplit("|", 2)[0] if line.startswith("|") else line for line in text.splitlines())
    return text


BOOK_FILES = sorted((ROOT / "chapters").glob("*.md")) + sorted((ROOT / "weightinit").glob("*.py"))


def test_the_glossary_lists_names_from_other_texts():
    banned = banned_variants()
    # the names a learner meets elsewhere, each mapped to the book's one term
    expected = {"그래디언트": "기울기", "그라디언트": "기울기", "밀집층": "완전연결층", "완전 연결층": "완전연결층",
                "글로럿 초기화": "자비에 초기화", "세이비어 초기화": "자비에 초기화", "카이밍 초기화": "히 초기화",
                "활성화값": "활성화 값", "씨앗": "시드", "직교 행렬": "직교행렬", "연쇄 법칙": "연쇄법칙",
                "허용 오차": "허용오차", "초기값": "초깃값", "레이어": "층"}
    for name, term in expected.items():
        assert banned.get(name) == term, f"the glossary should list {name!r} under {term!r}"
    assert "기울기" not in banned  # our own term is never banned
    terms = {row[0] for row in glossary_rows()}
    for needed in ("은닉층", "에포크", "특성함수", "고정점", "임계점", "가우스 행렬", "완전연결층", "음수 쪽 계수",
                   "미분계수", "시드", "층 정규화"):
        assert needed in terms, f"the glossary has no entry for {needed}"


@pytest.mark.parametrize("path", BOOK_FILES, ids=lambda p: p.name)
def test_one_term_per_concept(path):
    text = _prose(path)
    found = {v: t for v, t in banned_variants().items() if v in text}
    assert not found, f"{path.name}: use the glossary's terms: " + ", ".join(f"{v} -> {t}" for v, t in found.items())


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.name)
def test_spelling_conventions(path):
    """Percentages stick to their number; particles stick to a reference (not to inline math)."""
    text = path.read_text(encoding="utf-8")
    assert not re.findall(r"\d %", text), f"{path.name}: write 5%, not 5 %"
    spaced = re.findall(r"\{(?:ref|numref|prf:ref)\}`[^`]+` [은는이가을를의에와과로으도]", text)
    assert not spaced, f"{path.name}: attach the particle to the reference: {spaced[:3]}"


def test_the_term_check_reads_the_glossary(tmp_path):
    """A name listed in the glossary's last column makes a text that uses it fail."""
    banned = banned_variants()
    sample = tmp_path / "sample.md"
    sample.write_text("이 밀집층은 그래디언트를 받는다.", encoding="utf-8")
    found = {v for v in banned if v in _prose(sample)}
    assert found == {"밀집층", "그래디언트"}


def test_displayed_framework_recipes_compile():
    """The PyTorch and Keras code the frameworks chapter shows (not executed here) is valid Python."""
    blocks = re.findall(r"^```python\n(.*?)^```", chapter_text("frameworks"), flags=re.S | re.M)
    assert blocks, "the frameworks chapter shows no framework code"
    for i, block in enumerate(blocks):
        compile(block, f"frameworks.md python block {i}", "exec")  # raises SyntaxError with the line
    joined = "\n".join(blocks)
    for needed in ("register_forward_hook", ".register_hook(", "GradientTape", "layer_report"):
        assert needed in joined, f"the recipe for checking one's own network lacks {needed}"
    # a module backward hook breaks on in-place activations (ReLU(inplace=True)); the recorded
    # arrays must be copies, not views of live tensors; Keras measures as in training
    assert "register_full_backward_hook(" not in joined and "register_backward_hook(" not in joined
    assert ".clone()" in joined and "model.train()" in joined
    assert "training=True" in joined and "training=False" not in joined
