// Reading weights as float32 whatever their stored type, with hand-checked values; views, not
// copies, for aligned float32 raw_data; setTensorFloat32 round trips through save and load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, floatTensor, graph, model, node, rawTensor, valueInfo } from '../../src/engine/onnx/builder';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../../src/engine/onnx/dtype';
import { graphTensors, loadModel, saveModel, setTensorFloat32, tensorFloat32, type LoadedModel } from '../../src/engine/onnx/model';
import { CLS_MODEL, HALF_VALUES, REAL_MODELS, tensor, writeBuilt } from '../helpers/models';
import type { TensorProto } from 'onnx-buf';

const le = (ctor: 'Uint16' | 'Float64' | 'Float32', vals: number[]): Uint8Array => {
  const size = ctor === 'Uint16' ? 2 : ctor === 'Float64' ? 8 : 4;
  const dv = new DataView(new ArrayBuffer(vals.length * size));
  vals.forEach((v, i) => (ctor === 'Uint16' ? dv.setUint16(2 * i, v, true) : ctor === 'Float64' ? dv.setFloat64(8 * i, v, true) : dv.setFloat32(4 * i, v, true)));
  return new Uint8Array(dv.buffer);
};

// bfloat16 bits and their values: the top half of the float32 bits.
const BF16: [number, number][] = [
  [0x3f80, 1],
  [0xc040, -3],
  [0x3ec0, 0.375],
  [0x4049, 3.140625],
  [0x7f80, Infinity],
  [0x0001, 2 ** -133],
];
const DOUBLES = [0.1, -2.5, 1e10, 2 ** -30];

/** One model holding a tensor per storage variant (Identity nodes keep the graph non-empty). */
function tensorsModel(): LoadedModel {
  const ts: TensorProto[] = [
    rawTensor('f16_raw', [6], DataType.FLOAT16, le('Uint16', HALF_VALUES.map(([h]) => h))),
    tensor({ name: 'f16_typed', dims: [6n], dataType: DataType.FLOAT16, int32Data: HALF_VALUES.map(([h]) => h) }),
    rawTensor('bf16_raw', [6], DataType.BFLOAT16, le('Uint16', BF16.map(([h]) => h))),
    tensor({ name: 'bf16_typed', dims: [2n, 3n], dataType: DataType.BFLOAT16, int32Data: BF16.map(([h]) => h) }),
    rawTensor('f64_raw', [4], DataType.DOUBLE, le('Float64', DOUBLES)),
    tensor({ name: 'f64_typed', dims: [4n], dataType: DataType.DOUBLE, doubleData: DOUBLES }),
    tensor({ name: 'f32_typed', dims: [3n], dataType: DataType.FLOAT, floatData: [1.5, -0.25, 3e-8] }),
    rawTensor('i8_raw', [4], DataType.INT8, Uint8Array.from([0x80, 0xff, 0, 0x7f])),
    tensor({ name: 'i8_typed', dims: [4n], dataType: DataType.INT8, int32Data: [-128, -1, 0, 127] }),
    tensor({ name: 'i64_typed', dims: [2n], dataType: DataType.INT64, int64Data: [-5n, 1n << 40n] }),
    floatTensor('f32_raw', [2, 2], [1, -2, 0.5, 1e-3]),
  ];
  const g = graph({
    nodes: ts.map((t) => node('Identity', [t.name], [`${t.name}_out`])),
    inputs: [],
    outputs: ts.map((t) => valueInfo(`${t.name}_out`, t.dims.map(Number), t.dataType)),
    initializers: ts,
  });
  return loadModel(writeBuilt(model(g)));
}

const byName = (m: LoadedModel, name: string): TensorProto => [...graphTensors(m.proto.graph!)].find((t) => t.name === name)!;

test('float16 / bfloat16 / float64 / int8 / int64 / float32, raw and typed: exact values', () => {
  const m = tensorsModel();
  const half = Float32Array.from(HALF_VALUES.map(([, v]) => v));
  assert.deepEqual(tensorFloat32(m, byName(m, 'f16_raw')), half);
  assert.deepEqual(tensorFloat32(m, byName(m, 'f16_typed')), half);
  const bf = Float32Array.from(BF16.map(([, v]) => v));
  assert.deepEqual(tensorFloat32(m, byName(m, 'bf16_raw')), bf);
  assert.deepEqual(tensorFloat32(m, byName(m, 'bf16_typed')), bf);
  const dbl = Float32Array.from(DOUBLES);
  assert.deepEqual(tensorFloat32(m, byName(m, 'f64_raw')), dbl);
  assert.deepEqual(tensorFloat32(m, byName(m, 'f64_typed')), dbl);
  assert.deepEqual(tensorFloat32(m, byName(m, 'f32_typed')), Float32Array.from([1.5, -0.25, 3e-8]));
  assert.deepEqual(tensorFloat32(m, byName(m, 'i8_raw')), Float32Array.from([-128, -1, 0, 127]));
  assert.deepEqual(tensorFloat32(m, byName(m, 'i8_typed')), Float32Array.from([-128, -1, 0, 127]));
  assert.deepEqual(tensorFloat32(m, byName(m, 'i64_typed')), Float32Array.from([-5, 2 ** 40]));
  assert.deepEqual(tensorFloat32(m, byName(m, 'f32_raw')), Float32Array.from([1, -2, 0.5, 1e-3]));
});

