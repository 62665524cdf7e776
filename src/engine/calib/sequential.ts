// Sequential calibration: layers are calibrated in graph order, each on the inputs the model
// delivers once the layers before it are compressed and calibrated (features), against the
// original model's inputs (targets). Upstream error is then absorbed layer by layer; on MNIST this
// beats calibrating every layer on the original inputs (see test/mnist). One ORT pass per layer.
import type { Method } from '../../shared/report';
import { listLayers } from '../inventory';
import type { TensorProto } from 'onnx-buf';
import { setTensorFloat32, type LoadedModel } from '../onnx/model';
import { calibLayer, captureFromModel, type CalibBatch } from './capture';
import { biasCorrection, refitAlphaBeta, type BinaryMethod } from './fit';
import { layerWindows } from './windows';

export interface SequentialLayer {
  name: string;
  method: Method;
  /** The compressed weights (dequantized), in the weight's layout. */
  q: Float32Array;
  /** Bit codes for binary methods (quantize()'s codes); ignored otherwise. */
  codes?: Uint8Array | null;
  mask?: Uint8Array | null;
  perChannel: boolean;
}

export interface SequentialResult {
  /** Final weights per layer (refit for binary methods, else the given q). */
  q: Float32Array;
  alpha: Float64Array | null;
  beta: Float64Array | null;
  /** Shift added to the layer's bias (null without a bias initializer or with bias: false). */
  biasShift: Float64Array | null;
  /** The new bias values (original + shift), null without a bias. */
  bias: Float32Array | null;
}

const isBinary = (m: Method): m is BinaryMethod => m === 'sbnn' || m === 'sparse01' || m === 'bnn';

/**
 * Calibrates `layers` (in the model's layer order) and returns the new weights and biases; `m` is
 * left as it was. Layers the calibration cannot handle (unsupported op, subgraph) are returned with
 * their q unchanged and no bias shift.
 */
export async function calibrateSequential(
  m: LoadedModel,
  layers: readonly SequentialLayer[],
  calib: CalibBatch,
  opts: { refit?: boolean; bias?: boolean; maxWindows?: number; seed?: number } = {},
): Promise<Record<string, SequentialResult>> {
  const refs = listLayers(m);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const ordered = refs.filter((r) => byName.has(r.info.name));
  const infos = ordered.map((r) => {
    try {
      return r.info.subgraph.length ? null : calibLayer(m, r);
    } catch {
      return null;
    }
  });
  const wopts = { maxWindows: opts.maxWindows ?? 4096, seed: opts.seed ?? 1 };
  // Targets: every layer's input in the original model (one pass).
  const supported = infos.filter((c): c is NonNullable<typeof c> => c !== null);
  const original = await captureFromModel(m, supported.map((c) => c.ref.info.name), calib);
  const out: Record<string, SequentialResult> = {};
  // Tensors swapped into the model so far: full snapshots, restored exactly at the end.
  type Snapshot = Pick<TensorProto, 'rawData' | 'floatData' | 'int32Data' | 'doubleData' | 'int64Data' | 'uint64Data'> &
    Partial<Pick<TensorProto, 'externalData' | 'dataLocation'>>;
  const saved: { t: TensorProto; snap: Snapshot; ext: ReturnType<typeof m.external.get> }[] = [];
  const swap = (t: TensorProto, values: Float32Array): void => {
    const ext = m.external.get(t);
    // Only the fields setTensorFloat32 touches (plus the external ones when inlining): assigning
    // an unset proto2 field, even to its default, would change the encoded model.
    const snap: Snapshot = { rawData: t.rawData, floatData: t.floatData, int32Data: t.int32Data, doubleData: t.doubleData, int64Data: t.int64Data, uint64Data: t.uint64Data };
    if (ext) {
      snap.externalData = t.externalData;
      snap.dataLocation = t.dataLocation;
      // Inline for the passes: encoding would otherwise re-read the external file.
      m.external.delete(t);
      t.externalData = [];
      t.dataLocation = 0;
    }
    saved.push({ t, ext, snap });
    setTensorFloat32(t, values);
  };
  try {
    for (let i = 0; i < ordered.length; i++) {
      const ref = ordered[i];
      const spec = byName.get(ref.info.name)!;
      const info = infos[i];
      let q = spec.q;
      let alpha: Float64Array | null = null;
      let beta: Float64Array | null = null;
      let shift: Float64Array | null = null;
      let bias: Float32Array | null = null;
      if (info) {
        const name = ref.info.name;
        const target = layerWindows(original[name].data, original[name].shape, info.geometry, wopts);
        // Features: this layer's input with every earlier layer already replaced.
        const seenT = saved.length === 0 ? original[name] : (await captureFromModel(m, [name], calib))[name];
        const win = seenT === original[name] ? target : layerWindows(seenT.data, seenT.shape, info.geometry, wopts);
        const correctBias = opts.bias !== false && !!info.bias && !!info.biasName && spec.method !== 'float';
        if (opts.refit !== false && isBinary(spec.method) && spec.codes) {
          // With a bias correction to follow, fit the output variations; the bias takes the mean.
          const r = refitAlphaBeta(win, info.weights, spec.codes, info.geometry, { method: spec.method, perChannel: spec.perChannel, mask: spec.mask, target, center: correctBias });
          q = r.q;
          alpha = r.alpha;
          beta = r.beta;
        }
        if (correctBias && info.bias) {
          shift = biasCorrection(win, info.weights, q, info.geometry, target);
          bias = Float32Array.from(info.bias, (b, o) => b + shift![o]);
        }
      }
      out[ref.info.name] = { q, alpha, beta, biasShift: shift, bias };
      if (i + 1 < ordered.length) {
        swap(ref.tensor, q);
        if (bias && info?.biasName) swap(m.proto.graph!.initializer.find((t) => t.name === info.biasName)!, bias);
      }
    }
  } finally {
    for (const s of saved.reverse()) {
      Object.assign(s.t, s.snap);
      if (s.ext) m.external.set(s.t, s.ext);
    }
  }
  return out;
}
