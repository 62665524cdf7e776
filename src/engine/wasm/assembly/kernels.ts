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
 * continued across chunks. Branch-free: beyond-threshold values add x * 1, the rest x * 0 (a zero
 * that leaves the sums as they were, since they start at +0); every value is written to both
 * gather buffers and advances only the count of the bucket it belongs to (each buffer has one
 * spare slot).
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
    store<f32>(gT + ((<usize>nT) << 2), x);
    nT += <i32>(x >= loT) & (isAbove ^ 1);
    store<f32>(gB + ((<usize>nB) << 2), x);
    nB += <i32>(x <= hiB) & (isBelow ^ 1);
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
 * by `first`) of the first `tieCap` values equal to `t` go to `tieIdx` (one spare slot), their
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
    store<i32>(tieIdx + ((<usize>ties) << 2), first + i);
    ties += <i32>(x0 == t) & <i32>(ties < tieCap);
    store<i32>(tieIdx + ((<usize>ties) << 2), first + i + 1);
    ties += <i32>(x1 == t) & <i32>(ties < tieCap);
  }
  for (; i < n; i++) {
    const x = load<f32>(v + ((<usize>i) << 2));
    const o = <i32>(sgn * <f64>x > st);
    const y = select<f32>(alpha, beta, o);
    store<f32>(q + ((<usize>i) << 2), y);
    store<u8>(codes + <usize>i, <u8>o);
    const d = <f64>x - <f64>y;
    e0 += d * d;
    store<i32>(tieIdx + ((<usize>ties) << 2), first + i);
    ties += <i32>(x == t) & <i32>(ties < tieCap);
  }
  store<f64>(state, e0);
  store<f64>(state + 8, e1);
  store<i32>(state + 16, ties);
}
