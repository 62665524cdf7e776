// Loading and saving ONNX models losslessly. Tensors stay views into the file buffer; unknown
// protobuf fields survive a load -> save (protobuf-es keeps them); external data is validated
// against the model's folder and read lazily.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ModelProtoSchema,
  TensorProto_DataLocation as DataLocation,
  TensorProto_DataType as DataType,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from 'onnx-buf';
import { clearField, create, isFieldSet, ScalarType } from '@bufbuild/protobuf';
import { closeSync, openSync, readSync, realpathSync, statSync, fstatSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SbnnError } from '../errors';
import { commitAll, discardAll, writeTemp, type PendingFile } from '../fsAtomic';
import { elementSize, dataTypeName, decodeToFloat32, encodeFromFloat32, quoteName } from './dtype';
import { readSkeleton, TOKEN_BYTES, type FileRange, type Skeleton } from './skeleton';

export interface ExternalRef {
  /** Path relative to the model's folder, as stored. */
  location: string;
  /** Resolved absolute path (symlinks resolved, checked to stay inside the model's folder). */
  file: string;
  offset: number;
  length: number;
}

export interface LoadedModel {
  path: string;
  dir: string;
  proto: ModelProto;
  /** The file's bytes (its skeleton when loaded deferred); tensors' raw_data are views into it. */
  bytes: Uint8Array;
  /** Size of the model file. */
  sizeBytes: number;
  /** External data references by tensor, validated at load. */
  external: Map<TensorProto, ExternalRef>;
  /**
   * Tensors whose raw_data stayed in the model file (loadModelDeferred): where it sits. Their
   * proto has no raw_data; tensorRawBytes and tensorFloat32 read it, saves write it.
   */
  deferred: Map<TensorProto, FileRange>;
  /** The file's size and mtime at load: reads of deferred tensors, and later runs, notice a change. */
  stamp?: { size: number; mtimeMs: number };
}

/** Bytes of a tensor's stored data: inline, left in the file, or external. */
export function storedBytes(m: LoadedModel, t: TensorProto): number {
  return t.rawData.length || m.deferred.get(t)?.length || m.external.get(t)?.length || 0;
}

/** Every tensor of a graph and its subgraphs: initializers and Constant / attribute tensors. */
export function* graphTensors(g: GraphProto): Generator<TensorProto> {
  yield* g.initializer;
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) yield a.t;
      yield* a.tensors;
      if (a.g) yield* graphTensors(a.g);
      for (const sg of a.graphs) yield* graphTensors(sg);
    }
  }
}

export const tensorElements = (t: TensorProto): number => t.dims.reduce((a, d) => a * Number(d), 1);

/**
 * Wire type of each ModelProto field (varint for the integer scalars, length-delimited otherwise),
 * from the schema. All field numbers are < 32, so a one-byte look at the first tag suffices.
 */
const MODEL_FIELD_WIRE = new Map(
  ModelProtoSchema.fields.map((f) => [f.number, f.fieldKind === 'scalar' && f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES ? 0 : 2]),
);

function parseModel(path: string, bytes: Uint8Array): ModelProto {
  if (bytes.length === 0) throw new SbnnError(path, 'empty file, not an ONNX model');
  // A ModelProto starts with a field tag of a known ModelProto field (ir_version=1 varint is
  // conventional); anything else is not ONNX, whatever the protobuf parser might make of it.
  const first = bytes[0];
  const field = first >> 3;
  const wire = first & 7;
  if (MODEL_FIELD_WIRE.get(field) !== wire) {
    throw new SbnnError(path, 'not an ONNX model (the file does not start with an ONNX ModelProto field)');
  }
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
    // Every ONNX writer starts with ir_version (field 1, varint): other starts mean another format.
    if (first !== 0x08) throw new SbnnError(path, `not an ONNX model (not a ModelProto: ${msg})`);
    if (/premature|eof|out of range|bounds/i.test(msg)) throw new SbnnError(path, `truncated or corrupt ONNX file (${msg})`);
    throw new SbnnError(path, `corrupt ONNX protobuf (${msg})`);
  }
  if (!proto.graph) throw new SbnnError(path, 'not an ONNX model (no graph)');
  if (proto.irVersion <= 0n) throw new SbnnError(path, 'not an ONNX model (missing ir_version)');
  if (proto.graph.node.length === 0) throw new SbnnError(path, 'empty graph (no nodes)');
  return proto;
}

