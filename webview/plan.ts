// The panel's model: turns PanelState (+ the user's budget and overrides) into table rows and totals.
// Pure (no DOM), so the bench and the tests can call it outside the browser.
import type {
  CompressLayerReport,
  LayerCurve,
  LayerInfo,
  LayerOption,
  LayerOverride,
  Method,
} from '../src/shared/report';
import type { PanelState } from '../src/shared/protocol';
import { allocateBudget, type Allocation } from '../src/engine/budget/allocate';

/** Nominal stored bits per value of each method (the raw column when no report row matches). */
export const RAW_BITS: Record<Method, number> = {
  sbnn: 1,
  bnn: 1,
  sparse01: 1,
  ternary: Math.log2(3),
  int8: 8,
  int4: 4,
  int2: 2,
  float: 32,
};

/** The option an override pins. Mirrors the engine's planning (src/engine/compress.ts planLayers /
 *  optionFor) so the panel shows what Export writes: sbnn / sparse01 without a share of ones use the
 *  run's `settings.ones`; then the option with the nearest share of ones (first on ties), or without
 *  a share the option whose ones is null, else the first of that method. Null when the curve has no
 *  option of that method (the engine then keeps the layer's weights as they are). */
export function optionForOverride(curve: LayerCurve, o: LayerOverride, settingsOnes: number | null = null): LayerOption | null {
  const same = curve.options.filter((x) => x.method === o.method);
  if (same.length === 0) return null;
  const ones = o.ones ?? (o.method === 'sbnn' || o.method === 'sparse01' ? settingsOnes : null);
  if (ones == null || same.length === 1) return same.find((x) => x.ones === null) ?? same[0];
  return same.reduce((a, b) => (Math.abs((b.ones ?? 0) - ones) < Math.abs((a.ones ?? 0) - ones) ? b : a));
}

/** Stored bits per weight of a layer the engine does not compress (already quantized, or not float,
 *  or outside the run's layer glob): it still counts toward the average (as in compress.ts). */
export function storedBitsPerWeight(l: LayerInfo): number {
  if (l.quantized) return l.dtype.includes('4') ? 4 : 8;
  return l.dtype === 'FLOAT16' || l.dtype === 'BFLOAT16' ? 16 : 32;
}

/** Layers pinned before the allocator runs: user overrides, then keep-first-last at int8 (when more
 *  than two layers are compressible, as the engine does). */
export function fixedOptions(
  curves: LayerCurve[],
  overrides: Record<string, LayerOverride>,
  keepFirstLast: boolean,
  settingsOnes: number | null = null,
): Record<string, LayerOption> {
  const fixed: Record<string, LayerOption> = {};
  if (keepFirstLast && curves.length > 2) {
    for (const c of [curves[0], curves[curves.length - 1]]) {
      const o = optionForOverride(c, { method: 'int8' });
      if (o) fixed[c.name] = o;
    }
  }
  for (const c of curves) {
    const ov = overrides[c.name];
    if (!ov) continue;
    const o = optionForOverride(c, ov, settingsOnes);
    if (o) fixed[c.name] = o;
  }
  return fixed;
}

/** One-option pseudo-curves for the layers without a curve (see storedBitsPerWeight); shared weights
 *  count once. Names cannot clash with layer names (they start with NUL). */
export function uncompressedCurves(layers: LayerInfo[], curves: LayerCurve[]): LayerCurve[] {
  const withCurve = new Set(curves.map((c) => c.name));
  const seen = new Set<string>();
  for (const l of layers) if (withCurve.has(l.name)) seen.add(l.weight);
  const out: LayerCurve[] = [];
  for (const l of layers) {
    if (withCurve.has(l.name) || seen.has(l.weight)) continue;
    seen.add(l.weight);
    out.push({
      name: `\u0000fixed:${l.weight}`,
      params: l.params,
      energy: 0,
      sensitivity: 0,
      options: [{ method: 'float', ones: null, bits: storedBitsPerWeight(l) * l.params, error: 0 }],
    });
  }
  return out;
}

