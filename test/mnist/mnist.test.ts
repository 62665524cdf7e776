// Real labelled data: a small conv net trained here on the `mnist` package's digits, compressed to
// bnn / sbnn at several p and at several bit budgets, with and without calibration, each scored in
// ONNX Runtime on 1,505 held-out digits. Prints the tables; asserts what calibration buys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { LayerCurve } from '../../src/shared/report';
import { calibLayer, captureLayerInputs, layerSensitivity, layerWindows } from '../../src/engine/calib';
import { allocateBudget } from '../../src/engine/budget/allocate';
import { errorCurve, layerOptions } from '../../src/engine/curve';
import { listLayers } from '../../src/engine/inventory';
import { loadModel } from '../../src/engine/onnx/model';
import { mnistFixture } from '../helpers/mnist';
import { calibBatch, compressVariant, score, WINDOW_OPTS, writeTestSet, type BinaryChoice, type Calibration, type Variant } from './pipeline';

const fx = mnistFixture();
const set = writeTestSet(fx);
const pct = (x: number | null) => (x === null ? '-' : (100 * x).toFixed(1).padStart(5));
const db = (x: number) => x.toFixed(2).padStart(6);

test('float model: ORT accuracy on held-out digits', async (t) => {
  const r = await score(fx, fx.model, set);
  t.diagnostic(`float model: ${fx.test.n} held-out digits, accuracy ${pct(r.accuracyOriginal)} %`);
  assert.equal(r.samples, 1505);
  assert.ok(r.accuracyOriginal! > 0.9, `float accuracy ${r.accuracyOriginal}`);
  assert.equal(r.accuracy, r.accuracyOriginal);
  assert.equal(r.top1Agreement, 1);
});

const VARIANTS: Variant[] = [
  { label: 'bnn', method: 'bnn', ones: null },
  { label: 'sbnn free p', method: 'sbnn', ones: null },
  { label: 'sbnn p=0.3', method: 'sbnn', ones: 0.3 },
  { label: 'sbnn p=0.1', method: 'sbnn', ones: 0.1 },
  { label: 'sbnn p=0.05', method: 'sbnn', ones: 0.05 },
];
const CALIBS: Calibration[] = ['none', 'bias', 'refit', 'refit+bias'];

test('uniform bnn / sbnn: alpha/beta refit and bias correction improve fidelity', async (t) => {
  const rows: Record<string, Record<Calibration, { acc: number; agree: number; sqnr: number }>> = {};
  for (const v of VARIANTS) {
    rows[v.label] = {} as Record<Calibration, { acc: number; agree: number; sqnr: number }>;
    for (const c of CALIBS) {
      const path = await compressVariant(fx, v, c, join(fx.dir, `uniform-${process.pid}.onnx`));
      const r = await score(fx, path, set);
      rows[v.label][c] = { acc: r.accuracy!, agree: r.top1Agreement!, sqnr: r.outputs[0].sqnrDb };
    }
  }
  t.diagnostic('all 3 layers compressed, per channel; calibration on 256 training digits; accuracy % / logits SQNR dB');
  t.diagnostic(`${'variant'.padEnd(12)} | ${CALIBS.map((c) => c.padEnd(14)).join(' | ')}`);
  for (const v of VARIANTS) {
    t.diagnostic(`${v.label.padEnd(12)} | ${CALIBS.map((c) => `${pct(rows[v.label][c].acc)} /${db(rows[v.label][c].sqnr)}`.padEnd(14)).join(' | ')}`);
  }
  let accNone = 0;
  let accRefit = 0;
  for (const v of VARIANTS) {
    const r = rows[v.label];
    // (b) the refit of alpha, beta on layer outputs: clearly better logits for every variant.
    assert.ok(r.refit.sqnr > r.none.sqnr + 1, `${v.label}: refit ${r.refit.sqnr} dB vs none ${r.none.sqnr} dB`);
    // (c) bias correction on top of the refit: better logits again, and never below uncalibrated accuracy.
    assert.ok(r['refit+bias'].sqnr > r.refit.sqnr, `${v.label}: refit+bias ${r['refit+bias'].sqnr} dB vs refit ${r.refit.sqnr} dB`);
    assert.ok(r['refit+bias'].acc >= r.none.acc, `${v.label}: accuracy refit+bias ${r['refit+bias'].acc} vs none ${r.none.acc}`);
    accNone += r.none.acc;
    accRefit += r['refit+bias'].acc;
  }
  assert.ok(accRefit / VARIANTS.length > accNone / VARIANTS.length + 0.1, `mean accuracy ${accRefit / VARIANTS.length} vs ${accNone / VARIANTS.length}`);
});

