// The branch-free histogram path of the fixed-p sbnn/sparse01 closed form must give exactly what
// the previous code gave (kept verbatim in sbnnReference.ts): sums, thresholds, tie counts, moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extremeSumsHistogram } from '../../src/engine/quantize/sbnn';
import { extremeSumsHistogramRef } from './sbnnReference';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('extremeSumsHistogram equals the reference on random tensors, signed zeros and ties', () => {
  const r = mulberry32(41);
  let cases = 0;
  for (const n of [2, 3, 17, 1000, 70_000]) {
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
