// Ternary {-a, 0, +a}: with j nonzeros the best choice is the j largest |w| (signs kept) and
// a = their mean |w|, error S2 - A_j^2/j. Scanning |w| sorted descending with a running sum A_j
// gives the exact optimal threshold.
import type { GroupResult } from './common';
import { sortFloat32 } from './sort';
import { bestTernaryScan } from '../wasm/kernels';

/** Best count j of nonzeros over ascending |w| in `abs`; returns j and A_j (0, 0 if all zero). */
export function bestTernary(abs: Float32Array): { j: number; s: number } {
  // The scan (from the largest |w| down, with a running sum A_j) runs in the WebAssembly kernel;
  // A_j^2/j compared by cross-multiplying; j = 0 (all zero) unless some j gains.
  return bestTernaryScan(abs);
}

/** Codes: 0 = -a, 1 = 0, 2 = +a. `ones` of the result is unused (0). */
export function ternaryGroup(v: Float32Array, q: Float32Array, codes: Uint8Array, scratch: (m: number) => Float32Array): GroupResult {
  const m = v.length;
  if (m === 0) return { alpha: 0, beta: 0, scale: 0, error: 0, ones: 0 };
  const abs = scratch(m);
  for (let i = 0; i < m; i++) abs[i] = Math.abs(v[i]!);
  sortFloat32(abs);
  const { j, s } = bestTernary(abs);
  const a = j > 0 ? Math.fround(s / j) : 0;
  const t = j > 0 ? abs[m - j]! : Infinity;
  // Values above t are all nonzero; of the values equal to t, only as many as the top-j slice
  // holds are, the first ones by index.
  let ties = 0;
  for (let i = m - j; i < m; i++) if (abs[i] === t) ties++;
  let err = 0;
  for (let i = 0; i < m; i++) {
    const x = v[i]!;
    const ax = Math.abs(x);
    const nz = ax > t || (ax === t && ties-- > 0);
    let y = 0;
    let c = 1;
    if (nz) {
      y = x < 0 ? -a : a;
      c = x < 0 ? 0 : 2;
    }
    q[i] = y;
    codes[i] = c;
    const d = x - y;
    err += d * d;
  }
  return { alpha: a, beta: 0, scale: 0, error: err, ones: 0 };
}
