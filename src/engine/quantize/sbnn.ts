// Generalized binary domain {beta, alpha} (method.md §2): exact least squares.
// For a fixed count k of ones the error is concave in S (the sum of the ones), so the optimum
// takes the k largest or the k smallest values; O(n) by selection. With k free the optimum is the
// best split of the sorted values (exact 1-D two-means), and the ones are the minority side.
import { quickselect } from './select';
import { bestSplitScan, extremeGather, keyHistogram } from '../wasm/kernels';
import { sortFloat32 } from './sort';
import { assignTwoLevel, moments, sbnnOnes, twoLevelError, type GroupResult } from './common';

export interface ExtremeSums {
  /** Sum and threshold of the k largest values; `tiesTop` of the values equal to tTop are among them. */
  sTop: number;
  tTop: number;
  tiesTop: number;
  /** Same for the k smallest. */
  sBot: number;
  tBot: number;
  tiesBot: number;
  /** Sum and sum of squares of all values, when the path computed them on the way. */
  total?: number;
  sq?: number;
}

/** Below this size, selection on a copy; above, one histogram pass over the float bits. */
const HISTOGRAM_MIN = 1 << 16;

/** Top-k and bottom-k sums and thresholds of v (1 <= k < m), without a sort. */
export function extremeSums(v: Float32Array, k: number, scratch: (m: number) => Float32Array): ExtremeSums {
  return v.length >= HISTOGRAM_MIN ? extremeSumsHistogram(v, k) : extremeSumsSelect(v, k, scratch(v.length));
}

/** Two quickselects on a copy: a[m-k..m) = the k largest, then a[0..k) = the k smallest. */
export function extremeSumsSelect(v: Float32Array, k: number, a: Float32Array): ExtremeSums {
  const m = v.length;
  a.set(v);
  const tTop = quickselect(a, m - k);
  let sTop = 0;
  let gt = 0;
  for (let i = m - k; i < m; i++) {
    const x = a[i]!;
    sTop += x;
    if (x > tTop) gt++;
  }
  // The k smallest: a[k-1] lies in whichever side of the first split holds index k-1.
  const tBot = k - 1 < m - k ? quickselect(a, k - 1, 0, m - k) : quickselect(a, k - 1, m - k, m);
  let sBot = 0;
  let lt = 0;
  for (let i = 0; i < k; i++) {
    const x = a[i]!;
    sBot += x;
    if (x < tBot) lt++;
  }
  return { sTop, tTop, tiesTop: k - gt, sBot, tBot, tiesBot: k - lt };
}

const edgeBits = new Int32Array(1);
const edgeFloat = new Float32Array(edgeBits.buffer);

/** The float whose key is (bucket << 16) | low: the bucket's lowest (low = 0) or highest value. */
function bucketEdge(bucket: number, low: number): number {
  const k = (bucket << 16) | low;
  edgeBits[0] = k < 0 ? k & 0x7fffffff : ~k;
  return edgeFloat[0]!;
}

/**
 * Big groups: a histogram of the top 16 bits of the order-preserving float key finds the buckets
 * holding the k-th largest and k-th smallest values; a second pass sums everything beyond them and
 * gathers just those two buckets, where quickselect finishes. O(n); the group streams through the
 * kernels in small chunks, never copied whole.
 */
export function extremeSumsHistogram(v: Float32Array, k: number): ExtremeSums {
  const counts = new Int32Array(65536);
  // Both passes run in the WebAssembly kernels (src/engine/wasm/assembly/kernels.ts).
  const { total, sq } = keyHistogram(v, counts);
  let bt = 65535;
  let above = 0;
  while (above + counts[bt]! < k) above += counts[bt--]!;
  let bb = 0;
  let below = 0;
  while (below + counts[bb]! < k) below += counts[bb++]!;
  // Bucket membership by float comparison against each bucket's value range.
  const bounds = { hiT: bucketEdge(bt, 0xffff), loT: bucketEdge(bt, 0), hiB: bucketEdge(bb, 0xffff), loB: bucketEdge(bb, 0) };
  const { sAbove, sBelow, gT, gB } = extremeGather(v, bounds, counts[bt]!, counts[bb]!);
  const nT = gT.length;
  const nB = gB.length;
  const rTop = k - above;
  const tTop = quickselect(gT, nT - rTop, 0, nT);
  let sTop = sAbove;
  let gt = above;
  for (let i = nT - rTop; i < nT; i++) {
    sTop += gT[i]!;
    if (gT[i]! > tTop) gt++;
  }
  const rBot = k - below;
  const tBot = quickselect(gB, rBot - 1, 0, nB);
  let sBot = sBelow;
  let lt = below;
  for (let i = 0; i < rBot; i++) {
    sBot += gB[i]!;
    if (gB[i]! < tBot) lt++;
  }
  return { sTop, tTop, tiesTop: k - gt, sBot, tBot, tiesBot: k - lt, total, sq };
}

