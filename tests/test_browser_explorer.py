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
from weightinit.explorer import EXPLORER_INITS, RANDOM, RESIDUAL_NORMS, residual_stream_variance
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
    for name in ("mode", "activation", "slope", "init", "sigma", "depth", "width", "bias", "alpha", "norm", "seed"):
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
    assert set(by_name) == {"mode", "activation", "slope", "init", "sigma", "depth", "width", "bias", "seed",
                            "alpha", "norm"}
    for c in info["controls"]:
        assert c["label"] and HANGUL.search(c["label"]) and c["labelVisible"], f"control {c['name']} lacks a visible Korean label"
    assert by_name["activation"]["options"] == list(ACTIVATION_NAMES)
    assert by_name["init"]["options"] == list(EXPLORER_INITS.values())
    assert all(v == RANDOM or v in INITIALIZER_NAMES for v in by_name["init"]["options"])
    assert (by_name["sigma"]["scale"], by_name["sigma"]["min"], by_name["sigma"]["max"]) == ("log10", "-3", "1")
    assert (by_name["depth"]["min"], by_name["depth"]["max"]) == ("1", "50")
    assert (by_name["width"]["min"], by_name["width"]["max"]) == ("16", "1024")
    assert by_name["bias"]["min"] == "0" and by_name["bias"]["scale"] is None
    assert by_name["mode"]["options"] == ["mlp", "residual"]
    assert by_name["norm"]["options"] == list(RESIDUAL_NORMS)
    assert (by_name["alpha"]["min"], by_name["alpha"]["max"]) == ("0", "2")
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
    ("relu", "kaiming_uniform", None), ("tanh", "xavier_uniform", None), ("leaky_relu", "pytorch_default_uniform", None),
    ("gelu", "kaiming_normal", None), ("silu", "xavier_normal", None), ("gelu_tanh", "orthogonal", None)]


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
    assert checked == len(ACTIVATION_NAMES) * (len(EXPLORER_INITS) - 1 + 5) * 2 * 2
    print(f"page theory vs weightinit: {checked} settings, worst relative difference {worst:.2e}")


# The status line read back: sigma_w^2, sigma_b^2, q* and chi1 as the page prints them (4 digits)
STATUS_NUMBERS = re.compile(r"σw2 = n·Var\(W\) = (\S+), σb2 = (\S+), q\* = (\S+), χ1 = (\S+?)\. ")
SLIDER_WIDTHS = range(16, 1025, 16)


def _shown(text):
    return float(text.replace("∞", "inf"))


def test_status_line_q_star_follows_the_controls_it_depends_on(page):
    """tanh with orthogonal weights (gain 1): q* = 0 at sigma_b = 0 (weightinit.theory has no positive
    root for sigma_w^2 <= 1) and 0.0778 after the bias control is moved to 0.1. Both readings must
    come with the sigma_w^2 and sigma_b^2 they belong to, and every number on the line must be
    weightinit's for the controls as they stand (width 784 included: there n Var(W) rounds to
    1 - 1.1e-16 in weightinit and on the page alike)."""
    from weightinit.initializers import init_variance
    from weightinit.theory import fixed_point

    seen = set()
    for name, value in (("activation", "tanh"), ("init", "orthogonal"), ("bias", "0"), ("bias", "0.1"),
                        ("bias", "0"), ("width", "784"), ("bias", "0.1"), ("bias", "0"), ("width", "256")):
        _configure(page, **{name: value})
        status, s = page.execute_script(
            "return [document.querySelector('#weightinit-explorer .wie-status').textContent,"
            " window.weightinitExplorer.last]")
        controls = s["settings"]
        found = STATUS_NUMBERS.search(status)
        assert found, f"the status line does not state sigma_w^2, sigma_b^2, q* and chi1: {status}"
        sw2 = controls["width"] * init_variance(controls["init"], (controls["width"], controls["width"]))
        sb2 = controls["biasStd"] ** 2
        assert s["theory"]["sigmaW2"] == sw2, (controls, s["theory"]["sigmaW2"], sw2)
        ref = chi1("tanh", sw2, sb2)
        assert ref.q_star == fixed_point("tanh", sw2, sb2)
        assert s["theory"]["qStar"] == pytest.approx(ref.q_star, rel=1e-6, abs=1e-12), controls
        assert s["theory"]["chi1"] == pytest.approx(ref.chi1, rel=1e-6), controls
        shown = [_shown(v) for v in found.groups()]
        for got, want in zip(shown, (sw2, sb2, ref.q_star, ref.chi1)):
            assert got == pytest.approx(want, rel=1e-3, abs=1e-12), (status, controls)
        seen.add((controls["biasStd"], round(ref.q_star, 4)))
    assert {(0.0, 0.0), (0.1, 0.0778)} <= seen
    _configure(page, bias="0")


