// Error curves (method.md §2): after one (radix) sort of each group's kept weights and prefix sums, the
// exact error of sbnn / sparse01 for any number of ones costs O(1); bnn, ternary and intK come
// from the same sorted data. The allocator and the UI sliders query curves, never the weights.
import type { LayerOption } from '../../shared/report';
import { layerBits, type MaskKind } from '../bits/index';
import { groupIndices, groupLayout, sbnnOnes, sparse01Ones, twoLevelError, type ChannelSpec } from '../quantize/common';
import { intLevels, releaseSweepScratch, searchIntScale, type IntSearchData } from '../quantize/intk';
import { bestSplit } from '../quantize/sbnn';
import { bestSparse01 } from '../quantize/sparse01';
import { bestTernary } from '../quantize/ternary';
import { releaseSortScratch, sortFloat32 } from '../quantize/sort';
import { absAscending, absWorkspace, intRunErrors, prefixStats, releaseAbsWorkspace, workspaceFill } from '../wasm/kernels';

export interface CurveOptions {
  perChannel?: ChannelSpec | null;
  mask?: Uint8Array | null;
  /** The caller's copy of the weights may be sorted in place (saves a copy per layer). */
  inPlace?: boolean;
}

export interface IntCurvePoint {
  error: number;
  /** Histogram of levels -L..L over kept weights (index = level + L). */
  counts: Float64Array;
  /** Per group scale (float32 values), as quantize() picks them. */
  scales: Float64Array;
}

const PREFIX_SHIFT = 4;

export class ErrorCurve {
  /** Weights in the tensor, pruned ones included. */
  readonly n: number;
  readonly kept: number;
  readonly groups: number;
  /** sum w^2 over all weights (pruned included). */
  readonly energy: number;
  /** sum w^2 over pruned weights: every option's error includes it. */
  readonly prunedEnergy: number;
  /** Kept values of each group, each segment sorted ascending. */
  private readonly sorted: Float32Array;
  /**
   * Per group prefix sums of `sorted` at every 2^PREFIX_SHIFT-th position (group c's from
   * ckOff[c], starting with 0): a sum in between continues from its checkpoint in the same
   * order, so it is the same float64 as a full table, which would take 8 bytes per weight.
   */
  private readonly prefix: Float64Array;
  private readonly ckOff: Int32Array;
  private readonly off: Int32Array;
  private readonly size: Int32Array;
  private readonly total: Float64Array;
  private readonly sq: Float64Array;
  private readonly absSum: Float64Array;
  private ternaryCache: { error: number; counts: [number, number, number] } | null = null;
  private readonly intCache = new Map<number, IntCurvePoint>();

  constructor(w: Float32Array, opts: CurveOptions = {}) {
    const n = w.length;
    const mask = opts.mask ?? null;
    const layout = groupLayout(n, opts.perChannel);
    const G = layout.groups;
    this.n = n;
    this.groups = G;
    let energy = 0;
    let pruned = 0;
    for (let i = 0; i < n; i++) {
      const e = w[i]! * w[i]!;
      energy += e;
      if (mask && mask[i] === 0) pruned += e;
    }
    this.energy = energy;
    this.prunedEnergy = pruned;
    this.off = new Int32Array(G + 1);
    this.size = new Int32Array(G);
    let sorted: Float32Array;
    if (!mask && layout.outer === 1) {
      sorted = opts.inPlace ? w : new Float32Array(w); // groups are contiguous: segments sorted in place
      for (let c = 0; c <= G; c++) this.off[c] = c * layout.inner;
    } else {
      const idx = new Int32Array(layout.size);
      let total = 0;
      const counts: number[] = [];
      for (let c = 0; c < G; c++) counts.push(groupIndices(layout, c, mask, idx));
      for (const m of counts) total += m;
      sorted = new Float32Array(total);
      let at = 0;
      for (let c = 0; c < G; c++) {
        this.off[c] = at;
        const m = groupIndices(layout, c, mask, idx);
        for (let i = 0; i < m; i++) sorted[at++] = w[idx[i]!]!;
      }
      this.off[G] = at;
    }
    this.sorted = sorted;
    this.kept = sorted.length;
    this.ckOff = new Int32Array(G + 1);
    for (let c = 0; c < G; c++) this.ckOff[c + 1] = this.ckOff[c]! + ((this.off[c + 1]! - this.off[c]!) >> PREFIX_SHIFT) + 1;
    this.prefix = new Float64Array(this.ckOff[G]!);
    this.total = new Float64Array(G);
    this.sq = new Float64Array(G);
    this.absSum = new Float64Array(G);
    for (let c = 0; c < G; c++) {
      const a = this.off[c]!;
      const m = this.off[c + 1]! - a;
      this.size[c] = m;
      const seg = sorted.subarray(a, a + m);
      sortFloat32(seg);
      const base = this.ckOff[c]!;
      const st = prefixStats(seg, this.prefix.subarray(base, this.ckOff[c + 1]!), PREFIX_SHIFT);
      this.total[c] = st.total;
      this.sq[c] = st.sq;
      this.absSum[c] = st.absSum;
    }
  }

