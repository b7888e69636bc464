"""Checks of the built site as files: complete, self-contained, linked, searchable in Korean."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, notebook_docnames, toc_docnames

import sys

sys.path.insert(0, str(ROOT / "_ext"))
from korean import strip_particle  # noqa: E402

# Attributes through which a page makes the browser fetch something by itself
# (plain <a href> links are followed only when a reader clicks them).
FETCHING = [("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
            ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data")]


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@functools.lru_cache(maxsize=None)
def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed once for the whole module (the tests only read it)."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def is_external(url: str) -> bool:
    return bool(urlparse(url).scheme in ("http", "https") or url.startswith("//"))


def test_every_toc_page_is_built(site):
    missing = [d for d in toc_docnames() if not (site / f"{d}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"


def test_pages_are_korean(site):
    for d in toc_docnames():
        html = soup(site / f"{d}.html")
        assert html.html.get("lang") == "ko", f"{d}: <html lang> is {html.html.get('lang')!r}"


def test_no_asset_is_loaded_from_outside_the_site(site):
    offenders = []
    for page in pages(site):
        for tag in soup(page).find_all([t for t, _ in FETCHING]):
            for t, attr in FETCHING:
                url = tag.get(attr) if tag.name == t else None
                if url and is_external(url):
                    if tag.name == "link" and not set(tag.get("rel", [])) & {"stylesheet", "preload", "icon", "modulepreload", "prefetch"}:
                        continue
                    offenders.append(f"{page.relative_to(site)}: <{tag.name} {attr}={url}>")
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8", errors="replace")):
            if is_external(url):
                offenders.append(f"{css.relative_to(site)}: url({url})")
    assert not offenders, "assets fetched from outside the site:\n" + "\n".join(sorted(set(offenders))[:20])


def test_mathjax_and_fonts_are_served_by_the_site(site):
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "_static" / "fonts" / "NanumGothic-subset.woff2").is_file()
    css = (site / "_static" / "korean.css").read_text(encoding="utf-8")
    assert "word-break: keep-all" in css and 'url("fonts/NanumGothic-subset.woff2")' in css


def _internal_targets(site: Path):
    for page in pages(site):
        for a in soup(page).find_all("a", href=True):
            href = a["href"]
            if is_external(href) or href.startswith(("mailto:", "javascript:", "data:")):
                continue
            yield page, href


def test_internal_links_resolve(site):
    """Every relative link points at a file of the site, and every #anchor exists there."""
    ids_cache: dict[Path, set[str]] = {}
    broken = []
    for page, href in _internal_targets(site):
        path, frag = urldefrag(href)
        target = (page.parent / unquote(path)).resolve() if path else page
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"{page.relative_to(site)} -> {href}")
            continue
        if frag and target.suffix == ".html":
            if target not in ids_cache:
                ids_cache[target] = {t["id"] for t in soup(target).find_all(id=True)}
            if unquote(frag) not in ids_cache[target]:
                broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:30])


def test_proofs_and_exercises_have_korean_labels(site):
    text = "".join(soup(site / f"{d}.html").get_text() for d in toc_docnames())
    assert "Proof." not in text, "an English proof prefix is left"
    if "prf:proof" in "".join((ROOT / f"{d}.md").read_text(encoding="utf-8") for d in toc_docnames()):
        assert "증명." in text


def test_each_chapter_links_its_notebook(site):
    root = toc_docnames()[0]  # the landing page runs code only to draw its figure
    for d in notebook_docnames():
        if d == root:
            assert site.joinpath(f"{d}.html").is_file() and not soup(site / f"{d}.html").select(".notebook-links")
            continue
        html = soup(site / f"{d}.html")
        box = html.select_one(".notebook-links")
        assert box is not None, f"{d}: no notebook links"
        hrefs = [a["href"] for a in box.find_all("a", href=True)]
        stem = Path(d).name
        local = [h for h in hrefs if h.endswith(f"{stem}.ipynb") and not is_external(h)]
        assert local and (site / d).parent.joinpath(local[0]).resolve().is_file(), f"{d}: notebook download missing"
        assert any("colab.research.google.com" in h and h.endswith(f"notebooks/{stem}.ipynb") for h in hrefs)


