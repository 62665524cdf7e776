// Two calls for the compress pipeline's `--calib X.npy`: prepareCalibration (one ORT pass over
// the calibration samples: every supported layer's input windows and sensitivity), then
// calibrateLayerWeights per compressed binary layer (refit alpha/beta on outputs + bias shift).
import type { Method } from '../../shared/report';
import { SbnnError } from '../errors';
import { listLayers } from '../inventory';
import { readNpy } from '../npy';
import { loadModel } from '../onnx/model';
import { calibLayer, captureLayerInputs, type CalibBatch } from './capture';
import { biasCorrection, layerSensitivity, refitAlphaBeta } from './fit';
import type { LayerGeometry } from './geometry';
import { layerWindows, type Windows } from './windows';

export interface PreparedLayer {
  geometry: LayerGeometry;
  windows: Windows;
  /** Output error per unit weight error per sample (LayerCurve.sensitivity). */
  sensitivity: number;
  /** Bias initializer the shift goes to, null when the layer has none. */
  biasName: string | null;
}

export interface PreparedCalibration {
  samples: number;
  layers: Record<string, PreparedLayer>;
  /** Layers calibration cannot handle, with the reason (subgraph, unsupported op or layout). */
  skipped: Record<string, string>;
}

/** Reads calibration samples from .npy: float32, first axis = samples. */
export function readCalibNpy(path: string): CalibBatch {
  const a = readNpy(path);
  if (a.dtype !== 'float32') throw new SbnnError(path, `calibration samples must be float32, got ${a.dtype}`);
  if (a.shape.length < 2 || a.shape[0] < 1) throw new SbnnError(path, `calibration samples need shape (N, ...input dims), got (${a.shape.join(', ')})`);
  return { data: a.data as Float32Array, shape: a.shape };
}

export async function prepareCalibration(
  modelPath: string,
  calib: string | CalibBatch,
  opts: { layers?: readonly string[]; maxWindows?: number; seed?: number; /** Raw capture memory per ORT pass (default 512 MiB). */ maxBytes?: number } = {},
): Promise<PreparedCalibration> {
  const batch = typeof calib === 'string' ? readCalibNpy(calib) : calib;
  const m = loadModel(modelPath);
  const refs = listLayers(m).filter((r) => !opts.layers || opts.layers.includes(r.info.name));
  const skipped: Record<string, string> = {};
  const usable: ReturnType<typeof calibLayer>[] = [];
  for (const r of refs) {
    if (r.info.subgraph.length) {
      skipped[r.info.name] = 'inside a subgraph';
      continue;
    }
    if (r.info.quantized) {
      skipped[r.info.name] = 'already quantized';
      continue;
    }
    try {
      usable.push(calibLayer(m, r));
    } catch (e) {
      if (!(e instanceof SbnnError)) throw e;
      skipped[r.info.name] = e.detail;
    }
  }
  // Raw captured inputs can be large (every layer, every sample): capture in groups of layers that
  // fit `maxBytes`, sized from a one-sample pass, and keep only the sampled windows of each group.
  const per = batch.shape.slice(1).reduce((a, b) => a * b, 1);
  const one = { data: batch.data.subarray(0, per), shape: [1, ...batch.shape.slice(1)] };
  const sizes = await captureLayerInputs(modelPath, usable.map((l) => l.ref.info.name), one);
  const maxBytes = opts.maxBytes ?? 512 * 2 ** 20;
  const groups: (typeof usable)[] = [];
  let bytes = Infinity;
  for (const l of usable) {
    const b = sizes[l.ref.info.name].data.length * 4 * batch.shape[0];
    if (bytes + b > maxBytes) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1].push(l);
    bytes += b;
  }
  const layers: Record<string, PreparedLayer> = {};
  for (const group of groups) {
    const captured = await captureLayerInputs(modelPath, group.map((l) => l.ref.info.name), batch);
    for (const l of group) {
      const c = captured[l.ref.info.name];
      const windows = layerWindows(c.data, c.shape, l.geometry, { maxWindows: opts.maxWindows ?? 4096, seed: opts.seed ?? 1 });
      layers[l.ref.info.name] = { geometry: l.geometry, windows, sensitivity: layerSensitivity(windows, l.geometry), biasName: l.biasName };
    }
  }
  return { samples: batch.shape[0], layers, skipped };
}

export interface CalibratedWeights {
  q: Float32Array;
  alpha: Float64Array;
  beta: Float64Array;
  /** Add to the layer's bias, per output channel (null when the layer has no bias to correct). */
  biasShift: Float64Array | null;
}

/**
 * Refit + bias correction of one binary layer (sbnn, sparse01, bnn) from its prepared windows.
 * Returns null for layers without prepared windows (skipped) or non-binary methods.
 */
export function calibrateLayerWeights(
  prep: PreparedCalibration,
  name: string,
  w: Float32Array,
  codes: Uint8Array,
  method: Method,
  opts: { perChannel: boolean; mask?: Uint8Array | null; bias?: boolean },
): CalibratedWeights | null {
  const l = prep.layers[name];
  if (!l || (method !== 'sbnn' && method !== 'sparse01' && method !== 'bnn')) return null;
  const correctBias = opts.bias !== false && !!l.biasName;
  // With a bias to correct, the refit fits output variations and the bias takes the mean.
  const r = refitAlphaBeta(l.windows, w, codes, l.geometry, { method, perChannel: opts.perChannel, mask: opts.mask, center: correctBias });
  const biasShift = correctBias ? biasCorrection(l.windows, w, r.q, l.geometry) : null;
  return { q: r.q, alpha: r.alpha, beta: r.beta, biasShift };
}
