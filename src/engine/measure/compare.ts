// Estimate vs measurement side by side (`sbnn inspect --measure`): per layer and in total, with
// the ratio estimate / measured. Pure: takes the measurement and a profile (normally `host`).
import type { DeviceProfile, LayerInfo } from '../../shared/report';
import { estimateLayerMs } from '../cost/estimate';
import type { LatencyMeasurement } from './measure';

export interface MeasuredRow {
  name: string;
  op: string;
  estimatedMs: number | null;
  measuredMs: number | null;
  /** estimatedMs / measuredMs when both are known and measured > 0. */
  ratio: number | null;
}

export interface MeasuredComparison {
  profile: string;
  rows: MeasuredRow[];
  /** Sums over the layers that have both numbers. */
  totals: { estimatedMs: number; measuredMs: number; ratio: number | null; layers: number };
  /** Whole-run wall time from ORT (includes non-layer nodes and runtime overhead). */
  runMs: number;
}

export function compareWithMeasurement(layers: readonly LayerInfo[], m: LatencyMeasurement, profile: DeviceProfile): MeasuredComparison {
  let est = 0;
  let meas = 0;
  let n = 0;
  const rows = layers.map((l) => {
    const e = estimateLayerMs(l, 'fp32', {}, profile);
    const ms = m.layers[l.name] ?? null;
    const both = e !== null && ms !== null && ms > 0;
    if (both) {
      est += e;
      meas += ms;
      n++;
    }
    return { name: l.name, op: l.op, estimatedMs: e, measuredMs: ms, ratio: both ? e / ms : null };
  });
  return { profile: profile.id, rows, totals: { estimatedMs: est, measuredMs: meas, ratio: n && meas > 0 ? est / meas : null, layers: n }, runMs: m.totalMs };
}
