// Pieces shared by the per-method quantizers, the error curves and pruning: how a tensor splits
// into per-output-channel groups, how a share of ones becomes a count, and the one assignment pass
// that writes q, codes and the exact error.
import { SbnnError } from '../errors';
import { assignTwoLevel as assignTwoLevelKernel } from '../wasm/kernels';

/** Per-output-channel grouping: `shape` of the tensor and the axis indexing output channels. */
export interface ChannelSpec {
  shape: number[];
  axis: number;
}

/** A tensor seen as [outer, groups, inner] around the channel axis (groups = 1 per tensor). */
export interface GroupLayout {
  groups: number;
  outer: number;
  inner: number;
  /** Values per group, pruned ones included. */
  size: number;
}

export function groupLayout(n: number, spec: ChannelSpec | null | undefined): GroupLayout {
  if (!spec) return { groups: 1, outer: 1, inner: n, size: n };
  const { shape, axis } = spec;
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length)
    throw new SbnnError(null, `per-channel axis ${axis} is outside shape [${shape.join(', ')}]`);
  let total = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new SbnnError(null, `bad tensor shape [${shape.join(', ')}]`);
    total *= d;
  }
  if (total !== n) throw new SbnnError(null, `shape [${shape.join(', ')}] holds ${total} values, tensor has ${n}`);
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const groups = shape[axis]!;
  return { groups, outer, inner, size: outer * inner };
}

/**
 * Flat indices of group `c`'s kept values, in ascending index order, written to `idx`; returns
 * how many. Ascending order matters: ties at a selection threshold are broken by lowest index.
 */
export function groupIndices(g: GroupLayout, c: number, mask: Uint8Array | null | undefined, idx: Int32Array): number {
  let m = 0;
  const stride = g.groups * g.inner;
  for (let o = 0; o < g.outer; o++) {
    const base = o * stride + c * g.inner;
    for (let i = 0; i < g.inner; i++) {
      const at = base + i;
      if (!mask || mask[at] !== 0) idx[m++] = at;
    }
  }
  return m;
}

/** k for a share of ones p among m kept values of sbnn: round(p*m) clamped to 1..m-1 (0 if m < 2). */
export function sbnnOnes(p: number, m: number): number {
  if (m < 2) return 0;
  return Math.min(m - 1, Math.max(1, Math.round(p * m)));
}

/** k for sparse01: round(p*m) clamped to 1..m-1; m = 1 keeps its single value (k = 1). */
export function sparse01Ones(p: number, m: number): number {
  if (m < 2) return m;
  return Math.min(m - 1, Math.max(1, Math.round(p * m)));
}

export function checkShare(p: number | null | undefined): void {
  if (p === null || p === undefined) return;
  if (!(p > 0 && p < 1)) throw new SbnnError(null, `share of ones must be between 0 and 1 (exclusive), got ${p}`);
}

/** Result of one group: parameters as stored (float32-rounded) and the error over its kept values. */
export interface GroupResult {
  alpha: number;
  beta: number;
  scale: number;
  error: number;
  /** Count of code-1 values (sbnn/sparse01 ones, bnn +a); 0 for the rest. */
  ones: number;
}

/**
 * Two-level assignment used by sbnn and sparse01: the `k` ones are the values above (`top`) or
 * below the threshold `t`, plus the first `ties` values equal to `t` by index. Writes q and
 * codes and returns sum (v - q)^2 in float64 over the float32 values actually stored.
 * The main loop is the WebAssembly kernel's (branch-free); the ties get a second, early-exit pass.
 */
export function assignTwoLevel(
  v: Float32Array,
  q: Float32Array,
  codes: Uint8Array,
  top: boolean,
  t: number,
  ties: number,
  alpha: number,
  beta: number,
): number {
  // One rule for both sides: -x > -t is x < t (negation is exact). alpha, beta are float32 values.
  const sgn = top ? 1 : -1;
  const r = assignTwoLevelKernel(v, q, codes, { sgn, st: sgn * t, beta, alpha, t, ties: Math.max(0, ties) });
  let err = r.error;
  // Values equal to t got beta; the first `ties` of them by index are ones.
  const db = t - beta;
  const da = t - alpha;
  const change = da * da - db * db;
  for (const i of r.tieIndices) {
    q[i] = alpha;
    codes[i] = 1;
    err += change;
  }
  return err > 0 ? err : 0;
}

/** Sum and sum of squares in float64. */
export function moments(v: Float32Array): { sum: number; sq: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    sum += x;
    sq += x * x;
  }
  return { sum, sq };
}

/** E = S2 - S^2/k - (T - S)^2/(m - k): the two-level least-squares error for ones summing to S. */
export function twoLevelError(sq: number, total: number, s: number, k: number, m: number): number {
  let e = sq;
  if (k > 0) e -= (s * s) / k;
  if (m - k > 0) e -= ((total - s) * (total - s)) / (m - k);
  return e > 0 ? e : 0;
}
