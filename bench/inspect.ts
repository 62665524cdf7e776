// `inspect` on a generated ~100 MB model: wall time and peak RSS without and with the ORT shape
// pass (median of 5 runs, each in a fresh process so peak RSS is that run's own).
// Targets (issue 2, item 9): inventory of 100 MB under 0.3 s, peak RSS under 1.5x the file size.
// The child is bundled with esbuild (as the shipped CLI is), so tsx's compiler is not measured.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { writeBigModel } from './genModel';

const ROOT = join(__dirname, '..');
const RUNS = 5;
const TARGET_MS = 300;
const TARGET_RSS_RATIO = 1.5;

interface ChildResult {
  /** inspectModel's own time (load, inventory, shape pass if asked). */
  ms: number;
  /** Process start to exit, as a user of `sbnn inspect` waits. */
  wallMs: number;
  maxRssBytes: number;
  layers: number;
  macs: number;
}

// Peak RSS from VmHWM: process.resourceUsage().maxRSS of a spawned child on Linux starts at the
// parent's RSS at fork (the high-water mark survives execve), so it would count the generator's memory.
const CHILD = `
import { readFileSync } from 'node:fs';
import { inspectModel } from './src/engine/api';
const [model, mode] = process.argv.slice(2);
const peakRss = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
const t0 = performance.now();
const done = (r: { layers: unknown[]; totals: { macs: number } } | null) => {
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssBytes: peakRss(), layers: r ? r.layers.length : 0, macs: r ? r.totals.macs : 0 }) + '\\n');
};
if (mode === 'baseline') done(null);
else inspectModel(model, { shapes: mode === 'shapes' }).then(done);
`;

/** Bundled under node_modules/.cache so the child's import('onnxruntime-node') resolves. */
function bundleChild(): string {
  const outfile = join(ROOT, 'node_modules/.cache/sbnn-bench/inspect-child.cjs');
  buildSync({
    stdin: { contents: CHILD, resolveDir: ROOT, loader: 'ts', sourcefile: 'inspect-child.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', 'vscode'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

function runChild(child: string, model: string, mode: 'baseline' | 'inventory' | 'shapes'): ChildResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [child, model, mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`inspect child (${mode}) failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), wallMs };
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

export async function benchInspect(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-bench-inspect-'));
  try {
    const model = join(dir, 'big.onnx');
    const info = await writeBigModel(model, 100 * 2 ** 20);
    const child = bundleChild();
    console.log(`model: ${mib(info.sizeBytes)}, ${info.layers} weight layers, ${(info.params / 1e6).toFixed(1)} M params (${model})`);
    const base = runChild(child, model, 'baseline');
    console.log(`baseline process (engine bundle loaded, no model): peak RSS ${mib(base.maxRssBytes)}, wall ${base.wallMs.toFixed(0)} ms`);
    for (const [label, mode] of [
      ['inspect --no-shapes (inventory)', 'inventory'],
      ['inspect (with ORT shape pass)', 'shapes'],
    ] as const) {
      const runs = Array.from({ length: RUNS }, () => runChild(child, model, mode));
      const ms = median(runs.map((r) => r.ms));
      const wall = median(runs.map((r) => r.wallMs));
      const rss = median(runs.map((r) => r.maxRssBytes));
      const ratio = rss / info.sizeBytes;
      console.log(
        `${label}: median of ${RUNS}: ${ms.toFixed(0)} ms in inspectModel (${(ms / TARGET_MS).toFixed(2)}x the ${TARGET_MS} ms target), ` +
          `${wall.toFixed(0)} ms process wall; peak RSS ${mib(rss)} = ${ratio.toFixed(2)}x the file ` +
          `(${(ratio / TARGET_RSS_RATIO).toFixed(2)}x the ${TARGET_RSS_RATIO}x target; ${((rss - base.maxRssBytes) / info.sizeBytes).toFixed(2)}x above baseline); ` +
          `${runs[0].layers} layers, ${runs[0].macs.toLocaleString('en-US')} MACs`,
      );
      if (runs[0].layers !== info.layers) throw new Error(`inspect found ${runs[0].layers} layers, the generator wrote ${info.layers}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchInspect().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
