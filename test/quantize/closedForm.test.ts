// Every closed form against brute force over all assignments on small random tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantize, type QuantResult } from '../../src/engine/quantize/index';
import { sbnnOnes, sparse01Ones } from '../../src/engine/quantize/common';
import { searchIntScale, sweepIntScale, intSearchData, intErrorAt } from '../../src/engine/quantize/intk';
import { DISTS, mulberry32, sample } from '../helpers/rng';
import { bruteBnn, bruteSbnn, bruteSparse01, bruteTernary, gridInt, intErrorDirect } from '../helpers/brute';
import type { Method } from '../../src/shared/report';

function close(actual: number, expected: number, what: string, rel = 1e-9, abs = 1e-12) {
  assert.ok(Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

/** The error the result reports is the error of its own q, and pruned entries are exact zeros. */
function selfConsistent(w: Float32Array, r: QuantResult, mask?: Uint8Array) {
  let e = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i]! - r.q[i]!;
    e += d * d;
    if (mask && !mask[i]) assert.ok(r.q[i] === 0 && !Object.is(r.q[i], -0), 'pruned entry is exactly 0');
  }
  close(r.error, e, `${r.method} error equals sum (w - q)^2`, 1e-12, 1e-15);
}

const SIZES = [1, 2, 3, 5, 8, 12];

function* cases(seed: number, sizes = SIZES) {
  const r = mulberry32(seed);
  for (const n of sizes) for (const dist of DISTS) for (let rep = 0; rep < 3; rep++) yield { w: sample(r, n, dist), n, dist, r };
}

test('sbnn fixed p equals the best of all C(n,k) assignments', () => {
  for (const { w, n, dist, r } of cases(11)) {
    const p = 0.05 + 0.9 * r();
    const res = quantize(w, 'sbnn', { ones: p });
    const k = sbnnOnes(p, n);
    close(res.error, bruteSbnn(w, k), `sbnn n=${n} ${dist} p=${p}`);
    selfConsistent(w, res);
    // exactly k ones, every value alpha or beta
    let ones = 0;
    for (let i = 0; i < n; i++) {
      ones += res.codes[i]!;
      assert.equal(res.q[i], res.codes[i] ? res.alpha![0] : res.beta![0]);
    }
    assert.equal(ones, k);
    assert.equal(res.ones, k / n);
  }
});

test('sbnn free p equals the best of all 2^n assignments, with the ones the minority', () => {
  for (const { w, n, dist } of cases(12)) {
    const res = quantize(w, 'sbnn');
    close(res.error, bruteSbnn(w), `sbnn free n=${n} ${dist}`);
    selfConsistent(w, res);
    assert.ok(res.ones! <= 0.5, 'ones share <= 0.5');
  }
});

test('sbnn breaks ties at the threshold by index and keeps exactly k ones', () => {
  // k = 3 of four tied 1s: top-3 (error 6/7) beats bottom-3 (84/49); the first three 1s by index.
  const w = new Float32Array([0, 1, 1, 0, 1, 1, 0, 0, 0, 0]);
  const r = quantize(w, 'sbnn', { ones: 0.3 });
  assert.deepEqual(Array.from(r.codes), [0, 1, 1, 0, 1, 0, 0, 0, 0, 0]);
  assert.equal(r.alpha![0], 1);
  assert.equal(r.beta![0], Math.fround(1 / 7));
  close(r.error, 6 / 7, 'tie error', 1e-7);
});

test('sparse01 fixed and free equal brute force', () => {
  for (const { w, n, dist, r } of cases(13)) {
    const p = 0.05 + 0.9 * r();
    const fixed = quantize(w, 'sparse01', { ones: p });
    close(fixed.error, bruteSparse01(w, sparse01Ones(p, n)), `sparse01 n=${n} ${dist} p=${p}`);
    selfConsistent(w, fixed);
    for (let i = 0; i < n; i++) assert.equal(fixed.q[i], fixed.codes[i] ? fixed.alpha![0] : 0);
    const free = quantize(w, 'sparse01');
    close(free.error, bruteSparse01(w), `sparse01 free n=${n} ${dist}`);
    selfConsistent(w, free);
    assert.equal(free.beta, null);
  }
});

test('bnn a = mean |w| equals brute force over all sign patterns', () => {
  for (const { w, n, dist } of cases(14)) {
    const res = quantize(w, 'bnn');
    close(res.error, bruteBnn(w), `bnn n=${n} ${dist}`);
    selfConsistent(w, res);
    let plus = 0;
    for (let i = 0; i < n; i++) plus += res.codes[i]!;
    assert.equal(res.ones, plus / n);
  }
});

