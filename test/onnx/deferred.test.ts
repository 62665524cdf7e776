// loadModelDeferred leaves large raw_data in the file. Everything read through it must equal the
// plain load: tensor bytes and floats, saved files byte for byte, compress outputs byte for byte;
// a file changed after the load is refused; bad files get the plain loader's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equals } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType as DataType } from 'onnx-buf';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphTensors, loadModel, loadModelDeferred, saveModel, setInline, storedBytes, tensorFloat32, tensorRawBytes } from '../../src/engine/onnx/model';
import { compressLoaded, defaultSettings } from '../../src/engine/compress';
import { SbnnError } from '../../src/engine/errors';
import { externalDataModel, FACTORIES, REAL_MODELS, writeBuilt } from '../helpers/models';
import { refusalCases } from './refusalCases';
import type { CompressSettings } from '../../src/shared/report';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sbnn-deferred-'));

const cases = (): [string, string][] => [
  ...REAL_MODELS.map((p): [string, string] => [p.split('/').pop()!, p]),
  ...Object.entries(FACTORIES).map(([name, make]): [string, string] => [name, writeBuilt(make().model)]),
  ['externalData', externalDataModel().path],
  ['unknown fields', withUnknownField()],
];

/** The det model with a field no ONNX schema knows appended (field 1000, bytes): kept verbatim. */
function withUnknownField(): string {
  const path = join(tmp(), 'unknown.onnx');
  const unknown = Uint8Array.from([0xc2, 0x3e, 12, ...Buffer.from('sbnn-unknown')]);
  writeFileSync(path, Buffer.concat([readFileSync(REAL_MODELS[1]), unknown]));
  return path;
}

test('deferred load reads every tensor as the plain load does, and saves the same bytes', () => {
  let deferredTensors = 0;
  for (const [name, path] of cases()) {
    const eager = loadModel(path);
    const lazy = loadModelDeferred(path, 16);
    assert.equal(lazy.sizeBytes, eager.sizeBytes, name);
    const a = [...graphTensors(eager.proto.graph!)];
    const b = [...graphTensors(lazy.proto.graph!)];
    assert.equal(b.length, a.length, name);
    for (let i = 0; i < a.length; i++) {
      assert.equal(b[i].name, a[i].name, name);
      assert.equal(storedBytes(lazy, b[i]), storedBytes(eager, a[i]), `${name} ${a[i].name}`);
      const raw = (x: Uint8Array | null): Uint8Array | null => (x ? new Uint8Array(x) : null);
      assert.deepEqual(raw(tensorRawBytes(lazy, b[i])), raw(tensorRawBytes(eager, a[i])), `${name} ${a[i].name}`);
      if (a[i].dataType === DataType.FLOAT) {
        const alloc = (n: number): Float32Array => new Float32Array(n);
        assert.deepEqual(tensorFloat32(lazy, b[i], alloc), tensorFloat32(eager, a[i]), `${name} ${a[i].name}`);
      }
    }
    deferredTensors += lazy.deferred.size;
    // Same file name (an external data file is named after it), different folders.
    const outA = join(tmp(), 'saved.onnx');
    const outB = join(tmp(), 'saved.onnx');
    saveModel(eager, outA);
    saveModel(lazy, outB);
    assert.ok(readFileSync(outA).equals(readFileSync(outB)), `${name}: saved bytes differ`);
    // The deferred model is unchanged by the save; with its data put back it equals the plain one.
    for (const [t] of lazy.deferred) assert.equal(t.rawData.length, 0);
    for (const t of lazy.deferred.keys()) setInline(t, tensorRawBytes(lazy, t)!);
    assert.ok(equals(ModelProtoSchema, lazy.proto, eager.proto), name);
  }
  assert.ok(deferredTensors > 100, `${deferredTensors} tensors deferred`);
});

test('compress from a deferred load writes the same ONNX, packed file and report as from a plain load', () => {
  const settings: CompressSettings[] = [
    { ...defaultSettings(), method: 'sbnn', ones: 0.1 },
    { ...defaultSettings(), budget: 2, ones: null },
    // Unmatched layers keep their weights: those are copied from the file into the output.
    { ...defaultSettings(), method: 'sbnn', ones: 0.2, layers: 'p2o.Conv.1*' },
    { ...defaultSettings(), method: 'int4', perChannel: true, prune: 'magnitude:0.3' },
  ];
  for (const path of REAL_MODELS.slice(0, 2)) {
    for (const s of settings) {
      const files = [loadModel(path), loadModelDeferred(path, 1024)].map((m, k) => {
        const dir = tmp();
        const out = { onnx: join(dir, 'out.onnx'), packed: join(dir, 'out.sbnn'), report: join(dir, 'out.json') };
        compressLoaded(m, s).write(out);
        return [out.onnx, out.packed, out.report].map((f) => readFileSync(f));
      });
      for (let i = 0; i < 3; i++) assert.ok(files[0][i].equals(files[1][i]), `${path} ${JSON.stringify(s)} output ${i}`);
    }
  }
});

test('a model file changed after a deferred load is refused, not mixed into the output', () => {
  const path = join(tmp(), 'model.onnx');
  copyFileSync(REAL_MODELS[0], path);
  const m = loadModelDeferred(path, 1024);
  const t = [...m.deferred.keys()][0];
  assert.ok(tensorRawBytes(m, t));
  appendFileSync(path, Uint8Array.of(0));
  assert.throws(
    () => tensorRawBytes(m, t),
    (e: unknown) => e instanceof SbnnError && e.message.startsWith(`${path}: `) && /changed on disk since the model was loaded/.test(e.message),
  );
  assert.throws(() => compressLoaded(m, defaultSettings()), /changed on disk/);
});

test('bad files get the same one-line error from the deferred loader as from the plain one', () => {
  for (const c of refusalCases()) {
    let plain = '';
    try {
      loadModel(c.path);
    } catch (e) {
      plain = (e as Error).message;
    }
    assert.throws(
      () => loadModelDeferred(c.path, 16),
      (e: unknown) => e instanceof SbnnError && e.message === plain,
      c.name,
    );
  }
});
