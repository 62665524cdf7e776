import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacked, dequantizeLayer, encodeLayerRecord, encodePacked, PlaneEncoding, type PackedLayer } from '../../src/engine/export/packed';
import { decodeBits, encodeBits, zeroProbability } from '../../src/engine/export/rangeCoder';
import { SbnnError } from '../../src/engine/errors';
import { mulberry32 as rng } from '../helpers/rng';


const concat = (chunks: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
};

test('range coder round-trips bit planes of any density and lands near n*H(p)', () => {
  const r = rng(7);
  for (const p of [0, 0.001, 0.05, 0.1, 0.5, 0.93, 1]) {
    for (const n of [0, 1, 2, 9, 1000, 100_000]) {
      const bits = Uint8Array.from({ length: n }, () => (r() < p ? 1 : 0));
      const ones = bits.reduce((a, b) => a + b, 0);
      const prob = zeroProbability(ones, n);
      const enc = encodeBits(bits, n, prob);
      const dec = new Uint8Array(n);
      decodeBits(enc, n, prob, (i, b) => {
        dec[i] = b;
      });
      assert.deepEqual(dec, bits, `p=${p} n=${n}`);
      if (n === 100_000 && ones > 0 && ones < n) {
        const q = ones / n;
        const h = -q * Math.log2(q) - (1 - q) * Math.log2(1 - q);
        // 11-bit probabilities cost a little; within 1% of the entropy plus the 5-byte flush.
        assert.ok(enc.length * 8 <= n * h * 1.01 + 64, `p=${p}: ${enc.length * 8} bits vs entropy ${n * h}`);
      }
    }
  }
});

function layer(method: PackedLayer['method'], shape: number[], seed: number, extra: Partial<PackedLayer> = {}): PackedLayer {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const maxCode: Record<string, number> = { sbnn: 1, bnn: 1, sparse01: 1, ternary: 2, int8: 254, int4: 14, int2: 2 };
  const groups = extra.groups ?? 1;
  const ppg = method === 'sbnn' ? 2 : method === 'float' ? 0 : 1;
  const mask = extra.mask ?? null;
  const keepCount = extra.maskKind === 'weight' && mask ? mask.reduce((a, b) => a + b, 0) : n;
  const sparse = method === 'sbnn' || method === 'sparse01';
  return {
    weight: `w_${method}_${seed}`,
    method,
    dtype: 1,
    shape,
    outAxis: 0,
    groups,
    params: Float32Array.from({ length: groups * ppg }, () => r() - 0.5),
    maskKind: 'none',
    mask: null,
    codes: method === 'float' ? new Uint8Array(0) : Uint8Array.from({ length: keepCount }, () => (sparse ? (r() < 0.08 ? 1 : 0) : Math.floor(r() * (maxCode[method] + 1)))),
    values: method === 'float' ? Float32Array.from({ length: n }, () => r()) : undefined,
    ...extra,
  };
}

test('packed file round-trips every method, per tensor and per channel, with masks', () => {
  const mask = Uint8Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => (i % 5 === 0 ? 0 : 1));
  const layers: PackedLayer[] = [
    layer('sbnn', [4, 3, 3, 3], 1),
    layer('sbnn', [4, 3, 3, 3], 2, { groups: 4 }),
    layer('bnn', [8, 5], 3),
    layer('sparse01', [16, 16], 4),
    layer('ternary', [7, 3], 5),
    layer('int8', [3, 3], 6, { groups: 3 }),
    layer('int4', [5, 3], 7),
    layer('int2', [3, 7], 8),
    layer('float', [2, 3], 9),
    layer('sbnn', [4, 3, 3, 3], 10, { maskKind: 'weight', mask }),
  ];
  // A channel mask: only kept channels carry codes.
  const chMask = Uint8Array.of(1, 0, 1, 1);
  const ch = layer('sbnn', [4, 2, 3, 3], 11, { maskKind: 'channel', mask: chMask });
  ch.codes = ch.codes.subarray(0, 3 * 18);
  layers.push(ch);
  const records = layers.map(encodeLayerRecord);
  const { chunks, size } = encodePacked({ tool: 't', version: '1', model: 'm.onnx', settings: {} }, records);
  const file = concat(chunks);
  assert.equal(file.length, size);
  const back = decodePacked(file, 'x.sbnn');
  assert.equal(back.layers.length, layers.length);
  assert.deepEqual(back.recordBytes, records.map((r) => r.length));
  back.layers.forEach((l, i) => {
    const a = layers[i];
    assert.equal(l.method, a.method);
    assert.deepEqual(l.shape, a.shape);
    assert.deepEqual(l.codes, a.codes, a.weight);
    assert.deepEqual(dequantizeLayer(l), dequantizeLayer(a), a.weight);
  });
  // Pruned channel is exact zeros; kept ones take alpha or beta.
  const q = dequantizeLayer(back.layers[layers.length - 1]);
  assert.ok(q.subarray(18, 36).every((x) => x === 0));
});

test('a sparse 1-bit plane is stored range-coded, a dense one packed', () => {
  const sparse = layer('sbnn', [64, 64], 12);
  const dense = layer('bnn', [64, 64], 13);
  const recS = encodeLayerRecord(sparse);
  const recD = encodeLayerRecord(dense);
  // 4096 weights at ~8% ones: packed would need 512 bytes for the plane.
  assert.ok(recS.length < 4 + 512, `sparse record ${recS.length} bytes`);
  assert.ok(recD.length >= 512);
  const file = concat(encodePacked({ tool: 't', version: '1', model: 'm', settings: {} }, [recS, recD]).chunks);
  const back = decodePacked(file, 'x.sbnn');
  assert.deepEqual(back.layers[0].codes, sparse.codes);
  assert.deepEqual(back.layers[1].codes, dense.codes);
  assert.equal(PlaneEncoding.RangeCoded, 1);
});

test('damaged .sbnn files are refused with one clear line', () => {
  const rec = encodeLayerRecord(layer('sbnn', [8, 8], 14));
  const file = concat(encodePacked({ tool: 't', version: '1', model: 'm', settings: {} }, [rec]).chunks);
  const expectRefusal = (b: Uint8Array, re: RegExp): void => {
    assert.throws(
      () => decodePacked(b, 'bad.sbnn'),
      (e: unknown) => e instanceof SbnnError && e.message.startsWith('bad.sbnn: ') && re.test(e.message) && !e.message.includes('\n'),
    );
  };
  expectRefusal(new TextEncoder().encode('hello world, not a packed file at all'), /not a \.sbnn file/);
  expectRefusal(file.subarray(0, file.length - 7), /checksum/);
  for (const at of [5, 20, 40, file.length - 10, file.length - 2]) {
    const flipped = file.slice();
    flipped[at] ^= 0x10;
    expectRefusal(flipped, /damaged|unsupported|not a/);
  }
  assert.doesNotThrow(() => decodePacked(file, 'ok.sbnn'));
});
