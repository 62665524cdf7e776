// Entry for @vscode/test-electron (extensionTestsPath): runs the suite in the downloaded VS Code.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { SbnnExtensionApi } from '../../../src/extension';
import { EXTENSION_ID, runSuite } from './extensionSuite';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<SbnnExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  const resultsFile = process.env.SBNN_INTEGRATION_RESULTS ?? join(process.cwd(), 'integration-results.json');
  const results = await runSuite(vscode, api, resultsFile);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(failed.map((f) => `${f.name}: ${f.error}`).join('\n'));
}
