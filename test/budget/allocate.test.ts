import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateBudget } from '../../src/engine/budget/allocate';
import type { LayerCurve, LayerOption, Method } from '../../src/shared/report';
import { mulberry32 } from '../helpers/rng';

type Rng = () => number;

const KEYS: { method: Method; ones: number | null }[] = [
  { method: 'float', ones: null },
  { method: 'int8', ones: null },
  { method: 'int4', ones: null },
  { method: 'ternary', ones: null },
  { method: 'sbnn', ones: 0.3 },
  { method: 'sbnn', ones: 0.1 },
];

/** A layer whose options carry arbitrary (possibly non-convex, dominated) bits and errors. */
function randomLayer(r: Rng, i: number, nOpts: number): LayerCurve {
  const params = 10 + Math.floor(r() * 200);
  const options: LayerOption[] = KEYS.slice(0, nOpts).map((k) => ({
    ...k,
    bits: Math.round(params * (0.2 + r() * 8)),
    error: r() * 10,
  }));
  return { name: `L${i}`, params, energy: 10, sensitivity: r() < 0.5 ? 1 : 0.2 + r() * 3, options };
}

/** A layer whose options all lie on their lower convex hull (bits up, error down, gains falling). */
function convexLayer(r: Rng, i: number, nOpts: number): LayerCurve {
  const params = 10 + Math.floor(r() * 200);
  const options: LayerOption[] = [];
  let bits = params * (0.1 + r());
  let error = 5 + r() * 20;
  let slope = 0.05 + r() * 0.2; // error saved per bit, strictly decreasing
  for (let j = 0; j < nOpts; j++) {
    options.push({ ...KEYS[j]!, bits, error });
    const db = params * (0.2 + r() * 2);
    bits += db;
    error = Math.max(0, error - slope * db);
    slope *= 0.2 + 0.6 * r();
  }
  return { name: `C${i}`, params, energy: 10, sensitivity: 0.5 + r() * 2, options };
}

function exhaustive(curves: LayerCurve[], budgetBits: number): number {
  let best = Infinity;
  const rec = (i: number, bits: number, err: number) => {
    if (bits > budgetBits * (1 + 1e-12)) return;
    if (i === curves.length) {
      best = Math.min(best, err);
      return;
    }
    for (const o of curves[i]!.options) rec(i + 1, bits + o.bits, err + curves[i]!.sensitivity * o.error);
  };
  rec(0, 0, 0);
  return best;
}

function bestUniform(curves: LayerCurve[], budgetBits: number): number {
  let best = Infinity;
  for (const k of KEYS) {
    let bits = 0;
    let err = 0;
    let all = true;
    for (const c of curves) {
      const o = c.options.find((x) => x.method === k.method && x.ones === k.ones);
      if (!o) {
        all = false;
        break;
      }
      bits += o.bits;
      err += c.sensitivity * o.error;
    }
    if (all && bits <= budgetBits * (1 + 1e-12)) best = Math.min(best, err);
  }
  return best;
}

test('random instances: within budget, never better than exhaustive, never worse than uniform', () => {
  const r = mulberry32(41);
  let exact = 0;
  const N = 600;
  for (let t = 0; t < N; t++) {
    const L = 3 + Math.floor(r() * 2);
    const curves = Array.from({ length: L }, (_, i) => randomLayer(r, i, 3 + Math.floor(r() * 4)));
    const P = curves.reduce((a, c) => a + c.params, 0);
    const minBits = curves.reduce((a, c) => a + Math.min(...c.options.map((o) => o.bits)), 0);
    const maxBits = curves.reduce((a, c) => a + Math.max(...c.options.map((o) => o.bits)), 0);
    const B = (minBits + r() * (maxBits - minBits)) / P;
    const a = allocateBudget({ curves, budgetBitsPerWeight: B });
    assert.equal(a.feasible, true);
    assert.ok(a.bitsPerWeight <= B, `over budget: ${a.bitsPerWeight} > ${B}`);
    assert.equal(a.totalParams, P);
    // Reported totals are those of the returned choice.
    let bits = 0;
    let err = 0;
    for (const c of curves) {
      const o = a.choice[c.name]!;
      assert.ok(c.options.includes(o), 'choice is one of the layer options');
      bits += o.bits;
      err += c.sensitivity * o.error;
    }
    assert.equal(a.totalBits, bits);
    assert.ok(Math.abs(a.weightedError - err) <= 1e-12 * Math.max(1, err));
    assert.equal(a.bitsPerWeight, bits / P);
    const opt = exhaustive(curves, B * P);
    assert.ok(a.weightedError >= opt - 1e-9, 'cannot beat the exhaustive optimum');
    assert.ok(a.weightedError <= bestUniform(curves, B * P) + 1e-9, 'no worse than the best uniform plan');
    if (a.weightedError <= opt + 1e-9) exact++;
  }
  // The greedy is a heuristic off the hull; it must still hit the optimum on most instances.
  assert.ok(exact / N > 0.95, `exact on ${exact}/${N}`);
  console.log(`allocator exact on ${exact}/${N} random instances`);
});

