"""Figures and the explorer: they render to PNG without warnings, in Korean, and leave no state."""

import io
import logging

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from weightinit import explorer, plots
from weightinit.datasets import rings
from weightinit.simulate import compare, simulate
from weightinit.train import compare_training

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def render(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@pytest.fixture
def no_font_logs(caplog):
    """Missing glyphs in mathtext are *logged* by matplotlib, not warned: fail on those too."""
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        yield
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")], caplog.text


@pytest.fixture(scope="module")
def small_results():
    return compare([0.05, "xavier_normal"], 64, 6, "tanh", batch_size=100, rng=0)


def all_text(fig):
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return " ".join(texts)


def test_std_vs_depth_has_simulation_theory_and_korean_labels(small_results, no_font_logs):
    fig = plots.plot_std_vs_depth(small_results, ["activation", "gradient"])
    assert isinstance(fig, Figure)
    assert render(fig).startswith(PNG_MAGIC)
    text = all_text(fig)
    for word in ("층", "활성화 값의 표준편차", "기울기의 표준편차", "자비에 초기화", "이론"):
        assert word in text
    ax = fig.axes[0]
    # two series per result: markers (simulation) and a dashed line (theory)
    lines = ax.get_lines()
    assert len(lines) == 4
    first = small_results["무작위 초기화 (σ=0.05)"]
    np.testing.assert_allclose(lines[0].get_ydata(), first.act_std)
    np.testing.assert_allclose(lines[1].get_ydata(), first.theory().act_std)
    assert ax.get_yscale() == "log"


def test_std_vs_depth_narrow_range_and_single_result(no_font_logs):
    res = simulate(64, 4, "linear", "lecun_normal", batch_size=100, rng=0)
    fig = plots.plot_std_vs_depth(res, "preactivation", theory=False)
    assert render(fig).startswith(PNG_MAGIC)
    fig = plots.plot_std_vs_depth([res], ("activation", "gradient"), vertical=True, logy=False)
    assert render(fig).startswith(PNG_MAGIC)


def test_histograms(small_results, no_font_logs):
    res = small_results["자비에 초기화 (정규)"]
    fig = plots.plot_histograms(res)
    assert render(fig).startswith(PNG_MAGIC)
    assert len(fig.axes) == 2 * 6
    assert "1층" in all_text(fig) and "활성화 값" in all_text(fig)
    fig = plots.plot_histograms(res, "preactivation", layers=[1, 6], sharex=False)
    assert len(fig.axes) == 2


def test_histograms_of_relu_show_the_positive_part_and_many_layers(no_font_logs):
    res = simulate(32, 25, "relu", "kaiming_normal", batch_size=50, rng=0)
    fig = plots.plot_histograms(res, ("activation",))
    assert len(fig.axes) == 10  # ten evenly spaced layers out of 25
    assert "(A>0)" in all_text(fig)
    assert render(fig).startswith(PNG_MAGIC)


@pytest.mark.parametrize("activation", ["gelu", "silu"])
def test_histograms_and_explorer_figure_of_gelu_and_silu(activation, no_font_logs):
    from weightinit.explorer import explorer_figure

    res = simulate(32, 4, activation, "kaiming_normal", batch_size=50, rng=0, keep_arrays=True)
    fig = plots.plot_histograms(res, ("activation",))
    assert "(A>0)" not in all_text(fig)  # the negative side of GELU / SiLU is shown
    assert render(fig).startswith(PNG_MAGIC)
    fig = explorer_figure(res)
    assert res.activation.label in all_text(fig) and render(fig).startswith(PNG_MAGIC)


def test_histograms_need_the_arrays():
    res = simulate(16, 2, "tanh", 0.2, batch_size=10, rng=0, keep_arrays=False)
    with pytest.raises(ValueError, match="keep_arrays"):
        plots.plot_histograms(res)
    res = simulate(16, 2, "tanh", 0.2, batch_size=10, rng=0)
    with pytest.raises(ValueError):
        plots.plot_histograms(res, layers=[3])
    with pytest.raises(ValueError):
        plots.plot_histograms(res, "weights")
    with pytest.raises(ValueError):
        plots.plot_std_vs_depth(res, "weights")


def test_loss_curves_and_grad_norms(no_font_logs):
    X, y = rings(200, rng=0)
    runs = compare_training([0.05, "kaiming_normal"], X, y, width=16, depth=4, steps=20, batch_size=32,
                            eval_every=5, rng=0)
    fig = plots.plot_loss_curves(runs, accuracy=True, reference=np.log(2))
    assert render(fig).startswith(PNG_MAGIC)
    assert "손실" in all_text(fig) and "반복 횟수" in all_text(fig)
    # several seeds per label
    fig = plots.plot_loss_curves({"히 초기화": list(runs.values())}, which="batch")
    assert render(fig).startswith(PNG_MAGIC)
    fig = plots.plot_grad_norms(runs, steps=(0, 19))
    assert render(fig).startswith(PNG_MAGIC)
    with pytest.raises(ValueError):
        plots.plot_grad_norms(runs, steps=(20,))
    with pytest.raises(ValueError):
        plots.plot_loss_curves(runs, which="test")


def test_no_pyplot_figures_are_left_open(small_results):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.plot_std_vs_depth(small_results)
    explorer.explorer_figure(small_results["자비에 초기화 (정규)"])
    assert plt.get_fignums() == before


def test_explorer_result_random_uses_sigma():
    res = explorer.explorer_result("linear", "random", depth=2, width=64, sigma=0.2, batch_size=50)
    assert res.init.kwargs["std"] == 0.2
    assert explorer.explorer_result("relu", "kaiming_normal", depth=2, width=64).label == "히 초기화 (정규)"


def test_explorer_widget_redraws_on_change():
    pytest.importorskip("ipywidgets")
    panel = explorer.explorer(depth=3, width=32, batch_size=50)
    controls, out = panel.children
    dropdowns = controls.children[0].children
    sliders = controls.children[1].children
    act, init = dropdowns
    depth, width, sigma = sliders
    assert sigma.disabled  # Xavier: σ does not apply
    init.value = "random"
    assert not sigma.disabled
    sigma.value = 0.5
    depth.value = 4
    act.value = "relu"
    assert "초" in controls.children[2].value
    with pytest.raises(ValueError):
        explorer.explorer(init="not_an_init")


def test_figures_display_as_png_in_ipython(small_results):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(history_length=0)
    try:
        fig = plots.plot_std_vs_depth(small_results)
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"].startswith(PNG_MAGIC)
        assert "image/svg+xml" not in data
    finally:
        InteractiveShell.clear_instance()


def test_layer_ticks_are_evenly_spaced():
    from weightinit.plots import _layer_ticks

    assert _layer_ticks(10) == list(range(1, 11))
    for depth in (13, 20, 30, 57, 100, 20_000):
        ticks = _layer_ticks(depth)
        steps = set(np.diff(ticks))
        assert len(steps) == 1 and len(ticks) <= 10 and ticks[-1] <= depth < ticks[-1] + ticks[0], (depth, ticks)


# --- Every figure says what its axes show ------------------------------------------------------

def missing_labels(fig) -> list[str]:
    """Axes of ``fig`` without an x or y label. An axis shared with a labelled one (the stacked
    panels of one quantity, the histogram row whose first panel says "비율") counts as labelled."""
    def labelled(ax, axis):
        get = (lambda a: a.get_xlabel()) if axis == "x" else (lambda a: a.get_ylabel())
        group = ax.get_shared_x_axes() if axis == "x" else ax.get_shared_y_axes()
        return any(get(a).strip() for a in group.get_siblings(ax))

    problems = []
    for i, ax in enumerate(fig.axes):
        for axis in ("x", "y"):
            if not labelled(ax, axis):
                problems.append(f"axes {i}: no {axis} label")
    return problems


def legend_misses_a_line(fig) -> list[str]:
    """Labels of drawn lines that no legend of the figure lists (one legend may serve all panels)."""
    shown = {t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()}
    labelled = {ln.get_label() for ax in fig.axes for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    return sorted(labelled - shown)


@pytest.fixture(scope="module")
def every_figure(small_results):
    X, y = rings(200, rng=0)
    runs = compare_training([0.05, "kaiming_normal"], X, y, width=16, depth=3, steps=10, batch_size=32,
                            eval_every=5, rng=0)
    relu = simulate(32, 4, "relu", "kaiming_normal", batch_size=50, rng=0)
    xav = small_results["자비에 초기화 (정규)"]
    return {
        "histograms": plots.plot_histograms(xav, ("activation", "preactivation", "gradient", "activation_gradient")),
        "histograms_relu_own_range": plots.plot_histograms(relu, sharex=False),
        "std_vs_depth": plots.plot_std_vs_depth(small_results, ["activation", "gradient"]),
        "std_vs_depth_vertical": plots.plot_std_vs_depth(xav, ["preactivation", "activation_gradient"], vertical=True),
        "loss_curves": plots.plot_loss_curves(runs, accuracy=True, reference=np.log(2)),
        "grad_norms": plots.plot_grad_norms(runs, steps=(0, 9)),
        "explorer": explorer.explorer_figure(xav),
    }


def test_every_figure_labels_both_axes(every_figure):
    for name, fig in every_figure.items():
        assert missing_labels(fig) == [], name
        assert legend_misses_a_line(fig) == [], name


def test_histograms_say_fraction_and_name_the_quantity(every_figure):
    fig = every_figure["histograms"]
    rows = {"활성화 값", "사전 활성화 값", r"기울기 $\partial L/\partial Z$", r"기울기 $\partial L/\partial A$"}
    assert {ax.get_xlabel() for ax in fig.axes} == rows
    first_column = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(first_column) == 4 and {ax.get_ylabel() for ax in first_column} == {"비율"}


def test_the_label_check_catches_a_removed_label(every_figure, small_results):
    fig = plots.plot_std_vs_depth(small_results)
    assert missing_labels(fig) == []
    fig.axes[0].set_ylabel("")
    assert missing_labels(fig) == ["axes 0: no y label"]
    fig = plots.plot_histograms(small_results["자비에 초기화 (정규)"], "activation", layers=[1, 2])
    fig.axes[0].set_ylabel("")
    assert "axes 0: no y label" in missing_labels(fig) and "axes 1: no y label" in missing_labels(fig)
    fig.axes[1].set_xlabel("")
    assert "axes 1: no x label" in missing_labels(fig)


def test_the_reference_loss_is_in_the_legend_and_drawn_on_top(every_figure):
    ax = every_figure["loss_curves"].axes[0]
    ref = [ln for ln in ax.get_lines() if ln.get_label().startswith("ln 2")]
    assert len(ref) == 1 and ref[0].get_zorder() > max(ln.get_zorder() for ln in ax.get_lines() if ln is not ref[0])
    assert ref[0].get_ydata()[0] == pytest.approx(np.log(2))


def test_a_spike_at_zero_falls_in_one_bar():
    res = simulate(64, 6, "tanh", 0.01, batch_size=100, rng=0)   # values collapse towards 0
    for bins in (50, 51):                                        # even or odd: a bar is centred on 0
        fig = plots.plot_histograms(res, "activation", layers=[1, 6], bins=bins)
        heights = fig.axes[1].patches[0].get_path().vertices[:, 1]
        assert heights.max() == pytest.approx(1.0)                # every value in the bar around 0


def test_grad_norms_never_reuse_a_line_style():
    X, y = rings(100, rng=0)
    runs = compare_training(["kaiming_normal"], X, y, width=8, depth=2, steps=6, batch_size=16, eval_every=3, rng=0)
    fig = plots.plot_grad_norms(runs, steps=(0, 1, 2, 3))
    styles = [ln.get_linestyle() for ln in fig.axes[0].get_lines()]
    assert len(set(styles)) == len(styles)
    with pytest.raises(ValueError, match="1 to 4 steps"):
        plots.plot_grad_norms(runs, steps=(0, 1, 2, 3, 4))
