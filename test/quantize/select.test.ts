import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickselect } from '../../src/engine/quantize/select';
import { sortFloat32 } from '../../src/engine/quantize/sort';
import { extremeSumsHistogram, extremeSumsSelect } from '../../src/engine/quantize/sbnn';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('quickselect puts the k-th smallest at k and partitions around it', () => {
  const r = mulberry32(1);
  for (const n of [1, 2, 3, 5, 16, 17, 40, 300, 5000]) {
    for (const dist of DISTS) {
      const a = sample(r, n, dist);
      const sorted = Float32Array.from(a).sort();
      for (const k of new Set([0, n - 1, n >> 1, Math.floor(r() * n)])) {
        const b = Float32Array.from(a);
        const v = quickselect(b, k);
        assert.equal(v, sorted[k], `n=${n} ${dist} k=${k}`);
        assert.equal(b[k], sorted[k]);
        for (let i = 0; i < k; i++) assert.ok(b[i]! <= v);
        for (let i = k + 1; i < n; i++) assert.ok(b[i]! >= v);
        // Same multiset.
        assert.deepEqual(Float32Array.from(b).sort(), sorted);
      }
    }
  }
});

test('quickselect on a subrange leaves the rest untouched', () => {
  const a = new Float32Array([9, 8, 7, 3, 1, 2, 6, 5, 4, 0]);
  const v = quickselect(a, 4, 3, 9);
  // Subrange [3, 9) holds 3,1,2,6,5,4; sorted it is 1..6 at positions 3..8, so position 4 holds 2.
  assert.equal(v, 2);
  assert.deepEqual(Array.from(a.subarray(0, 3)), [9, 8, 7]);
  assert.equal(a[9], 0);
});

test('quickselect survives adversarial inputs (all equal, sorted, reversed, organ pipe)', () => {
  const n = 100_000;
  const mk = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  for (const a of [mk(() => 1), mk((i) => i), mk((i) => n - i), mk((i) => Math.min(i, n - i)), mk((i) => i % 3)]) {
    const sorted = Float32Array.from(a).sort();
    for (const k of [0, 1, n >> 1, n - 2, n - 1]) assert.equal(quickselect(Float32Array.from(a), k), sorted[k]);
  }
});

test('quickselect rejects k outside the range', () => {
  assert.throws(() => quickselect(new Float32Array(3), 3), RangeError);
});

test('sortFloat32 (radix) sorts like the comparison sort, zeros and extremes included', () => {
  const r = mulberry32(5);
  for (const n of [0, 1, 100, 2047, 2048, 50_000]) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = r();
      a[i] = u < 0.1 ? 0 : u < 0.15 ? -0 : u < 0.2 ? 3.4e38 * (r() - 0.5) : u < 0.25 ? 1e-40 * (r() - 0.5) : (r() - 0.5) * 10;
    }
    const expect = Float32Array.from(a).sort();
    sortFloat32(a);
    for (let i = 0; i < n; i++) assert.ok(a[i] === expect[i], `n=${n} i=${i}: ${a[i]} vs ${expect[i]}`);
  }
});

test('histogram and selection paths of extremeSums agree (sums, thresholds, tie counts)', () => {
  const r = mulberry32(6);
  for (const dist of DISTS) {
    const v = sample(r, 70_000, dist);
    for (const k of [1, 7, 700, 35_000, 69_999]) {
      const h = extremeSumsHistogram(v, k);
      const s = extremeSumsSelect(v, k, new Float32Array(v.length));
      assert.equal(h.tTop, s.tTop);
      assert.equal(h.tBot, s.tBot);
      assert.equal(h.tiesTop, s.tiesTop);
      assert.equal(h.tiesBot, s.tiesBot);
      for (const [a, b] of [[h.sTop, s.sTop], [h.sBot, s.sBot]] as const)
        assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${dist} k=${k}: ${a} vs ${b}`);
    }
  }
});
