"""Figures for the chapter: histograms per layer, standard deviation against depth, loss curves.

Every function applies the house style (:func:`weightinit.style.use_korean_style`), labels in
Korean, and returns a new ``matplotlib.figure.Figure`` made with
``matplotlib.figure.Figure`` directly (not through ``pyplot``), so nothing is left open in
a pyplot state machine and no GUI backend is touched. In a notebook, show it by leaving it as
the cell's last value or with ``IPython.display.display(fig)`` (it is displayed as PNG, see
:func:`enable_notebook_display`); save it with ``fig.savefig("x.png")``.
"""

from __future__ import annotations

import io
import math
from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "plot_histograms",
    "plot_std_vs_depth",
    "plot_loss_curves",
    "plot_grad_norms",
    "plot_lr_sweep",
    "plot_profiles",
    "enable_notebook_display",
    "QUANTITY_LABELS",
    "plot_through_time",
    "plot_attention_scaling",
    "plot_initial_loss",
]

QUANTITY_LABELS = {
    "activation": "활성화 값의 표준편차",
    "preactivation": "사전 활성화 값의 표준편차",
    "gradient": "기울기의 표준편차",
    "activation_gradient": r"기울기 $\partial L/\partial A$ 의 표준편차",
}
"""Y-axis labels of :func:`plot_std_vs_depth`, keyed by ``quantity``."""

_HIST_TITLES = {
    "activation": "활성화 값",
    "preactivation": "사전 활성화 값",
    "gradient": r"기울기 $\partial L/\partial Z$",
    "activation_gradient": r"기울기 $\partial L/\partial A$",
}

_MAX_SAMPLES = 200_000  # histogram at most this many values per layer: the shape is the same


def _figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def enable_notebook_display() -> None:
    """Make a bare ``matplotlib.figure.Figure`` display as PNG in IPython/Jupyter.

    The figures of this module are not made through ``pyplot``. Until ``pyplot`` is imported,
    IPython has no PNG formatter for them and a cell ending in one shows only
    ``<Figure size ...>``. This registers one (PNG only: SVG output is avoided on purpose),
    unless a formatter is already there, e.g. matplotlib-inline's. Called by every figure
    function; outside IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is optional
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        png.for_type(Figure, _figure_png)


def _new_figure(nrows=1, ncols=1, *, figsize=None, fig=None, **kwargs):
    """A new constrained-layout Figure, or ``fig`` (a Figure or SubFigure) to draw into."""
    from matplotlib.figure import Figure

    from .style import use_korean_style

    use_korean_style()
    enable_notebook_display()
    if fig is None:
        fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def _log_y(ax) -> None:
    """Logarithmic y axis whose tick labels need no glyph the Korean font lacks.

    Matplotlib's default log labels are ``$\\mathdefault{10^{-2}}$``: the exponent's minus
    sign (U+2212) is then drawn with the text font, and NanumGothic has none. Plain mathtext
    ``$10^{-2}$`` is drawn with the DejaVu math font, which has it.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    if hi / lo < 10:
        # Show at least a decade: a signal that is kept steady must look flat, not have its
        # few per cent of sampling noise blown up to the full height of the axes.
        centre = math.sqrt(lo * hi)
        lo, hi = centre / math.sqrt(10), centre * math.sqrt(10)
        ax.set_ylim(lo, hi)
    if hi / lo >= 20:
        def decade(v, _pos):
            e = np.log10(v) if v > 0 else np.nan
            return f"$10^{{{int(round(e))}}}$" if np.isfinite(e) and abs(e - round(e)) < 1e-9 else ""

        ax.yaxis.set_major_formatter(FuncFormatter(decade))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        # Less than about a decade: label 1-2-5 steps with plain numbers instead.
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def _as_items(results) -> list:
    """Accept one result, a sequence of results or a ``{label: result}`` mapping."""
    if isinstance(results, Mapping):
        return [(str(k), v) for k, v in results.items()]
    if isinstance(results, (list, tuple)):
        return [(r.label, r) for r in results]
    return [(results.label, results)]