test('aligned float32 raw_data is a view into the file buffer; unaligned is a correct copy', () => {
  const m = loadModel(CLS_MODEL);
  let views = 0;
  let copies = 0;
  for (const t of graphTensors(m.proto.graph!)) {
    if (t.dataType !== DataType.FLOAT || t.rawData.length === 0) continue;
    const v = tensorFloat32(m, t);
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    // Brute force: every value equals the little-endian float at its offset.
    for (let i = 0; i < v.length; i++) assert.ok(Object.is(v[i], dv.getFloat32(4 * i, true)), `${t.name}[${i}]`);
    if (t.rawData.byteOffset % 4 === 0) {
      assert.equal(v.buffer, m.bytes.buffer, `${t.name}: aligned data must be a view`);
      assert.equal(v.byteOffset, t.rawData.byteOffset);
      views++;
    } else {
      assert.notEqual(v.buffer, m.bytes.buffer);
      copies++;
    }
  }
  // The real model has both kinds, so both paths are exercised.
  assert.ok(views > 0 && copies > 0, `views ${views}, copies ${copies}`);
});

test('loadModel places the file so that the most float32 raw_data bytes are 4-byte aligned (views)', () => {
  for (const path of REAL_MODELS) {
    const m = loadModel(path);
    const byOffset = [0, 0, 0, 0];
    for (const t of graphTensors(m.proto.graph!)) if (t.dataType === DataType.FLOAT && t.rawData.length > 0) byOffset[t.rawData.byteOffset % 4] += t.rawData.length;
    assert.equal(Math.max(...byOffset), byOffset[0], `${path}: ${byOffset}`);
    assert.equal(m.bytes.length, m.sizeBytes);
    assert.ok(Buffer.compare(m.bytes, readFileSync(path)) === 0, 'the bytes are the file');
  }
});

test('half and bfloat16 conversions: hand values and round-to-nearest-even', () => {
  for (const [h, v] of HALF_VALUES) {
    assert.equal(halfToFloat(h), v);
    assert.equal(floatToHalf(v), h);
  }
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00); // halfway: to even (1.0)
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // halfway: to even (1 + 2^-9)
  assert.equal(floatToHalf(65520), 0x7c00); // rounds past the largest half: infinity
  assert.equal(floatToHalf(-0), 0x8000);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  assert.equal(floatToHalf(2 ** -25), 0x0000); // halfway below the smallest subnormal: to even (0)
  assert.equal(floatToHalf(3 * 2 ** -25), 0x0002);
  for (const [h, v] of BF16) {
    assert.equal(bfloat16ToFloat(h), v);
    assert.equal(floatToBfloat16(v), h);
  }
  assert.equal(floatToBfloat16(1 + 2 ** -8), 0x3f80); // halfway: to even
  assert.equal(floatToBfloat16(1 + 3 * 2 ** -8), 0x3f82);
  assert.ok(Number.isNaN(bfloat16ToFloat(floatToBfloat16(NaN))));
});

test('setTensorFloat32 stores in the original dtype and round trips through save and load', () => {
  const m = tensorsModel();
  const cases: [string, number[]][] = [
    ['f32_raw', [0.1, -7, 2 ** -20, 123456.5]],
    ['f16_raw', [1, -2, 0.5, 0.333251953125, 2 ** -24, 4]],
    ['bf16_typed', [1, -3, 0.375, 3.140625, 2 ** 100, -0.5]],
    ['f64_typed', [0.1, -2.5, 1e10, 2 ** -30]],
  ];
  for (const [name, vals] of cases) setTensorFloat32(byName(m, name), Float32Array.from(vals));
  const out = join(mkdtempSync(join(tmpdir(), 'sbnn-set-')), 'set.onnx');
  saveModel(m, out);
  const again = loadModel(out);
  for (const [name, vals] of cases) {
    const t = byName(again, name);
    assert.equal(t.dataType, byName(m, name).dataType, `${name} keeps its dtype`);
    assert.equal(t.rawData.length, vals.length * { f32_raw: 4, f16_raw: 2, bf16_typed: 2, f64_typed: 8 }[name]!);
    assert.deepEqual(tensorFloat32(again, t), Float32Array.from(vals), name);
  }
  assert.throws(() => setTensorFloat32(byName(m, 'f32_raw'), new Float32Array(3)), /expects 4 values/);
});

test('setTensorFloat32 on an external tensor: saved external ("auto") and inline ("never") with the new values', async () => {
  const { externalDataModel } = await import('../helpers/models');
  const e = externalDataModel();
  const m = loadModel(e.path);
  const w1 = byName(m, 'W1');
  const next = Float32Array.from({ length: 32 * 16 }, (_, i) => i / 8);
  setTensorFloat32(w1, next);
  assert.deepEqual(tensorFloat32(m, w1), next);
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-setext-'));
  saveModel(m, join(dir, 'ext.onnx'));
  saveModel(m, join(dir, 'inl.onnx'), { externalData: 'never' });
  for (const name of ['ext.onnx', 'inl.onnx']) {
    const again = loadModel(join(dir, name));
    assert.equal(again.external.has(byName(again, 'W1')), name === 'ext.onnx');
    assert.deepEqual(tensorFloat32(again, byName(again, 'W1')), next, name);
    assert.deepEqual(tensorFloat32(again, byName(again, 'W2')), tensorFloat32(m, byName(m, 'W2')), name);
  }
});
