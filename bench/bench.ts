// `npm run bench`: every benchmark in its own process (clean peak-RSS figures), in sequence.
// Figures are printed, never asserted; compare ratios within one run (shared machines are noisy).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benches = [
  ['inspect (issue 2)', 'bench/inspect.ts'],
  ['quantizers, curves, allocation (issue 3)', 'bench/quantize.ts'],
  ['compress end to end (issue 3)', 'bench/compress.ts'],
  ['validation and calibration (issue 4)', 'bench/validate.ts'],
  ['layer panel render (issue 6)', 'bench/webview.ts'],
];

let failed = 0;
for (const [title, file] of benches) {
  console.log(`\n=== ${title}: ${file}`);
  if (!existsSync(file)) {
    console.log(`(missing: ${file})`);
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`${file} exited with ${r.status}`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;
