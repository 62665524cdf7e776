// The four SBNN commands, the compress QuickPick and the export / reveal flow.
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BUILTIN_PROFILES } from '../engine/cost/builtins';
import { METHODS, type Method, type ValidationReport } from '../shared/report';
import type { PanelState, ProfileSummary } from '../shared/protocol';
import { compressSettings, readConfig, type HostServices } from './hostServices';
import { COMPRESS_PANEL_VIEW_TYPE, CUSTOM_EDITOR_VIEW_TYPE, LayerPanel, emptyState, type PanelActions } from './layerPanel';
import type { LayerShapes } from './jobMessages';
import { nonClobberingOutputs } from './outputNames';

/** What a compress run uses when called programmatically (tests, other extensions). */
export interface CompressChoice {
  method?: Method;
  budget?: number | null;
}

/** A programmatic CompressChoice argument, or undefined for anything else (then the user is asked). */
function asChoice(v: unknown): CompressChoice | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof vscode.Uri) return undefined;
  const c = v as Record<string, unknown>;
  const method = typeof c.method === 'string' && (METHODS as readonly string[]).includes(c.method) ? (c.method as Method) : undefined;
  const budget = typeof c.budget === 'number' && Number.isFinite(c.budget) && c.budget > 0 ? c.budget : c.budget === null ? null : undefined;
  return method === undefined && budget === undefined ? undefined : { method, budget };
}

const BUDGET_PRESETS = [1, 1.5, 2, 4];
/** Generated input samples per validation run. */
const VALIDATION_SAMPLES = 16;

/** Device profiles the panel offers (the built-in ones; data only). */
const PROFILES: ProfileSummary[] = BUILTIN_PROFILES.map((p) => ({ id: p.id, label: p.label }));

function selectedProfile(configured: string | null): string | null {
  return configured && PROFILES.some((p) => p.id === configured) ? configured : (PROFILES[0]?.id ?? null);
}

