// ONNX Runtime session inputs: resolving symbolic dims and generating seeded inputs, shared by
// the host latency measurement, validation and calibration capture.
import type * as ort from 'onnxruntime-node';
import { SbnnError } from '../errors';
import { mulberry32 } from '../rng';

export type InputMeta = ort.InferenceSession.ValueMetadata;

// Loaded on first use: the native runtime costs start-up time and memory that inventory-only
// commands never need.
let ortModule: typeof ort | null = null;
export function ortLib(): typeof ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ortModule ??= require('onnxruntime-node') as typeof ort);
}

export { mulberry32 };

/** Standard normal samples (Box-Muller over mulberry32). */
export function normalFill(out: Float32Array, seed: number): Float32Array {
  const r = mulberry32(seed);
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Raw dims of an input: numbers, or strings for symbolic dims (negative numbers count as symbolic). */
export function inputDims(meta: InputMeta): (number | string)[] {
  if (!meta.isTensor) return [];
  return meta.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d.length ? d : `?${i}`));
}

/**
 * Concrete shape for an input: symbolic dims from `dims` (by name); otherwise the first axis is
 * `batch` and any other symbolic dim is 1 (as the inventory's shape pass resolves them).
 */
export function resolveShape(meta: InputMeta, dims: Record<string, number>, batch: number, file: string): number[] {
  if (!meta.isTensor) throw new SbnnError(file, `input "${meta.name}" is not a tensor`);
  return inputDims(meta).map((d, axis) => (typeof d === 'number' ? d : (dims[d] ?? (axis === 0 ? batch : 1))));
}

/** Element type of a tensor input (ORT's name, e.g. "float32"). */
export const inputType = (meta: InputMeta): string => (meta.isTensor ? meta.type : 'non-tensor');

/** A generated input: standard normal floats, zeros for integer / bool inputs. */
export function generatedTensor(meta: InputMeta, shape: number[], seed: number, file: string): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (inputType(meta)) {
    case 'float32':
      return new (ortLib().Tensor)('float32', normalFill(new Float32Array(n), seed), shape);
    case 'int64':
      return new (ortLib().Tensor)('int64', new BigInt64Array(n), shape);
    case 'int32':
      return new (ortLib().Tensor)('int32', new Int32Array(n), shape);
    case 'bool':
      return new (ortLib().Tensor)('bool', new Uint8Array(n), shape);
    default:
      throw new SbnnError(file, `input "${meta.name}" has type ${inputType(meta)}; generated inputs support float32, int64, int32, bool`);
  }
}

/** Creates a session, turning ORT's load errors into one SbnnError line. */
export async function openSession(pathOrBytes: string | Uint8Array, file: string, opts: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return typeof pathOrBytes === 'string'
      ? await ortLib().InferenceSession.create(pathOrBytes, opts)
      : await ortLib().InferenceSession.create(pathOrBytes, opts);
  } catch (e) {
    throw new SbnnError(file, `ONNX Runtime cannot load the model: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
}

/** Runs a session, turning ORT's run errors into one SbnnError line. */
export async function runSession(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>, file: string, fetches?: string[]): Promise<Record<string, ort.Tensor>> {
  try {
    return fetches ? await s.run(feeds, fetches) : await s.run(feeds);
  } catch (e) {
    throw new SbnnError(file, `ONNX Runtime run failed: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
}

export function inputMetas(s: ort.InferenceSession): InputMeta[] {
  return s.inputMetadata as InputMeta[];
}
