// Calibrates the host profile on real models: inspect (shapes, MACs), measure per-layer times with
// ONNX Runtime profiling, fit the roofline. Node-only (ORT).
import { cpus } from 'node:os';
import { basename } from 'node:path';
import type { LayerInfo } from '../../shared/report';
import { shapedLayers } from '../measure/layers';
import { measureLayerLatency, type LatencyMeasurement } from '../measure/measure';
import { calibrateHostProfile, type CalibrationFit } from './calibrate';

export interface CalibrationModel {
  path: string;
  dims?: Record<string, number>;
}

export interface HostCalibration {
  fit: CalibrationFit;
  models: { path: string; layers: LayerInfo[]; measurement: LatencyMeasurement }[];
}

/** Measures each model and fits one host profile to all their layers. */
export async function calibrateHostFromModels(models: readonly CalibrationModel[], opts: { runs?: number } = {}): Promise<HostCalibration> {
  const out: HostCalibration['models'] = [];
  for (const m of models) {
    const layers = await shapedLayers(m.path, m.dims);
    const measurement = await measureLayerLatency(m.path, layers, { runs: opts.runs ?? 10, dims: m.dims });
    out.push({ path: m.path, layers, measurement });
  }
  const samples = out.flatMap((m) => m.layers.map((layer) => ({ layer, ms: m.measurement.layers[layer.name] ?? NaN })));
  const cpu = cpus()[0]?.model?.trim() || 'unknown CPU';
  const measuredOn = `${cpu} (${process.arch}, 1 ORT thread, graph optimization "extended"; models: ${models.map((m) => basename(m.path)).join(', ')}; ${new Date().toISOString().slice(0, 10)})`;
  const fit = calibrateHostProfile(samples, { measuredOn });
  return { fit, models: out };
}
