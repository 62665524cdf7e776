// encodeBits as it was in plain TypeScript (commit 7c0d19b, export/rangeCoder.ts), before its loop
// moved into the WebAssembly kernel, kept verbatim as the reference the kernel must reproduce byte for byte.

const PROB_BITS = 11;

export function encodeBitsRef(bits: Uint8Array, count: number, prob0: number): Uint8Array {
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
