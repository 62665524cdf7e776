// Captures the input tensor of chosen layers on calibration samples: the layers' data inputs are
// exposed as extra graph outputs of a modified copy of the model, run in ONNX Runtime in batches.
import type * as ort from 'onnxruntime-node';
import { SbnnError } from '../errors';
import { listLayers, type LayerRef } from '../inventory';
import { loadModel, tensorFloat32, type LoadedModel } from '../onnx/model';
import { encodeWithOutputs } from '../shapes';
import { floatTensor } from '../onnx/builder';
import { inputDims, inputMetas, openSession, runSession } from '../measure/ortIo';
import { geometryOfNode, type LayerGeometry } from './geometry';

export interface CapturedTensor {
  data: Float32Array;
  shape: number[];
}

export interface CalibBatch {
  /** Samples along the first axis, float32. */
  data: Float32Array;
  shape: number[];
}

export interface CalibLayer {
  ref: LayerRef;
  geometry: LayerGeometry;
  weights: Float32Array;
  /** The layer's bias values, or null when it has none (Conv input 2, Gemm input C as a constant). */
  bias: Float32Array | null;
  biasName: string | null;
}

/** Geometry, weights and bias of an inventory layer, for the calibration fits. */
export function calibLayer(m: LoadedModel, ref: LayerRef): CalibLayer {
  const n = ref.node;
  const weightIndex = n.input.indexOf(ref.info.weight) >= 0 ? n.input.indexOf(ref.info.weight) : 1;
  let geometry: LayerGeometry;
  try {
    geometry = geometryOfNode(n, ref.info.shape, weightIndex);
  } catch (e) {
    throw e instanceof SbnnError ? new SbnnError(m.path, e.detail) : e;
  }
  const biasName = n.opType === 'Conv' || n.opType === 'Gemm' ? (n.input[2] ?? null) || null : null;
  const biasTensor = biasName ? m.proto.graph!.initializer.find((t) => t.name === biasName) : undefined;
  return { ref, geometry, weights: tensorFloat32(m, ref.tensor), bias: biasTensor ? tensorFloat32(m, biasTensor) : null, biasName: biasTensor ? biasName : null };
}

/** Runs `calib` through the model and returns each named layer's input tensor over all samples. */
export async function captureLayerInputs(
  modelPath: string,
  layerNames: readonly string[],
  calib: CalibBatch,
  opts: { maxBatch?: number } = {},
): Promise<Record<string, CapturedTensor>> {
  return captureFromModel(loadModel(modelPath), layerNames, calib, opts);
}

/** As captureLayerInputs, on a loaded model in its current (possibly modified) state. */
export async function captureFromModel(
  m: LoadedModel,
  layerNames: readonly string[],
  calib: CalibBatch,
  opts: { maxBatch?: number } = {},
): Promise<Record<string, CapturedTensor>> {
  const ortMod = await import('onnxruntime-node');
  const modelPath = m.path;
  const refs = listLayers(m);
  const inputs = new Set(m.proto.graph!.input.map((v) => v.name));
  const wanted = new Map<string, string>();
  for (const name of layerNames) {
    const ref = refs.find((r) => r.info.name === name);
    if (!ref) throw new SbnnError(modelPath, `no weight layer named "${name}"`);
    if (ref.info.subgraph.length) throw new SbnnError(modelPath, `layer "${name}" is inside a subgraph; its inputs cannot be captured`);
    if (!ref.dataInput) throw new SbnnError(modelPath, `layer "${name}" has no data input`);
    wanted.set(name, ref.dataInput);
  }
  const exposed = [...new Set(wanted.values())].filter((t) => !inputs.has(t));
  const session = await openSession(encodeWithOutputs(m, exposed), modelPath, { graphOptimizationLevel: 'disabled' });
  try {
    const metas = inputMetas(session);
    if (metas.length !== 1) throw new SbnnError(modelPath, `calibration supports single-input models; this one has ${metas.length} inputs`);
    const meta = metas[0];
    const dims = inputDims(meta);
    const sample = calib.shape.slice(1);
    if (dims.length !== calib.shape.length || dims.slice(1).some((d, i) => typeof d === 'number' && d !== sample[i])) {
      throw new SbnnError(modelPath, `calibration samples of shape (${sample.join(', ')}) do not fit input "${meta.name}" [${dims.join(', ')}]`);
    }
    const n = calib.shape[0];
    const per = sample.reduce((a, b) => a * b, 1);
    const fixed = typeof dims[0] === 'number' ? (dims[0] as number) : null;
    const step = fixed ?? Math.max(1, opts.maxBatch ?? 64);
    const chunks = new Map<string, Float32Array[]>();
    const shapes = new Map<string, number[]>();
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start);
      const batch = fixed ?? count;
      let x = calib.data.subarray(start * per, (start + count) * per);
      if (batch > count) {
        const padded = new Float32Array(batch * per);
        padded.set(x);
        x = padded;
      }
      const feeds: Record<string, ort.Tensor> = { [meta.name]: new ortMod.Tensor('float32', x, [batch, ...sample]) };
      const out = await runSession(session, feeds, modelPath, exposed.length ? exposed : undefined);
      for (const t of new Set(wanted.values())) {
        const v = inputs.has(t) ? feeds[t] : out[t];
        if (!v || v.type !== 'float32') throw new SbnnError(modelPath, `layer input "${t}" is not a float32 tensor`);
        const rowLen = v.size / v.dims[0];
        const d = (v.data as Float32Array).subarray(0, count * rowLen);
        if (!chunks.has(t)) chunks.set(t, []);
        chunks.get(t)!.push(inputs.has(t) ? d : d.slice());
        shapes.set(t, [...v.dims.slice(1)]);
      }
    }
    const result: Record<string, CapturedTensor> = {};
    const joined = new Map<string, CapturedTensor>();
    for (const [name, t] of wanted) {
      if (!joined.has(t)) {
        const parts = chunks.get(t)!;
        const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
        let off = 0;
        for (const p of parts) {
          data.set(p, off);
          off += p.length;
        }
        joined.set(t, { data, shape: [n, ...shapes.get(t)!] });
      }
      result[name] = joined.get(t)!;
    }
    return result;
  } finally {
    await session.release();
  }
}

/**
 * Gives a Conv / Gemm layer without a bias a zero bias initializer (so bias correction has a
 * place to go); returns its name, or null for ops that take no bias input (MatMul) or when the
 * layer already has one. The model's outputs are unchanged (the bias is zero).
 */
export function addZeroBias(m: LoadedModel, ref: LayerRef): string | null {
  const n = ref.node;
  if (n.opType !== 'Conv' && n.opType !== 'Gemm') return null;
  if (n.input[2]) return null;
  const outs = n.opType === 'Conv' ? ref.info.shape[0] : ref.info.shape[ref.info.outChannelAxis];
  const g = m.proto.graph!;
  const taken = new Set([...g.initializer.map((t) => t.name), ...g.node.flatMap((x) => x.output), ...g.input.map((v) => v.name)]);
  let name = `${ref.info.weight}_bias`;
  for (let i = 1; taken.has(name); i++) name = `${ref.info.weight}_bias_${i}`;
  g.initializer.push(floatTensor(name, [outs], new Float32Array(outs)));
  while (n.input.length < 2) n.input.push('');
  n.input[2] = name;
  return name;
}
