// sortFloat32 against a comparison sort, below and from 2048 values (the WebAssembly kernel's radix
// sort, 3 x 11 bits), with signed zeros (the radix sort keys -0 as +0) and infinities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortFloat32 } from '../../src/engine/quantize/sort';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('sortFloat32 equals a comparison sort on both paths', () => {
  const r = mulberry32(61);
  for (const n of [2047, 2048, 65535, 65536, 200_000]) {
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      for (let i = 0; i < n; i += 97) w[i] = i % 194 === 0 ? -0 : 0;
      w[5] = Infinity;
      w[6] = -Infinity;
      w[7] = -3.4028234663852886e38;
      w[8] = 1.401298464324817e-45;
      w[9] = -1.401298464324817e-45;
      const got = new Float32Array(w);
      sortFloat32(got);
      // Below 2048 the native sort keeps -0 (before +0); the radix paths write +0.
      const want = Float64Array.from(w, (x) => (n >= 2048 && Object.is(x, -0) ? 0 : x)).sort();
      for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], Math.fround(want[i]!)), `${dist} n=${n} at ${i}: ${got[i]} vs ${want[i]}`);
    }
  }
});
