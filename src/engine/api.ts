// The engine's public entry points, called by the CLI, the extension's worker and the tests.
import type { CompressSettings, InspectReport, LayerCurve } from '../shared/report';
import { buildCurves, compressLoaded, selectLayers, validateSettings, type CompressOptions, type CompressSession } from './compress';
import { unpackToOnnx } from './export/unpack';
import { inspectTotals, layerMacs, listLayers, modelInfo, type LayerRef } from './inventory';
import { loadModel, type LoadedModel } from './onnx/model';
import { measureShapes as measureShapesOrt, type LayerShapes } from './shapes';

export interface InspectOptions {
  /** Values for symbolic input dims (default 1). */
  dims?: Record<string, number>;
  /** Run the ONNX Runtime shape pass (default true). Without it shapes and MACs are null. */
  shapes?: boolean;
}

function reportOf(m: LoadedModel, layers: LayerRef[]): InspectReport {
  const infos = layers.map((l) => l.info);
  return { model: modelInfo(m), layers: infos, totals: inspectTotals(infos, layers) };
}

/** Fills input / output shapes and MACs into a report (pure; shapes come from measureShapes). */
export function applyShapes(report: InspectReport, shapes: LayerShapes): InspectReport {
  const layers = report.layers.map((l) => {
    const s = shapes[l.name];
    const withShapes = { ...l, inputShape: s?.inputShape ?? null, outputShape: s?.outputShape ?? null };
    return { ...withShapes, macs: layerMacs(withShapes) };
  });
  return { ...report, layers, totals: { ...report.totals, macs: layers.reduce((a, l) => a + (l.macs ?? 0), 0) } };
}

export async function inspectModel(path: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const m = loadModel(path);
  const layers = listLayers(m);
  const report = reportOf(m, layers);
  if (opts.shapes === false) return report;
  return applyShapes(report, await measureShapesOrt(m, layers, opts.dims));
}

/** The ORT shape pass alone (the extension runs it in its ORT process). */
export async function measureShapes(path: string, dims?: Record<string, number>): Promise<LayerShapes> {
  const m = loadModel(path);
  return measureShapesOrt(m, listLayers(m), dims);
}

export { defaultSettings } from './compress';
export type { CompressSession, CompressOptions, Progress } from './compress';

/** Error curves for every compressible layer (what live re-planning needs), without quantizing. */
export async function analyzeModel(
  path: string,
  settings: CompressSettings,
  opts: CompressOptions = {},
): Promise<{ inspect: InspectReport; curves: LayerCurve[] }> {
  const m = loadModel(path);
  validateSettings(path, settings);
  const sel = selectLayers(m, settings, opts.overrides);
  const curves = buildCurves(sel, settings, opts);
  const layers = sel.refs.map((r) => r.info);
  return { inspect: { model: modelInfo(m), layers, totals: inspectTotals(layers, sel.refs) }, curves };
}

/** Plans and quantizes every selected layer; nothing is written until `session.write`. */
export async function compressModel(path: string, settings: CompressSettings, opts: CompressOptions = {}): Promise<CompressSession> {
  return compressLoaded(loadModel(path), settings, opts);
}

/** Rebuilds an ONNX model from a packed .sbnn file and the original model. */
export function unpackModel(packedPath: string, modelPath: string, outPath: string, force = false): string[] {
  return unpackToOnnx(packedPath, modelPath, outPath, force);
}
