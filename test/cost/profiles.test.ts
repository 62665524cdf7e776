// Device profiles: built-ins are complete and sourced; user files add or replace; bad files fail clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_PROFILES, PROFILE_NUMBERS, profileProblem, scaledOverhead } from '../../src/engine/cost/builtins';
import { loadProfiles, readProfileFile, writeProfileFile } from '../../src/engine/cost/load';
import { SbnnError } from '../../src/engine/errors';

test('built-in profiles: the four devices, every number sourced', () => {
  assert.deepEqual(BUILTIN_PROFILES.map((p) => p.id), ['host', 'x86-64-avx2', 'arm-cortex-a72', 'arm-cortex-m7']);
  for (const p of BUILTIN_PROFILES) {
    assert.equal(profileProblem(p), null, p.id);
    for (const k of PROFILE_NUMBERS) {
      assert.ok(p[k].source.length > 20, `${p.id}.${k} source too short: ${p[k].source}`);
      assert.doesNotMatch(p[k].source, /PENDING|TODO|bootstrap/i, `${p.id}.${k}`);
    }
  }
  const host = BUILTIN_PROFILES[0];
  assert.match(host.fp32MacsPerSecond.source, /^measured here/);
  assert.match(host.layerOverheadSeconds.source, /^measured here/);
  // Microcontroller slower than the phone core, slower than the desktop core.
  const rate = (id: string) => BUILTIN_PROFILES.find((p) => p.id === id)!.fp32MacsPerSecond.value;
  assert.ok(rate('arm-cortex-m7') < rate('arm-cortex-a72') && rate('arm-cortex-a72') < rate('x86-64-avx2'));
});

test('desktop and phone overheads are the host overhead scaled by fp32 speed (consistent with host.json)', () => {
  const host = BUILTIN_PROFILES[0];
  for (const id of ['x86-64-avx2', 'arm-cortex-a72']) {
    const p = BUILTIN_PROFILES.find((x) => x.id === id)!;
    assert.deepEqual(p.layerOverheadSeconds, scaledOverhead(host, p), `${id}: re-run src/engine/cost/calibrate-host.mts after changing host.json`);
  }
});

test('user profiles from a file and a folder; same id replaces the built-in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-prof-'));
  try {
    const mine = { ...BUILTIN_PROFILES[3], id: 'my-board', label: 'My board' };
    const host = { ...BUILTIN_PROFILES[0], label: 'recalibrated' };
    mkdirSync(join(dir, 'folder'));
    writeProfileFile(join(dir, 'folder', 'b.json'), mine);
    writeProfileFile(join(dir, 'host.json'), host);
    writeFileSync(join(dir, 'folder', 'notes.txt'), 'ignored');
    const all = loadProfiles([join(dir, 'folder'), join(dir, 'host.json')]);
    assert.deepEqual(all.map((p) => p.id), ['host', 'x86-64-avx2', 'arm-cortex-a72', 'arm-cortex-m7', 'my-board']);
    assert.equal(all[0].label, 'recalibrated');
    assert.deepEqual(readProfileFile(join(dir, 'folder', 'b.json')), mine);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad profile files: one line naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbnn-prof-'));
  try {
    const f = join(dir, 'bad.json');
    const cases: [unknown, RegExp][] = [
      [{ ...BUILTIN_PROFILES[1], fp32MacsPerSecond: { value: 5 } }, /"fp32MacsPerSecond.source" must say where the number comes from/],
      [{ ...BUILTIN_PROFILES[1], memoryBytesPerSecond: { value: 0, source: 'x' } }, /"memoryBytesPerSecond.value" must be > 0/],
      [{ ...BUILTIN_PROFILES[1], id: 'a b' }, /"id" may only hold/],
      [[1, 2], /must be a JSON object/],
    ];
    for (const [v, re] of cases) {
      writeFileSync(f, JSON.stringify(v));
      assert.throws(() => loadProfiles([f]), (e: unknown) => e instanceof SbnnError && e.message.startsWith(`${f}: bad device profile`) && re.test(e.message));
    }
    writeFileSync(f, '{ nope');
    assert.throws(() => loadProfiles([f]), /bad\.json: profile is not valid JSON/);
    assert.throws(() => loadProfiles([join(dir, 'missing.json')]), /missing\.json: profile path does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
