// Layer inventory: every Conv / ConvTranspose / Gemm / MatMul (also in If / Loop / Scan bodies)
// whose weight operand is a constant, plus already-quantized layers, with geometry and MACs.
import type { AttributeProto, GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import type { InspectReport, LayerInfo, ModelInfo } from '../shared/report';
import { dataTypeName, elementSize, isIntegerType, isNumericType } from './onnx/dtype';
import { graphTensors, tensorElements, type LoadedModel } from './onnx/model';

/** A layer together with the proto objects it came from (engine-internal). */
export interface LayerRef {
  info: LayerInfo;
  node: NodeProto;
  tensor: TensorProto;
  /** Name of the node input carrying activations (for shape and MACs), null when unknown. */
  dataInput: string | null;
}

const FLOAT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
/** Quantized ops and the input index of their weight. */
const QUANT_OPS: Record<string, { weight: number; data: number }> = {
  QLinearConv: { weight: 3, data: 0 },
  QLinearMatMul: { weight: 3, data: 0 },
  ConvInteger: { weight: 1, data: 0 },
  MatMulInteger: { weight: 1, data: 0 },
};

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}
const attrInt = (n: NodeProto, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a ? Number(a.i) : dflt;
};
const attrInts = (n: NodeProto, name: string): number[] | null => {
  const a = attr(n, name);
  return a && a.ints.length ? a.ints.map(Number) : null;
};

interface Scope {
  constants: Map<string, TensorProto>;
  /** DequantizeLinear output -> its integer input tensor name. */
  dequant: Map<string, string>;
  consumers: Map<string, number>;
}

function collectScope(root: GraphProto): Scope {
  const constants = new Map<string, TensorProto>();
  const dequant = new Map<string, string>();
  const consumers = new Map<string, number>();
  const visit = (g: GraphProto): void => {
    for (const t of g.initializer) constants.set(t.name, t);
    for (const n of g.node) {
      if (n.opType === 'Constant' && n.domain === '' && n.output[0]) {
        const v = attr(n, 'value');
        if (v?.t) constants.set(n.output[0], v.t);
      }
      if (n.opType === 'DequantizeLinear' && n.output[0] && n.input[0]) dequant.set(n.output[0], n.input[0]);
      for (const i of n.input) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
      for (const a of n.attribute) {
        if (a.g) visit(a.g);
        for (const sg of a.graphs) visit(sg);
      }
    }
  };
  visit(root);
  return { constants, dequant, consumers };
}

function outAxisFor(n: NodeProto, weightIndex: number, rank: number): number {
  switch (n.opType) {
    case 'ConvTranspose':
      return 1;
    case 'Gemm':
      // Y = A' B': output features index B' columns (B: axis 1, or 0 when transB) or A' rows.
      return weightIndex === 1 ? (attrInt(n, 'transB', 0) ? 0 : 1) : attrInt(n, 'transA', 0) ? 1 : 0;
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul':
      // Right operand [.., K, N]: outputs along the last axis; left operand [.., M, K]: along M.
      return weightIndex === 0 ? Math.max(0, rank - 2) : rank - 1;
    default:
      return 0;
  }
}

