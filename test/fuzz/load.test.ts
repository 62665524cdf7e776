// Fuzz: >= 2,000 seeded mutations of the real PP-OCR models (and a model with external data)
// through load + inventory. Each case loads or fails with an SbnnError (one line naming the file);
// no hang (a watchdog stops a case that takes over 10 s), no other exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { externalDataModel, REAL_MODELS } from '../helpers/models';
import type { FuzzJob, FuzzMessage } from './fuzzWorker';

const CASE_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 60_000;

interface Summary {
  loaded: number;
  refused: number;
  bad: { index: number; kind: string; what: string; error: string }[];
  byKind: Record<string, { loaded: number; refused: number }>;
  lengthFields: number;
}

function runFuzz(job: FuzzJob): Promise<Summary> {
  return new Promise((resolve, reject) => {
    // A .ts worker needs tsx registered inside the worker thread first.
    const entry = `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'fuzzWorker.ts'))});`;
    const worker = new Worker(entry, { eval: true, workerData: job });
    const s: Summary = { loaded: 0, refused: 0, bad: [], byKind: {}, lengthFields: 0 };
    let current = 'starting';
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms = CASE_TIMEOUT_MS): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        worker.terminate();
        reject(new Error(`${job.model}: case hung for over ${ms} ms: ${current}`));
      }, ms);
    };
    arm(STARTUP_TIMEOUT_MS); // the worker compiles the engine first (slow on a busy machine)
    worker.on('message', (m: FuzzMessage) => {
      arm();
      if (m.type === 'start') current = `#${m.index} ${m.what}`;
      else if (m.type === 'done') {
        s[m.outcome]++;
        const k = (s.byKind[m.kind] ??= { loaded: 0, refused: 0 });
        k[m.outcome]++;
      } else if (m.type === 'bad') s.bad.push(m);
      else {
        s.lengthFields = m.lengthFields;
        clearTimeout(timer);
        worker.terminate();
        resolve(s);
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// [model, cases, minimum length fields the walker must find]. The last one is the built MLP with
// external data: mutations there hit locations, offsets and lengths of external references.
const plan: [string, number, number][] = [
  [REAL_MODELS[0], 2000, 1000],
  [REAL_MODELS[1], 500, 1000],
  [REAL_MODELS[2], 500, 1000],
  [externalDataModel().path, 500, 20],
];

test(`fuzz: ${plan.reduce((a, [, n]) => a + n, 0)} mutations of the PP-OCR and external-data models load or fail with the clear error`, async () => {
  let total = 0;
  for (const [model, cases, minFields] of plan) {
    const s = await runFuzz({ model, cases, seed: 0x5eed + cases });
    total += s.loaded + s.refused + s.bad.length;
    assert.deepEqual(s.bad.slice(0, 3), [], `${model}: ${s.bad.length} cases failed with another exception`);
    assert.equal(s.loaded + s.refused, cases);
    // The mutations must exercise both outcomes, and the length walker must find the structure.
    assert.ok(s.refused > cases / 4, `${model}: only ${s.refused} refusals`);
    assert.ok(s.loaded > 0, `${model}: no mutation loaded`);
    assert.ok(s.lengthFields >= minFields, `${model}: ${s.lengthFields} length fields`);
    for (const [kind, k] of Object.entries(s.byKind)) assert.ok(k.refused > 0, `${model}: ${kind} never refused`);
    console.log(`${model.split('/').pop()}: ${cases} cases, ${s.loaded} loaded, ${s.refused} refused; ${JSON.stringify(s.byKind)}; ${s.lengthFields} length fields`);
  }
  assert.ok(total >= 2000);
});
