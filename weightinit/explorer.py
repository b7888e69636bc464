"""An interactive explorer for Jupyter.

:func:`explorer` returns an ipywidgets panel: choose the activation, the initializer, the depth,
the width and (for plain random init) σ; the per-layer histograms and the standard deviation
against depth are recomputed and redrawn at every change. ipywidgets is imported only when
:func:`explorer` is called, so the rest of the library works without it.

A published page has no kernel; the book's pages carry their own explorer, which computes the
same quantities in the browser (``_explorer/`` and ``_ext/explorer_page.py`` in the repository).
:func:`explorer` draws with :func:`explorer_figure`: activation and gradient histograms per layer
on the left, standard deviation against depth (simulation and theory) on the right.
"""

from __future__ import annotations

from .activations import ACTIVATION_NAMES, get_activation
from .simulate import SimulationResult, simulate
from .theory import InitSpec, as_init_spec

__all__ = [
    "RANDOM",
    "DEFAULTS",
    "EXPLORER_INITS",
    "explorer_result",
    "explorer_figure",
    "explorer",
]

RANDOM = "random"
"""Dropdown value of plain random init N(0, σ²), whose σ comes from the σ slider."""

EXPLORER_INITS = {
    "무작위 초기화 N(0, σ²)": RANDOM,
    "자비에 초기화 (정규)": "xavier_normal",
    "자비에 초기화 (균등)": "xavier_uniform",
    "히 초기화 (정규)": "kaiming_normal",
    "히 초기화 (균등)": "kaiming_uniform",
    "르쿤 초기화 (정규)": "lecun_normal",
    "PyTorch 기본 초기화": "pytorch_default_uniform",
    "직교 초기화": "orthogonal",
}
"""Dropdown of :func:`explorer`: Korean label → initializer name (or :data:`RANDOM`)."""

DEFAULTS = {"activation": "tanh", "init": "xavier_normal", "depth": 10, "width": 256, "sigma": 0.01,
            "batch_size": 500}
"""Default size of :func:`explorer`; one recompute takes well under 0.3 s on two cores."""


def _spec(init, sigma) -> InitSpec:
    if init == RANDOM:
        return InitSpec.fixed(sigma)
    return as_init_spec(init)


def explorer_result(
    activation="tanh",
    init="xavier_normal",
    depth: int = 10,
    width: int = 256,
    sigma: float = 0.01,
    *,
    batch_size: int = 500,
    rng=0,
) -> SimulationResult:
    """The simulation behind one view of the explorer.

    Parameters
    ----------
    activation : str, default ``"tanh"``
    init : str, (str, dict), float, InitSpec or ``"random"``, default "xavier_normal"
        ``"random"`` means N(0, σ²) with σ = ``sigma``.
    depth, width : int
        Layers, and nodes per layer (the input has ``width`` coordinates too).
    sigma : float, default ``0.01``
        Standard deviation for ``init="random"``.
    batch_size : int, default ``500``
    rng : None, int or ``numpy.random.Generator``, default ``0``
        A fixed seed by default, so that moving a slider changes only what the slider controls.

    Returns
    -------
    SimulationResult
    """
    return simulate(width, depth, activation, _spec(init, sigma), batch_size=batch_size, rng=rng)


def explorer_figure(result: SimulationResult, *, title: str | None = None, layers=None):
    """Histograms per layer (left) and standard deviation against depth (right) in one figure.

    Parameters
    ----------
    result : ``SimulationResult``
        With ``keep_arrays=True``.
    title : str
        By default the activation, the initializer and the network's size.
    layers : ``sequence`` of int
        Layers for the histograms (default: all, or ten evenly spaced).

    Returns
    -------
    ``matplotlib.figure.Figure``
    """
    from matplotlib.figure import Figure

    from .plots import enable_notebook_display, plot_histograms, plot_std_vs_depth
    from .style import use_korean_style

    use_korean_style()
    enable_notebook_display()
    n_hist = min(result.depth, 10) if layers is None else len(layers)
    fig = Figure(figsize=(1.45 * n_hist + 4.6, 4.6), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.45 * n_hist + 0.4, 4.0])
    plot_histograms(result, ("activation", "gradient"), layers=layers, fig=left, title="")
    plot_std_vs_depth(result, ("activation", "gradient"), fig=right, vertical=True, title="")
    if title is None:
        title = f"{result.activation.label}, {result.label}, 폭 {result.widths[1]}, 깊이 {result.depth}"
    fig.suptitle(title, fontsize=11)
    return fig


