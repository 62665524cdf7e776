// The faster intK scale search must reproduce the previous implementation bit for bit: same
// errors, same Lloyd updates, same scales (the reference is kept verbatim in intkReference.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intErrorAt, intSearchData, searchIntScale, searchIntScaleDirect, sweepIntScale, sweepIntScaleHeap, type IntSearchData } from '../../src/engine/quantize/intk';
import { absPrefixRef, countDistinctRef, intErrorAtRef, searchIntScaleRef, sweepIntScaleRef } from './intkReference';
import { DISTS, mulberry32, normal, sample } from '../helpers/rng';
import { absAscending, absWorkspace, workspaceIntErrorAt } from '../../src/engine/wasm/kernels';

/**
 * Sorted |w| of `w` with prefix sums, as quantize() builds it: in the kernel workspace (valid until
 * the next one), and, for the references, in plain arrays built the old way (`plain`).
 */
function searchData(w: Float32Array): IntSearchData & { plain: IntSearchData } {
  const abs = Float32Array.from(w, Math.abs).sort();
  const plain = { abs, ...absPrefixRef(abs), distinct: countDistinctRef(abs) };
  return { ...intSearchData(abs), plain };
}

/**
 * Already-quantized weights (k * step): with an exact step (a power of two), breakpoints of
 * different levels coincide (k1 / (l1 + 0.5) = k2 / (l2 + 0.5)), the case the heap order decides.
 */
function quantized(r: () => number, n: number, top: number, exact: boolean): Float32Array {
  const step = exact ? 2 ** -Math.floor(4 + r() * 8) : Math.fround(0.001 + r() * 0.01);
  return Float32Array.from({ length: n }, () => Math.round(normal(r) * top * 0.4) * step);
}

/**
 * Odd multiples (2j + 1) b of random b with short mantissas: b at level 0 and 3b at level 1 share
 * the breakpoint 2b exactly, while their sums stay inexact (so the visiting order shows).
 */
function oddMultiples(r: () => number, n: number): Float32Array {
  const bases = Array.from({ length: Math.max(1, n >> 3) }, () => Math.fround(Math.round((0.5 + r()) * 65536) / 65536) * 0.01);
  return Float32Array.from({ length: n }, () => bases[Math.floor(r() * bases.length)]! * (2 * Math.floor(r() * 6) + 1) * (r() < 0.5 ? -1 : 1));
}

function* tensors(seed: number, sizes: number[]) {
  const r = mulberry32(seed);
  for (const n of sizes) {
    for (const dist of DISTS) yield { name: `${dist} n=${n}`, d: searchData(sample(r, n, dist)), r };
    yield { name: `odd multiples n=${n}`, d: searchData(oddMultiples(r, n)), r };
    for (const top of [1, 3, 7, 127])
      for (const exact of [false, true]) yield { name: `quantized(${top}, ${exact}) n=${n}`, d: searchData(quantized(r, n, top, exact)), r };
  }
}

const LEVELS = [1, 3, 7, 127];

test('intErrorAt equals the reference bit for bit, at breakpoints, zero and tiny scales', () => {
  let checked = 0;
  for (const { name, d, r } of tensors(31, [1, 2, 5, 30, 257, 3000])) {
    const m = d.abs.length;
    const max = d.abs[m - 1]!;
    for (const L of LEVELS) {
      const scales = [0, 1e-30, max, 2 * max, max / L, Number.MIN_VALUE];
      for (let i = 0; i < 20; i++) scales.push(r() * 2 * max);
      for (let i = 0; i < 20; i++) scales.push(d.abs[Math.floor(r() * m)]! / (Math.floor(r() * L) + 0.5));
      for (const s of scales) {
        const a = intErrorAt(d, L, s);
        const b = intErrorAtRef(d.plain, L, s);
        assert.equal(a.error, b.error, `${name} L=${L} s=${s} error`);
        assert.equal(a.lloyd, b.lloyd, `${name} L=${L} s=${s} lloyd`);
        checked++;
      }
    }
  }
  assert.ok(checked > 5000);
});

test('absAscending merges a signed group into sorted |w| with prefix sums and distinct count, bit for bit, and intErrorAt runs on it', () => {
  let checked = 0;
  for (const { name, d, r } of tensors(33, [1, 2, 5, 30, 257, 3000, 70_000])) {
    const m = d.plain.abs.length;
    const max = d.plain.abs[m - 1]!;
    // A signed group with the same |w| (random signs on the nonzero values), ascending.
    const seg = Float32Array.from(d.plain.abs, (x) => (x > 0 && r() < 0.5 ? -x : x)).sort();
    const ws = absWorkspace(m + 5);
    const distinct = absAscending(seg, ws);
    const k: IntSearchData = { abs: ws.abs.subarray(0, m), p1: ws.p1.subarray(0, m + 1), p2: ws.p2.subarray(0, m + 1), distinct };
    assert.deepEqual(k.abs, d.plain.abs, `${name} abs`);
    assert.deepEqual(k.p1, d.plain.p1, `${name} p1`);
    assert.deepEqual(k.p2, d.plain.p2, `${name} p2`);
    assert.equal(distinct, d.plain.distinct, `${name} distinct`);
    for (const L of LEVELS) {
      const scales = [0, 1e-30, max, 2 * max, max / L, Number.MIN_VALUE];
      for (let i = 0; i < 10; i++) scales.push(r() * 2 * max);
      for (let i = 0; i < 10; i++) scales.push(d.plain.abs[Math.floor(r() * m)]! / (Math.floor(r() * L) + 0.5));
      for (const s of scales) {
        const a = workspaceIntErrorAt(k, L, s);
        assert.ok(a, `${name}: data in the workspace goes to the kernel`);
        const b = intErrorAtRef(d.plain, L, s);
        assert.ok(Object.is(a.error, b.error), `${name} L=${L} s=${s} error ${a.error} vs ${b.error}`);
        assert.ok(Object.is(a.lloyd, b.lloyd), `${name} L=${L} s=${s} lloyd`);
        checked++;
      }
    }
  }
  const elsewhere = searchData(new Float32Array([1, 2])).plain;
  assert.equal(workspaceIntErrorAt(elsewhere, 3, 1), null, 'data outside the workspace is not the kernel\'s');
  assert.throws(() => intErrorAt(elsewhere, 3, 1), /kernel workspace/);
  assert.ok(checked > 3000);
});