def _arrays(result, kind):
    table = {
        "activation": result.acts,
        "preactivation": result.preacts,
        "gradient": result.grad_preacts,
        "activation_gradient": result.grad_acts,
    }
    if kind not in table:
        raise ValueError(f"unknown kind {kind!r}; valid kinds are: {', '.join(table)}")
    arrays = table[kind]
    if arrays is None:
        raise ValueError("the result holds no arrays; simulate with keep_arrays=True to plot histograms")
    return arrays


def _centred_edges(lo: float, hi: float, bins: int) -> np.ndarray:
    """About ``bins`` equal bins covering [lo, hi]; when 0 is inside, one bin is centred on 0.

    A layer whose values have collapsed to (nearly) 0 then shows as one bar holding all of
    them, not as two half-height bars on either side of an edge at 0.
    """
    if not lo < 0 < hi:
        return np.linspace(lo, hi, bins + 1)
    w = (hi - lo) / bins
    first = math.floor(lo / w - 0.5)
    last = math.ceil(hi / w - 0.5)
    return w * (np.arange(first, last + 1) + 0.5)


def _subsample(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1)
    step = max(1, flat.size // _MAX_SAMPLES)
    return flat[::step]


def _std_of(result, quantity):
    table = {
        "activation": ("act_std", "act_std"),
        "preactivation": ("preact_std", "preact_std"),
        "gradient": ("grad_preact_std", "grad_preact_std"),
        "activation_gradient": ("grad_act_std", "grad_act_std"),
    }
    if quantity not in table:
        raise ValueError(f"unknown quantity {quantity!r}; valid quantities are: {', '.join(table)}")
    return table[quantity]


def plot_histograms(
    result,
    kinds: Sequence[str] | str = ("activation", "gradient"),
    *,
    layers: Sequence[int] | None = None,
    bins: int = 51,
    sharex: bool = True,
    title: str | None = None,
    color: str | None = None,
    fig=None,
):
    """Histogram of every layer's values, one column per layer, one row per kind.

    Parameters
    ----------
    result : ``SimulationResult``
        From :func:`weightinit.simulate.simulate` with ``keep_arrays=True``.
    kinds : str or ``sequence`` of str, default ("activation", "gradient")
        Rows to draw: ``"activation"`` (A), ``"preactivation"`` (Z), ``"gradient"``
        (∂L/∂Z) and ``"activation_gradient"`` (∂L/∂A).
    layers : ``sequence`` of int
        Layer numbers (1-based) to show; by default every layer, or ten evenly spaced ones
        when there are more than ten.
    bins : int, default ``51``
        Number of bins across the x range. When the range contains 0, the bins are placed so
        that one is centred on 0 (an odd number over a symmetric range does this exactly).
    sharex : bool, default ``True``
        One x range per row, taken from the widest layer, so that a layer whose values
        shrink shows up as a narrow spike; with False every panel is scaled to its own data.
    title : str
        Figure title; by default the activation and initializer.
    color : str
        Bar colour (one colour per row by default).
    fig : ``matplotlib.figure.Figure`` or ``SubFigure``
        Draw into this (empty) figure instead of a new one.

    Returns
    -------
    ``matplotlib.figure.Figure``
        Bar heights are fractions of the values of that layer (they sum to 1 per panel): the
        y axis of each row says "비율", the x axis of every panel names the quantity.

    Notes
    -----
    For ReLU the exact zeros (about half of all values) would dwarf the rest, so the
    activation row of a rectifier shows only A > 0 and says so; the fraction of zeros is in
    :attr:`~weightinit.simulate.SimulationResult.inactive_frac`.
    """
    if isinstance(kinds, str):
        kinds = (kinds,)
    kinds = list(kinds)
    if not kinds:
        raise ValueError("kinds must name at least one row")
    L = result.depth
    if layers is None:
        layers = list(range(1, L + 1)) if L <= 10 else sorted({int(round(v)) for v in np.linspace(1, L, 10)})
    layers = [int(l) for l in layers]
    for l in layers:
        if not 1 <= l <= L:
            raise ValueError(f"layer numbers must be in 1..{L}; got {l}")
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive int; got {bins!r}")

    from matplotlib.ticker import MaxNLocator

    ncols = len(layers)
    fig, axes = _new_figure(
        len(kinds), ncols, figsize=(1.6 * ncols + 0.8, 2.0 * len(kinds) + 0.6), fig=fig, sharey="row"
    )
    palette = ["C0", "C1", "C2", "C3"]
    positive_only = result.activation.name == "relu"  # leaky ReLU keeps its negative side
    for r, kind in enumerate(kinds):
        arrays = _arrays(result, kind)
        data = []
        for l in layers:
            x = _subsample(arrays[l - 1])
            if kind == "activation" and positive_only:
                x = x[x > 0]
            data.append(x)
        row_range = None
        if sharex:
            finite = [x[np.isfinite(x)] for x in data]
            lo = min((float(x.min()) for x in finite if x.size), default=-1.0)
            hi = max((float(x.max()) for x in finite if x.size), default=1.0)
            if kind in ("activation",) and result.activation.name == "tanh":
                lo, hi = -1.0, 1.0
            elif kind == "activation" and result.activation.name == "sigmoid":
                lo, hi = 0.0, 1.0
            elif not positive_only or kind != "activation":
                m = max(abs(lo), abs(hi))
                lo, hi = -m, m
            if not hi > lo:
                lo, hi = lo - 1.0, hi + 1.0
            row_range = (lo, hi)
        for c, (l, x) in enumerate(zip(layers, data)):
            ax = axes[r, c]
            x = x[np.isfinite(x)]
            rng_ = row_range
            if rng_ is None and x.size:
                lo, hi = float(x.min()), float(x.max())
                rng_ = (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)
            if x.size:
                counts, edges = np.histogram(x, bins=_centred_edges(*rng_, bins))
                ax.stairs(counts / max(x.size, 1), edges, fill=True, color=color or palette[r % len(palette)])
            ax.set_xlim(rng_ if rng_ is not None else (-1, 1))
            # Few ticks: with 10-20 small panels, tick layout is most of the drawing time.
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.tick_params(labelsize=7)
            ax.grid(False)
            if r == 0:
                ax.set_title(f"{l}층", fontsize=9)
            std = (getattr(result, _std_of(result, kind)[0]))[l - 1]
            ax.text(0.97, 0.95, f"σ={std:.2g}", transform=ax.transAxes, ha="right", va="top", fontsize=7)
            name = _HIST_TITLES[kind] + (" (A>0)" if kind == "activation" and positive_only else "")
            ax.set_xlabel(name, fontsize=7)
        axes[r, 0].set_ylabel("비율", fontsize=9)
    fig.suptitle(title if title is not None else f"{result.activation.label}, {result.label}", fontsize=11)
    return fig


def _layer_ticks(depth: int) -> list[int]:
    """Every layer up to 12; beyond, evenly spaced round numbers (20 -> 2, 4, ..., 20)."""
    if depth <= 12:
        return list(range(1, depth + 1))
    nice = (2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
    step = next((s for s in nice if depth / s <= 10), -(-depth // 10))
    return list(range(step, depth + 1, step))


def plot_std_vs_depth(
    results,
    quantity: str | Sequence[str] = "activation",
    *,
    theory: bool = True,
    logy: bool = True,
    title: str | None = None,
    figsize=None,
    fig=None,
    vertical: bool = False,
):
    """Per-layer standard deviation against depth: simulation as markers, theory as lines.

    Parameters
    ----------
    results : SimulationResult, sequence of them, or dict ``{label: SimulationResult}``
        For instance the output of :func:`weightinit.simulate.compare`.
    quantity : str or ``sequence`` of str, default ``"activation"``
        ``"activation"``, ``"preactivation"``, ``"gradient"`` (∂L/∂Z) or
        ``"activation_gradient"`` (∂L/∂A); several give side-by-side panels.
    theory : bool, default ``True``
        Draw :meth:`weightinit.simulate.SimulationResult.theory` as a dashed line of the same colour.
    logy : bool, default ``True``
        Logarithmic y axis (vanishing and exploding signals are straight lines on it).
    title : str
    figsize : tuple
    fig : ``matplotlib.figure.Figure`` or ``SubFigure``
        Draw into this (empty) figure instead of a new one.
    vertical : bool, default ``False``
        Stack several panels vertically instead of side by side.

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    quantities = [quantity] if isinstance(quantity, str) else list(quantity)
    if not quantities:
        raise ValueError("quantity must name at least one panel")
    for q in quantities:
        _std_of(None, q)
    items = _as_items(results)
    if not items:
        raise ValueError("results is empty")
    k = len(quantities)
    if vertical:
        fig, axes = _new_figure(k, 1, figsize=figsize or (4.6, 3.2 * k + 0.4), fig=fig, sharex=True)
    else:
        fig, axes = _new_figure(1, k, figsize=figsize or (4.6 * k + 0.6, 3.6), fig=fig)
    axes = axes.reshape(1, -1)
    for ax, q in zip(axes[0], quantities):
        sim_attr, th_attr = _std_of(None, q)
        for i, (label, res) in enumerate(items):
            colour = f"C{i % 10}"
            y = np.asarray(getattr(res, sim_attr), dtype=float)
            ax.plot(res.layers, y, "o", color=colour, ms=4, label=label)
            if theory:
                prof = res.theory()
                ax.plot(prof.layers, getattr(prof, th_attr), "--", color=colour, lw=1.2)
        if logy:
            _log_y(ax)
        if not vertical or ax is axes[0, -1]:
            ax.set_xlabel("층")
        ax.set_ylabel(QUANTITY_LABELS[q])
        depth = max(res.depth for _, res in items)
        ax.set_xticks(_layer_ticks(depth))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if theory:
        from matplotlib.lines import Line2D

        handles = handles + [
            Line2D([], [], ls="none", marker="o", color="0.3", ms=4),
            Line2D([], [], ls="--", color="0.3"),
        ]
        labels = labels + ["시뮬레이션", "이론 (점화식)"]
    axes[0, -1].legend(handles, labels, fontsize=8, loc="best")
    if title is not None:
        fig.suptitle(title, fontsize=11)
    else:
        _, first = items[0]
        fig.suptitle(f"{first.activation.label}, 폭 {first.widths[1]}, 깊이 {first.depth}", fontsize=11)
    return fig


def plot_loss_curves(
    results,
    *,
    which: str = "eval",
    logy: bool = True,
    accuracy: bool = False,
    reference: float | None = None,
    reference_label: str | None = None,
    title: str | None = None,
    figsize=None,
):
    """Loss (and optionally accuracy) against training step, one line per run.

    Parameters
    ----------
    results : TrainResult, sequence, dict ``{label: TrainResult}`` or dict of lists
        A value that is a list of runs (e.g. several seeds) draws each run thinly in the same
        colour, labelled once.
    which : {"eval", "batch"}, default ``"eval"``
        ``"eval"``: loss on the whole training set at the evaluation steps; ``"batch"``: the
        mini-batch loss of every step.
    logy : bool, default ``True``
    accuracy : bool, default ``False``
        Add a second panel with the accuracy.
    reference : float
        Draw a horizontal dotted line there, e.g. ``numpy.log(2)`` for the loss of a
        two-class model that has learnt nothing. It is drawn above the curves and listed in
        the legend.
    reference_label : str
        Its legend entry; by default "ln 2 (아무것도 배우지 못한 손실)" when ``reference`` is
        ln 2, otherwise "기준값 <value>".
    title : str
    figsize : tuple

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    if which not in ("eval", "batch"):
        raise ValueError(f"which must be 'eval' or 'batch'; got {which!r}")
    if isinstance(results, Mapping):
        items = [(str(k), v if isinstance(v, (list, tuple)) else [v]) for k, v in results.items()]
    elif isinstance(results, (list, tuple)):
        items = [(r.label, [r]) for r in results]
    else:
        items = [(results.label, [results])]
    if not items:
        raise ValueError("results is empty")
    ncols = 2 if accuracy else 1
    fig, axes = _new_figure(1, ncols, figsize=figsize or (4.8 * ncols + 0.6, 3.6))
    for i, (label, runs) in enumerate(items):
        colour = f"C{i % 10}"
        for j, run in enumerate(runs):
            if which == "eval":
                x, loss, acc = run.eval_steps, run.eval_loss, run.eval_accuracy
            else:
                x = np.arange(1, len(run.loss) + 1)
                loss, acc = run.loss, run.accuracy
            lw = 1.6 if len(runs) == 1 else 1.0
            axes[0, 0].plot(x, loss, color=colour, lw=lw, alpha=1.0 if len(runs) == 1 else 0.8,
                            label=label if j == 0 else None)
            if accuracy:
                axes[0, 1].plot(x, acc, color=colour, lw=lw, alpha=1.0 if len(runs) == 1 else 0.8)
    if reference is not None:
        if reference_label is None:
            reference_label = ("ln 2 (아무것도 배우지 못한 손실)" if abs(reference - math.log(2)) < 1e-12
                               else f"기준값 {reference:.3g}")
        axes[0, 0].axhline(reference, color="black", ls=":", lw=1.6, zorder=5, label=reference_label)
    if logy:
        _log_y(axes[0, 0])
    axes[0, 0].set_xlabel("반복 횟수")
    axes[0, 0].set_ylabel("손실")
    axes[0, 0].legend(fontsize=8)
    if accuracy:
        axes[0, 1].set_xlabel("반복 횟수")
        axes[0, 1].set_ylabel("정확도")
        axes[0, 1].set_ylim(0, 1.02)
    if title is not None:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_grad_norms(result, *, steps: Sequence[int] = (0,), logy: bool = True, title: str | None = None):
    """Norm of each layer's weight gradient at chosen training steps.

    Parameters
    ----------
    result : TrainResult, or dict ``{label: TrainResult}``
    steps : ``sequence`` of int, default (0,)
        Steps (0-based) to show; step 0 is the gradient at initialization.
    logy : bool, default ``True``
    title : str

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    items = list(result.items()) if isinstance(result, Mapping) else [(result.label, result)]
    steps = list(steps)
    if not 1 <= len(steps) <= 4:
        raise ValueError(f"steps must name 1 to 4 steps (one line style each); got {len(steps)}")
    fig, axes = _new_figure(1, 1)
    ax = axes[0, 0]
    styles = ["-", "--", ":", "-."]
    for i, (label, run) in enumerate(items):
        n_steps = run.grad_norms.shape[0]
        for j, s in enumerate(steps):
            if not 0 <= s < n_steps:
                raise ValueError(f"step {s} is outside 0..{n_steps - 1}")
            layer_no = np.arange(1, run.grad_norms.shape[1] + 1)
            suffix = f" ({s}회)" if len(steps) > 1 else ""
            ax.plot(layer_no, run.grad_norms[s], styles[j], marker="o", ms=3, color=f"C{i % 10}",
                    label=f"{label}{suffix}")
    if logy:
        _log_y(ax)
    ax.set_xlabel("층")
    ax.set_ylabel("가중치 기울기의 노름")
    ax.legend(fontsize=8)
    if title is not None:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_through_time(panels, *, ylabel: str = "기울기의 노름", title: str | None = None):
    """Gradient norm against the number of steps travelled back in time, one panel per group.

    Parameters
    ----------
    panels : dict ``{panel title: {label: values}}``
        ``values`` is an array of shape ``(T + 1,)`` indexed by time step ``t = 0..T`` (for
        example :meth:`weightinit.recurrent.BPTTResult.mean_grad_norm`); it is drawn against
        ``T - t``, the number of steps back from the read-out at ``t = T``.
    ylabel : str
        Label of the (logarithmic) y axis.
    title : str, optional

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("panels must be a non-empty dict {panel title: {label: values}}")
    fig, axes = _new_figure(1, len(panels), figsize=(4.2 * len(panels), 3.6), sharey=True)
    for ax, (panel, curves) in zip(axes[0], panels.items()):
        if not isinstance(curves, Mapping) or not curves:
            raise ValueError(f"panel {panel!r} must map labels to arrays of gradient norms")
        for i, (label, values) in enumerate(curves.items()):
            v = np.asarray(values, dtype=float)
            if v.ndim != 1 or v.size < 2:
                raise ValueError(f"{label!r}: values must be a 1-D array over t = 0..T; got shape {v.shape}")
            back = np.arange(v.size)[::-1]  # T - t
            ax.plot(back, np.clip(v, 1e-300, None), color=f"C{i % 10}", label=label)
        ax.set_title(panel, fontsize=10)
        ax.set_xlabel("거슬러 올라간 시간 단계 수")
        ax.legend(fontsize=7)
    _log_y(axes[0, 0])
    axes[0, 0].set_ylabel(ylabel)
    if title is not None:
        fig.suptitle(title, fontsize=11)
    return fig


def _log2_ticks(ax, exponents) -> None:
    """Label a log2 x axis as ``2^k`` in mathtext (the Korean font has no U+2212 minus)."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log", base=2)
    ax.set_xticks([2.0**e for e in exponents])
    ax.set_xticklabels([f"$2^{{{int(e)}}}$" for e in exponents])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_lr_sweep(sweeps, *, titles: Sequence[str] | None = None, figsize=None):
    """Final loss against learning rate, one line per width, one panel per sweep.

    Parameters
    ----------
    sweeps : LRSweep or sequence of LRSweep
        From :func:`weightinit.parametrization.lr_sweep`; the best rate of each width is marked
        with a filled circle, diverged runs are left out of the line.
    titles : sequence of str, optional
        Panel titles; by default "표준 매개변수화 (SP)" / "μP" and the optimizer.
    figsize : tuple

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    sweeps = list(sweeps) if isinstance(sweeps, (list, tuple)) else [sweeps]
    if not sweeps:
        raise ValueError("sweeps is empty")
    names = {"sp": "표준 매개변수화 (SP)", "mup": "μP"}
    if titles is None:
        titles = [f"{names.get(sw.name, sw.name)}, {sw.optimizer.upper() if sw.optimizer == 'sgd' else 'Adam'}"
                  for sw in sweeps]
    if len(titles) != len(sweeps):
        raise ValueError(f"need one title per sweep: {len(sweeps)} sweeps, {len(titles)} titles")
    ncols = len(sweeps)
    fig, axes = _new_figure(1, ncols, figsize=figsize or (4.4 * ncols + 0.6, 3.6), sharey=True)
    for ax, sw, title in zip(axes[0], sweeps, titles):
        best = sw.best_index
        for i, width in enumerate(sw.widths):
            colour = f"C{i % 10}"
            ax.plot(sw.lrs, sw.loss[i], "-", marker=".", color=colour, lw=1.4, label=f"폭 {width}")
            ax.plot(sw.lrs[best[i]], sw.loss[i, best[i]], "o", ms=8, color=colour, mec="black", mew=0.8)
        exps = np.round(np.log2(sw.lrs)).astype(int)
        _log2_ticks(ax, exps[:: max(1, len(exps) // 7)])
        _log_y(ax)
        ax.set_xlabel("학습률")
        ax.set_title(title, fontsize=10)
    axes[0, 0].set_ylabel("학습이 끝난 뒤의 손실")
    axes[0, -1].legend(fontsize=8)
    return fig



_SCALE_LABELS = {"none": "나누지 않음", "sqrt": r"$1/\sqrt{d_k}$", "inverse": r"$1/d_k$"}


def plot_attention_scaling(stats, *, title: str | None = None):
    """Softmax concentration and Jacobian norm against ``d_k``, one line per score scale.

    Parameters
    ----------
    stats : list of :class:`weightinit.transformer.AttentionStats`
        Any mix of ``d_k`` and ``scale``; points with the same ``scale`` are joined.

    Returns
    -------
    ``matplotlib.figure.Figure``
        Left: mean largest attention weight (dotted: ``1/n_keys``, uniform attention). Right: mean
        Frobenius norm of the softmax Jacobian (dotted: its value for uniform attention).
    """
    items = list(stats)
    if not items or not all(hasattr(s, "jacobian_norm") and hasattr(s, "d_k") for s in items):
        raise TypeError("stats must be a non-empty list of AttentionStats (from attention_statistics)")
    fig, axes = _new_figure(1, 2, figsize=(9.2, 3.6))
    groups: dict = {}
    for s in items:
        groups.setdefault(str(s.scale), []).append(s)
    for k, (scale, group) in enumerate(groups.items()):
        group = sorted(group, key=lambda s: s.d_k)
        d = [s.d_k for s in group]
        label = _SCALE_LABELS.get(scale, f"× {scale}")
        axes[0, 0].plot(d, [s.max_weight for s in group], "o-", color=f"C{k}", ms=4, label=label)
        axes[0, 1].plot(d, [s.jacobian_norm for s in group], "o-", color=f"C{k}", ms=4, label=label)
    n_keys = items[0].n_keys
    axes[0, 0].axhline(1 / n_keys, color="0.5", ls=":", lw=1, label=f"균등 (1/{n_keys})")
    axes[0, 1].axhline(items[0].uniform_jacobian_norm, color="0.5", ls=":", lw=1, label="균등할 때")
    axes[0, 0].set_ylabel("가장 큰 어텐션 가중치의 평균")
    axes[0, 1].set_ylabel("소프트맥스 야코비 행렬의 노름")
    for ax in axes[0]:
        ax.set_xscale("log", base=2)
        ax.set_xlabel(r"$d_k$")
        ax.legend(fontsize=8, loc="best")
    axes[0, 0].set_ylim(0, 1.02)
    axes[0, 1].set_ylim(bottom=0)
    if title is not None:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_initial_loss(vocab_size: int, logit_stds, measured, *, marks=None, title: str | None = None):
    """Initial cross-entropy against the logit standard deviation ``s``, measured beside its bounds.

    Parameters
    ----------
    vocab_size : int
    logit_stds, measured : sequence of float
        The standard deviations ``s > 0`` of the logits and the losses measured there (e.g.
        :func:`weightinit.transformer.head_loss_simulation` with ``s = sqrt(d)·σ``).
    marks : dict ``{label: s}``, optional
        Vertical dotted lines with a label each (framework defaults, say).

    Returns
    -------
    ``matplotlib.figure.Figure``
        Log-log axes: the measured points, ``ln V`` (the loss of equal logits), ``ln V + s²/2`` and
        ``s·E[max]`` from :func:`weightinit.transformer.initial_loss_theory`.
    """
    from .transformer import initial_loss_theory

    s = np.asarray(logit_stds, dtype=float)
    m = np.asarray(measured, dtype=float)
    if s.ndim != 1 or s.shape != m.shape or s.size == 0 or np.any(s <= 0) or not np.all(np.isfinite(m)):
        raise ValueError("logit_stds and measured must be equally long lists of finite numbers, with every s > 0")
    grid = np.geomspace(s.min(), s.max(), 200)
    theory = [initial_loss_theory(vocab_size, x) for x in grid]
    fig, axes = _new_figure(1, 1, figsize=(6.4, 4.0))
    ax = axes[0, 0]
    ax.plot(s, m, "o", color="C0", ms=5, label="측정값", zorder=3)
    ax.axhline(np.log(vocab_size), color="0.4", ls=":", lw=1.2, label=r"$\ln V$ (아래 한계)")
    ax.plot(grid, [t.upper for t in theory], "--", color="C1", label=r"$\ln V + s^2/2$ (위 한계)")
    ax.plot(grid, [t.max_lower for t in theory], "-.", color="C2", label=r"$s\,\mathbb{E}[\max]$ (아래 한계)")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    # plain mathtext labels: the text font has no U+2212 for the exponent's minus sign (see _log_y)
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: f"$10^{{{int(round(np.log10(v)))}}}$" if v > 0 and abs(np.log10(v) - round(np.log10(v))) < 1e-9 else ""))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(np.log(vocab_size) * 0.8, max(m.max(), np.log(vocab_size)) * 1.6)
    _log_y(ax)
    for k, (label, x) in enumerate((marks or {}).items()):
        ax.axvline(x, color="0.6", ls=":", lw=0.8)
        ax.text(x, ax.get_ylim()[1], f" {label}", rotation=90, va="top", ha="right", fontsize=8, color="0.3")
    ax.set_xlabel(r"로짓의 표준편차 $s$")
    ax.set_ylabel("첫 손실 (교차 엔트로피)")
    ax.legend(fontsize=8, loc="center left")
    if title is not None:
        ax.set_title(title, fontsize=11)
    return fig


def plot_profiles(
    panels,
    *,
    theory=None,
    xlabel: str = "블록",
    logy=True,
    title: str | None = None,
    figsize=None,
):
    """Curves against depth (or any index), measured as markers and theory as dashed lines.

    Made for the residual-network chapter (stream variance against the number of blocks, gradient
    norm against the layer), but takes any arrays.

    Parameters
    ----------
    panels : dict ``{y-axis label: {curve label: (x, y)}}``
        One panel per entry, side by side. ``x`` and ``y`` are 1-D arrays of the same length.
    theory : dict ``{y-axis label: {curve label: (x, y)}}``, optional
        Drawn as dashed lines in the colour of the measured curve with the same label.
    xlabel : str, default ``"블록"``
    logy : bool or ``sequence`` of bool, default ``True``
        Logarithmic y axis, for all panels or per panel.
    title : str
    figsize : tuple

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("panels must be a non-empty dict {y label: {curve label: (x, y)}}")
    theory = {} if theory is None else theory
    unknown = set(theory) - set(panels)
    if unknown:
        raise ValueError(f"theory names panels that are not in panels: {sorted(unknown)}")
    k = len(panels)
    logs = [logy] * k if isinstance(logy, bool) else list(logy)
    if len(logs) != k:
        raise ValueError(f"logy must be a bool or one bool per panel ({k}); got {len(logs)}")
    fig, axes = _new_figure(1, k, figsize=figsize or (4.4 * k + 0.6, 3.5))
    for ax, (ylabel, curves), log in zip(axes[0], panels.items(), logs):
        colours = {}
        for i, (label, (x, y)) in enumerate(curves.items()):
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            if x.shape != y.shape or x.ndim != 1:
                raise ValueError(f"curve {label!r} of panel {ylabel!r}: x and y must be 1-D of one length; "
                                 f"got {x.shape} and {y.shape}")
            colours[label] = f"C{i % 10}"
            ax.plot(x, y, "o", ms=3.5, color=colours[label], label=label)
        for label, (x, y) in theory.get(ylabel, {}).items():
            ax.plot(np.asarray(x, dtype=float), np.asarray(y, dtype=float), "--", lw=1.2,
                    color=colours.get(label, "0.3"))
        if log:
            _log_y(ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        handles, labels = ax.get_legend_handles_labels()
        if theory.get(ylabel):
            from matplotlib.lines import Line2D

            handles = handles + [Line2D([], [], ls="--", color="0.3")]
            labels = labels + ["이론"]
        ax.legend(handles, labels, fontsize=8, loc="best")
    if title is not None:
        fig.suptitle(title, fontsize=11)
    return fig
