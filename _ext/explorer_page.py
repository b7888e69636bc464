"""The in-page explorer: a ``weightinit-explorer`` directive and the files it needs.

The directive writes the explorer's controls (native form elements with Korean labels), the
places for its plots and table, and a JSON block of the numbers the page computes with, all
taken from :mod:`weightinit` at build time:

* the Gauss-Hermite nodes and weights and the constants of the trapezoid rule of
  :func:`weightinit.theory.gaussian_expectation` (and of the grid on which GELU's and SiLU's
  moments above q = 1 are integrated), so that the page integrates exactly as the library does;
* for each initializer of the explorer, its distribution family and ``n * Var(W)`` for a square
  ``(n, n)`` weight, from :func:`weightinit.initializers.init_variance` (checked to be the same
  for every width);
* the activation names and Korean labels of :mod:`weightinit.activations`.

The explorer's script, style sheet and the vendored plotting library (uPlot) live in
``_explorer/static/explorer/``; they are linked only from the pages that use the directive.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive

STATIC_DIR = Path(__file__).resolve().parent.parent / "_explorer" / "static"
ASSETS_JS = ("explorer/uPlot.iife.min.js", "explorer/weightinit-explorer.js")
ASSETS_CSS = ("explorer/uPlot.min.css", "explorer/weightinit-explorer.css")


class explorer_node(nodes.General, nodes.Element):
    """Placeholder for the explorer's HTML (written by :func:`visit_explorer_html`)."""


def explorer_data() -> dict:
    """Everything the page's script takes from :mod:`weightinit` (JSON-serialisable)."""
    from weightinit import initializers, theory
    from weightinit.activations import ACTIVATION_NAMES, get_activation
    from weightinit.explorer import DEFAULTS, EXPLORER_INITS, LN_EPS, RANDOM, RESIDUAL_NORMS

    inits = {}
    for label, name in EXPLORER_INITS.items():
        if name == RANDOM:
            inits[name] = {"label": label, "distribution": "normal", "fixed_std": True}
            continue
        _, law_of = initializers._INITIALIZERS[name]
        law = law_of((256, 256))
        coefficients = {n * initializers.init_variance(name, (n, n)) for n in (16, 100, 256, 1024)}
        spread = max(coefficients) - min(coefficients)
        if spread > 1e-12 * max(coefficients):
            raise ValueError(f"{name}: n * Var(W) depends on the width n; the explorer assumes it does not")
        entry = {"label": label, "distribution": law.distribution, "var_times_n": max(coefficients)}
        if law.distribution == "truncated_normal":
            entry["bound"] = law.bound
            entry["truncated_std"] = initializers._truncated_std(law.bound)
        inits[name] = entry
    return {
        "quadrature": {
            "gh_nodes": theory._GH_NODES.tolist(),
            "gh_weights": theory._GH_WEIGHTS.tolist(),
            "gh_max_q": theory._GH_MAX_Q,
            "z_max": theory._Z_MAX,
            "pole_rate": theory._POLE_RATE,
            "sr_x_max": theory._SR_X_MAX,
            "sr_step": theory._SR_STEP,
        },
        "activations": {
            name: {"label": get_activation(name).label, "saturates": get_activation(name).saturates,
                   "rectifier": get_activation(name).is_rectifier}
            for name in ACTIVATION_NAMES
        },
        "leaky_default_slope": get_activation("leaky_relu").negative_slope,
        "inits": inits,
        "modes": {"mlp": "다층 퍼셉트론: 층마다 활성화 값과 기울기", "residual": "잔차 연결: 블록마다 잔차 스트림"},
        "residual": {"norms": RESIDUAL_NORMS, "ln_eps": LN_EPS},
        "defaults": {"activation": "relu", "init": "kaiming_normal", "depth": 10,
                     "width": DEFAULTS["width"], "sigma": 0.1, "bias_std": 0.0, "seed": 0,
                     "mode": "mlp", "alpha": 1.0, "norm": "none"},
    }


def _label_html(label: str) -> str:
    """A label's text, escaped, with σ's indices as markup: ``σ_b`` → σ<sub>b</sub>, ``σ^2`` →
    σ<sup>2</sup> (the body font's own ² and ₁ glyphs are drawn far smaller than the text)."""
    text = html.escape(label)
    text = re.sub(r"_([A-Za-z0-9])", r"<sub>\1</sub>", text)
    return re.sub(r"\^([A-Za-z0-9])", r"<sup>\1</sup>", text)


def _slider(name, label, lo, hi, step, value, *, log=False, hint=""):
    scale = ' data-scale="log10"' if log else ""
    shown = f"{10 ** value:.3g}" if log else f"{value:g}"
    hint_html = f'<span class="wie-hint">{html.escape(hint)}</span>' if hint else ""
    return (
        f'<div class="wie-control" data-control="{name}">'
        f'<label for="wie-{name}">{_label_html(label)}</label>'
        f'<input type="range" id="wie-{name}" name="{name}" min="{lo}" max="{hi}" step="{step}" '
        f'value="{value}"{scale}>'
        f'<output for="wie-{name}" id="wie-{name}-out">{shown}</output>{hint_html}</div>'
    )


def _select(name, label, options, value):
    opts = "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == value else ""}>{html.escape(text)}</option>'
        for v, text in options
    )
    return (
        f'<div class="wie-control" data-control="{name}">'
        f'<label for="wie-{name}">{html.escape(label)}</label>'
        f'<select id="wie-{name}" name="{name}">{opts}</select></div>'
    )


