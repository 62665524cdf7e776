// Standard binary {-a, +a} (XNOR-Net): signs are optimal for any a > 0 and then a = mean |w|.
import type { GroupResult } from './common';

export function bnnGroup(v: Float32Array, q: Float32Array, codes: Uint8Array): GroupResult {
  const m = v.length;
  if (m === 0) return { alpha: 0, beta: 0, scale: 0, error: 0, ones: 0 };
  let abs = 0;
  for (let i = 0; i < m; i++) abs += Math.abs(v[i]!);
  const a = Math.fround(abs / m);
  let err = 0;
  let ones = 0;
  for (let i = 0; i < m; i++) {
    const x = v[i]!;
    const pos = x >= 0; // zero goes to +a: either sign errs the same
    const y = pos ? a : -a;
    q[i] = y;
    codes[i] = pos ? 1 : 0;
    if (pos) ones++;
    const d = x - y;
    err += d * d;
  }
  return { alpha: a, beta: -a, scale: 0, error: err, ones };
}
