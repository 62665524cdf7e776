// The engine's public entry points, called by the CLI, the extension's worker and the tests.
import type { CompressSettings, InspectReport, LayerCurve } from '../shared/report';
import { buildCurves, compressLoaded, selectLayers, validateSettings, type CompressOptions, type CompressSession } from './compress';
import { unpackToOnnx } from './export/unpack';
import { inspectTotals, listLayers, modelInfo } from './inventory';
import { prepareCalibration, readCalibNpy } from './calib/prepare';
import { modelOutputSensitivity } from './calib/sensitivity';
import type { CalibBatch } from './calib/capture';
import { loadModelDeferred } from './onnx/model';

/** Calibration samples used for end-to-end layer sensitivities (one ORT pass per layer). */
const SENSITIVITY_SAMPLES = 64;

export { applyShapes, inspectModel, measureShapes, type InspectOptions } from './inspect';

export { defaultSettings } from './compress';
export type { CompressSession, CompressOptions, Progress } from './compress';

/** Error curves for every compressible layer (what live re-planning needs), without quantizing. */
export async function analyzeModel(
  path: string,
  settings: CompressSettings,
  opts: CompressOptions = {},
): Promise<{ inspect: InspectReport; curves: LayerCurve[] }> {
  const m = loadModelDeferred(path);
  validateSettings(path, settings);
  const sel = selectLayers(m, settings, opts.overrides);
  const curves = buildCurves(sel, settings, opts);
  const layers = sel.refs.map((r) => r.info);
  return { inspect: { model: modelInfo(m), layers, totals: inspectTotals(layers, sel.refs) }, curves };
}

/**
 * Plans and quantizes every selected layer; nothing is written until `session.write`.
 * With `calib` (a .npy path or samples), one ONNX Runtime pass over the samples gives each layer's
 * input windows: layer sensitivities weight the budget allocation, binary layers are refit on
 * their outputs, and biases are corrected.
 */
export async function compressModel(
  path: string,
  settings: CompressSettings,
  opts: CompressOptions & { calib?: string | CalibBatch | null } = {},
): Promise<CompressSession> {
  const m = loadModelDeferred(path);
  validateSettings(path, settings);
  if (!opts.calib) return compressLoaded(m, settings, opts);
  const batch = typeof opts.calib === 'string' ? readCalibNpy(opts.calib) : opts.calib;
  const calibration = await prepareCalibration(path, batch);
  let sensitivity: Record<string, number> | undefined;
  if (settings.budget !== null) {
    // Only a budget uses sensitivities. End to end (model outputs per unit of a layer's weight
    // error), not layer-local: a layer's own outputs say nothing of how much the rest amplifies.
    const names = [...new Set(listLayers(m).filter((l) => !l.info.quantized).map((l) => l.info.name))];
    const per = batch.shape.slice(1).reduce((a, b) => a * b, 1);
    const n = Math.min(batch.shape[0], SENSITIVITY_SAMPLES);
    sensitivity = await modelOutputSensitivity(path, names, { data: batch.data.subarray(0, n * per), shape: [n, ...batch.shape.slice(1)] });
  }
  return compressLoaded(m, { ...settings, calib: typeof opts.calib === 'string' ? opts.calib : '(samples)' }, { ...opts, sensitivity, calibration });
}

/** Rebuilds an ONNX model from a packed .sbnn file and the original model. */
export function unpackModel(packedPath: string, modelPath: string, outPath: string, force = false): string[] {
  return unpackToOnnx(packedPath, modelPath, outPath, force);
}
