// The engine must stay usable from the CLI and plain Node: no `vscode` import anywhere under src/engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function* files(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(f)) yield p;
  }
}

test('nothing under src/engine imports vscode', () => {
  const offenders: string[] = [];
  let count = 0;
  for (const f of files('src/engine')) {
    count++;
    const src = readFileSync(f, 'utf8');
    if (/(from\s+['"]vscode['"])|(require\(\s*['"]vscode['"]\s*\))|(import\(\s*['"]vscode['"]\s*\))/.test(src)) offenders.push(f);
  }
  assert.ok(count > 10, 'the engine sources were found');
  assert.deepEqual(offenders, []);
});

test('the check above catches a vscode import', () => {
  const re = /(from\s+['"]vscode['"])|(require\(\s*['"]vscode['"]\s*\))|(import\(\s*['"]vscode['"]\s*\))/;
  assert.ok(re.test(`import * as vscode from 'vscode';`));
  assert.ok(re.test(`const v = require("vscode");`));
  assert.ok(!re.test(`import { x } from './vscodeish';`));
});
