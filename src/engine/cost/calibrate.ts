// Host profile calibration: fit the fp32 roofline (throughput F, bandwidth B, per-layer overhead O)
// to measured per-layer ONNX Runtime times. Pure (no I/O): the caller measures and writes files.
import type { DeviceProfile, LayerInfo } from '../../shared/report';
import { estimateLayer } from './estimate';
import { BUILTIN_PROFILES } from './builtins';

export interface CalibrationSample {
  layer: LayerInfo;
  ms: number;
}

export interface CalibrationFit {
  profile: DeviceProfile;
  /** Layers used (MACs known, measured time > 0). */
  layers: number;
  /** exp(RMS of ln(estimate / measured)) over the fitted layers: typical per-layer factor. */
  typicalFactor: number;
  /** sum(estimates) / sum(measured) over the fitted layers. */
  totalRatio: number;
}

export interface CalibrateOptions {
  /** Reference device whose int8 / binary / sparse rates, relative to its fp32 rate, scale the host's. */
  reference?: DeviceProfile;
  /** Said in every `source`: where and how the measurement was taken. */
  measuredOn?: string;
  id?: string;
  label?: string;
}

function logGrid(lo: number, hi: number, n: number): number[] {
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / (n - 1)));
}

/** fp32 work of one layer as the estimator counts it: MACs and bytes moved. */
function fp32Work(l: LayerInfo): { macs: number; bytes: number } {
  const unit: DeviceProfile = {
    id: 'unit',
    label: 'unit',
    description: '',
    wordBits: { value: 64, source: 'unit' },
    fp32MacsPerSecond: { value: 1, source: 'unit' },
    int8MacsPerSecond: { value: 1, source: 'unit' },
    binaryWordOpsPerSecond: { value: 1, source: 'unit' },
    sparseAccumulatesPerSecond: { value: 1, source: 'unit' },
    memoryBytesPerSecond: { value: 1, source: 'unit' },
    layerOverheadSeconds: { value: 0, source: 'unit' },
  };
  // With unit rates the estimator's compute and memory times (in ms) are MACs and bytes x 1e3.
  const e = estimateLayer(l, 'fp32', {}, unit)!;
  return { macs: e.computeMs / 1e3, bytes: e.memoryMs / 1e3 };
}

/**
 * Least squares in log space: minimize sum_i ln(t_i / m_i)^2 with t_i = max(c_i / F, b_i / B) + O.
 * Log errors weigh a 10 us depthwise conv like a 10 ms matmul, so one big layer cannot hide the
 * rest. Search: coarse log grids over F and B for each O candidate, then two finer passes.
 */
export function calibrateHostProfile(samples: readonly CalibrationSample[], opts: CalibrateOptions = {}): CalibrationFit {
  const rows = samples
    .filter((s) => s.layer.macs !== null && s.layer.macs > 0 && Number.isFinite(s.ms) && s.ms > 0)
    .map((s) => ({ ...fp32Work(s.layer), t: s.ms / 1e3 }));
  if (rows.length < 3) throw new Error(`host calibration needs at least 3 measured layers with known MACs (got ${rows.length})`);
  const lnM = rows.map((r) => Math.log(r.t));
  const cost = (F: number, B: number, O: number): number => {
    let s = 0;
    for (let i = 0; i < rows.length; i++) {
      const d = Math.log(Math.max(rows[i].macs / F, rows[i].bytes / B) + O) - lnM[i];
      s += d * d;
    }
    return s;
  };
  const fRates = rows.map((r) => r.macs / r.t);
  const bRates = rows.map((r) => r.bytes / r.t);
  const minT = Math.min(...rows.map((r) => r.t));
  let best = { F: 1, B: 1, O: 0, c: Infinity };
  let fLo = Math.min(...fRates) / 4;
  let fHi = Math.max(...fRates) * 16;
  let bLo = Math.min(...bRates) / 4;
  let bHi = Math.max(...bRates) * 16;
  let oCands = [0, ...logGrid(minT / 100, minT * 0.999, 24)];
  for (let pass = 0; pass < 3; pass++) {
    for (const O of oCands) {
      for (const F of logGrid(fLo, fHi, 48)) {
        for (const B of logGrid(bLo, bHi, 48)) {
          const c = cost(F, B, O);
          if (c < best.c) best = { F, B, O, c };
        }
      }
    }
    // Zoom around the best point.
    const zf = Math.pow(fHi / fLo, 1 / 47) * 2;
    const zb = Math.pow(bHi / bLo, 1 / 47) * 2;
    fLo = best.F / zf;
    fHi = best.F * zf;
    bLo = best.B / zb;
    bHi = best.B * zb;
    oCands = best.O === 0 ? [0, ...logGrid(minT / 1000, minT / 50, 12)] : logGrid(best.O / 1.5, Math.min(best.O * 1.5, minT * 0.999), 16);
  }
  const ref = opts.reference ?? BUILTIN_PROFILES.find((p) => p.id === 'x86-64-avx2')!;
  const where = opts.measuredOn ?? 'this machine';
  const fitted = `measured here: least-squares fit (log space) of the fp32 roofline to ONNX Runtime per-node kernel times of ${rows.length} layers on ${where}`;
  const scaled = (k: 'int8MacsPerSecond' | 'binaryWordOpsPerSecond' | 'sparseAccumulatesPerSecond') => ({
    value: best.F * (ref[k].value / ref.fp32MacsPerSecond.value),
    source: `measured fp32 rate here x the ${ref.id} profile's ${k} / fp32MacsPerSecond ratio (${(ref[k].value / ref.fp32MacsPerSecond.value).toPrecision(3)}); ONNX Runtime runs these models in fp32 only`,
  });
  const profile: DeviceProfile = {
    id: opts.id ?? 'host',
    label: opts.label ?? 'This machine (measured)',
    description: `Calibrated from ONNX Runtime profiling on ${where}: fp32 throughput, memory bandwidth and per-layer overhead fitted to measured per-layer times; other rates scaled from ${ref.id}.`,
    wordBits: { value: ref.wordBits.value, source: `as ${ref.id}: ${ref.wordBits.source}` },
    fp32MacsPerSecond: { value: best.F, source: fitted },
    int8MacsPerSecond: scaled('int8MacsPerSecond'),
    binaryWordOpsPerSecond: scaled('binaryWordOpsPerSecond'),
    sparseAccumulatesPerSecond: scaled('sparseAccumulatesPerSecond'),
    memoryBytesPerSecond: { value: best.B, source: fitted },
    layerOverheadSeconds: { value: best.O, source: fitted },
  };
  let sumE = 0;
  let sumM = 0;
  for (let i = 0; i < rows.length; i++) {
    sumE += Math.max(rows[i].macs / best.F, rows[i].bytes / best.B) + best.O;
    sumM += rows[i].t;
  }
  return { profile, layers: rows.length, typicalFactor: Math.exp(Math.sqrt(best.c / rows.length)), totalRatio: sumE / sumM };
}
