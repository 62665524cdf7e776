// Layer input / output shapes from one ONNX Runtime run: the layers' tensors are exposed as extra
// graph outputs (untyped, ORT infers them), inputs are generated from the resolved input dims.
// Layers inside subgraphs cannot be exposed this way and keep null shapes (never a guess).
import { create, toBinary } from '@bufbuild/protobuf';
import {
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProtoSchema,
  ValueInfoProtoSchema,
  TensorProto_DataType as DataType,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { SbnnError } from './errors';
import type { LayerRef } from './inventory';
import { elementSize, floatToHalf, quoteName } from './onnx/dtype';
import { graphTensors, setInline, snapshotTensorData, storedBytes, tensorRawBytes, type LoadedModel } from './onnx/model';


/** The model loads but ONNX Runtime cannot run it with the given dims: shapes are unknown. */
export class ShapePassError extends SbnnError {}

export type LayerShapes = Record<string, { inputShape: number[] | null; outputShape: number[] | null }>;

export interface ResolvedInput {
  name: string;
  elemType: number;
  dims: number[];
}

/** The model's real inputs (not initializers) with symbolic dims resolved: `dims` overrides, else 1. */
export function resolveInputs(m: LoadedModel, dims: Record<string, number> = {}): ResolvedInput[] {
  const g = m.proto.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const used = new Set<string>();
  const out = g.input
    .filter((v) => !inits.has(v.name))
    .map((v: ValueInfoProto) => {
      const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : null;
      if (!tt) throw new SbnnError(m.path, `input ${quoteName(v.name)} is not a tensor; cannot generate it`);
      const ds = (tt.shape?.dim ?? []).map((d) => {
        // Some exporters write -1 for a dynamic dim: treat it like an unnamed symbolic dim.
        if (d.value.case === 'dimValue' && d.value.value >= 0n) return Number(d.value.value);
        if (d.value.case === 'dimParam' && d.value.value in dims) {
          used.add(d.value.value);
          return dims[d.value.value];
        }
        return 1;
      });
      return { name: v.name, elemType: tt.elemType, dims: ds };
    });
  const unknown = Object.keys(dims).filter((k) => !used.has(k));
  if (unknown.length) throw new SbnnError(m.path, `--dim ${unknown[0]}: the model has no input dimension named ${quoteName(unknown[0])}`);
  return out;
}

/** Deterministic input values for a shape pass or a latency run: small smooth values, zeros for ints. */
export async function makeInputs(inputs: ResolvedInput[]): Promise<Record<string, import('onnxruntime-node').Tensor>> {
  const ort = await import('onnxruntime-node');
  const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const i of inputs) {
    const n = i.dims.reduce((a, b) => a * b, 1);
    switch (i.elemType) {
      case DataType.FLOAT: {
        const v = new Float32Array(n);
        for (let k = 0; k < n; k++) v[k] = Math.sin(k * 0.37) * 0.5;
        feeds[i.name] = new ort.Tensor('float32', v, i.dims);
        break;
      }
      case DataType.FLOAT16: {
        // Half-precision models take float16 inputs (IEEE half bits in a Uint16Array).
        const v = new Uint16Array(n);
        for (let k = 0; k < n; k++) v[k] = floatToHalf(Math.sin(k * 0.37) * 0.5);
        feeds[i.name] = new ort.Tensor('float16', v, i.dims);
        break;
      }
      case DataType.DOUBLE: {
        const v = new Float64Array(n);
        for (let k = 0; k < n; k++) v[k] = Math.sin(k * 0.37) * 0.5;
        feeds[i.name] = new ort.Tensor('float64', v, i.dims);
        break;
      }
      case DataType.INT8:
        feeds[i.name] = new ort.Tensor('int8', new Int8Array(n), i.dims);
        break;
      case DataType.INT64:
        feeds[i.name] = new ort.Tensor('int64', new BigInt64Array(n), i.dims);
        break;
      case DataType.INT32:
        feeds[i.name] = new ort.Tensor('int32', new Int32Array(n), i.dims);
        break;
      case DataType.BOOL:
        feeds[i.name] = new ort.Tensor('bool', new Uint8Array(n), i.dims);
        break;
      case DataType.UINT8:
        feeds[i.name] = new ort.Tensor('uint8', new Uint8Array(n), i.dims);
        break;
      default:
        throw new SbnnError(null, `input ${quoteName(i.name)}: cannot generate values of element type ${i.elemType}`);
    }
  }
  return feeds;
}

/**
 * Serializes the model with `extraOutputs` exposed and external data (and raw_data a deferred load
 * left in the file) inlined (ORT cannot resolve external files from a buffer). The in-memory model is restored afterwards.
 */
export function encodeWithOutputs(m: LoadedModel, extraOutputs: string[], opts: { stubWeights?: boolean } = {}): Uint8Array {
  const g = m.proto.graph!;
  const n0 = g.output.length;
  const existing = new Set(g.output.map((o) => o.name));
  for (const name of extraOutputs) if (!existing.has(name)) g.output.push(create(ValueInfoProtoSchema, { name }));
  const { node, initializer, input } = g;
  // Snapshots keep field presence: restoring must not add empty raw_data fields to the model.
  const restore = [...m.external.keys(), ...m.deferred.keys()].map(snapshotTensorData);
  try {
    const stubbed = opts.stubWeights ? stubLargeWeights(m) : new Set<TensorProto>();
    for (const t of [...m.external.keys(), ...m.deferred.keys()]) if (!stubbed.has(t)) setInline(t, tensorRawBytes(m, t)!);
    return toBinary(ModelProtoSchema, m.proto);
  } finally {
    g.output.length = n0;
    Object.assign(g, { node, initializer, input });
    for (const r of restore) r();
  }
}