test('ternary exact threshold equals brute force over all 3^n assignments', () => {
  for (const { w, n, dist } of cases(15, [1, 2, 3, 5, 8, 10])) {
    const res = quantize(w, 'ternary');
    close(res.error, bruteTernary(w), `ternary n=${n} ${dist}`);
    selfConsistent(w, res);
    const a = res.alpha![0]!;
    for (let i = 0; i < n; i++) assert.equal(res.q[i], [-a, 0, a][res.codes[i]!]);
  }
});

test('intK scale search is at least as good as a fine brute-force grid', () => {
  for (const { w, n, dist } of cases(16)) {
    for (const [method, L] of [['int2', 1], ['int4', 7], ['int8', 127]] as const) {
      const abs = Float32Array.from(w, Math.abs).sort();
      const found = searchIntScale(intSearchData(abs), L);
      // The search's own error model is exact for its scale.
      close(found.error, intErrorDirect(w, found.scale, L), `${method} model n=${n}`, 1e-9, 1e-13);
      const grid = gridInt(w, L);
      assert.ok(found.error <= grid * (1 + 1e-9) + 1e-15, `${method} n=${n} ${dist}: search ${found.error} > grid ${grid}`);
      // quantize() stores s and q as float32: each q moves by at most max|w| * 2^-23 (s rounding
      // plus q rounding), which bounds how far its error can be from the float64 search's.
      const res = quantize(w, method as Method);
      selfConsistent(w, res);
      const maxAbs = abs[n - 1]!;
      const dq = maxAbs * 2 ** -23;
      const tol = 2 * Math.sqrt(n * found.error) * dq + n * dq * dq + 1e-9 * found.error;
      assert.ok(Math.abs(res.error - found.error) <= tol, `${method} quantize vs search n=${n} ${dist}: ${res.error} vs ${found.error}`);
      const s = res.scale![0]!;
      for (let i = 0; i < n; i++) {
        const level = res.codes[i]! - L;
        assert.ok(Math.abs(level) <= L);
        assert.equal(res.q[i], Math.fround(level * s));
      }
    }
  }
});

test('intK on larger tensors (exact sweep at n=400, windowed search at n=3000) beats the grid', () => {
  const r = mulberry32(17);
  for (const [n, dist] of DISTS.flatMap((d) => [[400, d], [3000, d]] as const)) {
    const w = sample(r, n, dist);
    for (const L of [1, 7, 127]) {
      const abs = Float32Array.from(w, Math.abs).sort();
      const d = intSearchData(abs);
      const found = searchIntScale(d, L);
      const grid = gridInt(w, L, 4000);
      assert.ok(found.error <= grid * (1 + 1e-9) + 1e-15, `n=${n} L=${L} ${dist}: ${found.error} > ${grid}`);
      // The windowed search finds the global optimum of the full exact sweep here.
      const exact = sweepIntScale(d, L, 0, 2 * abs[n - 1]!);
      close(found.error, exact.error, `n=${n} L=${L} ${dist} vs full sweep`, 1e-9, 1e-15);
      close(intErrorAt(d, L, found.scale).error, intErrorDirect(w, found.scale, L), `L=${L} model`, 1e-9, 1e-13);
    }
  }
});

test('float is the identity', () => {
  const w = new Float32Array([1.5, -2, 0.25]);
  const r = quantize(w, 'float');
  assert.deepEqual(Array.from(r.q), [1.5, -2, 0.25]);
  assert.equal(r.error, 0);
  assert.equal(r.codes.length, 0);
});

function channelOf(w: Float32Array, shape: number[], axis: number, c: number, mask?: Uint8Array): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const C = shape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (o * C + c) * inner + i;
      if (!mask || mask[at]) out.push(w[at]!);
    }
  return out;
}

const BRUTE: Record<string, (v: number[], p: number | null) => number> = {
  sbnn: (v, p) => (p === null ? bruteSbnn(v) : v.length < 2 ? 0 : bruteSbnn(v, sbnnOnes(p, v.length))),
  sparse01: (v, p) => (p === null ? bruteSparse01(v) : bruteSparse01(v, sparse01Ones(p, v.length))),
  bnn: (v) => bruteBnn(v),
  ternary: (v) => bruteTernary(v),
};