def explorer(
    activation: str = DEFAULTS["activation"],
    init: str = DEFAULTS["init"],
    depth: int = DEFAULTS["depth"],
    width: int = DEFAULTS["width"],
    sigma: float = DEFAULTS["sigma"],
    *,
    batch_size: int = DEFAULTS["batch_size"],
    rng=0,
):
    """An ipywidgets panel that redraws :func:`explorer_figure` whenever a control changes.

    Parameters
    ----------
    activation : str, default ``"tanh"``
        Initial activation (one of :data:`weightinit.activations.ACTIVATION_NAMES`).
    init : str, default ``"xavier_normal"``
        Initial initializer: a value of :data:`EXPLORER_INITS`.
    depth : int, default ``10``
        Initial depth (slider 1..50).
    width : int, default ``256``
        Initial width (slider 16..1024).
    sigma : float, default ``0.01``
        Initial σ of plain random init (log slider 1e-3..10).
    batch_size : int, default ``500``
    rng : int, default ``0``
        Seed of every recomputation.

    Returns
    -------
    ``ipywidgets.VBox``
        Display it as the last value of a cell. It needs a running kernel; the published site
        has an explorer of its own.
    """
    try:
        import ipywidgets as widgets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "explorer() needs ipywidgets: pip install 'weightinit[explorer]' (or ipywidgets>=8)"
        ) from exc
    from IPython.display import display

    activation = get_activation(activation).name
    if init not in EXPLORER_INITS.values():
        raise ValueError(f"init must be one of {sorted(EXPLORER_INITS.values())}; got {init!r}")

    style = {"description_width": "70px"}
    w_act = widgets.Dropdown(options=list(ACTIVATION_NAMES), value=activation, description="활성화 함수",
                             style=style)
    w_init = widgets.Dropdown(options=list(EXPLORER_INITS.items()), value=init, description="초기화",
                              style=style, layout=widgets.Layout(width="300px"))
    w_depth = widgets.IntSlider(value=depth, min=1, max=50, description="깊이(층)", style=style,
                                continuous_update=False)
    w_width = widgets.IntSlider(value=width, min=16, max=1024, step=16, description="폭(노드)", style=style,
                                continuous_update=False)
    w_sigma = widgets.FloatLogSlider(value=sigma, base=10, min=-3, max=1, step=0.05, description="σ",
                                     style=style, readout_format=".3g", continuous_update=False)
    status = widgets.HTML()
    out = widgets.Output()

    def redraw(*_):
        import time

        w_sigma.disabled = w_init.value != RANDOM
        start = time.perf_counter()
        result = explorer_result(w_act.value, w_init.value, w_depth.value, w_width.value, w_sigma.value,
                                 batch_size=batch_size, rng=rng)
        computed = time.perf_counter() - start
        fig = explorer_figure(result)
        with out:
            out.clear_output(wait=True)
            display(fig)
        status.value = f"<small>계산 {computed:.2f} 초</small>"

    for w in (w_act, w_init, w_depth, w_width, w_sigma):
        w.observe(redraw, names="value")
    redraw()
    controls = widgets.HBox([widgets.VBox([w_act, w_init]), widgets.VBox([w_depth, w_width, w_sigma]), status])
    return widgets.VBox([controls, out])