/** Float weights at least this large are generated at run time in the shape pass (see below). */
const STUB_MIN_BYTES = 64 * 1024;
const STUB_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.DOUBLE]);

/**
 * For the shape pass only: replaces every large top-level float weight (initializer or Constant
 * node) by Expand(zero scalar, its shape), so ORT neither parses nor stores a copy of the weights
 * (a 100 MB model would otherwise be held three more times: re-encoded, parsed, as tensors).
 * Shapes of Conv / Gemm / MatMul outputs depend on weight shapes, not values. Swaps new arrays into
 * the graph (the caller restores the old ones); returns the tensors left out of the encoding.
 */
function stubLargeWeights(m: LoadedModel): Set<TensorProto> {
  const g = m.proto.graph!;
  const opset = m.proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const stubbed = new Set<TensorProto>();
  if (!opset || opset.version < 8n) return stubbed; // Expand arrived in opset 8
  const bytesOf = (t: TensorProto): number => storedBytes(m, t);
  const big = (t: TensorProto | undefined): t is TensorProto => !!t && STUB_TYPES.has(t.dataType) && bytesOf(t) >= STUB_MIN_BYTES;
  const fills = new Map<number, TensorProto>();
  const extraInits: TensorProto[] = [];
  const expand = (t: TensorProto, output: string): NodeProto => {
    let fill = fills.get(t.dataType);
    if (!fill) {
      fill = create(TensorProtoSchema, { name: `__sbnn_zero_${t.dataType}`, dataType: t.dataType, rawData: new Uint8Array(elementSize(t.dataType, m.path, t.name)) });
      fills.set(t.dataType, fill);
      extraInits.push(fill);
    }
    const shapeName = `__sbnn_shape_${extraInits.length}`;
    extraInits.push(create(TensorProtoSchema, { name: shapeName, dims: [BigInt(t.dims.length)], dataType: DataType.INT64, int64Data: [...t.dims] }));
    return create(NodeProtoSchema, { opType: 'Expand', input: [fill.name, shapeName], output: [output], name: `__sbnn_expand_${output}` });
  };
  const stubNodes: NodeProto[] = [];
  const nodes = g.node.map((n) => {
    const t = n.opType === 'Constant' && n.domain === '' && n.output.length === 1 ? n.attribute.find((a) => a.name === 'value')?.t : undefined;
    if (!big(t)) return n;
    stubbed.add(t);
    return expand(t, n.output[0]);
  });
  const inits = g.initializer.filter((t) => {
    if (!big(t)) return true;
    stubbed.add(t);
    stubNodes.push(expand(t, t.name));
    return false;
  });
  if (stubbed.size === 0) return stubbed;
  const gone = new Set([...stubbed].map((t) => t.name));
  // Old IR versions also list initializers as graph inputs; a stubbed one must not stay an input.
  const initNames = new Set(g.initializer.map((t) => t.name));
  g.input = g.input.filter((v) => !(gone.has(v.name) && initNames.has(v.name)));
  g.initializer = [...inits, ...extraInits];
  g.node = [...stubNodes, ...nodes];
  return stubbed;
}

/** Runs the model once in ORT and reads every top-level layer's input and output shape. */
export async function measureShapes(
  m: LoadedModel,
  layers: LayerRef[],
  dims: Record<string, number> = {},
  opts: { stubWeights?: boolean } = {},
): Promise<LayerShapes> {
  const ort = await import('onnxruntime-node');
  const top = layers.filter((l) => l.info.subgraph.length === 0);
  const names = new Set<string>();
  for (const l of top) {
    if (l.dataInput) names.add(l.dataInput);
    if (l.node.output[0]) names.add(l.node.output[0]);
  }
  const inputs = resolveInputs(m, dims);
  let results: Record<string, { dims: readonly number[] }> | undefined;
  // Outside the try: an input type we cannot generate is its own error, not a dims problem.
  const feeds = await makeInputs(inputs).catch((e: unknown) => {
    throw e instanceof SbnnError && e.file === null ? new SbnnError(m.path, e.detail) : e;
  });
  const runOnce = async (stubWeights: boolean): Promise<Record<string, { dims: readonly number[] }>> => {
    const session = await ort.InferenceSession.create(encodeWithOutputs(m, [...names], { stubWeights }), { graphOptimizationLevel: 'disabled' });
    try {
      return await session.run(feeds);
    } finally {
      await session.release();
    }
  };
  try {
    // Stubbed weights first (light on memory); if that run fails for any reason, the real weights.
    if (opts.stubWeights ?? true) results = await runOnce(true).catch(() => undefined);
    results ??= await runOnce(false);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const dimsText = inputs.map((i) => `${i.name}[${i.dims.join('x')}]`).join(', ');
    throw new ShapePassError(m.path, `ONNX Runtime could not run the model for shapes with inputs ${dimsText} (${msg}); set symbolic dims with --dim NAME=VALUE`);
  }
  const out: LayerShapes = {};
  const res = results;
  for (const l of layers) {
    const get = (n: string | null | undefined): number[] | null => (n && res[n] ? [...res[n].dims] : null);
    out[l.info.name] = l.info.subgraph.length === 0 ? { inputShape: get(l.dataInput), outputShape: get(l.node.output[0]) } : { inputShape: null, outputShape: null };
  }
  return out;
}

/** Sum of tensor bytes held in the model (for deciding whether an inline shape pass fits). */
export function inlineBytes(m: LoadedModel): number {
  let n = 0;
  for (const t of graphTensors(m.proto.graph!)) n += storedBytes(m, t);
  return n;
}
