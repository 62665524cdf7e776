// The compression pipeline: select layers, build error curves, plan (uniform method or a bit
// budget), quantize (with pruning), and produce the report plus the ONNX and packed outputs.
import type {
  DeviceProfile,
  CompressLayerReport,
  CompressReport,
  CompressSettings,
  InspectReport,
  LayerCurve,
  LayerInfo,
  LayerOption,
  LayerOverride,
  Method,
} from '../shared/report';
import { allocateBudget } from './budget/allocate';
import { layerBits } from './bits';
import { errorCurve, layerOptions, releaseCurveScratch } from './curve';
import { SbnnError } from './errors';
import { decodeLayerRecord, encodeLayer, encodeLayerRecord, encodePacked, dequantizeLayer, type MaskKind, type PackedLayer } from './export/packed';
import { inspectTotals, listLayers, modelInfo, type LayerRef } from './inventory';
import { withShapes } from './inspect';
import { BUILTIN_PROFILES, layerLatency, totalLatency } from './cost/estimate';
import type { LayerShapes } from './shapes';
import { graphTensors, tensorFloat32, type LoadedModel, type SaveOptions } from './onnx/model';
import { saveWithLazyTensors, type LazyTensorData } from './export/streamSave';
import { elementSize, encodeFromFloat32, isFloatType } from './onnx/dtype';
import { binaryStructureStats, parsePruneSpec, pruneMask, type PruneSpec } from './prune';
import { quantize } from './quantize';
import { calibrateLayerWeights, type PreparedCalibration } from './calib/prepare';
import { biasCorrection } from './calib/fit';
import { TOOL_NAME, TOOL_VERSION } from './version';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataType as DataType, type TensorProto } from 'onnx-buf';
import { existsSync } from 'node:fs';
import { commitAll, discardAll, writeTemp, type PendingFile } from './fsAtomic';
import { resolve } from 'node:path';

export type Progress = (done: number, total: number, label: string) => void;

export interface CompressOptions {
  overrides?: Record<string, LayerOverride>;
  onProgress?: Progress;
  signal?: AbortSignal;
  /** Per-layer error multipliers (from calibration); default 1. */
  sensitivity?: Record<string, number>;
  /** Layer shapes (from the ORT shape pass) for MACs and latency estimates; without them no latency. */
  shapes?: LayerShapes | null;
  /** Device profiles to estimate latency on (default: the built-in ones). */
  profiles?: readonly DeviceProfile[];
  /** Build the error curves even without a budget (the panel re-plans from them). */
  withCurves?: boolean;
  /** Calibration windows (prepareCalibration): refit binary layers on outputs and correct biases. */
  calibration?: PreparedCalibration | null;
  /** Curves an earlier run built for this model (the panel's): used instead of building them again when they still apply. */
  priorCurves?: PriorCurves | null;
}

/** A model file as loaded: a later run compares it to tell whether the file changed. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/**
 * Error curves of a run that had no per-layer pruning overrides and no calibration, with what they
 * depend on: the file as it was, and the settings that shape the curves.
 */
export interface PriorCurves {
  curves: LayerCurve[];
  file: FileStamp;
  settings: Pick<CompressSettings, 'perChannel' | 'prune' | 'layers'>;
}

export function defaultSettings(): CompressSettings {
  return { method: 'sbnn', ones: 0.1, budget: null, perChannel: false, prune: null, keepFirstLast: true, layers: null };
}

/** `*` and `?` glob over layer names (the whole name must match). */
export function globMatcher(glob: string | null): (name: string) => boolean {
  if (!glob) return () => true;
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (name) => re.test(name);
}

const checkAbort = (signal?: AbortSignal): void => {
  if (signal?.aborted) throw new SbnnError(null, 'cancelled');
};

