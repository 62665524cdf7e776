// Inventory and I/O edge cases found while testing: repeated node names, vector MatMul operands,
// non-numeric "weights", sub-byte and complex tensors, the 'auto' external-data switch, and the
// light shape pass with a large outer-scope weight used inside an If branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TensorProto_DataLocation as DataLocation } from 'onnx-buf';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, floatTensor, graph, model, node, rawTensor, valueInfo } from '../../src/engine/onnx/builder';
import { inspectModel } from '../../src/engine/api';
import { layerMacs, listLayers } from '../../src/engine/inventory';
import { graphTensors, loadModel, saveModel, tensorFloat32 } from '../../src/engine/onnx/model';
import { encodeWithOutputs, measureShapes } from '../../src/engine/shapes';
import { tensor, values, writeBuilt } from '../helpers/models';

test('repeated node names get #2, #3 suffixes; shapes stay per layer', async () => {
  // ORT refuses repeats within one graph, but a branch may reuse a top-level name.
  const branch = (name: string) =>
    graph({ name, nodes: [node('MatMul', ['x', 'B'], [`${name}_y`], {}, 'dup')], inputs: [], outputs: [valueInfo(`${name}_y`, [])] });
  const g = graph({
    nodes: [
      node('MatMul', ['x', 'A'], ['h'], {}, 'dup'),
      node('If', ['cond'], ['yif'], { then_branch: branch('then'), else_branch: branch('else') }, 'If_0'),
      node('Add', ['h', 'yif'], ['y'], {}, 'add'),
    ],
    inputs: [valueInfo('x', [2, 4]), valueInfo('cond', [], DataType.BOOL)],
    outputs: [valueInfo('y', [2, 3])],
    initializers: [floatTensor('A', [4, 3], values(12, 1)), floatTensor('B', [4, 3], values(12, 2))],
  });
  const r = await inspectModel(writeBuilt(model(g)));
  assert.deepEqual(
    r.layers.map((l) => [l.name, l.weight, l.subgraph, l.outputShape, l.macs]),
    [
      ['dup', 'A', [], [2, 3], 24],
      ['dup#2', 'B', ['If_0/then_branch'], null, null],
      ['dup#3', 'B', ['If_0/else_branch'], null, null],
    ],
  );
});

test('MatMul with a vector weight: all of it is contracted', async () => {
  const g = graph({
    nodes: [node('MatMul', ['x', 'v'], ['y'], {}, 'mv')],
    inputs: [valueInfo('x', [3, 5])],
    outputs: [valueInfo('y', [3])],
    initializers: [floatTensor('v', [5], values(5, 4))],
  });
  const r = await inspectModel(writeBuilt(model(g)));
  assert.deepEqual([r.layers[0].outputShape, r.layers[0].macs], [[3], 15]);
  assert.equal(layerMacs({ ...r.layers[0], outputShape: [7, 3] }), 7 * 3 * 5);
});

test('a constant left operand: MatMul(W, x) is a layer with its output axis on W rows', async () => {
  const g = graph({
    nodes: [node('MatMul', ['W', 'x'], ['y'], {}, 'left')],
    inputs: [valueInfo('x', [5, 'n'])],
    outputs: [valueInfo('y', [6, 'n'])],
    initializers: [floatTensor('W', [6, 5], values(30, 5))],
  });
  const r = await inspectModel(writeBuilt(model(g)), { dims: { n: 4 } });
  const l = r.layers[0];
  assert.deepEqual([l.weight, l.outChannelAxis, l.inputShape, l.outputShape, l.macs], ['W', 0, [5, 4], [6, 4], 6 * 4 * 5]);
});

test('a string tensor feeding a Conv is not listed as a layer', () => {
  const g = graph({
    nodes: [node('Conv', ['x', 'S'], ['y'], {}, 'bad')],
    inputs: [valueInfo('x', [1, 1, 2, 2])],
    outputs: [valueInfo('y', [1, 1, 2, 2])],
    initializers: [tensor({ name: 'S', dims: [1, 1, 1, 1].map(BigInt), dataType: DataType.STRING, stringData: [new Uint8Array([65])] })],
  });
  assert.deepEqual(listLayers(loadModel(writeBuilt(model(g)))), []);
});

