// Binary range coder with a static probability (LZMA-style carry-propagating encoder, 11-bit
// probabilities). A bit plane whose share of ones is p codes to about n * H(p) bits, which is
// what makes a sparse {beta, alpha} plane smaller than its 1-bit packing.

const TOP = 2 ** 24;
const PROB_BITS = 11;
const PROB_ONE = 1 << PROB_BITS;

/** Probability of a 0 bit in 11-bit fixed point, kept inside (0, 2048). */
export function zeroProbability(ones: number, n: number): number {
  const p0 = n > 0 ? (n - ones) / n : 0.5;
  return Math.min(PROB_ONE - 1, Math.max(1, Math.round(p0 * PROB_ONE)));
}

class ByteSink {
  buf = new Uint8Array(1024);
  len = 0;
  push(b: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }
}

/** Encodes bits[0 .. count) (0 / 1 values) with a fixed zero-probability `prob0` (1..2047). */
export function encodeBits(bits: Uint8Array, count: number, prob0: number): Uint8Array {
  const out = new ByteSink();
  let low = 0; // up to 2^32 + 2^32: a safe integer
  let range = 0xffffffff;
  let cache = 0;
  let cacheSize = 1;
  const shiftLow = (): void => {
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let temp = cache;
      do {
        out.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--cacheSize !== 0);
      cache = Math.floor(low / 0x1000000) & 0xff;
    }
    cacheSize++;
    low = (low % 0x1000000) * 256;
  };
  for (let i = 0; i < count; i++) {
    const bound = (range >>> PROB_BITS) * prob0;
    if (bits[i] === 0) {
      range = bound;
    } else {
      low += bound;
      range -= bound;
    }
    while (range < TOP) {
      range = (range * 256) >>> 0;
      shiftLow();
    }
  }
  for (let i = 0; i < 5; i++) shiftLow();
  return out.buf.subarray(0, out.len);
}

/** Decodes `count` bits, calling `put(i, bit)`. Throws on a stream that ends early. */
export function decodeBits(data: Uint8Array, count: number, prob0: number, put: (i: number, bit: number) => void): void {
  let pos = 0;
  const next = (): number => {
    if (pos >= data.length) throw new Error('entropy-coded plane ends early');
    return data[pos++];
  };
  let range = 0xffffffff;
  let code = 0;
  for (let i = 0; i < 5; i++) code = ((code * 256) >>> 0) + next();
  code >>>= 0;
  for (let i = 0; i < count; i++) {
    const bound = (range >>> PROB_BITS) * prob0;
    let bit: number;
    if (code < bound) {
      range = bound;
      bit = 0;
    } else {
      code -= bound;
      range -= bound;
      bit = 1;
    }
    put(i, bit);
    while (range < TOP) {
      range = (range * 256) >>> 0;
      code = ((code * 256) >>> 0) + next();
      code >>>= 0;
    }
  }
}
