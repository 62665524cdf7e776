import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entropyBits, histogramEntropy, layerBits } from '../../src/engine/bits/index';

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('entropyBits and histogramEntropy', () => {
  assert.equal(entropyBits(0.5), 1);
  assert.equal(entropyBits(0), 0);
  assert.equal(entropyBits(1), 0);
  near(entropyBits(0.1), -(0.1 * Math.log2(0.1)) - 0.9 * Math.log2(0.9), 'H(0.1)');
  near(entropyBits(0.1), entropyBits(0.9), 'symmetric');
  assert.equal(histogramEntropy([5, 5, 5, 5]), 2);
  assert.equal(histogramEntropy([0, 7, 0]), 0);
  near(histogramEntropy([1, 2, 1]), 1.5, 'H(1/4,1/2,1/4)');
});

test('layerBits: hand-computed totals per method', () => {
  // sbnn, 1000 weights, p = 0.1, per tensor: raw 1000 + 64; entropy 1000 H(0.1) + 64.
  const s = layerBits({ method: 'sbnn', n: 1000, kept: 1000, groups: 1, ones: 0.1 });
  assert.equal(s.raw, 1064);
  near(s.entropy, 1000 * entropyBits(0.1) + 64, 'sbnn entropy');
  // per channel (16 groups): 2 x 32 bits each.
  assert.equal(layerBits({ method: 'sbnn', n: 1000, kept: 1000, groups: 16, ones: 0.1 }).raw, 1000 + 16 * 64);
  // bnn / sparse01: one parameter per group.
  assert.equal(layerBits({ method: 'bnn', n: 100, kept: 100, groups: 1, ones: 0.5 }).entropy, 100 + 32);
  // magnitude-pruned to 600 kept: mask 1 bit per weight.
  const m = layerBits({ method: 'sparse01', n: 1000, kept: 600, groups: 1, ones: 0.5, maskKind: 'weight', maskUnits: 1000 });
  assert.equal(m.raw, 600 + 32 + 1000);
  assert.equal(m.entropy, 600 + 32 + 1000);
  // channel pruning: 1 bit per output channel from the unit mask.
  assert.equal(layerBits({ method: 'sbnn', n: 80, kept: 40, groups: 1, ones: 0.5, maskKind: 'channel', unitMask: new Uint8Array(8) }).raw, 40 + 64 + 8);
  // kernel-pattern entropy replaces the plane when smaller: 10 kernels x 0.5 bits < 90 x H(0.5).
  const k = layerBits({ method: 'sbnn', n: 90, kept: 90, groups: 1, ones: 0.5, patternEntropy: 0.5, shape: [5, 2, 3, 3] });
  assert.equal(k.entropy, 10 * 0.5 + 64);
  // ...but not when larger.
  assert.equal(layerBits({ method: 'sbnn', n: 90, kept: 90, groups: 1, ones: 0.5, patternEntropy: 50, shape: [5, 2, 3, 3] }).entropy, 90 + 64);
  // ternary: raw log2(3) per weight, entropy from the histogram.
  const t = layerBits({ method: 'ternary', n: 4, kept: 4, groups: 1, counts: [1, 2, 1] });
  near(t.raw, 4 * Math.log2(3) + 32, 'ternary raw');
  near(t.entropy, 4 * 1.5 + 32, 'ternary entropy');
  // ternary from codes with a mask: pruned codes do not count.
  const tc = layerBits({ method: 'ternary', n: 5, kept: 4, groups: 1, codes: new Uint8Array([0, 1, 1, 2, 0]), mask: new Uint8Array([1, 1, 1, 1, 0]), maskKind: 'weight', maskUnits: 5 });
  near(tc.entropy, 4 * 1.5 + 32 + 5, 'ternary from codes');
  // int8: raw 8 bits; entropy from the level histogram (2 levels equally likely = 1 bit).
  const i8 = new Float64Array(255);
  i8[0] = 50;
  i8[254] = 50;
  const b8 = layerBits({ method: 'int8', n: 100, kept: 100, groups: 1, counts: i8 });
  assert.equal(b8.raw, 832);
  assert.equal(b8.entropy, 132);
  // float: 32 bits, no parameters.
  assert.deepEqual(layerBits({ method: 'float', n: 10, kept: 10, groups: 1 }), { raw: 320, entropy: 320 });
});