function externalRef(path: string, dir: string, t: TensorProto, fileSizes: Map<string, number>): ExternalRef {
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data without a location`);
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location)) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data path ${quoteName(location)} is absolute`);
  }
  if (location.split(/[\\/]/).includes('..')) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data path ${quoteName(location)} contains ".."`);
  }
  let file: string;
  let realDir: string;
  try {
    realDir = realpathSync(dir);
    file = realpathSync(join(dir, location));
  } catch {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data file ${quoteName(location)} not found`);
  }
  const rel = relative(realDir, file);
  if (rel === '' || rel.split(sep)[0] === '..' || isAbsolute(rel)) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data path ${quoteName(location)} resolves outside the model's folder`);
  }
  const num = (key: string, dflt: number | null): number => {
    const v = kv.get(key);
    if (v === undefined) {
      if (dflt === null) return -1;
      return dflt;
    }
    if (!/^\d+$/.test(v)) throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data ${key} ${quoteName(v)} is not a number`);
    return Number(v);
  };
  let size = fileSizes.get(file);
  if (size === undefined) {
    const st = statSync(file);
    if (!st.isFile()) throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data path ${quoteName(location)} is not a file`);
    size = st.size;
    fileSizes.set(file, size);
  }
  const offset = num('offset', 0);
  const expected = Math.ceil(tensorElements(t) * elementSize(t.dataType, path, t.name));
  let length = num('length', null);
  if (length < 0) length = expected;
  if (length !== expected) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data length ${length} does not match its shape (${expected} bytes)`);
  }
  if (offset + length > size) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: external data range ${offset}+${length} is past the end of ${quoteName(location)} (${size} bytes)`);
  }
  return { location, file, offset, length };
}

/** Checks a tensor's declared size against its stored data (`rawLength`: raw_data left in the file). */
function checkTensorSize(path: string, t: TensorProto, rawLength = t.rawData.length): void {
  for (const d of t.dims) {
    if (d < 0n) throw new SbnnError(path, `tensor ${quoteName(t.name)}: negative dimension ${d}`);
  }
  if (t.dataType === DataType.STRING || t.dataLocation === DataLocation.EXTERNAL) return;
  const n = tensorElements(t);
  const esize = elementSize(t.dataType, path, t.name);
  if (rawLength > 0) {
    // Sub-byte types pack values: an odd count of 4-bit values still takes whole bytes.
    const need = Math.ceil(n * esize);
    if (rawLength !== need) {
      throw new SbnnError(path, `tensor ${quoteName(t.name)}: shape [${t.dims.join(', ')}] needs ${need} bytes but raw_data holds ${rawLength}`);
    }
    return;
  }
  // Typed storage: the one repeated field the data type uses (onnx.proto), with one entry per
  // value (complex: two). Data in another field would be read as nothing.
  const field = typedFieldOf(t.dataType);
  const stored = t[field].length;
  const others = TYPED_FIELD_NAMES.filter((f) => f !== field && t[f].length > 0);
  if (others.length > 0 && stored === 0 && n > 0) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: ${dataTypeName(t.dataType)} values stored in ${others[0]} instead of ${field}`);
  }
  // Sub-byte types pack several values per int32; only check the byte-or-wider types exactly.
  const perValue = t.dataType === DataType.COMPLEX64 || t.dataType === DataType.COMPLEX128 ? 2 : 1;
  if (esize >= 1 && stored !== n * perValue) {
    throw new SbnnError(path, `tensor ${quoteName(t.name)}: shape [${t.dims.join(', ')}] needs ${n * perValue} values but the tensor holds ${stored} values`);
  }
}

const TYPED_FIELD_NAMES = ['floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data'] as const;
type TypedField = (typeof TYPED_FIELD_NAMES)[number];

function typedFieldOf(dt: number): TypedField {
  switch (dt) {
    case DataType.FLOAT:
    case DataType.COMPLEX64:
      return 'floatData';
    case DataType.DOUBLE:
    case DataType.COMPLEX128:
      return 'doubleData';
    case DataType.INT64:
      return 'int64Data';
    case DataType.UINT32:
    case DataType.UINT64:
      return 'uint64Data';
    default:
      return 'int32Data';
  }
}

/** Opens a model file for reading: its fd and size, or a one-line error naming the file. */
function openModelFile(path: string): { fd: number; size: number; mtimeMs: number } {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SbnnError(path, 'is a folder, not an ONNX file');
    const fd = openSync(path, 'r');
    const { size, mtimeMs } = fstatSync(fd);
    if (size > PROTOBUF_LIMIT) {
      closeSync(fd);
      throw new SbnnError(path, `${size} bytes: larger than the 2 GiB protobuf limit, not a valid ONNX file`);
    }
    return { fd, size, mtimeMs };
  } catch (e) {
    if (e instanceof SbnnError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SbnnError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`);
  }
}

