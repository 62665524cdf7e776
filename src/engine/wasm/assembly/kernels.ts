// Hot loops of the engine, compiled to WebAssembly by AssemblyScript (esbuild.mjs builds them
// into src/engine/wasm/kernels.generated.ts). V8 runs these loops about 2.5x slower as plain
// JavaScript on typed arrays (bounds checks, count increments through memory). The kernels work
// on raw offsets into the module's memory; src/engine/wasm/kernels.ts owns the layout, copies
// data in and out, and is the only caller. Float arithmetic is IEEE float64 in the same order as
// the JavaScript it replaced, so results are bit for bit the same.

/** First byte the caller may use (static data, if any, lies below). */
export function heapBase(): usize {
  return __heap_base;
}

/** Order-preserving int32 key of a float32's bits: -0 as +0, negatives all bits flipped, the rest the sign bit. */
// @ts-ignore: decorator
@inline
function floatKey(x: i32): i32 {
  const y = x == -2147483648 ? 0 : x;
  return y ^ ((y >> 31) | -2147483648);
}

/** Inverse of floatKey. */
// @ts-ignore: decorator
@inline
function keyFloat(k: i32): i32 {
  return k ^ ((~k >> 31) | -2147483648);
}

// @ts-ignore: decorator
@inline
function bump(counts: usize, digit: u32): i32 {
  const p = counts + ((<usize>digit) << 2);
  const d = load<i32>(p);
  store<i32>(p, d + 1);
  return d;
}

function exclusivePrefix(counts: usize, m: i32): void {
  let s: i32 = 0;
  for (let i = 0; i < m; i++) {
    const p = counts + ((<usize>i) << 2);
    const x = load<i32>(p);
    store<i32>(p, s);
    s += x;
  }
}

/**
 * Ascending LSD radix sort of n float32 at `a` (NaN-free): 3 passes of 11/11/10 bits over the
 * order-preserving keys. `tmp` holds n values, `counts` 5120 int32. The sorted floats end in
 * `tmp`; `a` is left holding keys. -0 comes out as +0 (they compare equal).
 */
export function sortFloat32(a: usize, tmp: usize, n: i32, counts: usize): void {
  memory.fill(counts, 0, 5120 << 2);
  const c1 = counts + (2048 << 2);
  const c2 = counts + (4096 << 2);
  for (let i = 0; i < n; i++) {
    const p = a + ((<usize>i) << 2);
    const k = floatKey(load<i32>(p));
    store<i32>(p, k);
    bump(counts, <u32>k & 2047);
    bump(c1, (<u32>k >> 11) & 2047);
    bump(c2, <u32>k >> 22);
  }
  exclusivePrefix(counts, 2048);
  exclusivePrefix(c1, 2048);
  exclusivePrefix(c2, 1024);
  for (let i = 0; i < n; i++) {
    const k = load<i32>(a + ((<usize>i) << 2));
    store<i32>(tmp + ((<usize>bump(counts, <u32>k & 2047)) << 2), k);
  }
  for (let i = 0; i < n; i++) {
    const k = load<i32>(tmp + ((<usize>i) << 2));
    store<i32>(a + ((<usize>bump(c1, (<u32>k >> 11) & 2047)) << 2), k);
  }
  for (let i = 0; i < n; i++) {
    const k = load<i32>(a + ((<usize>i) << 2));
    store<i32>(tmp + ((<usize>bump(c2, <u32>k >> 22)) << 2), keyFloat(k));
  }
}

/**
 * Sums over m ascending float32 at `a` (an error curve's group): writes sum, sum of squares and
 * sum of |w| as float64 to `out`, and the running sum after every 2^shift values to
 * `prefix[1..]` (prefix[0] = 0), the checkpoints the curve's O(1) queries continue from.
 */
