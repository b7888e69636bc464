"""Initialization of transformers: attention scores, embeddings, the output head, GPT-2's rules.

* **Attention.** A score ``q·k`` is a sum of ``d_k`` products of zero-mean entries, so its
  variance is ``d_k·Var(q)·Var(k)`` (the forward-variance theorem with ``k`` in the place of the
  weights); the ``1/sqrt(d_k)`` of scaled dot-product attention (Vaswani et al. 2017) brings it back
  to ``Var(q)·Var(k)``. :func:`attention_statistics` measures what the softmax does with and
  without the factor (largest weight, entropy, Frobenius norm of its Jacobian);
  :func:`softmax_jacobian` and :func:`softmax_jacobian_norm` give the Jacobian itself.
* **Initial loss.** For logits that are i.i.d. ``N(0, s²)`` over a vocabulary of ``V`` tokens and a
  target independent of them, ``ln V <= E[loss] <= ln V + s²/2`` and, for ``s`` large,
  ``s·E[max of V normals]`` bounds it from below (:func:`initial_loss_theory`);
  :func:`cross_entropy` measures it, :func:`prior_bias` is the output bias that starts a classifier
  at the class frequencies.
* **GPT-2 / nanoGPT.** :func:`gpt2_init` draws a dictionary of named parameters with nanoGPT's
  rules (every Linear and Embedding ``N(0, 0.02²)``, biases 0, LayerNorm 1/0, the two residual
  output projections ``c_proj`` ``N(0, (0.02/sqrt(2L))²)``) and variants; :func:`gpt2_init_rules`
  writes the same rules as ``{name pattern: expected law}`` for
  :func:`weightinit.diagnostics.check_init`.
* :func:`full_batch_descent` takes given weights (for instance a zero output layer) and runs plain
  gradient descent with the MLP of :mod:`weightinit.train`.

Every random draw takes ``rng`` (None, an int seed or a ``numpy.random.Generator``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_generator, check_choice, check_float_dtype, check_int, check_real

__all__ = [
    "SCALES",
    "RESIDUAL_RULES",
    "AttentionStats",
    "InitialLoss",
    "score_std",
    "softmax",
    "softmax_jacobian",
    "softmax_jacobian_norm",
    "softmax_entropy",
    "attention_statistics",
    "cross_entropy",
    "layer_norm",
    "initial_loss_theory",
    "expected_max_normal",
    "head_loss_simulation",
    "prior_bias",
    "gpt2_init",
    "gpt2_init_rules",
    "full_batch_descent",
]

SCALES = ("sqrt", "none", "inverse")
"""The names accepted as ``scale``, for the factors ``1/sqrt(d_k)``, ``1`` and ``1/d_k`` (a positive number works too)."""

RESIDUAL_RULES = ("scaled", "none", "by_layer", "zero")
"""How :func:`gpt2_init` draws the residual output projections ``c_proj``:

``"scaled"``: ``std/sqrt(2·n_layer)`` (nanoGPT, Hugging Face GPT-2, Megatron-LM);
``"none"``: ``std`` like every other matrix (what a skipped special init leaves);
``"by_layer"``: ``std/sqrt(2·(layer+1))`` (torchtitan's ``depth_init``, layer counted from 0);
``"zero"``: zeros (modded-nanogpt, nanochat).
"""



def _scale_factor(scale, d_k: int) -> float:
    """The multiplier of ``q·k`` named by ``scale``."""
    if isinstance(scale, str):
        check_choice(scale, "scale", SCALES)
        return {"sqrt": d_k ** -0.5, "none": 1.0, "inverse": 1.0 / d_k}[scale]
    return check_real(scale, "scale (a name in SCALES or a positive number)", positive=True)


def score_std(d_k: int, *, q_std: float = 1.0, k_std: float = 1.0, scale="sqrt") -> float:
    """Standard deviation of an attention score ``scale · q·k`` at initialization (theory).

    With ``q`` and ``k`` independent, each of ``d_k`` i.i.d. zero-mean entries of standard deviation
    ``q_std`` and ``k_std``, ``Var(q·k) = d_k · q_std² · k_std²``, so the score has standard deviation
    ``factor · sqrt(d_k) · q_std · k_std`` where ``factor`` is ``1/sqrt(d_k)`` (``"sqrt"``), ``1``
    (``"none"``), ``1/d_k`` (``"inverse"``) or the number given.
    """
    d_k = check_int(d_k, "d_k", 1)
    q_std = check_real(q_std, "q_std", positive=True)
    k_std = check_real(k_std, "k_std", positive=True)
    return _scale_factor(scale, d_k) * np.sqrt(d_k) * q_std * k_std


def _as_logits(logits, name: str = "logits") -> np.ndarray:
    try:
        z = np.asarray(logits, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array; got {type(logits).__name__}") from None
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last axis; got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return z


def softmax(logits) -> np.ndarray:
    """Softmax along the last axis, computed stably (the row maximum is subtracted first)."""
    z = _as_logits(logits)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(logits) -> np.ndarray:
    """Jacobian ``∂p_i/∂z_j = p_i(δ_ij − p_j)`` of the softmax, i.e. ``diag(p) − p pᵀ``.

    Parameters
    ----------
    logits : ``array_like``, shape (..., T)

    Returns
    -------
    ``ndarray``, shape (..., T, T)
    """
    p = softmax(logits)
    return p[..., :, None] * np.eye(p.shape[-1]) - p[..., :, None] * p[..., None, :]


def softmax_jacobian_norm(logits) -> np.ndarray:
    """Frobenius norm of the softmax Jacobian, without building the ``T×T`` matrix.

    ``‖diag(p) − ppᵀ‖_F² = Σp_i² − 2Σp_i³ + (Σp_i²)²``. It is ``sqrt(T−1)/T`` for equal
    weights and tends to 0 as one weight tends to 1 (then it is at most ``2·sqrt(2)·(1 − max p)``).

    Returns
    -------
    ``ndarray``, shape (...,)
    """
    p = softmax(logits)
    s2 = (p * p).sum(axis=-1)
    s3 = (p * p * p).sum(axis=-1)
    return np.sqrt(np.maximum(s2 - 2 * s3 + s2 * s2, 0.0))


def softmax_entropy(logits) -> np.ndarray:
    """Entropy ``−Σ p_i ln p_i`` (in nats) of the softmax of each row; ``ln T`` for equal weights."""
    z = _as_logits(logits)
    z = z - z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - lse
    return -(np.exp(logp) * logp).sum(axis=-1)


@dataclass(frozen=True)
class AttentionStats:
    """What :func:`attention_statistics` measured (means over the queries).

    Attributes
    ----------
    d_k, n_keys : int
    scale : str or float
    factor : float
        The multiplier of ``q·k`` that was used.
    score_std, score_std_theory : float
        Standard deviation of the scores, measured and from :func:`score_std`.
    max_weight : float
        Mean of the largest softmax weight (``1/n_keys`` for uniform attention, 1 for one-hot).
    entropy_ratio : float
        Mean entropy divided by ``ln n_keys`` (1 for uniform attention, 0 for one-hot).
    jacobian_norm : float
        Mean Frobenius norm of the softmax Jacobian.
    uniform_jacobian_norm : float
        ``sqrt(n_keys − 1)/n_keys``, the norm for equal weights.
    """

    d_k: int
    n_keys: int
    scale: object
    factor: float
    score_std: float
    score_std_theory: float
    max_weight: float
    entropy_ratio: float
    jacobian_norm: float
    uniform_jacobian_norm: float


def attention_statistics(d_k: int, *, n_keys: int = 64, n_queries: int = 1000, scale="sqrt",
                         q_std: float = 1.0, k_std: float = 1.0, rng=None) -> AttentionStats:
    """Softmax attention over random queries and keys: how peaked it is and how much gradient passes.

    Draws ``n_keys`` keys and ``n_queries`` queries with i.i.d. ``N(0, k_std²)`` and
    ``N(0, q_std²)`` entries of dimension ``d_k``, forms the scores ``factor · q·k`` and reports,
    averaged over the queries, the largest attention weight, the entropy relative to ``ln n_keys``
    and the Frobenius norm of the softmax Jacobian (the factor by which a change in the scores
    reaches the attention weights).

    Parameters
    ----------
    d_k : int
        Dimension of queries and keys (per head).
    n_keys, n_queries : int
    scale : ``"sqrt"``, ``"none"``, ``"inverse"`` or a positive number
        ``1/sqrt(d_k)``, ``1``, ``1/d_k`` or the number itself.
    q_std, k_std : float
        Standard deviations of the query and key entries.
    rng : None, int or ``numpy.random.Generator``

    Returns
    -------
    AttentionStats

    Examples
    --------
    >>> s = attention_statistics(256, scale="none", rng=0)
    >>> round(s.score_std_theory, 6), s.max_weight > 0.8
    (16.0, True)
    """
    d_k = check_int(d_k, "d_k", 1)
    n_keys = check_int(n_keys, "n_keys", 2)
    n_queries = check_int(n_queries, "n_queries", 1)
    theory = score_std(d_k, q_std=q_std, k_std=k_std, scale=scale)
    factor = _scale_factor(scale, d_k)
    gen = as_generator(rng)
    q = gen.standard_normal((n_queries, d_k)) * q_std
    k = gen.standard_normal((n_keys, d_k)) * k_std
    scores = factor * (q @ k.T)
    p = softmax(scores)
    return AttentionStats(
        d_k=d_k, n_keys=n_keys, scale=scale, factor=float(factor),
        score_std=float(scores.std()), score_std_theory=float(theory),
        max_weight=float(p.max(axis=-1).mean()),
        entropy_ratio=float(softmax_entropy(scores).mean() / np.log(n_keys)),
        jacobian_norm=float(softmax_jacobian_norm(scores).mean()),
        uniform_jacobian_norm=float(np.sqrt(n_keys - 1) / n_keys),
    )


def cross_entropy(logits, targets) -> float:
    """Mean softmax cross-entropy ``logsumexp(z) − z_y`` (natural log) of rows of ``logits``.

    Parameters
    ----------
    logits : ``array_like``, shape (N, V)
    targets : ``array_like`` of int, shape (N,)
        Class indices in ``0 .. V−1``.
    """
    z = _as_logits(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, V); got {z.shape}")
    y = np.asarray(targets)
    if y.shape != (z.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"targets must be {z.shape[0]} integer class indices; got shape {y.shape}, dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
        raise ValueError(f"targets must lie in 0..{z.shape[1] - 1}; got {y.min()}..{y.max()}")
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return float(np.mean(lse - z[np.arange(z.shape[0]), y]))


def layer_norm(x, eps: float = 0.0) -> np.ndarray:
    """LayerNorm without learned parameters (γ = 1, β = 0) along the last axis.

    With ``eps = 0`` every row of the output has mean 0 and mean square 1, so its squared
    length is exactly the row's dimension.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise ValueError(f"x needs at least 2 entries along its last axis; got shape {x.shape}")
    eps = check_real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps must be >= 0; got {eps}")
    c = x - x.mean(axis=-1, keepdims=True)
    return c / np.sqrt((c * c).mean(axis=-1, keepdims=True) + eps)


def expected_max_normal(n: int) -> float:
    """``E[max(ξ_1, …, ξ_n)]`` for ``n`` i.i.d. standard normal variables, by quadrature.

    Uses ``E[max] = ∫ x · n φ(x) Φ(x)^(n−1) dx`` on a fine grid. It grows like
    ``sqrt(2 ln n)`` (slowly: about 4.0 for ``n`` = 50 257, where ``sqrt(2 ln n)`` = 4.65).
    """
    from scipy.special import log_ndtr

    n = check_int(n, "n", 1)
    x = np.linspace(-12.0, 12.0, 48_001)
    log_density = np.log(n) - 0.5 * x * x - 0.5 * np.log(2 * np.pi) + (n - 1) * log_ndtr(x)
    f = x * np.exp(log_density)
    return float(np.sum((f[1:] + f[:-1]) * 0.5 * np.diff(x)))


@dataclass(frozen=True)
class InitialLoss:
    """Bounds on the expected initial cross-entropy from :func:`initial_loss_theory`.

    Attributes
    ----------
    vocab_size : int
    logit_std : float
    uniform : float
        ``ln V``: the loss of equal logits, and a lower bound for any ``logit_std``.
    upper : float
        ``ln V + s²/2``: an upper bound, reached as ``V → ∞`` with ``s`` fixed.
    second_order : float
        ``ln V + s²/2 − (e^{s²} − 1)/(2V)``: the delta-method value, good while ``e^{s²} ≪ V``
        (NaN when ``e^{s²}`` overflows).
    max_lower : float
        ``s·E[max of V standard normals]``: a lower bound that matters when ``s`` is large.
    """

    vocab_size: int
    logit_std: float
    uniform: float
    upper: float
    second_order: float
    max_lower: float

    @property
    def lower(self) -> float:
        """The larger of the two lower bounds."""
        return max(self.uniform, self.max_lower)


def initial_loss_theory(vocab_size: int, logit_std: float) -> InitialLoss:
    """Expected cross-entropy when the logits are i.i.d. ``N(0, s²)`` and the target is independent.

    Parameters
    ----------
    vocab_size : int
        Number of classes ``V``.
    logit_std : float
        ``s`` (0 allowed: equal logits give exactly ``ln V``).

    Returns
    -------
    InitialLoss
        ``ln V <= E[loss] <= ln V + s²/2`` and ``E[loss] >= s·E[max]``; for a head with i.i.d.
        ``N(0, σ²)`` weights acting on a LayerNorm output of dimension ``d``, ``s² = d·σ²``.
    """
    V = check_int(vocab_size, "vocab_size", 2)
    s = check_real(logit_std, "logit_std")
    if s < 0:
        raise ValueError(f"logit_std must be >= 0; got {s}")
    log_v = float(np.log(V))
    second = log_v + s * s / 2 - np.expm1(s * s) / (2 * V) if s * s < 700 else np.nan
    return InitialLoss(vocab_size=V, logit_std=s, uniform=log_v, upper=log_v + s * s / 2,
                       second_order=float(second), max_lower=s * expected_max_normal(V))


def head_loss_simulation(vocab_size: int, d_model: int, head_stds, *, n_tokens: int = 128, rng=None) -> np.ndarray:
    """Measured initial cross-entropy of a linear output head on LayerNorm outputs.

    Draws one head matrix ``G`` of shape ``(vocab_size, d_model)`` with standard normal entries,
    and ``n_tokens`` hidden vectors ``h = LayerNorm(ξ)`` (``ξ`` standard normal, so
    ``‖h‖² = d_model``); for each ``σ`` in ``head_stds`` the logits are ``z = h · (σG)ᵀ``. The target
    is uniform over the vocabulary and independent of ``z``, so its expected loss given ``z`` is
    ``logsumexp(z) − mean(z)``, which is computed exactly (averaging over every possible target
    instead of drawing one removes the noise of ``z_y``); the mean over the tokens is returned. The
    same draw serves every ``σ``, so the values differ only through ``σ``.

    Returns
    -------
    ``ndarray``, shape (len(head_stds),)
    """
    V = check_int(vocab_size, "vocab_size", 2)
    d = check_int(d_model, "d_model", 2)
    n = check_int(n_tokens, "n_tokens", 1)
    stds = np.atleast_1d(np.asarray(head_stds, dtype=float))
    if stds.ndim != 1 or stds.size == 0 or not np.all(np.isfinite(stds)) or np.any(stds < 0):
        raise ValueError(f"head_stds must be a non-empty list of finite numbers >= 0; got {head_stds!r}")
    gen = as_generator(rng)
    G = gen.standard_normal((V, d), dtype=np.float32)
    h = layer_norm(gen.standard_normal((n, d))).astype(np.float32)
    base = (h @ G.T).astype(np.float64)
    out = []
    for sigma in stds:
        z = sigma * base
        m = z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
        out.append(float(np.mean(lse - z.mean(axis=1))))
    return np.array(out)


def prior_bias(labels, n_classes: int) -> np.ndarray:
    """Output bias ``log(class frequency)``: with zero output weights the model predicts the prior.

    The initial cross-entropy is then the entropy of the class frequencies (not ``ln C``). A class
    that never occurs would need ``−inf``; it is refused.
    """
    n_classes = check_int(n_classes, "n_classes", 2)
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 1-D array of class indices; got shape {y.shape}, dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}; got {y.min()}..{y.max()}")
    counts = np.bincount(y, minlength=n_classes)
    if np.any(counts == 0):
        raise ValueError(f"class(es) {np.flatnonzero(counts == 0).tolist()} never occur: log(0) is not a usable bias")
    return np.log(counts / y.size)