/** One compressible weight (shared weights are compressed once, under their first layer). */
interface Target {
  ref: LayerRef;
  /**
   * The weights as float32, read when needed and not kept: unaligned or non-float32 tensors read
   * as copies, and holding those for every layer would double the model in memory. Unaligned
   * float32 copies go to one buffer per selection, valid until the next `weights()` call.
   */
  weights: () => Float32Array;
  /** The weights in the selection's copy buffer, which the caller may overwrite (until the next read). */
  weightsCopy: () => Float32Array;
  mask: Uint8Array | null;
  maskKind: MaskKind;
  /** Mask per structure unit as stored in the packed file. */
  unitMask: Uint8Array | null;
}

/** Layers kept out of compression (already quantized, non-float, not matched): they count at their stored bits. */
interface Fixed {
  ref: LayerRef;
  bits: number;
}

export interface Selection {
  model: LoadedModel;
  refs: LayerRef[];
  targets: Target[];
  fixed: Fixed[];
  firstLast: Set<string>;
}

function maskKindOf(spec: PruneSpec | null): MaskKind {
  if (!spec) return 'none';
  return spec.kind === 'channel' ? 'channel' : spec.kind === 'kernel' ? 'kernel' : 'weight';
}

/** Reduces a per-weight mask to one entry per structure unit (channel or kernel) for storage. */
function unitMaskOf(kind: MaskKind, mask: Uint8Array | null, shape: number[], outAxis: number): Uint8Array | null {
  if (!mask || kind === 'none') return null;
  if (kind === 'weight') return mask;
  if (kind === 'channel') {
    const stride = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
    const dim = shape[outAxis];
    const units = new Uint8Array(dim);
    for (let c = 0; c < dim; c++) units[c] = mask[c * stride];
    return units;
  }
  const k = shape.slice(2).reduce((a, b) => a * b, 1);
  const units = new Uint8Array(shape[0] * shape[1]);
  for (let u = 0; u < units.length; u++) units[u] = mask[u * k];
  return units;
}

function pruneSpecFor(settings: CompressSettings, override?: LayerOverride): PruneSpec | null {
  const s = override?.prune !== undefined ? override.prune : settings.prune;
  return s ? parsePruneSpec(s) : null;
}

export function selectLayers(m: LoadedModel, settings: CompressSettings, overrides: Record<string, LayerOverride> = {}): Selection {
  const refs = listLayers(m);
  const match = globMatcher(settings.layers);
  const targets: Target[] = [];
  const fixed: Fixed[] = [];
  const seen = new Set<string>();
  let copyBuf = new Float32Array(0);
  const alloc = (n: number): Float32Array => (copyBuf.length >= n ? copyBuf : (copyBuf = new Float32Array(n))).subarray(0, n);
  for (const ref of refs) {
    const l = ref.info;
    if (seen.has(l.weight)) continue;
    seen.add(l.weight);
    const compressible = !l.quantized && isFloatType(ref.tensor.dataType) && match(l.name);
    if (!compressible) {
      const bitsPer = l.quantized ? (l.dtype.includes('4') ? 4 : 8) : l.dtype === 'FLOAT16' || l.dtype === 'BFLOAT16' ? 16 : 32;
      fixed.push({ ref, bits: bitsPer * l.params });
      continue;
    }
    const read = (): Float32Array => tensorFloat32(m, ref.tensor, alloc);
    const readCopy = (): Float32Array => {
      const w = read();
      if (w.buffer === copyBuf.buffer) return w;
      const c = alloc(w.length);
      c.set(w);
      return c;
    };
    const spec = pruneSpecFor(settings, overrides[l.name]);
    const layout = { shape: l.shape, outAxis: l.outChannelAxis, inAxis: inAxisOf(l.op, l.shape, l.outChannelAxis) };
    let mask: Uint8Array | null = null;
    try {
      mask = spec ? pruneMask(read(), layout, spec) : null;
    } catch (e) {
      if (e instanceof SbnnError) throw new SbnnError(m.path, `layer "${l.name}": ${e.detail}`);
      throw e;
    }
    const maskKind = maskKindOf(spec);
    targets.push({ ref, weights: read, weightsCopy: readCopy, mask, maskKind, unitMask: unitMaskOf(maskKind, mask, l.shape, l.outChannelAxis) });
  }
  if (targets.length === 0) throw new SbnnError(m.path, settings.layers ? `no compressible layer matches --layers "${settings.layers}"` : 'no compressible weight layers');
  const firstLast = new Set<string>();
  if (settings.keepFirstLast && targets.length > 2) {
    firstLast.add(targets[0].ref.info.name);
    firstLast.add(targets[targets.length - 1].ref.info.name);
  }
  return { model: m, refs, targets, fixed, firstLast };
}