test('per-channel (axis 0 and inner axes) and masked quantization equal per-channel brute force', () => {
  const r = mulberry32(18);
  const layouts: { shape: number[]; axis: number }[] = [
    { shape: [3, 4], axis: 0 },
    { shape: [4, 3], axis: 1 },
    { shape: [2, 3, 2], axis: 1 },
    { shape: [2, 2, 1, 3], axis: 0 },
  ];
  for (const { shape, axis } of layouts) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      for (const masked of [false, true]) {
        const mask = masked ? Uint8Array.from({ length: n }, () => (r() < 0.3 ? 0 : 1)) : undefined;
        let pruned = 0;
        if (mask) for (let i = 0; i < n; i++) if (!mask[i]) pruned += w[i]! * w[i]!;
        for (const method of ['sbnn', 'sparse01', 'bnn', 'ternary'] as const) {
          for (const p of method === 'sbnn' || method === 'sparse01' ? [null, 0.3] : [null]) {
            const res = quantize(w, method, { ones: p, perChannel: { shape, axis }, mask });
            assert.equal(res.groups, shape[axis]);
            let expect = pruned;
            for (let c = 0; c < shape[axis]!; c++) expect += BRUTE[method]!(channelOf(w, shape, axis, c, mask), p);
            close(res.error, expect, `${method} p=${p} [${shape}] axis ${axis} ${dist} masked=${masked}`);
            selfConsistent(w, res, mask);
            if (mask) for (let i = 0; i < n; i++) if (!mask[i]) assert.equal(res.codes[i], 0);
          }
        }
      }
    }
  }
});

test('bad options give one clear error', () => {
  const w = new Float32Array(6);
  assert.throws(() => quantize(w, 'sbnn', { ones: 1.5 }), /share of ones must be between 0 and 1/);
  assert.throws(() => quantize(w, 'sbnn', { perChannel: { shape: [4, 2], axis: 0 } }), /holds 8 values, tensor has 6/);
  assert.throws(() => quantize(w, 'sbnn', { perChannel: { shape: [6], axis: 1 } }), /axis 1 is outside/);
  assert.throws(() => quantize(w, 'sbnn', { mask: new Uint8Array(5) }), /mask has 5 entries/);
});

test('big tensors (histogram selection path): exactly k ones, ties by index, error equals the sorted curve', async () => {
  const { errorCurve } = await import('../../src/engine/curve/index');
  const r = mulberry32(19);
  for (const dist of ['ties', 'normal', 'bimodal'] as const) {
    const w = sample(r, 100_000, dist);
    const curve = errorCurve(w);
    for (const p of [0.03, 0.25, 0.6]) {
      for (const method of ['sbnn', 'sparse01'] as const) {
        const res = quantize(w, method, { ones: p });
        const k = method === 'sbnn' ? sbnnOnes(p, w.length) : sparse01Ones(p, w.length);
        let ones = 0;
        for (const c of res.codes) ones += c;
        assert.equal(ones, k, `${method} ${dist} p=${p}`);
        close(res.error, method === 'sbnn' ? curve.sbnnErrorAt(p) : curve.sparse01ErrorAt(p), `${method} ${dist} p=${p}`);
        selfConsistent(w, res);
        // The ones are a value range plus, at the boundary value, a prefix by index.
        const oneVals = w.filter((_, i) => res.codes[i] === 1);
        const zeroVals = w.filter((_, i) => res.codes[i] === 0);
        const top = res.q[res.codes.indexOf(1)] === res.alpha![0] && Math.min(...oneVals) >= Math.max(...zeroVals);
        const t = top ? Math.min(...oneVals) : Math.max(...oneVals);
        let seenZeroAtT = false;
        for (let i = 0; i < w.length; i++) {
          if (w[i] !== t) continue;
          if (res.codes[i] === 0) seenZeroAtT = true;
          else assert.ok(!seenZeroAtT, `${method} ${dist}: tie at ${t} taken out of index order`);
        }
      }
    }
  }
});

test('quantize into reused buffers gives what it gives into fresh arrays (every method, masks, per channel)', () => {
  const r = mulberry32(17);
  const methods: Method[] = ['sbnn', 'bnn', 'sparse01', 'ternary', 'int8', 'int4', 'int2'];
  // Buffers larger than any tensor here, left dirty by the previous call and by a fill.
  const buffers = { q: new Float32Array(4096).fill(7.25), codes: new Uint8Array(4096).fill(3) };
  for (const shape of [[8, 3, 3, 3], [6, 50], [3000]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      for (const method of methods) {
        for (const perChannel of shape.length > 1 ? [null, { shape, axis: 0 }, { shape, axis: 1 }] : [null]) {
          for (const mask of [undefined, Uint8Array.from({ length: n }, () => (r() < 0.3 ? 0 : 1))]) {
            const opts = { ones: method === 'sbnn' || method === 'sparse01' ? 0.1 : null, perChannel, mask };
            const fresh = quantize(w, method, opts);
            const reused = quantize(w, method, { ...opts, buffers });
            const label = `${method} ${shape} ${dist} axis ${perChannel?.axis ?? '-'} mask ${!!mask}`;
            assert.equal(reused.q.buffer, buffers.q.buffer, label);
            assert.deepEqual(reused.q, fresh.q, label);
            assert.deepEqual(reused.codes, fresh.codes, label);
            assert.equal(reused.error, fresh.error, label);
            assert.deepEqual(reused.alpha, fresh.alpha, label);
          }
        }
      }
    }
  }
});