def test_page_theory_at_sigma_w2_near_one_for_every_width(page):
    """Every initializer x tanh/sigmoid at every width of the slider, with and without bias, and
    plain random init with n sigma^2 = 1 and just off it: the page's sigma_w^2 is weightinit's
    n Var(W) to the last bit, its q* and chi1 are weightinit.theory's to 1e-6 relative."""
    from weightinit.initializers import init_variance

    settings, expected = [], []
    for act in ("tanh", "sigmoid"):
        for width in SLIDER_WIDTHS:
            for bias in (0.0, 0.1):
                base = {"activation": act, "slope": 0.2, "depth": 1, "width": width, "biasStd": bias, "seed": 0}
                for init in EXPLORER_INITS.values():
                    if init == RANDOM:
                        for delta in (-1e-3, -1e-9, 0.0, 1e-9, 1e-6, 1e-3):
                            sigma = math.sqrt((1.0 + delta) / width)
                            settings.append(dict(base, init=init, sigma=sigma))
                            expected.append(width * sigma**2)
                    else:
                        settings.append(dict(base, init=init, sigma=0.1))
                        expected.append(width * init_variance(init, (width, width)))
    got = page.execute_script(
        "return arguments[0].map(s => { const t = window.weightinitExplorer.theory(s);"
        " return [t.sigmaW2, t.qStar, t.chi1]; })", settings)
    refs = {}
    for s, sw2, (g_sw2, g_q, g_chi) in zip(settings, expected, got):
        assert g_sw2 == sw2, s
        key = (s["activation"], sw2, s["biasStd"] ** 2)
        if key not in refs:
            refs[key] = chi1(*key)
        ref = refs[key]
        assert g_q == pytest.approx(ref.q_star, rel=1e-6, abs=1e-12), (s, g_q, ref)
        assert g_chi == pytest.approx(ref.chi1, rel=1e-6), (s, g_chi, ref)
    assert len(settings) == 2 * 64 * 2 * (len(EXPLORER_INITS) - 1 + 6)
    print(f"sigma_w^2 near 1: {len(settings)} settings, {len(refs)} distinct (activation, sigma_w^2, sigma_b^2)")


# Move controls inside the page, one after another, and time each update there with
# performance.now(): from just before the input event is dispatched until the explorer has
# computed, written the table and drawn the plots (its 'wie:updated' event comes after uPlot's
# drawing). No WebDriver round trip falls inside a measurement.
TIME_MOVES = """
const [moves, rounds, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const move = (name, value) => new Promise((resolve) => {
  const el = root.querySelector(`[name="${name}"]`);
  const timer = setTimeout(() => resolve({ms: null, name, value}), 20000);
  let t0 = 0;
  root.addEventListener('wie:updated', (e) => {
    clearTimeout(timer);
    resolve({ms: performance.now() - t0, pageMs: e.detail.totalMs, batch: e.detail.simulation.batch,
             width: e.detail.simulation.width});
  }, {once: true});
  t0 = performance.now();
  el.value = String(value);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
});
(async () => {
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const round = [];
    for (const [name, value] of moves) {
      round.push(await move(name, value));
      await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));  // let the frame paint
    }
    out.push(round);
  }
  done(out);
})();
"""

