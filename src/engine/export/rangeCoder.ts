// Binary range coder with a static probability (LZMA-style carry-propagating encoder, 11-bit
// probabilities). A bit plane whose share of ones is p codes to about n * H(p) bits, which is
// what makes a sparse {beta, alpha} plane smaller than its 1-bit packing.

import { encodeBits as encodeBitsKernel } from '../wasm/kernels';

const PROB_BITS = 11;
const PROB_ONE = 1 << PROB_BITS;

/** Probability of a 0 bit in 11-bit fixed point, kept inside (0, 2048). */
export function zeroProbability(ones: number, n: number): number {
  const p0 = n > 0 ? (n - ones) / n : 0.5;
  return Math.min(PROB_ONE - 1, Math.max(1, Math.round(p0 * PROB_ONE)));
}

/**
 * Encodes bits[0 .. count) (0 / 1 values) with a fixed zero-probability `prob0` (1..2047). The
 * per-bit loop runs in the WebAssembly kernel (integer only: 32-bit range, 64-bit low); the
 * decoder below is its inverse, in plain TypeScript.
 */
export function encodeBits(bits: Uint8Array, count: number, prob0: number): Uint8Array {
  return encodeBitsKernel(bits, count, prob0);
}

/** Decodes `count` bits, calling `put(i, bit)`. Throws on a stream that ends early. */
export function decodeBits(data: Uint8Array, count: number, prob0: number, put: (i: number, bit: number) => void): void {
  if (data.length < 5) throw new Error('entropy-coded plane ends early');
  let pos = 0;
  let r = -1; // range and code as uint32 bit patterns in int32s, compared with >>> 0
  let code = 0;
  for (let i = 0; i < 5; i++) code = (code << 8) | data[pos++];
  for (let i = 0; i < count; i++) {
    const bound = Math.imul(r >>> PROB_BITS, prob0);
    let bit: number;
    if (code >>> 0 < bound >>> 0) {
      r = bound;
      bit = 0;
    } else {
      code = (code - bound) | 0;
      r = (r - bound) | 0;
      bit = 1;
    }
    put(i, bit);
    while (r >>> 24 === 0) {
      if (pos >= data.length) throw new Error('entropy-coded plane ends early');
      r <<= 8;
      code = (code << 8) | data[pos++];
    }
  }
}
