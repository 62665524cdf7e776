// Re-planning speed of allocateBudget: 500 layers x 60 options, median ms of 50 runs (target << 50 ms).
import { allocateBudget } from '../src/engine/budget/allocate';
import type { LayerCurve, LayerOption, Method } from '../src/shared/report';
import { mulberry32 } from '../test/helpers/rng';

const r = mulberry32(9);
const curves: LayerCurve[] = [];
for (let i = 0; i < 500; i++) {
  const params = 1000 + Math.floor(r() * 500_000);
  const options: LayerOption[] = [];
  for (let j = 0; j < 60; j++) {
    // A realistic error-vs-bits shape (error falls roughly exponentially with bits) plus noise,
    // so some options are off the hull and some are dominated.
    const bpw = 0.1 + (j / 59) * 8;
    options.push({
      method: (['sbnn', 'sparse01', 'ternary', 'int4'] as Method[])[j % 4]!,
      ones: j < 48 ? j / 100 : null,
      bits: bpw * params,
      error: params * Math.exp(-bpw) * (0.8 + 0.4 * r()),
    });
  }
  curves.push({ name: `l${i}`, params, energy: params, sensitivity: 0.5 + r(), options });
}
const times: number[] = [];
let bpw = 0;
for (let rep = 0; rep < 50; rep++) {
  const t0 = performance.now();
  bpw = allocateBudget({ curves, budgetBitsPerWeight: 0.5 + (rep % 10) * 0.3 }).bitsPerWeight;
  times.push(performance.now() - t0);
}
const first = times[0]!;
times.sort((a, b) => a - b);
console.log(
  `allocateBudget 500 layers x 60 options: first plan (cold, builds the per-curve hulls) ${first.toFixed(2)} ms; ` +
    `re-plans median ${times[25]!.toFixed(2)} ms, max ${times[49]!.toFixed(2)} ms (target << 50; last plan ${bpw.toFixed(3)} bits/weight)`,
);
