// Per-layer latency roofline on a device profile (method.md §6). Browser-safe: the webview imports
// this file for live re-planning, so no Node APIs here (profiles are bundled JSON).
import type { CompressLayerReport, DeviceProfile, LayerInfo, LayerLatency, Method } from '../../shared/report';
import { BUILTIN_PROFILES } from './builtins';

export { BUILTIN_PROFILES };

/**
 * How a layer runs:
 * - fp32: dense float multiply-accumulate.
 * - int8: dense int8 multiply-accumulate (also int4 / int2 / ternary weights, unpacked to int8 lanes).
 * - bnn: binary weights AND binary activations, XNOR + popcount over packed words.
 * - sbnn: {beta, alpha} weights with real activations: each output adds its connections
 *   (p * n_in of them) plus one shared beta * sum(x) term per input window.
 * - sbnn-binact: {beta, alpha} weights with binary activations: AND + popcount on packed words,
 *   skipping all-zero words, kernels and filters.
 */
export type ExecMode = 'fp32' | 'int8' | 'bnn' | 'sbnn' | 'sbnn-binact';

export const EXEC_MODES: readonly ExecMode[] = ['fp32', 'int8', 'bnn', 'sbnn', 'sbnn-binact'];

export interface EstimateOptions {
  /** sbnn / sparse01 / bnn: share of kept weights that are connections (bit 1); default 0.5. */
  ones?: number | null;
  /** Share of weights removed by pruning (exact zeros, skipped). Dense modes (fp32, int8) ignore it. */
  pruned?: number;
  /** All-zero k x k kernels after binarization (sbnn-binact skips them). */
  zeroKernels?: number | null;
  /** All-zero filters after binarization (their outputs are the shared term alone). */
  zeroFilters?: number | null;
  /** Stored weight bytes; default from the mode (4, 1, or 1/8 byte per weight). */
  weightBytes?: number | null;
  /** False when beta = 0 (sparse01): no shared beta * sum(x) term. Default true. */
  sharedTerm?: boolean;
}

export interface LayerEstimate {
  ms: number;
  computeMs: number;
  memoryMs: number;
  overheadMs: number;
  /** Which side of the roofline bounds the layer. */
  bound: 'compute' | 'memory';
}

const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);

/** Output channels of the layer (all groups). */
function outChannels(l: LayerInfo): number {
  if (l.op === 'ConvTranspose') return l.shape[1] * Math.max(1, l.group);
  return l.shape[l.outChannelAxis] ?? 1;
}

/**
 * The roofline for one layer. Returns null when the layer's MACs are unknown (no shapes).
 * Work counts (per inference, batch included through MACs):
 * - outputs  = macs / fanIn, fanIn = params / outChannels (weights one output reads)
 * - windows  = outputs / (outChannels / group): input windows, each shared by a group's channels
 */
export function estimateLayer(layer: LayerInfo, mode: ExecMode, opts: EstimateOptions, profile: DeviceProfile): LayerEstimate | null {
  if (layer.macs === null || !Number.isFinite(layer.macs)) return null;
  const macs = layer.macs;
  const params = Math.max(1, layer.params);
  const cout = Math.max(1, outChannels(layer));
  const group = Math.max(1, layer.group);
  const fanIn = params / cout;
  const outputs = macs / fanIn;
  const windows = outputs / Math.max(1, cout / group);
  const inElems = layer.inputShape ? prod(layer.inputShape) : outputs;
  const outElems = layer.outputShape ? prod(layer.outputShape) : outputs;
  const pruned = Math.min(1, Math.max(0, opts.pruned ?? 0));
  const kept = 1 - pruned;
  const ones = Math.min(1, Math.max(0, opts.ones ?? 0.5));
  const wordBits = profile.wordBits.value;
  const wordsPerOutput = Math.ceil(fanIn / wordBits);

  let computeS: number;
  let weightBytes: number;
  let actBytes: number;
  switch (mode) {
    case 'fp32':
      computeS = macs / profile.fp32MacsPerSecond.value;
      weightBytes = 4 * params;
      actBytes = 4 * (inElems + outElems);
      break;
    case 'int8':
      computeS = macs / profile.int8MacsPerSecond.value;
      weightBytes = params;
      actBytes = inElems + outElems;
      break;
    case 'bnn': {
      // XNOR + popcount per packed word, one scale multiply per output.
      computeS = (outputs * wordsPerOutput) / profile.binaryWordOpsPerSecond.value + outputs / profile.sparseAccumulatesPerSecond.value;
      weightBytes = params / 8 + 4 * cout;
      actBytes = (inElems + outElems) / 8;
      break;
    }
    case 'sbnn': {
      // y = beta * sum(x) + (alpha - beta) * sum(x over connections). With unstructured pruning the
      // kept set differs per output, so the window sum is no longer shared: every kept weight adds.
      const connections = macs * kept * ones;
      const shared = opts.sharedTerm === false ? 0 : pruned > 0 ? macs * kept * (1 - ones) : windows * fanIn;
      const accumulates = connections + shared + 2 * outputs;
      computeS = accumulates / profile.sparseAccumulatesPerSecond.value;
      weightBytes = (params * kept) / 8 + 8 * cout;
      actBytes = 4 * (inElems + outElems);
      break;
    }
    case 'sbnn-binact': {
      // AND + popcount over the words that hold a connection; all-zero filters cost nothing but
      // the shared popcount of the window. Zero words: from the zero-kernel count when known
      // (kernels packed whole into words, independent), else from the bit density (1-p)^wordBits.
      const zf = Math.min(cout, Math.max(0, opts.zeroFilters ?? 0));
      const liveShare = 1 - zf / cout;
      let zeroWordShare = Math.pow(1 - ones * kept, wordBits);
      const kk = layer.kernel ? prod(layer.kernel) : 0;
      if (opts.zeroKernels != null && kk > 0 && kk <= wordBits) {
        const kernelsTotal = params / kk;
        const kernelsPerFilter = kernelsTotal / cout;
        const liveKernels = kernelsTotal - zf * kernelsPerFilter;
        const zeroLive = liveKernels > 0 ? Math.max(0, opts.zeroKernels - zf * kernelsPerFilter) / liveKernels : 0;
        zeroWordShare = Math.max(zeroWordShare, Math.pow(zeroLive, Math.floor(wordBits / kk)));
      }
      const words = outputs * liveShare * wordsPerOutput * (1 - zeroWordShare);
      const sharedWords = opts.sharedTerm === false ? 0 : windows * wordsPerOutput;
      computeS = (words + sharedWords) / profile.binaryWordOpsPerSecond.value + (2 * outputs) / profile.sparseAccumulatesPerSecond.value;
      weightBytes = (params * kept) / 8 + 8 * cout;
      actBytes = (inElems + outElems) / 8;
      break;
    }
  }
  if (opts.weightBytes != null) weightBytes = opts.weightBytes;
  const memoryS = (weightBytes + actBytes) / profile.memoryBytesPerSecond.value;
  const overheadS = profile.layerOverheadSeconds.value;
  return {
    ms: (Math.max(computeS, memoryS) + overheadS) * 1e3,
    computeMs: computeS * 1e3,
    memoryMs: memoryS * 1e3,
    overheadMs: overheadS * 1e3,
    bound: computeS >= memoryS ? 'compute' : 'memory',
  };
}

