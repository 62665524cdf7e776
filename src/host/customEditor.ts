// The readonly custom editor for *.onnx (priority "option"): opening a model shows its layer panel.
import * as vscode from 'vscode';
import type { SbnnCommands } from './commands';

export class OnnxLayerEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly commands: SbnnCommands) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => {} };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    if (document.uri.scheme !== 'file') {
      webviewPanel.webview.html = `<!DOCTYPE html><html><body><p>SBNN Studio reads models from local files only (${document.uri.scheme}: is not supported).</p></body></html>`;
      return;
    }
    await this.commands.resolveInspectPanel(webviewPanel, document.uri.fsPath);
  }
}
