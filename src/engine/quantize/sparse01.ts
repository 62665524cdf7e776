// Sparse binary {0, alpha} (method.md §2): E = S2 - S^2/k is extreme in S, so the k ones are the
// top-k or bottom-k values by value, alpha = S/k. Free k: the best k over both ends of the sort.
import { extremeSums } from './sbnn';
import { sortFloat32 } from './sort';
import { bestSparse01Scan } from '../wasm/kernels';
import { assignTwoLevel, moments, sparse01Ones, type GroupResult } from './common';

export function sparse01Group(v: Float32Array, q: Float32Array, codes: Uint8Array, p: number | null, scratch: (m: number) => Float32Array): GroupResult {
  const m = v.length;
  if (m === 0) return { alpha: 0, beta: 0, scale: 0, error: 0, ones: 0 };
  let top: boolean;
  let t: number;
  let ties: number;
  let k: number;
  let s: number;
  if (p !== null) {
    k = sparse01Ones(p, m);
    if (k === m) {
      // m = 1: the single value is its own alpha.
      top = true;
      t = -Infinity;
      ties = 0;
      s = moments(v).sum;
    } else {
      const x = extremeSums(v, k, scratch);
      top = x.sTop * x.sTop >= x.sBot * x.sBot;
      t = top ? x.tTop : x.tBot;
      ties = top ? x.tiesTop : x.tiesBot;
      s = top ? x.sTop : x.sBot;
    }
  } else {
    const a = scratch(m);
    a.set(v);
    sortFloat32(a);
    const b = bestSparse01(a);
    top = b.top;
    k = b.k;
    s = b.s;
    if (k === m) {
      t = -Infinity;
      ties = 0;
      top = true;
    } else if (top) {
      t = a[m - k]!;
      let gt = 0;
      for (let i = m - k; i < m; i++) if (a[i]! > t) gt++;
      ties = k - gt;
    } else {
      t = a[k - 1]!;
      let lt = 0;
      for (let i = 0; i < k; i++) if (a[i]! < t) lt++;
      ties = k - lt;
    }
  }
  const alpha = Math.fround(s / k);
  const error = assignTwoLevel(v, q, codes, top, t, ties, alpha, 0);
  return { alpha, beta: 0, scale: 0, error, ones: k };
}

/**
 * Free-k optimum over ascending `a`: maximize S^2/k over the k smallest (prefix) and the k largest
 * (suffix), k = 1..m. Prefix sums run low to high, suffix sums high to low, matching the curve.
 */
export function bestSparse01(a: Float32Array): { k: number; top: boolean; s: number } {
  // The scan runs in the WebAssembly kernel; S^2/k compared by cross-multiplying.
  return bestSparse01Scan(a);
}
