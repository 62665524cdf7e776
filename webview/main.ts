// Entry of the layer panel (bundled to dist/webview.js). Owns the panel's state, validates every
// host message, re-plans live from the error curves, and persists with setState.
import { isHostToWebview, type HostToWebview, type PanelState } from '../src/shared/protocol';
import { METHODS, type LayerOverride, type Method } from '../src/shared/report';
import { button, dropdown, progressRing, registerComponents, setDisabled, slider, textField } from './components';
import { budgetRange, computePlan, effectiveBudget, uncompressedCurves, viewOrder, type Plan, type SortKey } from './plan';
import { LayerTable } from './table';
import { Charts } from './charts';
import { fmtBits, fmtBytes, fmtDb, fmtInt, fmtMs, fmtRatio, fmtShape, fmtShare } from './format';
import { getVsCodeApi } from './vscodeApi';
import { latencyEstimator } from './latency';
import { shareReportHtml } from './shareReport';

/** What the panel persists across reloads (vscode.setState): the PanelState itself (the host's panel
 *  serializer reads it back as one) plus the view's own settings under `ui`. */
type Persisted = PanelState & { ui?: UiState };
interface UiState {
  sortKey: SortKey;
  sortDir: 1 | -1;
  filter: string;
  selected: string | null;
  scrollTop: number;
}

const PRUNE_SPEC = /^(?:(?:magnitude|channel|kernel):(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)|nm:\d+:\d+)$/;
const REPLAN_DEBOUNCE_MS = 150;
const SLIDER_MAX_BITS = 8;

const vscode = getVsCodeApi<Persisted>();
registerComponents();

let state: PanelState | null = null;
let plan: Plan | null = null;
const ui: UiState = { sortKey: 'index', sortDir: 1, filter: '', selected: null, scrollTop: 0 };

// ---- layout (fixed sizes in panel.css, so nothing jumps while data arrives) ----
const root = document.getElementById('app') ?? document.body;
root.replaceChildren();

const header = el('header', 'summary');
const title = el('h1', 'model-name');
title.textContent = 'SBNN Studio';
const stats = el('dl', 'stats');
const stat = (id: string, label: string): HTMLElement => {
  const box = el('div', 'stat');
  const dt = el('dt');
  dt.textContent = label;
  const dd = el('dd');
  dd.id = id;
  dd.textContent = '—';
  box.append(dt, dd);
  stats.append(box);
  return dd;
};
const sFile = stat('stat-file', 'Model file');
const sSize = stat('stat-size', 'Weights before → after');
const sBits = stat('stat-bits', 'Bits / weight');
const sRatio = stat('stat-ratio', 'Ratio vs float32');
const sLatency = stat('stat-latency', 'Est. latency before → after');
const sFidelity = stat('stat-fidelity', 'Fidelity');
const profileDd = dropdown({
  id: 'profile',
  label: 'Device profile',
  options: [],
  value: '',
  onChange: (v) => {
    if (!state) return;
    state.selectedProfile = v || null;
    replanLocal(false);
  },
});
const profileBox = el('div', 'profile');
const profileLabel = el('span', 'label');
profileLabel.textContent = 'Profile';
profileBox.append(profileLabel, profileDd.el);
header.append(title, profileBox, stats);

