import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCurve, layerOptions, ONES_GRID } from '../../src/engine/curve/index';
import { quantize } from '../../src/engine/quantize/index';
import { codeHistogram, layerBits } from '../../src/engine/bits/index';
import { sbnnOnes } from '../../src/engine/quantize/common';
import { DISTS, mulberry32, sample } from '../helpers/rng';
import { bruteSbnn, bruteSparse01 } from '../helpers/brute';
import type { Method } from '../../src/shared/report';

function close(actual: number, expected: number, what: string, rel = 1e-9, abs = 1e-12) {
  assert.ok(Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

const SETUPS = [
  { shape: [300], axis: null },
  { shape: [7], axis: null },
  { shape: [16, 3, 3, 3], axis: 0 },
  { shape: [20, 12], axis: 1 },
] as const;

test('curve errors equal quantize() errors for many shares, per tensor and per channel, with masks', () => {
  const r = mulberry32(21);
  for (const { shape, axis } of SETUPS) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      for (const masked of [false, true]) {
        const mask = masked ? Uint8Array.from({ length: n }, () => (r() < 0.4 ? 0 : 1)) : null;
        const perChannel = axis === null ? null : { shape: [...shape], axis };
        const curve = errorCurve(w, { perChannel, mask });
        const what = `[${shape}] axis=${axis} ${dist} masked=${masked}`;
        for (const p of [0.01, 0.05, 0.1, 0.2, 0.33, 0.5, 0.7, 0.95]) {
          close(curve.sbnnErrorAt(p), quantize(w, 'sbnn', { ones: p, perChannel, mask }).error, `sbnn p=${p} ${what}`);
          close(curve.sparse01ErrorAt(p), quantize(w, 'sparse01', { ones: p, perChannel, mask }).error, `sparse01 p=${p} ${what}`);
        }
        const sf = quantize(w, 'sbnn', { perChannel, mask });
        close(curve.sbnnFree().error, sf.error, `sbnn free ${what}`);
        close(curve.sbnnFree().ones, sf.ones!, `sbnn free ones ${what}`, 0, 0);
        const zf = quantize(w, 'sparse01', { perChannel, mask });
        close(curve.sparse01Free().error, zf.error, `sparse01 free ${what}`);
        const b = quantize(w, 'bnn', { perChannel, mask });
        close(curve.bnnError(), b.error, `bnn ${what}`);
        assert.equal(curve.bnnOnes(), b.ones);
        const t = quantize(w, 'ternary', { perChannel, mask });
        close(curve.ternaryError(), t.error, `ternary ${what}`);
        if (dist !== 'ties' && dist !== 'constant') assert.deepEqual(curve.ternary().counts, Array.from(codeHistogram(t.codes, 3, mask)));
        for (const [m, k] of [['int2', 2], ['int4', 4], ['int8', 8]] as const) {
          const qi = quantize(w, m, { perChannel, mask });
          const ci = curve.intError(k);
          close(ci.error, qi.error, `${m} ${what}`);
          assert.deepEqual(Array.from(ci.counts), Array.from(codeHistogram(qi.codes, 2 ** k - 1, mask)), `${m} histogram ${what}`);
          assert.deepEqual(Array.from(ci.scales), Array.from(qi.scale!));
        }
        let energy = 0;
        for (const x of w) energy += x * x;
        close(curve.energy, energy, 'energy', 1e-12);
      }
    }
  }
});

test('per-tensor E(k) equals brute force over all C(n,k) for every k', () => {
  const r = mulberry32(22);
  for (const n of [2, 3, 6, 10]) {
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      const curve = errorCurve(w);
      for (let k = 1; k < n; k++) {
        close(curve.sbnnError(k), bruteSbnn(w, k), `sbnn n=${n} k=${k} ${dist}`);
        close(curve.sparse01Error(k), bruteSparse01(w, k), `sparse01 n=${n} k=${k} ${dist}`);
      }
      close(curve.sparse01Error(n), bruteSparse01(w, n), `sparse01 k=n`);
    }
  }
});

test('E(k) of sbnn is non-increasing toward the free optimum and ends at the free optimum', () => {
  const w = sample(mulberry32(23), 1000, 'laplace');
  const curve = errorCurve(w);
  let best = Infinity;
  for (let k = 1; k < 1000; k++) best = Math.min(best, curve.sbnnError(k));
  close(curve.sbnnFree().error, best, 'free = min over k');
  assert.throws(() => errorCurve(w, { perChannel: { shape: [10, 100], axis: 0 } }).sbnnError(3), /per-tensor/);
});

test('layerOptions: each option is reproduced by quantize() with its method and ones', () => {
  const r = mulberry32(24);
  const shape = [8, 4, 3, 3];
  const n = 8 * 4 * 9;
  const w = sample(r, n, 'normal');
  const mask = Uint8Array.from({ length: n }, () => (r() < 0.25 ? 0 : 1));
  for (const perChannel of [null, { shape, axis: 0 }]) {
    const curve = errorCurve(w, { perChannel, mask });
    const opts = layerOptions(curve, { mask });
    const methods = new Set(opts.map((o) => o.method));
    assert.deepEqual([...methods].sort(), (['bnn', 'float', 'int2', 'int4', 'int8', 'sbnn', 'sparse01', 'ternary'] as Method[]).sort());
    // distinct counts only: never two sbnn grid options with the same number of ones
    const ks = opts.filter((o) => o.method === 'sbnn' && o.ones !== null).map((o) => curve.sbnnOnesCount(o.ones!));
    assert.equal(new Set(ks).size, ks.length);
    for (const o of opts) {
      const q = quantize(w, o.method, { ones: o.ones, perChannel, mask });
      close(o.error, q.error, `${o.method} ones=${o.ones}`);
      const sym = o.method === 'ternary' ? 3 : o.method.startsWith('int') ? 2 ** Number(o.method.slice(3)) - 1 : 2;
      const expectBits = layerBits({
        method: o.method,
        n,
        kept: q.kept,
        groups: q.groups,
        ones: q.ones,
        counts: o.method === 'ternary' || o.method.startsWith('int') ? codeHistogram(q.codes, sym, mask) : null,
        mask,
      }).entropy;
      close(o.bits, expectBits, `${o.method} ones=${o.ones} bits`);
    }
  }
});

test('ONES_GRID is 48 log-spaced shares from 0.005 to 0.5', () => {
  assert.equal(ONES_GRID.length, 48);
  close(ONES_GRID[0]!, 0.005, 'first');
  close(ONES_GRID[47]!, 0.5, 'last');
  close(ONES_GRID[1]! / ONES_GRID[0]!, ONES_GRID[47]! / ONES_GRID[46]!, 'constant ratio');
  // k as quantize computes it for a 100-weight tensor at the grid's top
  assert.equal(sbnnOnes(ONES_GRID[47]!, 100), 50);
});

test('interleaved curves do not read each other\'s pooled working arrays', () => {
  const r = mulberry32(25);
  const a = sample(r, 5000, 'normal');
  const b = sample(r, 7000, 'laplace');
  const ca = errorCurve(a);
  const cb = errorCurve(b);
  ca.ternary(); // ca now holds the pool
  cb.ternary(); // cb takes it over
  const ia = ca.intError(8); // must rebuild, not read cb's |w|
  const fresh = errorCurve(a).intError(8);
  assert.equal(ia.error, fresh.error);
  assert.deepEqual(Array.from(ia.scales), Array.from(fresh.scales));
  close(ia.error, quantize(a, 'int8').error, 'int8 after interleaving');
});
