// Builds the worker and ORT-process bundles the way esbuild.mjs does, into test-output/ (inside the
// repository so `onnxruntime-node` resolves from its node_modules), so the host tests run against
// the code as shipped without depending on the rest of the build.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

let built: Promise<{ worker: string; ort: string }> | null = null;

export function buildHostBundles(): Promise<{ worker: string; ort: string }> {
  built ??= (async () => {
    const base = join(repoRoot, 'test-output', 'host-bundles');
    mkdirSync(base, { recursive: true });
    const out = mkdtempSync(join(base, 'b-'));
    process.on('exit', () => rmSync(out, { recursive: true, force: true })); // one set per test process
    await esbuild.build({
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode', 'onnxruntime-node'],
      absWorkingDir: repoRoot,
      entryPoints: { engineWorker: 'src/host/engineWorker.ts', ortProcess: 'src/host/ortProcess.ts' },
      outdir: out,
      logLevel: 'error',
    });
    return { worker: join(out, 'engineWorker.js'), ort: join(out, 'ortProcess.js') };
  })();
  return built;
}