const steer = el('section', 'steer');
steer.setAttribute('aria-label', 'Budget and export');
const budgetLabel = el('label', 'label');
budgetLabel.textContent = 'Budget (bits / weight)';
budgetLabel.setAttribute('for', 'budget-slider');
const budgetSlider = slider({
  id: 'budget-slider',
  label: 'Budget in bits per weight',
  min: 0,
  max: 8,
  step: 0.01,
  value: 1,
  onInput: (v) => {
    // Coalesce a drag to at most one re-plan per frame.
    pendingSlider = v;
    if (sliderFrame) return;
    sliderFrame = true;
    requestAnimationFrame(() => {
      sliderFrame = false;
      if (pendingSlider != null) setBudget(pendingSlider, true);
      pendingSlider = null;
    });
  },
});
let pendingSlider: number | null = null;
let sliderFrame = false;
const budgetField = textField({
  id: 'budget',
  label: 'Budget in bits per weight',
  value: '',
  size: 6,
  onChange: (v) => {
    const b = Number(v);
    if (v.trim() === '' || !Number.isFinite(b) || b <= 0) {
      showError(`Budget must be a positive number of bits per weight, got "${v}".`);
      return;
    }
    setBudget(b, false);
  },
});
const budgetRangeText = el('span', 'range-text');
budgetRangeText.id = 'budget-range';
const resetAllBtn = button({ id: 'reset-all', label: 'Reset all to plan', secondary: true, onClick: () => resetOverrides(null) });
const compressBtn = button({ id: 'compress', label: 'Compress…', secondary: true, onClick: () => vscode.postMessage({ type: 'compress' }) });
const validateBtn = button({ id: 'validate', label: 'Validate', secondary: true, onClick: () => vscode.postMessage({ type: 'validate' }) });
const exportBtn = button({
  id: 'export',
  label: 'Export',
  title: 'Write ONNX + packed + report next to the model',
  onClick: () => {
    if (!state) return;
    flushReplan();
    setStatus('Exporting…', null, true);
    vscode.postMessage({ type: 'export', budget: state.budget, overrides: { ...state.overrides }, shareHtml: shareHtml() });
  },
});
const steerRow = el('div', 'steer-row');
steerRow.append(budgetLabel, budgetSlider.el, budgetField.el, budgetRangeText, resetAllBtn, compressBtn, validateBtn, exportBtn);
const status = el('div', 'status');
status.id = 'status';
status.setAttribute('role', 'status');
status.setAttribute('aria-live', 'polite');
const statusRing = progressRing();
statusRing.classList.add('hidden');
const statusText = el('span', 'status-text');
const statusBar = el('progress', 'status-bar hidden') as HTMLProgressElement;
statusBar.max = 1;
const statusFiles = el('ul', 'files');
statusFiles.id = 'exported-files';
status.append(statusRing, statusText, statusBar, statusFiles);
steer.append(steerRow, status);

const middle = el('section', 'middle');
const tableBox = el('div', 'table-box');
const filterField = textField({
  id: 'filter',
  label: 'Filter layers by name or op',
  placeholder: 'Filter by name or op',
  value: '',
  onInput: (v) => {
    ui.filter = v;
    renderTable();
    persist();
  },
});
const countText = el('span', 'count');
countText.id = 'row-count';
const tableTools = el('div', 'table-tools');
tableTools.append(filterField.el, countText);
const table = new LayerTable({
  onSort: (key) => {
    if (ui.sortKey === key) ui.sortDir = ui.sortDir === 1 ? -1 : 1;
    else {
      ui.sortKey = key;
      ui.sortDir = key === 'name' || key === 'op' || key === 'index' || key === 'method' ? 1 : -1;
    }
    renderTable();
    persist();
  },
  onSelect: (name) => {
    ui.selected = name;
    renderTable();
    renderDetails();
    persist();
  },
});
tableBox.append(tableTools, table.el);

const details = el('aside', 'details');
details.id = 'details';
details.setAttribute('aria-label', 'Selected layer');
const detTitle = el('h2', 'det-title');
detTitle.id = 'det-title';
const detInfo = el('dl', 'det-info');
const ovBox = el('div', 'override');
const ovTitle = el('h3');
ovTitle.textContent = 'Override';
const ovMethod = dropdown({
  id: 'ov-method',
  label: 'Override method',
  options: [{ value: '', label: '(plan)' }, ...METHODS.map((m) => ({ value: m, label: m }))],
  value: '',
  onChange: (v) => {
    if (!ui.selected) return;
    if (v === '') resetOverrides(ui.selected);
    else setOverride(ui.selected, { method: v as Method, ones: parseOnes(ovOnes.getValue()), prune: parsePrune(ovPrune.getValue()) });
  },
});
const ovOnes = textField({
  id: 'ov-ones',
  label: 'Share of ones, between 0 and 1 (empty = the run default)',
  placeholder: 'ones, e.g. 0.1',
  value: '',
  size: 8,
  onChange: () => applyOverrideFields(),
});
const ovPrune = textField({
  id: 'ov-prune',
  label: 'Prune spec, e.g. magnitude:0.5, nm:2:4',
  placeholder: 'prune, e.g. nm:2:4',
  value: '',
  size: 14,
  onChange: () => applyOverrideFields(),
});
const ovFloat = button({ id: 'ov-float', label: 'Keep float', secondary: true, onClick: () => ui.selected && setOverride(ui.selected, { method: 'float', ones: null, prune: null }) });
const ovInt8 = button({ id: 'ov-int8', label: 'int8', secondary: true, onClick: () => ui.selected && setOverride(ui.selected, { method: 'int8', ones: null, prune: null }) });
const ovReset = button({ id: 'ov-reset', label: 'Reset to plan', secondary: true, onClick: () => ui.selected && resetOverrides(ui.selected) });
const ovNote = el('p', 'note');
ovNote.id = 'ov-note';
const ovButtons = el('div', 'buttons');
ovButtons.append(ovFloat, ovInt8, ovReset);
ovBox.append(ovTitle, ovMethod.el, ovOnes.el, ovPrune.el, ovButtons, ovNote);
details.append(detTitle, detInfo, ovBox);
middle.append(tableBox, details);

