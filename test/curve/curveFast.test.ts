// The faster error curve (one merge pass for sorted |w|, prefix-sum checkpoints) must answer every
// query exactly as the previous curve did (kept verbatim in curveReference.ts): per tensor and per
// channel, with and without masks, at every k and every grid share, and the same layer options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCurve, layerOptions, ONES_GRID } from '../../src/engine/curve/index';
import { errorCurve as errorCurveRef, layerOptions as layerOptionsRef } from './curveReference';
import { DISTS, mulberry32, sample } from '../helpers/rng';

test('curve queries and layer options equal the reference curve bit for bit', () => {
  const r = mulberry32(51);
  const shapes: { shape: number[]; axis: number | null }[] = [
    { shape: [37], axis: null },
    { shape: [5000], axis: null },
    { shape: [3000], axis: null },
    { shape: [6, 4, 3, 3], axis: 0 },
    { shape: [8, 50], axis: 1 },
    { shape: [4, 700], axis: 0 },
  ];
  let checked = 0;
  for (const { shape, axis } of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dist of DISTS) {
      const w = sample(r, n, dist);
      for (const masked of [false, true]) {
        const mask = masked ? Uint8Array.from({ length: n }, () => (r() < 0.3 ? 0 : 1)) : null;
        const perChannel = axis === null ? null : { shape, axis };
        const what = `[${shape}] axis=${axis} ${dist} masked=${masked}`;
        const a = errorCurve(w, { perChannel, mask });
        const b = errorCurveRef(w, { perChannel, mask });
        assert.equal(a.kept, b.kept);
        assert.equal(a.energy, b.energy);
        if (axis === null) {
          for (let k = 0; k <= a.kept; k++) {
            assert.equal(a.sbnnError(k), b.sbnnError(k), `sbnn k=${k} ${what}`);
            assert.equal(a.sparse01Error(k), b.sparse01Error(k), `sparse01 k=${k} ${what}`);
          }
        }
        for (const p of ONES_GRID) {
          assert.equal(a.sbnnErrorAt(p), b.sbnnErrorAt(p), `sbnn p=${p} ${what}`);
          assert.equal(a.sparse01ErrorAt(p), b.sparse01ErrorAt(p), `sparse01 p=${p} ${what}`);
        }
        assert.deepEqual(a.sbnnFree(), b.sbnnFree(), `sbnn free ${what}`);
        assert.deepEqual(a.sparse01Free(), b.sparse01Free(), `sparse01 free ${what}`);
        assert.deepEqual(a.ternary(), b.ternary(), `ternary ${what}`);
        assert.deepEqual(a.intErrors([2, 4, 8]), b.intErrors([2, 4, 8]), `int ${what}`);
        assert.deepEqual(layerOptions(errorCurve(w, { perChannel, mask }), { mask }), layerOptionsRef(errorCurveRef(w, { perChannel, mask }), { mask }), `options ${what}`);
        checked++;
      }
    }
  }
  assert.equal(checked, 6 * DISTS.length * 2);
});
