// Loads the built panel (dist/webview.js via the HTML from panelHtml) into headless Debian Chromium
// with a stand-in acquireVsCodeApi that records posted messages and keeps setState in localStorage
// (so a reload restores like VS Code does). Shared by the panel test and bench/webview.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/host/panelHtml';
import type { HostToWebview, PanelState, WebviewToHost } from '../../src/shared/protocol';
import { THEMES } from './themes';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const ORIGIN = 'https://sbnn-panel.test';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `Debian chromium not found at ${CHROMIUM} (apt-get install -y chromium); the webview test cannot run`;
}

/** Builds dist/webview.js exactly as esbuild.mjs does, so the test runs the current sources
 *  (`outdir` elsewhere, e.g. a temp folder, leaves dist/ alone). Returns the bundle's path. */
export async function buildWebviewBundle(production = false, outdir = join(ROOT, 'dist')): Promise<string> {
  await esbuild.build({
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    entryPoints: { webview: 'webview/main.ts' },
    outdir,
    logLevel: 'warning',
  });
  return join(outdir, 'webview.js');
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

export interface PanelPage {
  page: Page;
  /** Messages the panel posted to the host, in order. */
  posted(): Promise<WebviewToHost[]>;
  /** Sends a host message to the panel (as VS Code delivers it: a window message event). */
  send(m: HostToWebview | Record<string, unknown>): Promise<void>;
  cspViolations(): Promise<string[]>;
  pageErrors: string[];
}

export interface OpenOptions {
  theme: 'light' | 'dark' | 'hc';
  /** State embedded in the HTML (as the host does on first render). */
  embedded?: PanelState;
  width?: number;
  height?: number;
  /** The bundle to serve (default dist/webview.js). */
  bundle?: string;
}

/** Opens the panel page; resolves once the panel has posted `ready`. */
export async function openPanel(browser: Browser, o: OpenOptions): Promise<PanelPage> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1440, height: o.height ?? 1000 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => { pageErrors.push(String(e)); if (process.env.W_DEBUG) console.log('pageerror', e); });
  page.on('console', (m) => {
    if (process.env.W_DEBUG) console.log('console', m.type(), m.text());
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
  const theme = THEMES[o.theme];
  const nonce = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';
  // VS Code injects its theme variables and body class into every webview; do the same here.
  const html = panelHtml({
    // As VS Code 1.100 gives it: a source list with 'self'.
    cspSource: `'self' ${ORIGIN}`,
    nonce,
    scriptUri: `${ORIGIN}/dist/webview.js`,
    styleUri: `${ORIGIN}/media/panel.css`,
    state: o.embedded,
  })
    .replace('<head>', `<head>\n  <link rel="stylesheet" href="${ORIGIN}/theme.css">`)
    .replace('<body>', `<body class="${theme.bodyClass}" data-vscode-theme-kind="${theme.bodyClass}">`);
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/panel.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path === '/theme.css') return route.fulfill({ contentType: 'text/css', body: theme.css });
    if (path === '/dist/webview.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(o.bundle ?? join(ROOT, 'dist', 'webview.js')) });
    if (path === '/media/panel.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(join(ROOT, 'media', 'panel.css')) });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  // A string, not a function: the TypeScript loader would add helpers the page does not have.
  // __name: tsx (esbuild keepNames) wraps named functions inside page.evaluate callbacks with it.
  await page.addInitScript(`(() => {
    const w = window;
    w.__name = (f) => f;
    w.__posted = [];
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '') + ' ' + e.sourceFile + ':' + e.lineNumber);
    });
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => w.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => {
          const s = localStorage.getItem('vscode-state');
          return s ? JSON.parse(s) : undefined;
        },
        setState: (s) => localStorage.setItem('vscode-state', JSON.stringify(s)),
      };
    };
  })();`);
  await page.goto(`${ORIGIN}/panel.html`);
  const pp: PanelPage = {
    page,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted),
    send: (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m as Record<string, unknown>),
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    pageErrors,
  };
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return pp;
}