def _residual_std(rule: str, std: float, n_layer: int, layer: int) -> float:
    if rule == "scaled":
        return std / np.sqrt(2 * n_layer)
    if rule == "by_layer":
        return std / np.sqrt(2 * (layer + 1))
    if rule == "zero":
        return 0.0
    return std


def gpt2_init(n_layer: int, d_model: int, vocab_size: int, block_size: int, *, std: float = 0.02,
              residual: str = "scaled", mlp_ratio: int = 4, bias: bool = True, tie: bool = True,
              dtype=np.float32, rng=None) -> dict:
    """Parameters of a GPT-2-style model drawn with nanoGPT's rules, as ``{name: array}``.

    Names and shapes follow nanoGPT's ``model.py`` (PyTorch ``(out, in)`` layout):
    ``transformer.wte.weight`` ``(vocab_size, d_model)``, ``transformer.wpe.weight``
    ``(block_size, d_model)``, per block ``transformer.h.{i}.ln_1``, ``attn.c_attn`` ``(3d, d)``,
    ``attn.c_proj`` ``(d, d)``, ``ln_2``, ``mlp.c_fc`` ``(4d, d)``, ``mlp.c_proj`` ``(d, 4d)``, and
    ``transformer.ln_f``. Every weight matrix and embedding is ``N(0, std²)``; biases are 0;
    LayerNorm weights 1 and biases 0; the two ``c_proj`` weights of each block follow
    ``residual`` (see :data:`RESIDUAL_RULES`). With ``tie=True`` the output head is the token
    embedding (no ``lm_head.weight`` entry, as in nanoGPT's ``named_parameters``); with
    ``tie=False`` a separate ``lm_head.weight`` ``(vocab_size, d_model)`` is drawn ``N(0, std²)``.

    Parameters
    ----------
    n_layer, d_model, vocab_size, block_size : int
    std : float, default 0.02
    residual : str, default ``"scaled"``
        One of :data:`RESIDUAL_RULES`.
    mlp_ratio : int, default 4
    bias : bool, default True
        Whether Linear and LayerNorm layers carry biases.
    tie : bool, default True
    dtype : float32 or float64
    rng : None, int or ``numpy.random.Generator``

    Examples
    --------
    >>> p = gpt2_init(2, 16, 50, 8, rng=0)
    >>> p["transformer.h.1.mlp.c_proj.weight"].shape
    (16, 64)
    """
    n_layer = check_int(n_layer, "n_layer", 1)
    d = check_int(d_model, "d_model", 1)
    V = check_int(vocab_size, "vocab_size", 1)
    T = check_int(block_size, "block_size", 1)
    r = check_int(mlp_ratio, "mlp_ratio", 1)
    std = check_real(std, "std", positive=True)
    check_choice(residual, "residual", RESIDUAL_RULES)
    dt = check_float_dtype(dtype)
    gen = as_generator(rng)

    def normal(shape, s):
        if s == 0:
            return np.zeros(shape, dtype=dt)
        return (gen.standard_normal(shape, dtype=dt) * dt.type(s)).astype(dt, copy=False)

    def linear(prefix, n_out, n_in, s):
        params[f"{prefix}.weight"] = normal((n_out, n_in), s)
        if bias:
            params[f"{prefix}.bias"] = np.zeros(n_out, dtype=dt)

    def norm(prefix):
        params[f"{prefix}.weight"] = np.ones(d, dtype=dt)
        if bias:
            params[f"{prefix}.bias"] = np.zeros(d, dtype=dt)

    params: dict = {}
    params["transformer.wte.weight"] = normal((V, d), std)
    params["transformer.wpe.weight"] = normal((T, d), std)
    for i in range(n_layer):
        h = f"transformer.h.{i}"
        s_res = _residual_std(residual, std, n_layer, i)
        norm(f"{h}.ln_1")
        linear(f"{h}.attn.c_attn", 3 * d, d, std)
        linear(f"{h}.attn.c_proj", d, d, s_res)
        norm(f"{h}.ln_2")
        linear(f"{h}.mlp.c_fc", r * d, d, std)
        linear(f"{h}.mlp.c_proj", d, r * d, s_res)
    norm("transformer.ln_f")
    if not tie:
        params["lm_head.weight"] = normal((V, d), std)
    return params


