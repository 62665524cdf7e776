// Input windows of a layer: for every output position, the input values one output channel dots
// with its weight row (im2col rows, padding as zeros). Sampled (seeded) when there are too many.
import { SbnnError } from '../errors';
import { mulberry32 } from '../rng';
import { convPads, fanInOf, groupsOf, type LayerGeometry } from './geometry';

export interface Windows {
  groups: number;
  fanIn: number;
  /** Windows kept per group. */
  count: number;
  /** All windows per group per sample (count may be a sample of samples * perSample). */
  perSample: number;
  samples: number;
  /** [groups][count][fanIn], row-major. */
  data: Float32Array;
}

export interface WindowOptions {
  /** Cap on windows per group (default 4096): the positions are sampled uniformly, seeded. */
  maxWindows?: number;
  seed?: number;
}

/** Picks `k` of `n` indices, sorted, uniformly without replacement (all when k >= n). */
function pick(n: number, k: number, seed: number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const r = mulberry32(seed);
  // Selection sampling (Knuth's algorithm S): O(n), already in order.
  const out = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < n && m < k; i++) if ((n - i) * r() < k - m) out[m++] = i;
  return out;
}

/** Windows of layer input `x` (shape [N, C, H, W] / [N, C, L] for conv, [..., K] for dense). */
export function layerWindows(x: Float32Array, shape: readonly number[], g: LayerGeometry, opts: WindowOptions = {}): Windows {
  const max = Math.max(1, Math.floor(opts.maxWindows ?? 4096));
  const seed = opts.seed ?? 1;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== x.length) throw new SbnnError(null, `layer input holds ${x.length} values, shape [${shape.join(', ')}] needs ${size}`);
  if (g.kind === 'dense') {
    if (shape[shape.length - 1] !== g.k) throw new SbnnError(null, `dense layer input has last dim ${shape[shape.length - 1]}, the weight expects ${g.k}`);
    const rows = size / g.k;
    const idx = pick(rows, max, seed);
    const data = new Float32Array(idx.length * g.k);
    idx.forEach((r, i) => data.set(x.subarray(r * g.k, (r + 1) * g.k), i * g.k));
    return { groups: 1, fanIn: g.k, count: idx.length, perSample: shape.length > 1 ? rows / shape[0] : rows, samples: shape.length > 1 ? shape[0] : 1, data };
  }
  const s4 = shape.length === 3 ? [shape[0], shape[1], 1, shape[2]] : [...shape];
  if (s4.length !== 4) throw new SbnnError(null, `conv layer input must be 3-D or 4-D, got [${shape.join(', ')}]`);
  const [n, c, h, w] = s4;
  if (c !== g.inChannels) throw new SbnnError(null, `conv layer input has ${c} channels, the weight expects ${g.inChannels}`);
  const [pt, pl, pb, pr] = convPads(g, h, w);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((w + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const groups = groupsOf(g);
  const cg = c / groups;
  const fanIn = fanInOf(g);
  const per = oh * ow;
  const idx = pick(n * per, max, seed);
  const data = new Float32Array(groups * idx.length * fanIn);
  for (let gi = 0; gi < groups; gi++) {
    for (let i = 0; i < idx.length; i++) {
      const pos = idx[i];
      const b = Math.floor(pos / per);
      const rem = pos - b * per;
      const y0 = Math.floor(rem / ow) * sh - pt;
      const x0 = (rem % ow) * sw - pl;
      let o = (gi * idx.length + i) * fanIn;
      for (let ci = 0; ci < cg; ci++) {
        const plane = ((b * c + gi * cg + ci) * h) * w;
        for (let ky = 0; ky < kh; ky++) {
          const yy = y0 + ky * dh;
          for (let kx = 0; kx < kw; kx++, o++) {
            const xx = x0 + kx * dw;
            data[o] = yy >= 0 && yy < h && xx >= 0 && xx < w ? x[plane + yy * w + xx] : 0;
          }
        }
      }
    }
  }
  return { groups, fanIn, count: idx.length, perSample: per, samples: n, data };
}