/** The input-channel axis (pruning N:M groups run along it). */
function inAxisOf(op: string, shape: number[], outAxis: number): number {
  if (/Conv/.test(op)) return op === 'ConvTranspose' ? 0 : 1;
  if (shape.length === 1) return 0;
  return outAxis === shape.length - 1 ? shape.length - 2 : shape.length - 1;
}

const channelSpec = (settings: CompressSettings, t: Target) =>
  settings.perChannel ? { shape: t.ref.info.shape, axis: t.ref.info.outChannelAxis } : null;

/** One target's error curve (one sort) and its options for the allocator and the panel. */
function targetCurve(t: Target, settings: CompressSettings, sensitivity: number): LayerCurve {
  const perChannel = channelSpec(settings, t);
  // Sorted in place: the curve needs the sorted values, not the weights' order.
  const weights = t.weightsCopy();
  const curve = errorCurve(weights, { perChannel, mask: t.mask, inPlace: true });
  const options = layerOptions(curve, {
    shape: t.ref.info.shape,
    perChannel,
    mask: t.mask,
    maskKind: t.maskKind,
    unitMask: t.unitMask,
  });
  return { name: t.ref.info.name, params: t.ref.info.params, energy: curve.energy, sensitivity, options };
}

/** Error curves of every target (one sort per layer); the allocator and the panel use them. */
export function buildCurves(sel: Selection, settings: CompressSettings, opts: CompressOptions = {}): LayerCurve[] {
  const curves = sel.targets.map((t, i) => {
    checkAbort(opts.signal);
    opts.onProgress?.(i, sel.targets.length, `curve ${t.ref.info.name}`);
    return targetCurve(t, settings, opts.sensitivity?.[t.ref.info.name] ?? 1);
  });
  releaseCurveScratch();
  opts.onProgress?.(sel.targets.length, sel.targets.length, 'curves done');
  return curves;
}

/**
 * The caller's prior curves when they are exactly what buildCurves would give now: same file
 * (size and mtime), same curve-shaping settings, the same layers in order, and nothing in this run
 * that changes a curve (per-layer pruning overrides, calibration's sensitivities).
 */
function reusableCurves(sel: Selection, settings: CompressSettings, opts: CompressOptions): LayerCurve[] | null {
  const p = opts.priorCurves;
  const file = sel.model.stamp;
  if (!p || !file || opts.calibration || opts.sensitivity) return null;
  if (p.file.size !== file.size || p.file.mtimeMs !== file.mtimeMs) return null;
  if (p.settings.perChannel !== settings.perChannel || p.settings.prune !== settings.prune || p.settings.layers !== settings.layers) return null;
  if (Object.values(opts.overrides ?? {}).some((o) => o.prune !== undefined)) return null;
  const t = sel.targets;
  if (p.curves.length !== t.length || p.curves.some((c, i) => c.name !== t[i].ref.info.name || c.params !== t[i].ref.info.params)) return null;
  return p.curves;
}

/** The option of `curve` matching a method (and share of ones when given). */
function optionFor(curve: LayerCurve, method: Method, ones?: number | null): LayerOption {
  const same = curve.options.filter((o) => o.method === method);
  if (same.length === 0) return { method, ones: ones ?? null, bits: curve.params * 32, error: 0 };
  if (ones === undefined || ones === null || same.length === 1) return same.find((o) => o.ones === null) ?? same[0];
  return same.reduce((a, b) => (Math.abs((b.ones ?? 0) - ones) < Math.abs((a.ones ?? 0) - ones) ? b : a));
}

