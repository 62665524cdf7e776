// End-to-end output sensitivity of each layer: how much the model's outputs move per unit of
// squared weight error in that layer alone, measured in ONNX Runtime on calibration samples.
// This weights the budget allocator's per-layer errors (LayerCurve.sensitivity), so the bits go
// where the model's outputs, not just a layer's own outputs, are most affected.
import type * as ort from 'onnxruntime-node';
import { SbnnError } from '../errors';
import { listLayers } from '../inventory';
import { loadModel, setTensorFloat32, tensorFloat32 } from '../onnx/model';
import { encodeWithOutputs } from '../shapes';
import { inputDims, inputMetas, normalFill, openSession, runSession } from '../measure/ortIo';
import type { CalibBatch } from './capture';

export interface SensitivityOptions {
  /** Perturbation size relative to the layer's RMS weight (small: the linear regime). Default 0.01. */
  relative?: number;
  seed?: number;
  maxBatch?: number;
  /**
   * Weights to try for a layer instead of the Gaussian perturbation, e.g. its quantized weights:
   * the sensitivity is then measured along the real error direction of that quantizer.
   */
  replacement?: (name: string, w: Float32Array) => Float32Array | null;
}

async function runAll(bytes: Uint8Array, file: string, calib: CalibBatch, maxBatch: number, ortMod: typeof ort): Promise<Float32Array[]> {
  const s = await openSession(bytes, file, { graphOptimizationLevel: 'basic' });
  try {
    const metas = inputMetas(s);
    if (metas.length !== 1) throw new SbnnError(file, `sensitivity needs a single-input model; this one has ${metas.length} inputs`);
    const m = metas[0];
    const first = inputDims(m)[0];
    const step = typeof first === 'number' ? first : maxBatch;
    const per = calib.shape.slice(1).reduce((a, b) => a * b, 1);
    const n = calib.shape[0];
    const outs: Float32Array[][] = s.outputNames.map(() => []);
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start);
      const batch = typeof first === 'number' ? first : count;
      let x = calib.data.subarray(start * per, (start + count) * per);
      if (batch > count) {
        const padded = new Float32Array(batch * per);
        padded.set(x);
        x = padded;
      }
      const r = await runSession(s, { [m.name]: new ortMod.Tensor('float32', x, [batch, ...calib.shape.slice(1)]) }, file);
      s.outputNames.forEach((o, k) => {
        const t = r[o];
        if (t.type !== 'float32') throw new SbnnError(file, `output "${o}" is ${t.type}; sensitivity compares float32 outputs`);
        const rows = t.dims[0] === batch ? count * (t.size / batch) : t.size;
        outs[k].push((t.data as Float32Array).slice(0, rows));
      });
    }
    return outs.map((parts) => {
      const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      return all;
    });
  } finally {
    await s.release();
  }
}

/**
 * For each named layer: mean over calibration samples of ||outputs(w') - outputs(w)||^2 / ||w' - w||^2,
 * w' = the layer's `replacement` (e.g. its quantized weights), else w + a seeded Gaussian of
 * `relative` x RMS(w). Other layers keep their weights. One ORT pass over the batch per layer.
 */
export async function modelOutputSensitivity(modelPath: string, layerNames: readonly string[], calib: CalibBatch, opts: SensitivityOptions = {}): Promise<Record<string, number>> {
  const ortMod = await import('onnxruntime-node');
  const m = loadModel(modelPath);
  const refs = listLayers(m);
  const maxBatch = Math.max(1, opts.maxBatch ?? 64);
  const base = await runAll(encodeWithOutputs(m, []), modelPath, calib, maxBatch, ortMod);
  const out: Record<string, number> = {};
  let seed = opts.seed ?? 5;
  for (const name of layerNames) {
    const ref = refs.find((r) => r.info.name === name);
    if (!ref) throw new SbnnError(modelPath, `no weight layer named "${name}"`);
    const w = tensorFloat32(m, ref.tensor).slice();
    let ss = 0;
    for (let i = 0; i < w.length; i++) ss += w[i] * w[i];
    let moved = opts.replacement?.(name, w) ?? null;
    if (!moved) {
      const sigma = (opts.relative ?? 0.01) * Math.sqrt(ss / Math.max(1, w.length)) || 1e-6;
      const d = normalFill(new Float32Array(w.length), seed++);
      moved = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) moved[i] = w[i] + sigma * d[i];
    }
    if (moved.length !== w.length) throw new SbnnError(modelPath, `replacement for "${name}" has ${moved.length} values, the weight ${w.length}`);
    let dd = 0;
    for (let i = 0; i < w.length; i++) dd += (moved[i] - w[i]) ** 2;
    // An external tensor would be re-read from its file when encoding: make it inline for the pass.
    const t = ref.tensor;
    const ext = m.external.get(t);
    const saved = { raw: t.rawData, extData: t.externalData, loc: t.dataLocation };
    if (ext) {
      m.external.delete(t);
      t.externalData = [];
      t.dataLocation = 0;
    }
    setTensorFloat32(t, moved);
    let bytes: Uint8Array;
    try {
      bytes = encodeWithOutputs(m, []);
    } finally {
      if (ext) {
        m.external.set(t, ext);
        t.rawData = saved.raw;
        t.externalData = saved.extData;
        t.dataLocation = saved.loc;
      } else {
        setTensorFloat32(t, w);
      }
    }
    const res = await runAll(bytes, modelPath, calib, maxBatch, ortMod);
    let e2 = 0;
    res.forEach((r, k) => {
      for (let i = 0; i < r.length; i++) e2 += (r[i] - base[k][i]) ** 2;
    });
    out[name] = dd > 0 ? e2 / calib.shape[0] / dd : 0;
  }
  return out;
}
