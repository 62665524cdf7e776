// Builds three bundles: the CLI and the extension host code for Node (CommonJS, VS Code loads CJS),
// the engine worker, and the webview UI for the browser.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Native / runtime-resolved packages stay outside the bundle and ship in node_modules.
const external = ['vscode', 'onnxruntime-node'];

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
};

const builds = [
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
];
if (existsSync('src/extension.ts')) builds.push({ ...node, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' });
if (existsSync('src/host/engineWorker.ts')) builds.push({ ...node, entryPoints: { engineWorker: 'src/host/engineWorker.ts' }, outdir: 'dist' });
if (existsSync('src/host/ortProcess.ts')) builds.push({ ...node, entryPoints: { ortProcess: 'src/host/ortProcess.ts' }, outdir: 'dist' });
if (existsSync('webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    logLevel: 'warning',
  });
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
