// Host calibration recovers a known roofline from exact synthetic measurements; the estimator
// bundles for the browser (the webview imports it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { join } from 'node:path';
import type { DeviceProfile, LayerInfo } from '../../src/shared/report';
import { calibrateHostProfile } from '../../src/engine/cost/calibrate';
import { estimateLayer, estimateLayerMs } from '../../src/engine/cost/estimate';
import { BUILTIN_PROFILES, profileProblem } from '../../src/engine/cost/builtins';

const src = (value: number) => ({ value, source: 'truth' });
const truth: DeviceProfile = {
  id: 'truth', label: 'truth', description: 'truth', wordBits: src(64),
  fp32MacsPerSecond: src(2e10), int8MacsPerSecond: src(4e10), binaryWordOpsPerSecond: src(1e9),
  sparseAccumulatesPerSecond: src(1e9), memoryBytesPerSecond: src(8e9), layerOverheadSeconds: src(4e-6),
};

function conv(name: string, cin: number, cout: number, k: number, hw: number, group = 1): LayerInfo {
  const params = cout * (cin / group) * k * k;
  return {
    name, op: 'Conv', weight: `${name}.w`, shape: [cout, cin / group, k, k], params, macs: params * hw * hw,
    inputShape: [1, cin, hw, hw], outputShape: [1, cout, hw, hw], group, shared: false, quantized: false,
    outChannelAxis: 0, kernel: [k, k], strides: [1, 1], subgraph: [], dtype: 'FLOAT',
  };
}

test('calibration recovers throughput, bandwidth and overhead from exact roofline times', () => {
  // Compute-bound big convs, memory-bound depthwise / 1x1 layers, tiny overhead-bound layers.
  const layers: LayerInfo[] = [];
  for (const [cin, cout, k, hw, g] of [
    [64, 64, 3, 56, 1], [128, 128, 3, 28, 1], [256, 256, 3, 14, 1], [32, 64, 3, 112, 1], [512, 512, 3, 7, 1],
    [64, 64, 3, 112, 64], [128, 128, 3, 56, 128], [256, 256, 3, 28, 256], [96, 96, 5, 56, 96],
    [16, 16, 1, 4, 1], [8, 8, 1, 2, 1], [4, 4, 1, 1, 1], [32, 32, 1, 3, 1],
  ]) layers.push(conv(`c${layers.length}`, cin, cout, k, hw, g));
  const bounds = new Set(layers.map((l) => estimateLayer(l, 'fp32', {}, truth)!.bound));
  assert.deepEqual([...bounds].sort(), ['compute', 'memory']);
  const fit = calibrateHostProfile(layers.map((layer) => ({ layer, ms: estimateLayerMs(layer, 'fp32', {}, truth)! })), { measuredOn: 'a test' });
  const rel = (a: number, b: number) => Math.abs(a / b - 1);
  assert.ok(rel(fit.profile.fp32MacsPerSecond.value, 2e10) < 0.02, `F ${fit.profile.fp32MacsPerSecond.value}`);
  assert.ok(rel(fit.profile.memoryBytesPerSecond.value, 8e9) < 0.02, `B ${fit.profile.memoryBytesPerSecond.value}`);
  assert.ok(rel(fit.profile.layerOverheadSeconds.value, 4e-6) < 0.05, `O ${fit.profile.layerOverheadSeconds.value}`);
  assert.ok(fit.typicalFactor < 1.02 && rel(fit.totalRatio, 1) < 0.01);
  assert.equal(profileProblem(fit.profile), null);
  assert.match(fit.profile.fp32MacsPerSecond.source, /^measured here: .* on a test$/);
  // Non-fp32 rates keep the reference device's ratios.
  const ref = BUILTIN_PROFILES.find((p) => p.id === 'x86-64-avx2')!;
  assert.ok(rel(fit.profile.int8MacsPerSecond.value / fit.profile.fp32MacsPerSecond.value, ref.int8MacsPerSecond.value / ref.fp32MacsPerSecond.value) < 1e-12);
  assert.throws(() => calibrateHostProfile(layers.slice(0, 2).map((layer) => ({ layer, ms: 1 }))), /at least 3 measured layers/);
});

test('the estimator bundles for the browser (no Node built-ins)', async () => {
  const r = await build({ entryPoints: [join(__dirname, '../../src/engine/cost/estimate.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  assert.equal(r.errors.length, 0);
  const code = r.outputFiles[0].text;
  assert.doesNotMatch(code, /require\("node:|from "node:/);
  assert.match(code, /arm-cortex-m7/);
});
