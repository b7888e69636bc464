"""The in-page explorer of the practice chapter, in headless Chromium.

Every control is moved by dispatching the events a reader's input fires, and the table and
the plots must change; the page's theory must agree with :mod:`weightinit.theory` to 1e-6
relative and its simulation with the theory within 10% (width >= 128); an update at width
256 x depth 50 must take at most 150 ms; no request may leave the local server and no error
reach the console. Screenshots (light, dark, phone) go to ``_build/screenshots``. Without
Chromium these tests skip unless REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import hashlib
import math
import re
from urllib.parse import urlparse

import numpy as np
import pytest

from test_browser import SHOTS, _load, _requests, browser, server  # noqa: F401 (fixtures)
from weightinit.activations import ACTIVATION_NAMES, get_activation
from weightinit.explorer import EXPLORER_INITS, RANDOM
from weightinit.initializers import INITIALIZER_NAMES
from weightinit.theory import InitSpec, chi1, propagate

pytestmark = pytest.mark.browser

PAGE = "chapters/practice.html"
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Set a control the way a reader does: the element's value changes, then input and change fire
# (a select fires both in Chromium, a range input fires input while dragging and change on release).
SET_CONTROL = """
const [name, value, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector(`[name="${name}"]`);
const before = window.weightinitExplorer.updates;
let finished = false;
const finish = (result) => { if (!finished) { finished = true; done(result); } };
root.addEventListener('wie:updated', () => requestAnimationFrame(() => finish(true)), {once: true});
el.value = String(value);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
setTimeout(() => finish(window.weightinitExplorer.updates > before), 20000);
"""

TIMED_CONTROL = """
const [name, value, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector(`[name="${name}"]`);
const t0 = performance.now();
root.addEventListener('wie:updated', (e) => {
  const drawn = performance.now() - t0;  // computed, table written, plots drawn
  requestAnimationFrame(() => done({ms: drawn, frameMs: performance.now() - t0, computeMs: e.detail.computeMs,
                                    batch: e.detail.simulation.batch}));
}, {once: true});
el.value = String(value);
el.dispatchEvent(new Event('input', {bubbles: true}));
setTimeout(() => done({ms: null, value: el.value, state: JSON.stringify(window.weightinitExplorer.settings())}), 30000);
"""

READ_TABLE = """
const rows = [...document.querySelectorAll('#weightinit-explorer .wie-table tbody tr')];
return rows.map(r => [...r.querySelectorAll('th, td')].map(c => c.dataset.value === undefined ? c.textContent : Number(c.dataset.value)));
"""

FINGERPRINT = """
const root = document.getElementById('weightinit-explorer');
return {
  table: root.querySelector('.wie-table tbody').innerHTML,
  std: root.querySelector('.wie-std-plot canvas').toDataURL(),
  // a histogram is its bars and its title (which gives the layer's standard deviation s: the
  // axis is in units of s, so a pure change of scale shows in the title alone)
  hists: [...root.querySelectorAll('.wie-hist')].map(h => h.textContent + h.querySelector('canvas').toDataURL()).join('|'),
  status: root.querySelector('.wie-status').textContent,
};
"""


def _digest(fp: dict) -> dict:
    return {k: hashlib.sha1(v.encode()).hexdigest() for k, v in fp.items()}


@pytest.fixture(scope="module")
def page(browser, server):  # noqa: F811
    _load(browser, f"{server}/{PAGE}")
    browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const wait = () => (window.weightinitExplorer && window.weightinitExplorer.last) ? done(true) : setTimeout(wait, 50);
        wait();
        """
    )
    return browser


def _set(driver, name, value):
    changed = driver.execute_async_script(SET_CONTROL, name, value)
    assert changed, f"setting {name}={value} did not update the explorer"


def _configure(driver, **controls):
    # order matters: the initializer before sigma, the activation before the slope
    for name in ("activation", "slope", "init", "sigma", "depth", "width", "bias", "seed"):
        if name in controls:
            current = driver.execute_script(
                "return document.querySelector(`#weightinit-explorer [name='${arguments[0]}']`).value", name)
            if str(current) != str(controls[name]):
                _set(driver, name, controls[name])


def _spec(init, sigma):
    return InitSpec.fixed(sigma) if init == RANDOM else InitSpec(init)


def test_controls_are_labelled_native_elements_with_weightinit_values(page):
    info = page.execute_script(
        """
        const root = document.getElementById('weightinit-explorer');
        const controls = [...root.querySelectorAll('select, input, button')];
        return {
          controls: controls.map(el => {
            const label = root.querySelector(`label[for="${el.id}"]`);
            const r = label ? label.getBoundingClientRect() : null;
            return {name: el.name, tag: el.tagName, type: el.type, min: el.min, max: el.max, scale: el.dataset.scale || null,
                    label: label ? label.textContent : null, labelVisible: !!r && r.width > 0 && r.height > 0,
                    options: el.tagName === 'SELECT' ? [...el.options].map(o => o.value) : null};
          }),
          head: [...root.querySelectorAll('.wie-table thead th')].slice(0, 5).map(th => th.textContent),
        };
        """
    )
    by_name = {c["name"]: c for c in info["controls"]}
    assert set(by_name) == {"activation", "slope", "init", "sigma", "depth", "width", "bias", "seed"}
    for c in info["controls"]:
        assert c["label"] and HANGUL.search(c["label"]) and c["labelVisible"], f"control {c['name']} lacks a visible Korean label"
    assert by_name["activation"]["options"] == list(ACTIVATION_NAMES)
    assert by_name["init"]["options"] == list(EXPLORER_INITS.values())
    assert all(v == RANDOM or v in INITIALIZER_NAMES for v in by_name["init"]["options"])
    assert (by_name["sigma"]["scale"], by_name["sigma"]["min"], by_name["sigma"]["max"]) == ("log10", "-3", "1")
    assert (by_name["depth"]["min"], by_name["depth"]["max"]) == ("1", "50")
    assert (by_name["width"]["min"], by_name["width"]["max"]) == ("16", "1024")
    assert by_name["bias"]["min"] == "0" and by_name["bias"]["scale"] is None
    assert info["head"] == ["층", "활성화 값 표준편차 (이론)", "활성화 값 표준편차 (시뮬레이션)",
                            "기울기 표준편차 (이론)", "기울기 표준편차 (시뮬레이션)"]


@pytest.mark.parametrize("name, first, then", [
    ("activation", "relu", "tanh"),
    ("init", "kaiming_normal", "xavier_uniform"),
    ("sigma", "-2", "-0.5"),
    ("slope", "0.01", "0.3"),
    ("depth", "10", "17"),
    ("width", "256", "128"),
    ("bias", "0", "0.4"),
])
def test_each_control_changes_the_table_and_the_plots(page, name, first, then):
    setup = {"activation": "relu", "init": "kaiming_normal", "depth": 10, "width": 256, "bias": 0}
    if name == "sigma":
        setup["init"] = RANDOM
    if name == "slope":
        setup["activation"] = "leaky_relu"
    setup[name] = first
    _configure(page, **setup)
    before = _digest(page.execute_script(FINGERPRINT))
    _set(page, name, then)
    after = _digest(page.execute_script(FINGERPRINT))
    for part in ("table", "std", "hists"):
        assert before[part] != after[part], f"moving {name} left the {part} unchanged"
    _set(page, name, first)
    assert _digest(page.execute_script(FINGERPRINT))["table"] == before["table"], "going back did not restore the table"


def test_new_draw_button_changes_the_simulation_not_the_theory(page):
    _configure(page, activation="tanh", init="xavier_normal", depth=10, width=256, bias=0)
    rows_before = page.execute_script(READ_TABLE)
    fp_before = _digest(page.execute_script(FINGERPRINT))
    page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const root = document.getElementById('weightinit-explorer');
        root.addEventListener('wie:updated', () => requestAnimationFrame(() => done(true)), {once: true});
        root.querySelector('[name="seed"]').click();
        """
    )
    rows_after = page.execute_script(READ_TABLE)
    fp_after = _digest(page.execute_script(FINGERPRINT))
    assert [r[1] for r in rows_before] == [r[1] for r in rows_after]  # theory unchanged
    assert [r[2] for r in rows_before] != [r[2] for r in rows_after]  # a new network
    assert fp_before["std"] != fp_after["std"] and fp_before["hists"] != fp_after["hists"]


# The four initializations x ReLU/tanh/sigmoid, plain random init at three sigma, and the
# uniform initializers (another sampling path in the page).
TABLE_SETTINGS = [(act, init, None) for init in ("xavier_normal", "kaiming_normal", "lecun_normal", "orthogonal")
                  for act in ("relu", "tanh", "sigmoid")] + [("tanh", RANDOM, s) for s in (0.01, 0.1, 1.0)] + [
    ("relu", "kaiming_uniform", None), ("tanh", "xavier_uniform", None), ("leaky_relu", "pytorch_default_uniform", None)]


@pytest.mark.parametrize("act, init, sigma", TABLE_SETTINGS)
def test_table_agrees_with_weightinit(page, act, init, sigma):
    """Theory columns: weightinit.theory to 1e-6 relative. Simulation columns: the mean over
    three draws (seeds 0, 1, 2) within 10% of the theory at width 512; one draw of one network
    also varies from network to network (several percent at this width and depth)."""
    width, depth = 512, 4
    controls = {"activation": act, "init": init, "depth": depth, "width": width, "bias": 0}
    if sigma is not None:
        controls["sigma"] = f"{math.log10(sigma):g}"
    ref = propagate(width, act, _spec(init, sigma if sigma is not None else 1.0), depth=depth)
    sims = []
    for seed in range(3):
        _configure(page, **controls, seed=seed)
        rows = page.execute_script(READ_TABLE)
        assert [int(r[0]) for r in rows] == list(range(1, depth + 1))
        table = np.array([r[1:5] for r in rows], dtype=float)
        np.testing.assert_allclose(table[:, 0], ref.act_std, rtol=1e-6, err_msg="activation std, theory")
        np.testing.assert_allclose(table[:, 2], ref.grad_preact_std, rtol=1e-6, err_msg="gradient std, theory")
        sims.append(table[:, [1, 3]])
    sim = np.mean(sims, axis=0)
    np.testing.assert_allclose(sim[:, 0], ref.act_std, rtol=0.10, err_msg="activation std, simulation")
    np.testing.assert_allclose(sim[:, 1], ref.grad_preact_std, rtol=0.10, err_msg="gradient std, simulation")
    _configure(page, seed=0)


def test_page_theory_matches_weightinit_on_a_grid(page):
    """The port itself, called directly over every activation and initializer, with biases."""
    worst = 0.0
    checked = 0
    for act in ACTIVATION_NAMES:
        for init in EXPLORER_INITS.values():
            for sigma in ((0.001, 0.05, 0.7, 3.0, 10.0) if init == RANDOM else (1.0,)):
                for bias in (0.0, 0.3):
                    for width, depth in ((16, 50), (300, 7)):
                        s = {"activation": act, "slope": 0.2, "init": init, "sigma": sigma, "depth": depth,
                             "width": width, "biasStd": bias, "seed": 0}
                        got = page.execute_script("return window.weightinitExplorer.theory(arguments[0])", s)
                        kwargs = {"negative_slope": 0.2} if act == "leaky_relu" else None
                        ref = propagate(width, act, _spec(init, sigma), depth=depth, bias_std=bias,
                                        activation_kwargs=kwargs)
                        mf = chi1(get_activation(act, **(kwargs or {})), width * ref.weight_var[0], bias**2)
                        for name, r, g in (("activation", ref.act_std, got["actStd"]),
                                           ("gradient", ref.grad_preact_std, got["gradStd"]),
                                           ("chi1", [mf.chi1], [got["chi1"]])):
                            r, g = np.asarray(r, float), np.asarray(g, float)
                            np.testing.assert_allclose(g, r, rtol=1e-6, atol=0, err_msg=f"{name}: {s}")
                            worst = max(worst, float(np.max(np.abs(g - r) / np.abs(r))))
                        # JSON has no infinity: the page's q* comes back as None for inf and nan
                        if math.isfinite(mf.q_star):
                            assert got["qStar"] == pytest.approx(mf.q_star, rel=1e-6, abs=1e-12), s
                        else:
                            assert got["qStar"] is None, s
                        checked += 1
    assert checked == 240
    print(f"page theory vs weightinit: {checked} settings, worst relative difference {worst:.2e}")


def test_update_time_at_width_256_depth_50(page):
    """Each control moved five times at width 256 x depth 50: every move's update, from the
    input event until the table is written and the plots are drawn, takes at most 150 ms at
    best. Best of five, as in benchmarks/: the machine is shared, and other jobs only ever add
    time. The median, the time to the next frame and the first move (which also draws the
    weights of each initializer family once) are printed."""
    _configure(page, activation="relu", init="kaiming_normal", depth=50, width=256, bias=0)
    moves = [("activation", "tanh"), ("activation", "relu"), ("init", "xavier_normal"), ("init", "orthogonal"),
             ("init", "kaiming_normal"), ("bias", "0.2"), ("bias", "0"), ("depth", "49"), ("depth", "50"),
             ("width", "240"), ("width", "256"), ("init", RANDOM), ("sigma", "-1.5"), ("sigma", "0"),
             ("init", "kaiming_normal")]
    rounds = []
    for _ in range(6):
        rounds.append([page.execute_async_script(TIMED_CONTROL, name, value) for name, value in moves])
        missing = [(m, r) for m, r in zip(moves, rounds[-1]) if r["ms"] is None]
        assert not missing, f"no update after {missing}"
    first, timed = rounds[0], rounds[1:]
    best, medians = [], []  # over the five timed rounds
    for i, (name, value) in enumerate(moves):
        ms = sorted(r[i]["ms"] for r in timed)
        best.append((ms[0], name, value))
        medians.append((ms[len(ms) // 2], name, value))
        frames = sorted(r[i]["frameMs"] for r in timed)
        print(f"256 x 50, {name}={value}: first {first[i]['ms']:.0f} ms, then {', '.join(f'{m:.0f}' for m in ms)} ms; "
              f"to the next frame {frames[0]:.0f}-{frames[-1]:.0f} ms (batch {first[i]['batch']})")
    worst, worst_median = max(best), max(medians)
    print(f"256 x 50: slowest best-of-five {worst[0]:.0f} ms ({worst[1]}={worst[2]}), "
          f"slowest median {worst_median[0]:.0f} ms ({worst_median[1]}={worst_median[2]})")
    assert worst[0] <= 150, f"an update took {worst[0]:.0f} ms at best ({worst[1]}={worst[2]})"


def test_slowest_setting_is_measured(page):
    _configure(page, activation="tanh", init="orthogonal", depth=50, width=1024, bias=0)
    result = page.execute_async_script(TIMED_CONTROL, "bias", "0.1")
    status = page.execute_script("return document.querySelector('#weightinit-explorer .wie-status').textContent")
    print(f"1024 x 50 orthogonal tanh: {result['ms']:.0f} ms (batch {result['batch']})")
    assert result["batch"] < 256 and f"{result['batch']}개로 줄였다" in status, "a reduced batch must be said on the page"
    _set(page, "bias", "0")
    _configure(page, width=256, depth=10)


def test_no_request_leaves_the_server_and_no_console_error(page, server):  # noqa: F811
    _configure(page, activation="sigmoid", init="lecun_normal", depth=30, width=64, bias=0.5)
    errors = [e["message"] for e in page.get_log("browser") if e["level"] == "SEVERE"]
    urls = _requests(page)
    network = [u for u in urls if urlparse(u).scheme in ("http", "https", "ws", "wss", "ftp")]
    assert not [u for u in network if not u.startswith(server + "/")], network
    assert not errors, errors


def test_light_dark_and_phone(page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _configure(page, activation="tanh", init="xavier_normal", depth=20, width=256, bias=0)
    root = page.find_element("id", "weightinit-explorer")
    page.execute_script("arguments[0].scrollIntoView()", root)
    colours = {}
    for mode in ("light", "dark"):
        page.execute_async_script(
            """
            const [mode, done] = arguments;
            const root = document.getElementById('weightinit-explorer');
            if (document.documentElement.dataset.theme === mode) { done(true); return; }
            root.addEventListener('wie:updated', () => requestAnimationFrame(() => done(true)), {once: true});
            document.documentElement.dataset.theme = mode;
            """,
            mode,
        )
        colours[mode] = page.execute_script(
            """
            const root = document.getElementById('weightinit-explorer');
            return {text: getComputedStyle(root.querySelector('label')).color,
                    legend: getComputedStyle(root.querySelector('.u-legend')).color};
            """
        )
        root.screenshot(str(SHOTS / f"explorer-{mode}.png"))
    assert colours["light"]["text"] != colours["dark"]["text"]
    page.execute_script("document.documentElement.dataset.theme = 'light'")

    size = page.get_window_size()
    try:
        page.set_window_size(390, 844)
        page.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const root = document.getElementById('weightinit-explorer');
            root.addEventListener('wie:updated', () => requestAnimationFrame(() => done(true)), {once: true});
            setTimeout(() => done(false), 3000);
            """
        )
        fit = page.execute_script(
            """
            const root = document.getElementById('weightinit-explorer');
            const r = root.getBoundingClientRect();
            const wide = [...root.querySelectorAll('canvas, select, input, button, .wie-table-wrap')]
              .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1).length;
            return {viewport: window.innerWidth, left: r.left, right: r.right, wide, scroll: document.documentElement.scrollWidth};
            """
        )
        root.screenshot(str(SHOTS / "explorer-phone.png"))
        assert fit["viewport"] <= 400
        assert fit["left"] >= 0 and fit["right"] <= fit["viewport"] + 1, fit
        assert fit["wide"] == 0, fit
    finally:
        page.set_window_size(size["width"], size["height"])
