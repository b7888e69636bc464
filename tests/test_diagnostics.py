"""weightinit.diagnostics: per-layer statistics from arrays recorded in any framework."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from weightinit.diagnostics import layer_report
from weightinit.simulate import simulate


def layers_with_std(stds, shape=(200, 64), seed=0):
    rng = np.random.default_rng(seed)
    return [s * rng.standard_normal(shape) for s in stds]


def test_statistics_match_numpy():
    acts = layers_with_std([1.0, 0.5, 2.0])
    grads = layers_with_std([1.0, 3.0, 3.0], shape=(200, 8, 2, 2), seed=1)   # any shape works
    r = layer_report(acts, grads)
    np.testing.assert_allclose(r.act_std, [a.std() for a in acts])
    np.testing.assert_allclose(r.act_mean, [a.mean() for a in acts])
    np.testing.assert_allclose(r.act_ratio[1:], [acts[1].std() / acts[0].std(), acts[2].std() / acts[1].std()])
    assert np.isnan(r.act_ratio[0]) and np.isnan(r.grad_ratio[0])
    np.testing.assert_allclose(r.grad_std, [g.std() for g in grads])
    assert r.names == ["1", "2", "3"] and r.depth == 3
    table = r.table()
    assert len(table.splitlines()) == 4 and f"{acts[1].std():.3g}" in table and "기울기 표준편차" in table


def test_rule_of_thumb_flags_spread_beyond_the_threshold_only():
    within = layer_report(layers_with_std([1.0, 0.3, 3.0]))
    assert within.warnings == [] and within.act_spread < 10
    shrinking = layer_report(layers_with_std([1.0, 0.3, 0.05]))
    assert len(shrinking.warnings) == 1 and "활성화 값" in shrinking.warnings[0] and "3 층" in shrinking.warnings[0]
    assert shrinking.act_spread == pytest.approx(shrinking.act_std[0] / shrinking.act_std[2])
    growing_grads = layer_report(layers_with_std([1.0, 1.0]), layers_with_std([1.0, 20.0]))
    assert len(growing_grads.warnings) == 1 and "기울기" in growing_grads.warnings[0]
    # gradients are compared with the last layer, where backpropagation starts: layer 1 is the
    # one that moved, and the message says which way
    assert "1 층" in growing_grads.warnings[0] and "마지막 층" in growing_grads.warnings[0]
    assert "줄었다" in growing_grads.warnings[0]
    assert growing_grads.grad_spread == pytest.approx(growing_grads.grad_std[1] / growing_grads.grad_std[0])
    exploding_inwards = layer_report(layers_with_std([1.0, 1.0, 1.0]), layers_with_std([30.0, 5.0, 1.0]))
    assert "1 층" in exploding_inwards.warnings[0] and "커졌다" in exploding_inwards.warnings[0]
    steady_last = layer_report(layers_with_std([1.0, 1.0, 1.0]), layers_with_std([5.0, 5.0, 1.0]))
    assert steady_last.warnings == []
    # a looser threshold accepts the same network
    assert layer_report(layers_with_std([1.0, 0.3, 0.05]), max_spread=100).warnings == []


def test_dead_units_are_flagged():
    acts = layers_with_std([1.0, 1.0])
    acts[1] = np.where(np.arange(acts[1].size).reshape(acts[1].shape) % 20 == 0, acts[1], 0.0)  # 95% zeros
    acts[1][0, 0] = 5.0
    r = layer_report(acts)
    assert r.zero_frac[0] == 0 and r.zero_frac[1] > 0.9
    assert any("정확히 0" in w for w in r.warnings)


def test_names_from_a_dict_and_the_book_networks():
    r = layer_report({"fc1": np.arange(10.0), "fc2": 2 * np.arange(10.0)})
    assert r.names == ["fc1", "fc2"] and r.act_ratio[1] == pytest.approx(2.0)
    bad = simulate(64, 8, "relu", "pytorch_default_uniform", batch_size=64, rng=0)
    good = simulate(64, 8, "relu", "kaiming_normal", batch_size=64, rng=0)
    assert layer_report(bad.acts, bad.grad_preacts).warnings
    assert not layer_report(good.acts, good.grad_preacts).warnings


def test_bad_input_is_named():
    acts = layers_with_std([1.0, 1.0])
    with pytest.raises(ValueError, match="gradients has 1 layers"):
        layer_report(acts, acts[:1])
    with pytest.raises(ValueError, match="names has 1"):
        layer_report(acts, names=["a"])
    with pytest.raises(ValueError, match="empty"):
        layer_report([])
    with pytest.raises(TypeError, match="list of per-layer arrays"):
        layer_report(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"activations\[1\] contains NaN"):
        layer_report([np.ones(4), np.array([1.0, np.nan])])
    with pytest.raises(TypeError, match=r"activations\[0\] must be a numeric array"):
        layer_report([object(), np.ones(3)])
    with pytest.raises(ValueError, match="at least 2"):
        layer_report([np.ones(1), np.ones(3)])
    with pytest.raises(ValueError, match="max_spread"):
        layer_report(acts, max_spread=1)
    with pytest.raises(ValueError, match="dead_fraction"):
        layer_report(acts, dead_fraction=0)


def test_plot_has_labels_and_a_legend_entry_for_every_line():
    r = layer_report(layers_with_std([1.0, 0.5, 0.2]), layers_with_std([1.0, 1.0, 1.0], seed=3))
    fig = r.plot(title="점검")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax, ylabel in zip(fig.axes, ("활성화 값의 표준편차", "기울기의 표준편차")):
        assert ax.get_xlabel() == "층" and ax.get_ylabel() == ylabel
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        labelled = {line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")}
        assert set(legend) == labelled and len(legend) == 2
        assert len(ax.get_lines()) == 3          # the data and the two dotted thresholds
    assert layer_report(layers_with_std([1.0, 2.0])).plot().axes[0].get_ylabel() == "활성화 값의 표준편차"