test('bit budgets (sbnn per tensor, p per layer): sensitivity-weighted allocation, then refit + bias', async (t) => {
  const m = loadModel(fx.model);
  const refs = listLayers(m);
  const layers = refs.map((r) => calibLayer(m, r));
  const captured = await captureLayerInputs(fx.model, refs.map((r) => r.info.name), calibBatch(fx));
  const sensitivity: Record<string, number> = {};
  const curves: LayerCurve[] = layers.map((l) => {
    const info = l.ref.info;
    const c = captured[info.name];
    sensitivity[info.name] = layerSensitivity(layerWindows(c.data, c.shape, l.geometry, WINDOW_OPTS), l.geometry);
    // Per tensor: per-channel scales alone (64 bits per channel) would exceed the tight budgets.
    const curve = errorCurve(l.weights);
    return {
      name: info.name,
      params: info.params,
      energy: l.weights.reduce((a, v) => a + v * v, 0),
      sensitivity: 1,
      options: layerOptions(curve).filter((o) => o.method === 'sbnn'),
    };
  });
  t.diagnostic(`layer sensitivities (output error per unit weight error, per sample): ${Object.entries(sensitivity).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  const plan = (budget: number, weighted: boolean): Record<string, BinaryChoice> => {
    const a = allocateBudget({ curves: curves.map((c) => ({ ...c, sensitivity: weighted ? sensitivity[c.name] : 1 })), budgetBitsPerWeight: budget });
    assert.ok(a.feasible && a.bitsPerWeight <= budget + 1e-9);
    return Object.fromEntries(Object.entries(a.choice).map(([k, o]) => [k, { method: 'sbnn' as const, ones: o.ones }]));
  };
  const fmtPlan = (p: Record<string, BinaryChoice>) => Object.values(p).map((c) => (c.ones === null ? 'free' : c.ones.toFixed(3))).join(',');
  t.diagnostic(`${'bits/weight'.padEnd(11)} | ${'uniform weights'.padEnd(32)} | ${'sensitivity'.padEnd(32)} | sensitivity + refit + bias`);
  let gain = 0;
  for (const budget of [0.3, 0.4, 0.5, 0.7, 1.0]) {
    const plain = plan(budget, false);
    const weighted = plan(budget, true);
    const a = await score(fx, await compressVariant(fx, plain, 'none', join(fx.dir, `budget-${process.pid}.onnx`), { perChannel: false }), set);
    const b = await score(fx, await compressVariant(fx, weighted, 'none', join(fx.dir, `budget-${process.pid}.onnx`), { perChannel: false }), set);
    const c = await score(fx, await compressVariant(fx, weighted, 'refit+bias', join(fx.dir, `budget-${process.pid}.onnx`), { perChannel: false }), set);
    t.diagnostic(
      `${String(budget).padEnd(11)} | ${`${pct(a.accuracy)} /${db(a.outputs[0].sqnrDb)} p ${fmtPlan(plain)}`.padEnd(32)} | ${`${pct(b.accuracy)} /${db(b.outputs[0].sqnrDb)} p ${fmtPlan(weighted)}`.padEnd(32)} | ${pct(c.accuracy)} /${db(c.outputs[0].sqnrDb)}`,
    );
    // (a) weighting by sensitivity: never worse here, better where the budget is tight.
    assert.ok(b.accuracy! >= a.accuracy!, `budget ${budget}: weighted ${b.accuracy} vs uniform ${a.accuracy}`);
    gain += b.accuracy! - a.accuracy!;
    // Full calibration beats the uncalibrated plan at every budget.
    assert.ok(c.accuracy! > a.accuracy! && c.outputs[0].sqnrDb > a.outputs[0].sqnrDb, `budget ${budget}: calibrated ${c.accuracy} vs ${a.accuracy}`);
  }
  assert.ok(gain > 0.05, `sensitivity weighting gained ${gain} accuracy in total`);
});

test('compressModel at bit budgets (all methods): plain vs --calib style calibration', async (t) => {
  const { compressModel, defaultSettings } = await import('../../src/engine/api');
  const { prepareCalibration } = await import('../../src/engine/calib');
  const prep = await prepareCalibration(fx.model, calibBatch(fx), WINDOW_OPTS);
  const sensitivity = Object.fromEntries(Object.entries(prep.layers).map(([k, v]) => [k, v.sensitivity]));
  const file = join(fx.dir, `cm-${process.pid}.onnx`);
  const fmt = (r: { accuracy: number | null; outputs: { sqnrDb: number }[] }) => `${pct(r.accuracy)} /${db(r.outputs[0].sqnrDb)}`;
  t.diagnostic('compressModel (keepFirstLast off, per tensor); calibrated = sensitivity-weighted plan, then per layer in order: alpha/beta refit (binary layers) + bias correction (all compressed layers)');
  t.diagnostic(`${'bits/weight'.padEnd(11)} | ${'plain compressModel'.padEnd(42)} | + bias        | + refit + bias | calibrated (${'plan'.padEnd(4)})`);
  for (const budget of [1, 1.25, 1.5, 2]) {
    const settings = { ...defaultSettings(), budget, keepFirstLast: false };
    const planOf = (s: Awaited<ReturnType<typeof compressModel>>) => Object.fromEntries(s.report.layers.map((l) => [l.name, { method: l.method, ones: l.ones }]));
    const desc = (s: Awaited<ReturnType<typeof compressModel>>) => s.report.layers.map((l) => l.method + (l.ones !== null ? `:${l.ones.toFixed(2)}` : '')).join(',');
    const plainSession = await compressModel(fx.model, settings);
    plainSession.write({ onnx: file, force: true });
    const plain = await score(fx, file, set);
    const plan = planOf(plainSession);
    // The test pipeline reproduces compressModel's weights exactly (same closed forms).
    const mine = await score(fx, await compressVariant(fx, plan, 'none', file, { perChannel: false }), set);
    assert.deepEqual(mine, plain);
    const bias = await score(fx, await compressVariant(fx, plan, 'bias', file, { perChannel: false }), set);
    const rb = await score(fx, await compressVariant(fx, plan, 'refit+bias', file, { perChannel: false }), set);
    const weightedSession = await compressModel(fx.model, settings, { sensitivity });
    const full = await score(fx, await compressVariant(fx, planOf(weightedSession), 'refit+bias', file, { perChannel: false }), set);
    t.diagnostic(`${String(budget).padEnd(11)} | ${`${fmt(plain)} ${desc(plainSession)}`.padEnd(42)} | ${fmt(bias)} | ${fmt(rb)}  | ${fmt(full)} ${desc(weightedSession)}`);
    // (c) bias correction on mixed int / ternary / sbnn plans: better logits (accuracy may move
    // either way by a few digits: the mean is fixed, not the scale).
    assert.ok(bias.outputs[0].sqnrDb > plain.outputs[0].sqnrDb, `budget ${budget}: bias ${bias.outputs[0].sqnrDb} dB vs ${plain.outputs[0].sqnrDb} dB`);
    // (b) the refit adds on top wherever the plan has binary layers.
    assert.ok(rb.outputs[0].sqnrDb >= bias.outputs[0].sqnrDb - 1e-9, `budget ${budget}: refit ${rb.outputs[0].sqnrDb} dB vs ${bias.outputs[0].sqnrDb} dB`);
    // All of it, with the sensitivity-weighted plan: better than plain compression at every budget.
    assert.ok(full.accuracy! >= plain.accuracy! && full.outputs[0].sqnrDb > plain.outputs[0].sqnrDb, `budget ${budget}: calibrated ${full.accuracy} / ${full.outputs[0].sqnrDb} dB vs ${plain.accuracy} / ${plain.outputs[0].sqnrDb} dB`);
  }
});
