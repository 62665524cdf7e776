// End-to-end compress of a generated ~100 MB model: load, quantize every layer, write.
// Targets (issue 3): end to end <= 3x the time to copy the file; peak RSS < 2x the model size.
// Two baselines: a plain file copy (copyFileSync: in-kernel, no fsync), and the I/O any atomic
// durable rewrite of the file pays in Node (read it, write a temp file, fsync, rename), which
// compress also pays: it puts the copy ratio in context.
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../src/engine/fsAtomic';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBigModel } from './genModel';

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** The measured child, bundled like the shipped CLI (so tsx's compiler is not in the figures). */
function bundleRunner(): string {
  const outfile = join('node_modules', '.cache', 'sbnn-bench', 'compress-run.cjs');
  buildSync({ entryPoints: ['bench/compressRun.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node', 'vscode'], outfile, logLevel: 'error' });
  return outfile;
}

let runner = '';

function run(model: string, out: string, settings: object): { ms: number; maxRssBytes: number; bitsPerWeight: number } {
  runner ||= bundleRunner();
  const r = spawnSync(process.execPath, [runner, model, out, JSON.stringify(settings)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-bench-'));
  try {
    const model = join(dir, 'big.onnx');
    await writeBigModel(model, 100 * 1024 * 1024);
    const size = statSync(model).size;
    const copyMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      copyFileSync(model, join(dir, 'copy.onnx'));
      copyMs.push(performance.now() - t0);
    }
    const copy = median(copyMs);
    const ioMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      writeFileAtomic(join(dir, 'rewrite.onnx'), readFileSync(model));
      ioMs.push(performance.now() - t0);
    }
    const io = median(ioMs);
    console.log(`model ${(size / 2 ** 20).toFixed(1)} MiB; file copy median ${copy.toFixed(0)} ms; read + atomic durable write (temp, fsync, rename) median ${io.toFixed(0)} ms = ${(io / copy).toFixed(1)}x copy`);
    for (const [label, s] of [
      ['--method sbnn --ones 0.1', { method: 'sbnn', ones: 0.1, keepFirstLast: false }],
      ['--budget 0.6 --no-keep-first-last', { budget: 0.6, ones: null, keepFirstLast: false }],
    ] as const) {
      const runs = [0, 1, 2].map(() => run(model, join(dir, 'out.onnx'), s));
      const ms = median(runs.map((r) => r.ms));
      const rss = median(runs.map((r) => r.maxRssBytes));
      const weights = size / 4;
      console.log(
        `${label}: median ${ms.toFixed(0)} ms (${(weights / 1e6 / (ms / 1000)).toFixed(1)} M weights/s end to end), ` +
          `${(ms / copy).toFixed(2)}x file copy (target <= 3x), ${(ms / io).toFixed(2)}x read + durable write, peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB = ${(rss / size).toFixed(2)}x model (target < 2x), ` +
          `${runs[0].bitsPerWeight.toFixed(3)} bits/weight`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
main();