const charts = new Charts();
root.append(header, steer, middle, charts.el);

// ---- behaviour ----

const estimate = latencyEstimator();

/** The plan, or (when re-planning fails, e.g. a curve without options) the report as compressed
 *  with the reason shown inline, so the panel stays usable. */
function safePlan(s: PanelState): Plan {
  try {
    return computePlan(s, estimate ?? undefined);
  } catch (e) {
    showError(`Re-planning failed: ${e instanceof Error ? e.message : String(e)}`);
    return computePlan({ ...s, budget: null }, estimate ?? undefined);
  }
}

/** Runs fn and leaves one User Timing measure `name` (the latest; read by bench/webview.ts). */
function timed(name: string, fn: () => void): void {
  performance.clearMeasures(name);
  performance.mark(`${name}-start`);
  fn();
  performance.measure(name, `${name}-start`);
  performance.clearMarks(`${name}-start`);
}

function el(tag: string, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  return e;
}

function parseOnes(v: string): number | null {
  const t = v.trim();
  if (t === '') return null;
  const p = Number(t);
  return Number.isFinite(p) && p > 0 && p < 1 ? p : null;
}
function parsePrune(v: string): string | null {
  const t = v.trim();
  return t === '' ? null : t;
}

function applyOverrideFields(): void {
  if (!ui.selected || !state) return;
  const cur = state.overrides[ui.selected];
  const onesText = ovOnes.getValue().trim();
  const pruneText = ovPrune.getValue().trim();
  if (onesText !== '' && parseOnes(onesText) == null) return showError(`Share of ones must be a number between 0 and 1, got "${onesText}".`);
  if (pruneText !== '' && !PRUNE_SPEC.test(pruneText)) return showError(`Bad prune spec "${pruneText}": use magnitude:S, channel:S, kernel:S (0 ≤ S ≤ 1) or nm:N:M.`);
  const row = plan?.rows.find((r) => r.name === ui.selected);
  const method: Method = cur?.method ?? row?.method ?? 'sbnn';
  setOverride(ui.selected, { method, ones: parseOnes(onesText), prune: parsePrune(pruneText) });
}

function setOverride(name: string, o: LayerOverride): void {
  if (!state) return;
  state.overrides = { ...state.overrides, [name]: o };
  ensureBudget();
  replanLocal(true);
}

function resetOverrides(name: string | null): void {
  if (!state) return;
  if (name == null) state.overrides = {};
  else {
    const { [name]: _dropped, ...rest } = state.overrides;
    state.overrides = rest;
  }
  ensureBudget();
  replanLocal(true);
}

/** Steering needs a budget: adopt the report's achieved average the first time the user steers. */
function ensureBudget(): void {
  if (state && state.budget == null) state.budget = effectiveBudget(state);
}

function setBudget(b: number, fromSlider: boolean): void {
  if (!state || !state.curves) return;
  state.budget = b;
  if (fromSlider) budgetField.setValue(String(b));
  else budgetSlider.setValue(b);
  replanLocal(true);
}

let replanTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleReplan(): void {
  if (replanTimer) clearTimeout(replanTimer);
  replanTimer = setTimeout(flushReplan, REPLAN_DEBOUNCE_MS);
}
/** Tells the host the current budget and overrides (used by its next export). */
function flushReplan(): void {
  if (replanTimer) {
    clearTimeout(replanTimer);
    replanTimer = null;
    if (state && state.budget != null) vscode.postMessage({ type: 'replan', budget: state.budget, overrides: { ...state.overrides } });
  }
}

