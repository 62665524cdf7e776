// The .sbnn packed container (spec: docs/packed-format.md). Per layer: the code plane (1-bit planes
// packed 8 to a byte, or range-coded when that is smaller), per-tensor or per-channel parameters,
// and the pruning mask; a CRC-32 over the whole file. `dequantizeLayer` is the one function that
// turns a record into weights: the ONNX export and `sbnn unpack` both use it, so they agree exactly.
import { crc32 } from 'node:zlib';
import type { Method } from '../../shared/report';
import { SbnnError } from '../errors';
import { decodeBits, encodeBits, zeroProbability } from './rangeCoder';

export const PACKED_MAGIC = 'SBNN';
export const PACKED_VERSION = 1;

export type MaskKind = 'none' | 'weight' | 'channel' | 'kernel';
const MASK_KINDS: MaskKind[] = ['none', 'weight', 'channel', 'kernel'];
const METHOD_IDS: Method[] = ['float', 'sbnn', 'bnn', 'sparse01', 'ternary', 'int8', 'int4', 'int2'];

export enum PlaneEncoding {
  Packed = 0,
  RangeCoded = 1,
}

export interface PackedLayer {
  /** Weight tensor name in the model. */
  weight: string;
  method: Method;
  /** Original ONNX element type of the weight. */
  dtype: number;
  shape: number[];
  outAxis: number;
  /** 1 (per tensor) or the number of output channels (per channel). */
  groups: number;
  /** Per group parameters, float32: sbnn [alpha, beta]; bnn, sparse01, ternary [a]; intK [scale]; float none. */
  params: Float32Array;
  maskKind: MaskKind;
  /** One entry per mask unit (weight, output channel, or (out, in) kernel): 1 kept, 0 pruned. */
  mask: Uint8Array | null;
  /** One code per kept weight in flat order (float: unused, see `values`). */
  codes: Uint8Array;
  /**
   * 1-bit methods: the same codes packed 8 to a byte, LSB first, in place of `codes` (a reader
   * that already holds them skips unpacking; dequantizeLayer takes either).
   */
  bits?: Uint8Array;
  /** Float32 values for `float` layers. */
  values?: Float32Array;
}

export const paramsPerGroup = (m: Method): number => (m === 'sbnn' ? 2 : m === 'float' ? 0 : 1);
export const intBits = (m: Method): number => (m === 'int8' ? 8 : m === 'int4' ? 4 : m === 'int2' ? 2 : 0);
const isBinary = (m: Method): boolean => m === 'sbnn' || m === 'bnn' || m === 'sparse01';

const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);

/** Stride of `axis` in a row-major tensor and the size of that axis: group of flat index i = floor(i / stride) % dim. */
export function axisStride(shape: number[], axis: number): number {
  return prod(shape.slice(axis + 1));
}

/** Expands a structure mask to one entry per weight (1 kept). */
export function expandMask(kind: MaskKind, mask: Uint8Array | null, shape: number[], outAxis: number): Uint8Array | null {
  if (kind === 'none' || !mask) return null;
  const n = prod(shape);
  if (kind === 'weight') return mask;
  const out = new Uint8Array(n);
  // Each unit covers a run of `run` weights; channel units repeat every `dim` runs.
  const run = kind === 'channel' ? axisStride(shape, outAxis) : prod(shape.slice(2));
  const dim = kind === 'channel' ? shape[outAxis] : mask.length;
  for (let i = 0, u = 0; i < n; i += run, u = u + 1 === dim ? 0 : u + 1) if (mask[u]) out.fill(1, i, i + run);
  return out;
}

/**
 * Per (group, code) value table of a record, float32: the value a weight of group g with code c
 * dequantizes to is table[g * symbols + c].
 */
function levelTable(l: PackedLayer): { table: Float32Array; symbols: number } {
  const ppg = paramsPerGroup(l.method);
  const bits = intBits(l.method);
  const symbols = l.method === 'ternary' ? 3 : bits ? 2 * ((1 << (bits - 1)) - 1) + 1 : 2;
  const levelOffset = bits ? (1 << (bits - 1)) - 1 : 0;
  const table = new Float32Array(l.groups * symbols);
  for (let g = 0; g < l.groups; g++) {
    const p0 = l.params[g * ppg];
    const t = table.subarray(g * symbols, (g + 1) * symbols);
    if (l.method === 'sbnn') t.set([l.params[g * ppg + 1], p0]);
    else if (l.method === 'bnn') t.set([-p0, p0]);
    else if (l.method === 'sparse01') t.set([0, p0]);
    else if (l.method === 'ternary') t.set([-p0, 0, p0]);
    else for (let c = 0; c < symbols; c++) t[c] = (c - levelOffset) * p0;
  }
  return { table, symbols };
}

