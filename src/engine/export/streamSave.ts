// Saving a model whose big tensors are produced on demand: each replaced tensor's raw_data is
// serialized as a short token, then the token is spliced out of the encoded bytes and the real
// data generated while the file is written. Peak memory stays near one model (the input) plus one
// layer, instead of input + all new weights + the whole encoded output.
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type TensorProto } from 'onnx-buf';
import { randomBytes } from 'node:crypto';
import { commitAll, discardAll, writeTemp, type PendingFile } from '../fsAtomic';
import { deferredBytes, saveModel, setInline, snapshotTensorData, type LoadedModel, type SaveOptions } from '../onnx/model';
import { SbnnError } from '../errors';
import { RAW_DATA_FIELD, TENSOR_PATHS, varintBytes, type MessageKind } from '../onnx/wire';
import { resolve } from 'node:path';
import { realpathSync } from 'node:fs';

export interface LazyTensorData {
  /** Byte length of the data `bytes()` will return. */
  length: number;
  /** The data; may be a view of a buffer reused by the next call (it is written before that). */
  bytes: () => Uint8Array;
}

function readVarint(b: Uint8Array, pos: number): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++];
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, pos];
    mul *= 128;
  }
}

interface Field {
  field: number;
  /** Start of the tag. */
  start: number;
  /** Start of the length varint (wire type 2). */
  lenAt: number;
  /** Start and end of the payload. */
  body: number;
  end: number;
}

/** Top-level length-delimited fields of a message in b[from, to). */
function* fields(b: Uint8Array, from: number, to: number): Generator<Field> {
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, p1] = readVarint(b, pos);
    const wire = tag & 7;
    const field = Math.floor(tag / 8);
    if (wire === 0) {
      pos = readVarint(b, p1)[1];
    } else if (wire === 1) {
      pos = p1 + 8;
    } else if (wire === 5) {
      pos = p1 + 4;
    } else if (wire === 2) {
      const [len, p2] = readVarint(b, p1);
      yield { field, start, lenAt: p1, body: p2, end: p2 + len };
      pos = p2 + len;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
}

/**
 * Saves `m` with the given tensors' data produced lazily (initializers and Constant / attribute
 * tensors, subgraphs included), atomically, together with `opts.extra`. Models using external data
 * go through saveModel with the data materialized (same bytes, more memory).
 */
export function saveWithLazyTensors(m: LoadedModel, outPath: string, lazy: Map<TensorProto, LazyTensorData>, opts: SaveOptions = {}): string[] {
  // External data would need the data file rewritten too: those models take the eager path.
  const simple = m.external.size === 0;
  // Raw data a deferred load left in the file is copied from there while the output is written.
  lazy = new Map(lazy);
  for (const [t, range] of m.deferred) if (!lazy.has(t)) lazy.set(t, { length: range.length, bytes: () => deferredBytes(m, t) });
  // Snapshots keep field presence too, so the restored model serializes exactly as before.
  const restore = [...lazy.keys()].map((t) => snapshotTensorData(t));
  try {
    if (!simple) {
      for (const [t, d] of lazy) setInline(t, new Uint8Array(d.bytes())); // a copy: bytes() may reuse its buffer
      return saveModel(m, outPath, opts);
    }
    const out = resolve(outPath);
    const same = (p: string): boolean => {
      try {
        return resolve(p) === out || realpathSync(p) === realpathSync(out);
      } catch {
        return false;
      }
    };
    if (same(m.path)) throw new SbnnError(outPath, 'refusing to overwrite an input of the model');
    const byToken = new Map<string, LazyTensorData>();
    for (const [t, d] of lazy) {
      const token = randomBytes(16);
      byToken.set(token.toString('hex'), d);
      setInline(t, new Uint8Array(token));
    }
    const bytes = toBinary(ModelProtoSchema, m.proto, { writeUnknownFields: true });
    const pending: PendingFile[] = [];
    try {
      pending.push(writeTemp(outPath, splice(bytes, byToken)));
      for (const x of opts.extra ?? []) pending.push(writeTemp(x.target, x.chunks));
      commitAll(pending);
    } catch (e) {
      discardAll(pending);
      throw e;
    }
    return pending.map((p) => p.target);
  } finally {
    for (const r of restore) r();
  }
}

interface Op {
  from: number;
  to: number;
  bytes: Uint8Array | null;
  data?: LazyTensorData;
}

/** The encoded model with each token replaced by its lazily generated data, lengths fixed up. */
function* splice(b: Uint8Array, byToken: Map<string, LazyTensorData>): Generator<Uint8Array> {
  const ops: Op[] = [];
  let found = 0;
  // Returns how much the region grows; records ops in file order.
  const visit = (kind: MessageKind, from: number, to: number): number => {
    let delta = 0;
    for (const f of fields(b, from, to)) {
      if (kind === 'tensor' && f.field === RAW_DATA_FIELD && f.end - f.body === 16) {
        const data = byToken.get(Buffer.from(b.subarray(f.body, f.end)).toString('hex'));
        if (!data) continue;
        found++;
        const prefix = varintBytes(data.length);
        ops.push({ from: f.lenAt, to: f.body, bytes: prefix }, { from: f.body, to: f.end, bytes: null, data });
        delta += prefix.length + data.length - (f.end - f.lenAt);
        continue;
      }
      const child = TENSOR_PATHS[kind][f.field];
      if (!child) continue;
      const op: Op = { from: f.lenAt, to: f.body, bytes: null };
      ops.push(op);
      const d = visit(child, f.body, f.end);
      if (d === 0) {
        ops.splice(ops.indexOf(op), 1);
        continue;
      }
      op.bytes = varintBytes(f.end - f.body + d);
      delta += d + op.bytes.length - (f.body - f.lenAt);
    }
    return delta;
  };
  visit('model', 0, b.length);
  if (found !== byToken.size) throw new Error('not every replaced tensor was found in the encoded model');
  let pos = 0;
  for (const op of ops) {
    yield b.subarray(pos, op.from);
    if (op.data) {
      const data = op.data.bytes();
      if (data.length !== op.data.length) throw new Error(`lazy tensor data has ${data.length} bytes, expected ${op.data.length}`);
      yield data;
    } else {
      yield op.bytes!;
    }
    pos = op.to;
  }
  yield b.subarray(pos);
}
