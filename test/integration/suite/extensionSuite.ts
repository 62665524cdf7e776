// The in-host integration suite: runs INSIDE a VS Code extension host (code-server via the e2e test,
// or a downloaded VS Code via @vscode/test-electron) against the installed extension, and writes
// its results as JSON for the outer test to assert on. `vscode` is passed in rather than imported
// so the same bundle works when loaded by the extension's test hook.
import type * as vscodeApi from 'vscode';
import { copyFileSync, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SbnnExtensionApi } from '../../../src/extension';
import { loadModel } from '../../../src/engine/onnx/model';

export interface SuiteResult {
  name: string;
  ok: boolean;
  error?: string;
  details?: Record<string, unknown>;
}

export const EXTENSION_ID = 'sbnn-studio.sbnn-studio';
const COMMANDS = ['sbnn.compressModel', 'sbnn.inspectLayers', 'sbnn.exportCompressed', 'sbnn.validateCompressed'];

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(what);
}

async function waitFor<T>(what: string, probe: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Replaces the results file atomically: the outer test polls it and must never read half of it. */
function writeResults(file: string, data: { done: boolean; results: SuiteResult[] }): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(data, null, 2));
  renameSync(temp, file);
}

/** Runs every check; `model` is a .onnx in the open workspace. Writes results to `resultsFile`. */
export async function runSuite(vscode: typeof vscodeApi, api: SbnnExtensionApi, resultsFile: string, model?: string): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  const modelPath =
    model ??
    (await vscode.workspace.findFiles('*.onnx')).map((u) => u.fsPath).filter((p) => !/\.sbnn(-\d+)?\.onnx$/.test(p)).sort()[0];
  const run = async (name: string, fn: () => Promise<Record<string, unknown> | void>): Promise<void> => {
    try {
      const details = (await fn()) ?? undefined;
      results.push({ name, ok: true, details });
    } catch (e) {
      results.push({ name, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
    writeResults(resultsFile, { done: false, results });
  };

  await run('a workspace model is there', async () => {
    check(modelPath && existsSync(modelPath), `no .onnx model in the workspace (${modelPath})`);
    return { model: basename(modelPath) };
  });

  await run('commands are registered and contributed', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of COMMANDS) check(all.has(c), `command ${c} is not registered`);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    check(ext?.isActive, 'the extension is not active');
    const contributed = (ext.packageJSON.contributes.commands as { command: string; category: string }[]).map((c) => `${c.category}: ${c.command}`);
    check(COMMANDS.every((c) => contributed.includes(`SBNN: ${c}`)), `contributed commands: ${contributed.join(', ')}`);
    const editors = ext.packageJSON.contributes.customEditors as { viewType: string; priority: string }[];
    check(editors.length === 1 && editors[0].viewType === 'sbnn.layerPanel' && editors[0].priority === 'option', 'custom editor contribution');
    return { commands: COMMANDS.length };
  });

  await run('the custom editor resolves to an inspect panel with every layer', async () => {
    const uri = vscode.Uri.file(modelPath);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'sbnn.layerPanel');
    const panel = await waitFor('an inspect panel with state', () =>
      api.panels().find((p) => p.kind === 'inspect' && p.modelPath === modelPath && p.state !== null),
    );
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    check(tab instanceof vscode.TabInputCustom && tab.viewType === 'sbnn.layerPanel', 'the active tab is the SBNN custom editor');
    const layers = panel.state!.inspect.layers;
    check(layers.length > 0, 'no layers');
    check(layers.every((l) => l.outputShape !== null), 'the ORT shape pass filled every layer shape');
    return { layers: layers.length, macs: panel.state!.inspect.totals.macs };
  });

  let compressed: { layers: number; budget: number | null } | null = null;
  await run('compress (budget 2) opens a compress panel and writes nothing', async () => {
    const dir = dirname(modelPath);
    const before = readdirSync(dir).sort();
    const panel = (await vscode.commands.executeCommand('sbnn.compressModel', vscode.Uri.file(modelPath), { budget: 2 })) as
      | ReturnType<SbnnExtensionApi['panels']>[number]
      | undefined;
    check(panel && panel.kind === 'compress' && panel.state?.report, 'no compress panel came back');
    check(JSON.stringify(readdirSync(dir).sort()) === JSON.stringify(before), 'compress wrote files before Export');
    const report = panel.state.report;
    check(report.layers.length === panel.state.inspect.layers.length, 'report layers != inspect layers');
    compressed = { layers: report.layers.length, budget: report.settings.budget };
    return { ...compressed, bitsPerWeight: report.totals.bitsPerWeight, compressionRatio: report.totals.compressionRatio };
  });

  await run('export writes ONNX + packed + report under a fresh name', async () => {
    const panel = api.panels().find((p) => p.kind === 'compress' && p.modelPath === modelPath);
    check(panel, 'no compress panel');
    panel.panel.reveal();
    const files = (await vscode.commands.executeCommand('sbnn.exportCompressed')) as string[] | undefined;
    check(Array.isArray(files) && files.length === 3, `export returned ${JSON.stringify(files)}`);
    for (const f of files) check(existsSync(f), `${f} is missing`);
    check(files.every((f) => dirname(f) === dirname(modelPath)), 'files are next to the model');
    return { files: files.map((f) => basename(f)) };
  });

  await run('validate the export against the original (ORT process); the panel gets the figures', async () => {
    const panel = api.panels().find((p) => p.kind === 'compress' && p.modelPath === modelPath && p.exported.length === 3);
    check(panel, 'no exported compress panel');
    const onnx = panel.exported.find((f) => f.endsWith('.onnx'))!;
    const v = (await vscode.commands.executeCommand('sbnn.validateCompressed', vscode.Uri.file(onnx))) as
      | { samples: number; generatedInputs: boolean; outputs: { name: string; cosine: number }[]; top1Agreement: number | null }
      | undefined;
    check(v && v.samples === 16 && v.generatedInputs, `validation: ${JSON.stringify(v)}`);
    check(v.outputs.length > 0 && v.outputs.every((o) => o.cosine >= -1 && o.cosine <= 1), 'cosines in [-1, 1]');
    check(JSON.stringify(panel.state?.validation) === JSON.stringify(v), 'the panel state holds the validation');
    return { samples: v.samples, outputs: v.outputs.length, cosine: v.outputs[0].cosine, top1Agreement: v.top1Agreement };
  });

  await run('cancelling an export leaves no files', async () => {
    const dir = dirname(modelPath);
    const before = readdirSync(dir).sort();
    const abort = new AbortController();
    const outputs = { onnx: join(dir, 'cancelled.onnx'), packed: join(dir, 'cancelled.sbnn'), report: join(dir, 'cancelled.report.json'), html: join(dir, 'cancelled.report.html') };
    let progressSeen = 0;
    const job = api.host.worker(
      { kind: 'export', path: modelPath, settings: { budget: 2 }, overrides: {}, outputs },
      // Cancel as the write starts: whether the worker is stopped before or after it writes, nothing stays.
      { signal: abort.signal, onProgress: (_d, _t, label) => (progressSeen++, label === 'writing files' && abort.abort()) },
    );
    let error: unknown = null;
    await job.catch((e: unknown) => (error = e));
    check(error instanceof Error && error.name === 'JobCancelled', `expected JobCancelled, got ${String(error)}`);
    check(JSON.stringify(readdirSync(dir).sort()) === JSON.stringify(before), `files changed: ${readdirSync(dir).join(', ')}`);
    return { progressSeen };
  });

  await run('ORT process killed mid-run: error reported, extension host lives, next request works', async () => {
    const ort = api.host.ort;
    let killed: number | null = null;
    let error: unknown = null;
    await ort
      .request('measureShapes', { path: modelPath, dims: null }, { onStarted: () => process.kill((killed = ort.pid!), 'SIGKILL') })
      .catch((e: unknown) => (error = e));
    check(killed !== null, 'the ORT process never started the request');
    check(error instanceof Error && error.message.startsWith('ONNX Runtime process was killed (SIGKILL)'), `error: ${String(error)}`);
    const shapes = await ort.request('measureShapes', { path: modelPath, dims: null });
    check(ort.pid !== killed && Object.keys(shapes).length > 0, 'the next request did not run in a fresh process');
    return { message: (error as Error).message, hostPid: process.pid };
  });

  await run('ORT process killed while a custom editor inspects: the panel shows the error and the static layers', async () => {
    // A second copy, so that a fresh custom editor resolves (the first one is open already).
    const copy = join(dirname(modelPath), `crash-${basename(modelPath)}`);
    copyFileSync(modelPath, copy);
    const ort = api.host.ort;
    const off = ort.onRequestStarted((what, pid) => {
      if (what.includes(basename(copy))) process.kill(pid, 'SIGKILL');
    });
    try {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(copy), 'sbnn.layerPanel');
      const panel = await waitFor('the crashed inspect panel with state', () =>
        api.panels().find((p) => p.kind === 'inspect' && p.modelPath === copy && p.state !== null),
      );
      check(panel.lastError?.startsWith('ONNX Runtime process was killed (SIGKILL) during measureShapes'), `panel error: ${panel.lastError}`);
      const layers = panel.state!.inspect.layers;
      check(layers.length > 0 && layers.every((l) => l.outputShape === null && l.macs === null), 'static layers without shapes');
      off();
      const shapes = await ort.request('measureShapes', { path: copy, dims: null });
      check(Object.keys(shapes).length === layers.length, 'the next request works');
      return { error: panel.lastError, layers: layers.length };
    } finally {
      off();
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(copy, { force: true });
    }
  });

  await run("a corrupt .onnx: the panel shows the CLI's one line (SbnnError.message)", async () => {
    const bad = join(dirname(modelPath), 'corrupt.onnx');
    writeFileSync(bad, 'this is not an ONNX model');
    let expected = '';
    try {
      loadModel(bad);
    } catch (e) {
      expected = (e as Error).message;
    }
    check(expected.startsWith(`${bad}: `), `loadModel's line: ${expected}`);
    try {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(bad), 'sbnn.layerPanel');
      const panel = await waitFor('the corrupt model panel with an error', () => api.panels().find((p) => p.modelPath === bad && p.lastError));
      check(panel.lastError === expected, `panel error "${panel.lastError}" != "${expected}"`);
      check(panel.state === null, 'no layers for a corrupt model');
      return { error: panel.lastError };
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(bad, { force: true });
    }
  });

  writeResults(resultsFile, { done: true, results });
  return results;
}
