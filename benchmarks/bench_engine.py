"""Timings of the experiment engine (a script, not a test).

Run with ``.venv/bin/python benchmarks/bench_engine.py``. It prints

1. the time of one simulated forward + backward pass (:func:`weightinit.simulate.run_network`,
   all statistics included) divided by the time of the bare chain of matrix products of the
   same shapes (forward ``A Wᵀ``, backward ``G W`` and the weight gradient ``Gᵀ A``), both on
   the same BLAS thread setting (target <= 1.5);
2. the explorer's recompute time at its default size (target <= 0.3 s), and the time to draw
   its figure;
3. the time of each experiment R1-R10 of DESIGN §5 (target <= 5 s each), with the number
   it reproduces.

Timings are the best of a few repeats, since other jobs on a shared machine only ever add time.
"""

from __future__ import annotations

import io
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from weightinit import explorer, theory  # noqa: E402
from weightinit.activations import get_activation  # noqa: E402
from weightinit.datasets import rings  # noqa: E402
from weightinit.initializers import get_initializer  # noqa: E402
from weightinit.simulate import compare, init_network, run_network, simulate  # noqa: E402
from weightinit.threads import blas_threads  # noqa: E402
from weightinit.theory import InitSpec  # noqa: E402
from weightinit.train import compare_training  # noqa: E402


def best_time(func, repeat=5):
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def bare_chain(x, weights, grad):
    """The matrix products of a forward and backward pass, and nothing else."""
    acts = [x]
    a = x
    for w in weights:
        a = a @ w.T
        acts.append(a)
    g = grad
    for l in range(len(weights) - 1, -1, -1):
        _ = g.T @ acts[l]
        if l > 0:
            g = g @ weights[l]
    return g


def overhead_ratio(activation, width=500, depth=10, batch=1000):
    weights, biases = init_network(width, "xavier_normal", depth=depth, rng=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, width))
    grad = rng.standard_normal((batch, width))

    def bare():
        with blas_threads():
            return bare_chain(x, weights, grad)

    t_bare, _ = best_time(bare)
    t_sim, _ = best_time(lambda: run_network(x, weights, biases, activation, output_grad=grad))
    return t_sim, t_bare


# --- the experiments of DESIGN §5 -----------------------------------------------------------


def r1():
    n, sigma2, C = 256, 0.01, 2.0
    rng = np.random.default_rng(0)
    W = get_initializer("random_normal")((n, n), std=math.sqrt(sigma2), rng=rng)
    A = math.sqrt(C) * rng.standard_normal((4000, n))
    u = get_initializer("random_uniform")((1000, 1000), a=0.5, rng=rng)
    return f"Var(Z) {(A @ W.T).var():.3f} vs nσ²C {n * sigma2 * C:.3f}; Var U {u.var():.4f} vs a²/3 {0.25 / 3:.4f}"


def r2():
    z = 1.5 * np.random.default_rng(0).standard_normal(1_000_000)
    r = np.maximum(z, 0)
    leaky = np.where(z > 0, z, 0.1 * z)
    return (f"E[ReLU²] {np.mean(r**2):.3f} vs 1.125; Var(ReLU) {r.var():.3f} vs "
            f"{2.25 * (0.5 - 1 / (2 * math.pi)):.3f}; leaky {np.mean(leaky**2):.3f} vs {1.01 * 1.125:.3f}")


def r3():
    out = compare(["pytorch_default_uniform", "xavier_uniform"], 1000, 5, "tanh", batch_size=500, rng=0,
                  keep_arrays=False)
    s, x = out.values()
    return (f"std U(±1/√n) {s.act_std[0]:.2f}→{s.act_std[-1]:.2f}, Xavier {x.act_std[0]:.2f}→{x.act_std[-1]:.2f}; "
            f"∂L/∂Z {s.grad_preact_std[-1]:.2f}→{s.grad_preact_std[0]:.2f} vs "
            f"{x.grad_preact_std[-1]:.2f}→{x.grad_preact_std[0]:.2f}")


def r4():
    X, y = rings(1000, rng=0)
    out = compare_training([InitSpec("lecun_normal", label="1/n"), "kaiming_normal"], X, y, width=64, depth=30,
                           activation="relu", lr=0.02, steps=300, batch_size=128, rng=0)
    small, he = out.values()
    return f"final loss σ²=1/n {small.final_loss:.3f}, He {he.final_loss:.4f} (two runs of 300 steps)"


def r5():
    res = [
        simulate(500, 10, "tanh", 0.01, batch_size=1000, rng=0),
        simulate(500, 10, "tanh", 1.0, batch_size=1000, rng=0),
        simulate(500, 10, "relu", 1 / math.sqrt(500), batch_size=1000, rng=0),
        simulate(500, 10, "relu", "kaiming_normal", batch_size=1000, rng=0),
    ]
    return (f"tanh σ=0.01 std(10층) {res[0].act_std[-1]:.1e}; σ=1 saturated {res[1].saturated_frac[-1]:.0%}; "
            f"ReLU √(1/n) {res[2].act_std[-1]:.3f}, He {res[3].act_std[-1]:.2f}")


