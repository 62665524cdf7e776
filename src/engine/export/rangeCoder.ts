// Binary range coder with a static probability (LZMA-style carry-propagating encoder, 11-bit
// probabilities). A bit plane whose share of ones is p codes to about n * H(p) bits, which is
// what makes a sparse {beta, alpha} plane smaller than its 1-bit packing.

const PROB_BITS = 11;
const PROB_ONE = 1 << PROB_BITS;

/** Probability of a 0 bit in 11-bit fixed point, kept inside (0, 2048). */
export function zeroProbability(ones: number, n: number): number {
  const p0 = n > 0 ? (n - ones) / n : 0.5;
  return Math.min(PROB_ONE - 1, Math.max(1, Math.round(p0 * PROB_ONE)));
}

/**
 * Encodes bits[0 .. count) (0 / 1 values) with a fixed zero-probability `prob0` (1..2047).
 * The 32-bit range is kept as its bit pattern in an int32 (`r`), so the per-bit work is integer
 * only: bound = (range >>> 11) * prob0 < 2^32 is exact in Math.imul's low 32 bits.
 */
export function encodeBits(bits: Uint8Array, count: number, prob0: number): Uint8Array {
  let buf = new Uint8Array(Math.max(64, (count >>> 3) + 64));
  let len = 0;
  let low = 0; // up to 2^32 + 2^32: a safe integer (a double)
  let r = -1; // range 0xffffffff
  let cache = 0;
  let cacheSize = 1;
  const shiftLow = (): void => {
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      if (len + cacheSize > buf.length) {
        const grown = new Uint8Array(buf.length * 2 + cacheSize);
        grown.set(buf);
        buf = grown;
      }
      let temp = cache;
      do {
        buf[len++] = (temp + carry) & 0xff;
        temp = 0xff;
      } while (--cacheSize !== 0);
      cache = Math.floor(low / 0x1000000) & 0xff;
    }
    cacheSize++;
    low = (low % 0x1000000) * 256;
  };
  for (let i = 0; i < count; i++) {
    const bound = Math.imul(r >>> PROB_BITS, prob0);
    if (bits[i] === 0) r = bound;
    else {
      low += bound >>> 0;
      r = (r - bound) | 0;
    }
    // range < 2^24 <=> its top byte is zero.
    while (r >>> 24 === 0) {
      r <<= 8;
      shiftLow();
    }
  }
  for (let i = 0; i < 5; i++) shiftLow();
  return buf.subarray(0, len);
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