def gpt2_init_rules(n_layer: int, *, std: float = 0.02, residual: str = "scaled") -> dict:
    """The laws :func:`gpt2_init` draws from, as ``{name pattern: expected}`` for ``check_init``.

    Patterns are shell-style (``fnmatch``) and the first match wins. An expected value is a
    standard deviation (mean 0) or a ``(mean, std)`` pair (``(1.0, 0.0)``: all ones).
    """
    n_layer = check_int(n_layer, "n_layer", 1)
    std = check_real(std, "std", positive=True)
    check_choice(residual, "residual", RESIDUAL_RULES)
    rules = {"*ln_*.weight": (1.0, 0.0), "*.bias": (0.0, 0.0)}
    if residual == "by_layer":
        for i in range(n_layer):
            rules[f"transformer.h.{i}.*c_proj.weight"] = float(_residual_std(residual, std, n_layer, i))
    else:
        rules["*c_proj.weight"] = float(_residual_std(residual, std, n_layer, 0))
    rules["*"] = std
    return rules


def full_batch_descent(weights, biases, X, y, activation, *, lr: float, steps: int):
    """Plain gradient descent on the whole data set, starting from the given parameters.

    Uses the MLP and the softmax cross-entropy of :func:`weightinit.train.loss_and_grads` (linear
    output layer last). The inputs are not modified.

    Returns
    -------
    weights, biases : list of ``ndarray``
        After ``steps`` updates.
    losses : ``ndarray``, shape (steps + 1,)
        Loss before each update and after the last.
    grad_norms : ``ndarray``, shape (steps + 1, L + 1)
        Frobenius norm of each layer's weight gradient at the same points.
    """
    from .train import loss_and_grads

    lr = check_real(lr, "lr", positive=True)
    steps = check_int(steps, "steps", 0)
    W = [np.array(w, dtype=float) for w in weights]
    b = [np.array(v, dtype=float) for v in biases]
    if len(W) != len(b) or not W:
        raise ValueError(f"give one bias per weight matrix; got {len(W)} weights and {len(b)} biases")
    losses, norms = [], []
    for step in range(steps + 1):
        value, gw, gb = loss_and_grads(W, b, X, y, activation)
        losses.append(value)
        norms.append([np.linalg.norm(g) for g in gw])
        if step == steps:
            break
        W = [w - lr * g for w, g in zip(W, gw)]
        b = [v - lr * g for v, g in zip(b, gb)]
    return W, b, np.array(losses), np.array(norms)