/** Cheapest and dearest average bits/weight the curves allow (the budget control's range). */
export function budgetRange(curves: LayerCurve[]): { min: number; max: number } {
  let lo = 0;
  let hi = 0;
  let params = 0;
  for (const c of curves) {
    let cMin = Infinity;
    let cMax = 0;
    for (const o of c.options) {
      if (o.bits < cMin) cMin = o.bits;
      if (o.bits > cMax) cMax = o.bits;
    }
    if (Number.isFinite(cMin)) lo += cMin;
    hi += cMax;
    params += c.params;
  }
  return params > 0 ? { min: lo / params, max: hi / params } : { min: 0, max: 32 };
}

/** SQNR of an option in dB: 10 log10(energy / error); Infinity when lossless. */
export function sqnrDb(energy: number, error: number): number {
  if (error <= 0) return Infinity;
  if (energy <= 0) return -Infinity;
  return 10 * Math.log10(energy / error);
}

export interface Row {
  index: number;
  name: string;
  op: string;
  shape: number[];
  params: number;
  macs: number | null;
  method: Method | null;
  ones: number | null;
  pruned: number | null;
  rawBits: number | null;
  entropyBits: number | null;
  sqnr: number | null;
  estMs: number | null;
  measuredMs: number | null;
  overridden: boolean;
  /** Pinned by keep-first-last (not by the user). */
  pinnedFirstLast: boolean;
  override: LayerOverride | null;
  curve: LayerCurve | null;
  option: LayerOption | null;
}

export interface Totals {
  params: number;
  /** Float32 bytes of the planned layers' weights. */
  weightBytesBefore: number;
  /** Planned bytes of those weights (allocation bits / 8), or the report's when no curves. */
  weightBytesAfter: number | null;
  bitsPerWeight: number | null;
  ratio: number | null;
  feasible: boolean;
  estBeforeMs: number | null;
  estAfterMs: number | null;
  measuredMs: number | null;
}

export interface Plan {
  rows: Row[];
  totals: Totals;
  allocation: Allocation | null;
  budget: number | null;
}

/** Optional per-layer latency estimate for a planned method (helper C's estimator when bundled). */
export type LatencyFn = (layer: LayerInfo, option: LayerOption | null, report: CompressLayerReport | null, profile: string) => number | null;

export function keepFirstLastOf(state: PanelState): boolean {
  return state.report ? state.report.settings.keepFirstLast : true;
}

/** Where the budget control sits: the user's budget, else the report's achieved average. */
export function effectiveBudget(state: PanelState): number | null {
  if (state.budget != null) return state.budget;
  if (state.report) return state.report.totals.bitsPerWeight;
  return null;
}

/** Rows and totals. With a budget (state.budget) and curves, the allocator re-plans; without one the
 *  report is shown as compressed (e.g. a uniform-method run), so nothing changes until the user steers. */
