// Calibration math: windows reproduce ONNX Runtime's conv / gemm outputs; the refit solves the
// output least squares exactly (zero gradient, never worse than the weight-space fit); the bias
// shift restores channel means; sensitivity matches its definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { biasCorrection, canonicalRows, convGeometry, layerSensitivity, layerWindows, outputError, refitAlphaBeta, type LayerGeometry } from '../../src/engine/calib';
import { mulberry32 } from '../../src/engine/rng';

const rng = mulberry32(42);
const randn = (n: number) => Float32Array.from({ length: n }, () => {
  const u = Math.max(rng(), 1e-12), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
});

async function ortConv(x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], attrs: Record<string, number | number[] | string>): Promise<ort.Tensor> {
  const g = graph({ nodes: [node('Conv', ['x', 'w'], ['y'], attrs)], inputs: [valueInfo('x', xShape)], outputs: [valueInfo('y', Array(xShape.length).fill('d').map((d, i) => `${d}${i}`))], initializers: [floatTensor('w', wShape, w)] });
  const s = await ort.InferenceSession.create(encodeModel(model(g)));
  return (await s.run({ x: new ort.Tensor('float32', x, xShape) })).y;
}

/** y[b, o, pos] from windows: window (b, pos) of o's group dotted with o's weight row. */
function convFromWindows(x: Float32Array, xShape: number[], w: Float32Array, g: LayerGeometry): Float64Array {
  const win = layerWindows(x, xShape, g, { maxWindows: 1e9 });
  const rows = canonicalRows(w, g);
  const outs = g.kind === 'conv' ? g.outChannels : g.n;
  const perGroup = outs / win.groups;
  const y = new Float64Array(win.samples * outs * win.perSample);
  for (let o = 0; o < outs; o++) {
    const gi = Math.floor(o / perGroup);
    for (let p = 0; p < win.count; p++) {
      let s = 0;
      for (let i = 0; i < win.fanIn; i++) s += win.data[(gi * win.count + p) * win.fanIn + i] * rows[o * win.fanIn + i];
      const b = Math.floor(p / win.perSample);
      y[(b * outs + o) * win.perSample + (p % win.perSample)] = s;
    }
  }
  return y;
}