  private seg(c: number): Float32Array {
    return this.sorted.subarray(this.off[c]!, this.off[c + 1]!);
  }

  /** Prefix sum of the j smallest kept values of group c (checkpoint, then the rest in order). */
  private low(c: number, j: number): number {
    const q = j >> PREFIX_SHIFT;
    let s = this.prefix[this.ckOff[c]! + q]!;
    const a = this.off[c]!;
    for (let t = a + (q << PREFIX_SHIFT); t < a + j; t++) s += this.sorted[t]!;
    return s;
  }

  private sbnnGroupError(c: number, k: number): number {
    const m = this.size[c]!;
    if (m < 2 || k <= 0 || k >= m) return m < 2 ? 0 : twoLevelError(this.sq[c]!, this.total[c]!, 0, 0, m);
    const T = this.total[c]!;
    const bot = this.low(c, k);
    const top = T - this.low(c, m - k);
    return Math.min(twoLevelError(this.sq[c]!, T, bot, k, m), twoLevelError(this.sq[c]!, T, top, k, m));
  }

  private sparse01GroupError(c: number, k: number): number {
    const m = this.size[c]!;
    if (m === 0) return 0;
    if (k <= 0) return this.sq[c]!;
    const T = this.total[c]!;
    const bot = this.low(c, k);
    const top = T - this.low(c, m - k);
    const e = this.sq[c]! - Math.max(bot * bot, top * top) / k;
    return e > 0 ? e : 0;
  }

  private perTensor(what: string): void {
    if (this.groups !== 1) throw new Error(`${what}(k) needs a per-tensor curve; use ${what}At(p) per channel`);
  }

  /** sbnn error with exactly k ones among the kept weights (per-tensor curve), 0 <= k <= kept. */
  sbnnError(k: number): number {
    this.perTensor('sbnnError');
    return this.sbnnGroupError(0, k) + this.prunedEnergy;
  }

  /** sparse01 error with exactly k ones (per-tensor curve), 0 <= k <= kept. */
  sparse01Error(k: number): number {
    this.perTensor('sparse01Error');
    return this.sparse01GroupError(0, k) + this.prunedEnergy;
  }

  /** sbnn error at share p: k_c = round(p * n_c) clamped 1..n_c-1 in every group, as quantize(). */
  sbnnErrorAt(p: number): number {
    let e = this.prunedEnergy;
    for (let c = 0; c < this.groups; c++) e += this.sbnnGroupError(c, sbnnOnes(p, this.size[c]!));
    return e;
  }

  sparse01ErrorAt(p: number): number {
    let e = this.prunedEnergy;
    for (let c = 0; c < this.groups; c++) e += this.sparse01GroupError(c, sparse01Ones(p, this.size[c]!));
    return e;
  }

  /** Number of ones quantize() uses at share p (summed over groups). */
  sbnnOnesCount(p: number): number {
    let k = 0;
    for (let c = 0; c < this.groups; c++) k += sbnnOnes(p, this.size[c]!);
    return k;
  }

  sparse01OnesCount(p: number): number {
    let k = 0;
    for (let c = 0; c < this.groups; c++) k += sparse01Ones(p, this.size[c]!);
    return k;
  }

  /** Free-p sbnn optimum (exact best split per group; ones = minority side). */
  sbnnFree(): { error: number; ones: number } {
    let e = this.prunedEnergy;
    let ones = 0;
    for (let c = 0; c < this.groups; c++) {
      const m = this.size[c]!;
      const seg = this.seg(c);
      if (m < 2 || seg[0] === seg[m - 1]) continue;
      const b = bestSplit(seg, this.total[c]!, this.sq[c]!);
      e += twoLevelError(this.sq[c]!, this.total[c]!, this.low(c, b), b, m);
      ones += Math.min(b, m - b);
    }
    return { error: e, ones: this.kept > 0 ? ones / this.kept : 0 };
  }

  sparse01Free(): { error: number; ones: number } {
    let e = this.prunedEnergy;
    let ones = 0;
    for (let c = 0; c < this.groups; c++) {
      const m = this.size[c]!;
      if (m === 0) continue;
      const b = bestSparse01(this.seg(c));
      const g = this.sq[c]! - (b.s * b.s) / b.k;
      e += g > 0 ? g : 0;
      ones += b.k;
    }
    return { error: e, ones: this.kept > 0 ? ones / this.kept : 0 };
  }

