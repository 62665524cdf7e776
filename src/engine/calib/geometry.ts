// Layer geometry for calibration math: how a layer's input becomes the windows each output
// channel dots with its weight row. Conv (1-D / 2-D, groups, strides, pads, dilations) and dense
// (Gemm / MatMul) layers; weights are viewed as a canonical [outChannels, fanIn] matrix.
import type { NodeProto } from 'onnx-buf';
import { SbnnError } from '../errors';

export interface ConvGeometry {
  kind: 'conv';
  /** Weight shape [O, C/group, kH, kW] (1-D convs: kH = 1). */
  outChannels: number;
  inChannels: number;
  group: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right]; auto_pad is resolved per input size by `convPads`. */
  pads: [number, number, number, number];
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

export interface DenseGeometry {
  kind: 'dense';
  /** Contraction length and output features. */
  k: number;
  n: number;
  /** Weight layout: [K, N] (Gemm transB = 0, MatMul right operand) or [N, K] (Gemm transB = 1). */
  layout: 'KN' | 'NK';
}

export type LayerGeometry = ConvGeometry | DenseGeometry;

export const outChannelsOf = (g: LayerGeometry): number => (g.kind === 'conv' ? g.outChannels : g.n);
export const groupsOf = (g: LayerGeometry): number => (g.kind === 'conv' ? g.group : 1);
/** Weights one output reads. */
export const fanInOf = (g: LayerGeometry): number =>
  g.kind === 'conv' ? (g.inChannels / g.group) * g.kernel[0] * g.kernel[1] : g.k;

export function convGeometry(
  weightShape: number[],
  a: { group?: number; strides?: number[]; pads?: number[]; dilations?: number[]; autoPad?: string } = {},
): ConvGeometry {
  const rank = weightShape.length - 2;
  if (rank !== 1 && rank !== 2) throw new SbnnError(null, `calibration supports 1-D and 2-D convolutions, got a ${rank}-D kernel`);
  const two = (v: number[] | undefined, d: number): [number, number] => (rank === 1 ? [1, v?.[0] ?? d] : [v?.[0] ?? d, v?.[1] ?? d]);
  const p = a.pads ?? [];
  const pads: [number, number, number, number] = rank === 1 ? [0, p[0] ?? 0, 0, p[1] ?? 0] : [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
  const group = a.group ?? 1;
  const autoPad = (a.autoPad || 'NOTSET') as ConvGeometry['autoPad'];
  return {
    kind: 'conv',
    outChannels: weightShape[0],
    inChannels: weightShape[1] * group,
    group,
    kernel: rank === 1 ? [1, weightShape[2]] : [weightShape[2], weightShape[3]],
    strides: two(a.strides, 1),
    dilations: two(a.dilations, 1),
    pads,
    autoPad,
  };
}

/** Geometry of an inventory layer from its ONNX node and weight shape. */
export function geometryOfNode(n: NodeProto, weightShape: number[], weightIndex: number): LayerGeometry {
  const ints = (name: string): number[] | undefined => {
    const at = n.attribute.find((x) => x.name === name);
    return at && at.ints.length ? at.ints.map(Number) : undefined;
  };
  const int = (name: string, d: number): number => {
    const at = n.attribute.find((x) => x.name === name);
    return at ? Number(at.i) : d;
  };
  switch (n.opType) {
    case 'Conv': {
      const ap = n.attribute.find((x) => x.name === 'auto_pad');
      return convGeometry(weightShape, {
        group: int('group', 1),
        strides: ints('strides'),
        pads: ints('pads'),
        dilations: ints('dilations'),
        autoPad: ap ? new TextDecoder().decode(ap.s) : undefined,
      });
    }
    case 'Gemm': {
      if (weightIndex !== 1 || int('transA', 0)) throw new SbnnError(null, `calibration needs Gemm "${n.name}" weights as B with transA = 0`);
      const t = int('transB', 0) === 1;
      return { kind: 'dense', k: t ? weightShape[1] : weightShape[0], n: t ? weightShape[0] : weightShape[1], layout: t ? 'NK' : 'KN' };
    }
    case 'MatMul':
      if (weightIndex !== 1 || weightShape.length !== 2) throw new SbnnError(null, `calibration needs MatMul "${n.name}" with a 2-D right-hand weight`);
      return { kind: 'dense', k: weightShape[0], n: weightShape[1], layout: 'KN' };
    default:
      throw new SbnnError(null, `calibration does not support ${n.opType} layers ("${n.name}")`);
  }
}

/** Resolved [top, left, bottom, right] pads for an input of spatial size h x w. */
export function convPads(g: ConvGeometry, h: number, w: number): [number, number, number, number] {
  if (g.autoPad === 'NOTSET') return g.pads;
  if (g.autoPad === 'VALID') return [0, 0, 0, 0];
  const total = (size: number, axis: 0 | 1): number => {
    const out = Math.ceil(size / g.strides[axis]);
    return Math.max(0, (out - 1) * g.strides[axis] + (g.kernel[axis] - 1) * g.dilations[axis] + 1 - size);
  };
  const th = total(h, 0);
  const tw = total(w, 1);
  const lo = (t: number) => (g.autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2));
  return [lo(th), lo(tw), th - lo(th), tw - lo(tw)];
}

/** Weights as [outChannels, fanIn] rows (a view for conv and [N, K] dense, a transpose for [K, N]). */
export function canonicalRows<T extends Float32Array | Uint8Array>(w: T, g: LayerGeometry): T {
  if (g.kind === 'conv' || g.layout === 'NK') return w;
  const out = new (w.constructor as new (n: number) => T)(w.length);
  for (let k = 0; k < g.k; k++) for (let n = 0; n < g.n; n++) out[n * g.k + k] = w[k * g.n + n];
  return out;
}

/** Inverse of canonicalRows: rows [outChannels, fanIn] back to the weight's own layout. */
export function fromCanonicalRows(rows: Float32Array, g: LayerGeometry): Float32Array {
  if (g.kind === 'conv' || g.layout === 'NK') return rows;
  const out = new Float32Array(rows.length);
  for (let k = 0; k < g.k; k++) for (let n = 0; n < g.n; n++) out[k * g.n + n] = rows[n * g.k + k];
  return out;
}