test('an odd count of int4 values in raw_data and complex64 typed data load', () => {
  const g = graph({
    nodes: [node('Identity', ['q'], ['y1']), node('Identity', ['c'], ['y2'])],
    inputs: [],
    outputs: [valueInfo('y1', [3], DataType.INT4), valueInfo('y2', [2], DataType.COMPLEX64)],
    initializers: [rawTensor('q', [3], DataType.INT4, Uint8Array.from([0x21, 0x03])), tensor({ name: 'c', dims: [2n], dataType: DataType.COMPLEX64, floatData: [1, 2, 3, 4] })],
  });
  const m = loadModel(writeBuilt(model(g)));
  assert.equal(m.proto.graph!.initializer.length, 2);
});

test("'auto' moves tensors of 1 KiB and more to external data above the size limit", () => {
  const g = graph({
    nodes: [node('MatMul', ['x', 'W'], ['h']), node('Add', ['h', 'b'], ['y'])],
    inputs: [valueInfo('x', [1, 64])],
    outputs: [valueInfo('y', [1, 32])],
    initializers: [floatTensor('W', [64, 32], values(2048, 6)), floatTensor('b', [32], values(32, 7))],
  });
  const m = loadModel(writeBuilt(model(g)));
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-auto-'));
  assert.deepEqual(saveModel(m, join(dir, 'small.onnx'), { inlineLimitBytes: 1 << 20 }), [join(dir, 'small.onnx')]);
  assert.deepEqual(saveModel(m, join(dir, 'big.onnx'), { inlineLimitBytes: 4096 }), [join(dir, 'big.onnx'), join(dir, 'big.onnx.data')]);
  const big = loadModel(join(dir, 'big.onnx'));
  const loc = Object.fromEntries([...graphTensors(big.proto.graph!)].map((t) => [t.name, t.dataLocation]));
  assert.deepEqual(loc, { W: DataLocation.EXTERNAL, b: DataLocation.DEFAULT });
  assert.deepEqual(tensorFloat32(big, big.proto.graph!.initializer[0]), values(2048, 6));
  assert.deepEqual(readdirSync(dir).sort(), ['big.onnx', 'big.onnx.data', 'small.onnx']);
});

test('light shape pass: a large outer-scope weight used in an If branch and at top level', async () => {
  const big = floatTensor('Wbig', [64, 64, 3, 3], values(64 * 64 * 9, 8)); // 144 KiB: stubbed
  const branch = (name: string, pad: number) =>
    graph({ name, nodes: [node('Conv', ['x', 'Wbig'], [`${name}_y`], { pads: [pad, pad, pad, pad] }, `${name}_conv`)], inputs: [], outputs: [valueInfo(`${name}_y`, [])] });
  const g = graph({
    nodes: [
      node('Conv', ['x', 'Wbig'], ['c0'], { pads: [1, 1, 1, 1] }, 'top_conv'),
      node('If', ['cond'], ['yif'], { then_branch: branch('then', 1), else_branch: branch('else', 1) }, 'If_0'),
      node('Add', ['c0', 'yif'], ['y'], {}, 'add'),
    ],
    inputs: [valueInfo('x', [1, 64, 5, 5]), valueInfo('cond', [], DataType.BOOL)],
    outputs: [valueInfo('y', [1, 64, 5, 5])],
    initializers: [big],
  });
  const m = loadModel(writeBuilt(model(g)));
  const refs = listLayers(m);
  assert.deepEqual(refs.map((l) => [l.info.name, l.info.shared]), [['top_conv', true], ['then_conv', true], ['else_conv', true]]);
  assert.ok(encodeWithOutputs(m, [], { stubWeights: true }).length < 4096);
  const light = await measureShapes(m, refs, {});
  assert.deepEqual(light, await measureShapes(m, refs, {}, { stubWeights: false }));
  assert.deepEqual(light.top_conv, { inputShape: [1, 64, 5, 5], outputShape: [1, 64, 5, 5] });
  assert.deepEqual(light.then_conv, { inputShape: null, outputShape: null });
});

