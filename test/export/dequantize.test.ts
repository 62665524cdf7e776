// dequantizeLayer walks [outer, group, inner] with a value table; here it is checked against the
// plain per-weight definition (group = floor(i / stride) % groups, one code per kept weight) for
// every method, per tensor and per channel on axis 0 and 1, with every mask kind, from codes and
// from packed bits, into a fresh array and into a reused dirty buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLayerRecord, dequantizeLayer, encodeLayer, expandMask, type MaskKind, type PackedLayer } from '../../src/engine/export/packed';
import { mulberry32 } from '../helpers/rng';

const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);

/** The definition, one weight at a time. */
function dequantizeByDefinition(l: PackedLayer): Float32Array {
  const n = prod(l.shape);
  const stride = prod(l.shape.slice(l.outAxis + 1));
  const keep = expandMaskByDefinition(l.maskKind, l.mask, l.shape, l.outAxis);
  const ppg = l.method === 'sbnn' ? 2 : 1;
  const bits = l.method === 'int8' ? 8 : l.method === 'int4' ? 4 : l.method === 'int2' ? 2 : 0;
  const q = new Float32Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (keep && !keep[i]) continue;
    const g = l.groups > 1 ? Math.floor(i / stride) % l.groups : 0;
    const c = l.codes[j++];
    const a = l.params[g * ppg];
    q[i] =
      l.method === 'sbnn' ? (c ? a : l.params[g * ppg + 1])
      : l.method === 'bnn' ? (c ? a : -a)
      : l.method === 'sparse01' ? (c ? a : 0)
      : l.method === 'ternary' ? (c === 0 ? -a : c === 1 ? 0 : a)
      : (c - ((1 << (bits - 1)) - 1)) * a;
  }
  return q;
}

function expandMaskByDefinition(kind: MaskKind, mask: Uint8Array | null, shape: number[], outAxis: number): Uint8Array | null {
  if (kind === 'none' || !mask) return null;
  if (kind === 'weight') return mask;
  const n = prod(shape);
  const stride = prod(shape.slice(outAxis + 1));
  const k = prod(shape.slice(2));
  return Uint8Array.from({ length: n }, (_, i) => (kind === 'channel' ? mask[Math.floor(i / stride) % shape[outAxis]] : mask[Math.floor(i / k)]));
}

const packBits = (codes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(codes.length / 8));
  codes.forEach((c, i) => (out[i >> 3] |= c << (i & 7)));
  return out;
};

/** A record with random parameters for `groups` groups and the given codes. */
function makeRecord(r: () => number, method: PackedLayer['method'], shape: number[], outAxis: number, groups: number, codes: Uint8Array, maskKind: MaskKind = 'none', mask: Uint8Array | null = null): PackedLayer {
  const params = Float32Array.from({ length: groups * (method === 'sbnn' ? 2 : 1) }, () => r() - 0.5);
  return { weight: 'w', method, dtype: 1, shape, outAxis, groups, params, maskKind, mask, codes };
}

test('dequantizeLayer equals the per-weight definition: every method, grouping, mask kind, codes or bits, fresh or reused output', () => {
  const r = mulberry32(99);
  const maxCode: Record<string, number> = { sbnn: 1, bnn: 1, sparse01: 1, ternary: 2, int8: 254, int4: 14, int2: 2 };
  const dirty = Float32Array.from({ length: 4096 }, () => 123.5);
  let cases = 0;
  for (const shape of [[6, 5, 3, 3], [7, 13], [4, 3, 1, 1], [1, 9]]) {
    for (const outAxis of [0, 1]) {
      for (const perChannel of [false, true]) {
        for (const maskKind of ['none', 'weight', 'channel', 'kernel'] as MaskKind[]) {
          if (maskKind === 'kernel' && shape.length !== 4) continue;
          for (const method of Object.keys(maxCode) as PackedLayer['method'][]) {
            const n = prod(shape);
            const units = maskKind === 'none' ? 0 : maskKind === 'weight' ? n : maskKind === 'channel' ? shape[outAxis] : shape[0] * shape[1];
            const mask = units ? Uint8Array.from({ length: units }, () => (r() < 0.3 ? 0 : 1)) : null;
            const keep = expandMaskByDefinition(maskKind, mask, shape, outAxis);
            assert.deepEqual(expandMask(maskKind, mask, shape, outAxis), keep, `expandMask ${maskKind} ${shape} axis ${outAxis}`);
            const kept = keep ? keep.reduce((a, b) => a + b, 0) : n;
            const codes = Uint8Array.from({ length: kept }, () => Math.floor(r() * (maxCode[method] + 1)));
            const l = makeRecord(r, method, shape, outAxis, perChannel ? shape[outAxis] : 1, codes, maskKind, mask);
            const want = dequantizeByDefinition(l);
            const label = `${method} ${shape} axis ${outAxis} perChannel ${perChannel} mask ${maskKind}`;
            assert.deepEqual(dequantizeLayer(l), want, label);
            assert.deepEqual(dequantizeLayer(l, Float32Array.from(dirty)), want, `${label} into a reused buffer`);
            const { record, bits } = encodeLayer(l);
            if (method === 'sbnn' || method === 'bnn' || method === 'sparse01') {
              assert.deepEqual(bits, packBits(l.codes), label);
              assert.deepEqual(dequantizeLayer({ ...l, codes: new Uint8Array(0), bits: bits! }), want, `${label} from bits`);
              // With its bits, a record is rebuilt without decoding the plane; the weights are the same.
              assert.deepEqual(dequantizeLayer(decodeLayerRecord(record, 'x', bits)), want, `${label} record + bits`);
              if (bits!.length > 0) assert.throws(() => decodeLayerRecord(record, 'x', bits!.subarray(0, bits!.length - 1)), /bit plane size/);
            } else assert.equal(bits, null);
            assert.deepEqual(dequantizeLayer(decodeLayerRecord(record, 'x')), want, `${label} record`);
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases > 150, `${cases} cases`);
});

test('long 1-bit groups (the byte-table path) equal the definition, groups starting mid-byte included', () => {
  const r = mulberry32(5);
  for (const [shape, groups] of [[[3, 20001], 3], [[40000], 1], [[2, 16391], 2]] as [number[], number][]) {
    for (const method of ['sbnn', 'bnn', 'sparse01'] as const) {
      const n = prod(shape);
      const l = makeRecord(r, method, shape, 0, groups, Uint8Array.from({ length: n }, () => (r() < 0.1 ? 1 : 0)));
      const want = dequantizeByDefinition(l);
      const bits = encodeLayer(l).bits!;
      assert.deepEqual(dequantizeLayer({ ...l, codes: new Uint8Array(0), bits }, new Float32Array(n + 5).fill(9)), want, `${method} ${shape}`);
    }
  }
});
