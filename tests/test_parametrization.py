"""Width parametrizations (SP, μP): the tables, the trainer's gradients, Adam, reproducibility."""

import math

import numpy as np
import pytest

from weightinit.parametrization import (
    adam_step,
    init_mlp,
    lr_sweep,
    mlp_loss_and_grads,
    one_step_change,
    parametrization_table,
    relative_update,
    scaling_label,
    teacher_task,
    train_mlp,
)


# ---------------------------------------------------------------- the tables


def _mup_from_fans(kind, optimizer, n, n0, form):
    """μP scalings written from the fans (Tensor Programs V), as exponents of s = n / n0.

    Fans of the three kinds at width n: input (d, n), hidden (n, n), output (n, k); d and k
    do not scale. The rules are those of the mup package (1.0.0): MuSGD multiplies the rate of a
    tensor with one width-dependent dimension by width_mult and divides that of a tensor with
    two by fan_in_mult / fan_out_mult; MuAdam divides the rate of a two-dimension tensor by
    width_mult (= fan_in_mult) and leaves the rest; mup.init scales the std of a two-dimension
    tensor by width_mult ** -0.5; MuReadout multiplies its input by 1 / width_mult.
    """
    s = n / n0
    infinite = {"input": ("fan_out",), "hidden": ("fan_in", "fan_out"), "output": ("fan_in",)}[kind]
    fan_in_mult = s if "fan_in" in infinite else 1.0
    fan_out_mult = s if "fan_out" in infinite else 1.0
    ninf = len(infinite)
    var = 1 / fan_in_mult if ninf == 2 else 1.0
    mult = 1 / fan_in_mult if kind == "output" else 1.0
    if optimizer == "sgd":
        lr = s if ninf == 1 else fan_out_mult / fan_in_mult
    else:
        lr = 1 / fan_in_mult if ninf == 2 else 1.0
    if form == "fan_in" and kind == "output":
        # fold the multiplier c into the weight: W' = c W, so Var(W') = c^2 Var(W); SGD on W with
        # rate eta moves W' by c^2 eta grad_W'; Adam moves W by ~eta per entry, so W' by c eta
        var, lr = var * mult**2, lr * (mult**2 if optimizer == "sgd" else mult)
        mult = 1.0
    return var, mult, lr


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("form", ["multiplier", "fan_in"])
@pytest.mark.parametrize("n", [64, 256, 2048])
def test_mup_table_matches_the_package_rules(optimizer, form, n):
    table = parametrization_table("mup", optimizer, form=form)
    s = n / 64
    for kind in ("input", "hidden", "output"):
        var, mult, lr = _mup_from_fans(kind, optimizer, n, 64, form)
        assert s ** table[kind]["init_var"] == pytest.approx(var)
        assert s ** table[kind]["multiplier"] == pytest.approx(mult)
        assert s ** table[kind]["lr"] == pytest.approx(lr)


def test_sp_is_fan_in_init_with_one_learning_rate():
    for optimizer in ("sgd", "adam"):
        t = parametrization_table("sp", optimizer)
        assert [t[k]["init_var"] for k in ("input", "hidden", "output")] == [0, -1, -1]
        assert all(t[k]["multiplier"] == 0 and t[k]["lr"] == 0 for k in t)


def test_table_errors_name_the_choices():
    with pytest.raises(ValueError, match="'sp', 'mup'"):
        parametrization_table("ntk")
    with pytest.raises(ValueError, match="'sgd', 'adam'"):
        parametrization_table("mup", "rmsprop")
    with pytest.raises(ValueError, match="form"):
        parametrization_table("mup", form="spectral")


def test_scaling_label():
    assert [scaling_label(e) for e in (-2, -1, 0, 1, 2)] == ["1/s²", "1/s", "1", "s", "s²"]
    with pytest.raises(TypeError):
        scaling_label(0.5)


# ---------------------------------------------------------------- initialization


