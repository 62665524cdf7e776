// Charts (chart.js, tree-shaken to the pieces used). Colors come from VS Code's theme variables at
// draw time, so light, dark and high-contrast themes all work; every chart has a text alternative:
// an aria-label on the canvas, a figcaption summary and, for the curve, a visually hidden data table.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { LayerCurve, LayerOption, Method } from '../src/shared/report';
import type { Row } from './plan';
import { sqnrDb } from './plan';
import { fmtBits, fmtDb, fmtMs, fmtShare } from './format';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, PointElement, ScatterController, Tooltip, Legend);

type PointStyle = 'circle' | 'triangle' | 'rect' | 'rectRot' | 'crossRot' | 'star' | 'rectRounded' | 'cross';
const POINT_STYLES: Record<Method, PointStyle> = {
  sbnn: 'circle',
  sparse01: 'triangle',
  bnn: 'rect',
  ternary: 'rectRot',
  int2: 'crossRot',
  int4: 'star',
  int8: 'rectRounded',
  float: 'cross',
};

export interface ThemeColors {
  fg: string;
  grid: string;
  before: string;
  after: string;
  chosen: string;
  series: string[];
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Reads the theme's chart colors (VS Code defines --vscode-charts-* for every theme). */
export function themeColors(): ThemeColors {
  const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888888'));
  return {
    fg,
    grid: cssVar('--vscode-charts-lines', cssVar('--vscode-panel-border', '#80808040')),
    before: cssVar('--vscode-charts-blue', fg),
    after: cssVar('--vscode-charts-orange', fg),
    chosen: cssVar('--vscode-charts-red', fg),
    series: ['--vscode-charts-blue', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-orange', '--vscode-charts-red'].map(
      (v) => cssVar(v, fg),
    ),
  };
}

/** Bits per weight a layer's weight is stored with before compression (from its ONNX dtype). */
export function storedBits(dtype: string): number {
  switch (dtype) {
    case 'DOUBLE': return 64;
    case 'FLOAT16': case 'BFLOAT16': case 'INT16': case 'UINT16': return 16;
    case 'INT8': case 'UINT8': return 8;
    case 'INT4': case 'UINT4': return 4;
    default: return 32;
  }
}

function figure(id: string, title: string): { fig: HTMLElement; canvas: HTMLCanvasElement; caption: HTMLElement; extra: HTMLElement } {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  fig.id = id;
  const box = document.createElement('div');
  box.className = 'chart-box';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', title);
  box.append(canvas);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const extra = document.createElement('div');
  extra.className = 'visually-hidden';
  fig.append(box, caption, extra);
  return { fig, canvas, caption, extra };
}

function baseOptions(c: ThemeColors, yTitle: string, logY: boolean, categories = false): ChartConfiguration['options'] {
  return {
    // Per-layer bars fill their slot: with hundreds of layers any gap or grid line hides the bars.
    ...(categories ? { datasets: { bar: { barPercentage: 1, categoryPercentage: 0.9 } } } : {}),
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    color: c.fg,
    plugins: { legend: { labels: { color: c.fg, boxWidth: 12 } }, tooltip: { enabled: true } },
    scales: {
      x: { ticks: { color: c.fg, display: false }, grid: { color: c.grid, display: !categories } },
      y: { type: logY ? 'logarithmic' : 'linear', title: { display: true, text: yTitle, color: c.fg }, ticks: { color: c.fg }, grid: { color: c.grid } },
    },
  };
}

export class Charts {
  readonly el: HTMLElement;
  private readonly bits = figure('chart-bits', 'Bits per weight per layer, before and after');
  private readonly latency = figure('chart-latency', 'Estimated latency per layer, before and after');
  private readonly curve = figure('chart-curve', 'Error versus bits of the selected layer');
  private bitsChart: Chart | null = null;
  private latencyChart: Chart | null = null;
  private curveChart: Chart | null = null;
  private colors: ThemeColors | null = null;

  constructor() {
    this.el = document.createElement('section');
    this.el.className = 'charts';
    this.el.setAttribute('aria-label', 'Charts');
    this.el.append(this.bits.fig, this.latency.fig, this.curve.fig);
  }

  /** Re-reads theme colors (after a theme change) and rebuilds the charts on next update. */
  retheme(): void {
    this.colors = null;
    for (const ch of [this.bitsChart, this.latencyChart, this.curveChart]) ch?.destroy();
    this.bitsChart = this.latencyChart = this.curveChart = null;
  }

  private c(): ThemeColors {
    return (this.colors ??= themeColors());
  }

  /** PNG snapshots of the charts on an opaque background (for the shareable report). */
  images(background: string): { src: string; alt: string }[] {
    const out: { src: string; alt: string }[] = [];
    for (const f of [this.bits, this.latency, this.curve]) {
      const cv = f.canvas;
      if (!cv.width || !cv.height) continue;
      const flat = document.createElement('canvas');
      flat.width = cv.width;
      flat.height = cv.height;
      const g = flat.getContext('2d');
      if (!g) continue;
      g.fillStyle = background;
      g.fillRect(0, 0, flat.width, flat.height);
      g.drawImage(cv, 0, 0);
      out.push({ src: flat.toDataURL('image/png'), alt: cv.getAttribute('aria-label') ?? '' });
    }
    return out;
  }