# A round of moves at width 256 x depth 50 that ends where it started
MOVES_256_50 = [("activation", "tanh"), ("activation", "relu"), ("init", "xavier_normal"), ("init", "orthogonal"),
                ("init", "kaiming_normal"), ("bias", "0.2"), ("bias", "0"), ("depth", "49"), ("depth", "50"),
                ("width", "240"), ("width", "256"), ("init", RANDOM), ("sigma", "-1.5"), ("sigma", "0"),
                ("init", "kaiming_normal")]
WARM_ROUNDS, TIMED_ROUNDS = 2, 12


def _time_moves(driver, moves, rounds):
    results = driver.execute_async_script(TIME_MOVES, moves, rounds)
    missing = [(m, r) for rnd in results for m, r in zip(moves, rnd) if r["ms"] is None]
    assert not missing, f"no update after {missing}"
    return results


def test_update_time_at_width_256_depth_50(page):
    """Every move of a control at width 256 x depth 50 updates the explorer (event to drawn
    plots, timed inside the page) in at most 150 ms: the best of twelve, after two warm-up rounds
    that draw each initializer family's weights once. The machine is shared and other jobs only
    ever add time, so the best is the page's own cost; the median is printed beside it."""
    _configure(page, activation="relu", init="kaiming_normal", depth=50, width=256, bias=0)
    results = _time_moves(page, MOVES_256_50, WARM_ROUNDS + TIMED_ROUNDS)
    first, timed = results[0], results[WARM_ROUNDS:]
    best, medians = [], []
    for i, (name, value) in enumerate(MOVES_256_50):
        ms = sorted(r[i]["ms"] for r in timed)
        best.append((ms[0], name, value))
        medians.append((ms[len(ms) // 2], name, value))
        print(f"256 x 50, {name}={value}: first {first[i]['ms']:.0f} ms; best {ms[0]:.0f}, median {ms[len(ms) // 2]:.0f}, "
              f"worst {ms[-1]:.0f} ms (batch {timed[0][i]['batch']})")
        assert timed[0][i]["batch"] == 4 and timed[0][i]["width"] in (240, 256)  # the full network is simulated
    worst, worst_median = max(best), max(medians)
    print(f"256 x 50: slowest best-of-{TIMED_ROUNDS} {worst[0]:.0f} ms ({worst[1]}={worst[2]}), "
          f"slowest median {worst_median[0]:.0f} ms ({worst_median[1]}={worst_median[2]})")
    assert worst[0] <= 150, f"an update took {worst[0]:.0f} ms at best ({worst[1]}={worst[2]})"


# While a move is computed, a chain of zero-delay tasks measures how long the page leaves input
# waiting: the longest gap between two of them is the longest the main thread was blocked.
TIME_HEAVY_MOVE = """
const [name, value, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector(`[name="${name}"]`);
let longest = 0, last = 0, finished = false;
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
  if (!finished) channel.port2.postMessage(0);
};
const timer = setTimeout(() => { finished = true; done({ms: null}); }, 60000);
root.addEventListener('wie:updated', (e) => {
  const ms = performance.now() - t0;
  requestAnimationFrame(() => {
    finished = true;
    clearTimeout(timer);
    done({ms, longest, batch: e.detail.simulation.batch, width: e.detail.simulation.width,
          status: root.querySelector('.wie-status').textContent});
  });
}, {once: true});
last = performance.now();
channel.port2.postMessage(0);
const t0 = performance.now();
el.value = String(value);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""

HEAVY_BOUND_MS = 1000      # an update, event to drawn plots, at any setting
RESPONSIVE_BOUND_MS = 250  # the longest the page leaves input waiting meanwhile


def _heavy(driver, name, value):
    """One move, timed. A move over the bound is repeated once from the same state (the control
    moved back, and the drawn weights dropped if the move drew new ones): other jobs on a shared
    machine can stall one update, while work the page does not bound is as slow every time."""
    current = driver.execute_script(f"return document.querySelector('#weightinit-explorer [name={name}]').value")
    assert str(current) != str(value), f"{name} is already {value}: moving it would not update"
    result = driver.execute_async_script(TIME_HEAVY_MOVE, name, value)
    assert result["ms"] is not None, f"no update after {name}={value}"
    if result["ms"] > HEAVY_BOUND_MS or result["longest"] > RESPONSIVE_BOUND_MS:
        _set(driver, name, current)
        if name in ("init", "width", "seed"):
            driver.execute_script("window.weightinitExplorer.dropCaches()")
        retry = driver.execute_async_script(TIME_HEAVY_MOVE, name, value)
        assert retry["ms"] is not None, f"no update after {name}={value}"
        print(f"{name}={value}: {result['ms']:.0f} ms (longest block {result['longest']:.0f} ms), "
              f"again {retry['ms']:.0f} ms ({retry['longest']:.0f} ms)")
        result = min(result, retry, key=lambda r: max(r["ms"] / HEAVY_BOUND_MS, r["longest"] / RESPONSIVE_BOUND_MS))
    return result


def _check_reduction_is_stated(result, width):
    status = result["status"]
    if result["batch"] < 256:
        assert f"입력을 {result['batch']}개로 줄" in status, status
    if result["width"] < width:
        assert f"폭도 {result['width']}" in status and f"폭 {width}의 값" in status, status


def test_heaviest_settings_stay_bounded_and_responsive(page):
    """Width 1024 x depth 50 with every initializer (orthogonal too) and sigmoid/tanh with
    random sigma at both ends of its slider: every update, including the first one after a
    change of initializer (new weights), is drawn within HEAVY_BOUND_MS and the page never
    leaves input waiting longer than RESPONSIVE_BOUND_MS; a reduced batch or width is stated."""
    _configure(page, activation="tanh", init="kaiming_normal", depth=50, width=256, bias=0, seed=0)
    report = []
    r = _heavy(page, "width", 1024)
    report.append(("width=1024", r))
    for act in ("tanh", "relu", "sigmoid"):
        if page.execute_script("return document.querySelector('#weightinit-explorer [name=activation]').value") != act:
            report.append((f"activation={act}", _heavy(page, "activation", act)))
        for init in list(EXPLORER_INITS.values()) + ["kaiming_normal"]:
            current = page.execute_script("return document.querySelector('#weightinit-explorer [name=init]').value")
            if init != current:
                report.append((f"{act} init={init}", _heavy(page, "init", init)))
            if init == "orthogonal":  # the Householder factors are cached: a move that keeps them
                report.append((f"{act} orthogonal bias=0.3", _heavy(page, "bias", "0.3")))
                report.append((f"{act} orthogonal bias=0", _heavy(page, "bias", "0")))
            if init == RANDOM:
                _configure(page, sigma="0")
                for log_sigma in ("1", "-3"):
                    report.append((f"{act} random log10 sigma={log_sigma}", _heavy(page, "sigma", log_sigma)))
    report.append(("seed +1", _heavy(page, "seed", 1)))
    report.append(("seed 0", _heavy(page, "seed", 0)))
    for label, r in report:
        print(f"1024 x 50, {label}: {r['ms']:.0f} ms, longest block {r['longest']:.0f} ms "
              f"(simulated width {r['width']}, batch {r['batch']})")
        _check_reduction_is_stated(r, 1024)
    slowest = max(report, key=lambda item: item[1]["ms"])
    blocked = max(report, key=lambda item: item[1]["longest"])
    print(f"1024 x 50: slowest update {slowest[1]['ms']:.0f} ms ({slowest[0]}), "
          f"longest block {blocked[1]['longest']:.0f} ms ({blocked[0]})")
    assert slowest[1]["ms"] <= HEAVY_BOUND_MS, f"{slowest[0]} took {slowest[1]['ms']:.0f} ms"
    assert blocked[1]["longest"] <= RESPONSIVE_BOUND_MS, f"{blocked[0]} blocked the page {blocked[1]['longest']:.0f} ms"
    _configure(page, width=256, depth=10, init="kaiming_normal", activation="relu")


# A reader drags the sigma slider from one end to the other: an input event every 16 ms (one
# per frame), each in a task of its own. Updates that are overtaken are dropped; the last
# position is drawn soon after the drag ends.
DRAG = """
const [values, done] = arguments;
const root = document.getElementById('weightinit-explorer');
const el = root.querySelector('[name="sigma"]');
const before = window.weightinitExplorer.updates;
let i = 0, tEnd = 0;
const timer = setTimeout(() => done({ms: null}), 60000);
const tick = () => {
  el.value = String(values[i]);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  i++;
  if (i < values.length) { setTimeout(tick, 16); return; }
  tEnd = performance.now();
  el.dispatchEvent(new Event('change', {bubbles: true}));
  const wait = () => {
    const last = window.weightinitExplorer.last;
    if (Math.abs(Math.log10(last.settings.sigma) - Number(values[values.length - 1])) < 1e-9) {
      clearTimeout(timer);
      done({ms: performance.now() - tEnd, updates: window.weightinitExplorer.updates - before});
    } else setTimeout(wait, 5);
  };
  wait();
};
tick();
"""


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_dragging_sigma_across_its_range_never_hangs(page, act):
    _configure(page, activation=act, init=RANDOM, depth=50, width=256, bias=0, sigma="1")
    values = [f"{1 - 4 * k / 60:.4f}" for k in range(61)]  # log10 sigma from 1 (10) to -3 (0.001)
    result = page.execute_async_script(DRAG, values)
    assert result["ms"] is not None, "the last position was never drawn"
    print(f"{act} 256 x 50, sigma dragged 10 -> 0.001 in 61 steps: last position drawn {result['ms']:.0f} ms "
          f"after the drag ended, {result['updates']} of 61 positions drawn")
    assert result["ms"] <= HEAVY_BOUND_MS
    _configure(page, init="kaiming_normal", activation="relu", depth=10)


# Every index in the status line and the controls' labels (sub- and superscript elements, and
# any character of Unicode's super- and subscript sets, or an underscore), with the size of its
# ink as the browser draws it in its own font (canvas measureText with the element's computed
# font: the same font matching, the page's web fonts loaded), next to the ink of the plain
# character in the line's font, and where it sits.
INDEX_GLYPHS = r"""
const root = document.getElementById('weightinit-explorer');
const lines = [root.querySelector('.wie-status'), ...root.querySelectorAll('.wie-control label')];
const ctx = document.createElement('canvas').getContext('2d');
const ink = (text, el) => {
  const cs = getComputedStyle(el);
  ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const m = ctx.measureText(text);
  return {height: m.actualBoundingBoxAscent + m.actualBoundingBoxDescent, width: m.width};
};
const PLAIN = {'²': '2', '³': '3', '¹': '1', '₁': '1', '₂': '2', 'ʷ': 'w', '_': 'b'};
const out = [];
for (const line of lines) for (const el of line.querySelectorAll('sub, sup')) {
  const r = el.getBoundingClientRect();
  const prev = document.createRange();
  const node = el.previousSibling;
  prev.setStart(node, node.textContent.length - 1);
  prev.setEnd(node, node.textContent.length);
  const p = prev.getBoundingClientRect();
  out.push({kind: el.tagName.toLowerCase(), text: el.textContent, ink: ink(el.textContent, el).height,
            plain: ink(el.textContent, line).height, middle: (r.top + r.bottom) / 2, baseMiddle: (p.top + p.bottom) / 2});
}
// an index written as a character of its own, or as TeX's underscore
for (const line of lines) for (const m of line.textContent.matchAll(/[\u00b2\u00b3\u00b9\u02b0-\u02ff\u2070-\u209f_]/g)) {
  out.push({kind: 'character', text: m[0], ink: ink(m[0], line).height, plain: ink(PLAIN[m[0]] || '1', line).height});
}
return out;
"""


def test_status_line_indices_are_drawn_at_a_readable_size(page, browser):  # noqa: F811
    """sigma_w^2, q^* and chi_1 in the status line, sigma^2 and sigma_b in the labels: each index
    is drawn at least 60% as tall as
    the same character in the line (NanumGothic's own ², ₁ glyphs come out at 30-40%), sits below
    (subscript) or above (superscript) the middle of the letter it belongs to, and every glyph
    of the line comes from the site's web fonts, none from a fallback font."""
    _configure(page, activation="tanh", init="xavier_normal", depth=10, width=256, bias=0)
    glyphs = page.execute_script(INDEX_GLYPHS)
    for g in glyphs:
        ratio = g["ink"] / g["plain"]
        print(f"status line index {g['kind']} {g['text']!r}: ink {g['ink']:.0f} px, plain {g['plain']:.0f} px ({ratio:.2f})")
        assert ratio >= 0.6, f"the index {g['text']!r} ({g['kind']}) is drawn at {ratio:.0%} of the line's size"
        if g["kind"] == "sub":
            assert g["middle"] > g["baseMiddle"] + 1, g
        elif g["kind"] == "sup":
            assert g["middle"] < g["baseMiddle"] - 1, g
    kinds = {(g["kind"], g["text"]) for g in glyphs}
    assert {("sub", "w"), ("sup", "2"), ("sup", "*"), ("sub", "1"), ("sub", "b")} <= kinds, glyphs
    # the fonts Chromium actually drew the status line with (DevTools protocol)
    page.execute_cdp_cmd("DOM.enable", {})
    page.execute_cdp_cmd("CSS.enable", {})
    doc = page.execute_cdp_cmd("DOM.getDocument", {"depth": 0})
    fonts = {}
    for selector in ("#weightinit-explorer .wie-status", "#weightinit-explorer .wie-status sub",
                     "#weightinit-explorer .wie-status sup"):
        ids = page.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": doc["root"]["nodeId"], "selector": selector})
        for node_id in ids["nodeIds"]:
            for f in page.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]:
                count, custom = fonts.get(f["familyName"], (0, True))
                fonts[f["familyName"]] = (count + f["glyphCount"], custom and f["isCustomFont"])
    print(f"status line fonts: {fonts}")
    assert fonts and all(custom for _, custom in fonts.values()), f"a fallback font draws part of the status line: {fonts}"


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



# --- Residual mode -------------------------------------------------------------------------------


def _weight_var_times_n(init, sigma, width):
    from weightinit.initializers import init_variance

    return width * (sigma**2 if init == RANDOM else init_variance(init, (width, width)))


def test_residual_theory_matches_the_python_reference(page):
    """The page's residual-stream variance against weightinit.explorer.residual_stream_variance
    (1e-9 relative) for every activation, both placements and a range of branch scales,
    initializers and depths."""
    settings, refs = [], []
    for act in ACTIVATION_NAMES:
        for norm in RESIDUAL_NORMS:
            for alpha in (0.0, 0.3, 1.0, 2.0):
                for init, sigma in (("kaiming_normal", 0.1), ("xavier_uniform", 0.1), (RANDOM, 0.05), ("orthogonal", 0.1)):
                    for width, depth in ((256, 50), (16, 7)):
                        s = {"mode": "residual", "activation": act, "slope": 0.2, "init": init, "sigma": sigma,
                             "depth": depth, "width": width, "biasStd": 0.0, "seed": 0, "alpha": alpha, "norm": norm}
                        settings.append(s)
                        kwargs = {"negative_slope": 0.2} if act == "leaky_relu" else None
                        refs.append(residual_stream_variance(depth, alpha, norm, act, 1.0,
                                                             sigma_w2=_weight_var_times_n(init, sigma, width),
                                                             activation_kwargs=kwargs))
    got = page.execute_script("return arguments[0].map(s => window.weightinitExplorer.theory(s).streamVar)", settings)
    worst = 0.0
    for s, g, r in zip(settings, got, refs):
        g = np.array([np.inf if v is None else v for v in g], dtype=float)
        assert g.shape == r.shape, s
        np.testing.assert_allclose(g, r, rtol=1e-9, err_msg=str(s))
        finite = np.isfinite(r) & (r > 0)
        worst = max(worst, float(np.max(np.abs(g[finite] - r[finite]) / r[finite])))
    print(f"residual theory, page vs weightinit: {len(settings)} settings, worst relative difference {worst:.1e}")
    # the closed forms the reference documents: (1 + alpha^2)^L for ReLU with He, v0 + L alpha^2 c with pre-LN
    np.testing.assert_allclose(residual_stream_variance(10, 1.0), 2.0 ** np.arange(11), rtol=1e-14)
    np.testing.assert_allclose(residual_stream_variance(10, 0.5, "pre_ln"), 1 + 0.25 * np.arange(11), rtol=1e-14)


def _numpy_residual_stream(act, depth, width, alpha, norm, sigma_w2, batch, rng):
    """Monte Carlo of x <- x + alpha W f(u), u = x or LN(x), in NumPy (independent of the page)."""
    f = get_activation(act)
    x = rng.standard_normal((batch, width))
    stds = [x.std()]
    for _ in range(depth):
        u = x
        if norm == "pre_ln":
            u = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
        w = rng.standard_normal((width, width)) * math.sqrt(sigma_w2 / width)
        x = x + alpha * f(u) @ w.T
        stds.append(x.std())
    return np.array(stds)


@pytest.mark.parametrize("act, init, alpha, norm, depth", [
    ("relu", "kaiming_normal", 1.0, "none", 12),
    ("relu", "kaiming_normal", 1.0, "pre_ln", 30),
    ("tanh", "xavier_normal", 0.5, "none", 20),
    ("gelu", "kaiming_normal", 0.7, "pre_ln", 20),
    ("silu", "kaiming_uniform", 1.0, "none", 10),
])
def test_residual_simulation_agrees_with_numpy_and_theory(page, act, init, alpha, norm, depth):
    """The page's simulated stream (mean of three seeds) and a NumPy Monte Carlo of the same model
    (mean of three draws) each within 10% of the theory at width 256, and within 20% of each other."""
    width = 256
    sw2 = _weight_var_times_n(init, 0.1, width)
    page_runs = []
    for seed in range(3):
        s = {"mode": "residual", "activation": act, "slope": 0.01, "init": init, "sigma": 0.1, "depth": depth,
             "width": width, "biasStd": 0.0, "seed": seed, "alpha": alpha, "norm": norm}
        out = page.execute_script("return window.weightinitExplorer.simulateResidual(arguments[0])", s)
        assert out["width"] == width
        page_runs.append(out["streamStd"])
    page_std = np.mean(page_runs, axis=0)
    rng = np.random.default_rng(12345)
    np_std = np.mean([_numpy_residual_stream(act, depth, width, alpha, norm, sw2, 128, rng) for _ in range(3)], axis=0)
    theory_std = np.sqrt(residual_stream_variance(depth, alpha, norm, act, 1.0, sigma_w2=sw2))
    print(f"{act} {norm} alpha={alpha}, block {depth}: theory {theory_std[-1]:.4g}, page {page_std[-1]:.4g}, "
          f"numpy {np_std[-1]:.4g}")
    np.testing.assert_allclose(page_std, theory_std, rtol=0.10, err_msg="page simulation vs theory")
    np.testing.assert_allclose(np_std, theory_std, rtol=0.10, err_msg="numpy Monte Carlo vs theory")
    # two independent means, each within 10% of the theory: within 20% of each other
    np.testing.assert_allclose(page_std, np_std, rtol=0.20, err_msg="page simulation vs numpy Monte Carlo")


def test_residual_mode_view_and_controls(page):
    """Switching to the residual view hides the histograms and shows one row per block (0..L) with
    the theory of weightinit; the branch scale and the normalization placement each change the
    table and the plot; pre-LN grows linearly and no normalization exponentially; the controls
    of the other view are switched off."""
    _configure(page, activation="relu", init="kaiming_normal", depth=10, width=256, bias=0)
    _set(page, "mode", "residual")
    _configure(page, alpha="1", norm="none")
    view = page.execute_script(
        """
        const root = document.getElementById('weightinit-explorer');
        return {hists: root.querySelector('.wie-hists').hidden,
                head: [...root.querySelectorAll('.wie-table thead th')].map(th => th.textContent),
                caption: root.querySelector('.wie-table caption').textContent,
                off: ['bias', 'alpha', 'norm'].map(n => root.querySelector(`[name="${n}"]`).disabled),
                status: root.querySelector('.wie-status').textContent};
        """)
    assert view["hists"] and view["off"] == [True, False, False]
    assert view["head"] == ["블록", "잔차 스트림 표준편차 (이론)", "잔차 스트림 표준편차 (시뮬레이션)"]
    assert view["caption"].startswith("블록별")
    assert "잔차 스트림" in view["status"] and "α = 1.000" in view["status"], view["status"]
    rows = page.execute_script(READ_TABLE)
    assert [int(r[0]) for r in rows] == list(range(11))
    np.testing.assert_allclose([r[1] for r in rows], 2.0 ** (np.arange(11) / 2), rtol=1e-12)
    fingerprint = "return [document.querySelector('#weightinit-explorer .wie-table tbody').innerHTML," \
                  " document.querySelector('#weightinit-explorer .wie-std-plot canvas').toDataURL()]"
    before = page.execute_script(fingerprint)
    _set(page, "alpha", "0.5")
    after_alpha = page.execute_script(fingerprint)
    assert before[0] != after_alpha[0] and before[1] != after_alpha[1]
    _set(page, "norm", "pre_ln")
    after_norm = page.execute_script(fingerprint)
    assert after_alpha[0] != after_norm[0] and after_alpha[1] != after_norm[1]
    rows = page.execute_script(READ_TABLE)
    np.testing.assert_allclose([r[1] ** 2 for r in rows], 1 + 0.25 * np.arange(11), rtol=1e-12)
    SHOTS.mkdir(parents=True, exist_ok=True)
    root = page.find_element("id", "weightinit-explorer")
    page.execute_script("arguments[0].scrollIntoView()", root)
    root.screenshot(str(SHOTS / "explorer-residual.png"))
    # back to the multilayer view: the histograms return, alpha and norm are switched off
    _configure(page, alpha="1", norm="none")
    _set(page, "mode", "mlp")
    view = page.execute_script(
        """
        const root = document.getElementById('weightinit-explorer');
        return {hists: root.querySelector('.wie-hists').hidden,
                head: root.querySelectorAll('.wie-table thead th').length,
                off: ['bias', 'alpha', 'norm'].map(n => root.querySelector(`[name="${n}"]`).disabled)};
        """)
    assert not view["hists"] and view["head"] == 6 and view["off"] == [False, True, True]


def test_residual_mode_updates_stay_bounded(page):
    """Residual view at 256 x 50 (best of five per move within 150 ms) and at 1024 x 50 (each move
    within HEAVY_BOUND_MS, input never blocked longer than RESPONSIVE_BOUND_MS)."""
    _configure(page, mode="residual", activation="relu", init="kaiming_normal", depth=50, width=256, alpha="1",
               norm="none")
    moves = [("alpha", "0.5"), ("alpha", "1"), ("norm", "pre_ln"), ("norm", "none"), ("activation", "gelu"),
             ("activation", "relu")]
    results = _time_moves(page, moves, 6)
    for i, (name, value) in enumerate(moves):
        ms = sorted(r[i]["ms"] for r in results[1:])
        print(f"residual 256 x 50, {name}={value}: best {ms[0]:.0f} ms, median {ms[len(ms) // 2]:.0f} ms")
        assert ms[0] <= 150, f"residual {name}={value} took {ms[0]:.0f} ms at best"
    report = [("width=1024", _heavy(page, "width", 1024)), ("norm=pre_ln", _heavy(page, "norm", "pre_ln")),
              ("activation=silu", _heavy(page, "activation", "silu")), ("init=orthogonal", _heavy(page, "init", "orthogonal"))]
    for label, r in report:
        print(f"residual 1024 x 50, {label}: {r['ms']:.0f} ms, longest block {r['longest']:.0f} ms "
              f"(simulated width {r['width']}, batch {r['batch']})")
        _check_reduction_is_stated(r, 1024)
        assert r["ms"] <= HEAVY_BOUND_MS and r["longest"] <= RESPONSIVE_BOUND_MS, (label, r)
    _configure(page, norm="none", alpha="1")
    _configure(page, mode="mlp", width=256, depth=10, init="kaiming_normal", activation="relu")
