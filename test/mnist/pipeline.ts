// MNIST experiment plumbing shared by the MNIST test and the validation bench: compressed variants
// of the trained net with and without calibration, each scored in ONNX Runtime on held-out digits.
import { toBinary } from '@bufbuild/protobuf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelProtoSchema } from 'onnx-buf';
import type { Method, ValidationReport } from '../../src/shared/report';
import { biasCorrection, calibLayer, captureLayerInputs, layerWindows, refitAlphaBeta, type CalibLayer, type Windows } from '../../src/engine/calib';
import { listLayers } from '../../src/engine/inventory';
import { loadModel, setTensorFloat32 } from '../../src/engine/onnx/model';
import { quantize } from '../../src/engine/quantize';
import { writeNpy } from '../../src/engine/npy';
import { validateModels } from '../../src/engine/validate/validate';
import type { MnistFixture } from '../helpers/mnist';

export const CALIB_SAMPLES = 256;
export const WINDOW_OPTS = { maxWindows: 8192, seed: 11 };

export type LayerChoice = { method: Method; ones: number | null };
export type BinaryChoice = { method: Extract<Method, 'sbnn' | 'bnn' | 'sparse01'>; ones: number | null };

export interface Variant extends BinaryChoice {
  label: string;
}

export type Calibration = 'none' | 'bias' | 'refit' | 'refit+bias';

export function writeTestSet(fx: MnistFixture): { inputs: string; labels: string } {
  const inputs = join(fx.dir, 'test-x.npy');
  const labels = join(fx.dir, 'test-y.npy');
  writeNpy(inputs, [fx.test.n, 1, 28, 28], fx.test.x);
  writeNpy(labels, [fx.test.n], fx.test.y);
  return { inputs, labels };
}

export const calibBatch = (fx: MnistFixture) => ({ data: fx.train.x.subarray(0, CALIB_SAMPLES * 784), shape: [CALIB_SAMPLES, 1, 28, 28] });

/**
 * Compresses every weight layer with `variant` (one choice for all layers, or one per layer name;
 * closed form per channel unless perChannel is false), then, layer by layer in
 * graph order, applies `calibration`: the layer's input is captured on the model as compressed so
 * far (features) and on the original (targets), so each fit also absorbs upstream error.
 */
export async function compressVariant(
  fx: MnistFixture,
  variant: LayerChoice | Record<string, LayerChoice>,
  calibration: Calibration,
  out: string,
  opts: { sequential?: boolean; perChannel?: boolean } = {},
): Promise<string> {
  const sequential = opts.sequential ?? true;
  const perChannel = opts.perChannel ?? true;
  const m = loadModel(fx.model);
  const refs = listLayers(m);
  const layers: CalibLayer[] = refs.map((r) => calibLayer(m, r));
  const names = layers.map((l) => l.ref.info.name);
  const batch = calibBatch(fx);
  const original = calibration === 'none' ? null : await captureLayerInputs(fx.model, names, batch);
  const windowsOf = (t: { data: Float32Array; shape: number[] }, l: CalibLayer): Windows => layerWindows(t.data, t.shape, l.geometry, WINDOW_OPTS);
  const current = join(fx.dir, `partial-${process.pid}.onnx`);
  for (const l of layers) {
    const info = l.ref.info;
    const choice: LayerChoice = 'method' in variant ? (variant as LayerChoice) : (variant as Record<string, LayerChoice>)[info.name];
    if (choice.method === 'float') continue;
    const binary = choice.method === 'sbnn' || choice.method === 'bnn' || choice.method === 'sparse01';
    const qr = quantize(l.weights, choice.method, { ones: choice.ones, perChannel: perChannel ? { shape: info.shape, axis: info.outChannelAxis } : null });
    let q = qr.q;
    let shift: Float64Array | null = null;
    if (original) {
      // Features: this layer's input with the earlier layers already compressed (and calibrated).
      let seen = original[info.name];
      if (sequential) {
        writeFileSync(current, toBinary(ModelProtoSchema, m.proto));
        seen = (await captureLayerInputs(current, [info.name], batch))[info.name];
      }
      const target = windowsOf(original[info.name], l);
      const win = windowsOf(seen, l);
      // The refit needs two values per group (binary methods); the bias shift applies to any method.
      if (binary && (calibration === 'refit' || calibration === 'refit+bias')) {
        q = refitAlphaBeta(win, l.weights, qr.codes, l.geometry, { method: choice.method as BinaryChoice['method'], perChannel, target, center: calibration === 'refit+bias' }).q;
      }
      if (calibration === 'bias' || calibration === 'refit+bias') shift = biasCorrection(win, l.weights, q, l.geometry, target);
    }
    setTensorFloat32(l.ref.tensor, q);
    if (shift) {
      if (!l.bias || !l.biasName) throw new Error(`layer ${info.name} has no bias to correct`);
      const t = m.proto.graph!.initializer.find((x) => x.name === l.biasName)!;
      setTensorFloat32(t, Float32Array.from(l.bias, (b, o) => b + shift![o]));
    }
  }
  writeFileSync(out, toBinary(ModelProtoSchema, m.proto));
  return out;
}

export async function score(fx: MnistFixture, path: string, set: { inputs: string; labels: string }): Promise<ValidationReport> {
  return validateModels(fx.model, path, { inputs: set.inputs, labels: set.labels, maxBatch: 512 });
}
