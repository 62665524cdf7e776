// The project's ONNX writer: small constructors for building models in code (tests, the bench,
// the demo's sample model, calibration probes). Everything goes through onnx-buf's schemas.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DataType,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';

export { DataType };

/** Wraps a number that must be stored as a FLOAT attribute even when it is integer-valued. */
export class AttrFloat {
  constructor(readonly value: number) {}
}
export const attrFloat = (x: number): AttrFloat => new AttrFloat(x);

export type AttrValue = number | number[] | string | AttrFloat | TensorProto | GraphProto;

/** A float32 tensor stored as little-endian raw_data (how exporters write weights). */
export function floatTensor(name: string, dims: number[], data: Float32Array | number[]): TensorProto {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  const raw = new Uint8Array(values.byteLength);
  new Float32Array(raw.buffer).set(values);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DataType.FLOAT,
    rawData: raw,
  });
}

/** A tensor of any dtype from raw little-endian bytes. */
export function rawTensor(name: string, dims: number[], dataType: DataType, raw: Uint8Array): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData: raw as Uint8Array<ArrayBuffer> });
}

export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DataType.INT64,
    int64Data: data.map(BigInt),
  });
}

function attribute(name: string, v: AttrValue): AttributeProto {
  if (v instanceof AttrFloat) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: v.value });
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(v) })
      : create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: v });
  }
  if (typeof v === 'string') return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) {
    return v.every(Number.isInteger)
      ? create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: v.map(BigInt) })
      : create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: v });
  }
  if (v.$typeName === 'onnx.TensorProto') return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: v });
  return create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: v });
}

export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  name = '',
  domain = '',
): NodeProto {
  return create(NodeProtoSchema, {
    opType: op,
    input: inputs,
    output: outputs,
    name,
    domain,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

/** A tensor value info; string dims are symbolic (dim_param). */
export function valueInfo(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): ValueInfoProto {
  const shape = create(TensorShapeProtoSchema, {
    dim: dims.map((d) =>
      create(TensorShapeProto_DimensionSchema, {
        value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
      }),
    ),
  });
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape }) } }),
  });
}

export function graph(g: {
  name?: string;
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
}): GraphProto {
  return create(GraphProtoSchema, {
    name: g.name ?? 'main',
    node: g.nodes,
    input: g.inputs,
    output: g.outputs,
    initializer: g.initializers ?? [],
  });
}

export function model(
  g: GraphProto,
  opts: { opset?: number; irVersion?: number; producer?: string; metadata?: Record<string, string> } = {},
): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(opts.irVersion ?? 8),
    producerName: opts.producer ?? 'sbnn-studio',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opts.opset ?? 17) })],
    graph: g,
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
  });
}

export function encodeModel(m: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, m);
}