/** Groups at least this long are dequantized through byteTable (its 2048 entries then pay off). */
const BYTE_TABLE_MIN = 1 << 14;

/** The 8 weights of every byte of a 1-bit plane: entry 8b + k = bit k of b ? hi : lo. */
function byteTable(lo: number, hi: number): Float32Array {
  const t = new Float32Array(2048);
  for (let b = 0; b < 256; b++) for (let k = 0; k < 8; k++) t[8 * b + k] = (b >> k) & 1 ? hi : lo;
  return t;
}

/**
 * Dequantized weights of a record, float32, pruned entries exactly 0. Written into `out` when
 * given (its first n entries; the compress write reuses one buffer for every layer).
 * Codes come from `codes`, or for 1-bit methods from `bits` when the record carries those.
 */
export function dequantizeLayer(l: PackedLayer, out?: Float32Array): Float32Array {
  const n = prod(l.shape);
  if (l.method === 'float') {
    const v = l.values ?? new Float32Array(n);
    if (!out) return v;
    out.set(v.subarray(0, n));
    return out.subarray(0, n);
  }
  const q = out ? out.subarray(0, n) : new Float32Array(n);
  const keep = expandMask(l.maskKind, l.mask, l.shape, l.outAxis);
  const { table, symbols } = levelTable(l);
  // Walk the tensor as [outer, groups, inner] (one group when per tensor): no division per weight.
  const G = l.groups;
  const inner = G > 1 ? axisStride(l.shape, l.outAxis) : n;
  const outer = n / (G * inner);
  const bits = l.bits && isBinary(l.method) ? l.bits : null;
  const codes = l.codes;
  let i = 0;
  let j = 0;
  for (let o = 0; o < outer; o++) {
    for (let g = 0; g < G; g++) {
      const base = g * symbols;
      const end = i + inner;
      if (keep) {
        for (; i < end; i++) {
          if (!keep[i]) {
            q[i] = 0;
            continue;
          }
          const c = bits ? (bits[j >> 3] >> (j & 7)) & 1 : codes[j];
          j++;
          q[i] = table[base + c];
        }
      } else if (bits) {
        // Branch-free: the bit indexes the group's two levels (random bits would mispredict).
        // Long groups go a byte at a time through a table of the 256 8-weight patterns.
        if (inner >= BYTE_TABLE_MIN) {
          for (; i < end && j & 7; i++, j++) q[i] = table[base + ((bits[j >> 3] >> (j & 7)) & 1)];
          const t8 = byteTable(table[base], table[base + 1]);
          for (; i + 8 <= end; i += 8, j += 8) {
            const o = bits[j >> 3] << 3;
            q[i] = t8[o];
            q[i + 1] = t8[o + 1];
            q[i + 2] = t8[o + 2];
            q[i + 3] = t8[o + 3];
            q[i + 4] = t8[o + 4];
            q[i + 5] = t8[o + 5];
            q[i + 6] = t8[o + 6];
            q[i + 7] = t8[o + 7];
          }
        }
        for (; i < end; i++, j++) q[i] = table[base + ((bits[j >> 3] >> (j & 7)) & 1)];
      } else {
        for (; i < end; i++, j++) q[i] = table[base + codes[j]];
      }
    }
  }
  return q;
}