/** The original model of an exported one, from the report JSON written next to it. */
function originalOf(compressed: string): string | null {
  const report = compressed.replace(/\.onnx$/, '.report.json');
  if (!existsSync(report)) return null;
  try {
    const path = (JSON.parse(readFileSync(report, 'utf8')) as { model?: { path?: unknown } }).model?.path;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function validationLine(compressed: string, original: string, v: ValidationReport): string {
  const worstCos = Math.min(...v.outputs.map((o) => o.cosine));
  const worstSqnr = Math.min(...v.outputs.map((o) => o.sqnrDb));
  const top1 = v.top1Agreement === null ? '' : `, top-1 agreement ${(100 * v.top1Agreement).toFixed(1)}%`;
  const inputs = v.generatedInputs ? 'generated inputs' : 'inputs';
  return `SBNN: ${basename(compressed)} vs ${basename(original)} on ${v.samples} ${inputs}: cosine ${worstCos.toFixed(4)}, SQNR ${worstSqnr.toFixed(1)} dB${top1}`;
}

const METHOD_DETAIL: Record<Method, string> = {
  sbnn: 'sparse binary: each weight is beta or alpha (1 bit, few alphas)',
  bnn: 'binary: each weight is -a or +a (1 bit)',
  sparse01: 'sparse binary: each weight is 0 or alpha (1 bit)',
  ternary: 'each weight is -a, 0 or +a (log2 3 bits)',
  int8: 'uniform symmetric 8-bit integers',
  int4: 'uniform symmetric 4-bit integers',
  int2: 'uniform symmetric 2-bit integers',
  float: 'keep float weights',
};

interface ChoiceItem extends vscode.QuickPickItem {
  choice?: CompressChoice;
  custom?: true;
}

/** Asks method-or-budget, with the settings' default preselected. Undefined when dismissed. */
async function pickChoice(modelName: string): Promise<CompressChoice | undefined> {
  const cfg = readConfig();
  const budgets = [...BUDGET_PRESETS];
  if (cfg.budget !== null && !budgets.includes(cfg.budget)) budgets.push(cfg.budget);
  budgets.sort((a, b) => a - b);
  const items: ChoiceItem[] = [
    { label: 'Bit budget', kind: vscode.QuickPickItemKind.Separator },
    ...budgets.map((b) => ({
      label: `Budget ${b} bits/weight`,
      description: 'per-layer methods chosen to fit the average',
      choice: { budget: b, method: cfg.method },
    })),
    { label: 'Budget…', description: 'enter bits per weight', custom: true },
    { label: 'Uniform method', kind: vscode.QuickPickItemKind.Separator },
    ...METHODS.filter((m) => m !== 'float').map((m) => ({ label: `Method ${m}`, description: METHOD_DETAIL[m], choice: { method: m, budget: null } })),
  ];
  const preselect = items.find((i) =>
    cfg.budget !== null ? i.choice?.budget === cfg.budget : i.choice?.budget === null && i.choice?.method === cfg.method,
  );
  const qp = vscode.window.createQuickPick<ChoiceItem>();
  qp.title = `Compress ${modelName}`;
  qp.placeholder = 'Choose a bit budget or one method for every layer';
  qp.items = items;
  if (preselect) qp.activeItems = [preselect];
  const picked = await new Promise<ChoiceItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!picked) return undefined;
  if (!picked.custom) return picked.choice;
  const text = await vscode.window.showInputBox({
    title: `Compress ${modelName}`,
    prompt: 'Average bits per weight over all weight layers',
    value: String(cfg.budget ?? 2),
    validateInput: (v) => (Number.isFinite(Number(v)) && Number(v) > 0 && Number(v) <= 32 ? null : 'A number of bits between 0 and 32'),
  });
  return text === undefined ? undefined : { budget: Number(text), method: cfg.method };
}

/** The .onnx a command is about: its argument, the active SBNN editor, or one the user picks. */
async function resolveModel(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom && tab.viewType === CUSTOM_EDITOR_VIEW_TYPE) return tab.uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.path.endsWith('.onnx')) return active;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, title: 'Choose an ONNX model' });
  return picked?.[0];
}

export class SbnnCommands implements PanelActions {
  constructor(private readonly host: HostServices) {}

  register(): vscode.Disposable[] {
    return [
      // From a menu the second argument is the selection (an array of URIs), not a choice.
      vscode.commands.registerCommand('sbnn.compressModel', (uri?: unknown, choice?: unknown) => this.compressCommand(uri, asChoice(choice))),
      vscode.commands.registerCommand('sbnn.inspectLayers', (uri?: unknown) => this.inspectCommand(uri)),
      vscode.commands.registerCommand('sbnn.exportCompressed', () => this.exportCommand()),
      vscode.commands.registerCommand('sbnn.validateCompressed', (uri?: unknown) => this.validateCommand(uri)),
    ];
  }