export function prefixStats(a: usize, m: i32, prefix: usize, shift: i32, out: usize): void {
  const mask = (1 << shift) - 1;
  let s: f64 = 0;
  let s2: f64 = 0;
  let sa: f64 = 0;
  store<f64>(prefix, 0);
  for (let j = 0; j < m; j++) {
    const x = <f64>load<f32>(a + ((<usize>j) << 2));
    s += x;
    s2 += x * x;
    sa += Math.abs(x);
    if (((j + 1) & mask) == 0) store<f64>(prefix + ((<usize>((j + 1) >> shift)) << 3), s);
  }
  store<f64>(out, s);
  store<f64>(out + 8, s2);
  store<f64>(out + 16, sa);
}

/**
 * Fixed-p sbnn, first pass over a chunk of n float32 at `v`: counts of the top 16 bits of each
 * value's order-preserving key (65536 int32 at `counts`), and the running float64 sum and sum of
 * squares at `sums` (continued from the previous chunk, so chunking does not change them).
 */
export function keyHistogram(v: usize, n: i32, counts: usize, sums: usize): void {
  let total = load<f64>(sums);
  let sq = load<f64>(sums + 8);
  for (let i = 0; i < n; i++) {
    const p = v + ((<usize>i) << 2);
    bump(counts, <u32>floatKey(load<i32>(p)) >> 16);
    const x = <f64>load<f32>(p);
    total += x;
    sq += x * x;
  }
  store<f64>(sums, total);
  store<f64>(sums + 8, sq);
}

/**
 * Second pass over a chunk: sums of the values above hiT and below loB (the buckets beyond the two
 * threshold buckets), and the values of the threshold buckets ([loT, hiT] and [loB, hiB], outside
 * the sums) appended to gT / gB. `state` holds sAbove, sBelow (float64) then nT, nB (int32),
 * continued across chunks. The sums are branch-free (beyond-threshold values add x * 1, the rest
 * x * 0, a zero that leaves them as they were, since they start at +0); the gathers branch, since
 * a threshold bucket holds few values (a 65536th of the range), so the branch is rarely taken.
 */
export function extremeGather(v: usize, n: i32, hiT: f32, loT: f32, hiB: f32, loB: f32, gT: usize, gB: usize, state: usize): void {
  let sAbove = load<f64>(state);
  let sBelow = load<f64>(state + 8);
  let nT = load<i32>(state + 16);
  let nB = load<i32>(state + 20);
  for (let i = 0; i < n; i++) {
    const x = load<f32>(v + ((<usize>i) << 2));
    const isAbove = <i32>(x > hiT);
    const isBelow = <i32>(x < loB);
    sAbove += <f64>x * <f64>isAbove;
    sBelow += <f64>x * <f64>isBelow;
    if (x >= loT && !isAbove) {
      store<f32>(gT + ((<usize>nT) << 2), x);
      nT++;
    }
    if (x <= hiB && !isBelow) {
      store<f32>(gB + ((<usize>nB) << 2), x);
      nB++;
    }
  }
  store<f64>(state, sAbove);
  store<f64>(state + 8, sBelow);
  store<i32>(state + 16, nT);
  store<i32>(state + 20, nB);
}

/**
 * Two-level assignment of a chunk (n even except in the last chunk): value i is a one (code 1,
 * `alpha`) when sgn * x > st, else code 0, `beta`; q and codes written, squared errors summed two
 * values a step into the float64 pair at `state` (continued across chunks). The indices (offset
 * by `first`) of the first `tieCap` values equal to `t` go to `tieIdx`, their
 * count to the int32 at state + 16: the caller turns those ties into ones.
 */
