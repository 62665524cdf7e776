// load -> save -> load is lossless: proto equality, byte identity on real models, unknown fields
// kept, external data kept external, ORT outputs identical for the original and the saved model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, NodeProtoSchema, TensorProto_DataLocation as DataLocation } from 'onnx-buf';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { graphTensors, loadModel, saveModel, tensorFloat32 } from '../../src/engine/onnx/model';
import { SbnnError } from '../../src/engine/errors';
import { CLS_MODEL, externalDataModel, FACTORIES, REAL_MODELS, values, writeBuilt } from '../helpers/models';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sbnn-rt-'));

test('real PP-OCR models: load -> save is byte-identical and load -> save -> load is equal', () => {
  for (const path of REAL_MODELS) {
    const m = loadModel(path);
    const out = join(tmp(), 'saved.onnx');
    assert.deepEqual(saveModel(m, out), [out]);
    assert.ok(Buffer.compare(readFileSync(out), readFileSync(path)) === 0, `${path}: saved bytes differ`);
    assert.ok(equals(ModelProtoSchema, loadModel(out).proto, m.proto));
  }
});

for (const [name, make] of Object.entries(FACTORIES)) {
  test(`${name}: load -> save -> load is equal`, () => {
    const m = loadModel(writeBuilt(make().model));
    const out = join(tmp(), 'saved.onnx');
    saveModel(m, out);
    const again = loadModel(out);
    assert.ok(equals(ModelProtoSchema, again.proto, m.proto));
    assert.ok(equals(ModelProtoSchema, again.proto, make().model));
  });
}

/** Field 1000, wire type 2 (length-delimited), payload "sbnn-unknown": unknown to every ONNX schema. */
const UNKNOWN_FIELD = Uint8Array.from([0xc2, 0x3e, 12, ...Buffer.from('sbnn-unknown')]);
const contains = (hay: Uint8Array, needle: Uint8Array): boolean => Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0;

test('unknown fields survive load -> save (top level and inside a node)', () => {
  // top level: appended to the model's bytes
  const dir = tmp();
  const src = join(dir, 'unknown.onnx');
  writeFileSync(src, Buffer.concat([readFileSync(CLS_MODEL), UNKNOWN_FIELD]));
  const out = join(dir, 'saved.onnx');
  saveModel(loadModel(src), out);
  const saved = readFileSync(out);
  assert.ok(contains(saved, UNKNOWN_FIELD));
  assert.ok(Buffer.compare(saved, readFileSync(src)) === 0);

  // nested: a node carrying an unknown field
  const n = fromBinary(NodeProtoSchema, Buffer.concat([toBinary(NodeProtoSchema, node('Relu', ['x'], ['y'], {}, 'relu')), UNKNOWN_FIELD]));
  const g = graph({ nodes: [n], inputs: [valueInfo('x', [2])], outputs: [valueInfo('y', [2])] });
  const nestedSrc = join(dir, 'nested.onnx');
  writeFileSync(nestedSrc, encodeModel(model(g)));
  assert.ok(contains(readFileSync(nestedSrc), UNKNOWN_FIELD), 'the writer itself keeps the unknown field');
  const nestedOut = join(dir, 'nested_saved.onnx');
  saveModel(loadModel(nestedSrc), nestedOut);
  assert.ok(contains(readFileSync(nestedOut), UNKNOWN_FIELD));
});

test('external data stays external on save and reads back the same values', () => {
  const e = externalDataModel();
  const m = loadModel(e.path);
  const ext = [...graphTensors(m.proto.graph!)].filter((t) => t.dataLocation === DataLocation.EXTERNAL).map((t) => t.name);
  assert.deepEqual(ext.sort(), ['W1', 'W2'], 'the 2 KiB weights went external, the small biases stayed inline');
  const outDir = tmp();
  const out = join(outDir, 'copy.onnx');
  assert.deepEqual(saveModel(m, out).sort(), [out, `${out}.data`].sort());
  const again = loadModel(out);
  for (const t of graphTensors(again.proto.graph!)) {
    assert.equal(t.dataLocation === DataLocation.EXTERNAL, ext.includes(t.name), t.name);
    if (t.dataLocation === DataLocation.EXTERNAL) {
      assert.equal(t.rawData.length, 0);
      assert.equal(t.externalData.find((kv) => kv.key === 'location')?.value, 'copy.onnx.data');
    }
  }
  // Values: same as the in-memory original built by the factory.
  const orig = new Map([...graphTensors(e.model.graph!)].map((t) => [t.name, t]));
  for (const t of graphTensors(again.proto.graph!)) {
    assert.deepEqual(tensorFloat32(again, t), new Float32Array(orig.get(t.name)!.rawData.buffer.slice(0)), t.name);
  }
  assert.ok(readFileSync(out).length < 1024);
});