def explorer_html(data: dict) -> str:
    """The explorer's markup: controls, status line, plots, table and the data block."""
    d = data["defaults"]
    acts = [(name, a["label"]) for name, a in data["activations"].items()]
    inits = [(name, i["label"]) for name, i in data["inits"].items()]
    controls = "".join([
        _select("mode", "보기", list(data["modes"].items()), d["mode"]),
        _select("activation", "활성화 함수", acts, d["activation"]),
        _slider("slope", "음수 쪽 계수 a (리키 렐루)", 0, 1, 0.01, data["leaky_default_slope"]),
        _select("init", "초기화", inits, d["init"]),
        _slider("sigma", "σ (무작위 초기화 N(0, σ^2)의 표준편차, 로그 눈금)", -3, 1, 0.01,
                round(math.log10(d["sigma"]), 2), log=True),
        _slider("depth", "깊이 (층 수)", 1, 50, 1, d["depth"]),
        _slider("width", "폭 (층마다 노드 수)", 16, 1024, 16, d["width"]),
        _slider("bias", "편향 표준편차 σ_b", 0, 1, 0.01, d["bias_std"]),
        _slider("alpha", "가지 배율 α (잔차 연결)", 0, 2, 0.01, d["alpha"]),
        _select("norm", "정규화 위치 (잔차 연결)", list(data["residual"]["norms"].items()), d["norm"]),
        '<div class="wie-control" data-control="seed">'
        '<label for="wie-seed">시드 (가중치와 입력을 새로 뽑기)</label>'
        f'<span class="wie-seed-row"><button type="button" id="wie-seed" name="seed" value="{d["seed"]}">새로 뽑기</button>'
        f'<output for="wie-seed" id="wie-seed-out">{d["seed"]}</output></span></div>',
    ])
    table_head = (
        "<tr><th scope=\"col\">층</th><th scope=\"col\">활성화 값 표준편차 (이론)</th>"
        "<th scope=\"col\">활성화 값 표준편차 (시뮬레이션)</th><th scope=\"col\">기울기 표준편차 (이론)</th>"
        "<th scope=\"col\">기울기 표준편차 (시뮬레이션)</th><th scope=\"col\" class=\"wie-share-head\">비율</th></tr>"
    )
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    return (
        '<div id="weightinit-explorer" class="wie">'
        f'<form class="wie-controls" onsubmit="return false">{controls}</form>'
        '<p class="wie-status" role="status" aria-live="polite">'
        "이 탐색기는 자바스크립트로 브라우저 안에서 계산한다. 자바스크립트가 꺼져 있으면 움직이지 않는다.</p>"
        '<div class="wie-figures">'
        '<figure class="wie-figure wie-hists"><figcaption>층별 분포: 활성화 값 A(위)와 기울기 ∂L/∂Z(아래). '
        "가로축은 그 층의 표준편차 s를 1로 잰 값, 세로축은 구간에 든 값의 비율</figcaption>"
        '<div class="wie-hist-grid" data-kind="activation"></div>'
        '<div class="wie-hist-grid" data-kind="gradient"></div></figure>'
        '<figure class="wie-figure wie-std"><figcaption>깊이에 따른 표준편차: 점은 시뮬레이션, 선은 이론(분산 점화식)'
        "</figcaption><div class=\"wie-std-plot\"></div></figure></div>"
        '<div class="wie-table-wrap"><table class="wie-table">'
        "<caption>층별 표준편차: 그림과 같은 숫자</caption>"
        f"<thead>{table_head}</thead><tbody></tbody></table></div>"
        f'<script type="application/json" class="wie-data">{payload}</script>'
        "</div>"
    )


class ExplorerDirective(Directive):
    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self):
        env = self.state.document.settings.env
        if not hasattr(env, "weightinit_explorer_docs"):
            env.weightinit_explorer_docs = set()
        env.weightinit_explorer_docs.add(env.docname)
        node = explorer_node()
        node["html"] = explorer_html(explorer_data())
        return [node]


def visit_explorer_html(self, node):
    self.body.append(node["html"])
    raise nodes.SkipNode


def skip_node(self, node):
    raise nodes.SkipNode


def add_assets(app, pagename, templatename, context, doctree):
    """Link the explorer's script and styles from the pages that hold an explorer, only."""
    if doctree is None or not list(doctree.findall(explorer_node)):
        return
    for css in ASSETS_CSS:
        app.add_css_file(css)
    for js in ASSETS_JS:
        app.add_js_file(js, defer="defer")


def always_reread(app, env, added, changed, removed):
    """Pages with an explorer are read on every build: their markup and data come from
    weightinit and from this file, which Sphinx does not watch."""
    return sorted(getattr(env, "weightinit_explorer_docs", set()) - set(removed))


def purge_doc(app, env, docname):
    getattr(env, "weightinit_explorer_docs", set()).discard(docname)


def merge_docs(app, env, docnames, other):
    env.weightinit_explorer_docs = getattr(env, "weightinit_explorer_docs", set()) | (
        getattr(other, "weightinit_explorer_docs", set()) & set(docnames))


def add_static_path(app, config):
    # Not listed in _config.yml on purpose: Jupyter Book 1 links every .js and .css file of the
    # static folders listed there from every page. Added here, after that scan, the folder is
    # copied into the site's _static/ but linked only where add_assets says.
    config.html_static_path = list(config.html_static_path or []) + [str(STATIC_DIR)]


def setup(app):
    app.connect("config-inited", add_static_path)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_docs)
    app.add_node(explorer_node, html=(visit_explorer_html, None), latex=(skip_node, None),
                 text=(skip_node, None), man=(skip_node, None), texinfo=(skip_node, None))
    app.add_directive("weightinit-explorer", ExplorerDirective)
    app.connect("html-page-context", add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
