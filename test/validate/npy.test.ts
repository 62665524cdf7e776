// .npy reader/writer against bytes written by NumPy 2.4 (np.save / np.lib.format.write_array).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/engine/npy';
import { SbnnError } from '../../src/engine/errors';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
// np.save(np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1)
const F32_2x3 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8=';
// np.save(np.array([3, 1, 4], dtype='<i8'))
const I64_3 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoDAAAAAAAAAAEAAAAAAAAABAAAAAAAAAA=';
// big-endian float32 and a Fortran-order array
const BE_F32 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/wAAA';
const FORTRAN =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=';
// np.lib.format.write_array(np.array([7, 8], dtype='<i4'), version=(2, 0))
const V2_I32 =
  'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAACAAAAA==';

test('reads NumPy-written float32, int64 and version-2 files', () => {
  const a = parseNpy(b64(F32_2x3), 'a.npy');
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.data as Float32Array), [-1, -0.5, 0, 0.5, 1, 1.5]);
  const l = parseNpy(b64(I64_3), 'l.npy');
  assert.equal(l.dtype, 'int64');
  assert.deepEqual(l.shape, [3]);
  assert.deepEqual(Array.from(l.data as BigInt64Array), [3n, 1n, 4n]);
  const v2 = parseNpy(b64(V2_I32), 'v2.npy');
  assert.deepEqual(v2.shape, [2]);
  assert.deepEqual(Array.from(v2.data as Int32Array), [7, 8]);
});

test('encoder output is byte-identical to np.save for the same arrays', () => {
  const f = Buffer.concat(encodeNpy([2, 3], new Float32Array([-1, -0.5, 0, 0.5, 1, 1.5])));
  assert.equal(f.toString('base64'), F32_2x3);
  const i = Buffer.concat(encodeNpy([3], new BigInt64Array([3n, 1n, 4n])));
  assert.equal(i.toString('base64'), I64_3);
});

test('round trip through a file; unaligned input is copied, not misread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-npy-'));
  try {
    const p = join(dir, 'x.npy');
    const data = new Float32Array(7 * 5).map((_, i) => i * 0.25 - 3);
    writeNpy(p, [7, 5], data);
    const r = readNpy(p);
    assert.deepEqual(r.shape, [7, 5]);
    assert.deepEqual(Array.from(r.data as Float32Array), Array.from(data));
    const raw = readFileSync(p);
    const shifted = new Uint8Array(raw.length + 1);
    shifted.set(raw, 1);
    const u = parseNpy(shifted.subarray(1), p);
    assert.deepEqual(Array.from(u.data as Float32Array), Array.from(data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad files get one clear error naming the file', () => {
  assert.throws(() => parseNpy(b64(BE_F32), 'be.npy'), (e: unknown) => e instanceof SbnnError && /be\.npy: unsupported \.npy dtype '>f4'/.test(e.message));
  assert.throws(() => parseNpy(b64(FORTRAN), 'f.npy'), (e: unknown) => e instanceof SbnnError && /f\.npy: Fortran-order/.test(e.message));
  assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'z.npy'), /z\.npy: not a \.npy file/);
  const cut = b64(F32_2x3).subarray(0, 128 + 8);
  assert.throws(() => parseNpy(cut, 'cut.npy'), /cut\.npy: \.npy data truncated: shape \(2, 3\) needs 24 bytes, file has 8/);
  assert.throws(() => readNpy('/nonexistent/q.npy'), /\/nonexistent\/q\.npy: cannot read/);
});