  /** bnn {-a, +a}, a = mean |w| per group. */
  bnnError(): number {
    let e = this.prunedEnergy;
    for (let c = 0; c < this.groups; c++) {
      const m = this.size[c]!;
      if (m === 0) continue;
      const g = this.sq[c]! - (this.absSum[c]! * this.absSum[c]!) / m;
      e += g > 0 ? g : 0;
    }
    return e;
  }

  /** Share of kept weights that bnn maps to +a (w >= 0). */
  bnnOnes(): number {
    let pos = 0;
    for (let c = 0; c < this.groups; c++) {
      const seg = this.seg(c);
      let lo = 0;
      let hi = seg.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (seg[mid]! < 0) lo = mid + 1;
        else hi = mid;
      }
      pos += seg.length - lo;
    }
    return this.kept > 0 ? pos / this.kept : 0;
  }

  private absCache: { c: number; data: IntSearchData; fill: number } | null = null;

  /** Sorted |w| of group c with prefix sums; the last group's is kept for the next caller. */
  private absData(c: number): IntSearchData {
    const hit = this.absCache;
    // One workspace (in the kernels' memory) serves every curve and quantize(): the data is
    // rebuilt per group, and fresh arrays mostly fed the garbage collector. The fill number tells
    // whether anyone filled it since (then this curve rebuilds instead of reading their data).
    if (hit?.c === c && hit.fill === workspaceFill()) return hit.data;
    const m = this.size[c]!;
    const ws = absWorkspace(m);
    const distinct = absAscending(this.seg(c), ws);
    const data = { abs: ws.abs.subarray(0, m), p1: ws.p1.subarray(0, m + 1), p2: ws.p2.subarray(0, m + 1), distinct };
    // Per tensor, ternary() and intErrors() share it; per channel the groups stream through.
    this.absCache = { c, data, fill: workspaceFill() };
    return data;
  }

  /** Drops cached working data (the sorted |w| of one group). */
  releaseScratch(): void {
    this.absCache = null;
  }

  /** Ternary {-a, 0, +a} at the exact optimal threshold, with its [-a, 0, +a] histogram. */
  ternary(): { error: number; counts: [number, number, number] } {
    if (this.ternaryCache) return this.ternaryCache;
    let e = this.prunedEnergy;
    const counts: [number, number, number] = [0, 0, 0];
    for (let c = 0; c < this.groups; c++) {
      const m = this.size[c]!;
      if (m === 0) continue;
      const abs = this.absData(c).abs;
      const { j, s } = bestTernary(abs);
      const g = j > 0 ? this.sq[c]! - (s * s) / j : this.sq[c]!;
      e += g > 0 ? g : 0;
      // Signs of the j nonzeros: all |w| > t, then ties at t (their sign split follows quantize()'s
      // index order, which the sorted data does not keep; counted positive first here).
      const t = j > 0 ? abs[m - j]! : Infinity;
      const seg = this.seg(c);
      let neg = 0;
      let pos = 0;
      let tiesNeg = 0;
      let tiesPos = 0;
      if (j > 0) {
        neg = lowerBound(seg, -t); // x < -t
        tiesNeg = upperBound(seg, -t) - neg; // x == -t
        const gtT = upperBound(seg, t);
        pos = m - gtT; // x > t
        tiesPos = t > 0 ? gtT - lowerBound(seg, t) : 0;
        if (t === 0) tiesNeg = 0;
      }
      let left = j - neg - pos;
      const tp = Math.min(left, tiesPos);
      left -= tp;
      const tn = Math.min(left, tiesNeg);
      counts[0] += neg + tn;
      counts[2] += pos + tp;
      counts[1] += m - (neg + tn + pos + tp);
    }
    this.ternaryCache = { error: e, counts };
    return this.ternaryCache;
  }

  ternaryError(): number {
    return this.ternary().error;
  }

  /** Symmetric intK with quantize()'s scale search; exact error of its float32 q, level histogram. */
  intError(bits: number): IntCurvePoint {
    return this.intErrors([bits])[0]!;
  }

  /** Several intK at once: the sorted |w| and its prefix sums are built once per group for all. */
  intErrors(bitsList: readonly number[]): IntCurvePoint[] {
    const todo = bitsList.filter((b) => !this.intCache.has(b));
    if (todo.length > 0) {
      const res = todo.map((bits) => {
        const L = intLevels(bits);
        return { bits, L, error: this.prunedEnergy, counts: new Float64Array(2 * L + 1), scales: new Float64Array(this.groups) };
      });
      for (let c = 0; c < this.groups; c++) {
        const m = this.size[c]!;
        if (m === 0) continue;
        const data = this.absData(c);
        for (const r of res) r.scales[c] = Math.fround(searchIntScale(data, r.L).scale);
        // Each level is one run of the sorted group: the kernel finds each run's end by binary
        // search with the very level function quantize() applies per weight, then sums the run's
        // error against its float32 value.
        const errors = intRunErrors(
          this.seg(c),
          res.map((r) => ({ scale: r.scales[c]!, levels: r.L, counts: r.counts })),
        );
        res.forEach((r, i) => (r.error += errors[i]!));
      }
      for (const r of res) this.intCache.set(r.bits, { error: r.error, counts: r.counts, scales: r.scales });
    }
    return bitsList.map((b) => this.intCache.get(b)!);
  }
}

