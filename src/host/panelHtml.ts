// The layer panel's HTML. Pure (no `vscode` import): the host passes the webview's cspSource, a fresh
// nonce and the resource URIs. Strict CSP: nothing loads except the bundle (by nonce), the style
// sheet and images/fonts from the extension; no inline styles except by nonce, no remote resources.
import type { PanelState } from '../shared/protocol';

export interface PanelHtmlOptions {
  /** webview.cspSource: a CSP source list (one or more sources, e.g. "'self' https://*.vscode-cdn.net"). */
  cspSource: string;
  /** A fresh random nonce per page load (base64 or hex; no quotes or spaces). */
  nonce: string;
  /** webview.asWebviewUri(dist/webview.js) as a string. */
  scriptUri: string;
  /** webview.asWebviewUri(media/panel.css) as a string. */
  styleUri: string;
  /** Optional initial state, embedded as inert JSON so the panel paints before the first message. */
  state?: PanelState;
}

const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** JSON that cannot close its <script> element or open a comment (`<` is escaped everywhere). */
function inertJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function panelHtml(o: PanelHtmlOptions): string {
  if (!NONCE.test(o.nonce)) throw new Error(`panelHtml: nonce must be at least 16 characters of [A-Za-z0-9+/=_-], got "${o.nonce}"`);
  // cspSource is a source list, e.g. "'self' https://*.vscode-cdn.net" in VS Code 1.100: allow
  // several sources and quoted keywords, but nothing that ends the directive or widens the policy.
  if (/[;,"\r\n]|'unsafe-|^\s*$/.test(o.cspSource) || o.cspSource.split(/\s+/).includes('*')) {
    throw new Error(`panelHtml: bad cspSource "${o.cspSource}"`);
  }
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    // The nonce lets the toolkit (FAST) probe :focus-visible support with a <style> element; it
    // reads the nonce from <meta property="csp-nonce">. Nothing else inline is allowed.
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const stateJson = o.state ? `\n  <script type="application/json" id="sbnn-state" nonce="${o.nonce}">${inertJson(o.state)}</script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
  <meta property="csp-nonce" content="${o.nonce}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
  <title>SBNN layer panel</title>
</head>
<body>
  <main id="app" aria-busy="false"><p class="loading">Loading the layer panel…</p></main>${stateJson}
  <script nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
