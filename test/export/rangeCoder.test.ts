// The range encoder (its per-bit loop in the WebAssembly kernel, streamed in chunks of 2^15 bits)
// must write exactly the bytes of the plain TypeScript encoder it replaced (rangeCoderReference.ts),
// and decode back: every density from empty to full, lengths around chunk ends, and probabilities
// far from the data's (long carry chains and held-back 0xff runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBits, encodeBits, zeroProbability } from '../../src/engine/export/rangeCoder';
import { encodeBitsRef } from './rangeCoderReference';
import { mulberry32 } from '../helpers/rng';

test('encodeBits equals the reference encoder byte for byte and decodes back', () => {
  const r = mulberry32(71);
  let cases = 0;
  for (const n of [0, 1, 7, 32_767, 32_768, 32_769, 100_003]) {
    for (const share of [0, 0.0005, 0.1, 0.5, 0.97, 1]) {
      const bits = Uint8Array.from({ length: n }, () => (r() < share ? 1 : 0));
      let ones = 0;
      for (const b of bits) ones += b;
      for (const prob of [zeroProbability(ones, n), 1, 2047, 1024]) {
        const got = encodeBits(bits, n, prob);
        const want = encodeBitsRef(bits, n, prob);
        assert.deepEqual(got, want, `n=${n} share=${share} prob=${prob}`);
        const back = new Uint8Array(n);
        decodeBits(got, n, prob, (i, b) => (back[i] = b));
        assert.deepEqual(back, bits, `n=${n} share=${share} prob=${prob}: round trip`);
        cases++;
      }
    }
  }
  // Bytes other than 0 and 1 count as ones, and `count` may stop short of the array's end.
  const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => (i % 3 === 0 ? 255 : i % 5 === 0 ? 2 : 0));
  assert.deepEqual(encodeBits(bytes, 39_000, 700), encodeBitsRef(bytes, 39_000, 700));
  assert.ok(cases >= 160);
});
