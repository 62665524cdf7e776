import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelHtml } from '../../src/host/panelHtml';
import type { PanelState } from '../../src/shared/protocol';

const base = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'AbCdEfGhIjKlMnOpQrStUv==',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
};

function csp(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'CSP meta present');
  return m[1];
}

test('panelHtml: strict CSP, nonce on the only script, no remote or inline resources', () => {
  const html = panelHtml(base);
  assert.equal(
    csp(html),
    "default-src 'none'; script-src 'nonce-AbCdEfGhIjKlMnOpQrStUv=='; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-AbCdEfGhIjKlMnOpQrStUv=='; " +
      "img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net; base-uri 'none'; form-action 'none'",
  );
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [` nonce="${base.nonce}" src="${base.scriptUri}"`]);
  assert.ok(html.includes(`<link rel="stylesheet" href="${base.styleUri}">`));
  assert.ok(!/style="/.test(html), 'no inline style attributes');
  assert.ok(!/<style/.test(html), 'no style elements');
  assert.ok(!/http:\/\//.test(html), 'no remote http resources');
  assert.ok(html.includes(`<meta property="csp-nonce" content="${base.nonce}">`));
});

test('panelHtml: embedded state is inert JSON that cannot close its script element', () => {
  const evil = '</script><script>alert(1)</script><!--';
  const state = { modelName: evil, overrides: {}, note: 'a & b \u2028' } as unknown as PanelState;
  const html = panelHtml({ ...base, state });
  const m = /<script type="application\/json" id="sbnn-state" nonce="[^"]+">([^]*?)<\/script>/.exec(html);
  assert.ok(m, 'state script present');
  assert.ok(!m[1].includes('<'), 'no "<" inside the JSON');
  assert.deepEqual(JSON.parse(m[1]), state);
  assert.equal([...html.matchAll(/<script\b/g)].length, 2);
});

test('panelHtml: rejects a weak nonce or a cspSource that could widen the policy', () => {
  assert.throws(() => panelHtml({ ...base, nonce: 'short' }), /nonce must be at least 16/);
  assert.throws(() => panelHtml({ ...base, nonce: "abcdefghijklmnopq'; script-src *" }), /nonce/);
  assert.throws(() => panelHtml({ ...base, cspSource: "https://x; script-src 'unsafe-inline'" }), /bad cspSource/);
  assert.throws(() => panelHtml({ ...base, cspSource: "'unsafe-inline'" }), /bad cspSource/);
  assert.throws(() => panelHtml({ ...base, cspSource: '* https://x' }), /bad cspSource/);
  assert.throws(() => panelHtml({ ...base, cspSource: 'https://x"><script>' }), /bad cspSource/);
  assert.throws(() => panelHtml({ ...base, cspSource: '' }), /bad cspSource/);
});

test("panelHtml: VS Code 1.100's cspSource (a list with 'self') goes into every resource directive", () => {
  const src = "'self' https://*.vscode-cdn.net";
  assert.equal(
    csp(panelHtml({ ...base, cspSource: src })),
    `default-src 'none'; script-src 'nonce-${base.nonce}'; style-src ${src} 'nonce-${base.nonce}'; img-src ${src} data:; font-src ${src}; base-uri 'none'; form-action 'none'`,
  );
});

test('panelHtml: URIs are attribute-escaped', () => {
  const html = panelHtml({ ...base, scriptUri: 'https://x/a.js?"onload="alert(1)' });
  assert.ok(html.includes('src="https://x/a.js?&quot;onload=&quot;alert(1)"'));
});
