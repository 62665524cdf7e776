#!/usr/bin/env node
// Builds a platform-specific VSIX: production bundles + only the target's onnxruntime-node binaries.
// Usage: node scripts/package.mjs [--target linux-x64] [--out file.vsix] [--skip-build]
//
// The extension is staged in a temp folder: the manifest, README/LICENSE, dist/ and media/, and
// ONNX Runtime's runtime files under dist/node_modules/ (the bundles require('onnxruntime-node')
// from dist/, so Node finds it there). vsce then packages the stage with --no-dependencies:
// no `npm list` over the dev tree, and the VSIX holds exactly what was staged and .vscodeignore allows.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// VS Code's platform targets and the folder onnxruntime-node keeps each one's binaries in.
const ORT_FOLDERS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'linux-x64' },
    out: { type: 'string' },
    // Package dist/ as it is (already built), e.g. after a watch build.
    'skip-build': { type: 'boolean', default: false },
  },
});
const target = values.target;
if (!(target in ORT_FOLDERS)) {
  console.error(`package: --target ${target} is not supported (onnxruntime-node ships binaries for ${Object.keys(ORT_FOLDERS).join(', ')})`);
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(values.out ?? join(root, `${pkg.name}-${target}-${pkg.version}.vsix`));

const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

if (!values['skip-build']) run(process.execPath, ['esbuild.mjs', '--production']);
for (const f of ['extension.js', 'engineWorker.js', 'ortProcess.js', 'webview.js']) {
  if (!existsSync(join(root, 'dist', f))) {
    console.error(`package: dist/${f} is missing; the build did not produce it`);
    process.exit(1);
  }
}

const stage = mkdtempSync(join(tmpdir(), 'sbnn-package-'));
try {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f));
  cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true, filter: (src) => !src.includes(`${join(root, 'dist', 'node_modules')}`) });
  if (existsSync(join(root, 'media'))) cpSync(join(root, 'media'), join(stage, 'media'), { recursive: true });
  // ONNX Runtime at run time: onnxruntime-node (JS + this target's binaries) and onnxruntime-common.
  const nm = join(stage, 'dist', 'node_modules');
  const ortNode = join(root, 'node_modules', 'onnxruntime-node');
  const ortCommon = join(root, 'node_modules', 'onnxruntime-common');
  cpSync(join(ortNode, 'package.json'), join(nm, 'onnxruntime-node', 'package.json'));
  cpSync(join(ortNode, 'dist'), join(nm, 'onnxruntime-node', 'dist'), { recursive: true });
  const binRoot = join(ortNode, 'bin');
  let binaries = 0;
  for (const napi of readdirSync(binRoot)) {
    const src = join(binRoot, napi, ORT_FOLDERS[target]);
    if (!existsSync(src)) continue;
    cpSync(src, join(nm, 'onnxruntime-node', 'bin', napi, ORT_FOLDERS[target]), { recursive: true });
    binaries++;
  }
  if (!binaries) {
    console.error(`package: onnxruntime-node has no binaries for ${target} (${binRoot}/napi-*/${ORT_FOLDERS[target]})`);
    process.exit(1);
  }
  cpSync(join(ortCommon, 'package.json'), join(nm, 'onnxruntime-common', 'package.json'));
  cpSync(join(ortCommon, 'dist', 'cjs'), join(nm, 'onnxruntime-common', 'dist', 'cjs'), { recursive: true });

  // The ignore file for this target: .vscodeignore with its platform line pointed at the target.
  const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').replace(
    /^(!dist\/node_modules\/onnxruntime-node\/bin\/napi-v\*\/)[^/]+\/[^/]+(\/\*\*)$/m,
    `$1${ORT_FOLDERS[target]}$2`,
  );
  writeFileSync(join(stage, '.vscodeignore'), ignore);
  mkdirSync(dirname(out), { recursive: true });
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = ['package', '--target', target, '--out', out, '--no-dependencies'];
  // Without a repository URL vsce can neither link the source nor rewrite README's relative links
  // (it refuses to package); the VSIX is for local install (`code --install-extension`), so keep
  // the links as written.
  if (!pkg.repository) args.push('--allow-missing-repository', '--no-rewrite-relative-links');
  if (!existsSync(join(root, 'LICENSE'))) args.push('--skip-license'); // the manifest says MIT; no LICENSE file in the tree yet
  run(process.execPath, [vsce, ...args], stage);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
const bytes = statSync(out).size;
console.log(`package: ${out} (${target}) ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes)`);