/** A layer's chosen method and share of ones. */
export interface LayerPlan {
  method: Method;
  ones: number | null;
  overridden: boolean;
}

/**
 * Plans every target: overrides first, then first / last at int8 when asked, then either the
 * uniform method or the budget allocation over the remaining layers' curves.
 */
export function planLayers(
  sel: Selection,
  settings: CompressSettings,
  curves: LayerCurve[] | null,
  overrides: Record<string, LayerOverride> = {},
): Record<string, LayerPlan> {
  const plan: Record<string, LayerPlan> = {};
  for (const t of sel.targets) {
    const name = t.ref.info.name;
    const o = overrides[name];
    if (o) plan[name] = { method: o.method, ones: o.ones ?? (o.method === 'sbnn' || o.method === 'sparse01' ? settings.ones : null), overridden: true };
    else if (sel.firstLast.has(name)) plan[name] = { method: 'int8', ones: null, overridden: false };
  }
  if (settings.budget === null) {
    for (const t of sel.targets) {
      const name = t.ref.info.name;
      if (!plan[name]) plan[name] = { method: settings.method, ones: settings.method === 'sbnn' || settings.method === 'sparse01' ? settings.ones : null, overridden: false };
    }
    return plan;
  }
  if (!curves) throw new Error('planLayers: a budget needs curves');
  const fixedOptions: Record<string, LayerOption> = {};
  const allCurves: LayerCurve[] = [...curves];
  for (const c of curves) {
    const p = plan[c.name];
    if (p) fixedOptions[c.name] = optionFor(c, p.method, p.ones);
  }
  // Layers outside compression still count toward the average at their stored bits.
  for (const f of sel.fixed) {
    const opt: LayerOption = { method: 'float', ones: null, bits: f.bits, error: 0 };
    allCurves.push({ name: `\u0000fixed:${f.ref.info.weight}`, params: f.ref.info.params, energy: 0, sensitivity: 0, options: [opt] });
    fixedOptions[`\u0000fixed:${f.ref.info.weight}`] = opt;
  }
  const alloc = allocateBudget({ curves: allCurves, budgetBitsPerWeight: settings.budget, fixed: fixedOptions });
  if (!alloc.feasible) {
    throw new SbnnError(
      sel.model.path,
      `budget ${settings.budget} bits/weight is below the smallest achievable ${alloc.bitsPerWeight.toFixed(3)} with these settings (layers kept at higher precision count too${settings.keepFirstLast ? '; --no-keep-first-last lets the first and last layers go below int8' : ''})`,
    );
  }
  for (const c of curves) {
    if (plan[c.name]) continue;
    const o = alloc.choice[c.name];
    plan[c.name] = { method: o.method, ones: o.ones, overridden: false };
  }
  return plan;
}

const sqnrDb = (energy: number, error: number): number => (error > 0 ? 10 * Math.log10(energy / error) : Infinity);

/** Result of quantizing one target: its packed record and report entry. */
interface LayerOutcome {
  target: Target;
  /**
   * The layer's packed record (codes entropy-coded where that is smaller): kept until the write,
   * with the 1-bit plane below, so a run holds ~H(p) + 1 bits per weight, not a float.
   */
  recordBytes: Uint8Array;
  /** 1-bit layers: the codes packed 8 to a byte (n/8 bytes), so the write never range-decodes. */
  bits: Uint8Array | null;
  report: CompressLayerReport;
  /** Calibration's bias correction: add to the named bias tensor. */
  biasShift: Float64Array | null;
  biasName: string | null;
}

/**
 * Quantizes one target as planned. The records keep ~H(p) bits per weight plus the 1-bit plane:
 * all that is held until the write, which rebuilds the weights from them.
 */