def test_init_variances_and_identity_at_base_width():
    d, k, n0 = 16, 10, 64
    for name in ("sp", "mup"):
        net = init_mlp(name, n0, d, k, base_width=n0, rng=3)
        assert net.init_vars == pytest.approx([2 / d, 2 / n0, 1 / n0])
        assert net.multipliers == [1.0, 1.0, 1.0]
    a = init_mlp("sp", n0, d, k, base_width=n0, rng=3).weights
    b = init_mlp("mup", n0, d, k, base_width=n0, rng=3).weights
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_init_scales_with_width_and_matches_sampled_variance():
    d, k, n0, n = 16, 10, 64, 1024
    sp = init_mlp("sp", n, d, k, base_width=n0, rng=0)
    mup = init_mlp("mup", n, d, k, base_width=n0, rng=0)
    assert sp.init_vars == pytest.approx([2 / d, 2 / n, 1 / n])
    assert mup.init_vars == pytest.approx([2 / d, 2 / n, 1 / n0])
    assert mup.multipliers == pytest.approx([1, 1, n0 / n])
    assert mup.lr_scales["sgd"] == pytest.approx([n / n0, 1, n / n0])
    assert mup.lr_scales["adam"] == pytest.approx([1, n0 / n, 1])
    for w, var in zip(mup.weights, mup.init_vars):
        assert np.var(w) == pytest.approx(var, rel=0.1)
    fan_in = init_mlp("mup", n, d, k, base_width=n0, form="fan_in", rng=0)
    assert fan_in.init_vars[-1] == pytest.approx(1 / n0 * (n0 / n) ** 2)
    # folding the multiplier into the weight gives the same effective output weight
    np.testing.assert_allclose(fan_in.weights[-1], mup.multipliers[-1] * mup.weights[-1], rtol=1e-12)


def test_init_errors():
    with pytest.raises(ValueError, match="width"):
        init_mlp("sp", 0, 4, 2)
    with pytest.raises(TypeError, match="depth"):
        init_mlp("sp", 8, 4, 2, depth=1.5)
    with pytest.raises(ValueError, match="init_scale"):
        init_mlp("sp", 8, 4, 2, init_scale=-1.0)


# ---------------------------------------------------------------- gradients and Adam


@pytest.mark.parametrize("name, form", [("sp", "multiplier"), ("mup", "multiplier"), ("mup", "fan_in")])
def test_gradients_match_finite_differences(name, form):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 4, 6)
    net = init_mlp(name, 5, 3, 4, base_width=2, depth=3, form=form, rng=1)
    _, grads = mlp_loss_and_grads(net.weights, net.multipliers, X, y)
    h = 1e-6
    for W, G in zip(net.weights, grads):
        num = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + h
            up = mlp_loss_and_grads(net.weights, net.multipliers, X, y)[0]
            W[idx] = old - h
            down = mlp_loss_and_grads(net.weights, net.multipliers, X, y)[0]
            W[idx] = old
            num[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(G, num, rtol=1e-5, atol=1e-8)


def test_loss_of_zero_readout_is_log_classes():
    net = init_mlp("mup", 8, 3, 5, base_width=4, rng=0)
    net.weights[-1][:] = 0
    X = np.ones((4, 3))
    value, grads = mlp_loss_and_grads(net.weights, net.multipliers, X, np.array([0, 1, 2, 4]))
    assert value == pytest.approx(math.log(5))
    assert np.all(grads[0] == 0) and np.any(grads[-1] != 0)


def test_stacked_copies_equal_single_networks():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
    single = init_mlp("mup", 6, 4, 3, base_width=3, rng=5)
    stack = init_mlp("mup", 6, 4, 3, base_width=3, copies=2, rng=5)
    v1, g1 = mlp_loss_and_grads(single.weights, single.multipliers, X, y)
    v2, g2 = mlp_loss_and_grads(stack.weights, stack.multipliers, X, y)
    assert v2 == pytest.approx([v1, v1])
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(b[1], a, rtol=1e-12)


def test_adam_matches_a_step_by_hand():
    p = np.array([1.0, -2.0, 0.5])
    m, v = np.zeros(3), np.zeros(3)
    g1, g2 = np.array([0.1, -0.3, 2.0]), np.array([-0.2, 0.1, 1.0])
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    adam_step(p, g1, m, v, 1, lr)
    # first step: m-hat = g, v-hat = g^2, so the update is lr * g / (|g| + eps)
    expect = np.array([1.0, -2.0, 0.5]) - lr * g1 / (np.abs(g1) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-12)
    step = adam_step(p, g2, m, v, 2, lr)
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    by_hand = lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(step, by_hand, rtol=1e-12)
    np.testing.assert_allclose(p, expect - by_hand, rtol=1e-12)


# ---------------------------------------------------------------- training


def test_training_is_reproducible_and_lowers_the_loss():
    X, y = teacher_task(256, 8, 4, rng=0)
    runs = [train_mlp(X, y, 32, [2.0**-7, 2.0**-5], steps=30, batch_size=32, base_width=16, rng=7)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].final_loss, runs[1].final_loss)
    other = train_mlp(X, y, 32, [2.0**-7, 2.0**-5], steps=30, batch_size=32, base_width=16, rng=8)
    assert not np.array_equal(other.final_loss, runs[0].final_loss)
    assert np.all(runs[0].final_loss < runs[0].loss[0])
    gen = np.random.default_rng(3)
    a = train_mlp(X, y, 16, 0.01, steps=5, rng=gen).final_loss
    b = train_mlp(X, y, 16, 0.01, steps=5, rng=gen).final_loss
    assert not np.array_equal(a, b)  # a Generator advances between calls


