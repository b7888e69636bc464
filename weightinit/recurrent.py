r"""Recurrent networks: framework initializations, gradients through time, and their theory.

A recurrent layer applies the same matrix at every time step,

.. math::

   h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}),

so a gradient that travels back :math:`T` steps is multiplied by :math:`T` Jacobians that share
:math:`W_{hh}`. This module builds the parameters the frameworks use (:func:`init_rnn`), runs a
vanilla RNN or an LSTM forward and back through time over a batch (:func:`rnn_bptt`,
:func:`lstm_bptt`), and gives the closed forms the chapter compares them with
(:func:`power_singular_values`, :func:`spectral_radius`, :func:`forget_time_scale`).

Every array uses PyTorch's layout and gate order: ``weight_ih`` has shape
``(gates * hidden, input)``, ``weight_hh`` ``(gates * hidden, hidden)``, the LSTM gates are
stacked as input, forget, cell, output (``i, f, g, o``), and there are two bias vectors
``bias_ih`` and ``bias_hh`` whose sum is the bias of the cell. Schemes with a single bias
(Keras, Flax) put it in ``bias_ih`` and leave ``bias_hh`` at zero. Time runs along the first
axis of the inputs: ``x`` has shape ``(T, batch, input)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_generator, check_choice, check_float_dtype, check_real
from .activations import get_activation
from .initializers import glorot_uniform, lecun_normal, orthogonal, random_normal, random_uniform

__all__ = [
    "CELLS",
    "SCHEMES",
    "GATES",
    "init_rnn",
    "gate_slice",
    "rnn_bptt",
    "lstm_bptt",
    "BPTTResult",
    "spectral_radius",
    "power_singular_values",
    "forget_time_scale",
    "forget_bias_for_time_scale",
    "lstm_zero_state_jacobian",
]

CELLS = ("rnn", "lstm")
"""Cell types of :func:`init_rnn`, a vanilla (Elman) RNN or an LSTM."""

SCHEMES = ("pytorch", "keras", "flax", "irnn", "orthogonal", "gaussian")
"""Initialization schemes of :func:`init_rnn`."""

GATES = ("i", "f", "g", "o")
"""Gate order of the LSTM in PyTorch and in Keras (input, forget, cell candidate, output)."""


def _check_size(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int; got {type(value).__name__} ({value!r})")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return int(value)


def gate_slice(gate: str, hidden: int) -> slice:
    """Rows of ``weight_ih``/``weight_hh`` (and entries of the biases) that belong to one LSTM gate.

    Parameters
    ----------
    gate : ``"i"``, ``"f"``, ``"g"`` or ``"o"``
        Input, forget, cell-candidate or output gate (PyTorch's and Keras' order).
    hidden : int
        Hidden size :math:`H`.

    Returns
    -------
    slice
        ``slice(k * H, (k + 1) * H)`` for the ``k``-th gate; the forget gate is ``[H:2H]``.
    """
    check_choice(gate, "gate", GATES)
    hidden = _check_size(hidden, "hidden")
    k = GATES.index(gate)
    return slice(k * hidden, (k + 1) * hidden)


def init_rnn(
    hidden,
    input_size,
    *,
    cell="rnn",
    scheme="pytorch",
    gain=1.0,
    forget_bias=None,
    input_std=None,
    rng=None,
    dtype=np.float64,
) -> dict:
    r"""Parameters of one recurrent layer as a framework (or a paper) initializes them.

    Parameters
    ----------
    hidden : int
        Hidden size :math:`H`.
    input_size : int
        Size of each input vector :math:`x_t`.
    cell : ``"rnn"`` or ``"lstm"``, default ``"rnn"``
        Vanilla RNN (one block of :math:`H` rows) or LSTM (four blocks ``i, f, g, o``).
    scheme : str, default ``"pytorch"``
        One of :data:`SCHEMES`:

        * ``"pytorch"``: ``nn.RNN``/``nn.LSTM``'s ``reset_parameters``: every weight and both
          biases from :math:`U(\pm 1/\sqrt H)` (variance :math:`1/(3H)` each, so the summed
          bias has variance :math:`2/(3H)`).
        * ``"keras"``: ``SimpleRNN``/``LSTM`` (Keras 3): kernel ``glorot_uniform`` of the Keras
          kernel ``(input, gates * H)``, recurrent kernel ``orthogonal`` of the whole
          ``(H, gates * H)`` matrix (so for an LSTM each gate's :math:`H \times H` block is a
          quarter of an orthogonal matrix, not orthogonal itself), bias zeros, and for an
          LSTM ``unit_forget_bias=True``: the forget-gate bias is 1.
        * ``"flax"``: ``SimpleCell``/``LSTMCell`` (Flax linen): one dense layer per gate;
          input kernels ``lecun_normal`` (truncated normal, variance :math:`1/\text{input}`),
          recurrent kernels ``orthogonal`` per gate (each :math:`H\times H` block orthogonal),
          one bias per gate, zeros; no forget bias.
        * ``"irnn"`` (vanilla RNN only; Le, Jaitly & Hinton 2015): :math:`W_{hh} = \text{gain}\cdot I`,
          input weights :math:`N(0, \text{input\_std}^2)` (default ``input_std = 0.001``), biases 0.
        * ``"orthogonal"``: each recurrent block ``gain`` times a random orthogonal matrix,
          input weights :math:`N(0, 1/\text{input})`, biases 0.
        * ``"gaussian"``: recurrent weights :math:`N(0, \text{gain}^2/H)`, input weights
          :math:`N(0, 1/\text{input})`, biases 0.
    gain : float, default 1.0
        Scale of the recurrent matrix for ``"irnn"``, ``"orthogonal"`` and ``"gaussian"``; the
        framework schemes refuse any other value than 1.
    forget_bias : float, optional
        LSTM only: the forget gate's total bias (``bias_ih[f] + bias_hh[f]``). ``None`` keeps
        the scheme's own (1 for ``"keras"``, a random draw for ``"pytorch"``, 0 otherwise).
        When given, ``bias_ih[f]`` is set to it and ``bias_hh[f]`` to 0.
    input_std : float, optional
        Standard deviation of the input weights; only ``"irnn"``, ``"orthogonal"`` and
        ``"gaussian"`` accept it.
    rng : None, int or ``numpy.random.Generator``
        Source of randomness (SPEC 7).
    dtype : ``numpy.float32`` or ``numpy.float64``, default ``numpy.float64``

    Returns
    -------
    dict
        ``{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}`` in PyTorch's layout and gate order.

    Raises
    ------
    TypeError, ValueError
        For a bad size, cell, scheme, gain, bias, ``input_std`` or ``rng``, and for
        combinations that a scheme does not have (``"irnn"`` with an LSTM, a forget bias for a
        vanilla RNN, a gain other than 1 for a framework scheme).

    References
    ----------
    * Q. V. Le, N. Jaitly and G. E. Hinton, "A simple way to initialize recurrent networks of
      rectified linear units", arXiv:1504.00941, 2015.
    * R. Jozefowicz, W. Zaremba and I. Sutskever, "An empirical exploration of recurrent
      network architectures", ICML 2015.
    """
    hidden = _check_size(hidden, "hidden")
    input_size = _check_size(input_size, "input_size")
    check_choice(cell, "cell", CELLS)
    check_choice(scheme, "scheme", SCHEMES)
    gain = check_real(gain, "gain", positive=True)
    dtype = check_float_dtype(dtype)
    gen = as_generator(rng)
    if scheme in ("pytorch", "keras", "flax") and gain != 1.0:
        raise ValueError(f"gain applies to the 'irnn', 'orthogonal' and 'gaussian' schemes; "
                         f"scheme {scheme!r} has no gain (got gain={gain!r})")
    if scheme == "irnn" and cell != "rnn":
        raise ValueError("scheme 'irnn' is defined for cell='rnn' (ReLU RNN) only; "
                         "for an LSTM use 'pytorch', 'keras', 'flax', 'orthogonal' or 'gaussian'")
    if forget_bias is not None:
        if cell != "lstm":
            raise ValueError("forget_bias applies to cell='lstm' only: a vanilla RNN has no forget gate")
        forget_bias = check_real(forget_bias, "forget_bias")
    if input_std is not None:
        if scheme not in ("irnn", "orthogonal", "gaussian"):
            raise ValueError(f"input_std applies to the 'irnn', 'orthogonal' and 'gaussian' schemes; "
                             f"scheme {scheme!r} fixes its own input weights")
        input_std = check_real(input_std, "input_std", positive=True)

    n_gates = 4 if cell == "lstm" else 1
    rows = n_gates * hidden
    bias_ih = np.zeros(rows, dtype=dtype)
    bias_hh = np.zeros(rows, dtype=dtype)

    if scheme == "pytorch":
        bound = 1.0 / math.sqrt(hidden)
        weight_ih = random_uniform((rows, input_size), bound, rng=gen, dtype=dtype)
        weight_hh = random_uniform((rows, hidden), bound, rng=gen, dtype=dtype)
        bias_ih = gen.uniform(-bound, bound, rows).astype(dtype)
        bias_hh = gen.uniform(-bound, bound, rows).astype(dtype)
    elif scheme == "keras":
        # Keras kernels are (input, gates*H) and (H, gates*H); PyTorch's layout is the transpose.
        weight_ih = glorot_uniform((input_size, rows), layout="keras", rng=gen, dtype=dtype).T.copy()
        weight_hh = orthogonal((hidden, rows), layout="keras", rng=gen, dtype=dtype).T.copy()
        if cell == "lstm":
            bias_ih[gate_slice("f", hidden)] = 1.0  # unit_forget_bias=True
    elif scheme == "flax":
        weight_ih = np.concatenate(
            [lecun_normal((input_size, hidden), layout="keras", rng=gen, dtype=dtype).T for _ in range(n_gates)])
        weight_hh = np.concatenate(
            [orthogonal((hidden, hidden), layout="keras", rng=gen, dtype=dtype).T for _ in range(n_gates)])
    else:
        std_in = input_std if input_std is not None else (0.001 if scheme == "irnn" else 1.0 / math.sqrt(input_size))
        weight_ih = random_normal((rows, input_size), std_in, rng=gen, dtype=dtype)
        if scheme == "irnn":
            weight_hh = gain * np.eye(hidden, dtype=dtype)
        elif scheme == "orthogonal":
            weight_hh = np.concatenate([orthogonal((hidden, hidden), gain, rng=gen, dtype=dtype)
                                        for _ in range(n_gates)])
        else:
            weight_hh = random_normal((rows, hidden), gain / math.sqrt(hidden), rng=gen, dtype=dtype)

    if forget_bias is not None:
        f = gate_slice("f", hidden)
        bias_ih[f] = forget_bias
        bias_hh[f] = 0.0
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}


@dataclass(frozen=True)
class BPTTResult:
    """Forward states and backward gradients of one run through time.

    Attributes
    ----------
    grad_norm : ``numpy.ndarray``, shape ``(T + 1, batch)``
        :math:`\\lVert \\partial L/\\partial h_t\\rVert` for :math:`t = 0, \\dots, T`, one column
        per sequence; the loss is scaled so that the gradient at the read-out state has norm 1.
    grad_h0 : ``numpy.ndarray``, shape ``(batch, hidden)``
        :math:`\\partial L/\\partial h_0`.
    h : ``numpy.ndarray``, shape ``(T + 1, batch, hidden)``
        Hidden states :math:`h_0, \\dots, h_T`.
    cell_grad_norm : ``numpy.ndarray`` or None, shape ``(T + 1, batch)``
        LSTM only: :math:`\\lVert \\partial L/\\partial c_t\\rVert`.
    grad_c0 : ``numpy.ndarray`` or None, shape ``(batch, hidden)``
        LSTM only: :math:`\\partial L/\\partial c_0`.
    c : ``numpy.ndarray`` or None, shape ``(T + 1, batch, hidden)``
        LSTM only: cell states :math:`c_0, \\dots, c_T`.
    forget : ``numpy.ndarray`` or None, shape ``(T, batch, hidden)``
        LSTM only: forget-gate values :math:`f_1, \\dots, f_T`.
    u : ``numpy.ndarray`` or None, shape ``(batch, hidden)``
        The unit vectors :math:`u` of the loss :math:`L = \\langle u, \\cdot\\rangle` read at step ``T``.
    """

    grad_norm: np.ndarray
    grad_h0: np.ndarray
    h: np.ndarray
    cell_grad_norm: np.ndarray | None = None
    grad_c0: np.ndarray | None = None
    c: np.ndarray | None = None
    forget: np.ndarray | None = None
    u: np.ndarray | None = None

    def mean_grad_norm(self, which: str = "h") -> np.ndarray:
        """Mean over the batch of the gradient norm at each step ``t = 0..T`` (``which``: ``"h"`` or ``"c"``)."""
        check_choice(which, "which", ("h", "c"))
        if which == "c":
            if self.cell_grad_norm is None:
                raise ValueError("which='c' needs an LSTM run; a vanilla RNN has no cell state")
            return self.cell_grad_norm.mean(axis=1)
        return self.grad_norm.mean(axis=1)


def _check_params(params, hidden_rows_per_gate: int | None = None):
    if not isinstance(params, dict):
        raise TypeError(f"params must be the dict returned by init_rnn; got {type(params).__name__}")
    missing = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"} - set(params)
    if missing:
        raise ValueError(f"params lacks {sorted(missing)}; expected weight_ih, weight_hh, bias_ih, bias_hh")
    w_ih, w_hh = np.asarray(params["weight_ih"], float), np.asarray(params["weight_hh"], float)
    b = np.asarray(params["bias_ih"], float) + np.asarray(params["bias_hh"], float)
    if w_hh.ndim != 2 or w_ih.ndim != 2:
        raise ValueError("weight_ih and weight_hh must be 2-D arrays")
    hidden = w_hh.shape[1]
    gates = w_hh.shape[0] // max(hidden, 1)
    if hidden_rows_per_gate is not None and w_hh.shape[0] != hidden_rows_per_gate * hidden:
        kind = "an LSTM (4*hidden rows)" if hidden_rows_per_gate == 4 else "a vanilla RNN (hidden rows)"
        raise ValueError(f"weight_hh has shape {w_hh.shape}; {kind} needs ({hidden_rows_per_gate * hidden}, {hidden})")
    if w_ih.shape[0] != w_hh.shape[0] or b.shape != (w_hh.shape[0],):
        raise ValueError(f"inconsistent shapes: weight_ih {w_ih.shape}, weight_hh {w_hh.shape}, bias {b.shape}")
    return w_ih, w_hh, b, hidden, gates


def _check_inputs(x, input_size: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 3 or x.shape[2] != input_size or x.shape[0] < 1:
        raise ValueError(f"x must have shape (T, batch, {input_size}) with T >= 1; got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinity")
    return x


def _check_state(state, batch: int, hidden: int, name: str) -> np.ndarray:
    if state is None:
        return np.zeros((batch, hidden))
    state = np.asarray(state, dtype=float)
    if state.shape != (batch, hidden):
        raise ValueError(f"{name} must have shape (batch, hidden) = ({batch}, {hidden}); got {state.shape}")
    return state


def _readout(gen, batch: int, hidden: int) -> np.ndarray:
    """Random unit vectors u: the loss is L = sum over the batch of <u, state_T>."""
    u = gen.standard_normal((batch, hidden))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def rnn_bptt(params, x, *, activation="tanh", h0=None, rng=None) -> BPTTResult:
    r"""Run a vanilla RNN forward over ``T`` steps and back-propagate a loss read at the last step.

    Forward: :math:`h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})` for
    :math:`t = 1, \dots, T`. The loss of each sequence is :math:`L = \langle u, h_T\rangle` with
    a random unit vector :math:`u`, so :math:`\partial L/\partial h_T = u` has norm 1 and
    :math:`\lVert\partial L/\partial h_t\rVert` is the factor by which the gradient has grown or
    shrunk after travelling :math:`T - t` steps back:

    .. math::

       \frac{\partial L}{\partial h_{t-1}} = W_{hh}^\top \Bigl(f'(z_t) \odot \frac{\partial L}{\partial h_t}\Bigr).

    Parameters
    ----------
    params : dict
        From :func:`init_rnn` with ``cell="rnn"``.
    x : array, shape ``(T, batch, input)``
    activation : str, default ``"tanh"``
        Any name of :func:`weightinit.activations.get_activation` (``"tanh"``, ``"relu"``,
        ``"linear"`` ...).
    h0 : array, shape ``(batch, hidden)``, optional
        Initial state; zeros by default.
    rng : None, int or ``numpy.random.Generator``
        Draws the read-out vectors :math:`u` (SPEC 7).

    Returns
    -------
    BPTTResult
    """
    w_ih, w_hh, b, hidden, _ = _check_params(params, 1)
    x = _check_inputs(x, w_ih.shape[1])
    act = get_activation(activation)
    steps, batch = x.shape[:2]
    h = np.empty((steps + 1, batch, hidden))
    z = np.empty((steps, batch, hidden))
    h[0] = _check_state(h0, batch, hidden, "h0")
    drive = x @ w_ih.T + b  # (T, batch, H): the input part of every step at once
    for t in range(steps):
        z[t] = drive[t] + h[t] @ w_hh.T
        h[t + 1] = act(z[t])
    u = _readout(as_generator(rng), batch, hidden)
    grad = u
    norms = np.empty((steps + 1, batch))
    norms[steps] = np.linalg.norm(grad, axis=1)
    for t in range(steps - 1, -1, -1):
        grad = (act.derivative(z[t]) * grad) @ w_hh
        norms[t] = np.linalg.norm(grad, axis=1)
    return BPTTResult(grad_norm=norms, grad_h0=grad, h=h, u=u)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow warning for large |z|


def lstm_bptt(params, x, *, h0=None, c0=None, readout="c", rng=None) -> BPTTResult:
    r"""Run an LSTM forward over ``T`` steps and back-propagate a loss read at the last step.

    The cell is PyTorch's (gate order ``i, f, g, o``):

    .. math::

       (i, f, g, o) = (\sigma, \sigma, \tanh, \sigma)(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}),

       c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot \tanh c_t.

    The loss of each sequence is :math:`L = \langle u, c_T\rangle` (``readout="c"``) or
    :math:`\langle u, h_T\rangle` (``readout="h"``) with a random unit vector :math:`u`. The
    backward pass is exact and includes every path (through the gates and through
    :math:`h_{t-1}`), not only the direct cell path :math:`\partial c_t/\partial c_{t-1} = f_t`.

    Parameters
    ----------
    params : dict
        From :func:`init_rnn` with ``cell="lstm"``.
    x : array, shape ``(T, batch, input)``
    h0, c0 : array, shape ``(batch, hidden)``, optional
        Initial states; zeros by default.
    readout : ``"c"`` or ``"h"``, default ``"c"``
    rng : None, int or ``numpy.random.Generator``
        Draws the read-out vectors (SPEC 7).

    Returns
    -------
    BPTTResult
        With ``cell_grad_norm``, ``grad_c0``, ``c`` and ``forget`` filled in.
    """
    w_ih, w_hh, b, hidden, _ = _check_params(params, 4)
    x = _check_inputs(x, w_ih.shape[1])
    check_choice(readout, "readout", ("c", "h"))
    steps, batch = x.shape[:2]
    H = hidden
    h = np.empty((steps + 1, batch, H))
    c = np.empty((steps + 1, batch, H))
    gates = np.empty((steps, batch, 4 * H))  # activated i, f, g, o
    h[0] = _check_state(h0, batch, H, "h0")
    c[0] = _check_state(c0, batch, H, "c0")
    drive = x @ w_ih.T + b
    for t in range(steps):
        a = drive[t] + h[t] @ w_hh.T
        gt = gates[t]
        gt[:, :2 * H] = _sigmoid(a[:, :2 * H])
        gt[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
        gt[:, 3 * H:] = _sigmoid(a[:, 3 * H:])
        c[t + 1] = gt[:, H:2 * H] * c[t] + gt[:, :H] * gt[:, 2 * H:3 * H]
        h[t + 1] = gt[:, 3 * H:] * np.tanh(c[t + 1])

    u = _readout(as_generator(rng), batch, H)
    dh = np.zeros((batch, H)) if readout == "c" else u
    dc = u if readout == "c" else np.zeros((batch, H))
    h_norm = np.empty((steps + 1, batch))
    c_norm = np.empty((steps + 1, batch))
    da = np.empty((batch, 4 * H))
    for t in range(steps, 0, -1):
        h_norm[t], c_norm[t] = np.linalg.norm(dh, axis=1), np.linalg.norm(dc, axis=1)
        gt = gates[t - 1]
        i, f, g, o = gt[:, :H], gt[:, H:2 * H], gt[:, 2 * H:3 * H], gt[:, 3 * H:]
        tc = np.tanh(c[t])
        dc_total = dc + dh * o * (1.0 - tc**2)
        da[:, :H] = dc_total * g * i * (1.0 - i)
        da[:, H:2 * H] = dc_total * c[t - 1] * f * (1.0 - f)
        da[:, 2 * H:3 * H] = dc_total * i * (1.0 - g**2)
        da[:, 3 * H:] = dh * tc * o * (1.0 - o)
        dc = dc_total * f
        dh = da @ w_hh
    h_norm[0], c_norm[0] = np.linalg.norm(dh, axis=1), np.linalg.norm(dc, axis=1)
    return BPTTResult(grad_norm=h_norm, grad_h0=dh, h=h, cell_grad_norm=c_norm, grad_c0=dc, c=c,
                      forget=gates[:, :, H:2 * H].copy(), u=u)


def _check_square(w, name="w") -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix; got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or infinity")
    return w


def spectral_radius(w) -> float:
    r"""Largest absolute eigenvalue :math:`\rho(W)` of a square matrix.

    By Gelfand's formula :math:`\lVert W^t\rVert^{1/t} \to \rho(W)`: over many steps of a
    *linear* RNN the largest gradient norm behaves like :math:`\rho(W)^t`.
    """
    return float(np.max(np.abs(np.linalg.eigvals(_check_square(w)))))


def power_singular_values(w, steps) -> np.ndarray:
    r"""Singular values of :math:`W^t` for each ``t`` in ``steps`` (largest first).

    For a linear RNN :math:`h_t = W h_{t-1}` the gradient after :math:`t` steps back is
    :math:`(W^\top)^t\, \partial L/\partial h_T`, whose norm lies between the smallest and the
    largest singular value of :math:`W^t` (those of :math:`(W^\top)^t` are the same).

    Parameters
    ----------
    w : array, shape ``(n, n)``
    steps : int or sequence of non-negative int
        Powers to compute, in any order.

    Returns
    -------
    ``numpy.ndarray``, shape ``(len(steps), n)``
    """
    w = _check_square(w)
    steps_list = [steps] if isinstance(steps, (int, np.integer)) else list(steps)
    if not steps_list:
        raise ValueError("steps must name at least one power")
    for s in steps_list:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"steps must be non-negative ints; got {s!r}")
    out = np.empty((len(steps_list), w.shape[0]))
    for k, s in enumerate(steps_list):
        out[k] = np.linalg.svd(np.linalg.matrix_power(w, int(s)), compute_uv=False)
    return out


def forget_time_scale(forget_bias) -> np.ndarray | float:
    r"""Memory time scale of an LSTM cell whose forget gate sits at :math:`\sigma(b_f)`.

    Along the direct cell path :math:`c_t = f_t c_{t-1} + \dots`, a constant forget gate
    :math:`f = \sigma(b_f)` multiplies the memory (and the gradient) by :math:`f^k` after
    :math:`k` steps, i.e. :math:`e^{-k/\tau}` with

    .. math::

       \tau = \frac{-1}{\ln \sigma(b_f)} = \frac{1}{\ln(1 + e^{-b_f})}
       \approx \frac{1}{1 - \sigma(b_f)} = 1 + e^{b_f} \quad (b_f \gg 0).

    Parameters
    ----------
    forget_bias : float or array of float

    Returns
    -------
    float or ``numpy.ndarray``
        :math:`\tau` in time steps (same shape as ``forget_bias``).
    """
    b = np.asarray(forget_bias, dtype=float)
    if not np.all(np.isfinite(b)):
        raise ValueError(f"forget_bias must be finite; got {forget_bias!r}")
    tau = 1.0 / np.log1p(np.exp(-b))
    return float(tau) if tau.ndim == 0 else tau


def forget_bias_for_time_scale(time_scale) -> np.ndarray | float:
    r"""Forget-gate bias whose gate value :math:`\sigma(b_f)` gives :math:`1/(1 - \sigma(b_f))` = ``time_scale``.

    :math:`b_f = \ln(T - 1)`. This is the rule behind chrono initialization (Tallec & Ollivier
    2018), which draws :math:`b_f = \ln U(1, T_\text{max} - 1)` per unit so that the time
    scales spread up to :math:`T_\text{max}`.

    Parameters
    ----------
    time_scale : float or array of float, each > 1
    """
    t = np.asarray(time_scale, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t <= 1):
        raise ValueError(f"time_scale must be finite and > 1 step; got {time_scale!r}")
    b = np.log(t - 1.0)
    return float(b) if b.ndim == 0 else b


def lstm_zero_state_jacobian(params) -> np.ndarray:
    r"""Jacobian :math:`\partial c_t/\partial c_{t-1}` of an LSTM linearized at the zero state.

    With zero input and :math:`h = c = 0`, the cell stays at zero when the cell-candidate bias
    is zero (:math:`g = \tanh b_g = 0`). A small perturbation then obeys
    :math:`\delta c_t = f\,\delta c_{t-1} + i\, W_g\, \delta h_{t-1}` and
    :math:`\delta h_{t-1} = o\,\delta c_{t-1}`, so

    .. math::

       J = \operatorname{diag}(\sigma(b_f)) + \operatorname{diag}(\sigma(b_i))\, W_g\,
       \operatorname{diag}(\sigma(b_o)),

    where :math:`W_g` is the cell-candidate block of ``weight_hh`` and each :math:`b` is the
    summed bias of its gate. With all biases but :math:`b_f` at zero,
    :math:`J = \sigma(b_f) I + \tfrac14 W_g`. Back-propagation multiplies the cell gradient
    by :math:`J^\top` per step.

    Parameters
    ----------
    params : dict
        From :func:`init_rnn` with ``cell="lstm"``.

    Returns
    -------
    ``numpy.ndarray``, shape ``(hidden, hidden)``

    Raises
    ------
    ValueError
        If the cell-candidate bias is not zero (the zero state is then not a fixed point).
    """
    _, w_hh, b, hidden, _ = _check_params(params, 4)
    bias = {gate: b[gate_slice(gate, hidden)] for gate in GATES}
    if np.any(bias["g"] != 0):
        raise ValueError("the cell-candidate bias b_g must be zero: otherwise c = 0 is not a fixed point "
                         "and there is no zero state to linearize at")
    w_g = w_hh[gate_slice("g", hidden)]
    return np.diag(_sigmoid(bias["f"])) + _sigmoid(bias["i"])[:, None] * w_g * _sigmoid(bias["o"])[None, :]