function compressTarget(
  t: Target,
  plan: LayerPlan,
  settings: CompressSettings,
  calibration: PreparedCalibration | null,
  buffers: { q: Float32Array; codes: Uint8Array },
): Omit<LayerOutcome, 'target'> {
  const l = t.ref.info;
  const w = t.weights();
  const n = w.length;
  const perChannel = plan.method === 'float' ? null : channelSpec(settings, t);
  const r = quantize(w, plan.method, { ones: plan.ones, perChannel, mask: t.mask, buffers });
  const groups = r.groups;
  const ppg = plan.method === 'sbnn' ? 2 : plan.method === 'float' ? 0 : 1;
  const params = new Float32Array(groups * ppg);
  for (let g = 0; g < groups; g++) {
    if (plan.method === 'sbnn') {
      params[2 * g] = r.alpha![g];
      params[2 * g + 1] = r.beta![g];
    } else if (plan.method === 'int8' || plan.method === 'int4' || plan.method === 'int2') params[g] = r.scale![g];
    else if (ppg === 1) params[g] = r.alpha![g];
  }
  // Calibration: refit {beta, alpha} on the layer's outputs and shift its bias (binary methods).
  const cal = calibration ? calibrateLayerWeights(calibration, l.name, w, r.codes, plan.method, { perChannel: !!perChannel, mask: t.mask }) : null;
  if (cal) {
    for (let g = 0; g < groups; g++) {
      if (plan.method === 'sbnn') {
        params[2 * g] = cal.alpha[g];
        params[2 * g + 1] = cal.beta[g];
      } else params[g] = cal.alpha[g];
    }
  }
  // Only kept weights carry a code.
  let codes: Uint8Array;
  if (plan.method === 'float') codes = new Uint8Array(0);
  else if (!t.mask) codes = r.codes;
  else {
    codes = new Uint8Array(r.kept);
    let j = 0;
    for (let i = 0; i < n; i++) if (t.mask[i]) codes[j++] = r.codes[i];
  }
  const record: PackedLayer = {
    weight: l.weight,
    method: plan.method,
    dtype: t.ref.tensor.dataType,
    shape: l.shape,
    outAxis: l.outChannelAxis,
    groups,
    params,
    maskKind: plan.method === 'float' ? 'none' : t.maskKind,
    mask: plan.method === 'float' ? null : t.unitMask,
    codes,
    values: plan.method === 'float' ? w : undefined,
  };
  // Without calibration the record holds exactly the quantizer's float32 values, so its q and error
  // are those of the exported weights (a test checks this against the written file); a refit
  // changes the values, so then the weights are rebuilt from the record, as export and unpack do.
  const q = cal ? dequantizeLayer(record) : r.q;
  // Bias correction for every compressed layer (binary ones got theirs with the refit above).
  const prepared = calibration?.layers[l.name];
  const biasShift = cal ? cal.biasShift : prepared?.biasName && plan.method !== 'float' ? biasCorrection(prepared.windows, w, q, prepared.geometry) : null;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += w[i] * w[i];
  let err = r.error;
  if (cal) {
    err = 0;
    for (let i = 0; i < n; i++) err += (w[i] - q[i]) ** 2;
  }
  const { record: recordBytes, bits: planeBits } = encodeLayer(record);
  const stats = plan.method === 'sbnn' || plan.method === 'sparse01' ? binaryStructureStats(r.codes, t.mask, l.shape, l.outChannelAxis, planeBits) : null;
  const bits = layerBits({
    method: plan.method,
    n,
    kept: plan.method === 'float' ? n : r.kept,
    ones: r.ones,
    groups,
    codes: r.codes,
    mask: t.mask,
    maskKind: t.maskKind,
    unitMask: t.unitMask,
    patternEntropy: stats?.kernelPatternEntropy ?? null,
    shape: l.shape,
  });
  // alpha / beta as stored (float32), so a reader can check every exported weight against them.
  const stored = (offset: number, sign = 1): number | number[] => {
    const v = Array.from({ length: groups }, (_, g) => sign * params[g * ppg + offset]);
    return groups === 1 ? v[0] : v;
  };
  const alpha = plan.method === 'float' || plan.method.startsWith('int') ? null : stored(0);
  const beta = plan.method === 'sbnn' ? stored(1) : plan.method === 'bnn' ? stored(0, -1) : plan.method === 'sparse01' ? 0 : null;
  return {
    recordBytes,
    bits: planeBits,
    report: {
      name: l.name,
      weight: l.weight,
      op: l.op,
      method: plan.method,
      params: n,
      ones: r.ones,
      alpha,
      beta,
      pruned: t.mask ? 1 - r.kept / n : 0,
      mse: err / n,
      sqnrDb: sqnrDb(energy, err),
      bitsPerWeight: { raw: bits.raw / n, entropy: bits.entropy / n },
      bytes: recordBytes.length,
      zeroFilters: stats?.zeroFilters ?? null,
      zeroKernels: stats?.zeroKernels ?? null,
      kernelPatternEntropy: stats?.kernelPatternEntropy ?? null,
      overridden: plan.overridden,
      ...(calibration ? { calibrated: !!cal || !!biasShift } : {}),
    },
    biasShift,
    biasName: biasShift ? (prepared?.biasName ?? null) : null,
  };
}