test("externalData 'never' inlines external tensors; 'always' moves inline ones out", () => {
  const e = externalDataModel();
  const out = join(tmp(), 'inline.onnx');
  assert.deepEqual(saveModel(loadModel(e.path), out, { externalData: 'never' }), [out]);
  const inl = loadModel(out);
  assert.equal(inl.external.size, 0);
  assert.ok(equals(ModelProtoSchema, inl.proto, e.model), 'inlined model equals the original built model');
});

async function run(pathOrBytes: string | Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = typeof pathOrBytes === 'string' ? await ort.InferenceSession.create(pathOrBytes) : await ort.InferenceSession.create(pathOrBytes);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

function assertSameOutputs(a: Record<string, ort.Tensor>, b: Record<string, ort.Tensor>): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    assert.deepEqual(a[k].dims, b[k].dims);
    assert.deepEqual(a[k].data, b[k].data, `output ${k}`);
  }
}

test('ORT: the real cls model and its saved copy give identical outputs', async () => {
  const out = join(tmp(), 'cls.onnx');
  saveModel(loadModel(CLS_MODEL), out);
  const feeds = { x: new ort.Tensor('float32', values(3 * 48 * 192, 7), [1, 3, 48, 192]) };
  const a = await run(CLS_MODEL, feeds);
  const b = await run(out, feeds);
  assertSameOutputs(a, b);
  const y = a[Object.keys(a)[0]].data as Float32Array;
  assert.ok(y.every(Number.isFinite) && y.some((v) => v !== 0));
});

test('ORT: built models and their saved copies (inline and external) give identical outputs', async () => {
  const feedsFor: Record<string, () => Record<string, ort.Tensor>> = {
    convNet: () => ({ x: new ort.Tensor('float32', values(2 * 4 * 64, 1), [2, 4, 8, 8]) }),
    gemmMlp: () => ({ x: new ort.Tensor('float32', values(3 * 16, 2), [3, 16]) }),
    attentionBlock: () => ({ x: new ort.Tensor('float32', values(2 * 5 * 16, 3), [2, 5, 16]) }),
    ifBranchModel: () => ({ x: new ort.Tensor('float32', values(32, 4), [1, 2, 4, 4]), cond: new ort.Tensor('bool', Uint8Array.from([1]), []) }),
    constantNodeModel: () => ({ x: new ort.Tensor('float32', values(12, 5), [2, 6]) }),
    sharedWeightModel: () => ({ x: new ort.Tensor('float32', values(8, 6), [1, 8]) }),
    dequantModel: () => ({ x: new ort.Tensor('float32', values(4, 7), [1, 4]) }),
    qlinearConvModel: () => ({ x: new ort.Tensor('float32', values(50, 8), [1, 2, 5, 5]) }),
    float16Model: () => ({ x: new ort.Tensor('float16', Uint16Array.from({ length: 48 }, (_, i) => 0x3c00 + i * 8), [1, 3, 4, 4]) }),
  };
  assert.deepEqual(Object.keys(feedsFor).sort(), Object.keys(FACTORIES).sort());
  for (const [name, make] of Object.entries(FACTORIES)) {
    const src = writeBuilt(make().model);
    const out = join(tmp(), 'saved.onnx');
    saveModel(loadModel(src), out);
    assertSameOutputs(await run(src, feedsFor[name]()), await run(out, feedsFor[name]()));
  }
  const e = externalDataModel();
  const inline = writeBuilt(e.model);
  const out = join(tmp(), 'ext_copy.onnx');
  saveModel(loadModel(e.path), out);
  const a = await run(inline, feedsFor.gemmMlp());
  assertSameOutputs(a, await run(e.path, feedsFor.gemmMlp()));
  assertSameOutputs(a, await run(out, feedsFor.gemmMlp()));
});

