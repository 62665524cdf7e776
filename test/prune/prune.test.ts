import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryStructureStats, parsePruneSpec, pruneMask } from '../../src/engine/prune/index';
import { SbnnError } from '../../src/engine/errors';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('parsePruneSpec accepts the four kinds and refuses bad specs with one clear line', () => {
  assert.deepEqual(parsePruneSpec('magnitude:0.5'), { kind: 'magnitude', share: 0.5 });
  assert.deepEqual(parsePruneSpec('nm:2:4'), { kind: 'nm', n: 2, m: 4 });
  assert.deepEqual(parsePruneSpec('channel:0.25'), { kind: 'channel', share: 0.25 });
  assert.deepEqual(parsePruneSpec('kernel:0.3'), { kind: 'kernel', share: 0.3 });
  for (const [bad, why] of [
    ['magnitude', /expected magnitude:SHARE/],
    ['magnitude:1', /share must be a number in \[0, 1\)/],
    ['magnitude:-0.1', /share must be/],
    ['channel:abc', /share must be/],
    ['channel:', /share must be/],
    ['nm:4:2', /1 <= N <= M/],
    ['nm:2', /expected nm:N:M/],
    ['nm:1.5:4', /integers/],
    ['random:0.5', /kind must be/],
  ] as const) {
    assert.throws(() => parsePruneSpec(bad), (e: unknown) => e instanceof SbnnError && why.test(e.message) && e.message.startsWith(`bad --prune spec "${bad}": `), bad);
  }
});

test('magnitude pruning removes exactly floor(s*n) weights, the smallest |w|, ties by index', () => {
  const r = mulberry32(31);
  for (const dist of DISTS) {
    for (const n of [1, 10, 257]) {
      const w = sample(r, n, dist);
      for (const s of [0, 0.1, 0.5, 0.9, 0.999]) {
        const mask = pruneMask(w, { shape: [n], outAxis: 0, inAxis: 0 }, { kind: 'magnitude', share: s });
        const count = Math.floor(s * n);
        // Oracle: stable order by (|w|, index); the first `count` are pruned.
        const order = Array.from(w.keys()).sort((a, b) => Math.abs(w[a]!) - Math.abs(w[b]!) || a - b);
        const expect = new Uint8Array(n).fill(1);
        for (let i = 0; i < count; i++) expect[order[i]!] = 0;
        assert.deepEqual(mask, expect, `${dist} n=${n} s=${s}`);
      }
    }
  }
});

test('N:M keeps the N largest |w| of each M consecutive weights along the input axis', () => {
  // Gemm-like [out=2, in=6], input axis 1: groups (0..3), (4..5) per row for 2:4.
  const w = new Float32Array([0.1, -0.9, 0.3, 0.2, 5, 6, /* row 2 */ 1, 1, 1, 1, 0.5, -0.7]);
  const mask = pruneMask(w, { shape: [2, 6], outAxis: 0, inAxis: 1 }, { kind: 'nm', n: 2, m: 4 });
  assert.deepEqual(Array.from(mask), [0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1]);
  // Input axis 0 (ConvTranspose-like [in=4, out=1, 1, 1]): the group runs across axis 0.
  const w2 = new Float32Array([3, -4, 1, 2]);
  const m2 = pruneMask(w2, { shape: [4, 1, 1, 1], outAxis: 1, inAxis: 0 }, { kind: 'nm', n: 1, m: 4 });
  assert.deepEqual(Array.from(m2), [0, 1, 0, 0]);
  // Conv OIHW [2, 4, 1, 2]: input axis 1 with stride 2; each (o, h, w) line keeps 2 of 4.
  const r = mulberry32(32);
  const w3 = sample(r, 16, 'normal');
  const m3 = pruneMask(w3, { shape: [2, 4, 1, 2], outAxis: 0, inAxis: 1 }, { kind: 'nm', n: 2, m: 4 });
  for (let o = 0; o < 2; o++)
    for (let x = 0; x < 2; x++) {
      const idx = [0, 1, 2, 3].map((i) => o * 8 + i * 2 + x);
      const kept = idx.filter((i) => m3[i]);
      assert.equal(kept.length, 2);
      const minKept = Math.min(...kept.map((i) => Math.abs(w3[i]!)));
      for (const i of idx) if (!m3[i]) assert.ok(Math.abs(w3[i]!) <= minKept);
    }
});

test('channel pruning drops the output channels with the smallest L1 on any axis', () => {
  // [out=4, in=2] rows L1: 3, 0.5, 2, 0.6 -> share 0.5 drops rows 1 and 3.
  const w = new Float32Array([1, -2, 0.25, 0.25, 2, 0, -0.3, 0.3]);
  assert.deepEqual(Array.from(pruneMask(w, { shape: [4, 2], outAxis: 0, inAxis: 1 }, { kind: 'channel', share: 0.5 })), [1, 1, 0, 0, 1, 1, 0, 0]);
  // The same values as [in=2, out=4] with out axis 1: column L1 c0 = 1+2 = 3, c1 = 2+0 = 2,
  // c2 = 0.25+0.3 = 0.55, c3 = 0.25+0.3 = 0.55 -> share 0.25 drops one: c2 (tie, lower index).
  const m = pruneMask(w, { shape: [2, 4], outAxis: 1, inAxis: 0 }, { kind: 'channel', share: 0.25 });
  assert.deepEqual(Array.from(m), [1, 1, 0, 1, 1, 1, 0, 1]);
});

