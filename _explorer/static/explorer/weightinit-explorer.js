/* The in-page explorer of weight initialization (element #weightinit-explorer).
 *
 * A port of weightinit's variance recursion (weightinit.theory.propagate, chi1) and of its
 * forward/backward simulation (weightinit.simulate.simulate) that runs in the browser. The
 * quadrature nodes and the initializers' variances are read from the JSON block that the
 * book's build writes from weightinit itself; tests/test_browser_explorer.py holds the port
 * to the Python reference. Plots are drawn with uPlot (vendored, MIT).
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------------------------------
  // Activations (weightinit.activations)

  function activation(name, slope) {
    switch (name) {
      case "linear":
        return { name, f: (z) => z, d: () => 1, rectifier: false, saturates: false, slope: 0 };
      case "relu":
        return { name, f: (z) => (z > 0 ? z : 0), d: (z) => (z > 0 ? 1 : 0), rectifier: true, saturates: false, slope: 0 };
      case "leaky_relu":
        return { name, f: (z) => (z > 0 ? z : slope * z), d: (z) => (z > 0 ? 1 : slope), rectifier: true,
                 saturates: false, slope };
      case "tanh":
        return { name, f: Math.tanh, d: (z) => { const t = Math.tanh(z); return 1 - t * t; }, rectifier: false,
                 saturates: true, slope: 0 };
      case "sigmoid": {
        const s = (z) => 0.5 + 0.5 * Math.tanh(0.5 * z);
        return { name, f: s, d: (z) => { const v = s(z); return v * (1 - v); }, rectifier: false, saturates: true,
                 slope: 0 };
      }
      case "gelu":
        return { name, f: gelu, d: geluGrad, rectifier: false, smoothRectifier: true, saturates: false, slope: 0 };
      case "gelu_tanh":
        return { name, f: geluTanh, d: geluTanhGrad, rectifier: false, smoothRectifier: true, saturates: false,
                 slope: 0 };
      case "silu":
        return { name, f: silu, d: siluGrad, rectifier: false, smoothRectifier: true, saturates: false, slope: 0 };
      default:
        throw new Error("unknown activation " + JSON.stringify(name) +
                        "; valid names are: linear, relu, leaky_relu, tanh, sigmoid, gelu, gelu_tanh, silu");
    }
  }

  // erf to double precision (JavaScript's Math has none). |x| <= 3: the series
  // erf(x) = 2x/sqrt(pi) e^{-x^2} sum_n (2x^2)^n / (1*3*...*(2n+1)), whose terms are all positive
  // (no cancellation); 3 < |x| < 6.5: erfc from its continued fraction
  // e^{-x^2}/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards from 80
  // terms; beyond, erf = +-1 in double precision (erfc(6.5) < 1e-19).
  const SQRT_PI = Math.sqrt(Math.PI);
  function erf(x) {
    const a = Math.abs(x);
    let r;
    if (a <= 3) {
      const x2 = 2 * a * a;
      let term = 1, sum = 1;
      for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
        term *= x2 / (2 * n + 1);
        sum += term;
      }
      r = ((2 * a) / SQRT_PI) * Math.exp(-a * a) * sum;
    } else if (a < 6.5) {
      let t = a;
      for (let k = 80; k >= 1; k--) t = a + (k / 2) / t;
      r = 1 - Math.exp(-a * a) / (SQRT_PI * t);
    } else r = 1;
    return x < 0 ? -r : r;
  }

  // GELU (exact, z Phi(z)), its tanh form and SiLU, as weightinit.activations (PyTorch's definitions)
  const INV_SQRT2 = 1 / Math.SQRT2, INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI), SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
  function gelu(z) { return 0.5 * z * (1 + erf(z * INV_SQRT2)); }
  function geluGrad(z) { return 0.5 * (1 + erf(z * INV_SQRT2)) + z * INV_SQRT2PI * Math.exp(-0.5 * z * z); }
  function geluTanh(z) { return 0.5 * z * (1 + Math.tanh(SQRT_2_OVER_PI * (z + 0.044715 * z * z * z))); }
  function geluTanhGrad(z) {
    const t = Math.tanh(SQRT_2_OVER_PI * (z + 0.044715 * z * z * z));
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * z * z);
  }
  function sigmoid(z) { return 0.5 + 0.5 * Math.tanh(0.5 * z); }
  function silu(z) { return z * sigmoid(z); }
  function siluGrad(z) { const s = sigmoid(z); return s * (1 + z * (1 - s)); }

  // A generator driven to its end in one go (the page drives it in slices instead)
  function run(gen) {
    for (;;) {
      const r = gen.next();
      if (r.done) return r.value;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Theory (weightinit.theory): the same quadrature rules, the same recursions

  function makeTheory(Q) {
    const ghZ = Float64Array.from(Q.gh_nodes);
    const ghW = Float64Array.from(Q.gh_weights);
    const trapezoids = new Map();

    function rule(q) {
      if (q <= Q.gh_max_q) return [ghZ, ghW];
      const h = Math.min(0.1, (Math.PI * Math.PI) / (Q.pole_rate * Math.sqrt(q)));
      const n = Math.ceil(Q.z_max / h);
      let r = trapezoids.get(n);
      if (!r) {
        const z = new Float64Array(2 * n + 1), w = new Float64Array(2 * n + 1);
        const step = (2 * Q.z_max) / (2 * n), c = Q.z_max / n / Math.sqrt(2 * Math.PI);
        for (let i = 0; i <= 2 * n; i++) {
          z[i] = i === 2 * n ? Q.z_max : -Q.z_max + i * step;
          w[i] = c * Math.exp(-0.5 * z[i] * z[i]);
        }
        r = [z, w];
        if (trapezoids.size > 64) trapezoids.clear();
        trapezoids.set(n, r);
      }
      return r;
    }

    // E[g(z)] for z ~ N(0, q)
    function expectation(g, q) {
      const [z, w] = rule(q);
      const s = Math.sqrt(q);
      let acc = 0;
      for (let i = 0; i < z.length; i++) acc += g(s * z[i]) * w[i];
      return acc;
    }

    // GELU / SiLU above q = 1 (weightinit.theory._smooth_rectifier_expectation): a reference
    // with a closed form plus the remainder, which vanishes far from 0, integrated on a fixed grid
    const srX = [];
    {
      const m = Math.round((2 * Q.sr_x_max) / Q.sr_step);
      for (let i = 0; i <= m; i++) srX.push(-Q.sr_x_max + (2 * Q.sr_x_max * i) / m);
    }
    const geluMean = (q) => q / Math.sqrt(2 * Math.PI * (1 + q));
    function remainder(act, kind, q) {
      let base;
      if (kind === "m2") base = 0.5 * q;
      else if (kind === "d2") base = 0.5;
      else base = geluMean(q);
      if (q === Infinity) return base;
      const c = Q.sr_step / Math.sqrt(2 * Math.PI * q);
      let acc = 0;
      for (let i = 0; i < srX.length; i++) {
        const x = srX[i];
        let r;
        if (kind === "m2") { const a = act.f(x), p = x > 0 ? x : 0; r = a * a - p * p; }
        else if (kind === "d2") { const d = act.d(x); r = d * d - (x > 0 ? 1 : x < 0 ? 0 : 0.5); }
        else r = act.f(x) - gelu(x);
        acc += c * Math.exp((-0.5 * x * x) / q) * r;
      }
      return base + acc;
    }

    function secondMoment(act, q) {
      if (act.name === "linear") return q;
      if (act.rectifier) return 0.5 * (1 + act.slope * act.slope) * q;
      if (act.smoothRectifier && q > Q.gh_max_q) return remainder(act, "m2", q);
      return expectation((z) => { const a = act.f(z); return a * a; }, q);
    }

    function mean(act, q) {
      if (act.name === "linear" || act.name === "tanh") return 0;
      if (act.name === "sigmoid") return 0.5;
      if (act.name === "gelu") return geluMean(q);
      if (act.smoothRectifier) return q > Q.gh_max_q ? remainder(act, "m1", q) : expectation(act.f, q);
      return (1 - act.slope) * Math.sqrt(q / (2 * Math.PI));
    }

    function derivativeSecondMoment(act, q) {
      if (act.name === "linear") return 1;
      if (act.rectifier) return 0.5 * (1 + act.slope * act.slope);
      if (act.smoothRectifier && q > Q.gh_max_q) return remainder(act, "d2", q);
      return expectation((z) => { const d = act.d(z); return d * d; }, q);
    }

    // propagate(): constant width n, input_dim = n, E[x^2] = m2In, unit output-gradient variance.
    // A generator that yields after each layer (an integral over some 10^4 nodes at the largest q),
    // so that the page can spread the work over several tasks; run() drives it to the end.
    function* propagateSteps(act, n, depth, weightVar, biasStd, m2In) {
      const sb2 = biasStd * biasStd;
      const q = new Float64Array(depth), m2 = new Float64Array(depth);
      let prev = m2In;
      for (let l = 0; l < depth; l++) {
        q[l] = weightVar * n * prev + sb2;
        m2[l] = secondMoment(act, q[l]);
        prev = m2[l];
        yield;
      }
      const actStd = new Float64Array(depth), gradStd = new Float64Array(depth);
      let g = 1;
      for (let l = depth - 1; l >= 0; l--) {
        const gz = g * derivativeSecondMoment(act, q[l]);
        gradStd[l] = Math.sqrt(gz);
        g = n * weightVar * gz;
        yield;
      }
      for (let l = 0; l < depth; l++) {
        const mu = mean(act, q[l]);
        actStd[l] = Math.sqrt(Math.max(m2[l] - mu * mu, 0));
      }
      return { preactVar: q, actStd, gradStd };
    }

    function* fixedPointSteps(act, sw2, sb2) {
      if (act.name === "linear" || act.rectifier) {
        const c = sw2 * secondMoment(act, 1);
        // as weightinit.theory.fixed_point: a slope within rounding of 1 (n * (2/n) can miss 2
        // by an ulp) is the critical case, where every q is a fixed point when sigma_b = 0
        if (Math.abs(c - 1) <= 1e-12) return sb2 === 0 ? NaN : Infinity;
        if (c < 1) return sb2 / (1 - c);
        return Infinity;
      }
      const h = (q) => sw2 * secondMoment(act, q) + sb2 - q;
      let lo = 0;
      if (h(0) <= 0) {
        lo = 1e-8;
        if (h(lo) <= 0) return 0;
      }
      let hi = 1;
      if (act.smoothRectifier) {
        // as weightinit.theory.fixed_point: the first sign change on the grid 2^-26 * 2^(k/4)
        // (the map can dip below the diagonal and come back), inf past 2^20 when
        // sigma_w^2 E[f^2]/q > 1 there (E[f^2]/q increases to 1/2), or past 2^24
        let q = Math.max(lo, Math.pow(2, -26));
        while (h(q) > 0) {
          lo = q;
          q *= Math.pow(2, 0.25);
          if (q > Math.pow(2, 20) && (sw2 * secondMoment(act, q) / q > 1 || q > Math.pow(2, 24))) return Infinity;
          yield;
        }
        hi = q;
      } else while (h(hi) > 0) hi *= 2;
      // bisection to the last bit: h(lo) > 0 >= h(hi)
      for (let i = 0; i < 200; i++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (h(mid) > 0) lo = mid; else hi = mid;
        yield;
      }
      return 0.5 * (lo + hi);
    }

    function* chi1Steps(act, sw2, sb2) {
      const q = yield* fixedPointSteps(act, sw2, sb2);
      if (act.name === "linear" || act.rectifier) return { qStar: q, chi1: sw2 * derivativeSecondMoment(act, 1) };
      // GELU / SiLU: E[f'^2] -> 1/2 as q grows
      if (act.smoothRectifier && q === Infinity) return { qStar: q, chi1: 0.5 * sw2 };
      return { qStar: q, chi1: sw2 * derivativeSecondMoment(act, q) };
    }

    // Residual mode (weightinit.explorer.residual_stream_variance): the stream
    // x_{l+1} = x_l + alpha W f(u_l), u_l = x_l ("none") or LN(x_l) ("pre_ln"), n Var(W) = sw2.
    // Variances v_0 = v0, ..., v_L: "none" v_{l+1} = v_l + alpha^2 sw2 E[f(z)^2], z ~ N(0, v_l)
    // (for linear and the rectifiers the product v0 (1 + alpha^2 sw2 M(1))^l, as weightinit);
    // "pre_ln" v_l = v0 + l alpha^2 sw2 E[f(z)^2], z ~ N(0, 1). One yield per block.
    function* residualSteps(act, depth, alpha, norm, sw2, v0) {
      const k = alpha * alpha * sw2;
      const v = new Float64Array(depth + 1);
      v[0] = v0;
      if (norm === "pre_ln") {
        const c = k * secondMoment(act, 1);
        for (let l = 1; l <= depth; l++) v[l] = v0 + l * c;
        return v;
      }
      if (act.name === "linear" || act.rectifier) {
        const g = 1 + k * secondMoment(act, 1);
        for (let l = 1; l <= depth; l++) v[l] = v0 * Math.pow(g, l);
        return v;
      }
      for (let l = 1; l <= depth; l++) {
        const prev = v[l - 1];
        v[l] = Number.isFinite(prev) ? prev + k * secondMoment(act, prev) : prev;
        yield;
      }
      return v;
    }

    return { propagateSteps, chi1Steps, residualSteps, secondMoment, derivativeSecondMoment,
             residual: (...args) => run(residualSteps(...args)),
             propagate: (...args) => run(propagateSteps(...args)), chi1: (...args) => run(chi1Steps(...args)),
             fixedPoint: (...args) => run(fixedPointSteps(...args)) };
  }

  // ------------------------------------------------------------------------------------------
  // Random numbers: xoshiro128** seeded through splitmix32; one stream per purpose and layer,
  // so that a layer's weights do not change when the depth or another control does.

  function splitmix32(a) {
    return function () {
      a = (a + 0x9e3779b9) | 0;
      let t = a ^ (a >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
  }

  function stream(seed, purpose, index) {
    const mix = splitmix32((seed * 0x3c6ef372) ^ Math.imul(purpose + 1, 0x27d4eb2f) ^ Math.imul(index + 1, 0x165667b1));
    let s0 = mix(), s1 = mix(), s2 = mix(), s3 = mix();
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    function next() {
      const r = Math.imul(((Math.imul(s1, 5) << 7) | (Math.imul(s1, 5) >>> 25)), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      return r;
    }
    // uniform on (0, 1) with 32 random bits (plenty for a simulation)
    function uniform() {
      return (next() + 0.5) / 4294967296;
    }
    let spare = NaN;
    // standard normal (Marsaglia's polar method)
    function normal() {
      if (spare === spare) { const v = spare; spare = NaN; return v; }
      let u, v, s;
      do {
        u = 2 * uniform() - 1;
        v = 2 * uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      spare = v * m;
      return u * m;
    }
    // The same draws as uniform() and normal() in a loop with the generator's state in local
    // variables (five times faster: a wide network needs millions of draws).
    function fillUniform(out, from, to) {
      let a0 = s0 | 0, a1 = s1 | 0, a2 = s2 | 0, a3 = s3 | 0; // int32 in registers
      for (let i = from; i < to; i++) {
        const r = Math.imul(((Math.imul(a1, 5) << 7) | (Math.imul(a1, 5) >>> 25)), 9) >>> 0;
        const t = a1 << 9;
        a2 ^= a0; a3 ^= a1; a1 ^= a2; a0 ^= a3; a2 ^= t;
        a3 = (a3 << 11) | (a3 >>> 21);
        out[i] = 2 * ((r + 0.5) / 4294967296) - 1;
      }
      s0 = a0; s1 = a1; s2 = a2; s3 = a3;
    }
    // normal() draws in order, keeping those within +-bound (Infinity: all)
    function fillNormal(out, from, to, bound) {
      let i = from;
      if (spare === spare && i < to) {
        const x = spare;
        spare = NaN;
        if (x >= -bound && x <= bound) out[i++] = x;
      }
      let a0 = s0 | 0, a1 = s1 | 0, a2 = s2 | 0, a3 = s3 | 0; // int32 in registers
      while (i < to) {
        let u, v, q;
        do {
          let r = Math.imul(((Math.imul(a1, 5) << 7) | (Math.imul(a1, 5) >>> 25)), 9) >>> 0;
          let t = a1 << 9;
          a2 ^= a0; a3 ^= a1; a1 ^= a2; a0 ^= a3; a2 ^= t;
          a3 = (a3 << 11) | (a3 >>> 21);
          u = 2 * ((r + 0.5) / 4294967296) - 1;
          r = Math.imul(((Math.imul(a1, 5) << 7) | (Math.imul(a1, 5) >>> 25)), 9) >>> 0;
          t = a1 << 9;
          a2 ^= a0; a3 ^= a1; a1 ^= a2; a0 ^= a3; a2 ^= t;
          a3 = (a3 << 11) | (a3 >>> 21);
          v = 2 * ((r + 0.5) / 4294967296) - 1;
          q = u * u + v * v;
        } while (q >= 1 || q === 0);
        const m = Math.sqrt((-2 * Math.log(q)) / q);
        const x = u * m, y = v * m;
        if (x >= -bound && x <= bound) out[i++] = x;
        if (i < to) { if (y >= -bound && y <= bound) out[i++] = y; }
        else spare = y;
      }
      s0 = a0; s1 = a1; s2 = a2; s3 = a3;
    }
    return { uniform, normal, fillUniform, fillNormal };
  }

  const PURPOSE = { normal: 0, uniform: 1, truncated_normal: 2, bias: 4, input: 5, output: 6, unpooled: 7 };

  // Base draws of a family: N(0, 1), U(-1, 1), or N(0, 1) cut at +-bound. The initializer's
  // scale multiplies them, so that moving sigma redraws nothing.
  function filler(family, bound) {
    if (family === "uniform") return (r, out, from, to) => r.fillUniform(out, from, to);
    if (family === "truncated_normal") return (r, out, from, to) => r.fillNormal(out, from, to, bound);
    return (r, out, from, to) => r.fillNormal(out, from, to, Infinity);
  }

  // One pool of independent base draws per (family, seed), grown on demand. Layer l of width n
  // takes the entries [l*s, (l+1)*s) with s the entries a layer needs, so that for any width
  // the layers are independent draws and the first layers stay the same when the depth changes.
  // The page never simulates more than WORK_BUDGET / BATCH_MIN weights (see planFor), so a pool
  // stays under POOL_MAX entries; past it (a direct call with a larger network) a layer is drawn
  // from a stream of its own. One pool per family is kept (at most 3 x 18 MB).
  const POOL_MAX = 4.5e6;
  const pools = new Map();
  function poolFor(family, seed) {
    const key = family + "|" + seed;
    let pool = pools.get(key);
    if (!pool) {
      for (const k of [...pools.keys()]) if (k.startsWith(family + "|")) pools.delete(k);
      pool = { r: stream(seed, PURPOSE[family], 0), data: new Float32Array(0), length: 0 };
      pools.set(key, pool);
    }
    return pool;
  }

  // Grow the pool to the entries layer `layer` needs, at most 2^18 draws between two yields
  function* prefillSteps(family, bound, seed, layer, size) {
    const end = (layer + 1) * size;
    if (end > POOL_MAX) return;
    const pool = poolFor(family, seed);
    const fill = filler(family, bound);
    if (end > pool.data.length) {
      const grown = new Float32Array(Math.min(POOL_MAX, Math.max(end, 2 * pool.data.length, 65536)));
      grown.set(pool.data.subarray(0, pool.length));
      pool.data = grown;
    }
    while (pool.length < end) {
      const to = Math.min(end, pool.length + 262144);
      fill(pool.r, pool.data, pool.length, to);
      pool.length = to;
      yield;
    }
  }

  function baseDraws(family, bound, seed, layer, size) {
    const start = layer * size, end = start + size;
    const fill = filler(family, bound);
    if (end > POOL_MAX) {
      const out = new Float32Array(size);
      fill(stream(seed, PURPOSE.unpooled + 8 * PURPOSE[family], layer), out, 0, size);
      return out;
    }
    const pool = poolFor(family, seed);
    if (end > pool.length) {
      if (end > pool.data.length) {
        const grown = new Float32Array(Math.min(POOL_MAX, Math.max(end, 2 * pool.data.length, 65536)));
        grown.set(pool.data.subarray(0, pool.length));
        pool.data = grown;
      }
      fill(pool.r, pool.data, pool.length, end);
      pool.length = end;
    }
    return pool.data.subarray(start, end);
  }

  // A layer's weights up to the scale. Dense: the matrix and its transpose (for the backward
  // pass). Orthogonal: a Haar-random orthogonal matrix kept as n-1 Householder vectors and
  // signs; it is the Q of the QR factorization of a Gaussian matrix with R's diagonal made
  // positive (Mezzadri 2007), and it is applied in O(n^2) per vector, like a dense matrix.
  function drawLayer(family, n, seed, layer, bound) {
    if (family === "orthogonal") {
      const x = baseDraws("normal", 0, seed, layer, (n * (n + 1)) / 2);
      const v = Float32Array.from(x);
      const beta = new Float64Array(n), sign = new Float64Array(n);
      let off = 0;
      for (let k = 0; k < n - 1; k++) {
        const m = n - k;
        let norm2 = 0;
        for (let i = 0; i < m; i++) norm2 += v[off + i] * v[off + i];
        const x0 = v[off], s = x0 >= 0 ? 1 : -1;
        v[off] = x0 + s * Math.sqrt(norm2);
        let vv = 0;
        for (let i = 0; i < m; i++) vv += v[off + i] * v[off + i];
        beta[k] = 2 / vv;
        sign[k] = -s;
        off += m;
      }
      sign[n - 1] = v[off] >= 0 ? 1 : -1;
      return { family, n, v, beta, sign };
    }
    return { family, n, w: baseDraws(family, bound, seed, layer, n * n) };
  }

  // z_b = scale * W a_b for every row b of a (batch x n), plus the bias
  function forwardLayer(layer, scale, a, z, batch, n, bias) {
    if (layer.family === "orthogonal") {
      orthogonalRows(layer, scale, a, z, batch, n, bias, false);
      return;
    }
    denseProduct(layer.w, scale, a, z, batch, n, bias);
  }

  // y_b = scale * M x_b (+ bias) for the rows b of x, M an n x n row-major matrix. Four rows
  // of x share each load of M: the JIT keeps the four sums in registers.
  function denseProduct(m, scale, x, y, batch, n, bias) {
    let b = 0;
    for (; b + 3 < batch; b += 4) {
      const o0 = b * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        const r = j * n, r1 = r + n;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (let k = 0; k < n; k++) {
          const w = m[r + k], v = m[r1 + k];
          const x0 = x[o0 + k], x1 = x[o1 + k], x2 = x[o2 + k], x3 = x[o3 + k];
          s0 += x0 * w; s1 += x1 * w; s2 += x2 * w; s3 += x3 * w;
          t0 += x0 * v; t1 += x1 * v; t2 += x2 * v; t3 += x3 * v;
        }
        const c = bias ? bias[j] : 0, d = bias ? bias[j + 1] : 0;
        y[o0 + j] = scale * s0 + c; y[o0 + j + 1] = scale * t0 + d;
        y[o1 + j] = scale * s1 + c; y[o1 + j + 1] = scale * t1 + d;
        y[o2 + j] = scale * s2 + c; y[o2 + j + 1] = scale * t2 + d;
        y[o3 + j] = scale * s3 + c; y[o3 + j + 1] = scale * t3 + d;
      }
      for (; j < n; j++) {
        const r = j * n;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < n; k++) {
          const w = m[r + k];
          s0 += x[o0 + k] * w; s1 += x[o1 + k] * w; s2 += x[o2 + k] * w; s3 += x[o3 + k] * w;
        }
        const c = bias ? bias[j] : 0;
        y[o0 + j] = scale * s0 + c; y[o1 + j] = scale * s1 + c; y[o2 + j] = scale * s2 + c; y[o3 + j] = scale * s3 + c;
      }
    }
    for (; b < batch; b++) {
      const o = b * n;
      for (let j = 0; j < n; j++) {
        const r = j * n;
        let s0 = 0;
        for (let k = 0; k < n; k++) s0 += x[o + k] * m[r + k];
        y[o + j] = scale * s0 + (bias ? bias[j] : 0);
      }
    }
  }

  // y_b = scale * Q x_b + bias (or scale * Q^T x_b), Q = H_0 H_1 ... H_{n-2} D, for the rows of
  // x, four at a time. The four rows are interleaved coordinate by coordinate in a small buffer,
  // so that each reflection reads and writes one contiguous run of memory.
  let quad = new Float64Array(0);
  function orthogonalRows(layer, scale, x, y, batch, n, bias, transpose) {
    const { v, beta, sign } = layer;
    if (quad.length < 4 * n) quad = new Float64Array(4 * n);
    const q = quad;
    for (let b = 0; b < batch; b += 4) {
      const rows = Math.min(4, batch - b);
      q.fill(0, 0, 4 * n);
      for (let r = 0; r < rows; r++) {
        const o = (b + r) * n;
        for (let i = 0; i < n; i++) q[4 * i + r] = transpose ? x[o + i] : sign[i] * x[o + i];
      }
      if (transpose) for (let k = 0; k <= n - 2; k++) reflect4(v, beta[k], q, k, n);
      else for (let k = n - 2; k >= 0; k--) reflect4(v, beta[k], q, k, n);
      for (let r = 0; r < rows; r++) {
        const o = (b + r) * n;
        if (transpose) for (let i = 0; i < n; i++) y[o + i] = scale * sign[i] * q[4 * i + r];
        else for (let i = 0; i < n; i++) y[o + i] = scale * q[4 * i + r] + (bias ? bias[i] : 0);
      }
    }
  }

  // Householder reflection k (coordinates k..n-1) on the four interleaved rows of q
  function reflect4(v, beta, q, k, n) {
    const off = k * n - (k * (k - 1)) / 2, m = n - k;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let i = 0, p = 4 * k; i < m; i++, p += 4) {
      const u = v[off + i];
      d0 += u * q[p]; d1 += u * q[p + 1]; d2 += u * q[p + 2]; d3 += u * q[p + 3];
    }
    d0 *= beta; d1 *= beta; d2 *= beta; d3 *= beta;
    for (let i = 0, p = 4 * k; i < m; i++, p += 4) {
      const u = v[off + i];
      q[p] -= d0 * u; q[p + 1] -= d1 * u; q[p + 2] -= d2 * u; q[p + 3] -= d3 * u;
    }
  }

  // M^T is written into a scratch buffer (in tiles), so that the backward product is again of
  // the dot-product form of denseProduct. (Adding rows of M into four rows of the output at a
  // time looks cheaper but stores to rows 2-4 KiB apart, which the CPU serializes.)
  let scratch = new Float32Array(0);
  // M^T (n x n) in a scratch buffer, copied in tiles
  function transposed(m, n) {
    if (scratch.length < n * n) scratch = new Float32Array(n * n);
    const t = scratch, T = 16;
    for (let j0 = 0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let k0 = 0; k0 < n; k0 += T) {
        const k1 = Math.min(n, k0 + T);
        for (let j = j0; j < j1; j++) {
          const r = j * n;
          for (let k = k0; k < k1; k++) t[k * n + j] = m[r + k];
        }
      }
    }
    return t;
  }

  function meanStd(x) {
    let s = 0, s2 = 0;
    for (let i = 0; i < x.length; i++) { const v = x[i]; s += v; s2 += v * v; }
    const m = s / x.length;
    return [m, Math.sqrt(Math.max(s2 / x.length - m * m, 0))];
  }

  // Orthogonal layers (Householder vectors) per (width, seed, layer), within a budget of
  // entries; past it, layers are prepared again from the pool when needed (same numbers).
  const CACHE_BUDGET = 8e6;
  const cache = new Map();
  let cachedEntries = 0;
  function baseLayer(family, n, seed, layer, bound) {
    // dense layers are views into the pool (or, past it, drawn anew): nothing to keep
    if (family !== "orthogonal") return drawLayer(family, n, seed, layer, bound);
    const key = family + "|" + n + "|" + seed + "|" + layer;
    let hit = cache.get(key);
    if (hit) return hit;
    hit = drawLayer(family, n, seed, layer, bound);
    const size = entries(hit);
    if (cachedEntries + size > CACHE_BUDGET) {
      // keep the layers of the current family and width, drop the rest
      for (const [k, val] of cache) {
        if (!k.startsWith(family + "|" + n + "|" + seed + "|")) {
          cache.delete(k);
          cachedEntries -= entries(val);
        }
      }
    }
    if (cachedEntries + size <= CACHE_BUDGET) {
      cache.set(key, hit);
      cachedEntries += size;
    }
    return hit;
  }

  // Dense layers' transposes (for the backward pass) per (family, width, seed, layer), within a
  // budget; past it, those of other families, widths and seeds are dropped first.
  const TRANSPOSE_BUDGET = 7e6; // 28 MB: two neighbouring widths of the largest network simulated
  const transposes = new Map();
  let transposedEntries = 0;
  function transposedLayer(w, n, draws, layer) {
    const prefix = draws + "|" + n + "|";
    const key = prefix + layer;
    let hit = transposes.get(key);
    if (hit) return hit;
    hit = Float32Array.from(transposed(w, n).subarray(0, n * n));
    if (transposedEntries + hit.length > TRANSPOSE_BUDGET) {
      for (const [k, val] of transposes) {
        if (!k.startsWith(prefix)) { transposes.delete(k); transposedEntries -= val.length; }
      }
    }
    if (transposedEntries + hit.length <= TRANSPOSE_BUDGET) {
      transposes.set(key, hit);
      transposedEntries += hit.length;
    }
    return hit;
  }

  function entries(layer) {
    return layer.v.length;
  }

  const vectors = new Map();

  // Forget every drawn weight, factor and transpose: the next update starts as after a change
  // of initializer family, width or seed (the timing tests use it to repeat such an update).
  function dropCaches() {
    pools.clear();
    cache.clear();
    cachedEntries = 0;
    transposes.clear();
    transposedEntries = 0;
    vectors.clear();
  }
  function standardNormals(seed, purpose, index, count) {
    const key = seed + "|" + purpose + "|" + index + "|" + count;
    let x = vectors.get(key);
    if (!x) {
      const r = stream(seed, purpose, index);
      x = new Float64Array(count);
      for (let i = 0; i < count; i++) x[i] = r.normal();
      if (vectors.size > 400) vectors.clear();
      vectors.set(key, x);
    }
    return x;
  }

  // simulate(): constant width n, standard-normal input of dimension n, unit output gradient.
  // s.simWidth is the width simulated (planFor: at most s.width); the weights' scale keeps
  // sigma_w^2 = n Var(W) of the chosen width, the only thing the per-unit statistics depend on.
  // A generator that yields after every slice of about 2^20 multiply-adds or 2^18 draws.
  function* simulateSteps(s, initInfo, histLayers) {
    const act = activation(s.activation, s.slope);
    const n = s.simWidth || s.width, L = s.depth, B = s.batch;
    const family = initInfo.distribution;
    let scale;
    if (initInfo.fixed_std) scale = s.sigma * Math.sqrt(s.width / n);
    else {
      const sd = Math.sqrt(initInfo.var_times_n / n);
      if (family === "uniform") scale = sd * Math.sqrt(3);
      else if (family === "truncated_normal") scale = sd / initInfo.truncated_std;
      else if (family === "orthogonal") scale = Math.sqrt(initInfo.var_times_n);
      else scale = sd;
    }
    const drawFamily = family === "orthogonal" ? "normal" : family;
    const drawSize = family === "orthogonal" ? (n * (n + 1)) / 2 : n * n;
    const rowsPerSlice = Math.max(4, 4 * Math.floor(262144 / (n * n)));
    function* layerFor(l) {
      yield* prefillSteps(drawFamily, initInfo.bound, s.seed, l, drawSize);
      const layer = baseLayer(family, n, s.seed, l, initInfo.bound);
      yield;
      return layer;
    }
    const x = standardNormals(s.seed, PURPOSE.input, 0, B * n);
    const zs = [], as = [];
    const actStd = new Float64Array(L), gradStd = new Float64Array(L), share = new Float64Array(L);
    const keep = new Set(histLayers);
    const hist = { activation: {}, gradient: {} };
    let a = x;
    let m2In = 0;
    for (let i = 0; i < x.length; i++) m2In += x[i] * x[i];
    m2In /= x.length;
    for (let l = 0; l < L; l++) {
      const z = new Float64Array(B * n);
      const bias = s.biasStd > 0 ? standardNormals(s.seed, PURPOSE.bias, l, n).map((v) => v * s.biasStd) : null;
      const layer = yield* layerFor(l);
      for (let b = 0; b < B; b += rowsPerSlice) {
        const e = Math.min(B, b + rowsPerSlice);
        forwardLayer(layer, scale, a.subarray(b * n, e * n), z.subarray(b * n, e * n), e - b, n, bias);
        yield;
      }
      const out = new Float64Array(B * n);
      for (let i = 0; i < out.length; i++) out[i] = act.f(z[i]);
      actStd[l] = meanStd(out)[1];
      if (act.saturates) {
        let c = 0;
        if (act.name === "tanh") for (let i = 0; i < out.length; i++) { if (Math.abs(out[i]) > 0.99) c++; }
        else for (let i = 0; i < out.length; i++) { if (out[i] < 0.01 || out[i] > 0.99) c++; }
        share[l] = c / out.length;
      } else if (act.rectifier) {
        let dead = 0;
        for (let j = 0; j < n; j++) {
          let on = false;
          for (let b = 0; b < B && !on; b++) on = z[b * n + j] > 0;
          if (!on) dead++;
        }
        share[l] = dead / n;
      }
      if (keep.has(l + 1)) hist.activation[l + 1] = out;
      zs.push(z);
      as.push(out);
      a = out;
      yield;
    }
    let delta = standardNormals(s.seed, PURPOSE.output, 0, B * n);
    const g = new Float64Array(B * n);
    for (let l = L - 1; l >= 0; l--) {
      const z = zs[l], out = as[l];
      if (act.name === "tanh") for (let i = 0; i < g.length; i++) g[i] = delta[i] * (1 - out[i] * out[i]);
      else if (act.name === "sigmoid") for (let i = 0; i < g.length; i++) g[i] = delta[i] * out[i] * (1 - out[i]);
      else for (let i = 0; i < g.length; i++) g[i] = delta[i] * act.d(z[i]);
      gradStd[l] = meanStd(g)[1];
      if (keep.has(l + 1)) hist.gradient[l + 1] = Float64Array.from(g);
      if (l > 0) {
        const prev = new Float64Array(B * n);
        const layer = yield* layerFor(l);
        const t = family === "orthogonal" ? null : transposedLayer(layer.w, n, family + "|" + initInfo.bound + "|" + s.seed, l);
        for (let b = 0; b < B; b += rowsPerSlice) {
          const e = Math.min(B, b + rowsPerSlice);
          if (t) denseProduct(t, scale, g.subarray(b * n, e * n), prev.subarray(b * n, e * n), e - b, n, null);
          else orthogonalRows(layer, scale, g.subarray(b * n, e * n), prev.subarray(b * n, e * n), e - b, n, null, true);
          yield;
        }
        delta = prev;
      }
    }
    return { actStd, gradStd, share: act.saturates || act.rectifier ? share : null, hist, m2In, batch: B, width: n };
  }

  // Residual mode: x_0 standard normal (B inputs of dimension n), then per block
  // u = x (norm "none") or the layer normalization of each row of x (mean 0, variance 1 over
  // the n units, eps as PyTorch's default, no gain or shift), x <- x + alpha * scale * W f(u),
  // with block l's W drawn as layer l of the MLP mode (the same initializer and sigma_w^2).
  // Returns the standard deviation of the stream's entries after each block (index 0: input).
  function* simulateResidualSteps(s, initInfo, lnEps) {
    const act = activation(s.activation, s.slope);
    const n = s.simWidth || s.width, L = s.depth, B = s.batch;
    const family = initInfo.distribution;
    const scale = branchScale(s, initInfo, n);
    const drawFamily = family === "orthogonal" ? "normal" : family;
    const drawSize = family === "orthogonal" ? (n * (n + 1)) / 2 : n * n;
    const rowsPerSlice = Math.max(4, 4 * Math.floor(262144 / (n * n)));
    const x = Float64Array.from(standardNormals(s.seed, PURPOSE.input, 0, B * n));
    const u = new Float64Array(B * n), y = new Float64Array(B * n);
    const streamStd = new Float64Array(L + 1);
    streamStd[0] = meanStd(x)[1];
    for (let l = 0; l < L; l++) {
      yield* prefillSteps(drawFamily, initInfo.bound, s.seed, l, drawSize);
      const layer = baseLayer(family, n, s.seed, l, initInfo.bound);
      for (let b = 0; b < B; b++) {
        const o = b * n;
        let shift = 0, inv = 1;
        if (s.norm === "pre_ln") {
          let m = 0, m2 = 0;
          for (let i = 0; i < n; i++) m += x[o + i];
          m /= n;
          for (let i = 0; i < n; i++) { const d = x[o + i] - m; m2 += d * d; }
          shift = m;
          inv = 1 / Math.sqrt(m2 / n + lnEps);
        }
        for (let i = 0; i < n; i++) u[o + i] = act.f((x[o + i] - shift) * inv);
      }
      yield;
      for (let b = 0; b < B; b += rowsPerSlice) {
        const e = Math.min(B, b + rowsPerSlice);
        forwardLayer(layer, scale, u.subarray(b * n, e * n), y.subarray(b * n, e * n), e - b, n, null);
        yield;
      }
      for (let i = 0; i < x.length; i++) x[i] += s.alpha * y[i];
      streamStd[l + 1] = meanStd(x)[1];
    }
    return { streamStd, batch: B, width: n };
  }

  // the factor on a layer's base draws that gives entries of variance sigma_w^2 / n of the chosen
  // width (see simulateSteps)
  function branchScale(s, initInfo, n) {
    if (initInfo.fixed_std) return s.sigma * Math.sqrt(s.width / n);
    const sd = Math.sqrt(initInfo.var_times_n / n);
    if (initInfo.distribution === "uniform") return sd * Math.sqrt(3);
    if (initInfo.distribution === "truncated_normal") return sd / initInfo.truncated_std;
    if (initInfo.distribution === "orthogonal") return Math.sqrt(initInfo.var_times_n);
    return sd;
  }

  // ------------------------------------------------------------------------------------------
  // The page

  const BATCH_MAX = 256, BATCH_MIN = 4, WORK_BUDGET = 1.6e7; // multiply-adds of one pass (forward or backward)

  // The work of one update is bounded: one pass (forward or backward) costs batch x n^2 x depth
  // multiply-adds, at most WORK_BUDGET. The batch shrinks first (down to BATCH_MIN inputs);
  // past that (wide and deep networks, e.g. 1024 x 50 would need 2 x 2e8 multiply-adds and
  // 5e7 random draws) a narrower network with the same sigma_w^2 = n Var(W) is simulated, and
  // the page says so. The theory is always that of the chosen width.
  function planFor(width, depth) {
    let simWidth = width;
    if (BATCH_MIN * width * width * depth > WORK_BUDGET) {
      simWidth = Math.max(16, 16 * Math.floor(Math.sqrt(WORK_BUDGET / (BATCH_MIN * depth)) / 16));
    }
    const b = 4 * Math.floor(WORK_BUDGET / (4 * simWidth * simWidth * depth));
    return { simWidth, batch: Math.max(BATCH_MIN, Math.min(BATCH_MAX, b)) };
  }

  function histLayersFor(depth) {
    const picks = [1, Math.round(depth / 3), Math.round((2 * depth) / 3), depth];
    return [...new Set(picks.filter((l) => l >= 1))].sort((p, q) => p - q);
  }

  function fmt(v) {
    if (!Number.isFinite(v)) return v > 0 ? "∞" : String(v);
    if (v === 0) return "0";
    const a = Math.abs(v);
    return a < 1e-3 || a >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
  }

  // Shares of the values in `bins` equal bins over mean +- 4 standard deviations (within the
  // range of the values), on an axis measured in standard deviations of the layer, so that
  // layers whose scales differ by many decades read alike. Returns [[x], [share], std].
  function histogram(values, bins) {
    const [m, sd] = meanStd(values);
    const unit = sd > 0 && Number.isFinite(sd) ? sd : 1;
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < values.length; i++) { const v = values[i]; if (v < min) min = v; if (v > max) max = v; }
    let lo = Math.max(min, m - 4 * sd) / unit, hi = Math.min(max, m + 4 * sd) / unit;
    if (!(hi > lo) || !Number.isFinite(hi - lo)) { const c = Number.isFinite(m / unit) ? m / unit : 0; lo = c - 0.5; hi = c + 0.5; }
    const width = (hi - lo) / bins;
    const counts = new Float64Array(bins);
    for (let i = 0; i < values.length; i++) {
      const x = values[i] / unit;
      const k = Math.floor((x - lo) / width);
      if (k >= 0 && k < bins) counts[k]++;
      else if (x === hi) counts[bins - 1]++;
    }
    const xs = new Array(bins), ys = new Array(bins);
    for (let k = 0; k < bins; k++) { xs[k] = lo + (k + 0.5) * width; ys[k] = counts[k] / values.length; }
    return [[xs, ys], sd];
  }

  function cssVar(el, name, fallback) {
    const v = getComputedStyle(el).getPropertyValue(name).trim();
    return v || fallback;
  }

  function start(root) {
    const data = JSON.parse(root.querySelector(".wie-data").textContent);
    const theory = makeTheory(data.quadrature);
    const form = root.querySelector(".wie-controls");
    const el = (name) => form.querySelector(`[name="${name}"]`);
    const status = root.querySelector(".wie-status");
    const tbody = root.querySelector(".wie-table tbody");
    const shareHead = root.querySelector(".wie-share-head");
    const histGrids = { activation: root.querySelector('[data-kind="activation"]'),
                        gradient: root.querySelector('[data-kind="gradient"]') };
    const stdBox = root.querySelector(".wie-std-plot");
    const charts = { std: null, stdLog: null, hists: { activation: [], gradient: [] } };
    let lastLayers = "";

    function settings() {
      const init = el("init").value;
      const s = {
        activation: el("activation").value,
        slope: Number(el("slope").value),
        init,
        sigma: Math.pow(10, Number(el("sigma").value)),
        depth: Number(el("depth").value),
        width: Number(el("width").value),
        biasStd: Number(el("bias").value),
        seed: Number(el("seed").value),
        mode: el("mode").value,
      };
      // the controls of the other mode do not enter the settings (moving them recomputes nothing)
      if (s.mode === "residual") {
        s.alpha = Number(el("alpha").value);
        s.norm = el("norm").value;
        s.biasStd = 0;
      }
      Object.assign(s, planFor(s.width, s.depth));
      return s;
    }

    function weightVar(s) {
      const info = data.inits[s.init];
      if (!info) throw new Error("unknown initializer " + s.init);
      return info.fixed_std ? s.sigma * s.sigma : info.var_times_n / s.width;
    }

    function* theorySteps(s) {
      const act = activation(s.activation, s.slope);
      const wv = weightVar(s);
      if (s.mode === "residual") {
        const v = yield* theory.residualSteps(act, s.depth, s.alpha, s.norm, s.width * wv, 1.0);
        return { streamStd: Array.from(v, Math.sqrt), streamVar: Array.from(v), sigmaW2: s.width * wv };
      }
      const prof = yield* theory.propagateSteps(act, s.width, s.depth, wv, s.biasStd, 1.0);
      const mf = yield* theory.chi1Steps(act, s.width * wv, s.biasStd * s.biasStd);
      return { actStd: Array.from(prof.actStd), gradStd: Array.from(prof.gradStd), preactVar: Array.from(prof.preactVar),
               sigmaW2: s.width * wv, sigmaB2: s.biasStd * s.biasStd, qStar: mf.qStar, chi1: mf.chi1 };
    }

    function colors() {
      const dark = document.documentElement.dataset.theme === "dark";
      return {
        text: cssVar(root, "--pst-color-text-base", dark ? "#ced6dd" : "#222832"),
        grid: dark ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.10)",
        act: dark ? "#7cb7ff" : "#1f5fa8",
        grad: dark ? "#ffab5e" : "#c4500c",
        font: "12px NanumGothic, sans-serif",
      };
    }

    function axis(c, label, extra) {
      return Object.assign({ stroke: c.text, font: c.font, labelFont: c.font, label, labelSize: 18,
                             grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } }, extra || {});
    }

    function boxWidth(box) {
      return Math.max(120, Math.floor(box.getBoundingClientRect().width || root.getBoundingClientRect().width || 320));
    }

    function buildStd(log, depth) {
      const c = colors();
      if (charts.std) charts.std.destroy();
      const w = boxWidth(stdBox);
      const pts = (stroke) => ({ show: true, size: 7, stroke, fill: stroke, width: 1 });
      charts.std = new uPlot({
        width: w, height: Math.round(Math.min(320, Math.max(220, w * 0.5))),
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false, range: (u, lo, hi) => [0.5, Math.max(hi, 1) + 0.5] },
                  y: log ? { range: (u, lo, hi) => [Math.floor(lo), Math.ceil(hi)] }
                         : { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.08 : 1] } },
        axes: [axis(c, "층"),
               axis(c, log ? "표준편차 (로그 눈금)" : "표준편차",
                    log ? { size: 64, incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, vals) => vals.map(power) }
                        : { size: 64 })],
        series: [
          { label: "층" },
          { label: "활성화 값 (이론)", stroke: c.act, width: 2, points: { show: false } },
          { label: "활성화 값 (시뮬레이션)", stroke: c.act, paths: () => null, points: pts(c.act) },
          { label: "기울기 ∂L/∂Z (이론)", stroke: c.grad, width: 2, dash: [6, 4], points: { show: false } },
          { label: "기울기 ∂L/∂Z (시뮬레이션)", stroke: c.grad, paths: () => null, points: pts(c.grad) },
        ],
      }, [[], [], [], [], []], stdBox);
      charts.stdLog = log;
      charts.stdMode = "mlp";
    }

    function buildHists(layers) {
      const c = colors();
      for (const kind of ["activation", "gradient"]) {
        charts.hists[kind].forEach((u) => u.destroy());
        charts.hists[kind] = [];
        const grid = histGrids[kind];
        grid.textContent = "";
        const cols = grid.getBoundingClientRect().width < 560 ? 2 : 4;
        const w = Math.max(110, Math.floor((boxWidth(grid) - (cols - 1) * 8) / cols));
        for (const l of layers) {
          const cell = document.createElement("div");
          cell.className = "wie-hist";
          cell.dataset.layer = String(l);
          grid.appendChild(cell);
          const color = kind === "activation" ? c.act : c.grad;
          const title = (kind === "activation" ? "A, " : "∂L/∂Z, ") + l + "층";
          const u = new uPlot({
            width: w, height: 150, title,
            legend: { show: false }, cursor: { show: false },
            scales: { x: { time: false }, y: { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] } },
            axes: [axis(c, "", { size: 28, labelSize: 0, space: 24, values: (u, vals) => vals.map((v) => compact(v)) }),
                   axis(c, "", { size: 40, labelSize: 0, values: (u, vals) => vals.map((v) => compact(v)) })],
            series: [{}, { stroke: color, fill: color + "55", width: 1,
                           paths: uPlot.paths.bars({ size: [1, Infinity], gap: 0 }), points: { show: false } }],
          }, [[], []], cell);
          charts.hists[kind].push(u);
        }
      }
    }

    // a log10 value as a power of ten: 2 -> "10²", -23 -> "10⁻²³"
    const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
    function power(v) {
      if (v === 0) return "1";
      if (v === 1) return "10";
      return "10" + String(Math.round(v)).split("").map((ch) => SUP[ch]).join("");
    }

    function compact(v) {
      if (v === 0) return "0";
      const a = Math.abs(v);
      return a < 1e-2 || a >= 1e3 ? v.toExponential(0) : String(+v.toPrecision(2));
    }

    function rebuild() {
      charts.std && charts.std.destroy();
      charts.std = null;
      lastLayers = "";
      update(true);
    }

    // With q* = 0 (no bias, small sigma_w^2) chi1 < 1 still shrinks gradients, but correlations
    // between inputs do not go to 1 there, so it is not called the ordered phase.
    function phase(chi, q) {
      if (!Number.isFinite(chi)) return "";
      if (Math.abs(chi - 1) <= 0.01) return "임계점";
      if (chi < 1 && q === 0) return "기울기가 층마다 줄어든다(q<sup>*</sup> = 0이라 입력 사이의 상관은 1로 가지 않는다)";
      return chi < 1 ? "질서 상태: 기울기가 층마다 줄어든다" : "혼돈 상태: 기울기가 층마다 커진다";
    }

    // An update runs as a job in slices of at most SLICE_MS, each a task of its own, so that the
    // page keeps answering input while it computes; a newer control change cancels the job.
    const SLICE_MS = 12;
    const channel = new MessageChannel();
    const queued = [];
    channel.port1.onmessage = () => { const f = queued.shift(); if (f) f(); };
    function later(f) { queued.push(f); channel.port2.postMessage(0); }
    let job = 0;

    let lastKey = "";
    function update(force) {
      const t0 = performance.now();
      const s = settings();
      // a slider's release and a select fire both input and change: compute once
      const key = JSON.stringify(s);
      if (key === lastKey && force !== true) return;
      lastKey = key;
      const info = data.inits[s.init];
      const residual = s.mode === "residual";
      const off = { sigma: !info.fixed_std, slope: s.activation !== "leaky_relu", bias: residual,
                    alpha: !residual, norm: !residual };
      for (const [name, isOff] of Object.entries(off)) {
        el(name).disabled = isOff;
        root.querySelector(`[data-control="${name}"]`).classList.toggle("wie-off", isOff);
      }
      root.querySelector("#wie-alpha-out").textContent = String(Number(el("alpha").value));
      root.querySelector("#wie-sigma-out").textContent = s.sigma.toPrecision(3);
      root.querySelector("#wie-slope-out").textContent = String(s.slope);
      root.querySelector("#wie-depth-out").textContent = String(s.depth);
      root.querySelector("#wie-width-out").textContent = String(s.width);
      root.querySelector("#wie-bias-out").textContent = String(s.biasStd);
      root.querySelector("#wie-seed-out").textContent = String(s.seed);

      const layers = histLayersFor(s.depth);
      const id = ++job;
      const steps = (function* () {
        const th = yield* theorySteps(s);
        const sim = residual ? yield* simulateResidualSteps(s, info, data.residual.ln_eps)
                             : yield* simulateSteps(s, info, layers);
        return [th, sim];
      })();
      const step = () => {
        if (id !== job) return; // a newer change took over
        const start = performance.now();
        let r;
        do r = steps.next(); while (!r.done && performance.now() - start < SLICE_MS);
        state.longestSliceMs = Math.max(state.longestSliceMs, performance.now() - start);
        if (r.done) {
          if (residual) drawResidual(s, r.value[0], r.value[1], t0, performance.now());
          else draw(s, info, layers, r.value[0], r.value[1], t0, performance.now());
        }
        else later(step);
      };
      step();
    }

    // The two views share the status line, the standard-deviation plot and the table; the
    // histograms, the table's head and the captions follow the mode.
    const mlpHead = root.querySelector(".wie-table thead").innerHTML;
    const stdCaption = root.querySelector(".wie-std figcaption");
    const mlpCaption = stdCaption.textContent;
    const tableCaption = root.querySelector(".wie-table caption");
    const mlpTableCaption = tableCaption.textContent;
    let shownMode = "mlp";
    function showMode(mode) {
      if (mode === shownMode) return;
      shownMode = mode;
      root.querySelector(".wie-hists").hidden = mode === "residual";
      root.querySelector(".wie-table thead").innerHTML = mode === "residual"
        ? '<tr><th scope="col">블록</th><th scope="col">잔차 스트림 표준편차 (이론)</th>' +
          '<th scope="col">잔차 스트림 표준편차 (시뮬레이션)</th></tr>'
        : mlpHead;
      stdCaption.textContent = mode === "residual"
        ? "블록 수에 따른 잔차 스트림의 표준편차: 점은 시뮬레이션, 선은 이론(분산 점화식)" : mlpCaption;
      tableCaption.textContent = mode === "residual" ? "블록별 잔차 스트림의 표준편차: 그림과 같은 숫자" : mlpTableCaption;
      if (charts.std) { charts.std.destroy(); charts.std = null; }
      lastLayers = "";
    }

    function draw(s, info, layers, th, sim, t0, t1) {
      showMode("mlp");
      // table
      const act = activation(s.activation, s.slope);
      const shareName = act.saturates ? "포화 비율" : act.rectifier ? "죽은 렐루 비율" : "";
      shareHead.textContent = shareName;
      shareHead.hidden = !shareName;
      const rows = [];
      for (let l = 0; l < s.depth; l++) {
        const cells = [th.actStd[l], sim.actStd[l], th.gradStd[l], sim.gradStd[l]]
          .map((v) => `<td data-value="${v}">${fmt(v)}</td>`).join("");
        const sh = sim.share ? `<td data-value="${sim.share[l]}">${(100 * sim.share[l]).toFixed(1)}%</td>` : "";
        rows.push(`<tr><th scope="row">${l + 1}</th>${cells}${sh}</tr>`);
      }
      tbody.innerHTML = rows.join("");

      // std against depth
      const all = th.actStd.concat(th.gradStd, Array.from(sim.actStd), Array.from(sim.gradStd));
      const pos = all.filter((v) => v > 0 && Number.isFinite(v));
      const log = pos.length === all.length && Math.max(...pos) / Math.min(...pos) > 20;
      if (!charts.std || charts.stdLog !== log || charts.stdMode !== "mlp") buildStd(log, s.depth);
      // On the log scale the plot holds log10 of the values (uPlot's own log axis covers only
      // magnitudes of about 1e-16 to 1e16; the standard deviations here can reach 1e-150).
      const clean = (arr) => Array.from(arr, (v) => (Number.isFinite(v) && (!log || v > 0) ? (log ? Math.log10(v) : v) : null));
      const xs = Array.from({ length: s.depth }, (_, i) => i + 1);
      charts.std.setData([xs, clean(th.actStd), clean(sim.actStd), clean(th.gradStd), clean(sim.gradStd)]);

      // histograms
      const layerKey = layers.join(",");
      if (layerKey !== lastLayers) { buildHists(layers); lastLayers = layerKey; }
      for (const kind of ["activation", "gradient"]) {
        layers.forEach((l, i) => {
          const [xy, sd] = histogram(sim.hist[kind][l], 30);
          const u = charts.hists[kind][i];
          u.setData(xy);
          const title = u.root.querySelector(".u-title");
          if (title) title.textContent = (kind === "activation" ? "A, " : "∂L/∂Z, ") + l + "층 (s = " + fmt(sd) + ")";
        });
      }

      const chi = th.chi1;
      const q = th.qStar;
      const qText = Number.isNaN(q) ? "모든 q가 고정점" : fmt(q);
      const narrow = s.simWidth < s.width;
      // the particle after a number read aloud: 로 after 1, 2, 4, 5, 7, 8, 9; 으로 after 0, 3, 6
      const ro = (v) => ("036".includes(String(v).slice(-1)) ? "으로" : "로");
      const heavy = narrow
        ? ` 계산량이 많은 설정이라 입력을 ${s.batch}개로 줄이고 시뮬레이션 망의 폭도 ${s.simWidth}${ro(s.simWidth)} 줄였다` +
          `(σ<sub>w</sub><sup>2</sup> = n·Var(W)는 그대로 두었고, 이론은 폭 ${s.width}의 값이다).`
        : s.batch < BATCH_MAX ? ` 계산량이 많은 설정이라 입력을 ${s.batch}개로 줄였다(최대 ${BATCH_MAX}개).` : "";
      const shareText = sim.share
        ? ` 마지막 층의 ${shareName}: ${(100 * sim.share[s.depth - 1]).toFixed(1)}%.` : "";
      const render = () => {
        const t2 = performance.now();
        state.last = { settings: s, theory: th, simulation: { actStd: Array.from(sim.actStd), gradStd: Array.from(sim.gradStd),
                       share: sim.share ? Array.from(sim.share) : null, batch: s.batch, width: s.simWidth },
                       computeMs: t1 - t0, totalMs: t2 - t0 };
        // indices as sub- and superscript markup: the body font's own ², ₁ glyphs are tiny.
        // q* and chi1 depend on sigma_b^2 as much as on sigma_w^2, so both are stated.
        status.innerHTML =
          `평균장 이론: σ<sub>w</sub><sup>2</sup> = n·Var(W) = ${fmt(th.sigmaW2)}, ` +
          `σ<sub>b</sub><sup>2</sup> = ${fmt(th.sigmaB2)}, q<sup>*</sup> = ${qText}, ` +
          `χ<sub>1</sub> = ${fmt(chi)}. ${phase(chi, q)}.` +
          shareText + ` 입력 ${s.batch}개(표준정규분포, 차원 ${s.simWidth})로 시뮬레이션했다.${heavy}` +
          ` 갱신 ${Math.round(t2 - t0)} ms.`;
        state.updates++;
        root.dispatchEvent(new CustomEvent("wie:updated", { detail: state.last }));
      };
      // uPlot draws in a microtask queued by setData; this one runs after it
      queueMicrotask(render);
    }

    function buildResidualStd(log) {
      const c = colors();
      if (charts.std) charts.std.destroy();
      const w = boxWidth(stdBox);
      charts.std = new uPlot({
        width: w, height: Math.round(Math.min(320, Math.max(220, w * 0.5))),
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false, range: (u, lo, hi) => [-0.5, Math.max(hi, 1) + 0.5] },
                  y: log ? { range: (u, lo, hi) => [Math.floor(lo), Math.ceil(hi)] }
                         : { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.08 : 1] } },
        axes: [axis(c, "블록"),
               axis(c, log ? "표준편차 (로그 눈금)" : "표준편차",
                    log ? { size: 64, incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, vals) => vals.map(power) }
                        : { size: 64 })],
        series: [
          { label: "블록" },
          { label: "잔차 스트림 (이론)", stroke: c.act, width: 2, points: { show: false } },
          { label: "잔차 스트림 (시뮬레이션)", stroke: c.act, paths: () => null,
            points: { show: true, size: 7, stroke: c.act, fill: c.act, width: 1 } },
        ],
      }, [[], [], []], stdBox);
      charts.stdLog = log;
      charts.stdMode = "residual";
    }

    function drawResidual(s, th, sim, t0, t1) {
      showMode("residual");
      const L = s.depth;
      const rows = [];
      for (let l = 0; l <= L; l++) {
        const cells = [th.streamStd[l], sim.streamStd[l]].map((v) => `<td data-value="${v}">${fmt(v)}</td>`).join("");
        rows.push(`<tr><th scope="row">${l}</th>${cells}</tr>`);
      }
      tbody.innerHTML = rows.join("");
      const all = th.streamStd.concat(Array.from(sim.streamStd));
      const pos = all.filter((v) => v > 0 && Number.isFinite(v));
      const log = pos.length === all.length && Math.max(...pos) / Math.min(...pos) > 20;
      if (!charts.std || charts.stdLog !== log || charts.stdMode !== "residual") buildResidualStd(log);
      const clean = (arr) => Array.from(arr, (v) => (Number.isFinite(v) && (!log || v > 0) ? (log ? Math.log10(v) : v) : null));
      const xs = Array.from({ length: L + 1 }, (_, i) => i);
      charts.std.setData([xs, clean(th.streamStd), clean(sim.streamStd)]);

      const act = activation(s.activation, s.slope);
      const pre = s.norm === "pre_ln";
      const homogeneous = act.name === "linear" || act.rectifier;
      const k = s.alpha * s.alpha * th.sigmaW2;
      const m1 = theory.secondMoment(act, 1);
      let law;
      if (pre) {
        law = `층 정규화가 가지 입력의 분산을 1로 맞추므로 블록마다 분산이 같은 양 α<sup>2</sup>·c = ${fmt(k * m1)}` +
              `(c = σ<sub>w</sub><sup>2</sup>·E[f(z)<sup>2</sup>], z ~ N(0, 1))만큼 늘어난다: Var(x<sub>L</sub>) = 1 + L·α<sup>2</sup>·c, 깊이에 선형`;
      } else if (homogeneous) {
        law = `가지의 분산 이득 g = σ<sub>w</sub><sup>2</sup>·E[f(z)<sup>2</sup>]/Var(z) = ${fmt(th.sigmaW2 * m1)}가 일정해 ` +
              `블록마다 분산이 (1 + α<sup>2</sup>·g) = ${fmt(1 + k * m1)}배가 된다: Var(x<sub>L</sub>) = (1 + α<sup>2</sup>·g)<sup>L</sup>, 깊이에 지수`;
      } else {
        law = "블록마다 분산이 (1 + α<sup>2</sup>·g<sub>l</sub>)배가 된다(g<sub>l</sub> = σ<sub>w</sub><sup>2</sup>·E[f(z)<sup>2</sup>]/v<sub>l</sub>, " +
              "z ~ N(0, v<sub>l</sub>), 이 활성화 함수에서는 분산에 따라 달라진다)";
      }
      const narrow = s.simWidth < s.width;
      const ro = (v) => ("036".includes(String(v).slice(-1)) ? "으로" : "로");
      const heavy = narrow
        ? ` 계산량이 많은 설정이라 입력을 ${s.batch}개로 줄이고 시뮬레이션 망의 폭도 ${s.simWidth}${ro(s.simWidth)} 줄였다` +
          `(σ<sub>w</sub><sup>2</sup> = n·Var(W)는 그대로 두었고, 이론은 폭 ${s.width}의 값이다).`
        : s.batch < BATCH_MAX ? ` 계산량이 많은 설정이라 입력을 ${s.batch}개로 줄였다(최대 ${BATCH_MAX}개).` : "";
      const render = () => {
        const t2 = performance.now();
        state.last = { settings: s, theory: th, simulation: { streamStd: Array.from(sim.streamStd), batch: s.batch,
                       width: s.simWidth }, computeMs: t1 - t0, totalMs: t2 - t0 };
        status.innerHTML =
          `잔차 스트림 x<sub>l+1</sub> = x<sub>l</sub> + α·W f(${pre ? "LN(x<sub>l</sub>)" : "x<sub>l</sub>"}), ` +
          `α = ${fmt(s.alpha)}, σ<sub>w</sub><sup>2</sup> = n·Var(W) = ${fmt(th.sigmaW2)}. ${law}. ` +
          `${L}번째 블록 뒤의 표준편차: 이론 ${fmt(th.streamStd[L])}, 시뮬레이션 ${fmt(sim.streamStd[L])}. ` +
          `입력 ${s.batch}개(표준정규분포, 차원 ${s.simWidth})로 시뮬레이션했다.${heavy} 갱신 ${Math.round(t2 - t0)} ms.`;
        state.updates++;
        root.dispatchEvent(new CustomEvent("wie:updated", { detail: state.last }));
      };
      queueMicrotask(render);
    }

    const computeTheory = (s) => run(theorySteps(s));
    const state = { updates: 0, last: null, update, settings, computeTheory,
                    simulate: (s) => run(simulateSteps(Object.assign({}, planFor(s.width, s.depth), s), data.inits[s.init],
                                                       histLayersFor(s.depth))),
                    simulateResidual: (s) => run(simulateResidualSteps(Object.assign({}, planFor(s.width, s.depth), s),
                                                                       data.inits[s.init], data.residual.ln_eps)),
                    theory: computeTheory, planFor, dropCaches, data, longestSliceMs: 0 };
    window.weightinitExplorer = state;

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    el("seed").addEventListener("click", () => {
      el("seed").value = String(Number(el("seed").value) + 1);
      update();
    });
    new MutationObserver(rebuild).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    let resizeTimer = 0, lastWidth = root.getBoundingClientRect().width;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        const w = root.getBoundingClientRect().width;
        if (Math.abs(w - lastWidth) > 2) { lastWidth = w; rebuild(); }
      }, 150);
    });
    root.classList.add("wie-ready");
    update();
  }

  function boot() {
    const root = document.getElementById("weightinit-explorer");
    if (root && window.uPlot) start(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
