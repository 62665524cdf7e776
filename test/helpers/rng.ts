// Seeded PRNG for reproducible random tests (mulberry32) and the distributions they draw from.

export { mulberry32 } from '../../src/engine/rng';

export type Dist = 'normal' | 'uniform' | 'laplace' | 'bimodal' | 'ties' | 'constant' | 'skewed';
export const DISTS: readonly Dist[] = ['normal', 'uniform', 'laplace', 'bimodal', 'ties', 'constant', 'skewed'];

export function normal(r: () => number): number {
  const u = 1 - r();
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Float32Array of n values from `dist`. */
export function sample(r: () => number, n: number, dist: Dist): Float32Array {
  const out = new Float32Array(n);
  const c = normal(r);
  for (let i = 0; i < n; i++) {
    let x: number;
    switch (dist) {
      case 'normal':
        x = normal(r) * 0.1;
        break;
      case 'uniform':
        x = r() * 2 - 1;
        break;
      case 'laplace': {
        const u = r() - 0.5;
        x = -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)) * 0.05;
        break;
      }
      case 'bimodal':
        x = (r() < 0.3 ? 1 : -0.5) + normal(r) * 0.1;
        break;
      case 'ties':
        x = [-1, -0.5, 0, 0.5, 1, 0.25][Math.floor(r() * 6)]!;
        break;
      case 'constant':
        x = c;
        break;
      case 'skewed':
        x = Math.exp(normal(r)) - 0.5;
        break;
    }
    out[i] = x;
  }
  return out;
}
