// `sbnn inspect` as a user runs it: the table, --json (the documented field names), --dim,
// --no-shapes, and every refusal: exit code 2, one stderr line, no stack trace unless --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { convNet, CLS_MODEL, FACTORIES, writeBuilt } from '../helpers/models';
import { refusalCases } from '../onnx/refusalCases';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'src/cli.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sbnn(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs jobs with at most `n` at a time (the machine has 2 cores). */
async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

test('table: aligned header, one row per layer, totals line', async () => {
  const path = writeBuilt(convNet().model);
  const r = await sbnn('inspect', path);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines[0].startsWith(path));
  const header = lines.findIndex((l) => l.startsWith('layer'));
  const rows = lines.slice(header + 2, header + 6);
  assert.deepEqual(rows.map((l) => l.split(/\s+/)[0]), ['conv1', 'conv2', 'conv3', 'convT']);
  // Aligned: the params column (right-aligned) ends at the same offset on every row.
  const paramsEnd = lines[header].indexOf('params') + 'params'.length;
  for (const row of rows) assert.match(row.slice(0, paramsEnd), /\d$/);
  assert.match(rows[3], /ConvTranspose\s+8x3x2x2\s+96\s+1,536\s+1x8x4x4\s+1x6x8x8\s+2/);
  assert.equal(lines.at(-1), '4 layers, 744 weight params (2.9 KiB), 25,728 MACs; model params 824');
});

test('--json: documented fields with hand-computed values; --dim overrides; --no-shapes', async () => {
  const b = convNet();
  const path = writeBuilt(b.model);
  const [plain, dim, noShapes] = await Promise.all([sbnn('inspect', path, '--json'), sbnn('inspect', path, '--json', '--dim', 'batch=3'), sbnn('inspect', path, '--json', '--no-shapes')]);
  for (const r of [plain, dim, noShapes]) assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(plain.stdout);
  assert.deepEqual(Object.keys(j), ['model', 'layers', 'totals']);
  assert.deepEqual(Object.keys(j.model).sort(), ['irVersion', 'opset', 'params', 'path', 'producer', 'sizeBytes']);
  for (const k of ['name', 'op', 'weight', 'shape', 'params', 'macs', 'inputShape', 'outputShape', 'group', 'shared', 'quantized']) {
    assert.ok(k in j.layers[0], `layer field ${k}`);
  }
  assert.deepEqual(j.layers, b.expected);
  assert.deepEqual(j.totals, { params: 744, macs: 25728, weightBytes: 2976 });
  assert.deepEqual(JSON.parse(dim.stdout).layers, b.expectedFor({ batch: 3 }));
  assert.equal(JSON.parse(dim.stdout).totals.macs, 3 * 25728);
  const ns = JSON.parse(noShapes.stdout);
  assert.ok(ns.layers.every((l: { macs: unknown; inputShape: unknown }) => l.macs === null && l.inputShape === null));
});

test('--json on every built model equals the hand-computed layers', async () => {
  const entries = Object.entries(FACTORIES);
  const runs = await pool(entries, 3, ([, make]) => sbnn('inspect', writeBuilt(make().model), '--json'));
  entries.forEach(([name, make], i) => {
    assert.equal(runs[i].code, 0, `${name}: ${runs[i].stderr}`);
    assert.deepEqual(JSON.parse(runs[i].stdout).layers, make().expected, name);
  });
});

test('the real cls model: 0 exit, every layer with shapes at --dim values', async () => {
  const r = await sbnn('inspect', CLS_MODEL, '--json', '--dim', 'p2o.DynamicDimension.1=48', '--dim', 'p2o.DynamicDimension.2=192');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.layers.length > 50);
  for (const l of j.layers) assert.ok(l.inputShape && l.outputShape && l.macs > 0, l.name);
  assert.deepEqual(j.layers[0].inputShape, [1, 3, 48, 192]);
});

test('every refusal: exit 2, one stderr line naming the file and problem, no stack; stack with --verbose', async () => {
  const cases = refusalCases();
  const runs = await pool(cases, 3, (c) => sbnn('inspect', c.path));
  cases.forEach((c, i) => {
    const r = runs[i];
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 2, `${c.name}: one line then the newline: ${JSON.stringify(r.stderr)}`);
    assert.equal(lines[1], '');
    assert.ok(lines[0].startsWith(`sbnn: ${c.path}: `), lines[0]);
    assert.match(lines[0], c.problem);
  });
  const verbose = await sbnn('--verbose', 'inspect', cases[0].path);
  assert.equal(verbose.code, 2);
  assert.match(verbose.stderr, /^sbnn: .*not an ONNX model.*\n/);
  assert.match(verbose.stderr, /\n\s+at /, 'stack trace with --verbose');
});

async function assertOneLineExit2(args: string[]): Promise<void> {
  const path = writeBuilt(convNet().model);
  const r = await sbnn('inspect', path, ...args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('an unknown dim name: exit 2, one line', () => assertOneLineExit2(['--dim', 'nosuch=2']));

test('bad --dim syntax: exit 2, one line', async () => {
  await assertOneLineExit2(['--dim', 'batch']);
  await assertOneLineExit2(['--dim', 'batch=0']);
});
