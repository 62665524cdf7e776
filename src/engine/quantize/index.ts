// One entry point over all quantization methods, per tensor or per output channel, with an
// optional pruning mask (pruned entries are exact zeros, carry no code and stay out of the fits).
import type { Method } from '../../shared/report';
import { SbnnError } from '../errors';
import { bnnGroup } from './bnn';
import { checkShare, groupIndices, groupLayout, type ChannelSpec, type GroupResult } from './common';
import { intGroup } from './intk';
import { sbnnGroup } from './sbnn';
import { sparse01Group } from './sparse01';
import { ternaryGroup } from './ternary';

export type { ChannelSpec } from './common';
export { quickselect } from './select';
export { sbnnOnes, sparse01Ones, groupLayout } from './common';
export { intLevels } from './intk';

export interface QuantizeOptions {
  /** sbnn/sparse01: share p of ones (k = round(p * n_kept), clamped 1..n-1); null/undefined = free. */
  ones?: number | null;
  perChannel?: ChannelSpec | null;
  /** Pruning mask, 1 = kept, 0 = pruned (exact zero, no code, excluded from fits). */
  mask?: Uint8Array | null;
  /**
   * Buffers for q and codes, at least n long, reused across calls by a caller that quantizes many
   * layers in turn (no garbage per layer); the result's q and codes are then views of them.
   */
  buffers?: { q: Float32Array; codes: Uint8Array } | null;
}

export interface QuantResult {
  method: Method;
  /**
   * Dequantized tensor, same layout as the input; pruned entries are exactly 0. For 'float'
   * without a mask this is the input array itself (identity, no copy).
   */
  q: Float32Array;
  /**
   * Per weight: sbnn/bnn/sparse01 bit (1 = alpha / +a); ternary 0 = -a, 1 = 0, 2 = +a;
   * intK level + (2^(K-1) - 1). Pruned entries 0 (ignored). Empty for float.
   */
  codes: Uint8Array;
  /** 1 per tensor, else the number of output channels. */
  groups: number;
  /** Per group: sbnn/sparse01 alpha; bnn/ternary a; null for intK and float. Float32 values. */
  alpha: Float64Array | null;
  /** Per group: sbnn beta; null otherwise. */
  beta: Float64Array | null;
  /** Per group: intK scale s; null otherwise. */
  scale: Float64Array | null;
  /** Exact sum (w - q)^2 over all entries in float64 (pruned ones contribute w^2). */
  error: number;
  /** sbnn/sparse01: share of kept weights with code 1; bnn: share of +a; else null. */
  ones: number | null;
  /** Number of unpruned weights. */
  kept: number;
}

const INT_BITS: Partial<Record<Method, number>> = { int8: 8, int4: 4, int2: 2 };

type Kernel = (v: Float32Array, q: Float32Array, codes: Uint8Array, ones: number | null, scratch: (m: number) => Float32Array) => GroupResult;

function kernelFor(method: Method): Kernel {
  switch (method) {
    case 'sbnn':
      return sbnnGroup;
    case 'sparse01':
      return sparse01Group;
    case 'bnn':
      return (v, q, c) => bnnGroup(v, q, c);
    case 'ternary':
      return (v, q, c, _p, s) => ternaryGroup(v, q, c, s);
    case 'int8':
    case 'int4':
    case 'int2': {
      const bits = INT_BITS[method]!;
      return (v, q, c, _p, s) => intGroup(v, q, c, bits, s);
    }
    default:
      throw new SbnnError(null, `unknown quantization method "${String(method)}"`);
  }
}

export function quantize(w: Float32Array, method: Method, opts: QuantizeOptions = {}): QuantResult {
  const n = w.length;
  const mask = opts.mask ?? null;
  if (mask && mask.length !== n) throw new SbnnError(null, `pruning mask has ${mask.length} entries, tensor has ${n}`);
  const p = method === 'sbnn' || method === 'sparse01' ? (opts.ones ?? null) : null;
  checkShare(p);
  const layout = groupLayout(n, opts.perChannel);
  const G = layout.groups;
  let kept = n;
  let prunedError = 0;
  if (mask) {
    kept = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i] !== 0) kept++;
      else prunedError += w[i]! * w[i]!;
    }
  }

  if (method === 'float') {
    // Identity; with a mask, a copy with the pruned entries zeroed.
    let q = w;
    if (mask) {
      q = new Float32Array(w);
      for (let i = 0; i < n; i++) if (mask[i] === 0) q[i] = 0;
    }
    return { method, q, codes: new Uint8Array(0), groups: G, alpha: null, beta: null, scale: null, error: prunedError, ones: null, kept };
  }

  const kernel = kernelFor(method);
  const buf = opts.buffers && opts.buffers.q.length >= n && opts.buffers.codes.length >= n ? opts.buffers : null;
  const q = buf ? buf.q.subarray(0, n) : new Float32Array(n);
  const codes = buf ? buf.codes.subarray(0, n) : new Uint8Array(n);
  // Pruned entries are 0 in q and codes; reused buffers hold the previous layer's values.
  if (buf && mask) {
    q.fill(0);
    codes.fill(0);
  }
  const results: GroupResult[] = [];
  // Scratch for copies (selection, sorting), allocated on first use: the big-group fixed-p path needs none.
  let scratchBuf: Float32Array | null = null;
  const scratch = (m: number) => (scratchBuf ??= new Float32Array(layout.size)).subarray(0, m);
  if (!mask && layout.outer === 1) {
    // Contiguous groups (per tensor, or channel axis 0): work on views, no gather.
    for (let c = 0; c < G; c++) {
      const a = c * layout.inner;
      const b = a + layout.inner;
      results.push(kernel(w.subarray(a, b), q.subarray(a, b), codes.subarray(a, b), p, scratch));
    }
  } else {
    const idx = new Int32Array(layout.size);
    const vb = new Float32Array(layout.size);
    const qb = new Float32Array(layout.size);
    const cb = new Uint8Array(layout.size);
    for (let c = 0; c < G; c++) {
      const m = groupIndices(layout, c, mask, idx);
      for (let i = 0; i < m; i++) vb[i] = w[idx[i]!]!;
      results.push(kernel(vb.subarray(0, m), qb.subarray(0, m), cb.subarray(0, m), p, scratch));
      for (let i = 0; i < m; i++) {
        q[idx[i]!] = qb[i]!;
        codes[idx[i]!] = cb[i]!;
      }
    }
  }

  let error = prunedError;
  let ones = 0;
  for (const r of results) {
    error += r.error;
    ones += r.ones;
  }
  const per = (f: (r: GroupResult) => number) => Float64Array.from(results, f);
  const hasAlpha = method === 'sbnn' || method === 'sparse01' || method === 'bnn' || method === 'ternary';
  const hasOnes = method === 'sbnn' || method === 'sparse01' || method === 'bnn';
  return {
    method,
    q,
    codes,
    groups: G,
    alpha: hasAlpha ? per((r) => r.alpha) : null,
    beta: method === 'sbnn' ? per((r) => r.beta) : null,
    scale: method in INT_BITS ? per((r) => r.scale) : null,
    error,
    ones: hasOnes ? (kept > 0 ? ones / kept : 0) : null,
    kept,
  };
}
