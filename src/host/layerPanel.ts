// One layer panel: a webview (custom editor or compress result) bound to one model. Holds what the
// panel steers (budget, overrides) so Export writes exactly what the user sees.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { isWebviewToHost, type HostToWebview, type PanelState, type WebviewToHost } from '../shared/protocol';
import { panelHtml } from './panelHtml';
import type { PriorCurves } from '../engine/compress';

export const CUSTOM_EDITOR_VIEW_TYPE = 'sbnn.layerPanel';
export const COMPRESS_PANEL_VIEW_TYPE = 'sbnn.compressPanel';

export interface PanelActions {
  compress(panel: LayerPanel): void;
  export(panel: LayerPanel, shareHtml?: string): void;
  validate(panel: LayerPanel): void;
}

export function emptyState(modelPath: string, state: Partial<PanelState> & Pick<PanelState, 'inspect'>): PanelState {
  return {
    modelName: basename(modelPath),
    report: null,
    curves: null,
    budget: null,
    overrides: {},
    profiles: [],
    selectedProfile: null,
    validation: null,
    ...state,
  };
}

/** Minimal check that a restored webview state is a PanelState we can show again. */
export function isPanelState(v: unknown): v is PanelState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<PanelState>;
  return (
    typeof s.modelName === 'string' &&
    typeof s.inspect === 'object' && s.inspect !== null &&
    typeof s.inspect.model?.path === 'string' &&
    Array.isArray(s.inspect.layers) &&
    typeof s.overrides === 'object' && s.overrides !== null
  );
}

export class LayerPanel implements vscode.Disposable {
  private static readonly all = new Set<LayerPanel>();
  private static lastActiveCompress: LayerPanel | null = null;

  /** Panels alive now (tests and commands look panels up here). */
  static panels(): LayerPanel[] {
    return [...LayerPanel.all];
  }

  /** The compress panel Export / Validate act on: the active one, else the last one focused. */
  static currentCompressPanel(): LayerPanel | null {
    for (const p of LayerPanel.all) if (p.kind === 'compress' && p.panel.active) return p;
    return LayerPanel.lastActiveCompress && LayerPanel.all.has(LayerPanel.lastActiveCompress) ? LayerPanel.lastActiveCompress : null;
  }

  state: PanelState | null;
  /** Files of the last export from this panel. */
  exported: string[] = [];
  /** The compress run's curves and what they depend on, for Export (not kept across a reload). */
  priorCurves: PriorCurves | null = null;
  private ready = false;
  private readonly subs: vscode.Disposable[] = [];
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly kind: 'inspect' | 'compress',
    readonly modelPath: string,
    state: PanelState | null,
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.state = state;
    LayerPanel.all.add(this);
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    this.render();
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState(() => this.updateContext()),
      panel.onDidDispose(() => this.dispose()),
    );
    this.updateContext();
  }

  private render(): void {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    try {
      this.panel.webview.html = panelHtml({
        cspSource: webview.cspSource,
        nonce,
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
        state: this.state ?? undefined,
      });
    } catch (e) {
      // A panel that cannot render says so in place (no scripts), in a notification and in the log.
      const message = `SBNN: cannot show the layer panel: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(message);
      const text = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
      this.panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>${text}</p></body></html>`;
      void vscode.window.showErrorMessage(message);
    }
  }

  /** Replaces what the panel shows (a finished inspect or compress run). */
  setState(state: PanelState): void {
    this.state = state;
    if (this.ready) this.post({ type: 'init', state });
  }

  post(m: HostToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  /** The last error shown in this panel (the integration suite checks it). */
  lastError: string | null = null;

  showError(message: string): void {
    this.lastError = message;
    this.post({ type: 'error', message });
  }

  private receive(m: unknown): void {
    if (!isWebviewToHost(m)) {
      this.log.warn(`panel ${this.panel.title}: ignored malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    this.handle(m);
  }

  private handle(m: WebviewToHost): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.state) this.post({ type: 'init', state: this.state });
        return;
      case 'replan':
        if (this.state) this.state = { ...this.state, budget: m.budget, overrides: m.overrides };
        return;
      case 'export':
        if (this.state) this.state = { ...this.state, budget: m.budget, overrides: m.overrides };
        this.actions.export(this, m.shareHtml);
        return;
      case 'validate':
        this.actions.validate(this);
        return;
      case 'compress':
        this.actions.compress(this);
        return;
    }
  }

  private updateContext(): void {
    if (this.kind === 'compress' && this.panel.active) LayerPanel.lastActiveCompress = this;
    const hasCompress = [...LayerPanel.all].some((p) => p.kind === 'compress');
    void vscode.commands.executeCommand('setContext', 'sbnn.hasCompressPanel', hasCompress);
  }

  dispose(): void {
    if (!LayerPanel.all.delete(this)) return;
    if (LayerPanel.lastActiveCompress === this) LayerPanel.lastActiveCompress = null;
    this.updateContext();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
    for (const s of this.subs) s.dispose();
  }
}
