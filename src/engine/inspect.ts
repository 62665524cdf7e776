// Inspecting a model: the layer inventory, and shapes and MACs from the ONNX Runtime shape pass.
import type { InspectReport, LayerInfo } from '../shared/report';
import { inspectTotals, layerMacs, listLayers, modelInfo } from './inventory';
import { loadModelDeferred } from './onnx/model';
import { measureShapes as measureShapesOrt, type LayerShapes } from './shapes';

export interface InspectOptions {
  /** Values for symbolic input dims (default 1). */
  dims?: Record<string, number>;
  /** Run the ONNX Runtime shape pass (default true). Without it shapes and MACs are null. */
  shapes?: boolean;
}

/** A layer with its shapes and MACs from a shape pass (unchanged when the pass has no entry). */
export function withShapes(l: LayerInfo, shapes: LayerShapes | null | undefined): LayerInfo {
  const s = shapes?.[l.name];
  if (!s) return l;
  const shaped = { ...l, inputShape: s.inputShape, outputShape: s.outputShape };
  return { ...shaped, macs: layerMacs(shaped) };
}

/** Fills input / output shapes and MACs into a report (pure; shapes come from measureShapes). */
export function applyShapes(report: InspectReport, shapes: LayerShapes): InspectReport {
  const layers = report.layers.map((l) => withShapes({ ...l, inputShape: null, outputShape: null, macs: null }, shapes));
  return { ...report, layers, totals: { ...report.totals, macs: layers.reduce((a, l) => a + (l.macs ?? 0), 0) } };
}

export async function inspectModel(path: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const m = loadModelDeferred(path);
  const layers = listLayers(m);
  const infos = layers.map((l) => l.info);
  const report: InspectReport = { model: modelInfo(m), layers: infos, totals: inspectTotals(infos, layers) };
  if (opts.shapes === false) return report;
  return applyShapes(report, await measureShapesOrt(m, layers, opts.dims));
}

/** The ORT shape pass alone (the extension runs it in its ORT process). */
export async function measureShapes(path: string, dims?: Record<string, number>): Promise<LayerShapes> {
  const m = loadModelDeferred(path);
  return measureShapesOrt(m, listLayers(m), dims);
}