test('convex instances: equals the exhaustive optimum when the budget is a Lagrangian breakpoint sum', () => {
  const r = mulberry32(42);
  for (let t = 0; t < 400; t++) {
    const L = 3 + Math.floor(r() * 2);
    const curves = Array.from({ length: L }, (_, i) => convexLayer(r, i, 3 + Math.floor(r() * 4)));
    // For a multiplier lam, each layer's best point minimizes s*e + lam*b; their bits sum is a
    // budget at which that choice is optimal.
    const lam = Math.exp(-6 + 6 * r());
    let budgetBits = 0;
    let lagErr = 0;
    for (const c of curves) {
      let best = c.options[0]!;
      for (const o of c.options)
        if (c.sensitivity * o.error + lam * o.bits < c.sensitivity * best.error + lam * best.bits) best = o;
      budgetBits += best.bits;
      lagErr += c.sensitivity * best.error;
    }
    const P = curves.reduce((a, c) => a + c.params, 0);
    const a = allocateBudget({ curves, budgetBitsPerWeight: budgetBits / P });
    const opt = exhaustive(curves, budgetBits);
    assert.ok(Math.abs(opt - lagErr) <= 1e-9 * Math.max(1, opt), 'Lagrangian point is optimal (oracle sanity)');
    assert.ok(Math.abs(a.weightedError - opt) <= 1e-9 * Math.max(1, opt), `instance ${t}: allocator ${a.weightedError} vs optimum ${opt}`);
    assert.ok(a.bitsPerWeight <= budgetBits / P);
  }
});

test('pinned layers count toward the budget and keep their option', () => {
  const r = mulberry32(43);
  const curves = Array.from({ length: 4 }, (_, i) => convexLayer(r, i, 5));
  const pin = curves[0]!.options[4]!; // the most expensive option of layer 0
  const P = curves.reduce((a, c) => a + c.params, 0);
  const minOthers = curves.slice(1).reduce((a, c) => a + c.options[0]!.bits, 0);
  const budget = (pin.bits + minOthers + 100) / P;
  const a = allocateBudget({ curves, budgetBitsPerWeight: budget, fixed: { C0: pin } });
  assert.equal(a.choice.C0, pin);
  assert.ok(a.bitsPerWeight <= budget);
  assert.ok(a.totalBits >= pin.bits + minOthers);
  const opt = exhaustive([{ ...curves[0]!, options: [pin] }, ...curves.slice(1)], budget * P);
  assert.ok(a.weightedError >= opt - 1e-9);
});

test('a budget below the cheapest plan returns the cheapest choice, marked infeasible', () => {
  const r = mulberry32(44);
  const curves = Array.from({ length: 3 }, (_, i) => randomLayer(r, i, 6));
  const a = allocateBudget({ curves, budgetBitsPerWeight: 0.01 });
  assert.equal(a.feasible, false);
  for (const c of curves) {
    const cheapest = Math.min(...c.options.map((o) => o.bits));
    assert.equal(a.choice[c.name]!.bits, cheapest);
  }
  assert.throws(() => allocateBudget({ curves, budgetBitsPerWeight: Number.NaN }), /budget must be/);
});

test('a generous budget gives every layer its least-error option', () => {
  const r = mulberry32(45);
  const curves = Array.from({ length: 5 }, (_, i) => randomLayer(r, i, 6));
  const a = allocateBudget({ curves, budgetBitsPerWeight: 1000 });
  for (const c of curves) assert.equal(a.choice[c.name]!.error, Math.min(...c.options.map((o) => o.error)));
});