@functools.lru_cache(maxsize=None)
def _search_index(site: Path) -> dict:
    raw = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(raw[raw.index("(") + 1: raw.rindex(")")])


@pytest.mark.parametrize("word", ["가중치", "분산", "초기화"])
def test_korean_search_index_finds_words_with_particles(site, word):
    """The index holds the stem, so pages where the word appears only with a particle are found."""
    index = _search_index(site)
    docs = index["docnames"]
    # Sphinx files a word under "titleterms" for pages whose title has it, "terms" otherwise
    hits = set()
    for table in ("terms", "titleterms"):
        found = index[table].get(word, [])
        hits |= {docs[i] for i in ([found] if isinstance(found, int) else found)}
    assert hits, f"{word!r} is not in the search index"
    # every chapter page whose text has the word followed by a particle must be a hit
    for d in toc_docnames():
        text = soup(site / f"{d}.html").select_one("article").get_text()
        with_particle = [w for w in re.findall(rf"{word}\w+", text) if strip_particle(w) == word]
        if with_particle:
            assert d in hits, f"{d} has {with_particle[0]!r} but a search for {word!r} misses it"


def test_particle_stripping():
    assert strip_particle("가중치를") == "가중치"
    assert strip_particle("분산이") == "분산"
    assert strip_particle("초기화에서는") == "초기화"
    assert strip_particle("정의") == "정의"  # a two-syllable noun is not cut


# --------------------------------------------------------------------------- the landing page


def _landing(site: Path) -> BeautifulSoup:
    return soup(site / f"{toc_docnames()[0]}.html")


def test_landing_page_says_what_a_reader_gets(site):
    article = _landing(site).select_one("article")
    headings = [h.get_text(" ", strip=True).rstrip("#¶ ") for h in article.select("h2")]
    for wanted in ("이 책을 마치면", "미리 알아 두면 좋은 것", "장마다 걸리는 시간", "강의에 쓰려는 분께"):
        assert any(h.startswith(wanted) for h in headings), f"no section {wanted!r} on the landing page: {headings}"
    # the time table (computed by scripts/reading_time.py) has one row per numbered chapter, each
    # linking its chapter, and a total
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for part in toc["parts"] if part.get("numbered") for c in part["chapters"]]
    table = next(t for t in article.select("table") if "연습문제" in t.get_text())
    rows = table.select("tbody tr")
    assert len(rows) == len(chapters) + 1 and rows[-1].get_text(strip=True).startswith("모두")
    for row, doc in zip(rows, chapters):
        href = row.select_one("a[href]")["href"]
        assert urldefrag(href).url.endswith(f"{Path(doc).name}.html"), (doc, href)
        times = [td.get_text(strip=True) for td in row.select("td")[4:]]
        assert re.fullmatch(r"\d+분", times[0]) and re.fullmatch(r"\d+분|-", times[1]), row.get_text()
        assert re.fullmatch(r"\d+분 \(\d+문제\)", times[2]), row.get_text()


def test_landing_figure_is_drawn_with_alt_text(site):
    page = site / f"{toc_docnames()[0]}.html"
    figure = _landing(site).select_one("figure#fig-index-std-depth")
    assert figure is not None, "the landing page lost its figure"
    img = figure.select_one("img")
    assert (page.parent / img["src"]).resolve().is_file()
    alt = img.get("alt", "")
    assert len(re.findall(r"[가-힣]", alt)) > 50 and "표준편차" in alt, alt


def test_landing_page_points_instructors_to_the_coursework(site):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    hrefs = [a["href"] for a in _landing(site).select("article a[href]")]
    assert f"{repo}/blob/{branch}/assignments/README.md" in hrefs
    assert (ROOT / "assignments" / "README.md").is_file()