function replanLocal(post: boolean): void {
  if (!state) return;
  // A steer that got through supersedes an earlier input or host error line.
  if (status.classList.contains('error')) setStatus('', null, false);
  timed('sbnn:replan', () => {
    plan = safePlan(state!);
    renderSummary();
    renderTable();
    renderDetails();
  });
  scheduleCharts();
  persist();
  if (post && state.budget != null && state.curves) scheduleReplan();
}

// Charts follow the plan a frame later; for big models (hundreds of bars each) they wait until a
// slider drag pauses, so the table and totals keep up with the pointer.
const CHART_SETTLE_MS = 120;
const BIG_MODEL_LAYERS = 300;
let chartsScheduled = false;
let chartsTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleCharts(): void {
  if ((plan?.rows.length ?? 0) > BIG_MODEL_LAYERS) {
    if (chartsTimer) clearTimeout(chartsTimer);
    chartsTimer = setTimeout(() => {
      chartsTimer = null;
      renderCharts();
    }, CHART_SETTLE_MS);
    return;
  }
  if (chartsScheduled) return;
  chartsScheduled = true;
  requestAnimationFrame(() => {
    chartsScheduled = false;
    renderCharts();
  });
}

/** The shareable HTML report of what is being exported, in the panel's theme colors. */
function shareHtml(): string | undefined {
  if (!state || !plan) return undefined;
  renderCharts(); // charts may be waiting for a settle timer; make the images current
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
  const colors = {
    fg: v('--vscode-foreground', '#333333'),
    bg: v('--vscode-editor-background', '#ffffff'),
    muted: v('--vscode-descriptionForeground', '#666666'),
    border: v('--vscode-panel-border', '#cccccc'),
  };
  return shareReportHtml(state, plan, charts.images(colors.bg), colors, new Date().toISOString());
}

// setState serializes the whole state (curves included): the first change saves at once (a reload
// right after it must find it), a burst of changes such as a slider drag saves once it pauses.
const PERSIST_DEBOUNCE_MS = 200;
let persistTimer: ReturnType<typeof setTimeout> | null = null;
let lastPersist = 0;
function persist(): void {
  if (!persistTimer && Date.now() - lastPersist > PERSIST_DEBOUNCE_MS) {
    persistNow();
    return;
  }
  if (persistTimer) clearTimeout(persistTimer);
  persistTimer = setTimeout(persistNow, PERSIST_DEBOUNCE_MS);
}
function persistNow(): void {
  if (persistTimer) clearTimeout(persistTimer);
  persistTimer = null;
  lastPersist = Date.now();
  if (!state) return;
  ui.scrollTop = table.scrollTop;
  vscode.setState({ ...state, ui: { ...ui } });
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && persistTimer) persistNow();
});
window.addEventListener('pagehide', () => {
  if (persistTimer) persistNow();
});

function setStatus(text: string, fraction: number | null, busy: boolean, isError = false): void {
  statusText.textContent = text;
  status.classList.toggle('error', isError);
  statusRing.classList.toggle('hidden', !busy || fraction != null);
  statusBar.classList.toggle('hidden', fraction == null);
  if (fraction != null) statusBar.value = fraction;
  if (busy || isError) statusFiles.replaceChildren();
}
function showError(message: string): void {
  setStatus(message, null, false, true);
}

