// Calibration fits on a layer's captured input windows (pure functions over typed arrays):
// - refitAlphaBeta: least squares of {beta, alpha} on the layer's OUTPUTS (not its weights),
//   two unknowns per tensor or channel, solved in closed form (2 x 2 normal equations);
// - biasCorrection: the shift that makes each output channel's mean match the original's;
// - layerSensitivity: output error per unit of weight error, to weight the budget allocation.
import { canonicalRows, fanInOf, fromCanonicalRows, outChannelsOf, type LayerGeometry } from './geometry';
import type { Windows } from './windows';

export type BinaryMethod = 'sbnn' | 'sparse01' | 'bnn';

export interface RefitOptions {
  method: BinaryMethod;
  /** One {alpha, beta} per output channel (true) or one per tensor (false). */
  perChannel: boolean;
  /** Pruning mask in the weight's layout (1 = kept); pruned weights stay exact zeros. */
  mask?: Uint8Array | null;
  /**
   * Windows of the ORIGINAL model's layer input, sampled at the same positions as `win` (same
   * shape, maxWindows and seed). Then the targets are the original outputs (target . w) while the
   * features come from `win`, the input as the already-compressed layers before this one deliver it,
   * so the fit also compensates upstream error. Default: `win` itself.
   */
  target?: Windows | null;
  /**
   * Fit the output variations only (u, v, y centered over the windows), leaving the mean to the
   * bias: right when a bias correction follows. Without it a value like sparse01's lone alpha is
   * pulled toward matching the output mean instead of its shape.
   */
  center?: boolean;
}

export interface RefitResult {
  /** Per group (channel, or one for the tensor): alpha; for bnn the magnitude a. */
  alpha: Float64Array;
  /** Per group: beta (0 for sparse01, -a for bnn). */
  beta: Float64Array;
  /** Dequantized weights in the weight's own layout (float32 values of alpha / beta / 0). */
  q: Float32Array;
}

function sameSampling(win: Windows, target: Windows | null | undefined): Windows {
  if (!target) return win;
  if (target.count !== win.count || target.fanIn !== win.fanIn || target.groups !== win.groups) {
    throw new Error(`target windows (${target.groups} x ${target.count} x ${target.fanIn}) differ from the layer's (${win.groups} x ${win.count} x ${win.fanIn}); sample both with the same options`);
  }
  return target;
}

function rowsOfWindow(win: Windows, g: LayerGeometry): { perGroupOut: number; fanIn: number; outs: number } {
  const outs = outChannelsOf(g);
  return { perGroupOut: outs / win.groups, fanIn: fanInOf(g), outs };
}

/**
 * Refits the two values of a binary layer so that, on the calibration windows, the layer's outputs
 * best match the original outputs: minimize sum_p (x_p . w_o - alpha u_p - beta v_p)^2 with
 * u_p = x_p . (b_o m_o) and v_p = x_p . ((1 - b_o) m_o). Normal equations
 * [uu uv; uv vv] [alpha beta]' = [uy vy]'; sparse01 fixes beta = 0 (alpha = uy / uu), bnn fixes
 * beta = -alpha (alpha = s.y / s.s with s = u - v). A singular system (a channel with no ones or
 * no zeros) keeps the weight-space least-squares values (the means of w over each side).
 */
