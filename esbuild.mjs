// Builds the CLI and the extension host code for Node (CommonJS, which VS Code loads), and the
// webview UI for the browser. `--watch` rebuilds on change; `--production` minifies, no maps.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

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
  // The CLI (bin `sbnn`), the extension host, its engine worker thread and its ONNX Runtime process.
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { extension: 'src/extension.ts', engineWorker: 'src/host/engineWorker.ts', ortProcess: 'src/host/ortProcess.ts' }, outdir: 'dist' },
  // The layer panel, for the browser.
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    logLevel: 'warning',
  },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
