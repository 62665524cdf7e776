import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema } from 'onnx-buf';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';

test('a model ONNX Runtime cannot run still gets its inventory; shapes and MACs are null, with a note', () => {
  const g = graph({
    nodes: [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3] }, 'conv'), node('Mystery', ['y'], ['z'], {}, 'custom', 'com.example')],
    inputs: [valueInfo('x', [1, 2, 8, 8])],
    outputs: [valueInfo('z', [1, 4, 6, 6])],
    initializers: [floatTensor('w', [4, 2, 3, 3], new Float32Array(72).fill(0.5))],
  });
  const m = model(g);
  m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.example', version: 1n }));
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-noshapes-'));
  const path = join(dir, 'custom.onnx');
  writeFileSync(path, encodeModel(m));
  const r = spawnSync(process.execPath, ['dist/cli.js', 'inspect', path, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^sbnn: note: no shapes or MACs: .*custom\.onnx: ONNX Runtime could not run the model/);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.layers.length, 1);
  assert.deepEqual([rep.layers[0].name, rep.layers[0].params, rep.layers[0].macs, rep.layers[0].outputShape], ['conv', 72, null, null]);
});