export function refitAlphaBeta(win: Windows, w: Float32Array, bits: Uint8Array, g: LayerGeometry, opts: RefitOptions): RefitResult {
  const { perGroupOut, fanIn, outs } = rowsOfWindow(win, g);
  const tgt = sameSampling(win, opts.target);
  const W = canonicalRows(w, g);
  const Bt = canonicalRows(bits, g);
  const M = opts.mask ? canonicalRows(opts.mask, g) : null;
  const nGroups = opts.perChannel ? outs : 1;
  // Normal-equation sums and weight-space fallbacks per fit group.
  const uu = new Float64Array(nGroups), uv = new Float64Array(nGroups), vv = new Float64Array(nGroups);
  const uy = new Float64Array(nGroups), vy = new Float64Array(nGroups);
  const su = new Float64Array(nGroups), sv = new Float64Array(nGroups), sy = new Float64Array(nGroups), cnt = new Float64Array(nGroups);
  const s1 = new Float64Array(nGroups), n1 = new Float64Array(nGroups), s0 = new Float64Array(nGroups), n0 = new Float64Array(nGroups);
  // Window sums over kept weights are shared by every channel of a group when nothing is pruned.
  const windowSum = M ? null : new Float64Array(win.groups * win.count);
  if (windowSum) {
    for (let r = 0; r < windowSum.length; r++) {
      let t = 0;
      for (let i = r * fanIn; i < (r + 1) * fanIn; i++) t += win.data[i];
      windowSum[r] = t;
    }
  }
  const onesIdx = new Int32Array(fanIn);
  const keptIdx = new Int32Array(fanIn);
  for (let o = 0; o < outs; o++) {
    const fg = opts.perChannel ? o : 0;
    const wo = o * fanIn;
    let nOnes = 0;
    let nKept = 0;
    for (let i = 0; i < fanIn; i++) {
      if (M && !M[wo + i]) continue;
      keptIdx[nKept++] = i;
      if (Bt[wo + i]) {
        onesIdx[nOnes++] = i;
        s1[fg] += W[wo + i];
        n1[fg]++;
      } else {
        s0[fg] += W[wo + i];
        n0[fg]++;
      }
    }
    const gi = Math.floor(o / perGroupOut);
    const wRow = W.subarray(wo, wo + fanIn);
    for (let p = 0; p < win.count; p++) {
      const xo = (gi * win.count + p) * fanIn;
      const x = win.data.subarray(xo, xo + fanIn);
      const t = tgt === win ? x : tgt.data.subarray(xo, xo + fanIn);
      let y = 0;
      for (let i = 0; i < fanIn; i++) y += t[i] * wRow[i];
      let u = 0;
      for (let j = 0; j < nOnes; j++) u += x[onesIdx[j]];
      let kept: number;
      if (windowSum) kept = windowSum[gi * win.count + p];
      else {
        kept = 0;
        for (let j = 0; j < nKept; j++) kept += x[keptIdx[j]];
      }
      const v = kept - u;
      uu[fg] += u * u;
      uv[fg] += u * v;
      vv[fg] += v * v;
      uy[fg] += u * y;
      vy[fg] += v * y;
      su[fg] += u;
      sv[fg] += v;
      sy[fg] += y;
      cnt[fg]++;
    }
  }
  if (opts.center) {
    // Centered moments: sum (a - mean a)(b - mean b) = sum ab - sum a sum b / n.
    for (let k = 0; k < nGroups; k++) {
      if (!cnt[k]) continue;
      const c = cnt[k];
      uu[k] -= (su[k] * su[k]) / c;
      uv[k] -= (su[k] * sv[k]) / c;
      vv[k] -= (sv[k] * sv[k]) / c;
      uy[k] -= (su[k] * sy[k]) / c;
      vy[k] -= (sv[k] * sy[k]) / c;
    }
  }
  const alpha = new Float64Array(nGroups);
  const beta = new Float64Array(nGroups);
  for (let k = 0; k < nGroups; k++) {
    const a0 = n1[k] ? s1[k] / n1[k] : 0;
    const b0 = n0[k] ? s0[k] / n0[k] : 0;
    if (opts.method === 'sparse01') {
      alpha[k] = uu[k] > 0 ? uy[k] / uu[k] : n1[k] ? s1[k] / n1[k] : 0;
      beta[k] = 0;
    } else if (opts.method === 'bnn') {
      // s = u - v: sum s^2 = uu - 2uv + vv, sum s y = uy - vy.
      const ss = uu[k] - 2 * uv[k] + vv[k];
      const fallback = (s1[k] - s0[k]) / Math.max(1, n1[k] + n0[k]);
      alpha[k] = ss > 0 ? (uy[k] - vy[k]) / ss : fallback;
      beta[k] = -alpha[k];
    } else {
      const det = uu[k] * vv[k] - uv[k] * uv[k];
      if (det > 1e-12 * uu[k] * vv[k] && det > 0) {
        alpha[k] = (uy[k] * vv[k] - vy[k] * uv[k]) / det;
        beta[k] = (vy[k] * uu[k] - uy[k] * uv[k]) / det;
      } else {
        alpha[k] = a0;
        beta[k] = b0;
      }
    }
  }
  const rows = new Float32Array(W.length);
  for (let o = 0; o < outs; o++) {
    const k = opts.perChannel ? o : 0;
    const a = Math.fround(alpha[k]);
    const b = Math.fround(beta[k]);
    for (let i = o * fanIn; i < (o + 1) * fanIn; i++) rows[i] = M && !M[i] ? 0 : Bt[i] ? a : b;
  }
  return { alpha, beta, q: fromCanonicalRows(rows, g) };
}