def test_stacked_learning_rates_train_like_separate_runs():
    X, y = teacher_task(128, 6, 3, rng=1)
    both = train_mlp(X, y, 24, [0.01, 0.1], optimizer="sgd", steps=10, batch_size=16, dtype=np.float64, rng=4)
    alone = train_mlp(X, y, 24, 0.1, optimizer="sgd", steps=10, batch_size=16, dtype=np.float64, rng=4)
    assert both.final_loss[1] == pytest.approx(alone.final_loss[0], rel=1e-10)


def test_fan_in_form_trains_like_the_multiplier_form_with_sgd():
    X, y = teacher_task(128, 6, 3, rng=1)
    kw = dict(parametrization="mup", optimizer="sgd", steps=15, batch_size=32, base_width=8, dtype=np.float64, rng=2)
    a = train_mlp(X, y, 64, [0.05, 0.2], form="multiplier", **kw)
    b = train_mlp(X, y, 64, [0.05, 0.2], form="fan_in", **kw)
    np.testing.assert_allclose(a.final_loss, b.final_loss, rtol=1e-9)


def test_divergence_is_recorded_not_raised():
    X, y = teacher_task(128, 6, 3, rng=1)
    run = train_mlp(X, y, 32, [1e-3, 1e3], optimizer="sgd", parametrization="sp", steps=20, rng=0)
    assert run.diverged.tolist() == [False, True]
    assert np.isnan(run.final_loss[1]) and np.isfinite(run.final_loss[0])


def test_sweep_is_paired_at_base_width_and_finds_the_minimum():
    X, y = teacher_task(256, 8, 4, rng=0)
    lrs = 2.0 ** np.arange(-9, -3)
    kw = dict(steps=20, batch_size=32, base_width=16, rng=11)
    sp = lr_sweep(X, y, [16, 64], lrs, parametrization="sp", **kw)
    mup = lr_sweep(X, y, [16, 64], lrs, parametrization="mup", **kw)
    np.testing.assert_array_equal(sp.loss[0], mup.loss[0])  # the same network at the base width
    assert not np.array_equal(sp.loss[1], mup.loss[1])
    for sweep in (sp, mup):
        i = sweep.best_index
        assert np.all(sweep.loss[np.arange(2), i] == np.nanmin(sweep.loss, axis=1))
        assert np.all(sweep.best_lr == lrs[i])


