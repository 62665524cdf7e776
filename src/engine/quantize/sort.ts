// Ascending sort of Float32Array by LSD radix over order-preserving 32-bit keys: 3 passes of
// 11/11/10 bits. V8's comparison sort of typed arrays takes ~6 s for 25 M floats; this takes a
// few hundred ms. Input must be NaN-free; -0 is ordered as +0 (they compare equal).

const SMALL = 2048;

/** Order-preserving key of a float32's bits: flip all bits of negatives, the sign bit of the rest. */
export function floatKey(bits: number): number {
  if (bits === 0x80000000) return 0x80000000; // -0 as +0
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

/** Sorts `a` ascending in place. `scratch` (optional, length >= 2 * a.length) avoids allocation. */
export function sortFloat32(a: Float32Array, scratch?: Uint32Array): void {
  const n = a.length;
  if (n < SMALL) {
    a.sort();
    return;
  }
  const bits = new Uint32Array(a.buffer, a.byteOffset, n);
  const buf = scratch && scratch.length >= 2 * n ? scratch : new Uint32Array(2 * n);
  let src = buf.subarray(0, n);
  let dst = buf.subarray(n, 2 * n);
  const c0 = new Uint32Array(2048);
  const c1 = new Uint32Array(2048);
  const c2 = new Uint32Array(1024);
  for (let i = 0; i < n; i++) {
    const b = bits[i]!;
    const k = b === 0x80000000 ? 0x80000000 : (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
    src[i] = k;
    c0[k & 2047]!++;
    c1[(k >>> 11) & 2047]!++;
    c2[k >>> 22]!++;
  }
  const prefix = (c: Uint32Array) => {
    let s = 0;
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      c[i] = s;
      s += x;
    }
  };
  prefix(c0);
  prefix(c1);
  prefix(c2);
  for (let i = 0; i < n; i++) {
    const k = src[i]!;
    dst[c0[k & 2047]!++] = k;
  }
  [src, dst] = [dst, src];
  for (let i = 0; i < n; i++) {
    const k = src[i]!;
    dst[c1[(k >>> 11) & 2047]!++] = k;
  }
  [src, dst] = [dst, src];
  for (let i = 0; i < n; i++) {
    const k = src[i]!;
    bits[c2[k >>> 22]!++] = k & 0x80000000 ? k & 0x7fffffff : ~k;
  }
}
