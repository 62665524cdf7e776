// extremeSumsHistogram exactly as it was before the speed work (commit 8dbaab9, quantize/sbnn.ts),
// kept verbatim as the reference the faster code must reproduce bit for bit.
import { quickselect } from '../../src/engine/quantize/select';
import type { ExtremeSums } from '../../src/engine/quantize/sbnn';

/** Top 16 bits of the order-preserving key of float bits `x` (int32), in Smi-only arithmetic. */
function bucket16(x: number): number {
  const h = x >>> 16;
  return x >= 0 ? h | 0x8000 : x === -2147483648 ? 0x8000 : 0xffff - h;
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
 * gathers just those two buckets, where quickselect finishes. No copy of the group, O(n).
 */
export function extremeSumsHistogramRef(v: Float32Array, k: number): ExtremeSums {
  const m = v.length;
  const bits = new Int32Array(v.buffer, v.byteOffset, m);
  const counts = new Int32Array(65536);
  let total = 0;
  let sq = 0;
  for (let i = 0; i < m; i++) {
    counts[bucket16(bits[i]!)]!++;
    const x = v[i]!;
    total += x;
    sq += x * x;
  }
  let bt = 65535;
  let above = 0;
  while (above + counts[bt]! < k) above += counts[bt--]!;
  let bb = 0;
  let below = 0;
  while (below + counts[bb]! < k) below += counts[bb++]!;
  const gT = new Float32Array(counts[bt]!);
  const gB = new Float32Array(counts[bb]!);
  // Bucket membership by float comparison against each bucket's value range.
  const hiT = bucketEdge(bt, 0xffff);
  const loT = bucketEdge(bt, 0);
  const hiB = bucketEdge(bb, 0xffff);
  const loB = bucketEdge(bb, 0);
  let nT = 0;
  let nB = 0;
  let sAbove = 0;
  let sBelow = 0;
  for (let i = 0; i < m; i++) {
    const x = v[i]!;
    if (x > hiT) sAbove += x;
    else if (x >= loT) gT[nT++] = x;
    if (x < loB) sBelow += x;
    else if (x <= hiB) gB[nB++] = x;
  }
  const rTop = k - above;
  const tTop = quickselect(gT, nT - rTop);
  let sTop = sAbove;
  let gt = above;
  for (let i = nT - rTop; i < nT; i++) {
    sTop += gT[i]!;
    if (gT[i]! > tTop) gt++;
  }
  const rBot = k - below;
  const tBot = quickselect(gB, rBot - 1);
  let sBot = sBelow;
  let lt = below;
  for (let i = 0; i < rBot; i++) {
    sBot += gB[i]!;
    if (gB[i]! < tBot) lt++;
  }
  return { sTop, tTop, tiesTop: k - gt, sBot, tBot, tiesBot: k - lt, total, sq };
}


// assignTwoLevel exactly as it was in plain JavaScript (commit 7c0d19b, quantize/common.ts), before
// its loop moved into the WebAssembly kernel, kept verbatim as the reference.
export function assignTwoLevelRef(
  v: Float32Array,
  q: Float32Array,
  codes: Uint8Array,
  top: boolean,
  t: number,
  ties: number,
  alpha: number,
  beta: number,
): number {
  const m = v.length;
  const level = new Float32Array([beta, alpha]); // alpha, beta are float32 values already
  // Two elements a step with two error sums: halves the float-add dependency chain.
  let e0 = 0;
  let e1 = 0;
  // One loop for both sides: -x > -t is x < t (negation is exact).
  const sgn = top ? 1 : -1;
  const st = sgn * t;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const x0 = v[i]!;
    const x1 = v[i + 1]!;
    const o0 = +(sgn * x0 > st);
    const o1 = +(sgn * x1 > st);
    const y0 = level[o0]!;
    const y1 = level[o1]!;
    q[i] = y0;
    q[i + 1] = y1;
    codes[i] = o0;
    codes[i + 1] = o1;
    e0 += (x0 - y0) * (x0 - y0);
    e1 += (x1 - y1) * (x1 - y1);
  }
  for (; i < m; i++) {
    const x = v[i]!;
    const one = +(sgn * x > st);
    const y = level[one]!;
    q[i] = y;
    codes[i] = one;
    e0 += (x - y) * (x - y);
  }
  let err = e0 + e1;
  if (ties > 0) {
    // Values equal to t got beta; the first `ties` of them by index are ones.
    const db = t - beta;
    const da = t - alpha;
    const change = da * da - db * db;
    for (let i = 0; i < m && ties > 0; i++) {
      if (v[i] === t) {
        q[i] = alpha;
        codes[i] = 1;
        err += change;
        ties--;
      }
    }
  }
  return err > 0 ? err : 0;
}

// The free-optimum scans as they were in plain JavaScript (commit 7c0d19b: quantize/sbnn.ts,
// sparse01.ts, ternary.ts), before they moved into the WebAssembly kernel, kept verbatim as references.
export function bestSplitRef(a: Float32Array, total: number, sq: number): number {
  // Minimizing sq - s^2/k - r^2/(m-k) = maximizing (s^2 (m-k) + r^2 k) / (k (m-k)); fractions
  // are compared by cross-multiplying (no division in the hot loop). `sq` is implied.
  void sq;
  const m = a.length;
  let s = 0;
  let best = 1;
  let bestNum = -1;
  let bestDen = 1;
  for (let k = 1; k < m; k++) {
    s += a[k - 1]!;
    const r = total - s;
    const mk = m - k;
    const num = s * s * mk + r * r * k;
    const den = k * mk;
    if (num * bestDen > bestNum * den) {
      bestNum = num;
      bestDen = den;
      best = k;
    }
  }
  return best;
}

export function bestSparse01Ref(a: Float32Array): { k: number; top: boolean; s: number } {
  // S^2/k compared by cross-multiplying (no division, no allocation in the loops).
  const m = a.length;
  let bestK = m;
  let bestTop = true;
  let bestS = 0;
  let bestSq = -1;
  let s = 0;
  for (let k = 1; k <= m; k++) {
    s += a[m - k]!;
    if (s * s * bestK > bestSq * k) {
      bestSq = s * s;
      bestK = k;
      bestS = s;
    }
  }
  s = 0;
  for (let k = 1; k <= m; k++) {
    s += a[k - 1]!;
    if (s * s * bestK > bestSq * k) {
      bestSq = s * s;
      bestK = k;
      bestS = s;
      bestTop = false;
    }
  }
  return { k: bestK, top: bestTop, s: bestS };
}

export function bestTernaryRef(abs: Float32Array): { j: number; s: number } {
  // A_j^2/j compared by cross-multiplying (no division in the loop); j = 0 (all zero) unless
  // some j gains.
  const m = abs.length;
  let a = 0;
  let bestJ = 0;
  let bestS = 0;
  let bestSq = 0;
  let bestDen = 1;
  for (let j = 1; j <= m; j++) {
    a += abs[m - j]!;
    if (a * a * bestDen > bestSq * j) {
      bestSq = a * a;
      bestDen = j;
      bestJ = j;
      bestS = a;
    }
  }
  return { j: bestJ, s: bestS };
}
