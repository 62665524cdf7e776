// `compress --calib`: sensitivity-weighted budgets, output refits of binary layers and bias
// correction, through the real compress pipeline, on a real labelled data set (MNIST).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compressModel, defaultSettings } from '../../src/engine/api';
import { writeNpy } from '../../src/engine/npy';
import { mnistFixture } from '../helpers/mnist';
import { calibBatch, score, writeTestSet } from '../mnist/pipeline';
import type { CompressSettings } from '../../src/shared/report';

test('calibration improves fidelity and accuracy of compressed MNIST models', async () => {
  const fx = mnistFixture();
  const set = writeTestSet(fx);
  const calibPath = join(fx.dir, 'calib.npy');
  const cb = calibBatch(fx);
  writeNpy(calibPath, cb.shape, cb.data);
  const float = await score(fx, fx.model, set);
  const rows: string[] = [`float model: accuracy ${(float.accuracyOriginal! * 100).toFixed(2)} %`];
  const variants: [string, Partial<CompressSettings>][] = [
    ['sbnn p=0.1', { method: 'sbnn', ones: 0.1 }],
    ['sbnn p=0.3', { method: 'sbnn', ones: 0.3 }],
    ['bnn', { method: 'bnn' }],
    ['budget 1.0', { budget: 1, ones: null }],
  ];
  let improved = 0;
  for (const [label, s] of variants) {
    const settings = { ...defaultSettings(), keepFirstLast: false, perChannel: true, ...s };
    const plain = await compressModel(fx.model, settings);
    const calibrated = await compressModel(fx.model, settings, { calib: calibPath });
    assert.equal(calibrated.report.settings.calib, calibPath);
    const outPlain = join(fx.dir, `plain-${label.replace(/\W/g, '_')}.onnx`);
    const outCal = join(fx.dir, `calib-${label.replace(/\W/g, '_')}.onnx`);
    plain.write({ onnx: outPlain, force: true });
    calibrated.write({ onnx: outCal, force: true });
    const a = await score(fx, outPlain, set);
    const b = await score(fx, outCal, set);
    rows.push(`${label.padEnd(12)} plain: acc ${(a.accuracy! * 100).toFixed(2)} %  SQNR ${a.outputs[0].sqnrDb.toFixed(2)} dB | calibrated: acc ${(b.accuracy! * 100).toFixed(2)} %  SQNR ${b.outputs[0].sqnrDb.toFixed(2)} dB`);
    // Output fidelity (on held-out digits) must improve with calibration.
    assert.ok(b.outputs[0].sqnrDb > a.outputs[0].sqnrDb, `${label}: SQNR ${b.outputs[0].sqnrDb} <= ${a.outputs[0].sqnrDb}`);
    if (b.accuracy! >= a.accuracy!) improved++;
  }
  console.log(rows.join('\n'));
  assert.equal(improved, variants.length, `accuracy improved in ${improved} of ${variants.length} variants`);
});
