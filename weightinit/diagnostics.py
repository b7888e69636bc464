"""Per-layer statistics of any network, from arrays recorded in any framework.

Record, for one mini-batch, the output of every layer you want to watch (forward hooks in
PyTorch, an intermediate-output model in Keras, ``capture_intermediates`` in Flax) and,
if you can, the gradient of the loss with respect to those outputs (backward hooks, a
``GradientTape``). Convert each to a NumPy array and pass the lists to :func:`layer_report`.
It returns a :class:`LayerReport`: a table of standard deviations and of their layer-to-layer
ratios, a figure, and the warnings of the rule of thumb below.

**Rule of thumb.** Across the depth of a freshly initialised network, the standard deviation of the layer
outputs, and that of their gradients, should stay within a factor of about 10 of the first
layer's (``max_spread``). A variance that is multiplied by the same factor at every layer
compounds: a per-layer standard-deviation ratio of 0.8 is 0.8^20 ~ 0.01 after 20 layers, and
the gradient of a weight is the product of the layer's input and the gradient of its output,
so with plain SGD a layer whose gradients are 100 times smaller learns about 100 times slower
than the others. A steady per-layer ratio away from 1 points to an initialization that does
not suit the activation; a single jump points to one layer (a wrong fan, a forgotten
initializer). A layer with more than ``dead_fraction`` exact zeros (dead ReLU units) is flagged too.

**Per tensor, before any data.** :func:`check_init` compares the mean and standard deviation of every
named parameter (``{name: array}``, e.g. from ``model.named_parameters()``) with the law it should
have been drawn from, given as ``{name pattern: expected}`` rules. It catches a special init that was
silently skipped or applied twice (a residual projection left at the plain standard deviation, or
scaled down once too often) without running the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

__all__ = ["LayerReport", "layer_report", "InitCheck", "check_init"]


def _as_layers(arrays, what: str) -> tuple[list[str] | None, list[np.ndarray]]:
    """A list (or a ``{name: array}`` mapping) of per-layer arrays, checked and made float."""
    names = None
    if isinstance(arrays, Mapping):
        names = [str(k) for k in arrays]
        arrays = list(arrays.values())
    if isinstance(arrays, (str, bytes, np.ndarray)) or not isinstance(arrays, Sequence):
        raise TypeError(
            f"{what} must be a list of per-layer arrays or a {{name: array}} dict; got {type(arrays).__name__}"
        )
    if len(arrays) == 0:
        raise ValueError(f"{what} is empty: give one array per layer")
    out = []
    for i, a in enumerate(arrays):
        try:
            x = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"{what}[{i}] must be a numeric array (convert tensors with .numpy()); got {type(a).__name__}"
            ) from None
        if x.size < 2:
            raise ValueError(f"{what}[{i}] has {x.size} value(s); a standard deviation needs at least 2")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{what}[{i}] contains NaN or infinite values")
        out.append(x)
    return names, out


def _width(text: str) -> int:
    """Display width in a monospace font: Hangul and other wide characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _rjust(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


def _ratios(std: np.ndarray) -> np.ndarray:
    """std[l] / std[l-1], with NaN for the first layer (and where the previous std is 0)."""
    r = np.full(std.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        r[1:] = np.where(std[:-1] > 0, std[1:] / std[:-1], np.nan)
    return r


@dataclass(frozen=True)
class LayerReport:
    """Per-layer statistics returned by :func:`layer_report`.

    Attributes
    ----------
    names : list of str
        Layer names (``"1"``, ``"2"``, ... unless given).
    act_mean, act_std : ``ndarray``
        Mean and standard deviation of each layer's recorded output (over every entry).
    act_ratio : ``ndarray``
        ``act_std[l] / act_std[l-1]`` (NaN for the first layer).
    zero_frac : ``ndarray``
        Fraction of exact zeros in each layer's output (dead or inactive ReLU units).
    grad_std, grad_ratio : ``ndarray`` or None
        The same for the gradients, when they were given.
    max_spread, dead_fraction : float
        The thresholds used by :attr:`warnings`.
    """

    names: list
    act_mean: np.ndarray
    act_std: np.ndarray
    act_ratio: np.ndarray
    zero_frac: np.ndarray
    grad_std: np.ndarray | None
    grad_ratio: np.ndarray | None
    max_spread: float
    dead_fraction: float

    @property
    def depth(self) -> int:
        return len(self.names)

    @staticmethod
    def _spread(std: np.ndarray) -> float:
        """Largest factor between a layer's standard deviation and the first layer's."""
        first = std[0]
        if first <= 0 or np.any(std <= 0):
            return np.inf
        return float(max(std.max() / first, first / std.min()))

    @property
    def act_spread(self) -> float:
        """max over layers of ``act_std[l]/act_std[0]`` or its inverse (1 means perfectly steady)."""
        return self._spread(self.act_std)

    @property
    def grad_spread(self) -> float | None:
        """As :attr:`act_spread`, for the gradients (None without gradients)."""
        return None if self.grad_std is None else self._spread(self.grad_std)

    @property
    def warnings(self) -> list[str]:
        """Warnings from the rule of thumb, one Korean sentence per problem found (empty if none)."""
        out = []
        for label, std, spread in (("활성화 값", self.act_std, self.act_spread),
                                   ("기울기", self.grad_std, self.grad_spread)):
            if std is None or spread <= self.max_spread:
                continue
            worst = int(np.argmax(np.abs(np.log(np.maximum(std, 1e-300) / std[0]))))
            out.append(
                f"{label}의 표준편차가 {self.names[worst]} 층에서 첫 층의 {std[worst] / std[0]:.3g}배다 "
                f"(허용 {1 / self.max_spread:g}~{self.max_spread:g}배)."
            )
        for name, frac in zip(self.names, self.zero_frac):
            if frac > self.dead_fraction:
                out.append(f"{name} 층의 출력 {frac:.0%}가 정확히 0이다 (죽은 렐루가 많다).")
        return out

    def table(self) -> str:
        """A fixed-width table, one row per layer (for printing)."""
        cols = ["층", "평균", "표준편차", "층당 비율", "0의 비율"]
        if self.grad_std is not None:
            cols += ["기울기 표준편차", "기울기 층당 비율"]
        rows = []
        for i, name in enumerate(self.names):
            row = [name, f"{self.act_mean[i]:.3g}", f"{self.act_std[i]:.3g}",
                   "" if np.isnan(self.act_ratio[i]) else f"{self.act_ratio[i]:.3f}", f"{self.zero_frac[i]:.2f}"]
            if self.grad_std is not None:
                row += [f"{self.grad_std[i]:.3g}", "" if np.isnan(self.grad_ratio[i]) else f"{self.grad_ratio[i]:.3f}"]
            rows.append(row)
        widths = [max(_width(c), *(_width(r[j]) for r in rows)) for j, c in enumerate(cols)]
        lines = ["  ".join(_rjust(c, w) for c, w in zip(cols, widths))]
        lines += ["  ".join(_rjust(v, w) for v, w in zip(r, widths)) for r in rows]
        return "\n".join(lines)

    def plot(self, *, title: str | None = None):
        """Standard deviation per layer (log scale) with the band of the rule of thumb.

        Returns
        -------
        ``matplotlib.figure.Figure``
            One panel for the outputs and, when gradients were given, one for the gradients.
            The dotted lines mark ``max_spread`` and ``1/max_spread`` times the first layer.
        """
        from .plots import _log_y, _new_figure

        panels = [("활성화 값의 표준편차", self.act_std, "C0")]
        if self.grad_std is not None:
            panels.append(("기울기의 표준편차", self.grad_std, "C1"))
        fig, axes = _new_figure(1, len(panels), figsize=(4.6 * len(panels) + 0.6, 3.6))
        x = np.arange(1, self.depth + 1)
        for ax, (label, std, colour) in zip(axes[0], panels):
            ax.plot(x, std, "o-", color=colour, ms=4, label="측정값")
            for k, factor in enumerate((self.max_spread, 1 / self.max_spread)):
                ax.axhline(std[0] * factor, color="0.5", ls=":", lw=1,
                           label=f"첫 층의 {self.max_spread:g}배와 1/{self.max_spread:g}배" if k == 0 else None)
            lo = min(std.min(), std[0] / self.max_spread) / 2
            hi = max(std.max(), std[0] * self.max_spread) * 2
            ax.set_ylim(max(lo, 1e-300), hi)
            _log_y(ax)
            ax.set_xlabel("층")
            ax.set_ylabel(label)
            step = max(1, -(-self.depth // 10))
            ax.set_xticks(x[::step])
            ax.set_xticklabels([self.names[i] for i in range(0, self.depth, step)])
            ax.legend(fontsize=8, loc="best")
        if title is not None:
            fig.suptitle(title, fontsize=11)
        return fig


def layer_report(activations, gradients=None, *, names=None, max_spread: float = 10.0,
                 dead_fraction: float = 0.9) -> LayerReport:
    """Per-layer statistics of recorded layer outputs (and their gradients).

    Parameters
    ----------
    activations : list of ``array_like`` or dict ``{name: array_like}``
        One array per layer, of any shape (e.g. ``(batch, n)`` or ``(batch, c, h, w)``), in
        the order of the layers. Statistics are taken over every entry.
    gradients : list or dict of ``array_like``, optional
        The gradient of the loss with respect to the same outputs, one per layer.
    names : list of str, optional
        Layer names; by default the dict keys, or ``"1"``, ``"2"``, ...
    max_spread : float, default ``10.0``
        A standard deviation further than this factor from the first layer's is flagged.
    dead_fraction : float, default ``0.9``
        A layer with a larger fraction of exact zeros is flagged.

    Returns
    -------
    LayerReport

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> acts = [rng.normal(0, s, size=(100, 50)) for s in (1.0, 0.5, 0.01)]
    >>> report = layer_report(acts)
    >>> [round(r, 1) for r in report.act_ratio[1:]]
    [0.5, 0.0]
    >>> len(report.warnings)
    1
    """
    act_names, acts = _as_layers(activations, "activations")
    grads = None
    if gradients is not None:
        _, grads = _as_layers(gradients, "gradients")
        if len(grads) != len(acts):
            raise ValueError(f"gradients has {len(grads)} layers but activations has {len(acts)}; give one per layer")
    if names is None:
        names = act_names or [str(i) for i in range(1, len(acts) + 1)]
    names = [str(n) for n in names]
    if len(names) != len(acts):
        raise ValueError(f"names has {len(names)} entries but there are {len(acts)} layers")
    if isinstance(max_spread, bool) or not isinstance(max_spread, (int, float)) or not max_spread > 1:
        raise ValueError(f"max_spread must be a number greater than 1; got {max_spread!r}")
    if isinstance(dead_fraction, bool) or not isinstance(dead_fraction, (int, float)) or not 0 < dead_fraction <= 1:
        raise ValueError(f"dead_fraction must be in (0, 1]; got {dead_fraction!r}")
    act_std = np.array([a.std() for a in acts])
    grad_std = None if grads is None else np.array([g.std() for g in grads])
    return LayerReport(
        names=names,
        act_mean=np.array([a.mean() for a in acts]),
        act_std=act_std,
        act_ratio=_ratios(act_std),
        zero_frac=np.array([np.mean(a == 0) for a in acts]),
        grad_std=grad_std,
        grad_ratio=None if grad_std is None else _ratios(grad_std),
        max_spread=float(max_spread),
        dead_fraction=float(dead_fraction),
    )


@dataclass(frozen=True)
class InitCheck:
    """Per-tensor comparison returned by :func:`check_init`.

    Attributes
    ----------
    names : list of str
    shapes : list of tuple
    rules : list of str or None
        The pattern that matched each tensor (None when none did).
    expected_mean, expected_std : ``ndarray`` (NaN where no rule matched)
    mean, std : ``ndarray``
        Measured over all entries of each tensor.
    status : list of str
        ``"ok"``, ``"mismatch"`` or ``"no rule"``.
    rtol : float
    """

    names: list
    shapes: list
    rules: list
    expected_mean: np.ndarray
    expected_std: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    status: list
    rtol: float

    @property
    def ratio(self) -> np.ndarray:
        """Measured over expected standard deviation (NaN where the expected one is 0 or unknown)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected_std > 0, self.std / self.expected_std, np.nan)

    @property
    def mismatches(self) -> list:
        """Names of the tensors whose statistics do not fit their rule."""
        return [n for n, s in zip(self.names, self.status) if s == "mismatch"]

    @property
    def unmatched(self) -> list:
        """Names of the tensors no rule matched."""
        return [n for n, s in zip(self.names, self.status) if s == "no rule"]

    @property
    def ok(self) -> bool:
        """True when every tensor matched a rule and fits it."""
        return all(s == "ok" for s in self.status)

    def table(self, *, only_problems: bool = False) -> str:
        """A fixed-width table, one row per tensor (or only the problems)."""
        cols = ["텐서", "모양", "기대 표준편차", "측정 표준편차", "비율", "판정"]
        shown = {"ok": "통과", "mismatch": "불일치", "no rule": "규칙 없음"}
        rows = []
        for i, name in enumerate(self.names):
            if only_problems and self.status[i] == "ok":
                continue
            exp = "" if np.isnan(self.expected_std[i]) else f"{self.expected_std[i]:.4g}"
            if not np.isnan(self.expected_std[i]) and self.expected_std[i] == 0:
                exp = f"상수 {self.expected_mean[i]:g}"
            ratio = self.ratio[i]
            rows.append([name, "×".join(map(str, self.shapes[i])), exp, f"{self.std[i]:.4g}",
                         "" if np.isnan(ratio) else f"{ratio:.3f}", shown[self.status[i]]])
        widths = [max(_width(c), *(_width(r[j]) for r in rows)) if rows else _width(c) for j, c in enumerate(cols)]
        lines = ["  ".join(_rjust(c, w) for c, w in zip(cols, widths))]
        lines += ["  ".join(_rjust(v, w) for v, w in zip(r, widths)) for r in rows]
        return "\n".join(lines)


def _expected(value, pattern: str) -> tuple[float, float]:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        mean, std = value
    else:
        mean, std = 0.0, value
    for v, what in ((mean, "mean"), (std, "std")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.floating, np.integer)) or not np.isfinite(v):
            raise ValueError(f"rule {pattern!r}: expected a standard deviation or a (mean, std) pair of finite numbers; "
                             f"got {value!r}")
    if std < 0:
        raise ValueError(f"rule {pattern!r}: the standard deviation must be >= 0; got {std}")
    return float(mean), float(std)


def check_init(params, rules, *, rtol: float = 0.05, atol: float = 1e-6) -> InitCheck:
    """Compare every tensor's measured mean and standard deviation with the law it should have.

    Parameters
    ----------
    params : dict ``{name: array_like}``
        The parameters, e.g. ``{n: p.detach().cpu().numpy() for n, p in model.named_parameters()}``
        in PyTorch, or :func:`weightinit.transformer.gpt2_init`.
    rules : dict ``{pattern: expected}``
        Shell-style patterns (``fnmatch``: ``*`` matches anything, dots included); the first
        pattern that matches a name is used. ``expected`` is a standard deviation (mean 0) or a
        ``(mean, std)`` pair; ``std = 0`` means every entry must equal ``mean`` (within ``atol``).
    rtol : float, default 0.05
        A random tensor of ``n`` entries fails when ``|std/expected − 1|`` exceeds
        ``rtol + 4/sqrt(2n)`` (the sample standard deviation of ``n`` normal values has relative
        spread ``1/sqrt(2n)``), or when its mean is further than ``4·expected/sqrt(n) + atol``
        from the expected mean.
    atol : float, default 1e-6

    Returns
    -------
    InitCheck

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> params = {"a.weight": rng.normal(0, 0.02, (64, 64)), "a.bias": np.zeros(64),
    ...           "b.weight": rng.normal(0, 0.02, (64, 64))}
    >>> check = check_init(params, {"*.bias": 0.0, "a.*": 0.02, "b.*": 0.01})
    >>> check.mismatches
    ['b.weight']
    """
    from fnmatch import fnmatchcase

    if not isinstance(params, Mapping) or not params:
        raise TypeError(f"params must be a non-empty {{name: array}} dict; got {type(params).__name__}")
    if not isinstance(rules, Mapping) or not rules:
        raise TypeError(f"rules must be a non-empty {{pattern: expected std or (mean, std)}} dict; got {type(rules).__name__}")
    parsed = [(str(p), *_expected(v, str(p))) for p, v in rules.items()]
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not 0 <= rtol < 1:
        raise ValueError(f"rtol must be a number in [0, 1); got {rtol!r}")
    if isinstance(atol, bool) or not isinstance(atol, (int, float)) or not atol >= 0:
        raise ValueError(f"atol must be a number >= 0; got {atol!r}")
    names, shapes, matched, e_mean, e_std, mean, std, status = [], [], [], [], [], [], [], []
    for name, value in params.items():
        try:
            x = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"params[{name!r}] must be a numeric array (convert tensors with .numpy()); "
                            f"got {type(value).__name__}") from None
        if x.size == 0 or not np.all(np.isfinite(x)):
            raise ValueError(f"params[{name!r}] is empty or contains NaN or infinite values")
        rule = next((r for r in parsed if fnmatchcase(str(name), r[0])), None)
        m, s = float(x.mean()), float(x.std())
        names.append(str(name))
        shapes.append(tuple(x.shape))
        mean.append(m)
        std.append(s)
        if rule is None:
            matched.append(None)
            e_mean.append(np.nan)
            e_std.append(np.nan)
            status.append("no rule")
            continue
        pattern, mu, sigma = rule
        matched.append(pattern)
        e_mean.append(mu)
        e_std.append(sigma)
        if sigma == 0:
            good = bool(np.max(np.abs(x - mu)) <= atol)
        else:
            n = x.size
            good = (abs(s / sigma - 1) <= rtol + 4 / np.sqrt(2 * n)) and (abs(m - mu) <= 4 * sigma / np.sqrt(n) + atol)
        status.append("ok" if good else "mismatch")
    return InitCheck(names=names, shapes=shapes, rules=matched, expected_mean=np.array(e_mean),
                     expected_std=np.array(e_std), mean=np.array(mean), std=np.array(std), status=status,
                     rtol=float(rtol))