// ---- writing ---------------------------------------------------------------------------------

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  private put(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u8(v: number): void {
    this.put(Uint8Array.of(v));
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.put(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.put(b);
  }
  bytes(b: Uint8Array): void {
    this.put(b);
  }
  str16(s: string): void {
    const b = new TextEncoder().encode(s);
    if (b.length > 0xffff) throw new Error(`name too long for .sbnn: ${s.slice(0, 40)}…`);
    this.u16(b.length);
    this.put(b);
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function packBits(bits: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  const whole = count >> 3;
  for (let b = 0, i = 0; b < whole; b++, i += 8) {
    out[b] = bits[i] | (bits[i + 1] << 1) | (bits[i + 2] << 2) | (bits[i + 3] << 3) | (bits[i + 4] << 4) | (bits[i + 5] << 5) | (bits[i + 6] << 6) | (bits[i + 7] << 7);
  }
  for (let i = whole * 8; i < count; i++) if (bits[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

function unpackBits(b: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (b[i >> 3] >> (i & 7)) & 1;
  return out;
}

/** Packs codes of `bits` bits each (2, 4, 8) little-end first within a byte. */
function packCodes(codes: Uint8Array, bits: number): Uint8Array {
  if (bits === 8) return codes;
  const per = 8 / bits;
  const out = new Uint8Array(Math.ceil(codes.length / per));
  for (let i = 0; i < codes.length; i++) out[Math.floor(i / per)] |= codes[i] << ((i % per) * bits);
  return out;
}

function unpackCodes(b: Uint8Array, count: number, bits: number): Uint8Array {
  if (bits === 8) return b.slice(0, count);
  const per = 8 / bits;
  const maskv = (1 << bits) - 1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (b[Math.floor(i / per)] >> ((i % per) * bits)) & maskv;
  return out;
}

/** Ternary codes 0..2, five to a byte (3^5 = 243). */
function packTrits(codes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 5));
  for (let i = 0; i < codes.length; i += 5) {
    let v = 0;
    for (let k = Math.min(4, codes.length - 1 - i); k >= 0; k--) v = v * 3 + codes[i + k];
    out[i / 5] = v;
  }
  return out;
}

function unpackTrits(b: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i += 5) {
    let v = b[i / 5];
    if (v >= 243) throw new Error('invalid ternary byte');
    for (let k = 0; k < 5 && i + k < count; k++) {
      out[i + k] = v % 3;
      v = Math.floor(v / 3);
    }
  }
  return out;
}

/**
 * The plane bytes of a record and how they are encoded (the smaller of packed and range-coded for
 * 1-bit planes); for 1-bit planes also the packed bits.
 */
function encodePlane(l: PackedLayer): { encoding: PlaneEncoding; prob0: number; data: Uint8Array; bits: Uint8Array | null } {
  if (l.method === 'float') {
    const v = l.values!;
    return { encoding: PlaneEncoding.Packed, prob0: 0, data: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)), bits: null };
  }
  if (l.method === 'ternary') return { encoding: PlaneEncoding.Packed, prob0: 0, data: packTrits(l.codes), bits: null };
  if (!isBinary(l.method)) return { encoding: PlaneEncoding.Packed, prob0: 0, data: packCodes(l.codes, intBits(l.method)), bits: null };
  const n = l.codes.length;
  const packed = packBits(l.codes, n);
  const ones = countOnes(packed);
  // The coder lands within about 1% of n H(p) bits (+5 flush bytes): only try it when that can win.
  const p = n ? ones / n : 0;
  const h = p > 0 && p < 1 ? -p * Math.log2(p) - (1 - p) * Math.log2(1 - p) : 0;
  if ((n * h * 1.02) / 8 + 8 < packed.length) {
    const prob0 = zeroProbability(ones, n);
    const coded = encodeBits(l.codes, n, prob0);
    if (coded.length < packed.length) return { encoding: PlaneEncoding.RangeCoded, prob0, data: coded, bits: packed };
  }
  return { encoding: PlaneEncoding.Packed, prob0: 0, data: packed, bits: packed };
}

/** Set bits of a packed plane (its tail bits beyond the count are zero). */
function countOnes(b: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < b.length; i++) c += POPCOUNT[b[i]];
  return c;
}
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let c = 0;
  for (let x = v; x; x >>= 1) c += x & 1;
  return c;
});

/** Encodes one layer record (with its leading u32 length). */
export function encodeLayerRecord(l: PackedLayer): Uint8Array {
  return encodeLayer(l).record;
}

/**
 * Encodes one layer record (with its leading u32 length) and returns, for 1-bit methods, the codes
 * packed 8 to a byte: with those, decodeLayerRecord needs no range decoding.
 */
