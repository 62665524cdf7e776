import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nonClobberingOutputs, outputStem } from '../../src/host/outputNames';

test('outputStem applies the naming pattern', () => {
  assert.equal(outputStem('/m/model.onnx'), 'model.sbnn');
  assert.equal(outputStem('/m/model.onnx', 'small-${name}'), 'small-model');
  assert.equal(outputStem('/m/model.onnx', 'packed'), 'model.packed');
  assert.equal(outputStem('/m/model.onnx', '../${name}'), '.._model');
  assert.equal(outputStem('/m/model.onnx', '  '), 'model.sbnn');
});

test('nonClobberingOutputs skips any stem whose ONNX, packed or report file exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-names-'));
  const model = join(dir, 'model.onnx');
  writeFileSync(model, 'x');
  assert.deepEqual(nonClobberingOutputs(model), {
    onnx: join(dir, 'model.sbnn.onnx'),
    packed: join(dir, 'model.sbnn.sbnn'),
    report: join(dir, 'model.sbnn.report.json'),
    html: join(dir, 'model.sbnn.report.html'),
  });
  writeFileSync(join(dir, 'model.sbnn.onnx'), 'x');
  assert.equal(nonClobberingOutputs(model).onnx, join(dir, 'model.sbnn-2.onnx'));
  writeFileSync(join(dir, 'model.sbnn-2.report.json'), 'x'); // only the report of set 2 exists
  assert.deepEqual(nonClobberingOutputs(model), {
    onnx: join(dir, 'model.sbnn-3.onnx'),
    packed: join(dir, 'model.sbnn-3.sbnn'),
    report: join(dir, 'model.sbnn-3.report.json'),
    html: join(dir, 'model.sbnn-3.report.html'),
  });
  writeFileSync(join(dir, 'model.sbnn-3.report.html'), 'x'); // only the HTML report of set 3 exists
  assert.equal(nonClobberingOutputs(model).onnx, join(dir, 'model.sbnn-4.onnx'));
  rmSync(dir, { recursive: true });
});
