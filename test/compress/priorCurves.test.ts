// Prior curves (the panel's, sent back with Export) are used only while they are what buildCurves
// would give: same file, same curve-shaping settings, no per-layer pruning override. Otherwise the
// run builds its own, and either way the outputs are the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressModel, defaultSettings } from '../../src/engine/api';
import type { PriorCurves } from '../../src/engine/compress';
import type { CompressSettings, LayerOverride } from '../../src/shared/report';
import { REAL_MODELS } from '../helpers/models';

test('prior curves are reused while they apply, rebuilt when the file, the settings or a pruning override changes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-prior-'));
  const model = join(dir, 'det.onnx');
  copyFileSync(REAL_MODELS[1], model);
  const settings: CompressSettings = { ...defaultSettings(), budget: 2, ones: null };
  const first = await compressModel(model, settings, { withCurves: true });
  assert.ok(first.file && first.curves.length > 0);
  const prior: PriorCurves = { curves: first.curves, file: first.file!, settings: { perChannel: false, prune: null, layers: null } };

  /** Runs with the prior curves; returns whether curves were built and the ONNX output. */
  const run = async (s: CompressSettings, overrides: Record<string, LayerOverride> = {}, p: PriorCurves = prior) => {
    let built = false;
    const session = await compressModel(model, s, { overrides, priorCurves: p, onProgress: (_d, _t, l) => (built ||= l.startsWith('curve ')) });
    const out = join(mkdtempSync(join(dir, 'o-')), 'out.onnx');
    session.write({ onnx: out });
    return { built, bytes: readFileSync(out), report: session.report };
  };
  const fresh = async (s: CompressSettings, overrides: Record<string, LayerOverride> = {}) => {
    const session = await compressModel(model, s, { overrides });
    const out = join(mkdtempSync(join(dir, 'f-')), 'out.onnx');
    session.write({ onnx: out });
    return { bytes: readFileSync(out), report: session.report };
  };

  // Same file, same settings, an override without pruning: reused, same output.
  const name = first.curves[3].name;
  const pin: Record<string, LayerOverride> = { [name]: { method: 'int4' } };
  const reused = await run(settings, pin);
  assert.equal(reused.built, false);
  const want = await fresh(settings, pin);
  assert.ok(reused.bytes.equals(want.bytes));
  assert.deepEqual(reused.report, want.report);

  // A per-layer pruning override, other curve-shaping settings, or another layer set: rebuilt.
  assert.equal((await run(settings, { [name]: { method: 'sbnn', ones: 0.1, prune: 'magnitude:0.5' } })).built, true);
  assert.equal((await run({ ...settings, perChannel: true })).built, true);
  assert.equal((await run({ ...settings, prune: 'magnitude:0.2' })).built, true);
  assert.equal((await run(settings, {}, { ...prior, curves: prior.curves.slice(1) })).built, true);

  // The file touched since the curves were built: rebuilt (and the output is the fresh one).
  const t = new Date(Date.now() + 5000);
  utimesSync(model, t, t);
  const touched = await run(settings, pin);
  assert.equal(touched.built, true);
  assert.ok(touched.bytes.equals((await fresh(settings, pin)).bytes));
});
