// Ascending sort of Float32Array by LSD radix over order-preserving 32-bit keys: 3 passes of
// 11/11/10 bits. V8's comparison sort of typed arrays takes ~6 s for 25 M floats; this takes a
// few hundred ms. Input must be NaN-free; -0 is ordered as +0 (they compare equal).

const SMALL = 2048;

// Key buffers are reused across calls up to 2^23 entries (32 MB): curves sort every layer once,
// and fresh buffers each time mostly fed the garbage collector. Sorting is synchronous, so one
// shared buffer is safe.
const POOL_MAX = 1 << 23;
let pool: Int32Array | null = null;

function keyBuffer(need: number): Int32Array {
  if (need > POOL_MAX) return new Int32Array(need);
  if (!pool || pool.length < need) pool = new Int32Array(Math.min(POOL_MAX, Math.max(need, 1 << 16)));
  return pool;
}

/** Drops the reused key buffer (up to 32 MB) once a job is done. */
export function releaseSortScratch(): void {
  pool = null;
}

/** From this size on, two passes of 16 bits beat three of 11 (the counts are paid once per call). */
const WIDE_MIN = 1 << 16;
const wideLow = new Int32Array(65536);
const wideHigh = new Int32Array(65536);

/** The same order-preserving keys in two passes of 16 bits: bits -> keys -> bits (restored floats). */
function sortKeys16(bits: Int32Array, keys: Int32Array): void {
  const n = bits.length;
  const c0 = wideLow;
  const c1 = wideHigh;
  c0.fill(0);
  c1.fill(0);
  for (let i = 0; i < n; i++) {
    const x = bits[i]!;
    const k = x >= 0 || x === -2147483648 ? x | -2147483648 : ~x;
    bits[i] = k;
    c0[k & 65535]!++;
    c1[k >>> 16]!++;
  }
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < 65536; i++) {
    const x = c0[i]!;
    c0[i] = s0;
    s0 += x;
    const y = c1[i]!;
    c1[i] = s1;
    s1 += y;
  }
  for (let i = 0; i < n; i++) {
    const k = bits[i]!;
    keys[c0[k & 65535]!++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    bits[c1[k >>> 16]!++] = k < 0 ? k & 0x7fffffff : ~k;
  }
}

/** Sorts `a` ascending in place. `scratch` (optional, length >= a.length) avoids allocation. */
export function sortFloat32(a: Float32Array, scratch?: Int32Array): void {
  const n = a.length;
  if (n < SMALL) {
    a.sort();
    return;
  }
  // Keys as int32 bit patterns (all arithmetic stays in int32): negatives get all bits flipped,
  // the rest the sign bit set, so unsigned key order is float order; -0 is keyed as +0.
  // The passes ping-pong between one key buffer and the array's own bits (4 bytes per value extra).
  const bits = new Int32Array(a.buffer, a.byteOffset, n);
  const keys = (scratch && scratch.length >= n ? scratch : keyBuffer(n)).subarray(0, n);
  if (n >= WIDE_MIN) {
    sortKeys16(bits, keys);
    return;
  }
  const c0 = new Int32Array(2048);
  const c1 = new Int32Array(2048);
  const c2 = new Int32Array(1024);
  for (let i = 0; i < n; i++) {
    const x = bits[i]!;
    const k = x >= 0 || x === -2147483648 ? x | -2147483648 : ~x;
    keys[i] = k;
    c0[k & 2047]!++;
    c1[(k >>> 11) & 2047]!++;
    c2[k >>> 22]!++;
  }
  const prefix = (c: Int32Array) => {
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
    const k = keys[i]!;
    bits[c0[k & 2047]!++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = bits[i]!;
    keys[c1[(k >>> 11) & 2047]!++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    bits[c2[k >>> 22]!++] = k < 0 ? k & 0x7fffffff : ~k;
  }
}
