// The layer panel bundle in headless Chromium, fed the real report and curves of a real model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { PanelState, WebviewToHost } from '../../src/shared/protocol';
import type { LayerOption, LayerOverride } from '../../src/shared/report';
import { allocateBudget } from '../../src/engine/budget/allocate';
import { buildWebviewBundle, chromiumMissing, launch, openPanel, ROOT, type PanelPage } from './harness';
import { realPanelState } from './panelState';
import { fmtBits, fmtDb, fmtMs, fmtRatio } from '../../webview/format';
import { BUILTIN_PROFILES, estimateLayerMs } from '../../src/engine/cost/estimate';

const OUT = join(ROOT, 'test-output', 'webview');
const skip = chromiumMissing();

/** The oracle: allocateBudget on the state's curves with first/last pinned at int8 and the
 *  overrides' options pinned (only method-only overrides here, whose option is unique). */
function expected(state: PanelState, budget: number, overrides: Record<string, LayerOverride>) {
  const curves = state.curves!;
  const fixed: Record<string, LayerOption> = {};
  const only = (name: string, method: string): LayerOption => {
    const opts = curves.find((c) => c.name === name)!.options.filter((o) => o.method === method);
    assert.equal(opts.length, 1, `${name} has exactly one ${method} option`);
    return opts[0];
  };
  if (state.report!.settings.keepFirstLast) for (const c of [curves[0], curves[curves.length - 1]]) fixed[c.name] = only(c.name, 'int8');
  for (const [name, o] of Object.entries(overrides)) fixed[name] = only(name, o.method);
  return allocateBudget({ curves, budgetBitsPerWeight: budget, fixed });
}

