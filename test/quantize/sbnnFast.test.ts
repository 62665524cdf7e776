// The branch-free histogram path of the fixed-p sbnn/sparse01 closed form must give exactly what
// the previous code gave (kept verbatim in sbnnReference.ts): sums, thresholds, tie counts, moments.
// The same for the two-level assignment, whose loop streams through the WebAssembly kernel in
// chunks of 2^15 values: lengths around and across chunk ends, ties in several chunks; and for the
// free-optimum scans, which moved into the kernel too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignTwoLevelRef, bestSparse01Ref, bestSplitRef, bestTernaryRef, extremeSumsHistogramRef } from './sbnnReference';
import { bestSplit, extremeSumsHistogram } from '../../src/engine/quantize/sbnn';
import { bestSparse01 } from '../../src/engine/quantize/sparse01';
import { bestTernary } from '../../src/engine/quantize/ternary';
import { assignTwoLevel } from '../../src/engine/quantize/common';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('extremeSumsHistogram equals the reference on random tensors, signed zeros and ties', () => {
  const r = mulberry32(41);
  let cases = 0;
  for (const n of [2, 3, 17, 1000, 70_000, 100_003]) {
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      // Signed zeros and values at bucket edges mixed in.
      for (let i = 0; i < n; i += 7) w[i] = i % 14 === 0 ? -0 : 0;
      for (const k of [1, Math.max(1, n >> 3), n >> 1, n - 1].filter((k) => k >= 1 && k < n)) {
        const got = extremeSumsHistogram(w, k);
        const want = extremeSumsHistogramRef(w, k);
        assert.deepEqual(got, want, `${dist} n=${n} k=${k}`);
        for (const key of ['sTop', 'tTop', 'sBot', 'tBot', 'total', 'sq'] as const) assert.ok(Object.is(got[key], want[key]), `${dist} n=${n} k=${k} ${key}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 100);
});

test('assignTwoLevel equals the plain JavaScript reference bit for bit, across kernel chunks', () => {
  const r = mulberry32(43);
  let cases = 0;
  for (const n of [1, 2, 3, 32_767, 32_768, 32_769, 65_537, 100_003]) {
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      const t = w[n >> 1]!;
      // Copies of the threshold spread over the chunks (ties), and signed zeros.
      for (let i = 0; i < n; i += 9_001) w[i] = t;
      for (let i = 5; i < n; i += 13) w[i] = i % 26 === 5 ? -0 : 0;
      let equal = 0;
      for (const x of w) if (x === t) equal++;
      for (const top of [true, false]) {
        for (const ties of [0, 1, equal >> 1, equal]) {
          const [alpha, beta] = top ? [Math.fround(t + 0.5), Math.fround(t - 0.25)] : [Math.fround(t - 0.5), Math.fround(t + 0.25)];
          const q = new Float32Array(n + 3).fill(7);
          const codes = new Uint8Array(n + 3).fill(9);
          const qRef = q.slice();
          const codesRef = codes.slice();
          const e = assignTwoLevel(w, q, codes, top, t, ties, alpha, beta);
          const eRef = assignTwoLevelRef(w, qRef, codesRef, top, t, ties, alpha, beta);
          const label = `${dist} n=${n} top=${top} ties=${ties}`;
          assert.ok(Object.is(e, eRef), `${label}: error ${e} vs ${eRef}`);
          assert.deepEqual(codes, codesRef, label);
          assert.deepEqual(q, qRef, label);
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 200);
});

test('the free-optimum scans (bestSplit, bestSparse01, bestTernary) equal their JavaScript references bit for bit', () => {
  const r = mulberry32(47);
  let cases = 0;
  for (const n of [1, 2, 3, 17, 1000, 65_537]) {
    for (const dist of DISTS) {
      const a = sample(r, n, dist);
      for (let i = 3; i < n; i += 11) a[i] = a[i - 3]!; // ties
      a.sort();
      let total = 0;
      let sq = 0;
      for (const x of a) {
        total += x;
        sq += x * x;
      }
      const label = `${dist} n=${n}`;
      assert.equal(bestSplit(a, total, sq), bestSplitRef(a, total, sq), label);
      const s01 = bestSparse01(a);
      const s01Ref = bestSparse01Ref(a);
      assert.deepEqual(s01, s01Ref, label);
      assert.ok(Object.is(s01.s, s01Ref.s), label);
      const abs = Float32Array.from(a, Math.abs).sort();
      const t = bestTernary(abs);
      const tRef = bestTernaryRef(abs);
      assert.deepEqual(t, tRef, label);
      assert.ok(Object.is(t.s, tRef.s), label);
      cases++;
    }
  }
  assert.ok(cases >= 30);
});