test('sweepIntScale (bucketed) and sweepIntScaleHeap equal the reference sweep on full ranges and windows', () => {
  for (const { name, d, r } of tensors(32, [1, 2, 5, 30, 257, 3000])) {
    const m = d.abs.length;
    const max = d.abs[m - 1]!;
    if (max === 0) continue;
    for (const L of LEVELS) {
      const windows: [number, number][] = [[0, 2 * max]];
      for (let i = 0; i < 4; i++) {
        const c = (max / L) * (0.2 + r());
        const delta = [0.5, 0.1, 0.01, 1e-5][i]!;
        windows.push([c * (1 - delta), c * (1 + delta)]);
      }
      // A window edge on a breakpoint.
      windows.push([d.abs[m >> 1]! / (L - 0.5), (2 * d.abs[m - 1]!) / (L - 0.5)]);
      for (const [lo, hi] of windows) {
        const want = sweepIntScaleRef(d.plain, L, lo, hi);
        const fast = sweepIntScale(d, L, lo, hi);
        const heap = sweepIntScaleHeap(d, L, lo, hi);
        assert.equal(fast.scale, want.scale, `${name} L=${L} [${lo}, ${hi}] scale`);
        assert.equal(fast.error, want.error, `${name} L=${L} [${lo}, ${hi}] error`);
        assert.equal(heap.scale, want.scale, `${name} L=${L} [${lo}, ${hi}] heap scale`);
        assert.equal(heap.error, want.error, `${name} L=${L} [${lo}, ${hi}] heap error`);
      }
    }
  }
});

test('searchIntScale equals the reference search (exact sweep, dense search and window paths)', () => {
  for (const { name, d } of tensors(33, [1, 3, 9, 25, 120, 481, 2304, 20000])) {
    for (const L of LEVELS) {
      for (const opts of [{}, { exactLimit: 0 }, { exactLimit: 0, window: 0 }, { exactLimit: 0, window: 64 }]) {
        const want = searchIntScaleRef(d.plain, L, opts);
        const got = searchIntScale(d, L, opts);
        assert.equal(got.scale, want.scale, `${name} L=${L} ${JSON.stringify(opts)} scale`);
        assert.equal(got.error, want.error, `${name} L=${L} ${JSON.stringify(opts)} error`);
      }
    }
  }
});

test('searchIntScale memo: a repeat of the same values (a fresh copy) gives the direct result; one changed bit is a new search', () => {
  const r = mulberry32(34);
  for (let rep = 0; rep < 40; rep++) {
    const n = 1 + Math.floor(r() * 600);
    const w = sample(r, n, DISTS[rep % DISTS.length]!);
    for (const L of LEVELS) {
      const first = searchIntScale(searchData(w), L);
      const again = searchIntScale(searchData(new Float32Array(w)), L);
      const direct = searchIntScaleDirect(searchData(w), L);
      assert.equal(first.scale, direct.scale);
      assert.equal(first.error, direct.error);
      assert.equal(again.scale, direct.scale);
      assert.equal(again.error, direct.error);
      // Nudge the largest |w| by one ulp: a different input must not reuse the entry.
      const v = Float32Array.from(w, Math.abs);
      let at = 0;
      for (let i = 1; i < n; i++) if (v[i]! > v[at]!) at = i;
      if (v[at] === 0) continue;
      const bits = new Int32Array(v.buffer);
      bits[at]!++;
      const changed = searchIntScale(searchData(v), L);
      const want = searchIntScaleRef(searchData(v).plain, L);
      assert.equal(changed.scale, want.scale, `rep ${rep} L=${L} changed scale`);
      assert.equal(changed.error, want.error, `rep ${rep} L=${L} changed error`);
    }
  }
});

test('a group too big for WebAssembly memory is refused in one line, before any memory is taken', () => {
  // 200 M values need about 5.6 GB of sorted |w| and prefix sums; the limit is 4 GiB.
  assert.throws(
    () => absWorkspace(200_000_000),
    (e: Error) => e.name === 'SbnnError' && /a group of 200,000,000 weights .*over its 4 GiB limit; compress this tensor per channel/.test(e.message) && !e.message.includes('\n'),
  );
  // The workspace still serves normal groups afterwards.
  const d = intSearchData(new Float32Array([0.5, 1, 2]));
  assert.deepEqual([...d.p1], [0, 0.5, 1.5, 3.5]);
});
