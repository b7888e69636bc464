"""The in-page explorer's files in the built site (no browser needed).

The vendored plotting library carries its licence and the version that package.json and
package-lock.json record; the explorer's files are linked from the pages that hold an explorer
and from no other; the numbers the page computes with are those weightinit gives today.
"""

from __future__ import annotations

import json
import re
import sys

from conftest import ROOT, toc_docnames

sys.path.insert(0, str(ROOT / "_ext"))
from explorer_page import ASSETS_CSS, ASSETS_JS, STATIC_DIR, explorer_data  # noqa: E402

VENDOR = ROOT / "_explorer"


def test_vendored_uplot_matches_the_lockfile_and_ships_its_licence():
    package = json.loads((VENDOR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((VENDOR / "package-lock.json").read_text(encoding="utf-8"))
    version = package["dependencies"]["uplot"]
    assert lock["packages"]["node_modules/uplot"]["version"] == version
    assert lock["packages"]["node_modules/uplot"]["license"] == "MIT"
    banner = (STATIC_DIR / "explorer" / "uPlot.iife.min.js").read_text(encoding="utf-8")[:200]
    assert f"(v{version})" in banner, banner
    licence = (STATIC_DIR / "explorer" / "uPlot-LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Permission is hereby granted" in licence


def test_explorer_script_fetches_nothing():
    script = (STATIC_DIR / "explorer" / "weightinit-explorer.js").read_text(encoding="utf-8")
    for call in ("fetch(", "XMLHttpRequest", "import(", "http://", "https://", "WebSocket"):
        assert call not in script, call


def _pages():
    return {doc: (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8") for doc in toc_docnames()}


def test_explorer_files_are_linked_only_where_an_explorer_is(site):
    pages = _pages()
    with_explorer = [doc for doc, text in pages.items() if 'id="weightinit-explorer"' in text]
    assert with_explorer == ["chapters/practice"]
    for doc, text in pages.items():
        for asset in ASSETS_JS + ASSETS_CSS:
            linked = f"_static/{asset}?" in text
            assert linked == (doc in with_explorer), f"{doc}: {asset} linked={linked}"
        assert (site / "_static" / "explorer" / "uPlot-LICENSE.txt").is_file()


def test_page_data_is_what_weightinit_gives(site):
    text = (site / "chapters" / "practice.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" class="wie-data">(.*?)</script>', text, re.S)
    assert block, "no data block in the practice page"
    data = json.loads(block.group(1).replace("<\\/", "</"))
    assert data == json.loads(json.dumps(explorer_data(), ensure_ascii=False))
    assert len(data["quadrature"]["gh_nodes"]) == 201
    assert abs(data["inits"]["kaiming_normal"]["var_times_n"] - 2.0) < 1e-14
    assert abs(data["inits"]["pytorch_default_uniform"]["var_times_n"] - 1.0 / 3.0) < 1e-14
    assert data["inits"]["lecun_normal"]["distribution"] == "truncated_normal"
    assert data["inits"]["orthogonal"]["distribution"] == "orthogonal"
