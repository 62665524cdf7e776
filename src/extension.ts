// Extension entry: activation only registers commands, the custom editor and the panel serializer.
// All engine work happens later, in a worker thread or the ONNX Runtime child process.
import * as vscode from 'vscode';
import { SbnnCommands } from './host/commands';
import { OnnxLayerEditorProvider } from './host/customEditor';
import { HostServices } from './host/hostServices';
import { COMPRESS_PANEL_VIEW_TYPE, CUSTOM_EDITOR_VIEW_TYPE, LayerPanel, isPanelState } from './host/layerPanel';

/** What activate() returns: the in-host integration suite drives the extension through it. */
export interface SbnnExtensionApi {
  host: HostServices;
  commands: SbnnCommands;
  panels(): LayerPanel[];
}

export function activate(context: vscode.ExtensionContext): SbnnExtensionApi {
  const log = vscode.window.createOutputChannel('SBNN Studio', { log: true });
  const host = new HostServices(context.extensionUri, log);
  const commands = new SbnnCommands(host);
  context.subscriptions.push(
    log,
    host,
    ...commands.register(),
    vscode.window.registerCustomEditorProvider(CUSTOM_EDITOR_VIEW_TYPE, new OnnxLayerEditorProvider(commands), {
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: true },
    }),
    // Compress panels come back after a reload from the state the webview saved with setState.
    vscode.window.registerWebviewPanelSerializer(COMPRESS_PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        if (!isPanelState(state)) {
          log.warn('a compress panel could not be restored (no saved state); closing it');
          panel.dispose();
          return;
        }
        log.info(`restored compress panel for ${state.inspect.model.path}`);
        commands.adoptCompressPanel(panel, state.inspect.model.path, state);
      },
    }),
  );
  const api: SbnnExtensionApi = { host, commands, panels: () => LayerPanel.panels() };
  // Test runs only (the e2e harness sets this): run the in-host integration suite from the given
  // bundle and write its results as JSON. Ordinary users never set it.
  const suite = process.env.SBNN_INTEGRATION_SUITE;
  const results = process.env.SBNN_INTEGRATION_RESULTS;
  if (suite && results) {
    setTimeout(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(suite) as { runSuite(vs: typeof vscode, api: SbnnExtensionApi, resultsFile: string): Promise<void> };
      void mod.runSuite(vscode, api, results);
    }, 0);
  }
  return api;
}

export function deactivate(): void {}