let shownProfiles = '';
function renderSummary(): void {
  if (!state || !plan) return;
  const t = plan.totals;
  title.textContent = state.modelName;
  title.title = state.inspect.model.path;
  sFile.textContent = `${fmtBytes(state.inspect.model.sizeBytes)} · ${state.inspect.layers.length} layers · ${fmtInt(t.params)} params`;
  sSize.textContent = `${fmtBytes(t.weightBytesBefore)} → ${fmtBytes(t.weightBytesAfter)}`;
  sSize.dataset.before = String(t.weightBytesBefore);
  sSize.dataset.after = String(t.weightBytesAfter ?? '');
  sBits.textContent = fmtBits(t.bitsPerWeight) + (t.feasible ? '' : ' (budget below minimum: cheapest plan)');
  sBits.dataset.value = String(t.bitsPerWeight ?? '');
  sRatio.textContent = fmtRatio(t.ratio);
  sRatio.dataset.value = String(t.ratio ?? '');
  sLatency.textContent = t.estAfterMs == null ? '—' : `${fmtMs(t.estBeforeMs)} → ${fmtMs(t.estAfterMs)}` + (t.measuredMs != null ? ` (measured ${fmtMs(t.measuredMs)})` : '');
  const v = state.validation;
  if (v) {
    const minCos = Math.min(...v.outputs.map((o) => o.cosine));
    const minSq = Math.min(...v.outputs.map((o) => o.sqnrDb));
    const parts = [`cos ≥ ${minCos.toFixed(4)}`, `SQNR ≥ ${fmtDb(minSq)} dB`];
    if (v.top1Agreement != null) parts.push(`top-1 agree ${fmtShare(v.top1Agreement)}`);
    if (v.accuracy != null) parts.push(`acc ${fmtShare(v.accuracy)}${v.accuracyOriginal != null ? ` (orig ${fmtShare(v.accuracyOriginal)})` : ''}`);
    sFidelity.textContent = parts.join(' · ') + ` · ${v.samples} ${v.generatedInputs ? 'generated' : 'given'} samples`;
  } else sFidelity.textContent = state.report ? 'not validated' : '—';

  const profiles = state.profiles;
  const profileKey = JSON.stringify([profiles, state.selectedProfile]);
  if (profileKey !== shownProfiles) {
    shownProfiles = profileKey;
    profileDd.setOptions(
      profiles.length ? profiles.map((p) => ({ value: p.id, label: p.label })) : [{ value: '', label: '(no profiles)' }],
      state.selectedProfile ?? '',
    );
  }
  const steerable = state.curves != null && state.curves.length > 0;
  for (const b of [budgetSlider.el, budgetField.el, resetAllBtn]) setDisabled(b, !steerable);
  setDisabled(exportBtn, state.report == null);
  setDisabled(validateBtn, state.report == null);
  compressBtn.classList.toggle('hidden', state.report != null);
  if (steerable) {
    const r = budgetRange([...state.curves!, ...uncompressedCurves(state.inspect.layers, state.curves!)]);
    // The slider covers the useful span (up to int8-like 8 bits); the field takes any budget.
    budgetSlider.setRange(Math.floor(r.min * 100) / 100, Math.min(SLIDER_MAX_BITS, Math.ceil(r.max * 100) / 100));
    budgetRangeText.textContent = `${fmtBits(r.min)} – ${fmtBits(r.max)}`;
    const b = effectiveBudget(state);
    if (b != null) {
      budgetSlider.setValue(b);
      if (document.activeElement !== budgetField.el) budgetField.setValue(String(Number(b.toFixed(4))));
    }
  } else budgetRangeText.textContent = state.report ? 'no error curves: re-run Compress to steer' : 'inspect only: Compress to plan';
  // Full text on hover where a narrow panel cuts a figure short.
  for (const d of [sFile, sSize, sBits, sRatio, sLatency, sFidelity]) d.title = d.textContent ?? '';
  const nOv = Object.keys(state.overrides).length;
  resetAllBtn.textContent = nOv ? `Reset all to plan (${nOv})` : 'Reset all to plan';
}

function renderTable(): void {
  if (!plan) return;
  const order = viewOrder(plan.rows, ui.filter, ui.sortKey, ui.sortDir);
  countText.textContent = `${order.length} of ${plan.rows.length} layers`;
  table.setData(plan.rows, order, ui.sortKey, ui.sortDir, ui.selected);
}

function dd(list: HTMLElement, k: string, v: string): void {
  const dt = el('dt');
  dt.textContent = k;
  const d = el('dd');
  d.textContent = v;
  list.append(dt, d);
}

