// Bits a layer takes to store (method.md §4), raw and entropy-coded. Browser-safe (the webview
// re-plans with it): no Node APIs. All totals are bits for the whole layer.
import type { Method } from '../../shared/report';

/** Binary entropy H(p) = -p log2 p - (1-p) log2 (1-p), in bits; 0 at p <= 0 or p >= 1. */
export function entropyBits(p: number): number {
  if (!(p > 0 && p < 1)) return 0;
  return -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

/** Empirical entropy of a histogram, bits per symbol: -sum (c/N) log2 (c/N). */
export function histogramEntropy(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  return h;
}

/** Stored bits per value before entropy coding. */
export function rawBitsPerValue(method: Method): number {
  switch (method) {
    case 'sbnn':
    case 'bnn':
    case 'sparse01':
      return 1;
    case 'ternary':
      return Math.log2(3);
    case 'int8':
      return 8;
    case 'int4':
      return 4;
    case 'int2':
      return 2;
    case 'float':
      return 32;
  }
}

/** 32-bit parameters stored per group: sbnn alpha and beta; bnn/sparse01/ternary a; intK s. */
export function paramsPerGroup(method: Method): number {
  return method === 'sbnn' ? 2 : method === 'float' ? 0 : 1;
}

/** Number of symbols of a method's codes (intK: 2L + 1 levels). */
export function symbolCount(method: Method): number {
  switch (method) {
    case 'ternary':
      return 3;
    case 'int8':
      return 255;
    case 'int4':
      return 15;
    case 'int2':
      return 3;
    default:
      return 2;
  }
}

/** Histogram of `codes` over kept weights (mask 1 or no mask). */
export function codeHistogram(codes: Uint8Array, symbols: number, mask?: Uint8Array | null): Float64Array {
  const h = new Float64Array(symbols);
  for (let i = 0; i < codes.length; i++) if (!mask || mask[i] !== 0) h[codes[i]!]!++;
  return h;
}

export type MaskKind = 'none' | 'weight' | 'channel' | 'kernel';

export interface LayerBitsInput {
  method: Method;
  /** Weights in the layer, pruned ones included. */
  n: number;
  /** Weights that survive pruning. */
  kept: number;
  /** Scale groups (1 per tensor, else output channels). */
  groups: number;
  /** sbnn/sparse01: share of ones among kept; bnn: share of +a. */
  ones?: number | null;
  /** Symbol histogram over kept weights (ternary: [-a, 0, +a]; intK: levels -L..L). */
  counts?: ArrayLike<number> | null;
  /** Per-weight codes from quantize(): the histogram is taken from them when `counts` is absent. */
  codes?: Uint8Array | null;
  /** Per-weight pruning mask (1 = kept), used with `codes`. */
  mask?: Uint8Array | null;
  /** Structure of the pruning mask and its stored units (1 bit each). */
  maskKind?: MaskKind | null;
  unitMask?: Uint8Array | null;
  /** Mask units when `unitMask` is not at hand. */
  maskUnits?: number | null;
  /** Empirical entropy of the kernel-pattern histogram, bits per kernel (binaryStructureStats). */
  patternEntropy?: number | null;
  /** Kernels the pattern code covers; defaults to the kernels of `shape` with a kept weight. */
  kernels?: number | null;
  shape?: number[] | null;
}

export interface LayerBits {
  raw: number;
  entropy: number;
}

/** Kernels of a 4-D weight holding at least one kept weight. */
function codedKernels(shape: number[], mask: Uint8Array | null | undefined): number {
  const k = shape[2]! * shape[3]!;
  const kernels = shape[0]! * shape[1]!;
  if (!mask) return kernels;
  let c = 0;
  for (let u = 0; u < kernels; u++) {
    for (let j = 0; j < k; j++)
      if (mask[u * k + j] !== 0) {
        c++;
        break;
      }
  }
  return c;
}

/**
 * Total bits of a layer.
 * - raw     = kept * bits/value (1 for sbnn/bnn/sparse01, log2 3 for ternary, K for intK, 32 for
 *             float) + scale overhead + mask.
 * - entropy = coded plane + scale overhead + mask, where the coded plane is
 *             sbnn/sparse01/bnn: kept * H(ones), or kernels * patternEntropy when that is smaller;
 *             ternary and intK: kept * empirical entropy of the symbol histogram (K or log2 3
 *             bits per weight when no histogram is given); float: 32 bits per kept weight.
 * - scale overhead = 32 bits per stored alpha/beta/a/s per group (sbnn 2, others 1, float 0).
 * - mask = 1 bit per structure unit of the pruning mask (per weight for magnitude and N:M, per
 *          output channel for channel, per (out, in) kernel for kernel pruning), as stored.
 */
export function layerBits(x: LayerBitsInput): LayerBits {
  const { method, kept } = x;
  const overhead = 32 * paramsPerGroup(method) * x.groups;
  let maskBits = 0;
  if (x.maskKind !== 'none' && (x.unitMask || x.maskUnits)) maskBits = x.unitMask ? x.unitMask.length : x.maskUnits!;
  else if (!x.maskKind && x.mask) maskBits = x.mask.length;
  const raw = kept * rawBitsPerValue(method) + overhead + maskBits;

  let plane: number;
  switch (method) {
    case 'sbnn':
    case 'sparse01':
    case 'bnn': {
      let p = x.ones ?? null;
      if (p === null && x.codes) {
        const h = codeHistogram(x.codes, 2, x.mask);
        p = h[0]! + h[1]! > 0 ? h[1]! / (h[0]! + h[1]!) : 0;
      }
      plane = p === null ? kept : kept * entropyBits(p);
      if (x.patternEntropy != null && Number.isFinite(x.patternEntropy)) {
        const kernels = x.kernels ?? (x.shape && x.shape.length === 4 ? codedKernels(x.shape, x.mask) : null);
        if (kernels !== null) plane = Math.min(plane, kernels * x.patternEntropy);
      }
      break;
    }
    case 'ternary':
    case 'int8':
    case 'int4':
    case 'int2': {
      const counts = x.counts ?? (x.codes ? codeHistogram(x.codes, symbolCount(method), x.mask) : null);
      plane = kept * (counts ? histogramEntropy(counts) : rawBitsPerValue(method));
      break;
    }
    case 'float':
      plane = 32 * kept;
      break;
  }
  return { raw, entropy: plane + overhead + maskBits };
}
