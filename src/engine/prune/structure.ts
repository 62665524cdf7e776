// What binarization gives for free (method.md §3): filters and k x k kernels whose bits are all
// zero (skipped at run time), and the entropy of the kernel-pattern histogram.
import { histogramEntropy } from '../bits/index';

export interface BinaryStructureStats {
  /** Output filters with a kept weight whose bits are all zero; null below rank 2. */
  zeroFilters: number | null;
  /** 4-D, k*k <= 16: kernels with a kept weight whose k*k bits are all zero; else null. */
  zeroKernels: number | null;
  /** Empirical entropy of the 2^(k*k) kernel-pattern histogram, bits per kernel; else null. */
  kernelPatternEntropy: number | null;
  /** Kernels in that histogram (those with a kept weight); else null. */
  kernels: number | null;
}

/**
 * Stats over sbnn/sparse01 codes (1 = alpha). Pruned weights count as bit 0 and structures that
 * pruning removed entirely are left out (they are not "free"). For 4-D weights the kernel is
 * the (axis 0, axis 1) pair and its pattern the row-major bits of the two spatial axes; filters
 * are indexed by `outAxis` (0 for Conv OIHW, 1 for ConvTranspose).
 * `bits`: the same codes packed 8 to a byte (LSB first); without a mask the stats are read from
 * them, a byte or a kernel at a time instead of a weight at a time.
 */
export function binaryStructureStats(
  codes: Uint8Array,
  mask: Uint8Array | null | undefined,
  shape: number[],
  outAxis = 0,
  bits: Uint8Array | null = null,
): BinaryStructureStats {
  const none: BinaryStructureStats = { zeroFilters: null, zeroKernels: null, kernelPatternEntropy: null, kernels: null };
  if (shape.length < 2 || codes.length === 0) return none;
  if (bits && !mask) return statsFromBits(bits, codes.length, shape, outAxis);
  const n = codes.length;
  const C = shape[outAxis]!;
  const stride = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
  const anyKept = new Uint8Array(C);
  const anyOne = new Uint8Array(C);
  // Walk as [outer, C, stride]: no division per weight.
  for (let i = 0; i < n; ) {
    for (let c = 0; c < C; c++) {
      const end = i + stride;
      if (mask) {
        for (; i < end; i++) {
          if (mask[i] === 0) continue;
          anyKept[c] = 1;
          anyOne[c] |= codes[i]!;
        }
      } else {
        let one = 0;
        for (; i < end; i++) one |= codes[i]!;
        anyKept[c] = 1;
        anyOne[c] |= one;
      }
    }
  }
  let zeroFilters = 0;
  for (let c = 0; c < C; c++) if (anyKept[c] && !anyOne[c]) zeroFilters++;
  const out: BinaryStructureStats = { ...none, zeroFilters };
  if (shape.length !== 4) return out;
  const k = shape[2]! * shape[3]!;
  if (k > 16) return out;
  const hist = new Float64Array(1 << k);
  const kernels = shape[0]! * shape[1]!;
  let coded = 0;
  for (let u = 0, i = 0; u < kernels; u++) {
    let pattern = 0;
    let kept = !mask;
    for (let j = 0; j < k; j++, i++) {
      if (mask) {
        if (mask[i] === 0) continue;
        kept = true;
      }
      pattern |= codes[i]! << j;
    }
    if (!kept) continue;
    hist[pattern]!++;
    coded++;
  }
  return { zeroFilters, zeroKernels: hist[0]!, kernelPatternEntropy: histogramEntropy(hist), kernels: coded };
}

/** Is any bit of the packed plane in [from, to) set? */
function anyBitSet(bits: Uint8Array, from: number, to: number): boolean {
  let i = from;
  for (; i < to && i & 7; i++) if ((bits[i >> 3]! >> (i & 7)) & 1) return true;
  for (; i + 8 <= to; i += 8) if (bits[i >> 3]) return true;
  for (; i < to; i++) if ((bits[i >> 3]! >> (i & 7)) & 1) return true;
  return false;
}

/** binaryStructureStats of an unpruned layer from its packed codes. */
function statsFromBits(bits: Uint8Array, n: number, shape: number[], outAxis: number): BinaryStructureStats {
  const C = shape[outAxis]!;
  const stride = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
  const anyOne = new Uint8Array(C);
  for (let i = 0; i < n; ) {
    for (let c = 0; c < C; c++, i += stride) if (!anyOne[c] && anyBitSet(bits, i, i + stride)) anyOne[c] = 1;
  }
  let zeroFilters = 0;
  for (let c = 0; c < C; c++) if (!anyOne[c]) zeroFilters++;
  const out: BinaryStructureStats = { zeroFilters, zeroKernels: null, kernelPatternEntropy: null, kernels: null };
  if (shape.length !== 4) return out;
  const k = shape[2]! * shape[3]!;
  if (k > 16) return out;
  const hist = new Float64Array(1 << k);
  const kernels = shape[0]! * shape[1]!;
  const low = (1 << k) - 1;
  // A kernel's k <= 16 bits start at bit u*k: a 24-bit window from its first byte holds them.
  for (let u = 0, p = 0; u < kernels; u++, p += k) {
    const b = p >> 3;
    const window = bits[b]! | ((bits[b + 1] ?? 0) << 8) | ((bits[b + 2] ?? 0) << 16);
    hist[(window >> (p & 7)) & low]!++;
  }
  return { ...out, zeroKernels: hist[0]!, kernelPatternEntropy: histogramEntropy(hist), kernels };
}