/** First index with a[i] >= x. */
function lowerBound(a: Float32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > x. */
function upperBound(a: Float32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Drops the working arrays curves reuse from layer to layer (sorted |w| with prefix sums, sort
 * keys, int-scale sweep events): tens of MB for a big layer, not worth keeping between jobs.
 */
export function releaseCurveScratch(): void {
  releaseAbsWorkspace();
  releaseSweepScratch();
  releaseSortScratch();
}

export function errorCurve(w: Float32Array, opts: CurveOptions = {}): ErrorCurve {
  return new ErrorCurve(w, opts);
}

/** 48 log-spaced shares of ones in [0.005, 0.5]. */
export const ONES_GRID: readonly number[] = Array.from({ length: 48 }, (_, i) => 0.005 * Math.pow(100, i / 47));

export interface LayerOptionsInput {
  /** Shares of ones to offer for sbnn and sparse01 (default ONES_GRID). */
  grid?: readonly number[];
  /** Pruning mask structure as stored (1 bit per unit), see layerBits. */
  maskKind?: MaskKind | null;
  unitMask?: Uint8Array | null;
  maskUnits?: number | null;
  /** Per-weight mask: counted 1 bit per weight when no unit mask is given. */
  mask?: Uint8Array | null;
  /** Accepted for callers that pass their tensor context; the curve already holds what it needs. */
  weights?: Float32Array;
  shape?: number[];
  perChannel?: ChannelSpec | null;
}

/**
 * The candidates the allocator chooses from, each with its exact error and entropy-coded bits:
 * sbnn and sparse01 at every grid share (shares giving the same counts as a smaller one are
 * dropped) plus their free optima (ones = null), bnn, ternary, int2, int4, int8 and float.
 * An option's `ones` is the share to pass to quantize() to reproduce it exactly.
 */
export function layerOptions(curve: ErrorCurve, opts: LayerOptionsInput = {}): LayerOption[] {
  const grid = opts.grid ?? ONES_GRID;
  const base = {
    n: curve.n,
    kept: curve.kept,
    groups: curve.groups,
    maskKind: opts.maskKind ?? null,
    unitMask: opts.unitMask ?? null,
    maskUnits: opts.maskUnits ?? null,
    mask: opts.mask ?? null,
  };
  const bits = (x: Parameters<typeof layerBits>[0]) => layerBits(x).entropy;
  const share = (k: number) => (curve.kept > 0 ? k / curve.kept : 0);
  const out: LayerOption[] = [];
  for (const method of ['sbnn', 'sparse01'] as const) {
    const seen = new Set<number>();
    for (const p of grid) {
      const k = method === 'sbnn' ? curve.sbnnOnesCount(p) : curve.sparse01OnesCount(p);
      if (seen.has(k)) continue;
      seen.add(k);
      const error = method === 'sbnn' ? curve.sbnnErrorAt(p) : curve.sparse01ErrorAt(p);
      out.push({ method, ones: p, bits: bits({ ...base, method, ones: share(k) }), error });
    }
    const free = method === 'sbnn' ? curve.sbnnFree() : curve.sparse01Free();
    out.push({ method, ones: null, bits: bits({ ...base, method, ones: free.ones }), error: free.error });
  }
  out.push({ method: 'bnn', ones: null, bits: bits({ ...base, method: 'bnn', ones: curve.bnnOnes() }), error: curve.bnnError() });
  const t = curve.ternary();
  out.push({ method: 'ternary', ones: null, bits: bits({ ...base, method: 'ternary', counts: t.counts }), error: t.error });
  const ints = curve.intErrors([2, 4, 8]);
  curve.releaseScratch();
  for (const [i, method] of (['int2', 'int4', 'int8'] as const).entries()) {
    const r = ints[i]!;
    out.push({ method, ones: null, bits: bits({ ...base, method, counts: r.counts }), error: r.error });
  }
  out.push({ method: 'float', ones: null, bits: bits({ ...base, method: 'float' }), error: curve.prunedEnergy });
  return out;
}