  updateLayers(rows: Row[], dtypes: string[], latencyBefore: (number | null)[]): void {
    const c = this.c();
    const labels = rows.map((r) => r.name);
    const before = rows.map((r, i) => storedBits(dtypes[i]));
    const after = rows.map((r) => r.entropyBits);
    if (!this.bitsChart) {
      this.bitsChart = new Chart(this.bits.canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: 'before', data: before, backgroundColor: c.before, borderWidth: 0 },
            { label: 'after (entropy-coded)', data: after, backgroundColor: c.after, borderWidth: 0 },
          ],
        },
        options: baseOptions(c, 'bits / weight (log)', true, true),
      });
    } else {
      this.bitsChart.data.labels = labels;
      this.bitsChart.data.datasets[0].data = before;
      this.bitsChart.data.datasets[1].data = after;
      this.bitsChart.update('none');
    }
    const known = after.filter((x): x is number => x != null);
    const bitsText = known.length
      ? `Bits per weight per layer: before ${before.length ? Math.max(...before) : 32} bits; after from ${fmtBits(Math.min(...known))} to ${fmtBits(Math.max(...known))} over ${known.length} layers (exact values in the layer table).`
      : 'Bits per weight per layer: no compression plan yet.';
    this.bits.canvas.setAttribute('aria-label', bitsText);
    this.bits.caption.textContent = bitsText;

    const latAfter = rows.map((r) => r.estMs);
    const hasLat = latAfter.some((x) => x != null) || latencyBefore.some((x) => x != null);
    if (!this.latencyChart) {
      this.latencyChart = new Chart(this.latency.canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: 'before', data: latencyBefore, backgroundColor: c.before, borderWidth: 0 },
            { label: 'after', data: latAfter, backgroundColor: c.after, borderWidth: 0 },
          ],
        },
        options: baseOptions(c, 'ms', false, true),
      });
    } else {
      this.latencyChart.data.labels = labels;
      this.latencyChart.data.datasets[0].data = latencyBefore;
      this.latencyChart.data.datasets[1].data = latAfter;
      this.latencyChart.update('none');
    }
    const sum = (xs: (number | null)[]): number | null => (xs.some((x) => x == null) ? null : xs.reduce<number>((a, x) => a + (x as number), 0));
    const latText = hasLat
      ? `Estimated latency per layer, selected profile: total before ${fmtMs(sum(latencyBefore))}, after ${fmtMs(sum(latAfter))}.`
      : 'Estimated latency per layer: no estimate for this profile.';
    this.latency.canvas.setAttribute('aria-label', latText);
    this.latency.caption.textContent = latText;
  }

  updateCurve(name: string | null, curve: LayerCurve | null, chosen: LayerOption | null): void {
    const c = this.c();
    const byMethod = new Map<Method, { x: number; y: number }[]>();
    const rowsText: string[][] = [];
    if (curve) {
      for (const o of curve.options) {
        const y = sqnrDb(curve.energy, o.error);
        const x = o.bits / curve.params;
        if (!byMethod.has(o.method)) byMethod.set(o.method, []);
        // Lossless options (infinite SQNR) cannot be plotted; they stay in the table below.
        if (Number.isFinite(y)) byMethod.get(o.method)!.push({ x, y });
        rowsText.push([o.method, fmtShare(o.ones), fmtBits(x), fmtDb(y), o === chosen ? 'chosen' : '']);
      }
    }
    // Themes give six chart colors; a point shape per method keeps eight methods apart (and does
    // not rely on color alone).
    const datasets: { label: string; data: { x: number; y: number }[]; backgroundColor: string; borderColor: string; pointRadius: number; pointStyle: PointStyle }[] = [
      ...byMethod.entries(),
    ].map(([m, pts], i) => ({
      label: m as string,
      data: pts,
      backgroundColor: c.series[i % c.series.length],
      borderColor: c.series[i % c.series.length],
      pointRadius: 4,
      pointStyle: POINT_STYLES[m],
    }));
    if (curve && chosen) {
      const y = sqnrDb(curve.energy, chosen.error);
      datasets.push({
        label: 'chosen',
        data: Number.isFinite(y) ? [{ x: chosen.bits / curve.params, y }] : [],
        backgroundColor: 'transparent',
        borderColor: c.chosen,
        pointRadius: 9,
        pointStyle: 'circle',
      });
    }
    const opts = baseOptions(c, 'SQNR dB', false)!;
    opts.plugins!.legend = { labels: { color: c.fg, usePointStyle: true, boxWidth: 8 } };
    (opts.scales as Record<string, unknown>).x = {
      type: 'logarithmic',
      title: { display: true, text: 'bits / weight (log)', color: c.fg },
      ticks: { color: c.fg },
      grid: { color: c.grid },
    };
    if (this.curveChart) this.curveChart.destroy();
    this.curveChart = new Chart(this.curve.canvas, { type: 'scatter', data: { datasets }, options: opts });
    const text = curve
      ? `Error versus bits of ${name}: ${curve.options.length} options; chosen ${chosen ? `${chosen.method}${chosen.ones != null ? ` at ${fmtShare(chosen.ones)} ones` : ''}, ${fmtBits(chosen.bits / curve.params)} bits/weight, SQNR ${fmtDb(sqnrDb(curve.energy, chosen.error))} dB` : 'none'}.`
      : name
        ? `No error curve for ${name}.`
        : 'Select a layer to see its error-versus-bits curve.';
    this.curve.canvas.setAttribute('aria-label', text);
    this.curve.caption.textContent = text;
    const table = document.createElement('table');
    const cap = document.createElement('caption');
    cap.textContent = 'Options of the selected layer';
    const head = document.createElement('tr');
    for (const h of ['method', 'ones', 'bits/weight', 'SQNR dB', '']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    table.append(cap, head);
    for (const r of rowsText) {
      const tr = document.createElement('tr');
      for (const v of r) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      table.append(tr);
    }
    this.curve.extra.replaceChildren(table);
  }
}
