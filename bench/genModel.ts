// A generated benchmark model of a chosen size: a VGG-like conv stack (3x3 convs with bias + ReLU,
// stride-2 stage transitions, 512-channel body convs repeated to reach the size) and a Gemm head
// (transB = 1 and transB = 0). Weights are He-scaled, roughly Gaussian, deterministic.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeProto, TensorProto } from 'onnx-buf';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../src/engine/onnx/builder';

export interface BigModelInfo {
  path: string;
  sizeBytes: number;
  /** Weight layers (Conv + Gemm). */
  layers: number;
  /** Parameters of all initializers. */
  params: number;
}

/** He-scaled, approximately Gaussian (sum of 3 uniforms) values from a seeded LCG. */
function heValues(n: number, fanIn: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const scale = Math.sqrt(2 / fanIn) * 2; // sum of 3 U(-.5,.5) has std 0.5
  let s = (seed * 2654435761) >>> 0 || 1;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < n; i++) out[i] = (u() + u() + u()) * scale;
  return out;
}

/**
 * Writes a model of about `targetBytes` (within one 512-channel conv, ~9.4 MB) to `path`.
 * Input x[batch, 3, 32, 32] (batch symbolic), output y[batch, 1000].
 * Generates in a child process: building 100 MB takes ~4x that in memory, and a bench's later
 * children would start with the caller's resident memory (Linux keeps the RSS high-water mark
 * across fork + exec, so process.resourceUsage().maxRSS in a child would count it).
 */
export async function writeBigModel(path: string, targetBytes: number): Promise<BigModelInfo> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, path, String(targetBytes)], { encoding: 'utf8', cwd: join(__dirname, '..') });
  if (r.status !== 0) throw new Error(`writeBigModel failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as BigModelInfo;
}

/** writeBigModel in this process. */
export function generateBigModel(path: string, targetBytes: number): BigModelInfo {
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let cur = 'x';
  let layers = 0;
  let seed = 1;
  const conv = (cin: number, cout: number, stride: number): void => {
    const i = layers++;
    inits.push(floatTensor(`conv${i}.weight`, [cout, cin, 3, 3], heValues(cout * cin * 9, cin * 9, seed++)));
    inits.push(floatTensor(`conv${i}.bias`, [cout], heValues(cout, cout, seed++).map((v) => v * 0.1)));
    nodes.push(node('Conv', [cur, `conv${i}.weight`, `conv${i}.bias`], [`conv${i}`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] }, `conv${i}`));
    nodes.push(node('Relu', [`conv${i}`], [`relu${i}`], {}, `relu${i}`));
    cur = `relu${i}`;
  };
  const gemm = (fin: number, fout: number, transB: 0 | 1, relu: boolean): void => {
    const i = layers++;
    const dims = transB ? [fout, fin] : [fin, fout];
    inits.push(floatTensor(`fc${i}.weight`, dims, heValues(fin * fout, fin, seed++)));
    inits.push(floatTensor(`fc${i}.bias`, [fout], new Float32Array(fout)));
    nodes.push(node('Gemm', [cur, `fc${i}.weight`, `fc${i}.bias`], [`fc${i}`], { transB }, `fc${i}`));
    cur = `fc${i}`;
    if (relu) {
      nodes.push(node('Relu', [cur], [`fc${i}.relu`], {}, `fc${i}.relu`));
      cur = `fc${i}.relu`;
    }
  };
  const convBytes = (cin: number, cout: number): number => 4 * (cout * cin * 9 + cout);
  // Fixed parts: stem and stages up to 512 channels, and the head.
  const stages: [number, number, number][] = [
    [3, 64, 1],
    [64, 64, 1],
    [64, 128, 2],
    [128, 128, 1],
    [128, 256, 2],
    [256, 256, 1],
    [256, 512, 2],
  ];
  const head = 4 * (512 * 2048 + 2048 + 2048 * 1000 + 1000);
  const fixed = stages.reduce((a, [ci, co]) => a + convBytes(ci, co), 0) + head;
  const body = Math.max(1, Math.round((targetBytes - fixed) / convBytes(512, 512)));
  for (const [ci, co, s] of stages) conv(ci, co, s);
  for (let k = 0; k < body; k++) conv(512, 512, k === Math.floor(body / 2) ? 2 : 1);
  nodes.push(node('GlobalAveragePool', [cur], ['gap'], {}, 'gap'));
  nodes.push(node('Flatten', ['gap'], ['flat'], { axis: 1 }, 'flatten'));
  cur = 'flat';
  gemm(512, 2048, 1, true);
  gemm(2048, 1000, 0, false);
  const g = graph({
    name: 'bench_vgg',
    nodes,
    inputs: [valueInfo('x', ['batch', 3, 32, 32])],
    outputs: [valueInfo(cur, ['batch', 1000])],
    initializers: inits,
  });
  const bytes = encodeModel(model(g, { producer: 'sbnn-bench' }));
  writeFileSync(path, bytes);
  const params = inits.reduce((a, t) => a + t.rawData.length / 4, 0);
  return { path, sizeBytes: bytes.length, layers, params };
}

if (require.main === module) {
  const [path, bytes] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(generateBigModel(path, Number(bytes)))}\n`);
}