export function encodeLayer(l: PackedLayer): { record: Uint8Array; bits: Uint8Array | null } {
  const w = new Writer();
  w.str16(l.weight);
  w.u8(METHOD_IDS.indexOf(l.method));
  w.u8(l.dtype);
  w.u8(l.shape.length);
  w.u8(l.outAxis);
  for (const d of l.shape) w.u32(d);
  w.u32(l.groups);
  w.u8(MASK_KINDS.indexOf(l.maskKind));
  const units = l.mask ? l.mask.length : 0;
  w.u32(units);
  if (l.mask) w.bytes(packBits(l.mask, units));
  w.u32(l.method === 'float' ? prod(l.shape) : l.codes.length);
  w.bytes(new Uint8Array(l.params.buffer.slice(l.params.byteOffset, l.params.byteOffset + l.params.byteLength)));
  const plane = encodePlane(l);
  w.u8(plane.encoding);
  w.u16(plane.prob0);
  w.u32(plane.data.length);
  w.bytes(plane.data);
  const body = w.concat();
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return { record: out, bits: plane.bits };
}

export interface PackedHeader {
  tool: string;
  version: string;
  model: string;
  settings: unknown;
}

/** The whole file as chunks: header, records, CRC-32. Returns per-record byte sizes too. */
export function encodePacked(header: PackedHeader, records: Uint8Array[]): { chunks: Uint8Array[]; size: number } {
  const w = new Writer();
  w.bytes(new TextEncoder().encode(PACKED_MAGIC));
  w.u16(PACKED_VERSION);
  w.u16(0);
  w.u32(records.length);
  const json = new TextEncoder().encode(JSON.stringify(header));
  w.u32(json.length);
  w.bytes(json);
  const head = w.concat();
  let crc = crc32(head);
  for (const r of records) crc = crc32(r, crc);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc >>> 0, true);
  const chunks = [head, ...records, tail];
  return { chunks, size: chunks.reduce((a, c) => a + c.length, 0) };
}

// ---- reading ---------------------------------------------------------------------------------