  private async inspectCommand(arg: unknown): Promise<void> {
    const uri = await resolveModel(arg);
    if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, CUSTOM_EDITOR_VIEW_TYPE);
  }

  /** Compress Model…: ask, run in the worker, open the panel on the result. Writes nothing. */
  async compressCommand(arg: unknown, given?: CompressChoice): Promise<LayerPanel | undefined> {
    const uri = await resolveModel(arg);
    if (!uri) return undefined;
    const choice = given ?? (await pickChoice(basename(uri.fsPath)));
    if (!choice) return undefined;
    return this.runCompress(uri.fsPath, choice);
  }

  async runCompress(modelPath: string, choice: CompressChoice): Promise<LayerPanel | undefined> {
    const cfg = readConfig();
    const settings = compressSettings(cfg, choice);
    const what = settings.budget !== null ? `budget ${settings.budget} bits/weight` : `method ${settings.method}`;
    this.host.log.info(`compress ${modelPath} (${what}, keepFirstLast=${settings.keepFirstLast})`);
    const result = await this.host.withProgress(`SBNN: compressing ${basename(modelPath)} (${what})`, async (opts, report) => {
      report('measuring shapes (ONNX Runtime)');
      const shapes = await this.shapesOrNull(modelPath, opts.signal);
      return this.host.worker({ kind: 'compress', path: modelPath, settings, overrides: {}, shapes }, opts);
    });
    if (!result) return undefined;
    const state = emptyState(modelPath, {
      inspect: result.inspect,
      report: result.report,
      curves: result.curves,
      budget: settings.budget ?? null,
      profiles: PROFILES,
      selectedProfile: selectedProfile(cfg.deviceProfile),
    });
    const panel = vscode.window.createWebviewPanel(COMPRESS_PANEL_VIEW_TYPE, `SBNN: ${basename(modelPath)}`, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    const layerPanel = this.adoptCompressPanel(panel, modelPath, state);
    // Export re-plans from these curves instead of building them again (the engine checks they still apply).
    const { perChannel, prune, layers } = result.report.settings;
    layerPanel.priorCurves = result.file ? { curves: result.curves, file: result.file, settings: { perChannel, prune, layers } } : null;
    return layerPanel;
  }

  adoptCompressPanel(panel: vscode.WebviewPanel, modelPath: string, state: PanelState): LayerPanel {
    return new LayerPanel(panel, 'compress', modelPath, state, this.host.extensionUri, this, this.host.log);
  }

  /** Inspect-only panel for the custom editor: static inspection in the worker, shapes from ORT. */
  async resolveInspectPanel(panel: vscode.WebviewPanel, modelPath: string): Promise<LayerPanel> {
    const layerPanel = new LayerPanel(panel, 'inspect', modelPath, null, this.host.extensionUri, this, this.host.log);
    const cfg = readConfig();
    await this.host.withProgress(
      `SBNN: inspecting ${basename(modelPath)}`,
      async (opts, report) => {
        report('measuring shapes (ONNX Runtime)');
        const shapes = await this.shapesOrNull(modelPath, opts.signal, (message) => layerPanel.showError(message));
        report('reading layers');
        const inspect = await this.host.worker({ kind: 'inspect', path: modelPath, shapes }, opts);
        layerPanel.setState(emptyState(modelPath, { inspect, profiles: PROFILES, selectedProfile: selectedProfile(cfg.deviceProfile) }));
      },
      (message) => layerPanel.showError(message),
    );
    return layerPanel;
  }

  /**
   * The ORT shape pass, in the ORT process. When it fails or the process dies, the error is shown
   * (notification, and the panel through `onError`) and the work goes on without shapes and MACs.
   */
  private async shapesOrNull(modelPath: string, signal: AbortSignal, onError?: (message: string) => void): Promise<LayerShapes | null> {
    try {
      return await this.host.ort.request('measureShapes', { path: modelPath, dims: readConfig().inputDims }, { signal });
    } catch (e) {
      if (signal.aborted) throw e;
      const message = e instanceof Error ? e.message : String(e);
      this.host.log.error(`shapes of ${modelPath}: ${message}`);
      onError?.(message);
      void vscode.window.showErrorMessage(message);
      return null;
    }
  }

  private async exportCommand(): Promise<string[] | undefined> {
    const panel = LayerPanel.currentCompressPanel();
    if (!panel) {
      void vscode.window.showErrorMessage('Export Compressed Model: no compression result is open; run SBNN: Compress Model… first.');
      return undefined;
    }
    return this.exportPanel(panel);
  }

  /** Export: compress again with the panel's budget / overrides and write ONNX + packed + report. */
  async exportPanel(panel: LayerPanel, shareHtml?: string): Promise<string[] | undefined> {
    const state = panel.state;
    if (!state?.report) {
      panel.showError('Nothing to export yet: compress the model first.');
      return undefined;
    }
    const cfg = readConfig();
    const outputs = nonClobberingOutputs(panel.modelPath, cfg.outputNaming);
    const settings = { ...state.report.settings, budget: state.budget ?? state.report.settings.budget };
    this.host.log.info(`export ${panel.modelPath} -> ${outputs.onnx} (budget ${settings.budget}, ${Object.keys(state.overrides).length} overrides)`);
    const result = await this.host.withProgress(
      `SBNN: exporting ${basename(outputs.onnx)}`,
      (opts) => this.host.worker({ kind: 'export', path: panel.modelPath, settings, overrides: state.overrides, outputs, shareHtml, prior: panel.priorCurves }, opts),
      (message) => panel.showError(message),
    );
    if (!result) return undefined;
    panel.exported = result.files;
    panel.state = { ...state, report: result.report };
    panel.post({ type: 'exported', files: result.files });
    this.host.log.info(`exported ${result.files.join(', ')}`);
    void vscode.window
      .showInformationMessage(`SBNN: wrote ${result.files.map((f) => basename(f)).join(', ')} in ${dirname(outputs.onnx)}`, 'Reveal', 'Open')
      .then((action) => {
        const onnx = vscode.Uri.file(outputs.onnx);
        if (action === 'Reveal') void vscode.commands.executeCommand('revealInExplorer', onnx);
        if (action === 'Open') void vscode.commands.executeCommand('vscode.openWith', onnx, CUSTOM_EDITOR_VIEW_TYPE);
      });
    return result.files;
  }

  // PanelActions: what the panel's buttons ask for.
  compress(panel: LayerPanel): void {
    void this.compressCommand(vscode.Uri.file(panel.modelPath));
  }

  export(panel: LayerPanel, shareHtml?: string): void {
    void this.exportPanel(panel, shareHtml);
  }

  validate(panel: LayerPanel): void {
    const compressed = panel.exported.find((f) => f.endsWith('.onnx'));
    if (!compressed) {
      panel.showError('Export first: validation compares the exported model with the original.');
      return;
    }
    void this.runValidation(compressed, panel.modelPath);
  }

  /** Validate Compressed Model: an exported .onnx (explorer) or the current panel's last export. */
  private async validateCommand(arg: unknown): Promise<ValidationReport | undefined> {
    let compressed: string | undefined;
    let original: string | null = null;
    if (arg instanceof vscode.Uri) {
      compressed = arg.fsPath;
      original = originalOf(compressed);
    } else {
      const panel = LayerPanel.currentCompressPanel();
      compressed = panel?.exported.find((f) => f.endsWith('.onnx'));
      original = panel ? panel.modelPath : null;
    }
    if (!compressed) {
      void vscode.window.showErrorMessage('Validate Compressed Model: export a compressed model first, or run this on an exported .onnx.');
      return undefined;
    }
    if (!original) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'ONNX models': ['onnx'] },
        defaultUri: vscode.Uri.file(dirname(compressed)),
        title: `The original model of ${basename(compressed)}`,
      });
      if (!picked?.[0]) return undefined;
      original = picked[0].fsPath;
    }
    return this.runValidation(compressed, original);
  }

  /** Runs both models in the ORT process on the same inputs; shows the result in panels and a notification. */
  async runValidation(compressed: string, original: string): Promise<ValidationReport | undefined> {
    const panels = LayerPanel.panels().filter((p) => p.kind === 'compress' && p.modelPath === original);
    this.host.log.info(`validate ${compressed} against ${original} (${VALIDATION_SAMPLES} generated samples)`);
    const v = await this.host.withProgress(
      `SBNN: validating ${basename(compressed)}`,
      (opts) => this.host.ort.request('validate', { path: compressed, original, samples: VALIDATION_SAMPLES }, { signal: opts.signal }),
      (message) => panels.forEach((p) => p.showError(message)),
    );
    if (!v) return undefined;
    for (const p of panels) {
      if (p.state) p.state = { ...p.state, validation: v };
      p.post({ type: 'validation', validation: v });
    }
    const line = validationLine(compressed, original, v);
    this.host.log.info(line);
    void vscode.window.showInformationMessage(line);
    return v;
  }
}
