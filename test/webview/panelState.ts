// The PanelState the panel test feeds: the real report and error curves of a real model (PP-OCR's
// text-direction classifier), produced by the engine exactly as the extension host does.
import { basename, join } from 'node:path';
import type { PanelState } from '../../src/shared/protocol';
import type { CompressLayerReport, CompressReport, LayerCurve, LayerOption, Method } from '../../src/shared/report';
import { loadModel, tensorFloat32 } from '../../src/engine/onnx/model';
import { inspectTotals, layerMacs, listLayers, modelInfo } from '../../src/engine/inventory';
import { measureShapes } from '../../src/engine/shapes';
import { allocateBudget } from '../../src/engine/budget/allocate';
import { ROOT } from './harness';

export const CLS_MODEL = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
export const PROFILES = [
  { id: 'host', label: 'This host' },
  { id: 'x86-64-avx2', label: 'x86-64 AVX2' },
  { id: 'arm-cortex-a72', label: 'Arm Cortex-A72' },
];

type CompressFn = (
  path: string,
  settings: import('../../src/shared/report').CompressSettings,
) => Promise<{ report: CompressReport; curves: LayerCurve[]; inspect: import('../../src/shared/report').InspectReport }>;

/** PanelState of `model` compressed at `budget` bits per weight. */
export async function realPanelState(model = CLS_MODEL, budget = 2): Promise<{ state: PanelState; engine: 'compressModel' | 'fixture' }> {
  // The engine API module may not load while its pieces are in progress; then use the fixture.
  const a = ((await import('../../src/engine/api').catch(() => null)) ?? {}) as Record<string, unknown>;
  if (typeof a.compressModel === 'function' && typeof a.defaultSettings === 'function') {
    const settings = { ...(a.defaultSettings as () => import('../../src/shared/report').CompressSettings)(), budget };
    const s = await (a.compressModel as CompressFn)(model, settings);
    return {
      engine: 'compressModel',
      state: {
        modelName: basename(model), inspect: s.inspect, report: s.report, curves: s.curves, budget, overrides: {},
        profiles: PROFILES, selectedProfile: 'x86-64-avx2', validation: null,
      },
    };
  }
  return { engine: 'fixture', state: await fixtureState(model, budget) };
}

// ---- interim fixture (until the engine's compressModel lands): inspectModel + exact curves ----

const H = (p: number): number => (p <= 0 || p >= 1 ? 0 : -p * Math.log2(p) - (1 - p) * Math.log2(1 - p));

function exactOptions(w: Float32Array): { energy: number; options: LayerOption[] } {
  const n = w.length;
  const s = Float64Array.from(w).sort();
  const pre = new Float64Array(n + 1);
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    pre[i + 1] = pre[i] + s[i];
    s2 += s[i] * s[i];
  }
  const T = pre[n];
  const split = (k: number, S: number): number => s2 - (S * S) / k - ((T - S) * (T - S)) / (n - k);
  const options: LayerOption[] = [];
  for (let g = 0; g < 24; g++) {
    const p = 0.005 * Math.pow(100, g / 23);
    const k = Math.min(n - 1, Math.max(1, Math.round(p * n)));
    const err = Math.min(split(k, T - pre[n - k]), split(k, pre[k]));
    options.push({ method: 'sbnn', ones: k / n, bits: n * H(k / n) + 64, error: Math.max(0, err) });
  }
  let abs = 0;
  for (let i = 0; i < n; i++) abs += Math.abs(s[i]);
  const a = abs / n;
  options.push({ method: 'bnn', ones: null, bits: n + 32, error: Math.max(0, s2 - n * a * a) });
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(s[i]));
  for (const [m, K] of [['int8', 8], ['int4', 4]] as [Method, number][]) {
    const L = 2 ** (K - 1) - 1;
    const sc = maxAbs / L || 1;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const q = Math.fround(Math.round(s[i] / sc) * sc);
      err += (s[i] - q) ** 2;
    }
    options.push({ method: m, ones: null, bits: n * K + 32, error: err });
  }
  options.push({ method: 'float', ones: null, bits: 32 * n, error: 0 });
  return { energy: s2, options };
}

async function fixtureState(model: string, budget: number): Promise<PanelState> {
  const m = loadModel(model);
  const refs = listLayers(m);
  const shapes = await measureShapes(m, refs);
  const infos = refs.map((r) => {
    const s = shapes[r.info.name];
    const l = { ...r.info, inputShape: s?.inputShape ?? null, outputShape: s?.outputShape ?? null };
    return { ...l, macs: layerMacs(l) };
  });
  const inspect = { model: modelInfo(m), layers: infos, totals: inspectTotals(infos, refs) };
  const curves: LayerCurve[] = listLayers(m).map((ref) => {
    const { energy, options } = exactOptions(tensorFloat32(m, ref.tensor));
    return { name: ref.info.name, params: ref.info.params, energy, sensitivity: 1, options };
  });
  const fixed: Record<string, LayerOption> = {};
  for (const c of [curves[0], curves[curves.length - 1]]) fixed[c.name] = c.options.find((o) => o.method === 'int8')!;
  const alloc = allocateBudget({ curves, budgetBitsPerWeight: budget, fixed });
  const layers: CompressLayerReport[] = inspect.layers.map((l) => {
    const c = curves.find((x) => x.name === l.name)!;
    const o = alloc.choice[l.name];
    return {
      name: l.name, weight: l.weight, op: l.op, method: o.method, params: l.params, ones: o.ones, alpha: null, beta: null, pruned: 0,
      mse: o.error / l.params, sqnrDb: 10 * Math.log10(c.energy / o.error),
      bitsPerWeight: { raw: o.method === 'sbnn' || o.method === 'bnn' ? 1 : o.method === 'float' ? 32 : Number(o.method.slice(3)), entropy: o.bits / l.params },
      bytes: Math.ceil(o.bits / 8),
    };
  });
  const report: CompressReport = {
    tool: { name: 'sbnn-studio', version: 'fixture' },
    model: inspect.model,
    settings: { method: 'sbnn', ones: null, budget, perChannel: false, prune: null, keepFirstLast: true, layers: null },
    layers,
    totals: {
      params: alloc.totalParams, compressedParams: alloc.totalParams, bytesBefore: alloc.totalParams * 4, bytesAfter: alloc.totalBits / 8,
      bitsPerWeight: alloc.bitsPerWeight, compressionRatio: (alloc.totalParams * 32) / alloc.totalBits,
    },
  };
  return { modelName: basename(model), inspect, report, curves, budget, overrides: {}, profiles: PROFILES, selectedProfile: 'x86-64-avx2', validation: null };
}
