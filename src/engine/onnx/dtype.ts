// ONNX element types: sizes, names, and conversion to / from float32 for analysis and export.
import { TensorProto_DataType as DataType, type TensorProto } from 'onnx-buf';
import { SbnnError } from '../errors';

const SIZES: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.COMPLEX64]: 8,
  [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
  [DataType.FLOAT8E4M3FN]: 1,
  [DataType.FLOAT8E4M3FNUZ]: 1,
  [DataType.FLOAT8E5M2]: 1,
  [DataType.FLOAT8E5M2FNUZ]: 1,
  [DataType.FLOAT8E8M0]: 1,
  [DataType.UINT4]: 0.5,
  [DataType.INT4]: 0.5,
  [DataType.FLOAT4E2M1]: 0.5,
  [DataType.UINT2]: 0.25,
  [DataType.INT2]: 0.25,
};

/**
 * A name from the model quoted for a one-line message: control characters escaped (a corrupt or
 * hostile name must not break the line), long names shortened.
 */
export function quoteName(name: string): string {
  const short = name.length > 80 ? `${name.slice(0, 77)}...` : name;
  return JSON.stringify(short).replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function elementSize(dt: number, file: string, tensor: string): number {
  const s = SIZES[dt as DataType];
  if (s === undefined) throw new SbnnError(file, `tensor ${quoteName(tensor)}: unsupported or invalid data type ${dt}`);
  return s;
}

/** Numeric element types (every type with a size except STRING, BOOL and complex). */
export const isNumericType = (dt: number): boolean =>
  SIZES[dt as DataType] !== undefined && dt !== DataType.BOOL && dt !== DataType.COMPLEX64 && dt !== DataType.COMPLEX128;

export const dataTypeName = (dt: number): string => DataType[dt] ?? `TYPE_${dt}`;

export const isFloatType = (dt: number): boolean =>
  dt === DataType.FLOAT || dt === DataType.FLOAT16 || dt === DataType.BFLOAT16 || dt === DataType.DOUBLE;

export const isIntegerType = (dt: number): boolean =>
  [DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32, DataType.INT64, DataType.UINT64, DataType.INT4, DataType.UINT4, DataType.INT2, DataType.UINT2].includes(dt);

// IEEE half <-> float via a shared scratch buffer.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  let v: number;
  if (e === 0) v = f * 2 ** -24;
  else if (e === 31) v = f ? NaN : Infinity;
  else v = (1 + f / 1024) * 2 ** (e - 15);
  return s ? -v : v;
}

/** float -> IEEE half bits, round to nearest even. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function bfloat16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

export function floatToBfloat16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

const elementCount = (t: TensorProto): number => t.dims.reduce((a, d) => a * Number(d), 1);

/**
 * Values of a tensor as float32. `raw` is the tensor's stored bytes (raw_data or external range),
 * or null for the typed repeated fields. Aligned float32 raw data is returned as a view, anything
 * else as a copy (into `alloc(n)` for unaligned float32 when given, so a caller can reuse one buffer).
 */
export function decodeToFloat32(t: TensorProto, raw: Uint8Array | null, file: string, alloc?: (n: number) => Float32Array): Float32Array {
  const n = elementCount(t);
  const dt = t.dataType;
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (dt) {
      case DataType.FLOAT:
        if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, n);
        {
          // Unaligned: copy the bytes. (Not raw.slice(): on a Node Buffer that is a view, not a copy.)
          const out = alloc ? alloc(n) : new Float32Array(n);
          new Uint8Array(out.buffer, out.byteOffset, n * 4).set(raw.subarray(0, n * 4));
          return out;
        }
      case DataType.FLOAT16: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
        return out;
      }
      case DataType.BFLOAT16: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(dv.getUint16(2 * i, true));
        return out;
      }
      case DataType.DOUBLE: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
        return out;
      }
      case DataType.INT8:
        return Float32Array.from(new Int8Array(raw.buffer, raw.byteOffset, n));
      case DataType.UINT8:
        return Float32Array.from(raw.subarray(0, n));
      case DataType.INT32: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
        return out;
      }
      case DataType.INT16: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
        return out;
      }
      case DataType.UINT16: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true);
        return out;
      }
      case DataType.INT64: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
        return out;
      }
      default:
        throw new SbnnError(file, `tensor ${quoteName(t.name)}: cannot read ${dataTypeName(dt)} values as float`);
    }
  }
  switch (dt) {
    case DataType.FLOAT:
      return Float32Array.from(t.floatData);
    case DataType.DOUBLE:
      return Float32Array.from(t.doubleData);
    case DataType.FLOAT16:
      return Float32Array.from(t.int32Data, (h) => halfToFloat(h & 0xffff));
    case DataType.BFLOAT16:
      return Float32Array.from(t.int32Data, (h) => bfloat16ToFloat(h & 0xffff));
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.INT32:
    case DataType.INT16:
    case DataType.UINT16:
      return Float32Array.from(t.int32Data);
    case DataType.INT64:
      return Float32Array.from(t.int64Data, Number);
    default:
      throw new SbnnError(file, `tensor ${quoteName(t.name)}: cannot read ${dataTypeName(dt)} values as float`);
  }
}

/** Little-endian bytes of `values` in the float dtype `dt`. */
export function encodeFromFloat32(dt: number, values: Float32Array): Uint8Array {
  const n = values.length;
  switch (dt) {
    case DataType.FLOAT: {
      const out = new Uint8Array(n * 4);
      new Float32Array(out.buffer).set(values);
      return out;
    }
    case DataType.FLOAT16: {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToHalf(values[i]);
      return new Uint8Array(out.buffer);
    }
    case DataType.BFLOAT16: {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToBfloat16(values[i]);
      return new Uint8Array(out.buffer);
    }
    case DataType.DOUBLE: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i];
      return new Uint8Array(out.buffer);
    }
    default:
      throw new Error(`cannot store float values as ${dataTypeName(dt)}`);
  }
}
