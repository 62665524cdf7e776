// Render time of the layer panel for a synthetic 1,000-layer model, in headless Debian Chromium.
// Prints medians: init -> first painted frame; one live re-plan (budget change) -> totals and table
// re-rendered; the per-layer charts update; one page of scrolling in the virtualized table.
// Run: node --import tsx bench/webview.ts [layers=1000] [runs=7]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildWebviewBundle, chromiumMissing, launch, openPanel } from '../test/webview/harness';
import { syntheticPanelState } from '../test/webview/synthetic';

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const layers = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 7);
  const missing = chromiumMissing();
  if (missing) {
    console.log(`webview bench skipped: ${missing}`);
    return;
  }
  // The production bundle (minified, as packaged), built into a temp folder so dist/ stays as is.
  const bundle = await buildWebviewBundle(true, mkdtempSync(join(tmpdir(), 'sbnn-webview-bench-')));
  const state = syntheticPanelState(layers);
  const browser = await launch();
  try {
    const pp = await openPanel(browser, { theme: 'dark', bundle });
    await pp.page.evaluate((s) => {
      (window as unknown as { __benchState: unknown }).__benchState = s;
    }, state as unknown as Record<string, unknown>);
    const init: number[] = [];
    const render: number[] = [];
    const replan: number[] = [];
    const charts: number[] = [];
    const scroll: number[] = [];
    const lastMeasure = (name: string) =>
      pp.page.evaluate((n) => {
        const e = performance.getEntriesByName(n, 'measure');
        return e.length ? e[e.length - 1].duration : NaN;
      }, name);
    const chartsSettled = () => new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < runs; i++) {
      init.push(
        await pp.page.evaluate(async () => {
          const data = { type: 'init', state: structuredClone((window as unknown as { __benchState: unknown }).__benchState) };
          const t0 = performance.now();
          window.dispatchEvent(new MessageEvent('message', { data }));
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          return performance.now() - t0;
        }),
      );
      render.push(await lastMeasure('sbnn:render'));
      await chartsSettled();
      await pp.page.evaluate(async (b) => {
        const s = document.getElementById('budget-slider') as HTMLInputElement;
        s.value = String(b);
        s.dispatchEvent(new Event('input'));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }, 0.6 + 0.1 * i);
      replan.push(await lastMeasure('sbnn:replan'));
      await chartsSettled();
      charts.push(await lastMeasure('sbnn:charts'));
      scroll.push(
        await pp.page.evaluate(async () => {
          const vp = document.querySelector('.viewport') as HTMLElement;
          const t0 = performance.now();
          let frames = 0;
          vp.scrollTop = 0;
          while (vp.scrollTop + vp.clientHeight < vp.scrollHeight - 1) {
            vp.scrollTop += vp.clientHeight;
            await new Promise((r) => requestAnimationFrame(r));
            frames++;
          }
          return (performance.now() - t0) / Math.max(1, frames);
        }),
      );
    }
    const rows = await pp.page.$$eval('.rows .row', (r) => r.length);
    console.log(`webview: ${layers} layers, ${runs} runs, ${rows} rows in the DOM (virtualized)`);
    console.log(`  init -> first frame (state parsed, table + header painted): median ${median(init).toFixed(1)} ms (render work ${median(render).toFixed(1)} ms)`);
    console.log(`  budget change -> re-planned (allocateBudget), table + totals rendered: median ${median(replan).toFixed(1)} ms`);
    console.log(`  per-layer charts update (2 x ${layers} bars): median ${median(charts).toFixed(1)} ms`);
    console.log(`  scroll by one page: median ${median(scroll).toFixed(1)} ms per frame`);
    if (pp.pageErrors.length) console.log(`  page errors: ${pp.pageErrors.join('; ')}`);
  } finally {
    await browser.close();
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
}

void main();