class Reader {
  pos = 0;
  private dv: DataView;
  constructor(
    private b: Uint8Array,
    private file: string,
    private end = b.length,
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) throw new SbnnError(this.file, `damaged .sbnn file: ${what} runs past the end of its record`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.pos++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str16(what: string): string {
    return new TextDecoder().decode(this.bytes(this.u16(what), what));
  }
}

export interface PackedFile {
  header: PackedHeader;
  layers: PackedLayer[];
  /** Byte size of each record including its length prefix. */
  recordBytes: number[];
}

/** One layer record's body, b[start, start + len), with every field checked. */
function decodeRecordBody(b: Uint8Array, file: string, start: number, len: number, knownBits: Uint8Array | null = null): PackedLayer {
  const damaged = (what: string): SbnnError => new SbnnError(file, `damaged .sbnn file: ${what}`);
  const rr = new Reader(b, file, start + len);
  rr.pos = start;
  const weight = rr.str16('name');
  const method = METHOD_IDS[rr.u8('method')];
  if (!method) throw damaged(`layer "${weight}": unknown method`);
  const dtype = rr.u8('dtype');
  const rank = rr.u8('rank');
  const outAxis = rr.u8('axis');
  const shape: number[] = [];
  for (let k = 0; k < rank; k++) shape.push(rr.u32('dims'));
  const n = prod(shape);
  if (rank > 0 && outAxis >= rank) throw damaged(`layer "${weight}": channel axis out of range`);
  const groups = rr.u32('groups');
  if (groups !== 1 && groups !== shape[outAxis]) throw damaged(`layer "${weight}": group count does not match the shape`);
  const maskKind = MASK_KINDS[rr.u8('mask kind')];
  if (!maskKind) throw damaged(`layer "${weight}": unknown mask kind`);
  const units = rr.u32('mask units');
  const expectedUnits = maskKind === 'none' ? 0 : maskKind === 'weight' ? n : maskKind === 'channel' ? shape[outAxis] : shape[0] * shape[1];
  if (units !== expectedUnits) throw damaged(`layer "${weight}": mask size does not match the shape`);
  const mask = units ? unpackBits(rr.bytes(Math.ceil(units / 8), 'mask'), units) : null;
  const kept = rr.u32('code count');
  const keepAll = expandMask(maskKind, mask, shape, outAxis);
  const expectedKept = method === 'float' ? n : keepAll ? keepAll.reduce((a, x) => a + x, 0) : n;
  if (kept !== expectedKept) throw damaged(`layer "${weight}": code count does not match the mask`);
  const np = groups * paramsPerGroup(method);
  const pb = rr.bytes(np * 4, 'parameters');
  const params = new Float32Array(new Uint8Array(pb).buffer); // copy: Buffer.slice would be a view
  const encoding = rr.u8('plane encoding');
  const prob0 = rr.u16('probability');
  const plane = rr.bytes(rr.u32('plane length'), 'plane');
  if (rr.pos !== start + len) throw damaged(`layer "${weight}": record length mismatch`);
  let codes: Uint8Array = new Uint8Array(0);
  let values: Float32Array | undefined;
  if (knownBits && isBinary(method)) {
    if (knownBits.length !== Math.ceil(kept / 8)) throw damaged(`layer "${weight}": bit plane size`);
    return { weight, method, dtype, shape, outAxis, groups, params, maskKind, mask, codes, bits: knownBits };
  }
  try {
    if (method === 'float') {
      if (plane.length !== n * 4) throw new Error('float plane size');
      values = new Float32Array(new Uint8Array(plane).buffer);
    } else if (method === 'ternary') {
      if (plane.length !== Math.ceil(kept / 5)) throw new Error('ternary plane size');
      codes = unpackTrits(plane, kept);
    } else if (isBinary(method)) {
      if (encoding === PlaneEncoding.RangeCoded) {
        if (prob0 < 1 || prob0 > 2047) throw new Error('probability');
        codes = new Uint8Array(kept);
        const c = codes;
        decodeBits(plane, kept, prob0, (i, bit) => {
          c[i] = bit;
        });
      } else if (encoding === PlaneEncoding.Packed) {
        if (plane.length !== Math.ceil(kept / 8)) throw new Error('bit plane size');
        codes = unpackBits(plane, kept);
      } else throw new Error('plane encoding');
    } else {
      const bits = intBits(method);
      if (plane.length !== Math.ceil((kept * bits) / 8)) throw new Error('int plane size');
      codes = unpackCodes(plane, kept, bits);
      const maxCode = 2 * ((1 << (bits - 1)) - 1);
      if (codes.some((c) => c > maxCode)) throw new Error('int code out of range');
    }
  } catch (e) {
    throw damaged(`layer "${weight}": ${(e as Error).message}`);
  }
  return { weight, method, dtype, shape, outAxis, groups, params, maskKind, mask, codes, values };
}

/**
 * Decodes one record as produced by encodeLayerRecord (with its u32 length prefix). `bits`: the
 * 1-bit codes packed as encodeLayer returned them, used instead of decoding the plane.
 */
export function decodeLayerRecord(record: Uint8Array, file = '(record)', bits: Uint8Array | null = null): PackedLayer {
  const len = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(0, true);
  if (len + 4 !== record.length) throw new SbnnError(file, 'damaged .sbnn record: length mismatch');
  return decodeRecordBody(record, file, 4, len, bits);
}

export function decodePacked(b: Uint8Array, file: string): PackedFile {
  const damaged = (what: string): SbnnError => new SbnnError(file, `damaged .sbnn file: ${what}`);
  if (b.length < 20 || new TextDecoder().decode(b.subarray(0, 4)) !== PACKED_MAGIC) throw new SbnnError(file, 'not a .sbnn file (bad magic)');
  const stored = new DataView(b.buffer, b.byteOffset + b.length - 4, 4).getUint32(0, true);
  if ((crc32(b.subarray(0, b.length - 4)) >>> 0) !== stored) throw damaged('checksum mismatch');
  const r = new Reader(b, file, b.length - 4);
  r.pos = 4;
  const version = r.u16('version');
  if (version !== PACKED_VERSION) throw new SbnnError(file, `unsupported .sbnn version ${version}`);
  r.u16('flags');
  const count = r.u32('layer count');
  let header: PackedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(r.bytes(r.u32('header length'), 'header')));
  } catch (e) {
    if (e instanceof SbnnError) throw e;
    throw damaged('header is not valid JSON');
  }
  const layers: PackedLayer[] = [];
  const recordBytes: number[] = [];
  for (let li = 0; li < count; li++) {
    const len = r.u32('record length');
    const start = r.pos;
    r.need(len, 'layer record');
    layers.push(decodeRecordBody(b, file, start, len));
    recordBytes.push(4 + len);
    r.pos = start + len;
  }
  if (r.pos !== b.length - 4) throw damaged('trailing bytes after the last record');
  return { header, layers, recordBytes };
}
