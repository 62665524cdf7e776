import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerCurve, LayerOption } from '../../src/shared/report';
import { allocateBudget } from '../../src/engine/budget/allocate';
import { budgetRange, computePlan, fixedOptions, optionForOverride, sqnrDb, uncompressedCurves, viewOrder, type Row } from '../../webview/plan';
import { syntheticPanelState } from './synthetic';

const opt = (method: LayerOption['method'], ones: number | null, bits: number, error: number): LayerOption => ({ method, ones, bits, error });

const curve: LayerCurve = {
  name: 'c',
  params: 100,
  energy: 50,
  sensitivity: 1,
  options: [opt('sbnn', 0.1, 60, 5), opt('sbnn', 0.2, 80, 3), opt('sbnn', 0.4, 100, 4), opt('int8', null, 832, 0.01), opt('float', null, 3200, 0)],
};

test('sqnrDb: 10 log10(energy / error), infinite when lossless', () => {
  assert.equal(sqnrDb(100, 1), 20);
  assert.equal(sqnrDb(50, 5), 10);
  assert.equal(sqnrDb(50, 0), Infinity);
});

test('optionForOverride: nearest share of ones (run default when unset), as the engine plans', () => {
  assert.equal(optionForOverride(curve, { method: 'sbnn', ones: 0.22 }), curve.options[1]);
  assert.equal(optionForOverride(curve, { method: 'sbnn', ones: 0.35 }), curve.options[2]);
  assert.equal(optionForOverride(curve, { method: 'sbnn', ones: null }, 0.38), curve.options[2]);
  assert.equal(optionForOverride(curve, { method: 'sbnn', ones: null }, null), curve.options[0]);
  assert.equal(optionForOverride(curve, { method: 'float' }), curve.options[4]);
  assert.equal(optionForOverride(curve, { method: 'int2' }), null);
});

test('fixedOptions: first and last at int8 unless overridden; overrides pin their option', () => {
  const a = { ...curve, name: 'a' };
  const b = { ...curve, name: 'b' };
  const c = { ...curve, name: 'c' };
  assert.deepEqual(fixedOptions([a, b, c], {}, true), { a: curve.options[3], c: curve.options[3] });
  assert.deepEqual(fixedOptions([a, b, c], {}, false), {});
  assert.deepEqual(fixedOptions([a, b, c], { a: { method: 'float' }, b: { method: 'sbnn', ones: 0.1 } }, true), {
    a: curve.options[4],
    b: curve.options[0],
    c: curve.options[3],
  });
});

test('uncompressedCurves: layers without a curve count once at their stored bits', () => {
  const s = syntheticPanelState(4, 2);
  const [l0, l1, l2, l3] = s.inspect.layers;
  const layers = [l0, { ...l1, quantized: true, dtype: 'INT8' }, { ...l2, dtype: 'FLOAT16' }, { ...l3, weight: l2.weight, dtype: 'FLOAT16' }];
  const extra = uncompressedCurves(layers, [s.curves![0]]);
  assert.deepEqual(
    extra.map((c) => [c.name, c.params, c.options[0].bits]),
    [
      [`\u0000fixed:${l1.weight}`, l1.params, 8 * l1.params],
      [`\u0000fixed:${l2.weight}`, l2.params, 16 * l2.params],
    ],
  );
});

test('budgetRange: cheapest and dearest average bits per weight', () => {
  const other: LayerCurve = { name: 'd', params: 300, energy: 1, sensitivity: 1, options: [opt('bnn', 0.5, 332, 1), opt('float', null, 9600, 0)] };
  assert.deepEqual(budgetRange([curve, other]), { min: (60 + 332) / 400, max: (3200 + 9600) / 400 });
});

test('computePlan: rows and totals follow allocateBudget; overrides are marked and pinned', () => {
  const s = syntheticPanelState(40, 7);
  s.budget = 1.3;
  s.overrides = { [s.curves![5].name]: { method: 'float', ones: null, prune: null } };
  const plan = computePlan(s);
  const fixed = fixedOptions(s.curves!, s.overrides, true);
  const alloc = allocateBudget({ curves: s.curves!, budgetBitsPerWeight: 1.3, fixed });
  assert.equal(plan.totals.bitsPerWeight, alloc.bitsPerWeight);
  assert.equal(plan.totals.weightBytesAfter, alloc.totalBits / 8);
  assert.equal(plan.totals.ratio, (alloc.totalParams * 32) / alloc.totalBits);
  for (const r of plan.rows) {
    const c = s.curves![r.index];
    const o = alloc.choice[r.name];
    assert.equal(r.method, o.method);
    assert.equal(r.entropyBits, o.bits / c.params);
    assert.equal(r.sqnr, sqnrDb(c.energy, o.error));
  }
  assert.equal(plan.rows[5].method, 'float');
  assert.equal(plan.rows[5].overridden, true);
  assert.equal(plan.rows[0].pinnedFirstLast, true);
  assert.equal(plan.rows[0].method, 'int8');
  assert.equal(plan.rows[1].overridden || plan.rows[1].pinnedFirstLast, false);
  // Without a budget the report is shown as compressed.
  const asIs = computePlan({ ...s, budget: null, overrides: {} });
  assert.equal(asIs.allocation, null);
  assert.equal(asIs.totals.bitsPerWeight, s.report!.totals.bitsPerWeight);
  assert.deepEqual(asIs.rows.map((r) => r.method), s.report!.layers.map((l) => l.method));
});

test('viewOrder: filter by name/op substring and stable sort with nulls last (vs brute force)', () => {
  const rows = computePlan({ ...syntheticPanelState(60, 3), budget: 1 }).rows;
  rows.forEach((r, i) => {
    if (i % 7 === 0) r.sqnr = null;
    if (i % 5 === 0) r.op = 'Gemm';
  });
  for (const key of ['name', 'op', 'params', 'sqnr', 'method'] as const) {
    for (const dir of [1, -1] as const) {
      for (const filter of ['', 'CONV1', 'gemm', 'block1']) {
        const f = filter.toLowerCase();
        const kept = rows.filter((r) => r.name.toLowerCase().includes(f) || r.op.toLowerCase().includes(f));
        const nonNull = kept.filter((r) => r[key] != null);
        const nulls = kept.filter((r) => r[key] == null);
        const cmp = (a: Row, b: Row): number => {
          const va = a[key]!;
          const vb = b[key]!;
          const c = typeof va === 'string' ? va.localeCompare(vb as string) : (va as number) - (vb as number);
          return c !== 0 ? c * dir : a.index - b.index;
        };
        const want = [...nonNull.sort(cmp), ...nulls].map((r) => r.index);
        assert.deepEqual(viewOrder(rows, filter, key, dir), want, `${key} ${dir} "${filter}"`);
      }
    }
  }
});
