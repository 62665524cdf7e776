// Validation in ONNX Runtime: metrics equal a hand computation of both models' outputs; batching
// (symbolic, fixed 1, fixed 4 with padding) gives the same numbers; bad inputs fail clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { validateModels } from '../../src/engine/validate/validate';
import { OutputAccumulator } from '../../src/engine/validate/metrics';
import { writeNpy } from '../../src/engine/npy';
import { SbnnError } from '../../src/engine/errors';

const dir = mkdtempSync(join(tmpdir(), 'sbnn-val-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// y = x W + b: x [N, 4], W [4, 3]; exactly representable values so float32 sums are exact.
const W0 = [1, -2, 0.5, 0.25, 1, -1, -0.5, 0.75, 2, 1.5, -0.25, 1];
const W1 = [1, -2, 0.5, 0.5, 1, -1, -0.5, 0.75, 1.5, 1.5, -0.25, 1];
const B = [0.5, -0.5, 0];
function gemmModel(file: string, w: number[], batch: number | string, extraInput = false): string {
  const nodes = [node('Gemm', ['x', 'W', 'b'], extraInput ? ['y0'] : ['y'], {}, 'fc')];
  const inputs = [valueInfo('x', [batch, 4])];
  if (extraInput) {
    nodes.push(node('Add', ['y0', 'z'], ['y']));
    inputs.push(valueInfo('z', [batch, 3]));
  }
  const g = graph({ nodes, inputs, outputs: [valueInfo('y', [batch, 3])], initializers: [floatTensor('W', [4, 3], w), floatTensor('b', [3], B)] });
  const p = join(dir, file);
  writeFileSync(p, encodeModel(model(g)));
  return p;
}
const forward = (x: number[], w: number[]) => [0, 1, 2].map((j) => B[j] + [0, 1, 2, 3].reduce((s, k) => s + x[k] * w[k * 3 + j], 0));

const N = 10;
const X = Array.from({ length: N * 4 }, (_, i) => ((i * 7) % 11) / 4 - 1.25);
const xs = Array.from({ length: N }, (_, i) => X.slice(i * 4, i * 4 + 4));
const A = gemmModel('a.onnx', W0, 'N');
const Bm = gemmModel('b.onnx', W1, 'N');
const xPath = join(dir, 'x.npy');
writeNpy(xPath, [N, 4], Float32Array.from(X));
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

test('metrics match a hand computation of both models', async () => {
  const ya = xs.map((x) => forward(x, W0));
  const yb = xs.map((x) => forward(x, W1));
  let dot = 0, na = 0, nb = 0, e2 = 0, mx = 0;
  ya.flat().forEach((a, i) => {
    const b = yb.flat()[i];
    dot += a * b; na += a * a; nb += b * b; e2 += (a - b) ** 2; mx = Math.max(mx, Math.abs(a - b));
  });
  const labels = ya.map(argmax).map((c, i) => (i < 7 ? c : (c + 1) % 3));
  const lPath = join(dir, 'l.npy');
  writeNpy(lPath, [N], BigInt64Array.from(labels.map(BigInt)));
  const r = await validateModels(A, Bm, { inputs: xPath, labels: lPath });
  assert.equal(r.samples, N);
  assert.equal(r.generatedInputs, false);
  assert.equal(r.outputs.length, 1);
  const o = r.outputs[0];
  assert.equal(o.name, 'y');
  assert.ok(Math.abs(o.cosine - dot / Math.sqrt(na * nb)) < 1e-12, `cosine ${o.cosine}`);
  assert.ok(Math.abs(o.sqnrDb - 10 * Math.log10(na / e2)) < 1e-9, `sqnr ${o.sqnrDb}`);
  assert.equal(o.maxAbsError, mx);
  const agree = ya.filter((y, i) => argmax(y) === argmax(yb[i])).length;
  assert.equal(r.top1Agreement, agree / N);
  assert.equal(r.accuracyOriginal, 0.7);
  assert.equal(r.accuracy, yb.filter((y, i) => argmax(y) === labels[i]).length / N);
});

test('batching does not change results: symbolic batch, fixed batch 1, fixed batch 4 (padded)', async () => {
  const ref = await validateModels(A, Bm, { inputs: xPath });
  const small = await validateModels(A, Bm, { inputs: xPath, maxBatch: 3 });
  const one = await validateModels(gemmModel('a1.onnx', W0, 1), gemmModel('b1.onnx', W1, 1), { inputs: xPath });
  const four = await validateModels(gemmModel('a4.onnx', W0, 4), Bm, { inputs: xPath });
  for (const r of [small, one, four]) assert.deepEqual(r, ref);
});

test('generated inputs are said so; identical models agree exactly', async () => {
  const r = await validateModels(A, A, { samples: 5 });
  assert.deepEqual(r, {
    samples: 5,
    generatedInputs: true,
    outputs: [{ name: 'y', cosine: 1, sqnrDb: Infinity, maxAbsError: 0 }],
    top1Agreement: 1,
    accuracy: null,
    accuracyOriginal: null,
  });
  // Same generated values whatever the batching.
  const a = await validateModels(A, Bm, { samples: 7 });
  const b = await validateModels(gemmModel('a1g.onnx', W0, 1), Bm, { samples: 7, maxBatch: 2 });
  assert.deepEqual(a, b);
  // Multi-input models get generated values for every input.
  const m = await validateModels(gemmModel('m1.onnx', W0, 'N', true), gemmModel('m2.onnx', W1, 'N', true), { samples: 3 });
  assert.equal(m.samples, 3);
  assert.ok(m.outputs[0].cosine < 1 && m.outputs[0].cosine > 0.5);
});

test('bad inputs: one clear line naming the file', async () => {
  const expectErr = async (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: unknown) => e instanceof SbnnError && re.test(e.message) && !e.message.includes('\n'));
  const f64 = join(dir, 'f64.npy');
  writeNpy(f64, [N, 4], Float64Array.from(X));
  await expectErr(validateModels(A, Bm, { inputs: f64 }), /f64\.npy: inputs must be float32, got float64/);
  const wrong = join(dir, 'wrong.npy');
  writeNpy(wrong, [N, 5], new Float32Array(N * 5));
  await expectErr(validateModels(A, Bm, { inputs: wrong }), /wrong\.npy: sample shape \(5\) does not fit input "x" of .*a\.onnx with shape \[N, 4\]/);
  const few = join(dir, 'few.npy');
  writeNpy(few, [3], new BigInt64Array(3));
  await expectErr(validateModels(A, Bm, { inputs: xPath, labels: few }), /few\.npy: 3 labels for 10 input samples/);
  const fl = join(dir, 'fl.npy');
  writeNpy(fl, [N], new Float32Array(N));
  await expectErr(validateModels(A, Bm, { inputs: xPath, labels: fl }), /fl\.npy: labels must be integer class ids, got float32/);
  await expectErr(validateModels(gemmModel('m3.onnx', W0, 'N', true), gemmModel('m4.onnx', W1, 'N', true), { inputs: xPath }), /m3\.onnx: model has 2 inputs \(x, z\); --inputs supports single-input models/);
  await expectErr(validateModels(A, gemmModel('m5.onnx', W1, 'N', true), { samples: 2 }), /m5\.onnx: inputs \(x, z\) differ from the original's \(x\)/);
  const junk = join(dir, 'junk.onnx');
  writeFileSync(junk, 'not a model');
  await expectErr(validateModels(A, junk, {}), /junk\.onnx: ONNX Runtime cannot load the model/);
});

test('accumulator: streaming equals one pass; zero outputs', () => {
  const a = [1, 2, 3, -4, 5];
  const b = [1.5, 2, 2, -4, 4];
  const one = new OutputAccumulator();
  one.add(a, b);
  const two = new OutputAccumulator();
  two.add(a.slice(0, 2), b.slice(0, 2));
  two.add(a.slice(2), b.slice(2));
  assert.equal(two.cosine, one.cosine);
  assert.equal(two.sqnrDb, 10 * Math.log10(55 / 2.25));
  assert.equal(two.maxAbsError, 1);
  const z = new OutputAccumulator();
  z.add([0, 0], [0, 0]);
  assert.equal(z.cosine, 1);
});

test('integer outputs (ArgMax, int64) are compared as numbers', async () => {
  const mk = (file: string, w: number[]) => {
    const g = graph({
      nodes: [node('Gemm', ['x', 'W', 'b'], ['y'], {}, 'fc'), node('ArgMax', ['y'], ['c'], { axis: 1, keepdims: 1 })],
      inputs: [valueInfo('x', ['N', 4])],
      outputs: [valueInfo('y', ['N', 3]), valueInfo('c', ['N', 1], 7 /* INT64 */)],
      initializers: [floatTensor('W', [4, 3], w), floatTensor('b', [3], B)],
    });
    const p = join(dir, file);
    writeFileSync(p, encodeModel(model(g)));
    return p;
  };
  const r = await validateModels(mk('ia.onnx', W0), mk('ib.onnx', W1), { inputs: xPath });
  const ca = xs.map((x) => argmax(forward(x, W0)));
  const cb = xs.map((x) => argmax(forward(x, W1)));
  const c = r.outputs.find((o) => o.name === 'c')!;
  assert.equal(c.maxAbsError, Math.max(...ca.map((v, i) => Math.abs(v - cb[i]))));
  const dot = ca.reduce((s, v, i) => s + v * cb[i], 0);
  const na = ca.reduce((s, v) => s + v * v, 0);
  const nb = cb.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(c.cosine - dot / Math.sqrt(na * nb)) < 1e-12);
  // [N, 1] is not classifier-shaped; y [N, 3] is.
  assert.equal(r.top1Agreement, ca.filter((v, i) => v === cb[i]).length / N);
});