def r6():
    res = simulate(256, 10, "relu", "pytorch_default_uniform", batch_size=500, rng=0, keep_arrays=False)
    m2 = res.act_std**2 + res.act_mean**2
    ratio = float(np.exp(np.mean(np.log(m2[1:] / m2[:-1]))))
    return f"E[A²] ratio per layer {ratio:.3f} vs 1/6 = {1 / 6:.3f}"


def r7():
    rng = np.random.default_rng(0)
    N = 100
    gauss = np.eye(N)
    ortho = np.eye(N)
    for _ in range(50):
        gauss = get_initializer("random_normal")((N, N), std=1 / math.sqrt(N), rng=rng) @ gauss
        ortho = get_initializer("orthogonal")((N, N), rng=rng) @ ortho
    sg = np.linalg.svd(gauss, compute_uv=False)
    so = np.linalg.svd(ortho, compute_uv=False)
    return f"Gaussian 1/N singular values {sg.max():.1f} … {sg.min():.0e}; orthogonal {so.min():.6f}…{so.max():.6f}"


def r8():
    # LSUV: orthogonal init, then divide each layer by the std of its output on a batch.
    rng = np.random.default_rng(0)
    width, depth = 256, 20
    x = rng.standard_normal((500, width))
    text = []
    for act in ("tanh", "relu"):
        f = get_activation(act)
        weights = []
        a = x
        for _ in range(depth):
            w = get_initializer("orthogonal")((width, width), rng=rng)
            z = a @ w.T
            w /= z.std()
            weights.append(w)
            a = f(a @ w.T)
        res = run_network(rng.standard_normal((500, width)), weights, None, act, rng=rng, keep_arrays=False)
        text.append(f"{act} Var(Z) {res.preact_std.min()**2:.2f}…{res.preact_std.max()**2:.2f}")
    return "after one rescale per layer: " + "; ".join(text)


def r9():
    grid = np.linspace(0.5, 3.0, 51)
    chis = [theory.chi1("tanh", s).chi1 for s in grid] + [theory.chi1("tanh", s, 0.05).chi1 for s in grid]
    return (f"tanh χ₁(σ_w²=1, σ_b²=0) = {theory.chi1('tanh', 1.0).chi1:.6f}; ReLU χ₁(2) = "
            f"{theory.chi1('relu', 2.0).chi1:.3f}; {len(chis)} grid points")


def r10():
    rng = np.random.default_rng(0)
    c_in, k, c_out = 16, 3, 32
    patches = rng.standard_normal((c_in * k * k, 20000))  # im2col of N(0, 1) inputs
    out = []
    for std in (1 / math.sqrt(c_in * k * k), 1 / math.sqrt(c_in)):
        W = get_initializer("random_normal")((c_out, c_in, k, k), std=std, rng=rng)
        out.append((W.reshape(c_out, -1) @ patches).var())
    return f"Var(conv out) std 1/√(c_in k²): {out[0]:.2f}; 1/√c_in: {out[1]:.2f}"


def main():
    print("weightinit experiment engine benchmark")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs; simulator and trainer run BLAS on one thread\n")

    print("1. simulated pass / bare matrix products (10 layers × 500, batch 1000; target <= 1.5)")
    for act in ("tanh", "relu", "linear"):
        t_sim, t_bare = overhead_ratio(act)
        print(f"   {act:7s} simulate {t_sim * 1e3:7.1f} ms   bare {t_bare * 1e3:7.1f} ms   ratio {t_sim / t_bare:5.2f}")

    print("\n2. explorer at its default size (tanh, Xavier, 10 × 256, batch 500)")
    t_re, result = best_time(lambda: explorer.explorer_result())
    print(f"   recompute {t_re:.3f} s (target <= 0.3 s)")

    def draw():
        buf = io.BytesIO()
        explorer.explorer_figure(result).savefig(buf, format="png")

    t_draw, _ = best_time(draw, repeat=2)
    print(f"   figure + PNG {t_draw:.3f} s")

    print("\n3. DESIGN §5 experiments (target <= 5 s each; one BLAS thread throughout)")
    print(f"   {'id':4s} {'time':>7s}  result")
    for name, func in [("R1", r1), ("R2", r2), ("R3", r3), ("R4", r4), ("R5", r5), ("R6", r6), ("R7", r7),
                       ("R8", r8), ("R9", r9), ("R10", r10)]:
        with blas_threads():
            t, text = best_time(func, repeat=1 if name == "R4" else 3)
        print(f"   {name:4s} {t:6.2f}s  {text}")


if __name__ == "__main__":
    main()
