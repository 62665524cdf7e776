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
 */
export function binaryStructureStats(
  codes: Uint8Array,
  mask: Uint8Array | null | undefined,
  shape: number[],
  outAxis = 0,
): BinaryStructureStats {
  const none: BinaryStructureStats = { zeroFilters: null, zeroKernels: null, kernelPatternEntropy: null, kernels: null };
  if (shape.length < 2 || codes.length === 0) return none;
  const n = codes.length;
  const C = shape[outAxis]!;
  const stride = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
  const anyKept = new Uint8Array(C);
  const anyOne = new Uint8Array(C);
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const c = Math.floor(i / stride) % C;
    anyKept[c] = 1;
    if (codes[i]) anyOne[c] = 1;
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
  for (let u = 0; u < kernels; u++) {
    let pattern = 0;
    let kept = false;
    for (let j = 0; j < k; j++) {
      const i = u * k + j;
      if (mask && mask[i] === 0) continue;
      kept = true;
      if (codes[i]) pattern |= 1 << j;
    }
    if (!kept) continue;
    hist[pattern]!++;
    coded++;
  }
  return { zeroFilters, zeroKernels: hist[0]!, kernelPatternEntropy: histogramEntropy(hist), kernels: coded };
}
