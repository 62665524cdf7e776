// The extension manifest agrees with the code it describes (commands, menus, editor, settings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PROFILES } from '../../src/engine/cost/builtins';
import { METHODS } from '../../src/shared/report';
import { repoRoot } from './buildHostBundles';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const c = pkg.contributes;

test('four SBNN commands, registered in the host code under the same ids', () => {
  const ids = c.commands.map((x: { command: string }) => x.command);
  assert.deepEqual(ids, ['sbnn.compressModel', 'sbnn.inspectLayers', 'sbnn.exportCompressed', 'sbnn.validateCompressed']);
  assert.ok(c.commands.every((x: { category: string }) => x.category === 'SBNN'));
  const source = readFileSync(join(repoRoot, 'src/host/commands.ts'), 'utf8');
  for (const id of ids) assert.ok(source.includes(`registerCommand('${id}'`), `${id} is registered`);
});

test('menus: .onnx in the explorer, palette entries hidden where they cannot apply', () => {
  const explorer = c.menus['explorer/context'];
  assert.deepEqual(
    explorer.map((m: { command: string; when: string }) => [m.command, m.when]),
    [
      ['sbnn.compressModel', 'resourceExtname == .onnx'],
      ['sbnn.inspectLayers', 'resourceExtname == .onnx'],
      ['sbnn.validateCompressed', 'resourceFilename =~ /\\.sbnn(-[0-9]+)?\\.onnx$/'],
    ],
  );
  const palette = Object.fromEntries(c.menus.commandPalette.map((m: { command: string; when?: string }) => [m.command, m.when]));
  assert.equal(palette['sbnn.exportCompressed'], 'sbnn.hasCompressPanel');
  assert.match(palette['sbnn.validateCompressed'], /^sbnn\.hasCompressPanel \|\| /);
  // The validate when-clause matches exactly what outputNames.ts produces with the default naming.
  const re = /\.sbnn(-[0-9]+)?\.onnx$/;
  assert.ok(re.test('model.sbnn.onnx') && re.test('model.sbnn-12.onnx') && !re.test('model.onnx') && !re.test('model.sbnn.onnx.bak'));
});

test('custom editor, activation and capabilities are declared honestly', () => {
  assert.deepEqual(c.customEditors, [
    { viewType: 'sbnn.layerPanel', displayName: 'SBNN Layer Panel', selector: [{ filenamePattern: '*.onnx' }], priority: 'option' },
  ]);
  // Commands and the custom editor activate implicitly (VS Code >= 1.74); the serializer needs its event.
  assert.deepEqual(pkg.activationEvents, ['onWebviewPanel:sbnn.compressPanel']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, false);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
  assert.deepEqual(pkg.extensionKind, ['workspace']);
});

test('settings: methods and device profiles are the engine\'s', () => {
  const p = c.configuration.properties;
  assert.deepEqual(p['sbnn.defaultMethod'].enum, METHODS.filter((m) => m !== 'float'));
  assert.deepEqual([...p['sbnn.deviceProfile'].enum].sort(), BUILTIN_PROFILES.map((x) => x.id).sort());
  assert.ok(p['sbnn.deviceProfile'].enum.includes(p['sbnn.deviceProfile'].default));
  assert.deepEqual(Object.keys(p).sort(), ['sbnn.defaultBudget', 'sbnn.defaultMethod', 'sbnn.deviceProfile', 'sbnn.inputDims', 'sbnn.keepFirstLast', 'sbnn.outputNaming']);
  assert.equal(p['sbnn.outputNaming'].default, '${name}.sbnn');
});
