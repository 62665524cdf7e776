// Brute-force oracles: enumerate every assignment with least-squares parameters (float64).

function sq(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

const popcount = (x: number) => {
  let c = 0;
  while (x) {
    c += x & 1;
    x >>>= 1;
  }
  return c;
};

/** Two-level error of an assignment; `zeroBeta` forces beta = 0 (sparse01). */
function twoLevel(v: ArrayLike<number>, bits: number, zeroBeta: boolean): number {
  let s1 = 0;
  let c1 = 0;
  let s0 = 0;
  let c0 = 0;
  for (let i = 0; i < v.length; i++) {
    if ((bits >>> i) & 1) {
      s1 += v[i]!;
      c1++;
    } else {
      s0 += v[i]!;
      c0++;
    }
  }
  const a = c1 ? s1 / c1 : 0;
  const b = zeroBeta || !c0 ? 0 : s0 / c0;
  let e = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i]! - ((bits >>> i) & 1 ? a : b);
    e += d * d;
  }
  return e;
}

/** Minimum {beta, alpha} error over all assignments (with exactly k ones when k is given). */
export function bruteSbnn(v: ArrayLike<number>, k?: number): number {
  let best = Infinity;
  for (let bits = 0; bits < 1 << v.length; bits++) {
    if (k !== undefined && popcount(bits) !== k) continue;
    best = Math.min(best, twoLevel(v, bits, false));
  }
  return best;
}

export function bruteSparse01(v: ArrayLike<number>, k?: number): number {
  let best = Infinity;
  for (let bits = 0; bits < 1 << v.length; bits++) {
    if (k !== undefined && popcount(bits) !== k) continue;
    best = Math.min(best, twoLevel(v, bits, true));
  }
  return best;
}

/** {-a, +a}: every sign pattern, a = sum(s w)/n. */
export function bruteBnn(v: ArrayLike<number>): number {
  const n = v.length;
  if (n === 0) return 0;
  let best = Infinity;
  for (let bits = 0; bits < 1 << n; bits++) {
    let t = 0;
    for (let i = 0; i < n; i++) t += (bits >>> i) & 1 ? v[i]! : -v[i]!;
    const a = t / n;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const d = v[i]! - ((bits >>> i) & 1 ? a : -a);
      e += d * d;
    }
    best = Math.min(best, e);
  }
  return best;
}

/** {-a, 0, +a}: all 3^n assignments, a = sum(s w) / #nonzero. */
export function bruteTernary(v: ArrayLike<number>): number {
  const n = v.length;
  let best = sq(v);
  const s = new Int8Array(n);
  const total = 3 ** n;
  for (let code = 0; code < total; code++) {
    let c = code;
    let t = 0;
    let j = 0;
    for (let i = 0; i < n; i++) {
      s[i] = (c % 3) - 1;
      c = Math.floor(c / 3);
      if (s[i]) {
        t += s[i]! * v[i]!;
        j++;
      }
    }
    if (!j) continue;
    const a = t / j;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const d = v[i]! - s[i]! * a;
      e += d * d;
    }
    best = Math.min(best, e);
  }
  return best;
}

/** Error of symmetric intK at scale s (round half up on |w|, clamp to L), float64 arithmetic. */
export function intErrorDirect(v: ArrayLike<number>, s: number, L: number): number {
  let e = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    const l = s > 0 ? Math.min(L, Math.floor(Math.abs(x) / s + 0.5)) : 0;
    const d = Math.abs(x) - l * s;
    e += d * d;
  }
  return e;
}

/** Minimum intK error over a fine grid of scales in [lo, hi] * max|w|/L. */
export function gridInt(v: ArrayLike<number>, L: number, steps = 20000, lo = 0.005, hi = 1.2): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  if (m === 0) return 0;
  let best = Infinity;
  for (let i = 0; i <= steps; i++) best = Math.min(best, intErrorDirect(v, ((lo + ((hi - lo) * i) / steps) * m) / L, L));
  return best;
}
