// Roofline estimator: exact values against hand computation on a round-number profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompressLayerReport, DeviceProfile, LayerInfo } from '../../src/shared/report';
import { estimateLayer, estimateLayerMs, layerLatency, modeForMethod, optionsForReport, totalLatency, EXEC_MODES } from '../../src/engine/cost/estimate';
import { BUILTIN_PROFILES } from '../../src/engine/cost/builtins';

const src = (value: number) => ({ value, source: 'test' });
const P: DeviceProfile = {
  id: 'round',
  label: 'round numbers',
  description: 'test',
  wordBits: src(64),
  fp32MacsPerSecond: src(1e9),
  int8MacsPerSecond: src(2e9),
  binaryWordOpsPerSecond: src(1e8),
  sparseAccumulatesPerSecond: src(1e9),
  memoryBytesPerSecond: src(1e9),
  layerOverheadSeconds: src(1e-6),
};

// Conv 4 -> 8 channels, 3x3, 10x10 output: 800 outputs x 36 weights each.
const conv: LayerInfo = {
  name: 'c',
  op: 'Conv',
  weight: 'w',
  shape: [8, 4, 3, 3],
  params: 288,
  macs: 28800,
  inputShape: [1, 4, 10, 10],
  outputShape: [1, 8, 10, 10],
  group: 1,
  shared: false,
  quantized: false,
  outChannelAxis: 0,
  kernel: [3, 3],
  strides: [1, 1],
  subgraph: [],
  dtype: 'FLOAT',
};
const close = (a: number | null, b: number, what: string) => {
  assert.ok(a !== null, what);
  assert.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${what}: ${a} != ${b}`);
};

test('fp32 and int8: MACs over throughput vs bytes over bandwidth, plus overhead', () => {
  // fp32: compute 28800 / 1e9 s; memory (4*288 + 4*(400+800)) / 1e9 s.
  const f = estimateLayer(conv, 'fp32', {}, P)!;
  close(f.computeMs, 0.0288, 'fp32 compute');
  close(f.memoryMs, 0.005952, 'fp32 memory');
  close(f.ms, 0.0288 + 0.001, 'fp32 total');
  assert.equal(f.bound, 'compute');
  // int8: 28800 / 2e9; bytes 288 + 1200.
  const i = estimateLayer(conv, 'int8', {}, P)!;
  close(i.ms, 0.0144 + 0.001, 'int8 total');
  close(i.memoryMs, 0.001488, 'int8 memory');
});

test('bnn: one XNOR-popcount word per output (36 <= 64 bits) plus the scale', () => {
  const b = estimateLayer(conv, 'bnn', {}, P)!;
  close(b.computeMs, (800 / 1e8 + 800 / 1e9) * 1e3, 'bnn compute');
  close(b.memoryMs, ((288 / 8 + 4 * 8 + 1200 / 8) / 1e9) * 1e3, 'bnn memory');
  close(b.ms, b.computeMs + 0.001, 'bnn total');
});

test('sbnn real activations: connections + one shared window sum per position', () => {
  // ones 0.1: 2880 connections; windows = 800 / 8 = 100 of 36 adds; 2 ops per output.
  const s = estimateLayer(conv, 'sbnn', { ones: 0.1 }, P)!;
  close(s.computeMs, ((2880 + 3600 + 1600) / 1e9) * 1e3, 'sbnn compute');
  close(s.memoryMs, ((288 / 8 + 64 + 4800) / 1e9) * 1e3, 'sbnn memory');
  // Unstructured pruning 50 %: every kept weight adds (the window sum is no longer shared).
  const p = estimateLayer(conv, 'sbnn', { ones: 0.2, pruned: 0.5 }, P)!;
  close(p.computeMs, ((2880 + 11520 + 1600) / 1e9) * 1e3, 'pruned sbnn compute');
  // sparse01 (beta = 0): no shared term.
  const z = estimateLayer(conv, 'sbnn', { ones: 0.1, sharedTerm: false }, P)!;
  close(z.computeMs, ((2880 + 1600) / 1e9) * 1e3, 'sparse01 compute');
});

test('sbnn binary activations: skipped zero words, kernels and filters', () => {
  const d = estimateLayer(conv, 'sbnn-binact', { ones: 0.1 }, P)!;
  const words = 800 * (1 - Math.pow(0.9, 64));
  close(d.computeMs, ((words + 100) / 1e8 + 1600 / 1e9) * 1e3, 'density-based skip');
  // 2 of 8 filters all-zero (8 kernels), 16 zero kernels in all -> 8 of the 24 live kernels zero;
  // 7 whole 9-bit kernels per 64-bit word: a word is zero with probability (1/3)^7.
  const k = estimateLayer(conv, 'sbnn-binact', { ones: 0.5, zeroKernels: 16, zeroFilters: 2 }, P)!;
  const liveWords = 800 * (6 / 8) * (1 - Math.max(Math.pow(0.5, 64), Math.pow(1 / 3, 7)));
  close(k.computeMs, ((liveWords + 100) / 1e8 + 1600 / 1e9) * 1e3, 'kernel-based skip');
  assert.ok(k.computeMs < estimateLayer(conv, 'sbnn-binact', { ones: 0.5 }, P)!.computeMs);
});

test('memory-bound Gemm: weight bytes dominate at batch 1', () => {
  const g: LayerInfo = { ...conv, name: 'g', op: 'Gemm', shape: [4096, 1000], params: 4096000, macs: 4096000, inputShape: [1, 4096], outputShape: [1, 1000], outChannelAxis: 1, kernel: null, strides: null };
  const e = estimateLayer(g, 'fp32', {}, P)!;
  assert.equal(e.bound, 'memory');
  close(e.ms, ((4 * 4096000 + 4 * 5096) / 1e9 + 1e-6) * 1e3, 'gemm fp32');
  // Given weight bytes (e.g. the packed size) replace the mode's default.
  close(estimateLayer(g, 'sbnn', { ones: 0.05, weightBytes: 1000 }, P)!.memoryMs, ((1000 + 4 * 5096) / 1e9) * 1e3, 'given bytes');
});

test('unknown MACs give null, never a guess', () => {
  for (const m of EXEC_MODES) assert.equal(estimateLayerMs({ ...conv, macs: null }, m, {}, P), null);
});

test('method -> mode mapping', () => {
  assert.equal(modeForMethod('float'), 'fp32');
  for (const m of ['int8', 'int4', 'int2', 'ternary'] as const) assert.equal(modeForMethod(m), 'int8');
  assert.equal(modeForMethod('bnn'), 'sbnn');
  assert.equal(modeForMethod('bnn', true), 'bnn');
  assert.equal(modeForMethod('sbnn'), 'sbnn');
  assert.equal(modeForMethod('sparse01', true), 'sbnn-binact');
});

test('report entries: bnn uses the smaller sign set, sparse01 drops the shared term; totals sum layers', () => {
  const base: CompressLayerReport = {
    name: 'c', weight: 'w', op: 'Conv', method: 'bnn', params: 288, ones: 0.7, alpha: 1, beta: -1, pruned: 0,
    mse: 0, sqnrDb: 0, bitsPerWeight: { raw: 1, entropy: 1 }, bytes: 44,
  };
  const o = optionsForReport(base);
  close(o.ones ?? null, 0.3, 'bnn ones');
  assert.equal(o.weightBytes, 44);
  assert.equal(optionsForReport({ ...base, method: 'sparse01', ones: 0.1 }).sharedTerm, false);
  const lat = layerLatency(conv, { ...base, method: 'sbnn', ones: 0.1 }, [P], { measuredMs: 0.5 });
  close(lat.estimatedMs.round, estimateLayerMs(conv, 'sbnn', { ones: 0.1, pruned: 0, weightBytes: 44, sharedTerm: true, zeroKernels: null, zeroFilters: null }, P)!, 'layerLatency');
  assert.equal(lat.measuredMs, 0.5);
  const c2 = { ...conv, name: 'd' };
  const t = totalLatency([conv, c2], { c: { ...base, method: 'sbnn', ones: 0.1 } }, [P]);
  close(t.round.before, 2 * estimateLayerMs(conv, 'fp32', {}, P)!, 'before');
  close(t.round.after, lat.estimatedMs.round + estimateLayerMs(c2, 'fp32', {}, P)!, 'after');
});

test('on every built-in profile fewer connections never cost more; with 64-bit popcount binary activations beat real ones', () => {
  const big: LayerInfo = { ...conv, shape: [256, 256, 3, 3], params: 589824, inputShape: [1, 256, 28, 28], outputShape: [1, 256, 28, 28], macs: 589824 * 784 };
  for (const p of BUILTIN_PROFILES) {
    let prev = Infinity;
    for (const ones of [0.5, 0.3, 0.1, 0.05, 0.01]) {
      const ms = estimateLayerMs(big, 'sbnn', { ones }, p)!;
      assert.ok(ms <= prev, `${p.id} ones ${ones}`);
      prev = ms;
    }
    // A Cortex-M7 has no popcount instruction (32-bit SWAR popcount), so there it need not hold.
    if (p.wordBits.value === 64) assert.ok(estimateLayerMs(big, 'sbnn-binact', { ones: 0.1 }, p)! < estimateLayerMs(big, 'sbnn', { ones: 0.1 }, p)!, p.id);
    assert.ok(estimateLayerMs(big, 'int8', {}, p)! < estimateLayerMs(big, 'fp32', {}, p)!, p.id);
  }
});