function renderDetails(): void {
  if (!state || !plan) return;
  const row = ui.selected ? plan.rows.find((r) => r.name === ui.selected) ?? null : null;
  detInfo.replaceChildren();
  ovBox.classList.toggle('hidden', row == null || !state.curves);
  if (!row) {
    detTitle.textContent = 'No layer selected';
    detInfo.append(Object.assign(el('p', 'hint'), { textContent: 'Click a row, or use the arrow keys and Enter.' }));
    charts.updateCurve(null, null, null);
    return;
  }
  detTitle.textContent = row.name;
  dd(detInfo, 'Op · shape', `${row.op} · ${fmtShape(row.shape)}`);
  dd(detInfo, 'Method', `${row.method ?? '—'}${row.ones != null ? ` · ones ${fmtShare(row.ones)}` : ''}`);
  dd(detInfo, 'Bits / weight', `${fmtBits(row.entropyBits)} (raw ${fmtBits(row.rawBits)})`);
  dd(detInfo, 'SQNR', `${fmtDb(row.sqnr)} dB`);
  const rep = state.report?.layers.find((l) => l.name === row.name);
  if (rep?.zeroKernels != null) dd(detInfo, 'Zero kernels · filters', `${fmtInt(rep.zeroKernels)} · ${fmtInt(rep.zeroFilters ?? null)}`);
  const ov = row.override;
  ovMethod.setValue(ov?.method ?? '');
  ovOnes.setValue(ov?.ones != null ? String(ov.ones) : '');
  ovPrune.setValue(ov?.prune ?? '');
  setDisabled(ovReset, ov == null);
  ovNote.textContent = ov
    ? `Overridden: ${ov.method}${ov.ones != null ? ` at ${ov.ones} ones` : ''}${ov.prune ? `, prune ${ov.prune} (applied at export; bits and SQNR here are before pruning)` : ''}. Sticks through re-plans.`
    : row.pinnedFirstLast
      ? 'Kept at int8 (keep first/last layer). Override to change.'
      : 'Planned by the budget allocator.';
  charts.updateCurve(row.name, row.curve, row.option);
}

function renderCharts(): void {
  if (!state || !plan) return;
  timed('sbnn:charts', renderLayerCharts);
}

function renderLayerCharts(): void {
  if (!state || !plan) return;
  const profile = state.selectedProfile;
  const before = state.inspect.layers.map((l) => (estimate && profile != null ? estimate(l, null, null, profile) : null));
  charts.updateLayers(
    plan.rows,
    state.inspect.layers.map((l) => l.dtype),
    before,
  );
}

function renderAll(): void {
  if (!state) return;
  timed('sbnn:render', () => {
    plan = safePlan(state!);
    renderSummary();
    renderTable();
    renderDetails();
  });
  scheduleCharts();
}

function onMessage(msg: HostToWebview): void {
  switch (msg.type) {
    case 'init':
      state = msg.state;
      if (ui.selected && !state.inspect.layers.some((l) => l.name === ui.selected)) ui.selected = null;
      setStatus('', null, false);
      renderAll();
      table.scrollTop = ui.scrollTop;
      table.reveal(ui.selected);
      break;
    case 'report':
      if (!state) return;
      state.report = msg.report;
      setStatus('', null, false);
      renderAll();
      break;
    case 'progress':
      setStatus(msg.message, msg.fraction, true);
      break;
    case 'error':
      showError(msg.message);
      break;
    case 'exported': {
      setStatus(`Exported ${msg.files.length} file${msg.files.length === 1 ? '' : 's'}:`, null, false);
      statusFiles.replaceChildren(...msg.files.map((f) => Object.assign(el('li'), { textContent: f })));
      break;
    }
    case 'validation':
      if (!state) return;
      state.validation = msg.validation;
      renderSummary();
      setStatus('', null, false);
      break;
  }
  persist();
}

window.addEventListener('message', (e: MessageEvent) => {
  if (!isHostToWebview(e.data)) {
    console.warn('SBNN panel: ignored a malformed message', e.data);
    return;
  }
  onMessage(e.data);
});

// VS Code toggles body classes on theme change: re-read chart colors then.
new MutationObserver(() => {
  charts.retheme();
  renderDetails();
  scheduleCharts();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Restore: persisted state (latest user edits) first, else the state embedded in the HTML.
function initialState(): void {
  const saved = vscode.getState();
  let s: PanelState | null = null;
  if (saved) {
    const { ui: savedUi, ...savedState } = saved;
    if (savedUi) Object.assign(ui, savedUi);
    const msg: unknown = { type: 'init', state: savedState };
    if (isHostToWebview(msg) && msg.type === 'init') s = msg.state;
  }
  filterField.setValue(ui.filter);
  if (!s) {
    const embedded = document.getElementById('sbnn-state');
    if (embedded?.textContent) {
      try {
        const parsed: unknown = { type: 'init', state: JSON.parse(embedded.textContent) };
        if (isHostToWebview(parsed) && parsed.type === 'init') s = parsed.state;
      } catch {
        showError('The embedded panel state is not valid JSON; waiting for the host.');
      }
    }
  }
  if (s) onMessage({ type: 'init', state: s });
  else setStatus('Waiting for the model…', null, true);
}
initialState();
vscode.postMessage({ type: 'ready' });
