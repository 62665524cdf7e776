// Protobuf wire details shared by the code that walks ONNX files without parsing them whole
// (the deferred loader's skeleton, the export's splice).

// Where tensors can sit, by message kind and field number (onnx.proto): these walks descend only
// into these, as graphTensors does.
export type MessageKind = 'model' | 'graph' | 'node' | 'attribute' | 'tensor';
export const TENSOR_PATHS: Record<MessageKind, Record<number, MessageKind>> = {
  model: { 7: 'graph' },
  graph: { 1: 'node', 5: 'tensor' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 9: 'tensor', 10: 'graph' },
  tensor: {},
};

/** TensorProto.raw_data. */
export const RAW_DATA_FIELD = 9;

/** A varint's bytes (values up to 2^53). */
export function varintBytes(v: number): Uint8Array {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}