def test_train_errors():
    X, y = teacher_task(32, 4, 2, rng=0)
    with pytest.raises(ValueError, match="lr"):
        train_mlp(X, y, 8, [0.1, -1.0])
    with pytest.raises(ValueError, match="'sgd', 'adam'"):
        train_mlp(X, y, 8, 0.1, optimizer="lion")
    with pytest.raises(ValueError, match="X must be a 2-D"):
        train_mlp(X[0], y, 8, 0.1)
    with pytest.raises(ValueError, match="betas"):
        train_mlp(X, y, 8, 0.1, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="steps"):
        train_mlp(X, y, 8, 0.1, steps=2.5)


# ---------------------------------------------------------------- one step


def test_one_step_change_grows_with_width_under_sp_only():
    """Proposition of the chapter: SP moves the output by Theta(n * lr), μP by Theta(lr)."""
    X, y = teacher_task(64, 16, 10, rng=0)

    def change(name, optimizer, n, lr):
        return one_step_change(X, y, n, lr, parametrization=name, optimizer=optimizer, rng=1)

    # SGD: the readout's own update moves the output by ~ lr * n (x16 width: about x16)
    sp = [change("sp", "sgd", n, 0.005)["output"] for n in (64, 1024)]
    assert 8 < sp[1] / sp[0] < 32
    # Adam: the hidden layer's update moves its pre-activations by ~ lr * n
    sp = [change("sp", "adam", n, 2.0**-10)["preactivation"][-1] for n in (64, 1024)]
    assert 8 < sp[1] / sp[0] < 32
    for optimizer, lr in (("sgd", 0.005), ("adam", 2.0**-10)):
        assert change("sp", optimizer, 64, lr)["output"] == pytest.approx(change("mup", optimizer, 64, lr)["output"])
        for key in ("output", "preactivation"):
            a, b = (np.max(change("mup", optimizer, n, lr)[key]) for n in (256, 1024))
            assert 0.6 < b / a < 1.6


def test_relative_update_with_adam_is_lr_over_std():
    X, y = teacher_task(64, 16, 10, rng=0)
    lr = 1e-3
    for scale in (1.0, 0.25):
        r = relative_update(X, y, 256, lr, optimizer="adam", init_scale=scale, rng=2)
        std = np.sqrt(np.array([2 / 16, 2 / 256, 1 / 256])) * scale
        # the first Adam step moves every entry by lr (up to eps), so ||dW|| / ||W|| = lr / sample
        # std; entries whose gradient is exactly 0 (a ReLU unit silent on the whole batch) stay put
        net = init_mlp("sp", 256, 16, 10, base_width=256, init_scale=scale, rng=2)
        sample_std = np.array([np.sqrt(np.mean(w**2)) for w in net.weights])
        np.testing.assert_allclose(r, lr / sample_std, rtol=1e-2)
        assert np.all(r <= lr / sample_std * (1 + 1e-6))
        np.testing.assert_allclose(r, lr / std, rtol=0.1)


# ---------------------------------------------------------------- figure


def test_lr_sweep_figure_is_korean_png_and_marks_the_best(caplog):
    import io
    import logging

    import matplotlib
    from matplotlib.figure import Figure

    from weightinit import plots

    X, y = teacher_task(128, 6, 3, rng=0)
    lrs = 2.0 ** np.arange(-8, -3)
    sweeps = [lr_sweep(X, y, [8, 16], lrs, parametrization=p, steps=5, batch_size=16, base_width=8, rng=0)
              for p in ("sp", "mup")]
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        fig = plots.plot_lr_sweep(sweeps)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")], caplog.text
    assert isinstance(fig, Figure) and buf.getvalue().startswith(b"\x89PNG")
    text = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    for label in ("학습률", "손실", "폭 8", "폭 16", "표준 매개변수화", "μP", "$2^{-8}$"):
        assert label in text, label
    # the big marker of each width sits on that width's best rate
    ax = fig.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [m.get_xdata()[0] for m in markers] == list(sweeps[0].best_lr)
    with pytest.raises(ValueError, match="title"):
        plots.plot_lr_sweep(sweeps, titles=["하나"])