export function computePlan(state: PanelState, latency?: LatencyFn): Plan {
  const budget = state.budget;
  const curves = state.curves;
  const profile = state.selectedProfile;
  const reportRows = new Map<string, CompressLayerReport>();
  for (const r of state.report?.layers ?? []) reportRows.set(r.name, r);
  const curveByName = new Map<string, LayerCurve>();
  for (const c of curves ?? []) curveByName.set(c.name, c);

  let allocation: Allocation | null = null;
  let fixed: Record<string, LayerOption> = {};
  if (curves && curves.length > 0 && budget != null) {
    fixed = fixedOptions(curves, state.overrides, keepFirstLastOf(state), state.report?.settings.ones ?? null);
    const extra = uncompressedCurves(state.inspect.layers, curves);
    for (const c of extra) fixed[c.name] = c.options[0];
    allocation = allocateBudget({ curves: extra.length ? [...curves, ...extra] : curves, budgetBitsPerWeight: budget, fixed });
  }

  const rows: Row[] = state.inspect.layers.map((l, index) => {
    const rep = reportRows.get(l.name) ?? null;
    const curve = curveByName.get(l.name) ?? null;
    const option = allocation ? allocation.choice[l.name] ?? null : null;
    const override = state.overrides[l.name] ?? null;
    let method: Method | null = rep ? rep.method : null;
    let ones: number | null = rep ? rep.ones : null;
    let rawBits: number | null = rep ? rep.bitsPerWeight.raw : null;
    let entropyBits: number | null = rep ? rep.bitsPerWeight.entropy : null;
    let sqnr: number | null = rep ? rep.sqnrDb : null;
    if (option && curve) {
      const sameAsReport = rep != null && rep.method === option.method && rep.ones === option.ones;
      method = option.method;
      ones = option.ones;
      entropyBits = curve.params > 0 ? option.bits / curve.params : null;
      rawBits = sameAsReport ? rep!.bitsPerWeight.raw : RAW_BITS[option.method];
      sqnr = sqnrDb(curve.energy, option.error);
    }
    const estFromReport = rep?.latency && profile != null ? rep.latency.estimatedMs[profile] ?? null : null;
    const estMs = latency && profile != null ? latency(l, option, rep, profile) ?? estFromReport : estFromReport;
    return {
      index,
      name: l.name,
      op: l.op,
      shape: l.shape,
      params: l.params,
      macs: l.macs,
      method,
      ones,
      pruned: rep ? rep.pruned : null,
      rawBits,
      entropyBits,
      sqnr,
      estMs,
      measuredMs: rep?.latency?.measuredMs ?? null,
      overridden: override != null || (rep?.overridden ?? false),
      pinnedFirstLast: option != null && override == null && fixed[l.name] != null,
      override,
      curve,
      option,
    };
  });

  let params = 0;
  for (const l of state.inspect.layers) params += l.params;
  const totals: Totals = {
    params,
    weightBytesBefore: params * 4,
    weightBytesAfter: null,
    bitsPerWeight: null,
    ratio: null,
    feasible: true,
    estBeforeMs: null,
    estAfterMs: null,
    measuredMs: state.report?.totals.latency?.measuredMs ?? null,
  };
  if (allocation) {
    totals.params = allocation.totalParams;
    totals.weightBytesBefore = allocation.totalParams * 4;
    totals.weightBytesAfter = allocation.totalBits / 8;
    totals.bitsPerWeight = allocation.bitsPerWeight;
    totals.ratio = allocation.totalBits > 0 ? (allocation.totalParams * 32) / allocation.totalBits : null;
    totals.feasible = allocation.feasible;
  } else if (state.report) {
    const t = state.report.totals;
    totals.params = t.params;
    totals.weightBytesBefore = t.params * 4;
    totals.weightBytesAfter = (t.bitsPerWeight * t.params) / 8;
    totals.bitsPerWeight = t.bitsPerWeight;
    totals.ratio = t.compressionRatio;
  }
  const repLat = profile != null ? state.report?.totals.latency?.estimatedMs[profile] : undefined;
  if (latency && profile != null) {
    let before = 0;
    let after = 0;
    let ok = true;
    for (const [i, l] of state.inspect.layers.entries()) {
      const b = latency(l, null, null, profile);
      const a = rows[i].estMs;
      if (b == null || a == null) {
        ok = false;
        break;
      }
      before += b;
      after += a;
    }
    if (ok) {
      totals.estBeforeMs = before;
      totals.estAfterMs = after;
    }
  }
  if (totals.estAfterMs == null && repLat) {
    totals.estBeforeMs = repLat.before;
    totals.estAfterMs = repLat.after;
  }
  return { rows, totals, allocation, budget };
}

export type SortKey = 'index' | 'name' | 'op' | 'params' | 'macs' | 'method' | 'ones' | 'rawBits' | 'entropyBits' | 'sqnr' | 'estMs' | 'measuredMs';

/** Indices of the rows to show: filtered by a case-insensitive substring of name or op, then sorted
 *  (stable; nulls last whatever the direction). */
export function viewOrder(rows: Row[], filter: string, key: SortKey, dir: 1 | -1): number[] {
  const f = filter.trim().toLowerCase();
  const idx: number[] = [];
  for (const r of rows) {
    if (f === '' || r.name.toLowerCase().includes(f) || r.op.toLowerCase().includes(f)) idx.push(r.index);
  }
  if (key === 'index' && dir === 1) return idx;
  idx.sort((a, b) => {
    const va = rows[a][key];
    const vb = rows[b][key];
    if (va == null && vb == null) return a - b;
    if (va == null) return 1;
    if (vb == null) return -1;
    const c = typeof va === 'string' ? va.localeCompare(vb as string) : (va as number) - (vb as number);
    return c !== 0 ? c * dir : a - b;
  });
  return idx;
}
