"""An interactive explorer for Jupyter.

:func:`explorer` returns an ipywidgets panel: choose the activation, the initializer, the depth,
the width and (for plain random init) σ; the per-layer histograms and the standard deviation
against depth are recomputed and redrawn at every change. ipywidgets is imported only when
:func:`explorer` is called, so the rest of the library works without it.

A published page has no kernel; the book's pages carry their own explorer, which computes the
same quantities in the browser (``_explorer/`` and ``_ext/explorer_page.py`` in the repository).
:func:`explorer` draws with :func:`explorer_figure`: activation and gradient histograms per layer
on the left, standard deviation against depth (simulation and theory) on the right.

The page's explorer also has a residual view (a stack of blocks ``x + alpha * W f(u)``, with
``u = x`` or its layer normalization); :func:`residual_stream_variance` is the theory it draws.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_choice, check_real
from .activations import ACTIVATION_NAMES, get_activation
from .simulate import SimulationResult, simulate
from .residual import residual_stream_theory
from .theory import InitSpec, as_init_spec

__all__ = [
    "RANDOM",
    "DEFAULTS",
    "EXPLORER_INITS",
    "RESIDUAL_NORMS",
    "LN_EPS",
    "explorer_result",
    "explorer_figure",
    "explorer",
    "residual_stream_variance",
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



# ---------------------------------------------------------------------------------------------
# Residual mode of the in-page explorer

RESIDUAL_NORMS = {"none": "없음", "pre_ln": "가지 앞 층 정규화 (pre-LN)"}
"""The normalization placements of the explorer's residual mode, each value with its Korean label."""

LN_EPS = 1e-5
"""ε of the layer normalization in the page's simulation (PyTorch's default)."""


def residual_stream_variance(depth, branch_scale, norm="none", activation="relu", v0=1.0, *,
                             sigma_w2=2.0, activation_kwargs=None) -> np.ndarray:
    r"""Variance of the residual stream after each block, as the explorer's residual mode draws it.

    The stream is :math:`x_{l+1} = x_l + \alpha\,F(u_l)` with :math:`u_l = x_l` (``norm="none"``)
    or :math:`u_l = \mathrm{LN}(x_l)` (``norm="pre_ln"``: layer normalization over the units of
    each input, no learned gain or shift, as at initialization). The branch has one layer,
    :math:`F(u) = W f(u)` with :math:`W` of shape (n, n), entries of mean 0 and variance
    :math:`\sigma_w^2/n` (:math:`\sigma_w^2 = 2` is He's initialization for ReLU). In the wide
    limit the branch output is uncorrelated with the stream (W has mean 0 and is drawn afresh)
    and its variance is :math:`\sigma_w^2 M(q)` with :math:`M(q) = E[f(z)^2]`,
    :math:`z \sim N(0, q)`, q the variance of the branch input. Hence, with :math:`v_l` the
    variance of a coordinate of :math:`x_l`:

    * ``"none"``: :math:`v_{l+1} = v_l + \alpha^2\sigma_w^2 M(v_l) = v_l (1 + \alpha^2 g(v_l))`,
      :math:`g(v) = \sigma_w^2 M(v)/v` the branch's variance gain. For ReLU, leaky ReLU and
      linear g is a constant and :math:`v_L = v_0 (1 + \alpha^2 g)^L` (ReLU with He:
      :math:`g = 1`, :math:`v_L = v_0 (1+\alpha^2)^L`, exponential in depth);
    * ``"pre_ln"``: the branch always sees unit variance, :math:`c = \sigma_w^2 M(1)` is the
      same in every block and :math:`v_L = v_0 + L\,\alpha^2 c` (linear in depth). LN's
      :math:`\epsilon` (:data:`LN_EPS`) is left out: it changes q by :math:`\epsilon/(v_l + \epsilon)`.

    Parameters
    ----------
    depth : int
        Number of blocks L >= 0.
    branch_scale : float
        :math:`\alpha` >= 0.
    norm : {"none", "pre_ln"}
    activation : str or ``Activation``, default ``"relu"``
    v0 : float, default ``1.0``
        Variance of the input's coordinates, > 0.
    sigma_w2 : float, default ``2.0``
        :math:`n \operatorname{Var}(W)` of the branch weight, > 0.
    activation_kwargs : dict
        ``negative_slope`` for ``"leaky_relu"``.

    Returns
    -------
    ``ndarray`` of shape ``(depth + 1,)``
        :math:`v_0, v_1, \dots, v_L`.

    Examples
    --------
    >>> residual_stream_variance(3, 1.0)
    array([1., 2., 4., 8.])
    >>> residual_stream_variance(3, 0.5, "pre_ln")
    array([1.  , 1.25, 1.5 , 1.75])
    """
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, numbers.Integral):
        raise TypeError(f"depth must be an int; got {depth!r}")
    if depth < 0:
        raise ValueError(f"depth must be >= 0; got {depth}")
    alpha = check_real(branch_scale, "branch_scale")
    if alpha < 0:
        raise ValueError(f"branch_scale must be >= 0; got {branch_scale!r}")
    norm = check_choice(norm, "norm", tuple(RESIDUAL_NORMS))
    act = get_activation(activation, **dict(activation_kwargs or {}))
    v0 = check_real(v0, "v0", positive=True)
    sw2 = check_real(sigma_w2, "sigma_w2", positive=True)
    # one theory for the book and the page: weightinit.residual spells pre-LN "pre"
    return residual_stream_theory(int(depth), alpha, "pre" if norm == "pre_ln" else "none", act,
                                  sigma_w2=sw2, input_var=v0)
