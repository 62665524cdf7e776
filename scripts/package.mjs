#!/usr/bin/env node
// Builds a platform-specific VSIX: production bundles + only the target's onnxruntime-node binaries.
// Usage: node scripts/package.mjs [--target linux-x64] [--out file.vsix] [--skip-build]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

if (!values['skip-build']) run(process.execPath, ['esbuild.mjs', '--production']);

// The ignore file for this target: .vscodeignore with its platform line pointed at the target.
const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').replace(
  /^!node_modules\/onnxruntime-node\/bin\/napi-v\*\/[^/]+\/[^/]+\/\*\*$/m,
  `!node_modules/onnxruntime-node/bin/napi-v*/${ORT_FOLDERS[target]}/**`,
);
const tmp = mkdtempSync(join(tmpdir(), 'sbnn-package-'));
const ignoreFile = join(tmp, '.vscodeignore');
writeFileSync(ignoreFile, ignore);
try {
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = ['package', '--target', target, '--out', out, '--ignoreFile', ignoreFile, '--allow-missing-repository'];
  try {
    statSync(join(root, 'LICENSE'));
  } catch {
    args.push('--skip-license'); // the manifest says MIT; the LICENSE file is not in the tree yet
  }
  run(process.execPath, [vsce, ...args]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const bytes = statSync(out).size;
console.log(`package: ${out} (${target}) ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes)`);
