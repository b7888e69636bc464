"""Residual networks and normalization layers at initialization.

What the chapter on residual networks computes: the variance of the residual stream of a stack of
blocks with the normalization placed nowhere, before the branch (pre-LN) or after the addition
(post-LN), with a closed-form or one-dimensional-quadrature counterpart; the per-layer weight
gradients of a plain MLP with batch normalization (whose gradients grow towards the input at
initialization, Yang et al. 2019); the depth scalings of Fixup (Zhang et al. 2019), DeepNorm
(Wang et al. 2022) and GPT-2 (Radford et al. 2019, as nanoGPT implements it); and a small
vectorised trainer that compares initializations of a deep residual MLP.

Blocks and conventions
----------------------
* A batch is ``(batch, n)``; a weight has PyTorch shape ``(out, in)``, so a layer is ``x @ W.T``.
* The block of :func:`residual_stack` has a one-layer branch ``F(u) = W f(u)`` with
  ``Var(W) = sigma_w2 / n`` (``sigma_w2 = 2`` is He's value for ReLU):

  - ``norm="none"``: ``h <- h + a * F(h)``;
  - ``norm="pre"``:  ``h <- h + a * F(LN(h))`` and a final ``LN`` on the output;
  - ``norm="post"``: ``h <- LN(h + a * F(h))``.

  ``a`` is the branch scale. Layer normalization has no learned gain or shift here (gain 1,
  shift 0, as at initialization) and ``eps = 1e-5`` (PyTorch's default).
* The loss of a backward pass is a fixed random read-out ``L = sum(E * out)`` with ``E``
  standard normal (as in :mod:`weightinit.simulate`); weight gradients are averaged over the batch.
* Every random draw takes ``rng`` (SPEC 7: None, an int seed or a ``numpy.random.Generator``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ._validation import as_generator, check_choice, check_int, check_real
from .activations import Activation, get_activation
from .theory import activation_second_moment
from .threads import blas_threads

__all__ = [
    "NORM_PLACEMENTS",
    "residual_stream_theory",
    "ResidualStack",
    "residual_stack",
    "residual_loss_and_grads",
    "layer_norm",
    "batch_norm",
    "BatchNormGradients",
    "batchnorm_mlp_gradients",
    "batchnorm_mlp_loss_and_grads",
    "fixup_scale",
    "deepnorm_constants",
    "gpt2_residual_std",
    "gpt2_mlp_stream",
    "gpt2_mlp_stream_theory",
    "RESIDUAL_SCHEMES",
    "init_residual_mlp",
    "teacher_task",
    "ResidualTraining",
    "train_residual_mlps",
]

NORM_PLACEMENTS = ("none", "pre", "post")
"""Where :func:`residual_stack` puts layer normalization: nowhere, before the branch, after the sum."""

LN_EPS = 1e-5


# ----------------------------------------------------------------------------- argument checks


def _check_nonneg(value, name: str) -> float:
    x = check_real(value, name)
    if x < 0:
        raise ValueError(f"{name} must be a finite real number >= 0; got {value!r}")
    return x


def _check_norm(norm) -> str:
    return check_choice(norm, "norm", NORM_PLACEMENTS)


# ----------------------------------------------------------------------------- normalization layers

def layer_norm(x, eps: float = LN_EPS):
    """Standardize each row of ``x`` (one input) over its columns (the units); gain 1, shift 0.

    Returns ``(y, sd)`` with ``y = (x - mean) / sd`` and ``sd = sqrt(var + eps)`` of shape
    ``(batch, 1)``, which the backward pass needs.
    """
    x = np.asarray(x, dtype=float)
    centred = x - x.mean(axis=-1, keepdims=True)
    sd = np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    return centred / sd, sd


def batch_norm(z, eps: float = LN_EPS):
    """Standardize each column of ``z`` (one unit) over its rows (the batch); gain 1, shift 0.

    Returns ``(y, sd)`` with ``sd`` of shape ``(1, n)``; training-mode statistics, as at the
    first step of training.
    """
    z = np.asarray(z, dtype=float)
    centred = z - z.mean(axis=0, keepdims=True)
    sd = np.sqrt((centred * centred).mean(axis=0, keepdims=True) + eps)
    return centred / sd, sd


def _norm_backward(g, y, sd, axis):
    """Gradient through ``y = (x - mean) / sd`` along ``axis``, given ``g = dL/dy``."""
    return (g - g.mean(axis=axis, keepdims=True) - y * (g * y).mean(axis=axis, keepdims=True)) / sd


# ----------------------------------------------------------------------------- residual stacks

def residual_stream_theory(depth, branch_scale=1.0, norm="none", activation="relu", *,
                           sigma_w2=2.0, input_var=1.0) -> np.ndarray:
    r"""Variance of the residual stream after each of ``depth`` blocks, in the infinite-width limit.

    The blocks are those of :func:`residual_stack` (one-layer branch ``W f(u)``,
    ``Var(W) = sigma_w2 / n``, branch scale :math:`\alpha`). With :math:`v_0` = ``input_var`` and
    :math:`M(q) = E[f(\sqrt q\,\xi)^2]`, :math:`\xi \sim N(0, 1)`:

    * ``"none"``: :math:`v_l = v_{l-1} + \alpha^2 \sigma_w^2 M(v_{l-1})`. For ReLU
      :math:`M(q) = q/2`, so :math:`v_L = v_0 (1 + \alpha^2 \sigma_w^2/2)^L`, which is
      :math:`(1+\alpha^2)^L v_0` with He's :math:`\sigma_w^2 = 2`; for the linear activation
      :math:`(1 + \alpha^2\sigma_w^2)^L v_0`; otherwise the recursion is evaluated with
      :func:`weightinit.theory.activation_second_moment`.
    * ``"pre"``: the branch sees a unit-variance input, so every block adds the same
      :math:`\alpha^2 \sigma_w^2 M(1)`: :math:`v_l = v_0 + l\,\alpha^2\sigma_w^2 M(1)` (linear in depth).
    * ``"post"``: the stream is the output of a layer normalization: :math:`v_l = 1` for
      :math:`l \ge 1`.

    Parameters
    ----------
    depth : int
        Number of blocks L >= 0.
    branch_scale : float, default 1.0
        :math:`\alpha` >= 0, the factor on every branch.
    norm : {"none", "pre", "post"}
    activation : str, default "relu"
        Any name of :func:`weightinit.activations.get_activation`.
    sigma_w2 : float, default 2.0
        :math:`n \operatorname{Var}(W)` of the branch weight, > 0.
    input_var : float, default 1.0
        :math:`v_0` > 0.

    Returns
    -------
    ``ndarray`` of shape ``(depth + 1,)``
        :math:`v_0, v_1, \dots, v_L` (take the square root for the standard deviation).
    """
    depth = check_int(depth, "depth", 0)
    alpha = _check_nonneg(branch_scale, "branch_scale")
    norm = _check_norm(norm)
    act = get_activation(activation)
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    v0 = check_real(input_var, "input_var", positive=True)
    k = alpha * alpha * sigma_w2
    layers = np.arange(depth + 1, dtype=float)
    if norm == "post":
        out = np.ones(depth + 1)
        out[0] = v0
        return out
    if norm == "pre":
        return v0 + layers * k * float(activation_second_moment(act, 1.0))
    if act.is_rectifier or act.name == "linear":
        gain = float(activation_second_moment(act, 1.0))  # M(q) = gain * q for these
        with np.errstate(over="ignore"):  # an exploding stream is inf, not an error
            return v0 * (1.0 + k * gain) ** layers
    out = np.empty(depth + 1)
    out[0] = v = v0
    for layer in range(1, depth + 1):
        v = v + k * float(activation_second_moment(act, v)) if math.isfinite(v) else v
        out[layer] = v
    return out


@dataclass
class ResidualStack:
    """One forward and backward pass through a stack of residual blocks (see :func:`residual_stack`).

    Attributes
    ----------
    norm : str
    branch_scale : float
    activation : ``Activation``
    sigma_w2 : float
    stream_var : ``ndarray`` (depth + 1,)
        Variance over all entries of the stream :math:`h^{[l]}`, ``l = 0..L`` (``l = 0`` is the input).
    weight_grad_norm : ``ndarray`` (depth,)
        Frobenius norm of :math:`\\partial L/\\partial W^{[l]}` of each block's branch weight.
    stream_grad_std : ``ndarray`` (depth + 1,)
        Standard deviation of :math:`\\partial L/\\partial h^{[l]}`.
    """

    norm: str
    branch_scale: float
    activation: Activation
    sigma_w2: float
    stream_var: np.ndarray
    weight_grad_norm: np.ndarray
    stream_grad_std: np.ndarray

    def theory(self) -> np.ndarray:
        """:func:`residual_stream_theory` for the same settings and the measured input variance."""
        return residual_stream_theory(len(self.weight_grad_norm), self.branch_scale, self.norm, self.activation,
                                      sigma_w2=self.sigma_w2, input_var=float(self.stream_var[0]))


def _draw_stack(gen: np.random.Generator, depth: int, width: int, batch_size: int, sigma_w2: float):
    """Weights N(0, sigma_w2 / width) of ``depth`` square layers, a standard normal batch and a
    standard normal readout direction, drawn in that order from ``gen``."""
    std = math.sqrt(sigma_w2 / width)
    weights = [gen.standard_normal((width, width)) * std for _ in range(depth)]
    return weights, gen.standard_normal((batch_size, width)), gen.standard_normal((batch_size, width))


def _forward_backward(weights, x, readout, alpha, norm, act, need_grads=True):
    """Forward through the stack, then back; returns loss, stream list, weight grads, stream grads."""
    stream = [x]
    cache = []
    h = x
    for w in weights:
        if norm == "none":
            u = h
            a = act(u)
            h = h + alpha * (a @ w.T)
            cache.append((u, a, None, None))
        elif norm == "pre":
            u, sd = layer_norm(h)
            a = act(u)
            h = h + alpha * (a @ w.T)
            cache.append((u, a, sd, None))
        else:  # post
            u = h
            a = act(u)
            h, sd = layer_norm(h + alpha * (a @ w.T))
            cache.append((u, a, sd, h))
        stream.append(h)
    if norm == "pre":
        out, sd_out = layer_norm(h)
    else:
        out, sd_out = h, None
    loss = float(np.sum(readout * out))
    if not need_grads:
        return loss, stream, None, None
    g = readout if sd_out is None else _norm_backward(readout, out, sd_out, -1)
    batch = x.shape[0]
    grads = [None] * len(weights)
    stream_grads = [None] * (len(weights) + 1)
    stream_grads[-1] = g
    for i in range(len(weights) - 1, -1, -1):
        w = weights[i]
        u, a, sd, y = cache[i]
        if norm == "post":
            g = _norm_backward(g, y, sd, -1)              # through LN to the sum h + a F(h)
        grads[i] = alpha * (g.T @ a) / batch
        du = alpha * (g @ w) * act.derivative(u)
        if norm == "pre":
            g = g + _norm_backward(du, u, sd, -1)
        else:
            g = g + du
        stream_grads[i] = g
    return loss, stream, grads, stream_grads


def residual_loss_and_grads(weights, x, readout, *, branch_scale=1.0, norm="none", activation="relu"):
    """Loss ``sum(readout * out)`` of a residual stack and its gradient for every branch weight.

    Parameters
    ----------
    weights : ``sequence`` of ``ndarray`` (n, n)
        One branch weight per block, PyTorch layout.
    x : ``ndarray`` (batch, n)
        Input of the first block.
    readout : ``ndarray`` (batch, n)
        The fixed ``E`` of the loss.
    branch_scale, norm, activation
        As in :func:`residual_stack`.

    Returns
    -------
    loss : float
    stream : list of ``ndarray``
        :math:`h^{[0]}, \\dots, h^{[L]}`.
    grads : list of ``ndarray``
        :math:`\\partial L/\\partial W^{[l]}` divided by the batch size.
    """
    alpha = _check_nonneg(branch_scale, "branch_scale")
    norm = _check_norm(norm)
    act = get_activation(activation)
    x = np.asarray(x, dtype=float)
    readout = np.asarray(readout, dtype=float)
    if x.ndim != 2 or readout.shape != x.shape:
        raise ValueError(f"x and readout must be 2-D arrays of the same shape (batch, n); got {x.shape} and "
                         f"{readout.shape}")
    n = x.shape[1]
    weights = [np.asarray(w, dtype=float) for w in weights]
    for i, w in enumerate(weights):
        if w.shape != (n, n):
            raise ValueError(f"weights[{i}] must have shape ({n}, {n}) to match x; got {w.shape}")
    loss, stream, grads, _ = _forward_backward(weights, x, readout, alpha, norm, act)
    return loss, stream, grads


def residual_stack(depth, width, *, branch_scale=1.0, norm="none", activation="relu", sigma_w2=2.0,
                   batch_size=128, rng=None) -> ResidualStack:
    """Draw a stack of residual blocks, push a Gaussian batch through it and back-propagate.

    Parameters
    ----------
    depth : int
        Number of blocks, >= 1.
    width : int
        Units n per layer, >= 2.
    branch_scale : float, default 1.0
        Factor on every branch, >= 0.
    norm : {"none", "pre", "post"}
        Where layer normalization goes (see the module's conventions).
    activation : str, default "relu"
    sigma_w2 : float, default 2.0
        Branch weights are drawn from :math:`N(0, \\sigma_w^2/n)`.
    batch_size : int, default 128
    rng : None, int or ``numpy.random.Generator``
        The weights are drawn first (block 1 to L), then the input (standard normal), then the read-out.

    Returns
    -------
    ResidualStack
    """
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 2)
    batch_size = check_int(batch_size, "batch_size", 2)
    alpha = _check_nonneg(branch_scale, "branch_scale")
    norm = _check_norm(norm)
    act = get_activation(activation)
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    weights, x, readout = _draw_stack(as_generator(rng), depth, width, batch_size, sigma_w2)
    with blas_threads(1), np.errstate(over="ignore", invalid="ignore"):
        _, stream, grads, stream_grads = _forward_backward(weights, x, readout, alpha, norm, act)
    return ResidualStack(
        norm=norm, branch_scale=alpha, activation=act, sigma_w2=sigma_w2,
        stream_var=np.array([h.var() for h in stream]),
        weight_grad_norm=np.array([np.linalg.norm(g) for g in grads]),
        stream_grad_std=np.array([g.std() for g in stream_grads]),
    )


# ----------------------------------------------------------------------------- batch normalization

@dataclass
class BatchNormGradients:
    """Per-layer gradients of a plain MLP with batch normalization (see :func:`batchnorm_mlp_gradients`).

    Attributes
    ----------
    activation : ``Activation``
    weight_grad_norm : ``ndarray`` (depth,)
        Frobenius norm of :math:`\\partial L/\\partial W^{[l]}`, layer 1 (input side) first.
    preact_std : ``ndarray`` (depth,)
        Standard deviation of each layer's normalized pre-activations (1 up to ``eps``).
    growth_per_layer : float
        :math:`\\exp(-s)`, where s is the least-squares slope of :math:`\\ln\\lVert\\partial L/\\partial W^{[l]}\\rVert`
        against l: the factor by which the gradient norm grows per layer towards the input.
    """

    activation: Activation
    weight_grad_norm: np.ndarray
    preact_std: np.ndarray
    growth_per_layer: float


def _bn_forward_backward(weights, x, readout, act, need_grads=True):
    h = x
    cache = []
    for w in weights:
        y, sd = batch_norm(h @ w.T)
        cache.append((h, y, sd))
        h = act(y)
    loss = float(np.sum(readout * h))
    if not need_grads:
        return loss, cache, None
    g = readout
    grads = [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        h_in, y, sd = cache[i]
        dz = _norm_backward(g * act.derivative(y), y, sd, 0)
        grads[i] = dz.T @ h_in / x.shape[0]
        g = dz @ weights[i]
    return loss, cache, grads


def batchnorm_mlp_loss_and_grads(weights, x, readout, activation="relu"):
    """Loss and weight gradients of ``h <- f(BN(h @ W.T))`` (no residual connection).

    Batch normalization uses the batch's statistics (training mode) with gain 1 and shift 0.
    ``weights`` is a sequence of ``(n_out, n_in)`` arrays; ``x`` is ``(batch, n_0)``; ``readout``
    has the shape of the last layer's output. Returns ``(loss, grads)``, the gradients divided by
    the batch size.
    """
    act = get_activation(activation)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be a 2-D array (batch, n) with batch >= 2; got shape {x.shape}")
    weights = [np.asarray(w, dtype=float) for w in weights]
    n = x.shape[1]
    for i, w in enumerate(weights):
        if w.ndim != 2 or w.shape[1] != n:
            raise ValueError(f"weights[{i}] must have shape (n_out, {n}); got {w.shape}")
        n = w.shape[0]
    readout = np.asarray(readout, dtype=float)
    if readout.shape != (x.shape[0], n):
        raise ValueError(f"readout must have shape {(x.shape[0], n)}; got {readout.shape}")
    loss, _, grads = _bn_forward_backward(weights, x, readout, act)
    return loss, grads


def batchnorm_mlp_gradients(depth, width, activation="relu", *, batch_size=128, sigma_w2=2.0,
                            rng=None) -> BatchNormGradients:
    """Weight-gradient norm of every layer of a deep MLP with batch normalization, at initialization.

    The network is ``h <- f(BN(h @ W.T))`` repeated ``depth`` times at constant ``width``, on a
    standard normal batch; the loss is a random read-out of the last layer. Batch normalization
    makes the forward pass independent of ``sigma_w2``; the gradients still grow towards the
    input at a rate set by the activation and the batch size (Yang et al. 2019).

    Parameters
    ----------
    depth : int, >= 2
    width : int, >= 2
    activation : str, default "relu"
    batch_size : int, default 128, >= 4
    sigma_w2 : float, default 2.0
        Weights are :math:`N(0, \\sigma_w^2/n)`; only the overall gradient scale depends on it.
    rng : None, int or ``numpy.random.Generator``
        Weights first (layer 1 to L), then the input, then the read-out.
    """
    depth = check_int(depth, "depth", 2)
    width = check_int(width, "width", 2)
    batch_size = check_int(batch_size, "batch_size", 4)
    act = get_activation(activation)
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    weights, x, readout = _draw_stack(as_generator(rng), depth, width, batch_size, sigma_w2)
    with blas_threads(1):
        _, cache, grads = _bn_forward_backward(weights, x, readout, act)
    norms = np.array([np.linalg.norm(g) for g in grads])
    slope = np.polyfit(np.arange(1, depth + 1), np.log(norms), 1)[0]
    return BatchNormGradients(activation=act, weight_grad_norm=norms,
                              preact_std=np.array([y.std() for _, y, _ in cache]),
                              growth_per_layer=float(np.exp(-slope)))


# ----------------------------------------------------------------------------- depth scalings

def fixup_scale(num_branches, branch_layers) -> float:
    r"""Fixup's factor :math:`L^{-1/(2m-2)}` on the weight layers of each residual branch but its last.

    Zhang, Dauphin & Ma (2019), "Fixup initialization", rule 2: with L residual branches of m
    weight layers each, draw the branch layers with a standard initialization (He), multiply all
    but the last by :math:`L^{-1/(2m-2)}`, and set the last one (and the classifier) to zero.
    ``branch_layers`` must be >= 2 (with one layer the rule has nothing to scale).
    """
    num_branches = check_int(num_branches, "num_branches", 1)
    m = check_int(branch_layers, "branch_layers", 2)
    return float(num_branches ** (-1.0 / (2 * m - 2)))


_DEEPNORM = {
    # architecture: (alpha(N, M), beta(N, M)); Wang et al. (2022), as microsoft/torchscale implements them
    "encoder": (lambda n, m: (2.0 * n) ** 0.25, lambda n, m: (8.0 * n) ** -0.25),
    "decoder": (lambda n, m: (2.0 * m) ** 0.25, lambda n, m: (8.0 * m) ** -0.25),
    "encoder-decoder/decoder": (lambda n, m: (3.0 * m) ** 0.25, lambda n, m: (12.0 * m) ** -0.25),
}


def deepnorm_constants(architecture, num_layers) -> tuple[float, float]:
    r"""DeepNorm's :math:`(\alpha, \beta)` (Wang et al. 2022, "DeepNet: Scaling Transformers to 1,000 Layers").

    A post-LN sub-layer becomes :math:`x \leftarrow \mathrm{LN}(\alpha x + G(x))` and, at
    initialization, the feed-forward weights and the value and output projections of attention
    are multiplied by :math:`\beta` (the queries and keys are not). With N layers
    (``num_layers``: encoder layers for ``"encoder"``, decoder layers otherwise):

    * ``"encoder"`` (encoder only) and ``"decoder"`` (decoder only, e.g. GPT-style):
      :math:`\alpha = (2N)^{1/4}`, :math:`\beta = (8N)^{-1/4}`;
    * ``"encoder-decoder/decoder"`` (the decoder of an encoder-decoder model):
      :math:`\alpha = (3N)^{1/4}`, :math:`\beta = (12N)^{-1/4}`.

    These are the constants of ``torchscale/architecture/{encoder,decoder}.py`` (microsoft/torchscale,
    commit 4d1e0e8, 2024-04), where the weights are divided by :math:`1/\beta`. The encoder of an
    encoder-decoder model, whose constants depend on both depths, is left out.
    """
    arch = check_choice(architecture, "architecture", tuple(_DEEPNORM))
    n = check_int(num_layers, "num_layers", 1)
    alpha, beta = _DEEPNORM[arch]
    return float(alpha(n, n)), float(beta(n, n))


def gpt2_residual_std(n_layer, std=0.02) -> float:
    r"""Standard deviation GPT-2 (as in nanoGPT's ``model.py``) gives the residual output projections.

    Every ``Linear`` and ``Embedding`` weight is drawn from :math:`N(0, \mathrm{std}^2)`; the two
    projections that write into the residual stream in each block (``attn.c_proj`` and
    ``mlp.c_proj``) use :math:`\mathrm{std}/\sqrt{2\,n_{\text{layer}}}`: there are
    :math:`2 n_{\text{layer}}` additions to the stream.
    """
    n_layer = check_int(n_layer, "n_layer", 1)
    std = check_real(std, "std", positive=True)
    return std / math.sqrt(2 * n_layer)


def _gelu_tanh_var_per_block(width, std, proj_std):
    from .theory import activation_second_moment as m2
    return 4 * width * proj_std ** 2 * float(m2("gelu_tanh", width * std ** 2))


def gpt2_mlp_stream_theory(depth, width, *, scaled=True, std=0.02, embed_std=0.02) -> np.ndarray:
    r"""Variance of a GPT-2-style pre-LN MLP stack's residual stream after each block, in theory.

    The stream starts as the sum of a token and a position embedding (each :math:`N(0, s_e^2)`, so
    :math:`v_0 = 2 s_e^2`). Block l adds ``c_proj(gelu_tanh(c_fc(LN(x))))`` with ``c_fc``
    ``(4d, d)`` drawn from :math:`N(0, s^2)` and ``c_proj`` ``(d, 4d)`` from :math:`N(0, s_p^2)`,
    :math:`s_p = s/\sqrt{2L}` when ``scaled`` (:func:`gpt2_residual_std`) and s otherwise. LN
    gives the branch a unit-variance input, so :math:`u = c_{fc} \mathrm{LN}(x)` has variance
    :math:`d s^2` and every block adds :math:`4 d\, s_p^2\, E[\mathrm{gelu}(u)^2]`:
    :math:`v_l = v_0 + l \cdot 4 d s_p^2 E[\mathrm{gelu}(u)^2]` (quadrature for the expectation).

    Returns an ``ndarray`` of shape ``(depth + 1,)``.
    """
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 2)
    std = check_real(std, "std", positive=True)
    embed_std = check_real(embed_std, "embed_std", positive=True)
    proj = gpt2_residual_std(depth, std) if scaled else std
    per_block = _gelu_tanh_var_per_block(width, std, proj)
    return 2 * embed_std ** 2 + per_block * np.arange(depth + 1)


def gpt2_mlp_stream(depth, width, *, scaled=True, std=0.02, embed_std=0.02, tokens=128, rng=None) -> np.ndarray:
    """Measured variance of the residual stream of the stack of :func:`gpt2_mlp_stream_theory`.

    Attention is left out: each block is ``x <- x + c_proj(gelu_tanh(c_fc(LN(x))))``. ``tokens``
    rows (distinct tokens at distinct positions) go through one draw of the weights. Draw order:
    token embeddings, position embeddings, then ``c_fc`` and ``c_proj`` of block 1 to L.

    Returns an ``ndarray`` of shape ``(depth + 1,)``: the variance over all entries of the stream
    before block 1 and after each block.
    """
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 2)
    tokens = check_int(tokens, "tokens", 2)
    std = check_real(std, "std", positive=True)
    embed_std = check_real(embed_std, "embed_std", positive=True)
    gen = as_generator(rng)
    proj = gpt2_residual_std(depth, std) if scaled else std
    gelu = get_activation("gelu_tanh")
    x = gen.standard_normal((tokens, width)) * embed_std + gen.standard_normal((tokens, width)) * embed_std
    out = [x.var()]
    with blas_threads(1):
        for _ in range(depth):
            w_fc = gen.standard_normal((4 * width, width)) * std
            w_proj = gen.standard_normal((width, 4 * width)) * proj
            y, _ = layer_norm(x)
            x = x + gelu(y @ w_fc.T) @ w_proj.T
            out.append(x.var())
    return np.array(out)


# ----------------------------------------------------------------------------- training a residual MLP

RESIDUAL_SCHEMES = ("he", "scaled", "fixup", "rezero")
"""Initializations of :func:`init_residual_mlp`."""


def init_residual_mlp(scheme, depth, width, hidden, *, rng=None) -> dict:
    r"""Parameters of a residual MLP ``x <- x + s * (relu((x + b1) W1^T + b2) W2^T) + b3``, read out by ``x w + c``.

    Every block has scalar biases ``b1, b2, b3`` (0) and a scalar multiplier ``s``; all are
    trained. ``W1`` is ``(hidden, width)``, ``W2`` is ``(width, hidden)``.

    * ``"he"``: W1 He-normal :math:`N(0, 2/d)`, W2 :math:`N(0, 1/\text{hidden})` (so that the branch keeps
      the variance: :math:`\operatorname{Var}(F(x)) = \operatorname{Var}(x)`, and each block doubles it), s = 1,
      read-out :math:`N(0, 1/d)`.
    * ``"scaled"``: as ``"he"`` with :math:`s = 1/\sqrt{L}` (the variance then stays below
      :math:`e\,v_0`).
    * ``"fixup"``: W1 He times :func:`fixup_scale` (L, 2) :math:`= L^{-1/2}`, W2 = 0, read-out
      w = 0, c = 0, s = 1 (Zhang et al. 2019).
    * ``"rezero"``: as ``"he"`` with s = 0 (Bachlechner et al. 2021; SkipInit of De & Smith 2020).

    Returns a dict of arrays ``W1 (L, hidden, width)``, ``W2 (L, width, hidden)``, ``b1, b2, b3,
    s (L,)``, ``w (width,)``, ``c ()``. Draw order: W1 and W2 of every block (W1 first), then w.
    """
    scheme = check_choice(scheme, "scheme", RESIDUAL_SCHEMES)
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 1)
    hidden = check_int(hidden, "hidden", 1)
    gen = as_generator(rng)
    w1 = gen.standard_normal((depth, hidden, width)) * math.sqrt(2.0 / width)
    w2 = gen.standard_normal((depth, width, hidden)) * math.sqrt(1.0 / hidden)
    w = gen.standard_normal(width) / math.sqrt(width)
    s = np.ones(depth)
    if scheme == "scaled":
        s[:] = 1.0 / math.sqrt(depth)
    elif scheme == "rezero":
        s[:] = 0.0
    elif scheme == "fixup":
        w1 *= fixup_scale(depth, 2)
        w2[:] = 0.0
        w[:] = 0.0
    return {"W1": w1, "W2": w2, "b1": np.zeros(depth), "b2": np.zeros(depth), "b3": np.zeros(depth),
            "s": s, "w": w, "c": np.zeros(())}


def teacher_task(n_samples, dim, *, rng=None):
    r"""Regression data ``(X, y)``: :math:`X \sim N(0, I_d)`, :math:`y = \tanh(X v)`, :math:`v \sim N(0, 4/d)`.

    The targets have a variance of about 0.6, so predicting 0 gives a mean squared error of about
    0.3 (with the ½ of :func:`train_residual_mlps`). Draw order: v, then X.
    """
    n_samples = check_int(n_samples, "n_samples", 1)
    dim = check_int(dim, "dim", 1)
    gen = as_generator(rng)
    v = gen.standard_normal(dim) * (2.0 / math.sqrt(dim))
    X = gen.standard_normal((n_samples, dim))
    return X, np.tanh(X @ v)


@dataclass
class ResidualTraining:
    """Loss curves of :func:`train_residual_mlps`.

    Attributes
    ----------
    labels : tuple of str
    lrs : ``ndarray``
    loss : ``ndarray`` (len(labels), len(lrs), steps + 1)
        Half the mean squared error: entries 0..steps-1 on the minibatch of each step, before the
        update; the last entry on the whole training set after the last step. ``inf`` from the
        step at which a run diverged (a non-finite or > 1e6 loss).
    """

    labels: tuple
    lrs: np.ndarray
    loss: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """Final loss of every run, ``(len(labels), len(lrs))``."""
        return self.loss[:, :, -1]

    @property
    def diverged(self) -> np.ndarray:
        """True where a run diverged."""
        return ~np.isfinite(self.final)


_PARAM_KEYS = ("W1", "W2", "b1", "b2", "b3", "s", "w", "c")


def _mlp_forward(p, X, keep):
    """Forward for R runs at once: p holds arrays with a leading run axis; X is (B, d)."""
    x = np.broadcast_to(X, (p["W1"].shape[0],) + X.shape)
    cache = []
    for l in range(p["W1"].shape[1]):
        xin = x + p["b1"][:, l, None, None]
        z = xin @ np.swapaxes(p["W1"][:, l], 1, 2) + p["b2"][:, l, None, None]
        u = np.maximum(z, 0.0)
        f = u @ np.swapaxes(p["W2"][:, l], 1, 2)
        x = x + p["s"][:, l, None, None] * f + p["b3"][:, l, None, None]
        if keep:
            cache.append((xin, z, u, f))
    out = x @ p["w"][:, :, None]
    return out[..., 0] + p["c"][:, None], x, cache


def _mlp_grads(p, X, y):
    pred, xl, cache = _mlp_forward(p, X, True)
    loss = 0.5 * ((pred - y) ** 2).mean(axis=1)
    gy = (pred - y) / X.shape[0]                         # d(½ mean sq. err.)/d pred, (R, B)
    g = {"w": np.einsum("rb,rbd->rd", gy, xl), "c": gy.sum(axis=1)}
    gx = gy[..., None] * p["w"][:, None, :]
    for key in ("W1", "W2", "b1", "b2", "b3", "s"):
        g[key] = np.zeros_like(p[key])
    for l in range(p["W1"].shape[1] - 1, -1, -1):
        xin, z, u, f = cache[l]
        g["b3"][:, l] = gx.sum(axis=(1, 2))
        g["s"][:, l] = np.einsum("rbd,rbd->r", gx, f)
        mg = p["s"][:, l, None, None] * gx
        g["W2"][:, l] = np.swapaxes(mg, 1, 2) @ u
        du = (mg @ p["W2"][:, l]) * (z > 0)
        g["b2"][:, l] = du.sum(axis=(1, 2))
        g["W1"][:, l] = np.swapaxes(du, 1, 2) @ xin
        dx = du @ p["W1"][:, l]
        g["b1"][:, l] = dx.sum(axis=(1, 2))
        gx = gx + dx
    return loss, g


def train_residual_mlps(inits: Mapping[str, dict], X, y, *, lrs: Sequence[float] = (0.01,), steps=200,
                        batch_size=64, rng=None) -> ResidualTraining:
    """Train residual MLPs of :func:`init_residual_mlp` with plain SGD, every (init, learning rate) pair at once.

    All runs are vectorised along a leading axis and see the same minibatches; the loss is half
    the mean squared error. A run whose minibatch loss (or final loss on the whole set) becomes
    non-finite or exceeds 1e6 is marked diverged (``inf`` from then on) and frozen.

    Parameters
    ----------
    inits : dict ``{label: parameters}``
        Outputs of :func:`init_residual_mlp` with the same depth, width and hidden size.
    X : ``ndarray`` (n_samples, width)
    y : ``ndarray`` (n_samples,)
    lrs : ``sequence`` of float
        Learning rates, each > 0.
    steps : int, default 200
    batch_size : int, default 64
    rng : None, int or ``numpy.random.Generator``
        Draws the minibatch indices (without replacement within a step).
    """
    if not isinstance(inits, Mapping) or not inits:
        raise TypeError("inits must be a non-empty dict {label: parameters from init_residual_mlp}")
    labels = tuple(inits)
    shapes = None
    for label in labels:
        p = inits[label]
        if not isinstance(p, Mapping) or set(p) != set(_PARAM_KEYS):
            raise ValueError(f"inits[{label!r}] must be a dict with keys {_PARAM_KEYS} (from init_residual_mlp)")
        s = {k: np.shape(p[k]) for k in _PARAM_KEYS}
        if shapes is None:
            shapes = s
        elif s != shapes:
            raise ValueError(f"inits[{label!r}] has shapes {s}, unlike the first ({shapes}): use one depth, "
                             "width and hidden size")
    lr_arr = np.array([check_real(v, "lrs entry", positive=True) for v in lrs], dtype=float)
    if lr_arr.size == 0:
        raise ValueError("lrs must name at least one learning rate")
    steps = check_int(steps, "steps", 1)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    width = shapes["w"][0]
    if X.ndim != 2 or X.shape[1] != width or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n_samples, {width}) and y (n_samples,); got {X.shape} and {y.shape}")
    batch_size = check_int(batch_size, "batch_size", 1)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be <= n_samples ({X.shape[0]}); got {batch_size}")
    gen = as_generator(rng)
    n_l, n_r = len(labels), lr_arr.size
    params = {k: np.stack([np.array(inits[lab][k], dtype=float) for lab in labels for _ in lr_arr])
              for k in _PARAM_KEYS}
    lr_run = np.tile(lr_arr, n_l)
    alive = np.ones(n_l * n_r, dtype=bool)
    losses = np.full((n_l * n_r, steps + 1), np.inf)

    with blas_threads(1), np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            idx = gen.choice(X.shape[0], size=batch_size, replace=False)
            current, grads = _mlp_grads(params, X[idx], y[idx])
            alive &= np.isfinite(current) & (current <= 1e6)
            losses[alive, step] = current[alive]
            if not alive.any():
                break
            for k in _PARAM_KEYS:
                shape = (-1,) + (1,) * (params[k].ndim - 1)
                step_size = np.where(alive, lr_run, 0.0).reshape(shape)
                update = np.where(np.isfinite(grads[k]), grads[k], 0.0)
                params[k] = params[k] - step_size * update
        pred, _, _ = _mlp_forward(params, X, False)
        current = 0.5 * ((pred - y) ** 2).mean(axis=1)
        alive &= np.isfinite(current) & (current <= 1e6)
        losses[alive, steps] = current[alive]
    return ResidualTraining(labels=labels, lrs=lr_arr, loss=losses.reshape(n_l, n_r, steps + 1))