const CASES: { name: string; x: number[]; w: number[]; attrs: Record<string, number | number[] | string> }[] = [
  { name: 'plain 3x3 pad 1', x: [2, 3, 7, 6], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: 'groups 2, stride 2, asymmetric pads', x: [1, 4, 9, 8], w: [6, 2, 3, 2], attrs: { group: 2, strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilation 2', x: [1, 2, 10, 10], w: [3, 2, 3, 3], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] } },
  { name: 'depthwise, SAME_UPPER, stride 2', x: [2, 3, 8, 7], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: '1-D conv', x: [2, 3, 11], w: [5, 3, 4], attrs: { strides: [2], pads: [1, 2] } },
];

for (const c of CASES) {
  test(`windows x weight rows equal ONNX Runtime Conv: ${c.name}`, async () => {
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = randn(n(c.x));
    const w = randn(n(c.w));
    const y = await ortConv(x, c.x, w, c.w, c.attrs);
    const a = c.attrs as { group?: number; strides?: number[]; pads?: number[]; dilations?: number[]; auto_pad?: string };
    const g = convGeometry(c.w, { group: a.group, strides: a.strides, pads: a.pads, dilations: a.dilations, autoPad: a.auto_pad });
    const mine = convFromWindows(x, c.x, w, g);
    assert.equal(mine.length, y.size);
    const yd = y.data as Float32Array;
    for (let i = 0; i < mine.length; i++) assert.ok(Math.abs(mine[i] - yd[i]) < 1e-4, `${i}: ${mine[i]} vs ${yd[i]}`);
  });
}

test('dense windows: [K, N] and [N, K] layouts give x W', () => {
  const x = randn(3 * 2 * 5);
  const W = randn(5 * 4);
  const kn: LayerGeometry = { kind: 'dense', k: 5, n: 4, layout: 'KN' };
  const y = convFromWindows(x, [3, 2, 5], W, kn);
  const WT = new Float32Array(20);
  for (let k = 0; k < 5; k++) for (let j = 0; j < 4; j++) WT[j * 5 + k] = W[k * 4 + j];
  const y2 = convFromWindows(x, [3, 2, 5], WT, { kind: 'dense', k: 5, n: 4, layout: 'NK' });
  // Rows r = (sample, position): y[(b * 4 + o) * 2 + p].
  for (let b = 0; b < 3; b++) for (let p = 0; p < 2; p++) for (let o = 0; o < 4; o++) {
    let s = 0;
    for (let k = 0; k < 5; k++) s += x[(b * 2 + p) * 5 + k] * W[k * 4 + o];
    assert.ok(Math.abs(y[(b * 4 + o) * 2 + p] - s) < 1e-9);
    assert.ok(Math.abs(y2[(b * 4 + o) * 2 + p] - s) < 1e-9);
  }
});

test('window sampling is seeded, uniform without replacement, capped', () => {
  const g = convGeometry([2, 1, 1, 1]);
  const x = Float32Array.from({ length: 1 * 1 * 20 * 20 }, (_, i) => i);
  const a = layerWindows(x, [1, 1, 20, 20], g, { maxWindows: 50, seed: 3 });
  const b = layerWindows(x, [1, 1, 20, 20], g, { maxWindows: 50, seed: 3 });
  assert.equal(a.count, 50);
  assert.deepEqual(a.data, b.data);
  const vals = Array.from(a.data);
  assert.equal(new Set(vals).size, 50);
  assert.deepEqual(vals, [...vals].sort((p, q) => p - q));
  assert.equal(a.perSample, 400);
});

function fitCase(method: 'sbnn' | 'sparse01' | 'bnn', perChannel: boolean, withMask: boolean) {
  const g = convGeometry([4, 3, 3, 3], { pads: [1, 1, 1, 1] });
  // Correlated inputs (shared offset + smooth): the output fit differs from the weight fit.
  const x = randn(2 * 3 * 6 * 6).map((v, i) => v * 0.5 + 1 + Math.sin(i * 0.1));
  const win = layerWindows(x, [2, 3, 6, 6], g);
  const w = randn(108);
  const bits = Uint8Array.from(w, (v) => (v > 0.4 ? 1 : 0));
  const mask = withMask ? Uint8Array.from(w, (_, i) => (i % 7 === 3 ? 0 : 1)) : null;
  const r = refitAlphaBeta(win, w, bits, g, { method, perChannel, mask });
  return { g, win, w, bits, mask, r };
}

for (const method of ['sbnn', 'sparse01', 'bnn'] as const) {
  for (const perChannel of [false, true]) {
    test(`refit ${method} ${perChannel ? 'per channel' : 'per tensor'}: output least squares optimum`, () => {
      const { g, win, w, bits, mask, r } = fitCase(method, perChannel, method === 'sbnn');
      const err = (alpha: number[], beta: number[]) => {
        const q = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) {
          const k = perChannel ? Math.floor(i / 27) : 0;
          q[i] = mask && !mask[i] ? 0 : bits[i] ? alpha[k] : beta[k];
        }
        return outputError(win, w, q, g);
      };
      const A = Array.from(r.alpha);
      const B = Array.from(r.beta);
      const best = err(A, B);
      assert.ok(Math.abs(best - outputError(win, w, r.q, g)) <= 1e-9 * best, 'q matches alpha/beta');
      // Any perturbation of the fitted values (within the method's constraint) is worse.
      for (const eps of [1e-3, -1e-3, 1e-2]) {
        for (let k = 0; k < A.length; k++) {
          const a2 = [...A];
          const b2 = [...B];
          a2[k] += eps;
          if (method === 'bnn') b2[k] -= eps;
          assert.ok(err(a2, b2) >= best * (1 - 1e-9), `alpha+${eps}`);
          if (method === 'sbnn') {
            const b3 = [...B];
            b3[k] += eps;
            assert.ok(err(A, b3) >= best * (1 - 1e-9), `beta+${eps}`);
          }
        }
      }
      // Never worse than the weight-space means (the fit without calibration).
      const wsA: number[] = [], wsB: number[] = [];
      const groups = perChannel ? 4 : 1;
      for (let k = 0; k < groups; k++) {
        let s1 = 0, n1 = 0, s0 = 0, n0 = 0, sa = 0;
        for (let i = 0; i < w.length; i++) {
          if ((perChannel && Math.floor(i / 27) !== k) || (mask && !mask[i])) continue;
          if (bits[i]) { s1 += w[i]; n1++; } else { s0 += w[i]; n0++; }
          sa += Math.abs(w[i]);
        }
        if (method === 'bnn') { wsA.push(sa / (n1 + n0)); wsB.push(-sa / (n1 + n0)); }
        else if (method === 'sparse01') { wsA.push(s1 / n1); wsB.push(0); }
        else { wsA.push(s1 / n1); wsB.push(s0 / n0); }
      }
      assert.ok(best <= err(wsA, wsB), `${best} <= ${err(wsA, wsB)}`);
      if (method === 'sparse01') assert.ok(B.every((b) => b === 0));
      if (method === 'bnn') A.forEach((a, k) => assert.equal(B[k], -a));
      if (mask) for (let i = 0; i < w.length; i++) if (!mask[i]) assert.equal(r.q[i], 0);
    });
  }
}

test('bias correction makes each channel mean equal the original (on the windows)', () => {
  const { g, win, w, r } = fitCase('sbnn', false, false);
  const shift = biasCorrection(win, w, r.q, g);
  const rows = canonicalRows(w, g);
  for (let o = 0; o < 4; o++) {
    let mw = 0, mq = 0;
    for (let p = 0; p < win.count; p++) {
      for (let i = 0; i < 27; i++) {
        mw += win.data[p * 27 + i] * rows[o * 27 + i];
        mq += win.data[p * 27 + i] * r.q[o * 27 + i];
      }
    }
    assert.ok(Math.abs(mw / win.count - (mq / win.count + shift[o])) < 1e-9, `channel ${o}`);
  }
  // With the shift, the output error drops (the mean part of the error is removed).
  assert.ok(outputError(win, w, r.q, g, shift.map((s) => -s)) < outputError(win, w, r.q, g));
});

test('sensitivity: exact ratio with q; isotropic expectation matches random perturbations', () => {
  const { g, win, w, r } = fitCase('sbnn', false, false);
  let werr = 0;
  for (let i = 0; i < w.length; i++) werr += (w[i] - r.q[i]) ** 2;
  assert.equal(layerSensitivity(win, g, w, r.q), outputError(win, w, r.q, g) / werr);
  const iso = layerSensitivity(win, g);
  let sum = 0;
  const trials = 400;
  for (let t = 0; t < trials; t++) {
    const d = randn(w.length);
    const q = w.map((v, i) => v - d[i]);
    sum += layerSensitivity(win, g, w, q);
  }
  const mc = sum / trials;
  assert.ok(Math.abs(mc / iso - 1) < 0.1, `isotropic ${iso} vs Monte Carlo ${mc}`);
});
