// calibrateSequential (the engine entry for `--calib`) reproduces the MNIST pipeline's sequential
// refit + bias calibration exactly, leaves the loaded model untouched, and beats the one-pass
// (original-inputs) calibration of prepareCalibration on held-out digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { calibrateLayerWeights, calibrateSequential, prepareCalibration } from '../../src/engine/calib';
import { listLayers } from '../../src/engine/inventory';
import { loadModel, setTensorFloat32, tensorFloat32 } from '../../src/engine/onnx/model';
import { quantize } from '../../src/engine/quantize';
import { mnistFixture } from '../helpers/mnist';
import { calibBatch, compressVariant, score, WINDOW_OPTS, writeTestSet } from './pipeline';

const fx = mnistFixture();
const set = writeTestSet(fx);

test('sequential calibration: same model as the pipeline, model restored, better than one-pass', async (t) => {
  const m = loadModel(fx.model);
  const before = toBinary(ModelProtoSchema, m.proto);
  const refs = listLayers(m);
  const specs = refs.map((r) => {
    const w = tensorFloat32(m, r.tensor);
    const qr = quantize(w, 'sbnn', { ones: 0.1, perChannel: { shape: r.info.shape, axis: r.info.outChannelAxis } });
    return { name: r.info.name, method: 'sbnn' as const, q: qr.q, codes: qr.codes, perChannel: true, w };
  });
  const res = await calibrateSequential(m, specs, calibBatch(fx), WINDOW_OPTS);
  assert.deepEqual(toBinary(ModelProtoSchema, m.proto), before, 'model restored');
  const apply = (get: (name: string) => { q: Float32Array; bias: Float32Array | null }) => {
    const mm = loadModel(fx.model);
    for (const r of listLayers(mm)) {
      const c = get(r.info.name);
      setTensorFloat32(r.tensor, c.q);
      const biasName = r.node.input[2];
      if (c.bias && biasName) setTensorFloat32(mm.proto.graph!.initializer.find((x) => x.name === biasName)!, c.bias);
    }
    const p = join(fx.dir, `seq-${process.pid}.onnx`);
    writeFileSync(p, toBinary(ModelProtoSchema, mm.proto));
    return p;
  };
  const seq = await score(fx, apply((n) => res[n]), set);
  const pipeline = await score(fx, await compressVariant(fx, { method: 'sbnn', ones: 0.1 }, 'refit+bias', join(fx.dir, `pipe-${process.pid}.onnx`)), set);
  assert.deepEqual(seq, pipeline);
  // One pass on the original inputs (prepareCalibration + calibrateLayerWeights).
  const prep = await prepareCalibration(fx.model, calibBatch(fx), WINDOW_OPTS);
  const onePass = await score(
    fx,
    apply((n) => {
      const s = specs.find((x) => x.name === n)!;
      const c = calibrateLayerWeights(prep, n, s.w, s.codes, 'sbnn', { perChannel: true })!;
      const bias = listLayers(m).find((r) => r.info.name === n)!.node.input[2];
      const b = bias ? tensorFloat32(m, m.proto.graph!.initializer.find((x) => x.name === bias)!) : null;
      return { q: c.q, bias: b && c.biasShift ? Float32Array.from(b, (v, o) => v + c.biasShift![o]) : null };
    }),
    set,
  );
  const plain = await score(fx, await compressVariant(fx, { method: 'sbnn', ones: 0.1 }, 'none', join(fx.dir, `pipe-${process.pid}.onnx`)), set);
  t.diagnostic(`sbnn p=0.1 per channel: plain ${(100 * plain.accuracy!).toFixed(1)} %, one-pass calibration ${(100 * onePass.accuracy!).toFixed(1)} %, sequential ${(100 * seq.accuracy!).toFixed(1)} % (logits SQNR ${plain.outputs[0].sqnrDb.toFixed(2)} / ${onePass.outputs[0].sqnrDb.toFixed(2)} / ${seq.outputs[0].sqnrDb.toFixed(2)} dB)`);
  assert.ok(onePass.accuracy! > plain.accuracy! && onePass.outputs[0].sqnrDb > plain.outputs[0].sqnrDb);
  assert.ok(seq.accuracy! > onePass.accuracy! && seq.outputs[0].sqnrDb > onePass.outputs[0].sqnrDb);
});
