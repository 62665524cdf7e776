// `sbnn validate`: run the original and the compressed model in ONNX Runtime on the same inputs
// (a .npy batch, or generated ones) and compare their outputs.
import type * as ort from 'onnxruntime-node';
import type { ValidationReport } from '../../shared/report';
import { SbnnError } from '../errors';
import { halfToFloat } from '../onnx/dtype';
import { readNpy, type NpyArray } from '../npy';
import { generatedTensor, inputDims, inputMetas, inputType, openSession, resolveShape, runSession, type InputMeta } from '../measure/ortIo';
import { argmaxRow, OutputAccumulator } from './metrics';

export interface ValidateOptions {
  /** .npy path (float32, first axis = samples) or an array already read. Single-input models only. */
  inputs?: string | NpyArray | null;
  /** .npy path of integer class ids, one per sample (or an array already read). */
  labels?: string | NpyArray | null;
  /** Generated samples when no inputs are given (default 16). */
  samples?: number;
  /** Sizes of symbolic input dims (generated inputs; other symbolic dims are 1, the batch axis N). */
  dims?: Record<string, number>;
  /** Largest batch per run when the batch dim is symbolic (default 32). */
  maxBatch?: number;
  onProgress?(done: number, total: number): void;
}

interface Source {
  samples: number;
  generated: boolean;
  /** Feeds for samples [start, start + count), shaped for a batch of `batch` (>= count, padded). */
  feeds(meta: InputMeta[], start: number, count: number, batch: number, file: string): Record<string, ort.Tensor>;
}

const LABEL_TYPES = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64']);

function npySource(arr: NpyArray, file: string, ortMod: typeof ort): Source {
  if (arr.dtype !== 'float32') throw new SbnnError(file, `inputs must be float32, got ${arr.dtype} (convert with x.astype(np.float32))`);
  if (arr.shape.length < 1 || arr.shape[0] < 1) throw new SbnnError(file, `inputs need a first axis of samples, got shape (${arr.shape.join(', ')})`);
  const data = arr.data as Float32Array;
  const per = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    samples: arr.shape[0],
    generated: false,
    feeds(meta, start, count, batch, model) {
      if (meta.length !== 1) throw new SbnnError(model, `model has ${meta.length} inputs (${meta.map((m) => m.name).join(', ')}); --inputs supports single-input models`);
      const m = meta[0];
      if (inputType(m) !== 'float32') throw new SbnnError(model, `input "${m.name}" is ${inputType(m)}; --inputs gives float32`);
      const want = inputDims(m);
      const sample = arr.shape.slice(1);
      const ok = want.length === sample.length + 1 && want.slice(1).every((d, i) => typeof d !== 'number' || d === sample[i]);
      if (!ok) {
        throw new SbnnError(file, `sample shape (${sample.join(', ')}) does not fit input "${m.name}" of ${model} with shape [${want.join(', ')}] (first axis = samples)`);
      }
      const view = data.subarray(start * per, (start + count) * per);
      let values = view;
      if (batch > count) {
        // A fixed batch larger than what is left: pad by repeating the last sample (results dropped).
        values = new Float32Array(batch * per);
        values.set(view);
        for (let i = count; i < batch; i++) values.set(view.subarray((count - 1) * per, count * per), i * per);
      }
      return { [m.name]: new ortMod.Tensor('float32', values, [batch, ...sample]) };
    },
  };
}

