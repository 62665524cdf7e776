// Pruning masks (method.md §3): 1 = kept, 0 = pruned. Ties are broken by lowest index so the
// pruned count is exact and the result deterministic.
import { SbnnError } from '../errors';
import { quickselect } from '../quantize/select';
import type { PruneSpec } from './spec';

/** Conv OIHW: out 0, in 1; ConvTranspose (I, O/g, kH, kW): out 1, in 0; Gemm/MatMul per their axes. */
export interface WeightLayout {
  shape: number[];
  outAxis: number;
  inAxis: number;
}

function checkLayout(n: number, l: WeightLayout): void {
  const total = l.shape.reduce((a, b) => a * b, 1);
  if (total !== n) throw new SbnnError(null, `weight shape [${l.shape.join(', ')}] holds ${total} values, tensor has ${n}`);
  for (const [what, ax] of [['output', l.outAxis], ['input', l.inAxis]] as const)
    if (!Number.isInteger(ax) || ax < 0 || ax >= l.shape.length) throw new SbnnError(null, `${what} axis ${ax} is outside shape [${l.shape.join(', ')}]`);
}

const strideOf = (shape: number[], axis: number) => shape.slice(axis + 1).reduce((a, b) => a * b, 1);

/** Drops the `count` smallest `scores` (ties: lowest index first); returns 1 = kept per unit. */
function dropSmallest(scores: Float64Array, count: number): Uint8Array {
  const keep = new Uint8Array(scores.length).fill(1);
  if (count <= 0) return keep;
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || a - b);
  for (let i = 0; i < count; i++) keep[order[i]!] = 0;
  return keep;
}

export function pruneMask(w: Float32Array, layout: WeightLayout, spec: PruneSpec): Uint8Array {
  const n = w.length;
  checkLayout(n, layout);
  const mask = new Uint8Array(n).fill(1);
  switch (spec.kind) {
    case 'magnitude': {
      // Zero exactly floor(s*n) smallest |w|: select the threshold, then take the ties by index.
      const count = Math.floor(spec.share * n);
      if (count === 0) return mask;
      const abs = new Float32Array(n);
      for (let i = 0; i < n; i++) abs[i] = Math.abs(w[i]!);
      const t = quickselect(abs, count - 1);
      let below = 0;
      for (let i = 0; i < count; i++) if (abs[i]! < t) below++;
      let ties = count - below;
      for (let i = 0; i < n; i++) {
        const a = Math.abs(w[i]!);
        if (a < t || (a === t && ties-- > 0)) mask[i] = 0;
      }
      return mask;
    }
    case 'nm': {
      // Groups of M consecutive weights along the input axis keep their N largest |w| (ties: lowest
      // index); a shorter last group keeps min(N, its length).
      const { n: keepN, m: M } = spec;
      const I = layout.shape[layout.inAxis]!;
      const stride = strideOf(layout.shape, layout.inAxis);
      const outer = n / (I * stride);
      const absG = new Float64Array(M);
      const keepG = new Uint8Array(M);
      for (let o = 0; o < outer; o++)
        for (let r = 0; r < stride; r++) {
          const base = o * I * stride + r;
          for (let g0 = 0; g0 < I; g0 += M) {
            const len = Math.min(M, I - g0);
            if (len <= keepN) continue;
            for (let j = 0; j < len; j++) {
              absG[j] = Math.abs(w[base + (g0 + j) * stride]!);
              keepG[j] = 0;
            }
            for (let t = 0; t < keepN; t++) {
              let best = -1;
              for (let j = 0; j < len; j++) if (!keepG[j] && (best < 0 || absG[j]! > absG[best]!)) best = j;
              keepG[best] = 1;
            }
            for (let j = 0; j < len; j++) if (!keepG[j]) mask[base + (g0 + j) * stride] = 0;
          }
        }
      return mask;
    }
    case 'channel': {
      // Drop floor(s*C) output channels with the smallest L1 norm.
      const C = layout.shape[layout.outAxis]!;
      const stride = strideOf(layout.shape, layout.outAxis);
      const l1 = new Float64Array(C);
      for (let i = 0; i < n; i++) l1[Math.floor(i / stride) % C]! += Math.abs(w[i]!);
      const keep = dropSmallest(l1, Math.floor(spec.share * C));
      for (let i = 0; i < n; i++) mask[i] = keep[Math.floor(i / stride) % C]!;
      return mask;
    }
    case 'kernel': {
      // Drop floor(s*O*I) (out, in) kernels with the smallest L1; needs a 4-D conv weight.
      if (layout.shape.length !== 4)
        throw new SbnnError(null, `kernel pruning needs a 4-D conv weight, got shape [${layout.shape.join(', ')}]`);
      const O = layout.shape[layout.outAxis]!;
      const I = layout.shape[layout.inAxis]!;
      const so = strideOf(layout.shape, layout.outAxis);
      const si = strideOf(layout.shape, layout.inAxis);
      const kernelOf = (i: number) => (Math.floor(i / so) % O) * I + (Math.floor(i / si) % I);
      const l1 = new Float64Array(O * I);
      for (let i = 0; i < n; i++) l1[kernelOf(i)]! += Math.abs(w[i]!);
      const keep = dropSmallest(l1, Math.floor(spec.share * O * I));
      for (let i = 0; i < n; i++) mask[i] = keep[kernelOf(i)]!;
      return mask;
    }
  }
}
