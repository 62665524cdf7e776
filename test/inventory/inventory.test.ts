// Inventory, shapes and MACs of built models against hand-computed layer lists (exact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectModel, measureShapes } from '../../src/engine/api';
import { inspectTotals, listLayers } from '../../src/engine/inventory';
import { loadModel } from '../../src/engine/onnx/model';
import { SbnnError } from '../../src/engine/errors';
import type { LayerInfo } from '../../src/shared/report';
import { attentionBlock, convNet, externalDataModel, FACTORIES, gemmMlp, sharedWeightModel, writeBuilt } from '../helpers/models';

const withoutShapes = (l: LayerInfo): LayerInfo => ({ ...l, macs: null, inputShape: null, outputShape: null });

for (const [name, make] of Object.entries(FACTORIES)) {
  test(`${name}: inventory equals the hand-computed layers`, () => {
    const b = make();
    const layers = listLayers(loadModel(writeBuilt(b.model)));
    assert.deepEqual(
      layers.map((l) => l.info),
      b.expected.map(withoutShapes),
    );
  });

  test(`${name}: ORT shapes and MACs equal the hand-computed values (symbolic dims = 1)`, async () => {
    const b = make();
    const r = await inspectModel(writeBuilt(b.model));
    assert.deepEqual(r.layers, b.expected);
    assert.equal(r.totals.macs, b.expected.reduce((a, l) => a + (l.macs ?? 0), 0));
  });
}

test('--dim overrides scale shapes and MACs exactly', async () => {
  for (const [b, dims] of [
    [convNet(), { batch: 3 }],
    [gemmMlp(), { batch: 5 }],
    [attentionBlock(), { batch: 2, seq: 7 }],
    [attentionBlock(), { seq: 4 }],
  ] as const) {
    const path = writeBuilt(b.model);
    const r = await inspectModel(path, { dims: { ...dims } });
    assert.deepEqual(r.layers, b.expectedFor(dims));
    const shapes = await measureShapes(path, { ...dims });
    for (const l of b.expectedFor(dims)) assert.deepEqual(shapes[l.name], { inputShape: l.inputShape, outputShape: l.outputShape });
  }
  // The attention MACs by hand: 3 projections of b*s*16*16 plus the output b*s*8*16.
  const r = await inspectModel(writeBuilt(attentionBlock().model), { dims: { batch: 2, seq: 7 } });
  assert.equal(r.totals.macs, 3 * 2 * 7 * 256 + 2 * 7 * 128);
});

test('an unknown --dim name is refused with an SbnnError naming it', async () => {
  const path = writeBuilt(gemmMlp().model);
  await assert.rejects(inspectModel(path, { dims: { seq: 2 } }), (e: unknown) => e instanceof SbnnError && /seq/.test(e.message) && e.message.startsWith(path));
});

test('shapes: false leaves shapes and MACs null', async () => {
  const b = convNet();
  const r = await inspectModel(writeBuilt(b.model), { shapes: false });
  assert.deepEqual(r.layers, b.expected.map(withoutShapes));
  assert.equal(r.totals.macs, 0);
});

test('totals count a shared weight once', async () => {
  const r = await inspectModel(writeBuilt(sharedWeightModel().model));
  assert.deepEqual(r.totals, { params: 64, macs: 128, weightBytes: 256 });
});

test('totals: params and bytes by stored dtype (int8 = 1 byte, fp16 = 2)', async () => {
  const conv = await inspectModel(writeBuilt(convNet().model));
  const convParams = 8 * 4 * 9 + 8 * 4 * 9 + 8 * 9 + 8 * 3 * 4;
  assert.deepEqual(conv.totals, { params: convParams, macs: 18432 + 4608 + 1152 + 1536, weightBytes: 4 * convParams });
  // model params: all tensors (weights, biases, BN stats)
  assert.equal(conv.model.params, convParams + 8 + 8 + 4 * 8 * 2);
  const q = await inspectModel(writeBuilt(FACTORIES.qlinearConvModel().model));
  assert.deepEqual(q.totals, { params: 72, macs: 648, weightBytes: 72 });
  const h = await inspectModel(writeBuilt(FACTORIES.float16Model().model));
  assert.deepEqual(h.totals, { params: 6, macs: 96, weightBytes: 12 });
});

test('model info: ir version, opset, producer, size', async () => {
  const path = writeBuilt(gemmMlp().model);
  const r = await inspectModel(path, { shapes: false });
  const { statSync } = await import('node:fs');
  assert.deepEqual(r.model, { path, irVersion: 8, opset: 17, producer: 'sbnn-studio', params: 32 * 16 + 32 + 32 * 10 + 10, sizeBytes: statSync(path).size });
});

test('external data model: same inventory, shapes and MACs as the inline one', async () => {
  const e = externalDataModel();
  const r = await inspectModel(e.path, { dims: { batch: 4 } });
  assert.deepEqual(r.layers, e.expectedFor({ batch: 4 }));
  assert.ok(r.model.sizeBytes < 1024, `model file holds no weights (${r.model.sizeBytes} bytes)`);
});