export function assignTwoLevel(
  v: usize, n: i32, q: usize, codes: usize, sgn: f64, st: f64, beta: f32, alpha: f32,
  t: f32, tieIdx: usize, tieCap: i32, first: i32, state: usize,
): void {
  let e0 = load<f64>(state);
  let e1 = load<f64>(state + 8);
  let ties = load<i32>(state + 16);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x0 = load<f32>(v + ((<usize>i) << 2));
    const x1 = load<f32>(v + ((<usize>(i + 1)) << 2));
    const o0 = <i32>(sgn * <f64>x0 > st);
    const o1 = <i32>(sgn * <f64>x1 > st);
    const y0 = select<f32>(alpha, beta, o0);
    const y1 = select<f32>(alpha, beta, o1);
    store<f32>(q + ((<usize>i) << 2), y0);
    store<f32>(q + ((<usize>(i + 1)) << 2), y1);
    store<u8>(codes + <usize>i, <u8>o0);
    store<u8>(codes + <usize>(i + 1), <u8>o1);
    const d0 = <f64>x0 - <f64>y0;
    const d1 = <f64>x1 - <f64>y1;
    e0 += d0 * d0;
    e1 += d1 * d1;
    // Ties with the threshold are rare: a branch, rarely taken.
    if (x0 == t && ties < tieCap) {
      store<i32>(tieIdx + ((<usize>ties) << 2), first + i);
      ties++;
    }
    if (x1 == t && ties < tieCap) {
      store<i32>(tieIdx + ((<usize>ties) << 2), first + i + 1);
      ties++;
    }
  }
  for (; i < n; i++) {
    const x = load<f32>(v + ((<usize>i) << 2));
    const o = <i32>(sgn * <f64>x > st);
    const y = select<f32>(alpha, beta, o);
    store<f32>(q + ((<usize>i) << 2), y);
    store<u8>(codes + <usize>i, <u8>o);
    const d = <f64>x - <f64>y;
    e0 += d * d;
    if (x == t && ties < tieCap) {
      store<i32>(tieIdx + ((<usize>ties) << 2), first + i);
      ties++;
    }
  }
  store<f64>(state, e0);
  store<f64>(state + 8, e1);
  store<i32>(state + 16, ties);
}

/**
 * Ascending |w| of m ascending float32 at `seg`, merged in O(m) (the negatives reversed and the
 * rest are each ascending in |w|; on equal |w| the negative comes first), into `abs`, with prefix
 * sums of |w| and w^2 into `p1` and `p2` (m + 1 float64 each, starting at 0). Returns the number
 * of distinct |w|. The caller leaves one readable slot before seg and +Infinity after it.
 */
export function absAscending(seg: usize, m: i32, abs: usize, p1: usize, p2: usize): i32 {
  let neg = 0;
  while (neg < m && load<f32>(seg + ((<usize>neg) << 2)) < 0) neg++;
  // A merge is one long dependency chain (load, compare, advance, load...), so four merges run
  // side by side over four quarters of the output, each starting where a merge-path search puts
  // the sequential merge at that output position: the same sequence, four chains in flight.
  const L = m >> 2;
  const t1 = L;
  const t2 = 2 * L;
  const t3 = 3 * L;
  let i0 = neg - 1;
  let j0 = neg;
  let i1 = neg - 1 - negTaken(seg, neg, m, t1);
  let j1 = neg + t1 - (neg - 1 - i1);
  let i2 = neg - 1 - negTaken(seg, neg, m, t2);
  let j2 = neg + t2 - (neg - 1 - i2);
  let i3 = neg - 1 - negTaken(seg, neg, m, t3);
  let j3 = neg + t3 - (neg - 1 - i3);
  for (let t = 0; t < L; t++) {
    // Branch-free steps (signs interleave at random): a negative is taken while any remain and
    // its |w| <= the next positive's; the slot before seg is read when none remain, then ignored.
    const a0 = -load<f32>(seg + ((<isize>i0) << 2));
    const b0 = load<f32>(seg + ((<usize>j0) << 2));
    const n0 = <i32>(i0 >= 0) & <i32>(a0 <= b0);
    store<f32>(abs + ((<usize>t) << 2), select<f32>(a0, b0, n0));
    i0 -= n0;
    j0 += n0 ^ 1;
    const a1 = -load<f32>(seg + ((<isize>i1) << 2));
    const b1 = load<f32>(seg + ((<usize>j1) << 2));
    const n1 = <i32>(i1 >= 0) & <i32>(a1 <= b1);
    store<f32>(abs + ((<usize>(t1 + t)) << 2), select<f32>(a1, b1, n1));
    i1 -= n1;
    j1 += n1 ^ 1;
    const a2 = -load<f32>(seg + ((<isize>i2) << 2));
    const b2 = load<f32>(seg + ((<usize>j2) << 2));
    const n2 = <i32>(i2 >= 0) & <i32>(a2 <= b2);
    store<f32>(abs + ((<usize>(t2 + t)) << 2), select<f32>(a2, b2, n2));
    i2 -= n2;
    j2 += n2 ^ 1;
    const a3 = -load<f32>(seg + ((<isize>i3) << 2));
    const b3 = load<f32>(seg + ((<usize>j3) << 2));
    const n3 = <i32>(i3 >= 0) & <i32>(a3 <= b3);
    store<f32>(abs + ((<usize>(t3 + t)) << 2), select<f32>(a3, b3, n3));
    i3 -= n3;
    j3 += n3 ^ 1;
  }
  for (let t = t3 + L; t < m; t++) {
    const a3 = -load<f32>(seg + ((<isize>i3) << 2));
    const b3 = load<f32>(seg + ((<usize>j3) << 2));
    const n3 = <i32>(i3 >= 0) & <i32>(a3 <= b3);
    store<f32>(abs + ((<usize>t) << 2), select<f32>(a3, b3, n3));
    i3 -= n3;
    j3 += n3 ^ 1;
  }
  let s1: f64 = 0;
  let s2: f64 = 0;
  let distinct = 0;
  let prev: f32 = NaN;
  store<f64>(p1, 0);
  store<f64>(p2, 0);
  for (let t = 0; t < m; t++) {
    const x = load<f32>(abs + ((<usize>t) << 2));
    const v = <f64>x;
    s1 += v;
    s2 += v * v;
    store<f64>(p1 + ((<usize>(t + 1)) << 3), s1);
    store<f64>(p2 + ((<usize>(t + 1)) << 3), s2);
    distinct += <i32>(x != prev);
    prev = x;
  }
  return distinct;
}