/** sbnn on one group's kept values. `p` = share of ones, or null for the free optimum. */
export function sbnnGroup(v: Float32Array, q: Float32Array, codes: Uint8Array, p: number | null, scratch: (m: number) => Float32Array): GroupResult {
  const m = v.length;
  if (m === 0) return { alpha: 0, beta: 0, scale: 0, error: 0, ones: 0 };
  if (m === 1) {
    // One value: beta = alpha = the value, no ones, zero error.
    q[0] = v[0]!;
    codes[0] = 0;
    return { alpha: v[0]!, beta: v[0]!, scale: 0, error: 0, ones: 0 };
  }
  let top: boolean;
  let t: number;
  let ties: number;
  let k: number;
  let s: number;
  let total: number;
  let sq: number;
  if (p !== null) {
    k = sbnnOnes(p, m);
    const x = extremeSums(v, k, scratch);
    if (x.total !== undefined && x.sq !== undefined) {
      total = x.total;
      sq = x.sq;
    } else ({ sum: total, sq } = moments(v));
    const eTop = twoLevelError(sq, total, x.sTop, k, m);
    const eBot = twoLevelError(sq, total, x.sBot, k, m);
    top = eTop <= eBot;
    t = top ? x.tTop : x.tBot;
    ties = top ? x.tiesTop : x.tiesBot;
    s = top ? x.sTop : x.sBot;
  } else {
    ({ sum: total, sq } = moments(v));
    const a = scratch(m);
    a.set(v);
    sortFloat32(a);
    if (a[0] === a[m - 1]) {
      // Constant group: one level is exact; no ones at all.
      const c = a[0]!;
      q.subarray(0, m).fill(c);
      codes.subarray(0, m).fill(0);
      return { alpha: c, beta: c, scale: 0, error: 0, ones: 0 };
    }
    const best = bestSplit(a, total, sq);
    // Minority side = the ones, so the bit plane is sparse (share <= 0.5).
    top = best > m - best;
    k = top ? m - best : best;
    if (top) {
      t = a[best]!;
      let gt = 0;
      s = 0;
      for (let i = best; i < m; i++) {
        s += a[i]!;
        if (a[i]! > t) gt++;
      }
      ties = k - gt;
    } else {
      t = a[best - 1]!;
      let lt = 0;
      s = 0;
      for (let i = 0; i < best; i++) {
        s += a[i]!;
        if (a[i]! < t) lt++;
      }
      ties = k - lt;
    }
  }
  const alpha = Math.fround(s / k);
  const beta = Math.fround((total - s) / (m - k));
  const error = assignTwoLevel(v, q, codes, top, t, ties, alpha, beta);
  return { alpha, beta, scale: 0, error, ones: k };
}

/**
 * Best split index b (1..m-1) of ascending `a`: lower part a[0..b), upper a[b..m), minimizing the
 * two-level error. The running prefix sum here is the same float64 sequence the error curve
 * stores, so both pick the same split.
 */
export function bestSplit(a: Float32Array, total: number, sq: number): number {
  // Minimizing sq - s^2/k - r^2/(m-k) = maximizing (s^2 (m-k) + r^2 k) / (k (m-k)); the scan (in
  // the WebAssembly kernel) compares fractions by cross-multiplying. `sq` is implied.
  void sq;
  return bestSplitScan(a, total);
}