test('layers inside a Loop body and a Scan body are listed with their subgraph path', () => {
  const body = graph({
    name: 'body',
    nodes: [node('MatMul', ['h_in', 'Wl'], ['h_out'], {}, 'loop_mm'), node('Identity', ['cond_in'], ['cond_out'])],
    inputs: [valueInfo('iter', [], DataType.INT64), valueInfo('cond_in', [], DataType.BOOL), valueInfo('h_in', [1, 4])],
    outputs: [valueInfo('cond_out', [], DataType.BOOL), valueInfo('h_out', [1, 4])],
  });
  const scanBody = graph({
    name: 'scan_body',
    nodes: [node('Gemm', ['s_in', 'Ws'], ['s_out'], { transB: 1 }, 'scan_gemm')],
    inputs: [valueInfo('s_in', [1, 4])],
    outputs: [valueInfo('s_out', [1, 2])],
  });
  const g = graph({
    nodes: [node('Loop', ['trip', 'c', 'x'], ['y'], { body }, 'loop'), node('Scan', ['y'], ['z'], { body: scanBody, num_scan_inputs: 1 }, 'scan')],
    inputs: [valueInfo('x', [1, 4]), valueInfo('trip', [], DataType.INT64), valueInfo('c', [], DataType.BOOL)],
    outputs: [valueInfo('z', [1, 2])],
    initializers: [floatTensor('Wl', [4, 4], values(16, 1)), floatTensor('Ws', [2, 4], values(8, 2))],
  });
  const layers = listLayers(loadModel(writeBuilt(model(g)))).map((l) => [l.info.name, l.info.op, l.info.weight, l.info.outChannelAxis, l.info.subgraph]);
  assert.deepEqual(layers, [
    ['loop_mm', 'MatMul', 'Wl', 1, ['loop/body']],
    ['scan_gemm', 'Gemm', 'Ws', 0, ['scan/body']],
  ]);
});

test('MatMulInteger and ConvInteger with int8 weights are listed as quantized, with MACs', async () => {
  const i8 = (name: string, dims: number[]) => rawTensor(name, dims, DataType.INT8, Uint8Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7) & 0x7f));
  const g = graph({
    nodes: [node('MatMulInteger', ['x', 'Wm', 'xz', 'wz'], ['y'], {}, 'mmi'), node('ConvInteger', ['xc', 'Wc'], ['yc'], {}, 'convi')],
    inputs: [valueInfo('x', [2, 6], DataType.UINT8), valueInfo('xc', [1, 2, 4, 4], DataType.UINT8)],
    outputs: [valueInfo('y', [2, 3], DataType.INT32), valueInfo('yc', [1, 3, 2, 2], DataType.INT32)],
    initializers: [i8('Wm', [6, 3]), rawTensor('xz', [], DataType.UINT8, Uint8Array.from([0])), rawTensor('wz', [], DataType.INT8, Uint8Array.from([0])), rawTensor('Wc', [3, 2, 3, 3], DataType.UINT8, new Uint8Array(54).fill(1))],
  });
  const r = await inspectModel(writeBuilt(model(g)));
  assert.deepEqual(
    r.layers.map((l) => [l.name, l.weight, l.quantized, l.dtype, l.outChannelAxis, l.outputShape, l.macs]),
    [
      ['mmi', 'Wm', true, 'INT8', 1, [2, 3], 2 * 3 * 6],
      ['convi', 'Wc', true, 'UINT8', 0, [1, 3, 2, 2], 3 * 2 * 2 * (2 * 9)],
    ],
  );
  assert.equal(r.totals.weightBytes, 18 + 54);
});

test('an input dim stored as -1 (dynamic) is generated as 1, like a symbolic dim', async () => {
  const g = graph({
    nodes: [node('Gemm', ['x', 'W'], ['y'], { transB: 1 }, 'fc')],
    inputs: [valueInfo('x', [-1, 3])],
    outputs: [valueInfo('y', [-1, 2])],
    initializers: [floatTensor('W', [2, 3], values(6, 9))],
  });
  const r = await inspectModel(writeBuilt(model(g)));
  assert.deepEqual([r.layers[0].inputShape, r.layers[0].outputShape, r.layers[0].macs], [[1, 3], [1, 2], 6]);
});
