// Every refusal of issue 2 item 3: an SbnnError whose one-line message names the file and the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataLocation as DataLocation } from 'onnx-buf';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, encodeModel, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { SbnnError } from '../../src/engine/errors';
import { listLayers } from '../../src/engine/inventory';
import { loadModel, tensorFloat32 } from '../../src/engine/onnx/model';
import { tensor, values } from '../helpers/models';
import { refusalCases } from './refusalCases';

for (const c of refusalCases()) {
  test(`refuses ${c.name}`, () => {
    assert.throws(
      () => listLayers(loadModel(c.path)),
      (e: unknown) => {
        assert.ok(e instanceof SbnnError, `not an SbnnError: ${String(e)}`);
        assert.equal(e.file, c.path);
        assert.ok(e.message.startsWith(`${c.path}: `), e.message);
        assert.match(e.detail, c.problem);
        assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
        return true;
      },
    );
  });
}

test('external data through a symlink that stays inside the folder is accepted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-symok-'));
  const vals = values(16, 3);
  writeFileSync(join(dir, 'real.bin'), Buffer.concat([Buffer.alloc(8), Buffer.from(vals.buffer)]));
  symlinkSync(join(dir, 'real.bin'), join(dir, 'link.bin'));
  const t = tensor({
    name: 'W',
    dims: [16n],
    dataType: DataType.FLOAT,
    dataLocation: DataLocation.EXTERNAL,
    externalData: [
      create(StringStringEntryProtoSchema, { key: 'location', value: 'link.bin' }),
      create(StringStringEntryProtoSchema, { key: 'offset', value: '8' }),
    ],
  });
  const path = join(dir, 'ok.onnx');
  writeFileSync(path, encodeModel(model(graph({ nodes: [node('Identity', ['W'], ['y'])], inputs: [], outputs: [valueInfo('y', [16])], initializers: [t] }))));
  const m = loadModel(path);
  assert.deepEqual(tensorFloat32(m, m.proto.graph!.initializer[0]), vals);
});

test('ONNX files that do not start with ir_version are still ONNX (any ModelProto field may come first)', () => {
  const base = encodeModel(model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', [2])], outputs: [valueInfo('y', [2])] })));
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-first-'));
  // producer_name (field 2), doc_string (field 6), then the metadata_props (field 14) entry.
  for (const [name, prefix] of [
    ['producer.onnx', [0x12, 1, 0x61]],
    ['doc.onnx', [0x32, 2, 0x68, 0x69]],
    ['meta.onnx', [0x72, 4, 0x0a, 0x00, 0x12, 0x00]],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([Buffer.from(prefix), base]));
    assert.equal(loadModel(path).proto.graph!.node[0].opType, 'Relu', name);
  }
});
