// Report shapes shared by the CLI, the extension host and the webview. One definition of each.
// Field names here are a public interface (documented in README.md): change them with care.

/** Quantization methods. `float` means "left as is" (kept at full precision). */
export type Method = 'sbnn' | 'bnn' | 'sparse01' | 'ternary' | 'int8' | 'int4' | 'int2' | 'float';

export const METHODS: readonly Method[] = ['sbnn', 'bnn', 'sparse01', 'ternary', 'int8', 'int4', 'int2', 'float'];

export interface ModelInfo {
  path: string;
  irVersion: number;
  /** Opset version of the default ("" / "ai.onnx") domain. */
  opset: number;
  producer: string;
  /** Parameters of all initializers (and Constant tensors) in the model. */
  params: number;
  sizeBytes: number;
}

/** One weight-bearing layer (Conv, ConvTranspose, Gemm, MatMul, or their quantized forms). */
export interface LayerInfo {
  name: string;
  op: string;
  /** Name of the constant weight tensor (initializer or Constant node output). */
  weight: string;
  shape: number[];
  params: number;
  /** Multiply-accumulates for one inference with the resolved input dims; null if unknown. */
  macs: number | null;
  inputShape: number[] | null;
  outputShape: number[] | null;
  group: number;
  /** The weight feeds several nodes. */
  shared: boolean;
  /** The weight is already quantized (integer tensor feeding DequantizeLinear, QLinearConv, ...). */
  quantized: boolean;
  /** Axis of `shape` that indexes output channels (per-channel quantization axis). */
  outChannelAxis: number;
  kernel: number[] | null;
  strides: number[] | null;
  /** Path of subgraphs holding the node, e.g. ["If_0/then_branch"]; empty at top level. */
  subgraph: string[];
  /** Stored element type of the weight (onnx TensorProto.DataType name, e.g. "FLOAT"). */
  dtype: string;
}

export interface InspectTotals {
  params: number;
  macs: number;
  weightBytes: number;
}

export interface InspectReport {
  model: ModelInfo;
  layers: LayerInfo[];
  totals: InspectTotals;
}

/** What a user asked `compress` to do. */
export interface CompressSettings {
  /** Uniform method for every selected layer (ignored when `budget` is set). */
  method: Method;
  /** Share of ones (connections) for sbnn / sparse01; null = free (exact best split). */
  ones: number | null;
  /** Average bits per weight over all weight layers; null = no budget (uniform `method`). */
  budget: number | null;
  perChannel: boolean;
  /** Pruning spec, e.g. "magnitude:0.5", "nm:2:4", "channel:0.25", "kernel:0.3"; null = none. */
  prune: string | null;
  keepFirstLast: boolean;
  /** Glob over layer names; null = all layers. */
  layers: string | null;
  /** Calibration samples (.npy) used, when any. */
  calib?: string | null;
}

/** One point of a layer's error-vs-bits trade-off: what the budget allocator chooses from. */
export interface LayerOption {
  method: Method;
  /** Share of ones for sbnn / sparse01 options, else null. */
  ones: number | null;
  /** Total stored bits for the layer with this option (entropy-coded, overheads included). */
  bits: number;
  /** Exact squared error sum(w - q)^2 of the option. */
  error: number;
}

/** A layer's error curve, compact enough to send to the webview and re-plan there. */
export interface LayerCurve {
  name: string;
  params: number;
  /** sum(w^2) of the layer's weights: SQNR of an option = 10 log10(energy / error). */
  energy: number;
  /** Multiplier on the error (output sensitivity from calibration; 1 without). */
  sensitivity: number;
  options: LayerOption[];
}

/** Per-layer override that sticks through re-plans. */
export interface LayerOverride {
  method: Method;
  ones?: number | null;
  prune?: string | null;
}

export interface LayerLatency {
  /** Estimated milliseconds per device profile id. */
  estimatedMs: Record<string, number>;
  /** Measured on this host by ONNX Runtime profiling, when measured. */
  measuredMs: number | null;
}

export interface CompressLayerReport {
  name: string;
  weight: string;
  op: string;
  method: Method;
  params: number;
  /** Share of weights equal to alpha (connections), among weights that survive pruning; null if n/a. */
  ones: number | null;
  /** Number per tensor, array per channel; null when the method has no alpha. */
  alpha: number | number[] | null;
  beta: number | number[] | null;
  /** Share of weights removed by pruning (exact zeros, skipped). */
  pruned: number;
  mse: number;
  sqnrDb: number;
  bitsPerWeight: { raw: number; entropy: number };
  /** Bytes this layer occupies in the packed .sbnn file (or as float32/intK when stored so). */
  bytes: number;
  /** Filters whose bits are all zero after binarization (sbnn/sparse01), else null. */
  zeroFilters?: number | null;
  /** k x k kernels whose bits are all zero after binarization, else null. */
  zeroKernels?: number | null;
  /** Entropy (bits per kernel) of the 2^(k*k)-pattern kernel histogram, else null. */
  kernelPatternEntropy?: number | null;
  latency?: LayerLatency;
  /** True when set by a user override rather than the plan. */
  overridden?: boolean;
  /** With calibration: alpha / beta refit on the layer's outputs (and its bias corrected). */
  calibrated?: boolean;
}

export interface CompressTotals {
  params: number;
  compressedParams: number;
  bytesBefore: number;
  bytesAfter: number;
  bitsPerWeight: number;
  compressionRatio: number;
  latency?: { estimatedMs: Record<string, { before: number; after: number }>; measuredMs: number | null };
}

export interface CompressReport {
  tool: { name: string; version: string };
  model: ModelInfo;
  settings: CompressSettings;
  layers: CompressLayerReport[];
  totals: CompressTotals;
}

export interface ValidationOutput {
  name: string;
  cosine: number;
  sqnrDb: number;
  maxAbsError: number;
}

export interface ValidationReport {
  samples: number;
  /** True when inputs were generated rather than given. */
  generatedInputs: boolean;
  outputs: ValidationOutput[];
  top1Agreement: number | null;
  accuracy: number | null;
  accuracyOriginal: number | null;
}

/** A number in a device profile, with where it comes from (datasheet, published benchmark, measured here). */
export interface SourcedNumber {
  value: number;
  source: string;
}

/**
 * A device for the latency roofline (src/engine/cost/estimate.ts). Profiles are JSON data files:
 * built-in ones in src/engine/cost/profiles/, users add their own by path.
 */
export interface DeviceProfile {
  id: string;
  label: string;
  description: string;
  /** Width of the packed words the binary kernels AND/XNOR + popcount. */
  wordBits: SourcedNumber;
  fp32MacsPerSecond: SourcedNumber;
  int8MacsPerSecond: SourcedNumber;
  /** One word of `wordBits` bits: AND/XNOR with the weights, popcount, accumulate. */
  binaryWordOpsPerSecond: SourcedNumber;
  /** One connection of a sparse layer with real activations: fetch the activation, add it. */
  sparseAccumulatesPerSecond: SourcedNumber;
  memoryBytesPerSecond: SourcedNumber;
  /** Fixed cost of running one layer (dispatch, setup). */
  layerOverheadSeconds: SourcedNumber;
}
