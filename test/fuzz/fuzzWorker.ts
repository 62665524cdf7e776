// Runs fuzz cases in a worker thread, posting after each case so the test can stop a hung case.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { SbnnError } from '../../src/engine/errors';
import { inspectTotals, listLayers } from '../../src/engine/inventory';
import { loadModelBytes, tensorFloat32 } from '../../src/engine/onnx/model';
import { lengthFields, mutate, Rng, type MutationKind } from './mutate';

export interface FuzzJob {
  model: string;
  cases: number;
  seed: number;
}

export type FuzzMessage =
  | { type: 'start'; index: number; what: string }
  | { type: 'done'; index: number; kind: MutationKind; outcome: 'loaded' | 'refused' }
  | { type: 'bad'; index: number; kind: MutationKind; what: string; error: string }
  | { type: 'finished'; lengthFields: number };

const { model, cases, seed } = workerData as FuzzJob;
const post = (m: FuzzMessage): void => parentPort!.postMessage(m);
const src = new Uint8Array(readFileSync(model));
const fields = lengthFields(src) ?? [];
if (fields.length === 0) throw new Error(`${model}: no length-delimited fields found`);
const kinds: MutationKind[] = ['truncate', 'flip', 'length', 'length', 'splice'];
const rng = new Rng(seed);
for (let i = 0; i < cases; i++) {
  const kind = kinds[i % kinds.length];
  const { bytes, what } = mutate(src, fields, kind, rng);
  post({ type: 'start', index: i, what: `${kind}: ${what}` });
  try {
    const m = loadModelBytes(model, bytes);
    const layers = listLayers(m);
    inspectTotals(layers.map((l) => l.info), layers);
    for (const l of layers.slice(0, 8)) tensorFloat32(m, l.tensor);
    post({ type: 'done', index: i, kind, outcome: 'loaded' });
  } catch (e) {
    if (e instanceof SbnnError && e.file === model && !e.message.includes('\n')) post({ type: 'done', index: i, kind, outcome: 'refused' });
    else post({ type: 'bad', index: i, kind, what, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) });
  }
}
post({ type: 'finished', lengthFields: fields.length });