function generatedSource(samples: number, dims: Record<string, number>, ortMod: typeof ort): Source {
  return {
    samples,
    generated: true,
    feeds(meta, start, count, batch, model) {
      const feeds: Record<string, ort.Tensor> = {};
      meta.forEach((m, k) => {
        const one = [1, ...resolveShape(m, dims, 1, model).slice(1)];
        // Sample i gets the same values in both models and in any batching: seeded by (i, input).
        const parts = Array.from({ length: batch }, (_, i) => generatedTensor(m, one, 7919 * (start + Math.min(i, count - 1) + 1) + k, model));
        if (batch === 1) {
          feeds[m.name] = parts[0];
          return;
        }
        const per = parts[0].size;
        const first = parts[0].data as Float32Array;
        const all = new (first.constructor as new (n: number) => Float32Array)(per * batch);
        parts.forEach((p, i) => all.set(p.data as Float32Array, i * per));
        feeds[m.name] = new ortMod.Tensor(parts[0].type as 'float32', all, [batch, ...one.slice(1)]);
      });
      return feeds;
    },
  };
}

function readLabels(l: string | NpyArray, samples: number): Int32Array {
  const file = typeof l === 'string' ? l : '--labels';
  const arr = typeof l === 'string' ? readNpy(l) : l;
  if (!LABEL_TYPES.has(arr.dtype)) throw new SbnnError(file, `labels must be integer class ids, got ${arr.dtype}`);
  const n = arr.shape[0] ?? 0;
  if (!(arr.shape.length === 1 || (arr.shape.length === 2 && arr.shape[1] === 1))) throw new SbnnError(file, `labels must have shape (N,) or (N, 1), got (${arr.shape.join(', ')})`);
  if (n !== samples) throw new SbnnError(file, `${n} labels for ${samples} input samples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(arr.data[i]);
  return out;
}

/** Copies the first `n` values of a numeric tensor into `out` at `at` (float16 decoded, int64 as numbers). */
function copyNumeric(t: ort.Tensor, n: number, out: Float64Array, at: number, name: string, file: string): void {
  const d = t.data;
  switch (t.type) {
    case 'float32':
    case 'float64':
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'bool':
      out.set((d as Float32Array).subarray(0, n), at);
      return;
    case 'float16': {
      const h = d as Uint16Array;
      for (let i = 0; i < n; i++) out[at + i] = halfToFloat(h[i]);
      return;
    }
    case 'int64':
    case 'uint64': {
      const b = d as BigInt64Array;
      for (let i = 0; i < n; i++) out[at + i] = Number(b[i]);
      return;
    }
    default:
      throw new SbnnError(file, `output "${name}" is ${t.type}; validation compares numeric outputs`);
  }
}

/** Batch size for a model: the fixed first dim, else up to maxBatch when the first dim is symbolic. */
function batchPlan(meta: InputMeta[], maxBatch: number): { fixed: boolean; size: number } {
  const first = meta.map((m) => inputDims(m)[0]);
  if (first.some((d) => d === undefined)) return { fixed: true, size: 1 };
  const fixed = first.filter((d): d is number => typeof d === 'number');
  if (fixed.length) return { fixed: true, size: fixed[0] };
  return { fixed: false, size: maxBatch };
}

export async function validateModels(original: string, compressed: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const ortMod = await import('onnxruntime-node');
  const inputFile = typeof opts.inputs === 'string' ? opts.inputs : '--inputs';
  const source = opts.inputs
    ? npySource(typeof opts.inputs === 'string' ? readNpy(opts.inputs) : opts.inputs, inputFile, ortMod)
    : generatedSource(Math.max(1, Math.floor(opts.samples ?? 16)), opts.dims ?? {}, ortMod);
  const labels = opts.labels ? readLabels(opts.labels, source.samples) : null;

  const so: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  const sa = await openSession(original, original, so);
  const sb = await openSession(compressed, compressed, so);
  try {
    const ma = inputMetas(sa);
    const mb = inputMetas(sb);
    const namesA = ma.map((m) => m.name).join(', ');
    if (namesA !== mb.map((m) => m.name).join(', ')) throw new SbnnError(compressed, `inputs (${mb.map((m) => m.name).join(', ')}) differ from the original's (${namesA})`);
    const outs = sa.outputNames;
    const missing = outs.filter((o) => !sb.outputNames.includes(o));
    if (missing.length) throw new SbnnError(compressed, `missing outputs of the original: ${missing.join(', ')}`);

    const planA = batchPlan(ma, Math.max(1, opts.maxBatch ?? 32));
    const planB = batchPlan(mb, Math.max(1, opts.maxBatch ?? 32));
    // One step covers samples both models can take at once.
    const step = Math.min(planA.fixed ? planA.size : Infinity, planB.fixed ? planB.size : Infinity, Math.max(1, opts.maxBatch ?? 32));
    const acc = new Map(outs.map((o) => [o, new OutputAccumulator()]));
    let classifier: string | null = null;
    let agree = 0;
    let correctA = 0;
    let correctB = 0;

    for (let start = 0; start < source.samples; start += step) {
      const count = Math.min(step, source.samples - start);
      const run = async (s: ort.InferenceSession, meta: InputMeta[], plan: { fixed: boolean; size: number }, file: string) => {
        const batch = plan.fixed ? plan.size : count;
        const results: Record<string, ort.Tensor>[] = [];
        // A fixed batch smaller than the step (e.g. 1): run the step's samples in pieces.
        for (let off = 0; off < count; off += batch) {
          const n = Math.min(batch, count - off);
          results.push(await runSession(s, source.feeds(meta, start + off, n, batch, file), file));
        }
        return { results, batch };
      };
      const ra = await run(sa, ma, planA, original);
      const rb = await run(sb, mb, planB, compressed);
      for (const o of outs) {
        const a = ra.results.map((r) => r[o]);
        const b = rb.results.map((r) => r[o]);
        // Per-sample values: a batch tensor holds `batch` samples along axis 0; padding is dropped.
        const take = (ts: ort.Tensor[], batch: number, file: string): { data: Float64Array; perSample: number; dims: readonly number[] } => {
          const dims = ts[0].dims;
          const per = dims.length && dims[0] === batch ? ts[0].size / batch : ts[0].size;
          const data = new Float64Array(per * count);
          let k = 0;
          for (const t of ts) {
            const n = Math.min(count - k, dims.length && dims[0] === batch ? batch : 1);
            copyNumeric(t, n * per, data, k * per, o, file);
            k += n;
          }
          return { data, perSample: per, dims };
        };
        const va = take(a, ra.batch, original);
        const vb = take(b, rb.batch, compressed);
        if (va.perSample !== vb.perSample) {
          throw new SbnnError(compressed, `output "${o}" has ${vb.perSample} values per sample, the original ${va.perSample}`);
        }
        acc.get(o)!.add(va.data, vb.data);
        // Classifier-shaped: [N, C] with C >= 2 -> top-1 agreement (and accuracy with labels).
        const isClassifier = va.dims.length === 2 && va.perSample >= 2;
        if (isClassifier && (classifier === null || classifier === o)) {
          classifier = o;
          for (let i = 0; i < count; i++) {
            const pa = argmaxRow(va.data, i, va.perSample);
            const pb = argmaxRow(vb.data, i, vb.perSample);
            if (pa === pb) agree++;
            if (labels) {
              if (pa === labels[start + i]) correctA++;
              if (pb === labels[start + i]) correctB++;
            }
          }
        }
      }
      opts.onProgress?.(start + count, source.samples);
    }
    if (labels && classifier === null) {
      throw new SbnnError(typeof opts.labels === 'string' ? opts.labels : original, 'labels given, but the model has no classifier-shaped output [N, C]');
    }
    const n = source.samples;
    return {
      samples: n,
      generatedInputs: source.generated,
      outputs: outs.map((o) => {
        const a = acc.get(o)!;
        return { name: o, cosine: a.cosine, sqnrDb: a.sqnrDb, maxAbsError: a.maxAbsError };
      }),
      top1Agreement: classifier ? agree / n : null,
      accuracy: classifier && labels ? correctB / n : null,
      accuracyOriginal: classifier && labels ? correctA / n : null,
    };
  } finally {
    await sa.release();
    await sb.release();
  }
}
