// NumPy .npy files (format versions 1.0-3.0): the interchange format for calibration inputs,
// validation inputs and labels. Little-endian, C-order arrays of the dtypes below.
import { readFileSync } from 'node:fs';
import { SbnnError } from './errors';
import { writeFileAtomic } from './fsAtomic';

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'bool';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const DESCR: Record<string, { dtype: NpyDtype; size: number }> = {
  '<f4': { dtype: 'float32', size: 4 },
  '<f8': { dtype: 'float64', size: 8 },
  '|i1': { dtype: 'int8', size: 1 },
  '<i1': { dtype: 'int8', size: 1 },
  '|u1': { dtype: 'uint8', size: 1 },
  '<u1': { dtype: 'uint8', size: 1 },
  '<i2': { dtype: 'int16', size: 2 },
  '<u2': { dtype: 'uint16', size: 2 },
  '<i4': { dtype: 'int32', size: 4 },
  '<u4': { dtype: 'uint32', size: 4 },
  '<i8': { dtype: 'int64', size: 8 },
  '|b1': { dtype: 'bool', size: 1 },
};

const DESCR_OF: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  bool: '|b1',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function view(dtype: NpyDtype, buf: ArrayBuffer, offset: number, length: number): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, offset, length);
    case 'float64':
      return new Float64Array(buf, offset, length);
    case 'int8':
      return new Int8Array(buf, offset, length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf, offset, length);
    case 'int16':
      return new Int16Array(buf, offset, length);
    case 'uint16':
      return new Uint16Array(buf, offset, length);
    case 'int32':
      return new Int32Array(buf, offset, length);
    case 'uint32':
      return new Uint32Array(buf, offset, length);
    case 'int64':
      return new BigInt64Array(buf, offset, length);
  }
}

/** Parses .npy bytes. `file` names the source in errors. The data is a view when aligned. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new SbnnError(file, 'not a .npy file (bad magic)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new SbnnError(file, 'truncated .npy header');
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new SbnnError(file, `unsupported .npy format version ${major}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new SbnnError(file, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new SbnnError(file, `malformed .npy header: ${header.trim()}`);
  const kind = DESCR[descr];
  if (!kind) throw new SbnnError(file, `unsupported .npy dtype '${descr}' (supported: ${Object.keys(DESCR).join(', ')}; little-endian only)`);
  if (fortran === 'True') throw new SbnnError(file, 'Fortran-order .npy arrays are not supported (save with C order, e.g. np.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new SbnnError(file, `malformed .npy shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * kind.size;
  if (dataStart + byteLength > bytes.length) {
    throw new SbnnError(file, `.npy data truncated: shape (${shape.join(', ')}) needs ${byteLength} bytes, file has ${bytes.length - dataStart}`);
  }
  const absolute = bytes.byteOffset + dataStart;
  if (absolute % kind.size === 0) return { dtype: kind.dtype, shape, data: view(kind.dtype, bytes.buffer as ArrayBuffer, absolute, count) };
  // Unaligned (e.g. a pooled Buffer): copy once into an aligned buffer.
  const copy = bytes.slice(dataStart, dataStart + byteLength);
  return { dtype: kind.dtype, shape, data: view(kind.dtype, copy.buffer, 0, count) };
}

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SbnnError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseNpy(bytes, path);
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  return 'int64';
}

/** Encodes an array as .npy (version 1.0, header padded so data starts on a 64-byte boundary). */
export function encodeNpy(shape: number[], data: NpyData, dtype: NpyDtype = dtypeOf(data)): Uint8Array[] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new SbnnError(null, `encodeNpy: shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set(MAGIC, 0);
  head[6] = 1;
  head[7] = 0;
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  return [head, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

/** Writes an .npy file atomically. */
export function writeNpy(path: string, shape: number[], data: NpyData, dtype?: NpyDtype): void {
  writeFileAtomic(path, encodeNpy(shape, data, dtype));
}