/**
 * Merge path: how many negatives the sequential merge of absAscending has taken after t outputs.
 * With N[q] = -seg[neg-1-q] and P[r] = seg[neg+r], it is the first q where N[q] > P[t-1-q]
 * (taking N[q] before P[t-1-q] would otherwise have happened), searched in the feasible range.
 */
function negTaken(seg: usize, neg: i32, m: i32, t: i32): i32 {
  const pos = m - neg;
  let lo = t - pos > 0 ? t - pos : 0;
  let hi = t < neg ? t : neg;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const nq = -load<f32>(seg + ((<usize>(neg - 1 - mid)) << 2));
    const pr = load<f32>(seg + ((<usize>(neg + t - 1 - mid)) << 2));
    if (nq <= pr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] >= x (hi if none), over float32 at `a`. */
function lowerBound(a: usize, x: f64, lo: i32, hi: i32): i32 {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (<f64>load<f32>(a + ((<usize>mid) << 2)) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** lowerBound from `lo` by galloping: O(log d) for an answer d past lo. */
function gallop(a: usize, x: f64, lo: i32, hi: i32): i32 {
  if (lo >= hi || <f64>load<f32>(a + ((<usize>lo) << 2)) >= x) return lo;
  let step = 1;
  let prev = lo;
  while (lo + step < hi && <f64>load<f32>(a + ((<usize>(lo + step)) << 2)) < x) {
    prev = lo + step;
    step *= 2;
  }
  return lowerBound(a, x, prev + 1, min(hi, lo + step));
}

/**
 * quantize/intk.ts intErrorAt over m ascending |w| at `abs` with their prefix sums `p1` / `p2`
 * (float64, m + 1 each): the exact error of scale s with `levels` levels and the Lloyd update,
 * written as two float64 to `out`. The same runs, jumps over empty levels and float64 sums in
 * the same order as the JavaScript, so the results are bit for bit the same.
 */
export function intErrorAt(abs: usize, p1: usize, p2: usize, m: i32, levels: i32, s: f64, out: usize): void {
  const L = <f64>levels;
  let err: f64 = 0;
  let num: f64 = 0;
  let den: f64 = 0;
  let lo = 0;
  let l: f64 = 0;
  while (lo < m) {
    const x = <f64>load<f32>(abs + ((<usize>lo) << 2));
    if (l < L && x >= (l + 0.5) * s) {
      let g = Math.floor(x / s + 0.5);
      if (!(g <= L)) g = L; // also NaN (0 / 0)
      if (g <= l) g = l + 1;
      while (g > l + 1 && x < (g - 0.5) * s) g--;
      while (g < L && x >= (g + 0.5) * s) g++;
      l = g;
    }
    const hi = l == L ? m : gallop(abs, (l + 0.5) * s, lo, m);
    const cnt = <f64>(hi - lo);
    const s1 = load<f64>(p1 + ((<usize>hi) << 3)) - load<f64>(p1 + ((<usize>lo) << 3));
    const s2 = load<f64>(p2 + ((<usize>hi) << 3)) - load<f64>(p2 + ((<usize>lo) << 3));
    const ql = l * s;
    err += s2 - 2 * ql * s1 + cnt * ql * ql;
    num += l * s1;
    den += l * l * cnt;
    lo = hi;
    l++;
  }
  store<f64>(out, err > 0 ? err : 0);
  store<f64>(out + 8, den > 0 ? num / den : s);
}

// The free-optimum scans of sbnn, sparse01 and ternary (quantize/sbnn.ts, sparse01.ts, ternary.ts
// document the math). Same float64 operations in the same order as the JavaScript they replace;
// fractions are compared by cross-multiplying, with every product in float64 as there.

/** Best split index b (1..m-1) of m ascending float32 at `a` for the two-level error. */
export function bestSplit(a: usize, m: i32, total: f64): i32 {
  let s: f64 = 0;
  let best = 1;
  let bestNum: f64 = -1;
  let bestDen: f64 = 1;
  const fm = <f64>m;
  for (let k = 1; k < m; k++) {
    s += <f64>load<f32>(a + ((<usize>(k - 1)) << 2));
    const r = total - s;
    const fk = <f64>k;
    const mk = fm - fk;
    const num = s * s * mk + r * r * fk;
    const den = fk * mk;
    if (num * bestDen > bestNum * den) {
      bestNum = num;
      bestDen = den;
      best = k;
    }
  }
  return best;
}

/**
 * Free-k sparse01 optimum over m ascending float32 at `a`: the k largest (suffix) first, then the
 * k smallest (prefix), maximizing S^2 / k. Writes k (float64), top (1 / 0) and S to `out`.
 */
export function bestSparse01(a: usize, m: i32, out: usize): void {
  let bestK: f64 = <f64>m;
  let bestTop: f64 = 1;
  let bestS: f64 = 0;
  let bestSq: f64 = -1;
  let s: f64 = 0;
  for (let k = 1; k <= m; k++) {
    s += <f64>load<f32>(a + ((<usize>(m - k)) << 2));
    if (s * s * bestK > bestSq * <f64>k) {
      bestSq = s * s;
      bestK = <f64>k;
      bestS = s;
    }
  }
  s = 0;
  for (let k = 1; k <= m; k++) {
    s += <f64>load<f32>(a + ((<usize>(k - 1)) << 2));
    if (s * s * bestK > bestSq * <f64>k) {
      bestSq = s * s;
      bestK = <f64>k;
      bestS = s;
      bestTop = 0;
    }
  }
  store<f64>(out, bestK);
  store<f64>(out + 8, bestTop);
  store<f64>(out + 16, bestS);
}

/** Best count j of nonzeros for ternary over m ascending |w| at `abs`; writes j and A_j to `out`. */
export function bestTernary(abs: usize, m: i32, out: usize): void {
  let a: f64 = 0;
  let bestJ: f64 = 0;
  let bestS: f64 = 0;
  let bestSq: f64 = 0;
  let bestDen: f64 = 1;
  for (let j = 1; j <= m; j++) {
    a += <f64>load<f32>(abs + ((<usize>(m - j)) << 2));
    if (a * a * bestDen > bestSq * <f64>j) {
      bestSq = a * a;
      bestDen = <f64>j;
      bestJ = <f64>j;
      bestS = a;
    }
  }
  store<f64>(out, bestJ);
  store<f64>(out + 8, bestS);
}

/** quantize()'s signed level of x at scale s with `levels` levels (round half up, clamped). */
// @ts-ignore: decorator
@inline
function signedLevel(x: f64, s: f64, levels: f64): f64 {
  if (!(s > 0)) return 0;
  let l = Math.floor(Math.abs(x) / s + 0.5);
  if (l > levels) l = levels;
  return x < 0 && l > 0 ? -l : l;
}

/**
 * Exact error of intK at float32 scale s over m ascending float32 at `seg` (an error curve's
 * group), with the histogram of signed levels added into `counts` (2 levels + 1 float64). The
 * level is monotone in x, so each level is one run, found by binary search with the level
 * function itself; the run's squared errors against its float32 value are summed in order.
 */
export function intRunErrors(seg: usize, m: i32, s: f64, levels: i32, counts: usize): f64 {
  const L = <f64>levels;
  let e: f64 = 0;
  let i = 0;
  while (i < m) {
    const sl = signedLevel(<f64>load<f32>(seg + ((<usize>i) << 2)), s, L);
    let lo = i + 1;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (signedLevel(<f64>load<f32>(seg + ((<usize>mid) << 2)), s, L) == sl) lo = mid + 1;
      else hi = mid;
    }
    const q = <f64>(<f32>(sl * s));
    for (let j = i; j < lo; j++) {
      const d = <f64>load<f32>(seg + ((<usize>j) << 2)) - q;
      e += d * d;
    }
    const c = counts + ((<usize>(<i32>sl + levels)) << 3);
    store<f64>(c, load<f64>(c) + <f64>(lo - i));
    i = lo;
  }
  return e;
}

/**
 * Binary range encoder (export/rangeCoder.ts documents the format: LZMA-style, carry-propagating,
 * static 11-bit zero probability `prob0`) over a chunk of n bytes at `bits` (0 = a zero bit, any
 * other value a one). The coder state lives at `state` and continues across chunks: low (u64),
 * range (u32), cache (u32), pending (u32: bytes held back for a carry). Final bytes go to `out`;
 * returns how many. With `flush`, the last five shifts write out the rest.
 */
export function encodeBits(bits: usize, n: i32, prob0: u32, state: usize, out: usize, flush: i32): i32 {
  let low = load<u64>(state);
  let range = load<u32>(state + 8);
  let cache = load<u32>(state + 12);
  let pending = load<u32>(state + 16);
  let len = 0;
  for (let i = 0; i <= n; i++) {
    let shifts: u32 = 0;
    if (i < n) {
      // Branch-free (the bits are random): a zero keeps [low, low + bound), a one the rest.
      const bound = (range >> 11) * prob0;
      const one = <u32>(load<u8>(bits + <usize>i) != 0);
      low += <u64>(bound & (0 - one));
      range = select<u32>(range - bound, bound, one);
      // Renormalize until the top byte is nonzero (range >= 2^24): one shift per 8 leading zeros.
      shifts = clz<u32>(range) >> 3;
      range <<= shifts << 3;
    } else if (flush) shifts = 5;
    for (; shifts > 0; shifts--) {
      // shiftLow: a byte leaves low once no carry can reach it.
      if (low < 0xff000000 || low >= 0x100000000) {
        const carry = <u32>(low >> 32);
        let temp = cache;
        do {
          store<u8>(out + <usize>len, <u8>(temp + carry));
          len++;
          temp = 0xff;
        } while (--pending != 0);
        cache = <u32>(low >> 24) & 0xff;
      }
      pending++;
      low = (low & 0xffffff) << 8;
    }
  }
  store<u64>(state, low);
  store<u32>(state + 8, range);
  store<u32>(state + 12, cache);
  store<u32>(state + 16, pending);
  return len;
}

/** First index i in [lo, hi) with a[i] > x (hi if none), over float32 at `a`. */
function upperBound(a: usize, x: f64, lo: i32, hi: i32): i32 {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (<f64>load<f32>(a + ((<usize>mid) << 2)) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// @ts-ignore: decorator
@inline
function highWord(x: f64): f64 {
  return <f64>(<u32>(reinterpret<u64>(x) >> 32));
}

/**
 * quantize/intk.ts sweepIntScale, first half, over m ascending |w| at `abs` with prefix sums
 * `p1`: the state at sHi (num, den) and, per level l, the entries end[l] .. ptr[l] whose
 * breakpoint lies inside [sLo, sHi] (int32 arrays of `levels`). Writes num, den, kMax, kMin
 * (float64) to `state` and returns the number of such entries (the events' upper bound).
 */
export function sweepPrepare(abs: usize, p1: usize, m: i32, levels: i32, sLo: f64, sHi: f64, end: usize, ptr: usize, state: usize): i32 {
  let num: f64 = 0;
  let den: f64 = 0;
  let lo = 0;
  for (let l = 0; l <= levels && lo < m; l++) {
    const fl = <f64>l;
    const hi = l == levels ? m : lowerBound(abs, (fl + 0.5) * sHi, lo, m);
    num += fl * (load<f64>(p1 + ((<usize>hi) << 3)) - load<f64>(p1 + ((<usize>lo) << 3)));
    den += fl * fl * <f64>(hi - lo);
    lo = hi;
  }
  let most = 0;
  let kMax: f64 = -Infinity;
  let kMin: f64 = Infinity;
  let e0 = 0;
  let p0 = 0;
  for (let l = 0; l < levels; l++) {
    const h = <f64>l + 0.5;
    e0 = upperBound(abs, h * sLo, e0, m);
    p0 = lowerBound(abs, h * sHi, p0, m);
    store<i32>(end + ((<usize>l) << 2), e0);
    store<i32>(ptr + ((<usize>l) << 2), p0 - 1);
    if (p0 > e0) {
      most += p0 - e0;
      const top = <f64>load<f32>(abs + ((<usize>(p0 - 1)) << 2)) / h;
      const bottom = <f64>load<f32>(abs + ((<usize>e0) << 2)) / h;
      if (top > kMax) kMax = top;
      if (bottom < kMin) kMin = bottom;
    }
  }
  store<f64>(state, num);
  store<f64>(state + 8, den);
  store<f64>(state + 16, kMax);
  store<f64>(state + 24, kMin);
  return most;
}

/**
 * sweepIntScale, second half: one event per run of equal |w| per level (key = breakpoint scale),
 * bucketed by key then insertion-sorted descending, and the sweep over the piecewise quadratic
 * from sHi down to sLo. Event arrays hold `most` entries each (float64 evK, evN, evD, sK, sN, sD;
 * int32 evB; int32 at with most + 1). Writes the best scale to `out` and returns 0, or returns 1
 * when the JavaScript heap sweep must decide instead (equal breakpoints, or keys so clustered
 * that the insertion sort would go quadratic), exactly where the TypeScript sweep did.
 */
export function sweepRun(
  abs: usize, p2: usize, m: i32, levels: i32, sLo: f64, sHi: f64, end: usize, ptr: usize, state: usize, most: i32,
  evK: usize, evN: usize, evD: usize, evB: usize, sK: usize, sN: usize, sD: usize, at: usize, out: usize,
): i32 {
  const sq = load<f64>(p2 + ((<usize>m) << 3));
  let num = load<f64>(state);
  let den = load<f64>(state + 8);
  const kMax = load<f64>(state + 16);
  const kMin = load<f64>(state + 24);
  const K = most;
  const fK = <f64>K;
  const narrow = kMax <= 4 * kMin;
  const hMax: f64 = narrow ? 0 : highWord(kMax);
  const inv: f64 = K < 2 ? 0 : narrow ? (fK - 1) / (kMax - kMin) : (fK - 1) / (hMax - highWord(kMin));
  memory.fill(at, 0, (<usize>(K + 1)) << 2);
  let B = 0;
  for (let l = 0; l < levels; l++) {
    const e = load<i32>(end + ((<usize>l) << 2));
    let i = load<i32>(ptr + ((<usize>l) << 2));
    const h = <f64>l + 0.5;
    const dl = <f64>(2 * l + 1);
    while (i >= e) {
      const x = load<f32>(abs + ((<usize>i) << 2));
      let f = i - 1;
      while (f >= e && load<f32>(abs + ((<usize>f) << 2)) == x) f--;
      const count = <f64>(i - f);
      const key = <f64>x / h;
      let fb = Math.floor(narrow ? (kMax - key) * inv : (hMax - highWord(key)) * inv);
      if (!(fb >= 0)) fb = 0;
      else if (fb >= fK) fb = fK - 1;
      const b = <i32>fb;
      store<f64>(evK + ((<usize>B) << 3), key);
      store<f64>(evN + ((<usize>B) << 3), <f64>x * count);
      store<f64>(evD + ((<usize>B) << 3), dl * count);
      store<i32>(evB + ((<usize>B) << 2), b);
      const a = at + ((<usize>(b + 1)) << 2);
      store<i32>(a, load<i32>(a) + 1);
      B++;
      i = f;
    }
  }
  for (let b = 0; b < K; b++) {
    const a = at + ((<usize>(b + 1)) << 2);
    store<i32>(a, load<i32>(a) + load<i32>(at + ((<usize>b) << 2)));
  }
  for (let j = 0; j < B; j++) {
    const a = at + ((<usize>load<i32>(evB + ((<usize>j) << 2))) << 2);
    const pos = load<i32>(a);
    store<i32>(a, pos + 1);
    store<f64>(sK + ((<usize>pos) << 3), load<f64>(evK + ((<usize>j) << 3)));
    store<f64>(sN + ((<usize>pos) << 3), load<f64>(evN + ((<usize>j) << 3)));
    store<f64>(sD + ((<usize>pos) << 3), load<f64>(evD + ((<usize>j) << 3)));
  }
  // Insertion sort, descending; clustered keys beyond a linear budget go to the heap instead.
  let moves: i64 = 0;
  const budget = 8 * <i64>B + 1024;
  for (let j = 1; j < B; j++) {
    const k = load<f64>(sK + ((<usize>j) << 3));
    if (k <= load<f64>(sK + ((<usize>(j - 1)) << 3))) continue;
    const vn = load<f64>(sN + ((<usize>j) << 3));
    const vd = load<f64>(sD + ((<usize>j) << 3));
    let t = j - 1;
    do {
      store<f64>(sK + ((<usize>(t + 1)) << 3), load<f64>(sK + ((<usize>t) << 3)));
      store<f64>(sN + ((<usize>(t + 1)) << 3), load<f64>(sN + ((<usize>t) << 3)));
      store<f64>(sD + ((<usize>(t + 1)) << 3), load<f64>(sD + ((<usize>t) << 3)));
      t--;
    } while (t >= 0 && load<f64>(sK + ((<usize>t) << 3)) < k);
    store<f64>(sK + ((<usize>(t + 1)) << 3), k);
    store<f64>(sN + ((<usize>(t + 1)) << 3), vn);
    store<f64>(sD + ((<usize>(t + 1)) << 3), vd);
    moves += <i64>(j - 1 - t);
    if (moves > budget) return 1;
  }
  let bestS = sHi;
  let bestE: f64 = Infinity;
  let upper = sHi;
  for (let j = 0; j < B; j++) {
    const s = load<f64>(sK + ((<usize>j) << 3));
    if (s == upper && j > 0) return 1; // equal breakpoints
    const t = pieceMinimum(num, den, s, upper);
    const e = sq - 2 * t * num + t * t * den;
    if (e < bestE) {
      bestE = e;
      bestS = t;
    }
    upper = s;
    num += load<f64>(sN + ((<usize>j) << 3));
    den += load<f64>(sD + ((<usize>j) << 3));
  }
  const t = pieceMinimum(num, den, sLo, upper);
  if (sq - 2 * t * num + t * t * den < bestE) bestS = t;
  store<f64>(out, bestS);
  return 0;
}

/** Minimum of the error quadratic sq - 2 t num + t^2 den on the piece [s, upper]: num / den, clamped. */
// @ts-ignore: decorator
@inline
function pieceMinimum(num: f64, den: f64, s: f64, upper: f64): f64 {
  let t = den > 0 ? num / den : upper;
  if (t < s) t = s;
  else if (t > upper) t = upper;
  return t;
}
