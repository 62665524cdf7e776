// A synthetic PanelState of N layers for the render benchmark: conv-like layers with error curves
// shaped like real ones (sbnn at a grid of ones shares, bnn, ternary, int2/4/8, float). Seeded.
import { mulberry32 } from '../../src/engine/rng';
import type { PanelState } from '../../src/shared/protocol';
import type { CompressLayerReport, LayerCurve, LayerInfo, LayerOption, Method } from '../../src/shared/report';


const H = (p: number): number => (p <= 0 || p >= 1 ? 0 : -p * Math.log2(p) - (1 - p) * Math.log2(1 - p));

export function syntheticPanelState(layers: number, seed = 1): PanelState {
  const rnd = mulberry32(seed);
  const infos: LayerInfo[] = [];
  const curves: LayerCurve[] = [];
  const rows: CompressLayerReport[] = [];
  for (let i = 0; i < layers; i++) {
    const cout = 16 << Math.floor(rnd() * 4);
    const cin = 16 << Math.floor(rnd() * 4);
    const shape = [cout, cin, 3, 3];
    const params = cout * cin * 9;
    const hw = 56 >> Math.floor(rnd() * 3);
    const name = `block${Math.floor(i / 3)}.conv${i % 3}`;
    infos.push({
      name, op: 'Conv', weight: `${name}.weight`, shape, params, macs: params * hw * hw,
      inputShape: [1, cin, hw, hw], outputShape: [1, cout, hw, hw], group: 1, shared: false, quantized: false,
      outChannelAxis: 0, kernel: [3, 3], strides: [1, 1], subgraph: [], dtype: 'FLOAT',
    });
    const energy = params * (0.01 + rnd() * 0.05);
    const options: LayerOption[] = [];
    const opt = (method: Method, ones: number | null, bitsPerW: number, relErr: number): void => {
      options.push({ method, ones, bits: Math.round(bitsPerW * params), error: energy * relErr });
    };
    for (let k = 0; k < 24; k++) {
      const p = 0.005 * Math.pow(100, k / 23);
      opt('sbnn', p, H(p) + 64 / params, 0.6 * Math.exp(-4 * p) + 0.12);
      opt('sparse01', p, H(p) + 32 / params, 0.95 * Math.exp(-3 * p) + 0.15);
    }
    opt('bnn', 0.5, 1 + 32 / params, 0.36);
    opt('ternary', null, 1.4, 0.1);
    opt('int2', null, 1.8, 0.12);
    opt('int4', null, 3.2, 0.009);
    opt('int8', null, 6.5, 0.00004);
    opt('float', null, 32, 0);
    curves.push({ name, params, energy, sensitivity: 1, options });
    const chosen = options[10];
    rows.push({
      name, weight: `${name}.weight`, op: 'Conv', method: chosen.method, params, ones: chosen.ones, alpha: 0.1, beta: -0.02,
      pruned: 0, mse: chosen.error / params, sqnrDb: 10 * Math.log10(energy / chosen.error),
      bitsPerWeight: { raw: 1, entropy: chosen.bits / params }, bytes: chosen.bits / 8,
    });
  }
  const params = infos.reduce((a, l) => a + l.params, 0);
  const bits = curves.reduce((a, c) => a + c.options[10].bits, 0);
  return {
    modelName: `synthetic-${layers}.onnx`,
    inspect: {
      model: { path: `/tmp/synthetic-${layers}.onnx`, irVersion: 8, opset: 17, producer: 'bench', params, sizeBytes: params * 4 },
      layers: infos,
      totals: { params, macs: infos.reduce((a, l) => a + (l.macs ?? 0), 0), weightBytes: params * 4 },
    },
    report: {
      tool: { name: 'sbnn-studio', version: 'bench' },
      model: { path: `/tmp/synthetic-${layers}.onnx`, irVersion: 8, opset: 17, producer: 'bench', params, sizeBytes: params * 4 },
      settings: { method: 'sbnn', ones: null, budget: 1, perChannel: false, prune: null, keepFirstLast: true, layers: null },
      layers: rows,
      totals: { params, compressedParams: params, bytesBefore: params * 4, bytesAfter: bits / 8, bitsPerWeight: bits / params, compressionRatio: (32 * params) / bits },
    },
    curves,
    budget: 1,
    overrides: {},
    profiles: [{ id: 'x86-64-avx2', label: 'x86-64 AVX2' }, { id: 'arm-cortex-a72', label: 'Arm Cortex-A72' }],
    selectedProfile: 'x86-64-avx2',
    validation: null,
  };
}
