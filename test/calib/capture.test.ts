// captureLayerInputs: the captured tensors equal what ONNX Runtime computes for those tensors in a
// truncated copy of the model; fixed and symbolic batch dims agree; bad requests fail clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { calibLayer, captureLayerInputs, layerWindows, refitAlphaBeta, convGeometry } from '../../src/engine/calib';
import { listLayers } from '../../src/engine/inventory';
import { loadModel } from '../../src/engine/onnx/model';
import { SbnnError } from '../../src/engine/errors';
import { mulberry32 } from '../../src/engine/rng';

const dir = mkdtempSync(join(tmpdir(), 'sbnn-cap-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const r = mulberry32(9);
const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
const W1 = rand(4 * 2 * 9);
const B1 = rand(4);
const W2 = rand(3 * 4 * 9);
const W3 = rand(3 * 5 * 5 * 2);

function net(batch: number | string, upTo: 'all' | 'a1' | 'f' = 'all'): Uint8Array {
  const nodes = [
    node('Conv', ['x', 'w1', 'b1'], ['h1'], { pads: [1, 1, 1, 1] }, 'c1'),
    node('Relu', ['h1'], ['a1']),
    node('Conv', ['a1', 'w2'], ['h2'], { strides: [2, 2], pads: [1, 1, 1, 1] }, 'c2'),
    node('Flatten', ['h2'], ['f'], { axis: 1 }),
    node('MatMul', ['f', 'w3'], ['y'], {}, 'fc'),
  ];
  const out = upTo === 'all' ? valueInfo('y', [batch, 2]) : upTo === 'a1' ? valueInfo('a1', [batch, 4, 9, 9]) : valueInfo('f', [batch, 75]);
  const keep = upTo === 'all' ? 5 : upTo === 'a1' ? 2 : 4;
  return encodeModel(model(graph({ nodes: nodes.slice(0, keep), inputs: [valueInfo('x', [batch, 2, 9, 9])], outputs: [out], initializers: [floatTensor('w1', [4, 2, 3, 3], W1), floatTensor('b1', [4], B1), floatTensor('w2', [3, 4, 3, 3], W2), ...(keep === 5 ? [floatTensor('w3', [75, 2], W3)] : [])] })));
}

const N = 5;
const X = rand(N * 2 * 81);
const calib = { data: X, shape: [N, 2, 9, 9] };

test('captured layer inputs equal the truncated model outputs', async () => {
  const p = join(dir, 'net.onnx');
  writeFileSync(p, net('N'));
  const cap = await captureLayerInputs(p, ['c1', 'c2', 'fc'], calib, { maxBatch: 2 });
  assert.deepEqual(cap.c1.shape, [N, 2, 9, 9]);
  assert.deepEqual(Array.from(cap.c1.data), Array.from(X));
  for (const [layer, upTo, shape] of [['c2', 'a1', [N, 4, 9, 9]], ['fc', 'f', [N, 75]]] as const) {
    // Same ORT settings as the capture (no graph optimization): bit-identical kernels.
    const s = await ort.InferenceSession.create(net('N', upTo), { graphOptimizationLevel: 'disabled' });
    const ref = (await s.run({ x: new ort.Tensor('float32', X, [N, 2, 9, 9]) }))[upTo];
    assert.deepEqual(cap[layer].shape, shape);
    assert.deepEqual(Array.from(cap[layer].data), Array.from(ref.data as Float32Array), layer);
  }
  // A fixed batch of 1 runs sample by sample with the same result.
  const p1 = join(dir, 'net1.onnx');
  writeFileSync(p1, net(1));
  const one = await captureLayerInputs(p1, ['c2'], calib);
  assert.deepEqual(one.c2, cap.c2);
  // calibLayer reads geometry, weights and bias from the inventory layer.
  const m = loadModel(p);
  const [c1, c2, fc] = listLayers(m).map((ref) => calibLayer(m, ref));
  assert.deepEqual(c1.geometry, convGeometry([4, 2, 3, 3], { pads: [1, 1, 1, 1] }));
  assert.deepEqual(Array.from(c1.bias!), Array.from(B1));
  assert.equal(c2.bias, null);
  assert.deepEqual(fc.geometry, { kind: 'dense', k: 75, n: 2, layout: 'KN' });
});

test('refit against original-model targets: residual orthogonal to both features', async () => {
  const p = join(dir, 'net.onnx');
  writeFileSync(p, net('N'));
  const cap = await captureLayerInputs(p, ['c2'], calib);
  const g = convGeometry([3, 4, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] });
  const target = layerWindows(cap.c2.data, cap.c2.shape, g, { seed: 2 });
  // Features: a distorted input (as if earlier layers were compressed), same sampling.
  const seen = layerWindows(cap.c2.data.map((v, i) => v * 0.8 + 0.05 * Math.sin(i)), cap.c2.shape, g, { seed: 2 });
  const bits = Uint8Array.from(W2, (v) => (v > 0.2 ? 1 : 0));
  const res = refitAlphaBeta(seen, W2, bits, g, { method: 'sbnn', perChannel: true, target });
  for (let o = 0; o < 3; o++) {
    let gu = 0, gv = 0, scale = 0;
    for (let p2 = 0; p2 < seen.count; p2++) {
      let y = 0, u = 0, v = 0;
      for (let i = 0; i < 36; i++) {
        const x = seen.data[p2 * 36 + i];
        y += target.data[p2 * 36 + i] * W2[o * 36 + i];
        if (bits[o * 36 + i]) u += x;
        else v += x;
      }
      const rr = y - res.alpha[o] * u - res.beta[o] * v;
      gu += rr * u;
      gv += rr * v;
      scale += y * y;
    }
    assert.ok(Math.abs(gu) < 1e-9 * scale && Math.abs(gv) < 1e-9 * scale, `channel ${o}: gradient ${gu}, ${gv}`);
  }
  assert.throws(() => refitAlphaBeta(seen, W2, bits, g, { method: 'sbnn', perChannel: true, target: layerWindows(cap.c2.data, cap.c2.shape, g, { maxWindows: 3 }) }), /target windows/);
});

test('bad capture requests: one clear line', async () => {
  const p = join(dir, 'net.onnx');
  writeFileSync(p, net('N'));
  await assert.rejects(captureLayerInputs(p, ['nope'], calib), (e: unknown) => e instanceof SbnnError && /net\.onnx: no weight layer named "nope"/.test(e.message));
  await assert.rejects(captureLayerInputs(p, ['c2'], { data: new Float32Array(N * 3 * 81), shape: [N, 3, 9, 9] }), /calibration samples of shape \(3, 9, 9\) do not fit input "x" \[N, 2, 9, 9\]/);
});

test('prepareCalibration + calibrateLayerWeights: the two-call path equals the direct functions', async () => {
  const { prepareCalibration, calibrateLayerWeights, layerSensitivity, biasCorrection } = await import('../../src/engine/calib');
  const { writeNpy } = await import('../../src/engine/npy');
  const p = join(dir, 'net.onnx');
  writeFileSync(p, net('N'));
  const x = join(dir, 'calib.npy');
  writeNpy(x, calib.shape, X);
  const prep = await prepareCalibration(p, x, { maxWindows: 64, seed: 4 });
  assert.equal(prep.samples, N);
  assert.deepEqual(Object.keys(prep.layers), ['c1', 'c2', 'fc']);
  assert.deepEqual(prep.skipped, {});
  const cap = await captureLayerInputs(p, ['c1'], calib);
  const g = convGeometry([4, 2, 3, 3], { pads: [1, 1, 1, 1] });
  const win = layerWindows(cap.c1.data, cap.c1.shape, g, { maxWindows: 64, seed: 4 });
  assert.deepEqual(prep.layers.c1.windows, win);
  // A tiny capture budget (one layer per ORT pass) gives the same windows.
  const split = await prepareCalibration(p, x, { maxWindows: 64, seed: 4, maxBytes: 1 });
  assert.deepEqual(split, prep);
  assert.equal(prep.layers.c1.sensitivity, layerSensitivity(win, g));
  assert.equal(prep.layers.c1.biasName, 'b1');
  const bits = Uint8Array.from(W1, (v) => (v > 0 ? 1 : 0));
  const c = calibrateLayerWeights(prep, 'c1', W1, bits, 'sbnn', { perChannel: true })!;
  // c1 has a bias, so the refit fits centered outputs and the bias shift takes the mean.
  const direct = refitAlphaBeta(win, W1, bits, g, { method: 'sbnn', perChannel: true, center: true });
  assert.deepEqual(c.q, direct.q);
  assert.deepEqual(c.biasShift, biasCorrection(win, W1, direct.q, g));
  assert.equal(calibrateLayerWeights(prep, 'c2', W2, bits, 'int8', { perChannel: true }), null);
  assert.equal(calibrateLayerWeights(prep, 'c2', W2, Uint8Array.from(W2, (v) => (v > 0 ? 1 : 0)), 'sbnn', { perChannel: false })!.biasShift, null);
  const f64 = join(dir, 'calib64.npy');
  writeNpy(f64, calib.shape, Float64Array.from(X));
  await assert.rejects(prepareCalibration(p, f64), /calib64\.npy: calibration samples must be float32, got float64/);
});

test('addZeroBias: bias-less Conv gets a zero bias (same outputs), then bias correction can apply', async () => {
  const { addZeroBias, calibrateSequential } = await import('../../src/engine/calib');
  const { encodeWithOutputs } = await import('../../src/engine/shapes');
  const p = join(dir, 'net.onnx');
  writeFileSync(p, net('N'));
  const m = loadModel(p);
  const refs = listLayers(m);
  assert.equal(addZeroBias(m, refs[0]), null, 'c1 has a bias');
  assert.equal(addZeroBias(m, refs[2]), null, 'MatMul takes none');
  const name = addZeroBias(m, refs[1]);
  assert.equal(name, 'w2_bias');
  const run = async (bytes: Uint8Array) => (await (await ort.InferenceSession.create(bytes)).run({ x: new ort.Tensor('float32', X, [N, 2, 9, 9]) })).y.data as Float32Array;
  assert.deepEqual(await run(encodeWithOutputs(m, [])), await run(net('N')));
  const q = W2.map((v) => (v > 0 ? 0.5 : -0.5));
  const res = await calibrateSequential(m, [{ name: 'c2', method: 'int8', q, perChannel: false }], calib, { maxWindows: 1e6 });
  assert.ok(res.c2.biasShift && res.c2.bias);
  // The shift restores each channel's mean output on the calibration data.
  const cap = await captureLayerInputs(p, ['c2'], calib);
  const g = convGeometry([3, 4, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] });
  const win = layerWindows(cap.c2.data, cap.c2.shape, g, { maxWindows: 1e6 });
  for (let o = 0; o < 3; o++) {
    let mw = 0, mq = 0;
    for (let p2 = 0; p2 < win.count; p2++) for (let i = 0; i < 36; i++) {
      mw += win.data[p2 * 36 + i] * W2[o * 36 + i];
      mq += win.data[p2 * 36 + i] * q[o * 36 + i];
    }
    assert.ok(Math.abs(mw / win.count - mq / win.count - res.c2.biasShift![o]) < 1e-9);
    assert.equal(res.c2.bias![o], Math.fround(res.c2.biasShift![o]));
  }
});