/** Estimated milliseconds for one layer, or null when its MACs are unknown. */
export function estimateLayerMs(layer: LayerInfo, mode: ExecMode, opts: EstimateOptions, profile: DeviceProfile): number | null {
  return estimateLayer(layer, mode, opts, profile)?.ms ?? null;
}

/**
 * The execution mode for a report method. Weights alone are compressed by this tool, so by default
 * activations stay real: bnn weights ({-a, +a}) then run like sbnn with beta = -alpha.
 * int4 / int2 / ternary run in int8 lanes (common CPU kernels unpack them); their smaller weight
 * bytes still count on the memory side.
 */
export function modeForMethod(method: Method, binaryActivations = false): ExecMode {
  switch (method) {
    case 'float':
      return 'fp32';
    case 'int8':
    case 'int4':
    case 'int2':
    case 'ternary':
      return 'int8';
    case 'bnn':
      return binaryActivations ? 'bnn' : 'sbnn';
    case 'sbnn':
    case 'sparse01':
      return binaryActivations ? 'sbnn-binact' : 'sbnn';
  }
}

/** Estimate options from a compressed layer's report entry. */
export function optionsForReport(r: CompressLayerReport): EstimateOptions {
  const ones = r.ones ?? 0.5;
  return {
    // bnn with real activations: -a * sum(x) + 2a * sum over the smaller sign set.
    ones: r.method === 'bnn' ? Math.min(ones, 1 - ones) : ones,
    pruned: r.pruned,
    zeroKernels: r.zeroKernels ?? null,
    zeroFilters: r.zeroFilters ?? null,
    weightBytes: r.bytes,
    sharedTerm: r.method !== 'sparse01',
  };
}

/** Estimated ms of a layer as compressed (or as is, when `compressed` is null), per profile. */
export function layerLatency(
  layer: LayerInfo,
  compressed: CompressLayerReport | null,
  profiles: readonly DeviceProfile[],
  opts: { binaryActivations?: boolean; measuredMs?: number | null } = {},
): LayerLatency {
  const estimatedMs: Record<string, number> = {};
  const mode = compressed ? modeForMethod(compressed.method, opts.binaryActivations) : 'fp32';
  const eo = compressed ? optionsForReport(compressed) : {};
  for (const p of profiles) {
    const ms = estimateLayerMs(layer, mode, eo, p);
    if (ms !== null) estimatedMs[p.id] = ms;
  }
  return { estimatedMs, measuredMs: opts.measuredMs ?? null };
}

/** Model totals (sum over layers) before (fp32) and after compression, per profile. */
export function totalLatency(
  layers: readonly LayerInfo[],
  compressed: ReadonlyMap<string, CompressLayerReport> | Record<string, CompressLayerReport>,
  profiles: readonly DeviceProfile[],
  opts: { binaryActivations?: boolean } = {},
): Record<string, { before: number; after: number }> {
  const get = (name: string): CompressLayerReport | undefined =>
    compressed instanceof Map ? compressed.get(name) : (compressed as Record<string, CompressLayerReport>)[name];
  const out: Record<string, { before: number; after: number }> = {};
  for (const p of profiles) {
    let before = 0;
    let after = 0;
    for (const l of layers) {
      const b = estimateLayerMs(l, 'fp32', {}, p);
      if (b === null) continue;
      const c = get(l.name);
      const a = c ? estimateLayerMs(l, modeForMethod(c.method, opts.binaryActivations), optionsForReport(c), p) : b;
      before += b;
      after += a ?? b;
    }
    out[p.id] = { before, after };
  }
  return out;
}