/** The last posted message of `type` matching `pred`, polling until one arrives (10 s). */
async function lastOf(pp: PanelPage, type: WebviewToHost['type'], pred: (m: WebviewToHost) => boolean = () => true): Promise<WebviewToHost> {
  const until = Date.now() + 10_000;
  for (;;) {
    const all = (await pp.posted()).filter((m) => m.type === type && pred(m));
    if (all.length) return all[all.length - 1];
    if (Date.now() > until) assert.fail(`no posted ${type} message matched; posted: ${JSON.stringify(await pp.posted()).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** All row names in display order, by scrolling the virtualized viewport end to end. */
async function allRowNames(pp: PanelPage): Promise<string[]> {
  return pp.page.evaluate(async () => {
    const vp = document.querySelector('.viewport') as HTMLElement;
    const byPos = new Map<number, string>();
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    vp.scrollTop = 0;
    await frame();
    for (;;) {
      for (const r of document.querySelectorAll<HTMLElement>('.rows .row')) byPos.set(Number(r.dataset.pos), r.dataset.name!);
      if (vp.scrollTop + vp.clientHeight >= vp.scrollHeight - 1) break;
      vp.scrollTop += vp.clientHeight;
      await frame();
    }
    vp.scrollTop = 0;
    await frame();
    return [...byPos.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  });
}

const visibleNames = (pp: PanelPage): Promise<string[]> =>
  pp.page.$$eval('.rows .row', (rows) => rows.map((r) => (r as HTMLElement).dataset.name!));

async function assertTotals(pp: PanelPage, alloc: ReturnType<typeof allocateBudget>): Promise<void> {
  const ratio = (alloc.totalParams * 32) / alloc.totalBits;
  await pp.page.waitForFunction((v) => document.getElementById('stat-bits')!.dataset.value === v, String(alloc.bitsPerWeight));
  assert.equal(await pp.page.getAttribute('#stat-bits', 'data-value'), String(alloc.bitsPerWeight));
  assert.equal(await pp.page.textContent('#stat-bits'), fmtBits(alloc.bitsPerWeight));
  assert.equal(await pp.page.getAttribute('#stat-ratio', 'data-value'), String(ratio));
  assert.equal(await pp.page.textContent('#stat-ratio'), fmtRatio(ratio));
  assert.equal(await pp.page.getAttribute('#stat-size', 'data-after'), String(alloc.totalBits / 8));
  assert.equal(await pp.page.getAttribute('#stat-size', 'data-before'), String(alloc.totalParams * 4));
}

async function setBudget(pp: PanelPage, b: number): Promise<void> {
  await pp.page.fill('#budget input', String(b));
  await pp.page.press('#budget input', 'Enter');
}

test('layer panel in Chromium on a real model', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  mkdirSync(OUT, { recursive: true });
  const [state] = await Promise.all([realPanelState(), buildWebviewBundle()]);
  t.diagnostic(`compressModel at ${state.budget} bits/weight: ${state.inspect.layers.length} layers, ${state.curves!.length} curves`);
  const names = state.inspect.layers.map((l) => l.name);
  assert.ok(names.length >= 10, 'the model has layers');
  const browser: Browser = await launch();
  try {
    const pp = await openPanel(browser, { theme: 'light' });
    await pp.send({ type: 'init', state });

    // Rows = layers, in model order.
    await pp.page.waitForSelector('.rows .row');
    assert.equal(await pp.page.getAttribute('.layer-table', 'aria-rowcount'), String(names.length + 1));
    assert.deepEqual(await allRowNames(pp), names);
    assert.equal(await pp.page.textContent('#row-count'), `${names.length} of ${names.length} layers`);

    // Totals as allocateBudget gives them at the state's budget, and the same plan the engine made.
    const initial = expected(state, state.budget!, {});
    await assertTotals(pp, initial);
    assert.equal(initial.bitsPerWeight, state.report!.totals.bitsPerWeight, 'webview re-plan = engine plan');
    const methods = await pp.page.$$eval('.rows .row .c-method', (c) => c.map((x) => x.textContent!.replace(/ [⚓✎]$/, '')));
    assert.deepEqual(methods, state.report!.layers.slice(0, methods.length).map((l) => l.method));

    // Sort by params: descending first (numbers), then ascending; ties keep model order.
    const byParams = (dir: number) =>
      state.inspect.layers.map((l, i) => ({ l, i })).sort((a, b) => (a.l.params - b.l.params) * dir || a.i - b.i).map((x) => x.l.name);
    await pp.page.click('.head .cell:text-is("Params")');
    assert.deepEqual(await allRowNames(pp), byParams(-1));
    assert.equal(await pp.page.getAttribute('.head .cell:text-is("Params")', 'aria-sort'), 'descending');
    await pp.page.click('.head .cell:text-is("Params")');
    assert.deepEqual(await allRowNames(pp), byParams(1));
    await pp.page.focus('.head .cell:text-is("#")');
    await pp.page.keyboard.press('Enter');
    assert.deepEqual(await allRowNames(pp), names);

    // Filter by name and by op (case-insensitive substring).
    const needle = names[names.length - 1].slice(0, Math.max(3, Math.floor(names[names.length - 1].length / 2))).toUpperCase();
    const want = state.inspect.layers.filter((l) => l.name.toLowerCase().includes(needle.toLowerCase()) || l.op.toLowerCase().includes(needle.toLowerCase())).map((l) => l.name);
    await pp.page.fill('#filter input', needle);
    await pp.page.waitForFunction((n) => document.getElementById('row-count')!.textContent!.startsWith(`${n} of`), want.length);
    assert.deepEqual(await allRowNames(pp), want);
    const gemm = state.inspect.layers.filter((l) => l.op === 'Gemm' || l.op === 'MatMul').map((l) => l.name);
    const op = gemm.length ? state.inspect.layers.find((l) => l.name === gemm[0])!.op : 'Conv';
    await pp.page.fill('#filter input', op.toLowerCase());
    const wantOp = state.inspect.layers.filter((l) => l.name.toLowerCase().includes(op.toLowerCase()) || l.op.toLowerCase().includes(op.toLowerCase())).map((l) => l.name);
    await pp.page.waitForFunction((n) => document.getElementById('row-count')!.textContent!.startsWith(`${n} of`), wantOp.length);
    assert.deepEqual(await allRowNames(pp), wantOp);
    await pp.page.fill('#filter input', '');
    await pp.page.waitForFunction((n) => document.getElementById('row-count')!.textContent!.startsWith(`${n} of`), names.length);

    // A budget change re-plans in the page and posts the right replan message.
    await setBudget(pp, 1.5);
    const replan = await lastOf(pp, 'replan', (m) => m.type === 'replan' && m.budget === 1.5);
    assert.deepEqual(replan, { type: 'replan', budget: 1.5, overrides: {} });
    await assertTotals(pp, expected(state, 1.5, {}));

    // Keyboard: Home, two ArrowDowns, Enter selects the third row.
    await pp.page.focus('.viewport');
    await pp.page.keyboard.press('Home');
    await pp.page.keyboard.press('ArrowDown');
    await pp.page.keyboard.press('ArrowDown');
    await pp.page.keyboard.press('Enter');
    assert.equal(await pp.page.textContent('#det-title'), names[2]);
    assert.equal(await pp.page.getAttribute('.rows .row.selected', 'data-name'), names[2]);
    const sel = state.curves!.find((c) => c.name === names[2])!;
    const chosen = expected(state, 1.5, {}).choice[names[2]];
    assert.match((await pp.page.textContent('#details'))!, new RegExp(`SQNR${fmtDb(10 * Math.log10(sel.energy / chosen.error)).replace('.', '\\.')} dB`));
    assert.match((await pp.page.getAttribute('#chart-curve canvas', 'aria-label'))!, new RegExp(`^Error versus bits of ${names[2]}: ${sel.options.length} options; chosen ${chosen.method}`));

    // Override: keep the selected layer float; it is marked, posted, and survives a re-plan.
    await pp.page.click('#ov-float');
    const ov = { [names[2]]: { method: 'float' as const, ones: null, prune: null } };
    const r2 = await lastOf(pp, 'replan', (m) => m.type === 'replan' && Object.keys(m.overrides).length === 1);
    assert.deepEqual(r2, { type: 'replan', budget: 1.5, overrides: ov });
    await assertTotals(pp, expected(state, 1.5, ov));
    await setBudget(pp, 1.2);
    const r3 = await lastOf(pp, 'replan', (m) => m.type === 'replan' && m.budget === 1.2);
    assert.deepEqual(r3, { type: 'replan', budget: 1.2, overrides: ov });
    await assertTotals(pp, expected(state, 1.2, ov));
    const rowSel = `.rows .row[data-name="${names[2]}"]`;
    assert.ok(await pp.page.$eval(rowSel, (r) => r.classList.contains('overridden')));
    assert.equal(await pp.page.textContent(`${rowSel} .c-method`), 'float ✎');
    assert.match((await pp.page.textContent('#ov-note'))!, /^Overridden: float/);
    // Pinned first layer is marked as kept, not as a user override.
    assert.equal(await pp.page.textContent(`.rows .row[data-name="${names[0]}"] .c-method`), 'int8 ⚓');
    await pp.page.screenshot({ path: join(OUT, 'panel-light.png'), fullPage: true });

    // Export posts export with the current budget and overrides; host replies show inline.
    await pp.page.click('#export');
    const exp = await lastOf(pp, 'export');
    assert.ok(exp.type === 'export' && typeof exp.shareHtml === 'string', 'export carries the shareable report');
    const { shareHtml, ...expRest } = exp;
    assert.deepEqual(expRest, { type: 'export', budget: 1.2, overrides: ov });
    // The shareable report: every layer, the totals shown, chart images; opened it renders them.
    const alloc12 = expected(state, 1.2, ov);
    assert.equal((shareHtml!.match(/<tr><td/g) ?? []).length, names.length);
    for (const n of names) assert.ok(shareHtml!.includes(`<td>${n}</td>`), n);
    assert.ok(shareHtml!.includes(`<dt>Bits / weight</dt><dd>${fmtBits(alloc12.bitsPerWeight)}</dd>`));
    assert.ok(shareHtml!.includes('<td>float (override)</td>'));
    assert.equal((shareHtml!.match(/<img src="data:image\/png;base64,/g) ?? []).length, 3);
    const share = await browser.newPage();
    await share.setContent(shareHtml!);
    assert.equal(await share.$$eval('img', (im) => im.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), 3);
    await share.screenshot({ path: join(OUT, 'share-report.png'), fullPage: false });
    await share.close();
    await pp.send({ type: 'progress', message: 'Writing model.sbnn.onnx', fraction: 0.5 });
    assert.equal(await pp.page.textContent('#status .status-text'), 'Writing model.sbnn.onnx');
    await pp.send({ type: 'exported', files: ['/tmp/m.sbnn.onnx', '/tmp/m.sbnn', '/tmp/m.sbnn.json'] });
    assert.deepEqual(await pp.page.$$eval('#exported-files li', (li) => li.map((x) => x.textContent)), ['/tmp/m.sbnn.onnx', '/tmp/m.sbnn', '/tmp/m.sbnn.json']);
    await pp.send({ type: 'error', message: 'model.onnx: export failed: disk full' });
    assert.equal(await pp.page.textContent('#status .status-text'), 'model.onnx: export failed: disk full');
    assert.ok(await pp.page.$eval('#status', (s) => s.classList.contains('error')));

    // Profile selector: latency totals switch to the chosen profile's roofline estimates.
    const arm = BUILTIN_PROFILES.find((p) => p.id === 'arm-cortex-a72')!;
    const armBefore = state.inspect.layers.reduce((a, l) => a + estimateLayerMs(l, 'fp32', {}, arm)!, 0);
    await pp.page.click('#profile');
    await pp.page.click('#profile vscode-option[value="arm-cortex-a72"]');
    await pp.page.waitForFunction((t) => document.getElementById('stat-latency')!.textContent!.startsWith(t), `${fmtMs(armBefore)} → `);
    await pp.page.waitForFunction(() => JSON.parse(localStorage.getItem('vscode-state') ?? '{}').selectedProfile === 'arm-cortex-a72');

    // Validation figures appear in the header.
    await pp.send({
      type: 'validation',
      validation: { samples: 8, generatedInputs: true, outputs: [{ name: 'softmax', cosine: 0.99871, sqnrDb: 23.46, maxAbsError: 0.02 }], top1Agreement: 0.875, accuracy: null, accuracyOriginal: null },
    });
    assert.equal(await pp.page.textContent('#stat-fidelity'), 'cos ≥ 0.9987 · SQNR ≥ 23.5 dB · top-1 agree 87.5% · 8 generated samples');

    // A malformed message is ignored (validated with isHostToWebview).
    await pp.send({ type: 'init' });
    await pp.send({ type: 'exported', files: [1, 2] });
    assert.equal(await pp.page.getAttribute('.layer-table', 'aria-rowcount'), String(names.length + 1));

    // Reload: the panel restores budget, overrides and selection from getState with no host message.
    await pp.page.reload();
    await pp.page.waitForSelector(`.rows .row[data-name="${names[2]}"].overridden`);
    await assertTotals(pp, expected(state, 1.2, ov));
    assert.equal(await pp.page.textContent('#det-title'), names[2]);
    assert.equal(await pp.page.$eval('#budget', (e) => (e as HTMLElement & { value: string }).value), '1.2');
    // The slider steers too (keyboard: one step of 0.01), and the restored override still holds.
    await pp.page.focus('#budget-slider');
    await pp.page.keyboard.press('ArrowRight');
    const r4 = await lastOf(pp, 'replan', (m) => m.type === 'replan' && m.budget === 1.21);
    assert.deepEqual(r4, { type: 'replan', budget: 1.21, overrides: ov });
    await assertTotals(pp, expected(state, 1.21, ov));
    assert.equal(await pp.page.$eval('#budget', (e) => (e as HTMLElement & { value: string }).value), '1.21');

    assert.deepEqual(await pp.cspViolations(), []);
    assert.deepEqual(pp.pageErrors, []);
    await pp.page.context().close();

    // Dark theme, state embedded in the HTML (first paint before any message), a layer selected.
    const dark = await openPanel(browser, { theme: 'dark', embedded: state });
    await dark.page.waitForSelector('.rows .row');
    assert.equal(await dark.page.getAttribute('.layer-table', 'aria-rowcount'), String(names.length + 1));
    await dark.page.click(`.rows .row[data-name="${names[3]}"]`);
    assert.equal(await dark.page.textContent('#det-title'), names[3]);
    // Method + ones + prune override through the controls.
    await dark.page.click('#ov-method');
    await dark.page.click('#ov-method vscode-option[value="sbnn"]');
    await dark.page.fill('#ov-ones input', '0.05');
    await dark.page.press('#ov-ones input', 'Enter');
    const sb = { [names[3]]: { method: 'sbnn' as const, ones: 0.05, prune: null } };
    assert.deepEqual(await lastOf(dark, 'replan', (m) => m.type === 'replan' && m.overrides[names[3]]?.ones === 0.05), { type: 'replan', budget: state.budget, overrides: sb });
    const c3 = state.curves!.find((c) => c.name === names[3])!;
    const near = c3.options.filter((o) => o.method === 'sbnn').reduce((a, b) => (Math.abs(b.ones! - 0.05) < Math.abs(a.ones! - 0.05) ? b : a));
    assert.equal(await dark.page.textContent(`.rows .row[data-name="${names[3]}"] .c-method`), 'sbnn ✎');
    assert.equal(await dark.page.textContent(`.rows .row[data-name="${names[3]}"] .c-ones`), `${(near.ones! * 100).toFixed(1)}%`);
    await dark.page.fill('#ov-prune input', 'bogus:1');
    await dark.page.press('#ov-prune input', 'Enter');
    assert.match((await dark.page.textContent('#status .status-text'))!, /^Bad prune spec "bogus:1"/);
    await dark.page.fill('#ov-prune input', 'nm:2:4');
    await dark.page.press('#ov-prune input', 'Enter');
    const pr = await lastOf(dark, 'replan', (m) => m.type === 'replan' && m.overrides[names[3]]?.prune === 'nm:2:4');
    assert.deepEqual(pr, { type: 'replan', budget: state.budget, overrides: { [names[3]]: { method: 'sbnn', ones: 0.05, prune: 'nm:2:4' } } });
    assert.match((await dark.page.textContent('#ov-note'))!, /prune nm:2:4 \(applied at export/);
    assert.equal(await dark.page.textContent('#status .status-text'), '', 'the input error is gone once a valid spec is applied');
    const fg = await dark.page.evaluate(() => getComputedStyle(document.body).color);
    assert.equal(fg, 'rgb(204, 204, 204)', 'dark theme foreground from --vscode-foreground');
    await dark.page.waitForTimeout(100);
    await dark.page.screenshot({ path: join(OUT, 'panel-dark.png'), fullPage: true });
    assert.deepEqual(await dark.cspViolations(), []);
    assert.deepEqual(dark.pageErrors, []);
    await dark.page.context().close();

    // High contrast: borders from --vscode-contrastBorder.
    const hc = await openPanel(browser, { theme: 'hc', embedded: { ...state, overrides: { [names[4]]: { method: 'int8', ones: null, prune: null } } } });
    await hc.page.waitForSelector('.rows .row');
    await hc.page.click(`.rows .row[data-name="${names[4]}"]`);
    assert.equal(await hc.page.$eval('.layer-table', (e) => getComputedStyle(e).borderTopColor), 'rgb(111, 195, 223)');
    await hc.page.waitForTimeout(100);
    await hc.page.screenshot({ path: join(OUT, 'panel-high-contrast.png'), fullPage: true });
    assert.deepEqual(await hc.cspViolations(), []);
    assert.deepEqual(hc.pageErrors, []);
    await hc.page.context().close();

    // Inspect-only panel: no plan, so Export is disabled and Compress posts compress.
    const insp = await openPanel(browser, { theme: 'light' });
    await insp.send({ type: 'init', state: { ...state, report: null, curves: null, budget: null } });
    await insp.page.waitForSelector('.rows .row');
    assert.equal(await insp.page.getAttribute('#export', 'disabled'), '');
    await insp.page.click('#compress');
    assert.deepEqual(await lastOf(insp, 'compress'), { type: 'compress' });
    assert.equal(await insp.page.textContent(`.rows .row[data-name="${names[1]}"] .c-method`), '—');
    // A curve the allocator cannot use: the error shows inline and the report's rows stay.
    const broken = { ...state, curves: state.curves!.map((c, i) => (i === 1 ? { ...c, options: [] } : c)) };
    await insp.send({ type: 'init', state: broken });
    await insp.page.waitForFunction(() => document.getElementById('status')!.classList.contains('error'));
    assert.match((await insp.page.textContent('#status .status-text'))!, new RegExp(`^Re-planning failed: layer "${names[1]}" has no quantization options`));
    assert.equal(await insp.page.textContent(`.rows .row[data-name="${names[1]}"] .c-method`), state.report!.layers[1].method);
    assert.deepEqual(insp.pageErrors, []);
    await insp.page.context().close();
  } finally {
    await browser.close();
  }
});

