// Global bit budget (method.md §5): choose one option per layer to minimize
// sum(sensitivity * error) subject to sum(bits) <= B * sum(params). Browser-safe (the webview
// re-plans live with it): no Node APIs, no I/O.
//
// 1. Per layer, the Pareto front of its options (more bits must buy less error) and the lower
//    convex hull of that front.
// 2. Greedy marginal gain over the hulls with a max-heap keyed by the error saved per bit of each
//    layer's next hull step. This is the Lagrangian solution: optimal whenever the budget is used
//    up exactly at a hull breakpoint of every layer (the convex part of the problem).
// 3. Fill: while bits are left, move the one layer whose best affordable Pareto option saves the
//    most error (this reaches non-hull points the greedy step cannot); then swaps (one layer one
//    step down, another spends the freed bits) while they lower the error, and fill again.
// 4. Every uniform plan (the same method and share of ones in all free layers) that fits is also
//    evaluated; the best plan found wins, so the result is never worse than a uniform choice.
// 5. The final bits are summed in curve order and checked exactly against B (bits / params).
import type { LayerCurve, LayerOption } from '../../shared/report';
import { SbnnError } from '../errors';

export interface AllocationInput {
  /**
   * One curve per layer. Treat curves as immutable: the per-curve preparation is cached on the
   * curve object and rebuilt only when its `options` array (identity or length) or sensitivity
   * changes.
   */
  curves: LayerCurve[];
  budgetBitsPerWeight: number;
  /** Layers pinned to an option (overrides, first/last kept at int8): their bits count too. */
  fixed?: Record<string, LayerOption>;
}

export interface Allocation {
  choice: Record<string, LayerOption>;
  totalBits: number;
  totalParams: number;
  bitsPerWeight: number;
  /** sum over all layers (pinned included) of sensitivity * error. */
  weightedError: number;
  /** False when even the cheapest option of every layer exceeds the budget (then that is returned). */
  feasible: boolean;
}

interface FreeLayer {
  curve: LayerCurve;
  sens: number;
  /** Pareto options: bits ascending, weighted error strictly descending. */
  front: LayerOption[];
  bits: Float64Array;
  err: Float64Array;
  /** Indices into `front` of the lower convex hull, bits ascending. */
  hull: number[];
  /** Current position in `hull` during the greedy phase. */
  hpos: number;
  /** Current option index in `front`. */
  cur: number;
  byKey: Map<string, LayerOption>;
}

const sensitivityOf = (c: LayerCurve) => (Number.isFinite(c.sensitivity) && c.sensitivity >= 0 ? c.sensitivity : 1);

const optionKey = (o: LayerOption) => `${o.method}|${o.ones ?? 'free'}`;

interface LayerPrep {
  options: LayerOption[];
  optionCount: number;
  sens: number;
  front: LayerOption[];
  bits: Float64Array;
  err: Float64Array;
  hull: number[];
  /** Least-error option per (method, ones) key, for the uniform plans. */
  byKey: Map<string, LayerOption>;
}

/**
 * Per-curve preparation (Pareto front, hull, keys), cached per curve object: the webview re-plans
 * the same curves for every budget it is dragged to, and only the greedy part depends on B.
 * Rebuilt when the options array or the sensitivity changes.
 */
const prepCache = new WeakMap<LayerCurve, LayerPrep>();

function prepare(curve: LayerCurve): LayerPrep {
  const sens = sensitivityOf(curve);
  const hit = prepCache.get(curve);
  if (hit && hit.options === curve.options && hit.optionCount === curve.options.length && hit.sens === sens) return hit;
  if (curve.options.length === 0) throw new SbnnError(null, `layer "${curve.name}" has no quantization options to choose from`);
  const sorted = curve.options.slice().sort((a, b) => a.bits - b.bits || a.error - b.error);
  const front: LayerOption[] = [];
  let last = Infinity;
  for (const o of sorted) {
    if (o.error * sens < last) {
      front.push(o);
      last = o.error * sens;
    }
  }
  const bits = Float64Array.from(front, (o) => o.bits);
  const err = Float64Array.from(front, (o) => o.error * sens);
  const hull: number[] = [];
  for (let i = 0; i < front.length; i++) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      // Drop b unless a -> b -> i turns left (b lies strictly below the chord a -> i).
      const cross = (bits[b]! - bits[a]!) * (err[i]! - err[a]!) - (err[b]! - err[a]!) * (bits[i]! - bits[a]!);
      if (cross > 0) break;
      hull.pop();
    }
    hull.push(i);
  }
  const byKey = new Map<string, LayerOption>();
  for (const o of curve.options) {
    const k = optionKey(o);
    const prev = byKey.get(k);
    if (!prev || o.error < prev.error || (o.error === prev.error && o.bits < prev.bits)) byKey.set(k, o);
  }
  const prep = { options: curve.options, optionCount: curve.options.length, sens, front, bits, err, hull, byKey };
  prepCache.set(curve, prep);
  return prep;
}