function meanWindow(win: Windows): Float64Array {
  const fanIn = win.fanIn;
  const mean = new Float64Array(win.groups * fanIn);
  for (let gi = 0; gi < win.groups; gi++) {
    for (let p = 0; p < win.count; p++) {
      const xo = (gi * win.count + p) * fanIn;
      for (let i = 0; i < fanIn; i++) mean[gi * fanIn + i] += win.data[xo + i];
    }
  }
  for (let i = 0; i < mean.length; i++) mean[i] /= Math.max(1, win.count);
  return mean;
}

/**
 * Per output channel, the shift to add to the bias so the compressed layer's mean output equals
 * the original's: mean(target) . w_o - mean(win) . q_o (target = win unless given; see RefitOptions).
 */
export function biasCorrection(win: Windows, w: Float32Array, q: Float32Array, g: LayerGeometry, target?: Windows | null): Float64Array {
  const { perGroupOut, fanIn, outs } = rowsOfWindow(win, g);
  const W = canonicalRows(w, g);
  const Q = canonicalRows(q, g);
  const mq = meanWindow(win);
  const mw = target ? meanWindow(sameSampling(win, target)) : mq;
  const shift = new Float64Array(outs);
  for (let o = 0; o < outs; o++) {
    const gi = Math.floor(o / perGroupOut);
    let s = 0;
    for (let i = 0; i < fanIn; i++) s += mw[gi * fanIn + i] * W[o * fanIn + i] - mq[gi * fanIn + i] * Q[o * fanIn + i];
    shift[o] = s;
  }
  return shift;
}

/**
 * Expected squared output error per sample, sum over channels and positions, of replacing w by q
 * (estimated from the sampled windows, scaled to all positions of one sample).
 */
export function outputError(win: Windows, w: Float32Array, q: Float32Array, g: LayerGeometry, bias?: ArrayLike<number> | null): number {
  const { perGroupOut, fanIn, outs } = rowsOfWindow(win, g);
  const W = canonicalRows(w, g);
  const Q = canonicalRows(q, g);
  let e = 0;
  for (let o = 0; o < outs; o++) {
    const gi = Math.floor(o / perGroupOut);
    const shift = bias ? bias[o] : 0;
    for (let p = 0; p < win.count; p++) {
      const xo = (gi * win.count + p) * fanIn;
      let d = shift;
      for (let i = 0; i < fanIn; i++) d += win.data[xo + i] * (W[o * fanIn + i] - Q[o * fanIn + i]);
      e += d * d;
    }
  }
  return (e / Math.max(1, win.count)) * win.perSample;
}

/**
 * Output error per unit of weight error (per sample): with `w` and `q`, exactly
 * outputError / sum (w - q)^2 for that choice; without, the expectation for an isotropic weight
 * error: perSample * mean over groups of E||x_window||^2 / fanIn.
 */
export function layerSensitivity(win: Windows, g: LayerGeometry, w?: Float32Array | null, q?: Float32Array | null): number {
  if (w && q) {
    let werr = 0;
    for (let i = 0; i < w.length; i++) werr += (w[i] - q[i]) ** 2;
    return werr > 0 ? outputError(win, w, q, g) / werr : 0;
  }
  const fanIn = fanInOf(g);
  let s = 0;
  for (let i = 0; i < win.data.length; i++) s += win.data[i] * win.data[i];
  return (win.perSample * s) / Math.max(1, win.count) / win.groups / fanIn;
}
