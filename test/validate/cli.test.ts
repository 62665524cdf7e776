// `sbnn validate` through commander (registerValidate), in-process: output text, JSON, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerValidate } from '../../src/cli/validate';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { writeNpy } from '../../src/engine/npy';

const dir = mkdtempSync(join(tmpdir(), 'sbnn-vcli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
function mm(file: string, w: number[]): string {
  const g = graph({ nodes: [node('MatMul', ['x', 'W'], ['y'])], inputs: [valueInfo('x', ['N', 2])], outputs: [valueInfo('y', ['N', 2])], initializers: [floatTensor('W', [2, 2], w)] });
  writeFileSync(join(dir, file), encodeModel(model(g)));
  return join(dir, file);
}

// stdout belongs to the test reporter: the command writes into `out`; stderr is captured briefly.
async function run(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerValidate(program, (s) => (out += s));
  const w2 = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'sbnn', 'validate', ...args]);
  } finally {
    process.stderr.write = w2;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

test('text and JSON output; generated inputs are announced', async () => {
  const a = mm('a.onnx', [1, 0, 0, 1]);
  const b = mm('b.onnx', [1, 0, 0, 0.5]);
  const x = join(dir, 'x.npy');
  writeNpy(x, [2, 2], new Float32Array([1, 2, 3, 1]));
  const l = join(dir, 'l.npy');
  writeNpy(l, [2], new BigInt64Array([1n, 0n]));
  const t = await run([a, b, '--inputs', x, '--labels', l]);
  assert.equal(t.code, undefined, t.err);
  assert.match(t.out, /b\.onnx vs .*a\.onnx: 2 samples\n/);
  assert.doesNotMatch(t.out, /GENERATED/);
  // y_a = [1,2],[3,1]; y_b = [1,1],[3,0.5]: argmax 1,0 vs 0,0 -> agreement 50 %, accuracy 100 % vs 50 %.
  assert.match(t.out, /top-1 agreement: 50\.00 %/);
  assert.match(t.out, /accuracy: original 100\.00 %, compressed 50\.00 %/);
  const j = await run([a, a, '--json', '--samples', '3']);
  const r = JSON.parse(j.out);
  assert.equal(r.generatedInputs, true);
  assert.equal(r.samples, 3);
  assert.equal(r.outputs[0].sqnrDb, null);
  const g = await run([a, b, '--samples', '2']);
  assert.match(g.out, /2 samples \(GENERATED inputs/);
});

test('user errors exit 2 with one line', async () => {
  const a = mm('c.onnx', [1, 0, 0, 1]);
  const r = await run([a, join(dir, 'missing.onnx')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^sbnn: .*missing\.onnx: ONNX Runtime cannot load the model/);
  assert.equal(r.err.trim().split('\n').length, 1);
});

test('--samples must be a positive integer', async () => {
  const a = mm('d.onnx', [1, 0, 0, 1]);
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerValidate(program, () => {});
  await assert.rejects(program.parseAsync(['node', 'sbnn', 'validate', a, a, '--samples', 'x']), /option '--samples <n>' argument 'x' is invalid\. expected a positive integer, got "x"/);
});