function buildLayer(curve: LayerCurve): FreeLayer {
  const p = prepare(curve);
  return { curve, sens: p.sens, front: p.front, bits: p.bits, err: p.err, hull: p.hull, byKey: p.byKey, hpos: 0, cur: 0 };
}

/** Max-heap of layers keyed by the error saved per bit of their next hull step. */
class GainHeap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size() {
    return this.keys.length;
  }
  push(key: number, val: number) {
    const k = this.keys;
    const v = this.vals;
    let i = k.length;
    k.push(key);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p]! >= key) break;
      k[i] = k[p]!;
      v[i] = v[p]!;
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  pop(): number {
    const k = this.keys;
    const v = this.vals;
    const top = v[0]!;
    const lastK = k.pop()!;
    const lastV = v.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && k[c + 1]! > k[c]!) c++;
        if (k[c]! <= lastK) break;
        k[i] = k[c]!;
        v[i] = v[c]!;
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

export function allocateBudget(input: AllocationInput): Allocation {
  const B = input.budgetBitsPerWeight;
  if (!Number.isFinite(B) || B < 0) throw new SbnnError(null, `budget must be a non-negative number of bits per weight, got ${B}`);
  const fixed = input.fixed ?? {};
  let totalParams = 0;
  for (const c of input.curves) totalParams += c.params;
  // Planning compares running sums with a relative slack of 1e-12 (sums taken in another order
  // round differently); the final totals are then checked exactly: bits / params <= B.
  const limit = B * totalParams * (1 + 1e-12);

  const choice: Record<string, LayerOption> = {};
  let fixedBits = 0;
  let fixedErr = 0;
  const layers: FreeLayer[] = [];
  for (const c of input.curves) {
    const pin = Object.prototype.hasOwnProperty.call(fixed, c.name) ? fixed[c.name] : undefined;
    if (pin) {
      choice[c.name] = pin;
      fixedBits += pin.bits;
      fixedErr += pin.error * sensitivityOf(c);
    } else layers.push(buildLayer(c));
  }

  let used = fixedBits;
  for (const l of layers) used += l.bits[0]!;
  const feasible = used <= limit;

  if (feasible) {
    // Greedy over the hulls.
    const heap = new GainHeap();
    const stepGain = (l: FreeLayer) => {
      const a = l.hull[l.hpos]!;
      const b = l.hull[l.hpos + 1]!;
      return (l.err[a]! - l.err[b]!) / (l.bits[b]! - l.bits[a]!);
    };
    for (let i = 0; i < layers.length; i++) if (layers[i]!.hull.length > 1) heap.push(stepGain(layers[i]!), i);
    while (heap.size > 0) {
      const li = heap.pop();
      const l = layers[li]!;
      const a = l.hull[l.hpos]!;
      const b = l.hull[l.hpos + 1]!;
      const db = l.bits[b]! - l.bits[a]!;
      if (used + db > limit) continue; // this layer cannot take its next step; the others may
      used += db;
      l.hpos++;
      l.cur = b;
      if (l.hpos + 1 < l.hull.length) heap.push(stepGain(l), li);
    }
    // Best affordable option of a layer with `extra` bits on top of its current ones: the front is
    // bits-ascending and error-descending, so it is the last option with bits <= cap.
    const bestWithin = (l: FreeLayer, extra: number): number => {
      const cap = l.bits[l.cur]! + extra;
      let lo = l.cur;
      let hi = l.front.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (l.bits[mid]! <= cap) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const fill = () => {
      // Fill leftover bits with the single best affordable move, repeatedly.
      for (let iter = 0; iter < 4 * layers.length + 16; iter++) {
        let bestSave = 0;
        let bestL = -1;
        let bestJ = -1;
        for (let li = 0; li < layers.length; li++) {
          const l = layers[li]!;
          const j = bestWithin(l, limit - used);
          const save = l.err[l.cur]! - l.err[j]!;
          if (save > bestSave) {
            bestSave = save;
            bestL = li;
            bestJ = j;
          }
        }
        if (bestL < 0) break;
        const l = layers[bestL]!;
        used += l.bits[bestJ]! - l.bits[l.cur]!;
        l.cur = bestJ;
      }
    };
    fill();
    // Swaps: one layer steps down one front option, another spends the freed bits, when that
    // lowers the total error. O(layers^2 log options) per round, so only for up to 300 layers
    // (re-plans of bigger models stay well under 50 ms without them).
    if (layers.length <= 300) {
      for (let round = 0; round < 4; round++) {
        let improved = false;
        for (let li = 0; li < layers.length; li++) {
          const a = layers[li]!;
          if (a.cur === 0) continue;
          const freed = a.bits[a.cur]! - a.bits[a.cur - 1]!;
          const loss = a.err[a.cur - 1]! - a.err[a.cur]!;
          let bestGain = 1e-12 * (loss + 1e-300);
          let bestL = -1;
          let bestJ = -1;
          for (let lj = 0; lj < layers.length; lj++) {
            if (lj === li) continue;
            const b = layers[lj]!;
            const j = bestWithin(b, limit - used + freed);
            const gain = b.err[b.cur]! - b.err[j]! - loss;
            if (gain > bestGain) {
              bestGain = gain;
              bestL = lj;
              bestJ = j;
            }
          }
          if (bestL < 0) continue;
          const b = layers[bestL]!;
          used += b.bits[bestJ]! - b.bits[b.cur]! - freed;
          b.cur = bestJ;
          a.cur--;
          improved = true;
        }
        if (!improved) break;
        fill();
      }
    }
  }

  let freeErr = 0;
  for (const l of layers) {
    choice[l.curve.name] = l.front[l.cur]!;
    freeErr += l.err[l.cur]!;
  }

  if (feasible && layers.length > 0) {
    // Uniform plans: the same (method, ones) in every free layer.
    const sums = new Map<string, { bits: number; err: number; count: number; picks: LayerOption[] }>();
    for (const l of layers) {
      for (const [k, o] of l.byKey) {
        const s = sums.get(k) ?? { bits: 0, err: 0, count: 0, picks: [] };
        s.bits += o.bits;
        s.err += o.error * l.sens;
        s.count++;
        s.picks.push(o);
        sums.set(k, s);
      }
    }
    for (const s of sums.values()) {
      if (s.count !== layers.length || fixedBits + s.bits > limit || s.err >= freeErr) continue;
      // Take the uniform plan, each pick replaced by the Pareto option that dominates it (the
      // least-error front option within its bits): no more bits, no more error.
      freeErr = 0;
      layers.forEach((l, i) => {
        const cap = s.picks[i]!.bits;
        let lo = 0;
        let hi = l.front.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (l.bits[mid]! <= cap) lo = mid;
          else hi = mid - 1;
        }
        l.cur = lo;
        choice[l.curve.name] = l.front[lo]!;
        freeErr += l.err[lo]!;
      });
    }
  }

  const sumBits = () => {
    let t = 0;
    for (const c of input.curves) t += choice[c.name]!.bits;
    return t;
  };
  let totalBits = sumBits();
  if (feasible && totalParams > 0 && totalBits / totalParams > B) {
    // Rounding put the plan a hair over: step down the layer that loses least per bit saved.
    while (totalBits / totalParams > B) {
      let best: FreeLayer | null = null;
      let bestCost = Infinity;
      for (const l of layers) {
        if (l.cur <= 0) continue;
        const cost = (l.err[l.cur - 1]! - l.err[l.cur]!) / (l.bits[l.cur]! - l.bits[l.cur - 1]!);
        if (cost < bestCost) {
          bestCost = cost;
          best = l;
        }
      }
      if (!best) break;
      best.cur--;
      choice[best.curve.name] = best.front[best.cur]!;
      totalBits = sumBits();
    }
    freeErr = 0;
    for (const l of layers) freeErr += l.err[l.cur]!;
  }
  return {
    choice,
    totalBits,
    totalParams,
    bitsPerWeight: totalParams > 0 ? totalBits / totalParams : 0,
    weightedError: fixedErr + freeErr,
    feasible,
  };
}