test('kernel pruning drops whole (out, in) kernels with the smallest L1; non-4-D is refused', () => {
  const r = mulberry32(33);
  const shape = [3, 2, 2, 2];
  const w = sample(r, 24, 'laplace');
  const mask = pruneMask(w, { shape, outAxis: 0, inAxis: 1 }, { kind: 'kernel', share: 0.5 });
  const l1 = Array.from({ length: 6 }, (_, u) => w.subarray(u * 4, u * 4 + 4).reduce((a, x) => a + Math.abs(x), 0));
  const order = [...l1.keys()].sort((a, b) => l1[a]! - l1[b]! || a - b);
  for (let u = 0; u < 6; u++) {
    const dropped = order.indexOf(u) < 3;
    for (let j = 0; j < 4; j++) assert.equal(mask[u * 4 + j], dropped ? 0 : 1);
  }
  // ConvTranspose layout (I, O, kH, kW): the kernel is still the (axis 0, axis 1) pair.
  const mt = pruneMask(w, { shape, outAxis: 1, inAxis: 0 }, { kind: 'kernel', share: 0.5 });
  assert.deepEqual(mt, mask);
  assert.throws(() => pruneMask(new Float32Array(6), { shape: [2, 3], outAxis: 0, inAxis: 1 }, { kind: 'kernel', share: 0.5 }), /kernel pruning needs a 4-D conv weight/);
  assert.throws(() => pruneMask(new Float32Array(6), { shape: [2, 4], outAxis: 0, inAxis: 1 }, { kind: 'channel', share: 0.5 }), /holds 8 values, tensor has 6/);
});

test('binaryStructureStats counts zero filters, zero kernels and the kernel-pattern entropy', () => {
  // [O=2, I=2, 1, 2]: kernels of 2 bits.
  // filter 0: kernels (0,0) bits 00, (0,1) bits 10 ; filter 1: (1,0) 00, (1,1) 00
  const codes = new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0]);
  const s = binaryStructureStats(codes, null, [2, 2, 1, 2]);
  assert.equal(s.zeroFilters, 1);
  assert.equal(s.zeroKernels, 3);
  assert.equal(s.kernels, 4);
  // patterns: 0,1,0,0 -> p = (3/4, 1/4): H = 0.811278...
  assert.ok(Math.abs(s.kernelPatternEntropy! - (-(0.75 * Math.log2(0.75)) - 0.25 * Math.log2(0.25))) < 1e-12);
  // Pruning the whole filter 1 takes it (and its kernels) out of the counts.
  const mask = new Uint8Array([1, 1, 1, 1, 0, 0, 0, 0]);
  const m = binaryStructureStats(codes, mask, [2, 2, 1, 2]);
  assert.equal(m.zeroFilters, 0);
  assert.equal(m.zeroKernels, 1);
  assert.equal(m.kernels, 2);
  assert.equal(m.kernelPatternEntropy, 1);
  // 3x3 kernels: 512 patterns; all distinct patterns -> entropy log2(#kernels).
  const k = 8;
  const c3 = new Uint8Array(k * 9);
  for (let u = 0; u < k; u++) for (let j = 0; j < 9; j++) c3[u * 9 + j] = (u >> j) & 1;
  const s3 = binaryStructureStats(c3, null, [4, 2, 3, 3]);
  assert.equal(s3.kernelPatternEntropy, 3);
  assert.equal(s3.zeroKernels, 1);
  // 2-D: filters only; 5x5 kernels (25 bits > 16): no pattern stats.
  assert.deepEqual(binaryStructureStats(new Uint8Array([0, 0, 1, 0]), null, [2, 2]), { zeroFilters: 1, zeroKernels: null, kernelPatternEntropy: null, kernels: null });
  assert.equal(binaryStructureStats(new Uint8Array(25), null, [1, 1, 5, 5]).zeroKernels, null);
});

test('binaryStructureStats from packed bits equals the per-weight count (filters on axis 0 and 1, kernels up to 4x4)', () => {
  const r = mulberry32(77);
  const pack = (codes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(Math.ceil(codes.length / 8));
    codes.forEach((c, i) => (out[i >> 3] |= c << (i & 7)));
    return out;
  };
  let cases = 0;
  for (const shape of [[8, 3, 3, 3], [5, 7, 3, 3], [3, 2, 4, 4], [6, 5, 1, 1], [9, 2, 5, 5], [13, 11], [3, 40]]) {
    for (const outAxis of [0, 1]) {
      for (const p of [0, 0.02, 0.1, 0.5]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const codes = Uint8Array.from({ length: n }, () => (r() < p ? 1 : 0));
        // A few all-zero filters and kernels on purpose.
        codes.fill(0, 0, Math.min(n, 9));
        const want = binaryStructureStats(codes, null, shape, outAxis);
        // Zero filters by definition: filter of weight i = floor(i / stride) % C.
        const stride = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
        const anyOne = new Set<number>();
        codes.forEach((c, i) => c && anyOne.add(Math.floor(i / stride) % shape[outAxis]));
        assert.equal(want.zeroFilters, shape[outAxis] - anyOne.size, `${shape} axis ${outAxis} p ${p} zero filters`);
        assert.deepEqual(binaryStructureStats(codes, null, shape, outAxis, pack(codes)), want, `${shape} axis ${outAxis} p ${p}`);
        cases++;
      }
    }
  }
  assert.equal(cases, 56);
});