/** Finds the layers of a loaded model (no shapes yet: macs / shapes are null until applyShapes). */
export function listLayers(m: LoadedModel): LayerRef[] {
  const root = m.proto.graph!;
  const scope = collectScope(root);
  const layers: LayerRef[] = [];
  // Layer names key shapes, overrides and reports: node names need not be unique in ONNX (and
  // subgraphs reuse them), so repeats get a "#2", "#3", ... suffix.
  const used = new Set<string>();
  const uniqueName = (base: string): string => {
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}#${k}`;
    used.add(name);
    return name;
  };
  const visit = (g: GraphProto, path: string[]): void => {
    for (const n of g.node) {
      const isFloat = FLOAT_OPS.has(n.opType) && n.domain === '';
      const q = QUANT_OPS[n.opType];
      if (isFloat || q) {
        let weightIndex = -1;
        let weightName = '';
        let quantized = !!q;
        const candidates = q ? [q.weight] : n.opType === 'Conv' || n.opType === 'ConvTranspose' ? [1] : [1, 0];
        for (const idx of candidates) {
          const name = n.input[idx];
          if (!name) continue;
          if (scope.constants.has(name)) {
            weightIndex = idx;
            weightName = name;
            break;
          }
          const qsrc = scope.dequant.get(name);
          if (qsrc && scope.constants.has(qsrc)) {
            weightIndex = idx;
            weightName = qsrc;
            quantized = true;
            break;
          }
        }
        // A weight must be numeric (a string tensor feeding a Conv is not a layer, just invalid).
        if (weightIndex >= 0 && isNumericType(scope.constants.get(weightName)!.dataType)) {
          const t = scope.constants.get(weightName)!;
          const shape = t.dims.map(Number);
          const isConv = /Conv/.test(n.opType);
          const dataIndex = q ? q.data : weightIndex === 1 ? 0 : 1;
          quantized = quantized || isIntegerType(t.dataType);
          layers.push({
            node: n,
            tensor: t,
            dataInput: n.input[dataIndex] || null,
            info: {
              name: uniqueName(n.name || n.output[0] || `${n.opType}_${layers.length}`),
              op: n.opType,
              weight: weightName,
              shape,
              params: tensorElements(t),
              macs: null,
              inputShape: null,
              outputShape: null,
              group: isConv ? attrInt(n, 'group', 1) : 1,
              shared: (scope.consumers.get(weightName) ?? 0) > 1 || (scope.consumers.get(n.input[weightIndex]) ?? 0) > 1,
              quantized,
              outChannelAxis: outAxisFor(n, weightIndex, shape.length),
              kernel: isConv ? (attrInts(n, 'kernel_shape') ?? shape.slice(2)) : null,
              strides: isConv ? (attrInts(n, 'strides') ?? shape.slice(2).map(() => 1)) : null,
              subgraph: path,
              dtype: dataTypeName(t.dataType),
            },
          });
        }
      }
      for (const a of n.attribute) {
        const label = `${n.name || n.opType}/${a.name}`;
        if (a.g) visit(a.g, [...path, label]);
        a.graphs.forEach((sg, i) => visit(sg, [...path, `${label}[${i}]`]));
      }
    }
  };
  visit(root, []);
  return layers;
}

/** MACs of one inference from the layer's geometry and its input / output shapes. */
export function layerMacs(l: LayerInfo): number | null {
  const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);
  const { shape, inputShape, outputShape } = l;
  switch (l.op) {
    case 'Conv':
    case 'QLinearConv':
    case 'ConvInteger':
      // Each output element sums over (C_in / group) x kernel.
      return outputShape ? prod(outputShape) * prod(shape.slice(1)) : null;
    case 'ConvTranspose':
      // Each input element scatters into (C_out / group) x kernel outputs.
      return inputShape ? prod(inputShape) * prod(shape.slice(1)) : null;
    case 'Gemm':
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul': {
      if (!outputShape) return null;
      // Contraction length K: the weight's axis that is not the output axis (2-D), or axis -2 / -1.
      const k =
        shape.length === 1
          ? shape[0] // a vector operand is contracted entirely
          : shape.length === 2
            ? shape[1 - l.outChannelAxis]
            : l.outChannelAxis === shape.length - 1
              ? shape[shape.length - 2]
              : shape[shape.length - 1];
      return prod(outputShape) * k;
    }
    default:
      return null;
  }
}

export function modelInfo(m: LoadedModel): ModelInfo {
  const p = m.proto;
  const opset = p.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  let params = 0;
  for (const t of graphTensors(p.graph!)) params += tensorElements(t);
  return {
    path: m.path,
    irVersion: Number(p.irVersion),
    opset: opset ? Number(opset.version) : 0,
    producer: [p.producerName, p.producerVersion].filter(Boolean).join(' '),
    params,
    sizeBytes: m.sizeBytes,
  };
}

/** Report totals: unique weights counted once. */
export function inspectTotals(layers: LayerInfo[], refs?: LayerRef[]): InspectReport['totals'] {
  const seen = new Set<string>();
  let params = 0;
  let weightBytes = 0;
  let macs = 0;
  layers.forEach((l, i) => {
    macs += l.macs ?? 0;
    if (seen.has(l.weight)) return;
    seen.add(l.weight);
    params += l.params;
    const t = refs?.[i].tensor;
    weightBytes += t ? Math.ceil(l.params * elementSize(t.dataType, '', t.name)) : l.params * 4;
  });
  return { params, macs, weightBytes };
}
