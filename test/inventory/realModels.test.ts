// The PP-OCR models: every Conv / ConvTranspose / MatMul with a constant weight is listed (brute
// force over the nodes), Conv output shapes from ORT match the ONNX shape formula computed here from
// the attributes, MACs follow from them, and the light shape pass (stubbed weights) gives exactly
// the shapes of the full-weight run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { listLayers } from '../../src/engine/inventory';
import { loadModel } from '../../src/engine/onnx/model';
import { encodeWithOutputs, makeInputs, measureShapes, resolveInputs } from '../../src/engine/shapes';
import { applyShapes, inspectModel } from '../../src/engine/api';
import { REAL_MODELS } from '../helpers/models';

const DIMS: Record<string, Record<string, number>> = {
  ch_ppocr_mobile_v2: { 'p2o.DynamicDimension.0': 2, 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 },
  'ch_PP-OCRv4_det': { 'p2o.DynamicDimension.0': 1, 'p2o.DynamicDimension.1': 96, 'p2o.DynamicDimension.2': 128 },
  'ch_PP-OCRv4_rec': { 'p2o.DynamicDimension.0': 1, 'p2o.DynamicDimension.1': 160 },
};
const dimsFor = (path: string): Record<string, number> => DIMS[Object.keys(DIMS).find((k) => path.includes(k))!];
const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);

for (const path of REAL_MODELS) {
  const short = path.split('/').pop()!;
  test(`${short}: inventory lists exactly the weight nodes`, () => {
    const m = loadModel(path);
    const g = m.proto.graph!;
    const constants = new Map(g.node.filter((n) => n.opType === 'Constant').map((n) => [n.output[0], n.attribute[0].t!]));
    for (const t of g.initializer) constants.set(t.name, t);
    const expected = g.node
      .filter((n) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType) && constants.has(n.input[1]))
      .map((n) => ({ name: n.name, weight: n.input[1], shape: constants.get(n.input[1])!.dims.map(Number) }));
    const layers = listLayers(m).map((l) => l.info);
    assert.ok(expected.length > 20);
    assert.deepEqual(layers.map((l) => ({ name: l.name, weight: l.weight, shape: l.shape })), expected);
    for (const l of layers) assert.equal(l.params, prod(l.shape));
    assert.equal(new Set(layers.map((l) => l.name)).size, layers.length, 'names are unique');
  });

  test(`${short}: ORT conv shapes match the ONNX formula; MACs from them; stubbed = full shapes`, async () => {
    const m = loadModel(path);
    const refs = listLayers(m);
    const dims = dimsFor(path);
    const before = toBinary(ModelProtoSchema, m.proto);
    const light = await measureShapes(m, refs, dims);
    const full = await measureShapes(m, refs, dims, { stubWeights: false });
    assert.deepEqual(light, full);
    assert.ok(Buffer.compare(toBinary(ModelProtoSchema, m.proto), before) === 0, 'the model is unchanged by the shape pass');
    const report = applyShapes(await inspectModel(path, { shapes: false }), light);
    for (const [i, l] of report.layers.entries()) {
      const n = refs[i].node;
      assert.ok(l.inputShape && l.outputShape && l.macs !== null, `${l.name} has shapes`);
      const attr = (k: string): number[] | null => n.attribute.find((a) => a.name === k)?.ints.map(Number) ?? null;
      if (l.op === 'Conv') {
        const k = l.shape.slice(2);
        const pads = attr('pads') ?? k.flatMap(() => [0, 0]);
        const strides = attr('strides') ?? k.map(() => 1);
        const dil = attr('dilations') ?? k.map(() => 1);
        assert.equal(n.attribute.find((a) => a.name === 'auto_pad'), undefined);
        const spatial = k.map((kk, d) => Math.floor((l.inputShape![2 + d] + pads[d] + pads[d + k.length] - dil[d] * (kk - 1) - 1) / strides[d]) + 1);
        assert.deepEqual(l.outputShape, [l.inputShape[0], l.shape[0], ...spatial], l.name);
        assert.equal(l.inputShape[1], l.shape[1] * l.group, `${l.name}: input channels = C_in/group x group`);
        assert.equal(l.macs, prod(l.outputShape) * prod(l.shape.slice(1)), l.name);
      } else if (l.op === 'MatMul') {
        assert.deepEqual(l.outputShape, [...l.inputShape.slice(0, -1), l.shape[1]], l.name);
        assert.equal(l.macs, prod(l.outputShape) * l.shape[0], l.name);
      } else if (l.op === 'ConvTranspose') {
        assert.equal(l.macs, prod(l.inputShape) * prod(l.shape.slice(1)), l.name);
      }
    }
  });
}

test('the light shape pass leaves large weights out of what ORT parses, and ORT runs it', async () => {
  const ort = await import('onnxruntime-node');
  for (const path of REAL_MODELS.slice(1)) {
    const m = loadModel(path);
    const lightBytes = encodeWithOutputs(m, [], { stubWeights: true });
    const full = encodeWithOutputs(m, []).length;
    assert.ok(full >= m.sizeBytes - 16, `${path}: full encoding ${full} vs file ${m.sizeBytes}`);
    assert.ok(lightBytes.length < full / 2, `${path}: light ${lightBytes.length} vs full ${full}`);
    // The stubbed model itself runs (measureShapes would otherwise fall back to the full one).
    const s = await ort.InferenceSession.create(lightBytes, { graphOptimizationLevel: 'disabled' });
    const out = await s.run(await makeInputs(resolveInputs(m, dimsFor(path))));
    await s.release();
    assert.ok(Object.keys(out).length > 0);
  }
});