/** raw_data below this stays in memory with the skeleton; larger is read when needed. */
export const DEFERRED_MIN_BYTES = 256 * 1024;

/**
 * Loads a model without its large weights: the proto holds every field but the raw_data of
 * tensors of at least `minBytes`, which stay in the file and are read one tensor at a time
 * (tensorRawBytes / tensorFloat32). For jobs that visit each weight in turn (compress, analyze):
 * memory stays near one layer instead of the whole file. Same checks and errors as loadModel.
 */
export function loadModelDeferred(path: string, minBytes = DEFERRED_MIN_BYTES): LoadedModel {
  const { fd, size, mtimeMs } = openModelFile(path);
  let skeleton: Skeleton | null;
  try {
    skeleton = readSkeleton(fd, size, minBytes);
  } catch (e) {
    throw new SbnnError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    closeSync(fd);
  }
  // Nothing to defer, or not a walkable ModelProto: the plain load (and its error messages).
  if (!skeleton) return loadModel(path);
  return { ...loadModelBytes(path, skeleton.bytes, { tokens: skeleton.tokens, fileSize: size }), stamp: { size, mtimeMs } };
}

export function loadModel(path: string): LoadedModel {
  // Read into a buffer with 3 spare bytes: once parsed, the file is moved by the shift that puts
  // the most float32 raw_data on a 4-byte boundary, where tensorFloat32 returns views, not copies.
  const { fd, size: fileSize, mtimeMs } = openModelFile(path);
  const buf = Buffer.allocUnsafeSlow(fileSize + 3);
  let size = 0;
  try {
    while (size < fileSize) {
      const r = readSync(fd, buf, size, fileSize - size, size);
      if (r === 0) break;
      size += r;
    }
  } catch (e) {
    throw new SbnnError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    closeSync(fd);
  }
  const stamp = { size: fileSize, mtimeMs };
  const m = loadModelBytes(path, buf.subarray(0, size));
  const shift = bestAlignmentShift(m);
  if (shift === 0) return { ...m, stamp };
  buf.copyWithin(shift, 0, size);
  return { ...loadModelBytes(path, buf.subarray(shift, shift + size)), stamp };
}

/** The shift (0-3) of the file's bytes that 4-byte-aligns the most float32 raw_data bytes. */
function bestAlignmentShift(m: LoadedModel): number {
  const bytesAt = [0, 0, 0, 0];
  for (const t of graphTensors(m.proto.graph!)) {
    if (t.dataType === DataType.FLOAT && t.rawData.length > 0) bytesAt[(4 - (t.rawData.byteOffset % 4)) % 4] += t.rawData.length;
  }
  let best = 0;
  for (let k = 1; k < 4; k++) if (bytesAt[k] > bytesAt[best]) best = k;
  return best;
}

/**
 * Parses and validates a model's bytes as if read from `path` (external data resolves next to it).
 * `skeleton`: the bytes are a skeleton (readSkeleton) whose tokens stand for raw_data in the file.
 */
export function loadModelBytes(path: string, bytes: Uint8Array, skeleton?: { tokens: Map<string, FileRange>; fileSize: number }): LoadedModel {
  const proto = parseModel(path, bytes);
  const dir = dirname(resolve(path));
  const external = new Map<TensorProto, ExternalRef>();
  const deferred = new Map<TensorProto, FileRange>();
  const fileSizes = new Map<string, number>();
  for (const t of graphTensors(proto.graph!)) {
    const range = skeleton && t.rawData.length === TOKEN_BYTES ? skeleton.tokens.get(Buffer.from(t.rawData).toString('hex')) : undefined;
    if (range) {
      deferred.set(t, range);
      clearField(t, TensorProtoSchema.field.rawData);
    }
    checkTensorSize(path, t, range ? range.length : t.rawData.length);
    if (t.dataLocation === DataLocation.EXTERNAL) external.set(t, externalRef(path, dir, t, fileSizes));
  }
  if (skeleton && deferred.size !== skeleton.tokens.size) throw new SbnnError(path, 'corrupt ONNX protobuf (tensor data outside the graph)');
  return { path, dir, proto, bytes, sizeBytes: skeleton?.fileSize ?? bytes.length, external, deferred };
}