test('saveModel refuses to overwrite its input or its external data', () => {
  const e = externalDataModel();
  const m = loadModel(e.path);
  const before = readFileSync(e.path);
  assert.throws(() => saveModel(m, e.path), (err: unknown) => err instanceof SbnnError && /overwrite/.test(err.message));
  assert.throws(() => saveModel(m, e.dataPath), (err: unknown) => err instanceof SbnnError && /overwrite/.test(err.message));
  // Saving as "mlp_ext.onnx" in another spelling of the same folder is still the input.
  assert.throws(() => saveModel(m, join(e.dir, '.', 'mlp_ext.onnx')), SbnnError);
  assert.ok(Buffer.compare(readFileSync(e.path), before) === 0);
  assert.deepEqual(readdirSync(e.dir).sort(), ['mlp_ext.onnx', 'mlp_ext.onnx.data', 'mlp_src.onnx']);
});

test('saveModel is atomic: a failed save leaves no output and no temp file', () => {
  const e = externalDataModel();
  const dir = tmp();
  // The data file's target is a folder: its rename must fail, and the model must not appear either.
  mkdirSync(join(dir, 'out.onnx.data'));
  assert.throws(() => saveModel(loadModel(e.path), join(dir, 'out.onnx')));
  assert.deepEqual(readdirSync(dir), ['out.onnx.data']);
  assert.equal(existsSync(join(dir, 'out.onnx')), false);
  // Into a missing folder: nothing anywhere.
  assert.throws(() => saveModel(loadModel(e.path), join(dir, 'missing', 'x.onnx')));
  assert.deepEqual(readdirSync(dir), ['out.onnx.data']);
});

test('saving or running the shape pass leaves the in-memory model unchanged (field presence too)', async () => {
  const { measureShapes } = await import('../../src/engine/shapes');
  const { listLayers } = await import('../../src/engine/inventory');
  const e = externalDataModel();
  const m = loadModel(e.path);
  const before = toBinary(ModelProtoSchema, m.proto);
  const dir = tmp();
  saveModel(m, join(dir, 'a.onnx'));
  saveModel(m, join(dir, 'b.onnx'), { externalData: 'never' });
  await measureShapes(m, listLayers(m), { batch: 2 });
  assert.ok(Buffer.compare(toBinary(ModelProtoSchema, m.proto), before) === 0);
  const dir2 = tmp(); // same file name, so the stored location is the same
  saveModel(m, join(dir2, 'a.onnx'));
  assert.ok(Buffer.compare(readFileSync(join(dir, 'a.onnx')), readFileSync(join(dir2, 'a.onnx'))) === 0);
  assert.ok(Buffer.compare(readFileSync(join(dir, 'a.onnx.data')), readFileSync(join(dir2, 'a.onnx.data'))) === 0);
  // An inline model saved with 'always' and then 'never' is back to its original bytes.
  const src = writeBuilt(FACTORIES.convNet().model);
  const inl = loadModel(src);
  saveModel(inl, join(dir, 'ext.onnx'), { externalData: 'always' });
  saveModel(inl, join(dir, 'back.onnx'), { externalData: 'never' });
  assert.ok(Buffer.compare(readFileSync(join(dir, 'back.onnx')), readFileSync(src)) === 0);
  assert.ok(readFileSync(join(dir, 'ext.onnx')).length < readFileSync(src).length / 2);
});

test("ORT: the real cls model saved with externalData 'always' (Constant-node weights go external) gives identical outputs", async () => {
  const dir = tmp();
  const out = join(dir, 'cls_ext.onnx');
  assert.deepEqual(saveModel(loadModel(CLS_MODEL), out, { externalData: 'always' }), [out, `${out}.data`]);
  const m = loadModel(out);
  const constNodeExternal = m.proto.graph!.node.filter((n) => n.opType === 'Constant' && n.attribute[0].t?.dataLocation === DataLocation.EXTERNAL);
  assert.ok(constNodeExternal.length > 10, `${constNodeExternal.length} Constant tensors external`);
  const feeds = { x: new ort.Tensor('float32', values(3 * 48 * 192, 11), [1, 3, 48, 192]) };
  assertSameOutputs(await run(CLS_MODEL, feeds), await run(out, feeds));
  // And back: inlined again, the model is byte-identical to the original.
  const back = join(dir, 'cls_back.onnx');
  saveModel(m, back, { externalData: 'never' });
  assert.ok(Buffer.compare(readFileSync(back), readFileSync(CLS_MODEL)) === 0);
});