export interface WriteOutputs {
  onnx?: string;
  packed?: string;
  report?: string;
  /** More files to write in the same all-or-nothing set (e.g. the panel's HTML report). */
  extra?: { target: string; data: Uint8Array }[];
  force?: boolean;
}

export interface CompressSession {
  report: CompressReport;
  curves: LayerCurve[];
  inspect: InspectReport;
  /** The model file as this run read it (null for a model not read from a file). */
  file: FileStamp | null;
  /** Adds MACs-based latency estimates to the report once shapes are known (ORT shape pass). */
  addLatency(shapes: LayerShapes, profiles?: readonly DeviceProfile[]): void;
  /** Writes the requested outputs atomically (all or none); returns the files written. */
  write(outputs: WriteOutputs): string[];
}

export function compressLoaded(
  m: LoadedModel,
  settings: CompressSettings,
  opts: CompressOptions = {},
): CompressSession {
  validateSettings(m.path, settings);
  const sel = selectLayers(m, settings, opts.overrides);
  // Curves cost a sort per layer: only a budget (or a panel that re-plans) needs them.
  const curves = settings.budget === null && !opts.withCurves ? [] : (reusableCurves(sel, settings, opts) ?? buildCurves(sel, settings, opts));
  const plan = planLayers(sel, settings, settings.budget === null ? null : curves, opts.overrides);
  // q and codes of one layer at a time: one pair of buffers for all of them.
  const largest = Math.max(...sel.targets.map((t) => t.ref.info.params));
  const buffers = { q: new Float32Array(largest), codes: new Uint8Array(largest) };
  const outcomes: LayerOutcome[] = sel.targets.map((t, i) => {
    checkAbort(opts.signal);
    opts.onProgress?.(i, sel.targets.length, `quantize ${t.ref.info.name}`);
    return { ...compressTarget(t, plan[t.ref.info.name], settings, opts.calibration ?? null, buffers), target: t };
  });
  const info = modelInfo(m);
  const inspectLayers = sel.refs.map((r) => withShapes(r.info, opts.shapes));
  const inspect: InspectReport = { model: info, layers: inspectLayers, totals: inspectTotals(inspectLayers, sel.refs) };
  const header = { tool: TOOL_NAME, version: TOOL_VERSION, model: info.path.split(/[\\/]/).pop() ?? '', settings };
  const biases = correctedBiases(m, outcomes);
  const packed = encodePacked(header, [...outcomes.map((o) => o.recordBytes), ...biases.map((b) => encodeLayerRecord(b.record))]);
  const report = buildReport(m, settings, outcomes, sel, packed.size);
  if (opts.shapes) addLatency(report, inspectLayers, opts.profiles ?? BUILTIN_PROFILES);
  const write = (outputs: WriteOutputs): string[] => {
    checkOutputs(m, outputs);
    const extra: { target: string; chunks: Iterable<Uint8Array> }[] = [];
    if (outputs.packed) extra.push({ target: outputs.packed, chunks: packed.chunks });
    if (outputs.report) extra.push({ target: outputs.report, chunks: [new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`)] });
    for (const x of outputs.extra ?? []) extra.push({ target: x.target, chunks: [x.data] });
    if (!outputs.onnx) {
      // Without an ONNX output, write the other files through the same all-or-nothing path.
      const pending: PendingFile[] = [];
      try {
        for (const x of extra) pending.push(writeTemp(x.target, x.chunks));
        commitAll(pending);
      } catch (e) {
        discardAll(pending);
        throw e;
      }
      return pending.map((p) => p.target);
    }
    return saveCompressed(m, outcomes, biases, report, outputs.onnx, extra);
  };
  const addLatencyToReport = (shapes: LayerShapes, profiles: readonly DeviceProfile[] = BUILTIN_PROFILES): void => {
    inspect.layers = inspect.layers.map((l) => withShapes(l, shapes));
    inspect.totals = inspectTotals(inspect.layers, sel.refs);
    addLatency(report, inspect.layers, profiles);
  };
  return { report, curves, inspect, file: m.stamp ?? null, write, addLatency: addLatencyToReport };
}

/** Estimated latency per profile, per layer and in total (before = float32, after = as compressed). */
function addLatency(report: CompressReport, layers: LayerInfo[], profiles: readonly DeviceProfile[]): void {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const compressed = new Map(report.layers.map((l) => [l.name, l]));
  for (const l of report.layers) {
    const info = byName.get(l.name);
    if (info) l.latency = layerLatency(info, l, profiles);
  }
  report.totals.latency = { estimatedMs: totalLatency(layers, compressed, profiles), measuredMs: null };
}

/** Refuses outputs that are an input of the model, exist without `force`, or collide. */
export function checkOutputs(m: { path: string; external: Map<unknown, { file: string }> }, outputs: WriteOutputs): void {
  const targets = [outputs.onnx, outputs.packed, outputs.report, ...(outputs.extra ?? []).map((x) => x.target)].filter((x): x is string => !!x);
  const inputs = new Set([resolve(m.path), ...[...m.external.values()].map((e) => resolve(e.file))]);
  for (const t of targets) {
    if (inputs.has(resolve(t))) throw new SbnnError(t, 'an output may never be the input model');
    if (!outputs.force && existsSync(t)) throw new SbnnError(t, 'already exists (use --force to overwrite)');
  }
  if (new Set(targets.map((t) => resolve(t))).size !== targets.length) throw new SbnnError(targets[0], 'two outputs have the same path');
}

interface BiasUpdate {
  tensor: TensorProto;
  /** A `float` record carrying the corrected bias, so `unpack` rebuilds it too. */
  record: PackedLayer;
}

/** Bias tensors shifted by calibration's bias correction (shifts of layers sharing a bias add up). */
function correctedBiases(m: LoadedModel, outcomes: LayerOutcome[]): BiasUpdate[] {
  const byName = new Map<string, BiasUpdate>();
  const tensors = new Map([...graphTensors(m.proto.graph!)].map((t) => [t.name, t]));
  for (const o of outcomes) {
    if (!o.biasShift || !o.biasName) continue;
    const t = tensors.get(o.biasName);
    if (!t || !isFloatType(t.dataType)) continue;
    let u = byName.get(o.biasName);
    if (!u) {
      const values = Float32Array.from(tensorFloat32(m, t));
      u = { tensor: t, record: { weight: t.name, method: 'float', dtype: t.dataType, shape: t.dims.map(Number), outAxis: 0, groups: 1, params: new Float32Array(0), maskKind: 'none', mask: null, codes: new Uint8Array(0), values } };
      byName.set(o.biasName, u);
    }
    const v = u.record.values!;
    if (v.length !== o.biasShift.length) continue;
    for (let i = 0; i < v.length; i++) v[i] += o.biasShift[i];
  }
  return [...byName.values()];
}

/**
 * Saves the model with the compressed weights (dequantized from their packed records one layer at a
 * time while the file is written) and the tool's metadata; the in-memory model is left unchanged.
 */
function saveCompressed(m: LoadedModel, outcomes: LayerOutcome[], biases: BiasUpdate[], report: CompressReport, out: string, extra: SaveOptions['extra']): string[] {
  const lazy = new Map<TensorProto, LazyTensorData>();
  for (const b of biases) {
    const t = b.tensor;
    const v = b.record.values!;
    lazy.set(t, { length: v.length * elementSize(t.dataType, m.path, t.name), bytes: () => encodeFromFloat32(t.dataType, v) });
  }
  // One buffer for every layer's float32 weights: each is written out before the next is built.
  let scratch = new Float32Array(0);
  for (const o of outcomes) {
    const t = o.target.ref.tensor;
    const n = o.report.params;
    lazy.set(t, {
      length: n * elementSize(t.dataType, m.path, t.name),
      bytes: () => {
        if (scratch.length < n) scratch = new Float32Array(Math.max(n, ...outcomes.map((x) => x.report.params)));
        const q = dequantizeLayer(decodeLayerRecord(o.recordBytes, m.path, o.bits), scratch);
        return t.dataType === DataType.FLOAT ? new Uint8Array(q.buffer, q.byteOffset, q.byteLength) : encodeFromFloat32(t.dataType, q);
      },
    });
  }
  const meta = m.proto.metadataProps;
  const methods = Object.fromEntries(report.layers.map((l) => [l.name, l.method]));
  m.proto.metadataProps = [
    ...meta.filter((p) => !p.key.startsWith('sbnn.')),
    create(StringStringEntryProtoSchema, { key: 'sbnn.tool', value: `${TOOL_NAME} ${TOOL_VERSION}` }),
    create(StringStringEntryProtoSchema, { key: 'sbnn.settings', value: JSON.stringify(report.settings) }),
    create(StringStringEntryProtoSchema, { key: 'sbnn.layers', value: JSON.stringify(methods) }),
  ];
  try {
    return saveWithLazyTensors(m, out, lazy, { extra });
  } finally {
    m.proto.metadataProps = meta;
  }
}

function buildReport(m: LoadedModel, settings: CompressSettings, outcomes: LayerOutcome[], sel: Selection, packedSize: number): CompressReport {
  const layers = outcomes.map((o) => o.report);
  const params = layers.reduce((a, l) => a + l.params, 0) + sel.fixed.reduce((a, f) => a + f.ref.info.params, 0);
  const compressedParams = layers.filter((l) => l.method !== 'float').reduce((a, l) => a + l.params, 0);
  const bytesBefore = outcomes.reduce((a, o) => a + o.report.params * 4, 0);
  const bitsTotal = layers.reduce((a, l) => a + l.bitsPerWeight.entropy * l.params, 0) + sel.fixed.reduce((a, f) => a + f.bits, 0);
  return {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    model: modelInfo(m),
    settings,
    layers,
    totals: {
      params,
      compressedParams,
      bytesBefore,
      bytesAfter: packedSize,
      bitsPerWeight: bitsTotal / params,
      compressionRatio: bytesBefore / packedSize,
    },
  };
}

export function validateSettings(file: string, s: CompressSettings): void {
  const bad = (msg: string): never => {
    throw new SbnnError(file, msg);
  };
  if (s.ones !== null && !(s.ones > 0 && s.ones < 1)) bad(`--ones must be between 0 and 1 (exclusive), got ${s.ones}`);
  if (s.budget !== null && !(s.budget > 0 && s.budget <= 32)) bad(`--budget must be in (0, 32] bits per weight, got ${s.budget}`);
  if (s.prune) parsePruneSpec(s.prune);
}