/** Reads `length` bytes at `offset` of `file` into `into` (or a new buffer). */
function readRange(m: LoadedModel, file: string, what: string, offset: number, length: number, into?: Uint8Array): Uint8Array {
  const buf = into ?? Buffer.allocUnsafe(length);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new SbnnError(m.path, `${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const st = fstatSync(fd);
    const stamp = file === m.path ? m.stamp : undefined;
    if (st.size < offset + length || (stamp && (st.size !== stamp.size || st.mtimeMs !== stamp.mtimeMs))) {
      throw new SbnnError(m.path, `${what} changed on disk since the model was loaded`);
    }
    let got = 0;
    while (got < length) {
      const r = readSync(fd, buf, got, length - got, offset + got);
      if (r === 0) throw new SbnnError(m.path, `${what} ended early`);
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** The raw_data a deferred load left in the file (whatever the proto holds meanwhile). */
export function deferredBytes(m: LoadedModel, t: TensorProto): Uint8Array {
  const d = m.deferred.get(t);
  if (!d) throw new Error(`deferredBytes: tensor ${t.name} is not deferred`);
  return readRange(m, m.path, `tensor ${quoteName(t.name)}`, d.offset, d.length);
}

/** The tensor's stored bytes (raw_data, or its external range). Typed-field tensors return null. */
export function tensorRawBytes(m: LoadedModel, t: TensorProto): Uint8Array | null {
  if (t.rawData.length > 0) return t.rawData;
  if (m.deferred.has(t)) return deferredBytes(m, t);
  const ext = m.external.get(t);
  if (!ext) return null;
  return readRange(m, ext.file, `external data ${quoteName(ext.location)}`, ext.offset, ext.length);
}

/** A tensor's values as float32, whatever its stored type. A view (no copy) for aligned float32 raw_data. */
export function tensorFloat32(m: LoadedModel, t: TensorProto, alloc?: (n: number) => Float32Array): Float32Array {
  const d = m.deferred.get(t);
  if (d && alloc && t.dataType === DataType.FLOAT) {
    // Straight from the file into the caller's buffer: no copy, no garbage.
    const out = alloc(tensorElements(t));
    readRange(m, m.path, `tensor ${quoteName(t.name)}`, d.offset, d.length, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    return out;
  }
  const raw = tensorRawBytes(m, t);
  return decodeToFloat32(t, raw, m.path, alloc);
}

/** Replaces a tensor's values, stored in its original dtype as raw_data (external: written out at save). */
export function setTensorFloat32(t: TensorProto, values: Float32Array): void {
  if (values.length !== tensorElements(t)) throw new Error(`setTensorFloat32: ${t.name} expects ${tensorElements(t)} values, got ${values.length}`);
  t.rawData = encodeFromFloat32(t.dataType, values) as Uint8Array<ArrayBuffer>;
  t.floatData = [];
  t.int32Data = [];
  t.doubleData = [];
  t.int64Data = [];
  t.uint64Data = [];
}

export interface SaveOptions {
  /** Store large tensors externally: 'auto' (as the input did, or above the 2 GiB limit), 'never', 'always'. */
  externalData?: 'auto' | 'never' | 'always';
  /**
   * Size above which 'auto' stores tensors externally: the 2 GiB protobuf limit less 64 MiB for
   * the graph itself. Lowered in tests to exercise the switch without writing 2 GiB.
   */
  inlineLimitBytes?: number;
  /** Extra files to write atomically together with the model (all or none). */
  extra?: { target: string; chunks: Iterable<Uint8Array> }[];
}

const PROTOBUF_LIMIT = 2 ** 31 - 1;
const EXTERNAL_MIN_BYTES = 1024;
const EXTERNAL_ALIGN = 4096;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

const TYPED_FIELDS = [
  TensorProtoSchema.field.floatData,
  TensorProtoSchema.field.int32Data,
  TensorProtoSchema.field.int64Data,
  TensorProtoSchema.field.doubleData,
  TensorProtoSchema.field.uint64Data,
];
const DATA_FIELDS = [...TYPED_FIELDS, TensorProtoSchema.field.rawData, TensorProtoSchema.field.externalData, TensorProtoSchema.field.dataLocation];

/**
 * Snapshot of a tensor's data fields, presence included (ONNX is proto2: a field set to its default
 * is still written), for a temporary layout change. Returns the function that restores it.
 */
export function snapshotTensorData(t: TensorProto): () => void {
  const rec = t as unknown as Record<string, unknown>;
  const saved = DATA_FIELDS.map((f) => ({ f, set: isFieldSet(t, f), v: rec[f.localName] }));
  return () => {
    for (const s of saved) {
      if (s.set) rec[s.f.localName] = s.v;
      else clearField(t, s.f);
    }
  };
}

/** Makes a tensor hold `bytes` inline as raw_data, with no external-data fields present. */
export function setInline(t: TensorProto, bytes: Uint8Array): void {
  for (const f of TYPED_FIELDS) clearField(t, f);
  t.rawData = bytes as Uint8Array<ArrayBuffer>;
  clearField(t, TensorProtoSchema.field.externalData);
  clearField(t, TensorProtoSchema.field.dataLocation);
}

/** Saves atomically. Never overwrites the model's own file or its external data. */
export function saveModel(m: LoadedModel, outPath: string, opts: SaveOptions = {}): string[] {
  const out = resolve(outPath);
  const inputs = [m.path, ...[...m.external.values()].map((e) => e.file)];
  if (inputs.some((p) => resolve(p) === out || sameFile(p, out))) {
    throw new SbnnError(outPath, 'refusing to overwrite an input of the model');
  }
  const mode = opts.externalData ?? 'auto';
  const tensors = [...graphTensors(m.proto.graph!)];
  const dataBytes = (t: TensorProto): number => storedBytes(m, t);
  const total = tensors.reduce((a, t) => a + dataBytes(t), 0);
  const externalize = (t: TensorProto): boolean => {
    if (t.dataType === DataType.STRING) return false;
    if (mode === 'never') return false;
    if (m.external.has(t)) return true;
    if (mode === 'always') return dataBytes(t) >= EXTERNAL_MIN_BYTES;
    return total > (opts.inlineLimitBytes ?? PROTOBUF_LIMIT - 64 * 1024 * 1024) && dataBytes(t) >= EXTERNAL_MIN_BYTES;
  };
  if (mode === 'never' && total > PROTOBUF_LIMIT) throw new SbnnError(outPath, 'model exceeds the 2 GiB protobuf limit; external data is required');

  const moved = tensors.filter(externalize);
  const dataName = `${basename(out)}.data`;
  const dataPath = join(dirname(out), dataName);
  if (moved.length > 0 && inputs.some((p) => sameFile(p, dataPath))) {
    throw new SbnnError(dataPath, 'refusing to overwrite an input of the model');
  }
  const targets = [out, ...(moved.length > 0 ? [dataPath] : []), ...(opts.extra ?? []).map((x) => resolve(x.target))];
  for (const t of targets) {
    if (isDirectory(t)) throw new SbnnError(t, 'is a folder; cannot write the output there');
  }
  // Swap in the external layout for serialization, then restore the in-memory model. External
  // tensors that stay inline this time are read in (their old location means nothing next to `out`).
  const moving = new Set(moved);
  const inlined = [...m.external.keys(), ...m.deferred.keys()].filter((t) => !moving.has(t));
  const restore = [...moved, ...inlined].map(snapshotTensorData);
  const chunks: Uint8Array[] = [];
  const pending: PendingFile[] = [];
  try {
    for (const t of inlined) setInline(t, tensorRawBytes(m, t)!);
    let offset = 0;
    for (const t of moved) {
      const bytes = tensorRawBytes(m, t) ?? encodeFromFloat32(t.dataType, decodeToFloat32(t, null, m.path));
      const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(bytes);
      for (const f of TYPED_FIELDS) clearField(t, f);
      clearField(t, TensorProtoSchema.field.rawData);
      t.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: dataName }),
        create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(bytes.length) }),
      ];
      t.dataLocation = DataLocation.EXTERNAL;
      offset += bytes.length;
    }
    const modelBytes = toBinary(ModelProtoSchema, m.proto, { writeUnknownFields: true });
    // The model is committed last, so a failed commit never leaves a model pointing at missing data.
    if (moved.length > 0) pending.push(writeTemp(dataPath, chunks));
    for (const x of opts.extra ?? []) pending.push(writeTemp(x.target, x.chunks));
    pending.push(writeTemp(out, [modelBytes]));
    commitAll(pending);
  } catch (e) {
    discardAll(pending);
    throw e;
  } finally {
    for (const r of restore) r();
  }
  // Model first, then its data file, then extras (the order callers have always seen).
  return [pending[pending.length - 1], ...pending.slice(0, -1)].map((p) => p.target);
}

export { dataTypeName };
