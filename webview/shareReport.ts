// A self-contained HTML report of the plan being exported (summary, every layer, chart images), for
// sharing outside VS Code. Built in the webview because the charts live here; the host writes it.
import type { PanelState } from '../src/shared/protocol';
import type { Plan } from './plan';
import { fmtBits, fmtBytes, fmtDb, fmtInt, fmtMs, fmtRatio, fmtShape, fmtShare } from './format';

export interface ReportImage {
  /** data:image/png;base64,... */
  src: string;
  /** Text alternative (the chart's aria-label). */
  alt: string;
}

export interface ShareColors {
  fg: string;
  bg: string;
  muted: string;
  border: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function shareReportHtml(state: PanelState, plan: Plan, images: ReportImage[], colors: ShareColors, generatedAt: string): string {
  const t = plan.totals;
  const profile = state.profiles.find((p) => p.id === state.selectedProfile)?.label ?? state.selectedProfile ?? '—';
  const summary: [string, string][] = [
    ['Model', state.inspect.model.path],
    ['File size', fmtBytes(state.inspect.model.sizeBytes)],
    ['Layers', `${state.inspect.layers.length} (${fmtInt(t.params)} weight parameters)`],
    ['Budget', plan.budget == null ? 'as compressed' : `${plan.budget} bits / weight`],
    ['Bits / weight', fmtBits(t.bitsPerWeight)],
    ['Weights before → after', `${fmtBytes(t.weightBytesBefore)} → ${fmtBytes(t.weightBytesAfter)}`],
    ['Compression ratio (weights vs float32)', fmtRatio(t.ratio)],
    [`Estimated latency (${profile})`, t.estAfterMs == null ? '—' : `${fmtMs(t.estBeforeMs)} → ${fmtMs(t.estAfterMs)}`],
    ['Overrides', String(Object.keys(state.overrides).length)],
  ];
  const v = state.validation;
  if (v) {
    summary.push(['Validation', `${v.samples} ${v.generatedInputs ? 'generated' : 'given'} samples; ` + v.outputs.map((o) => `${o.name}: cosine ${o.cosine.toFixed(5)}, SQNR ${fmtDb(o.sqnrDb)} dB`).join('; ')]);
    if (v.top1Agreement != null) summary.push(['Top-1 agreement', fmtShare(v.top1Agreement)]);
    if (v.accuracy != null) summary.push(['Accuracy', `${fmtShare(v.accuracy)}${v.accuracyOriginal != null ? ` (original ${fmtShare(v.accuracyOriginal)})` : ''}`]);
  }
  const head = ['#', 'Layer', 'Op', 'Shape', 'Params', 'MACs', 'Method', 'Ones', 'b/w raw', 'b/w entropy', 'SQNR dB', 'Est.', 'Measured'];
  const rows = plan.rows.map((r) =>
    [
      String(r.index + 1),
      r.name,
      r.op,
      fmtShape(r.shape),
      fmtInt(r.params),
      fmtInt(r.macs),
      (r.method ?? '—') + (r.overridden ? ' (override)' : r.pinnedFirstLast ? ' (kept)' : ''),
      fmtShare(r.ones),
      fmtBits(r.rawBits),
      fmtBits(r.entropyBits),
      fmtDb(r.sqnr),
      fmtMs(r.estMs),
      fmtMs(r.measuredMs),
    ]
      .map((c, i) => `<td${i === 1 || i === 2 || i === 3 || i === 6 ? '' : ' class="n"'}>${esc(c)}</td>`)
      .join(''),
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SBNN Studio report: ${esc(state.modelName)}</title>
<style>
body { font-family: system-ui, sans-serif; font-size: 14px; color: ${esc(colors.fg)}; background: ${esc(colors.bg)}; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.muted { color: ${esc(colors.muted)}; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dt { color: ${esc(colors.muted)}; } dd { margin: 0; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 16px 0; }
figure { margin: 0; border: 1px solid ${esc(colors.border)}; padding: 8px; max-width: 480px; }
figure img { max-width: 100%; display: block; }
figcaption { color: ${esc(colors.muted)}; font-size: 12px; margin-top: 4px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid ${esc(colors.border)}; padding: 3px 8px; text-align: left; white-space: nowrap; }
td.n { text-align: right; }
</style>
</head>
<body>
<h1>SBNN Studio report: ${esc(state.modelName)}</h1>
<p class="muted">Generated ${esc(generatedAt)} by SBNN Studio${state.report ? ` ${esc(state.report.tool.version)}` : ''}.</p>
<dl>
${summary.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${esc(val)}</dd>`).join('\n')}
</dl>
<section class="charts">
${images.map((im) => `<figure><img src="${esc(im.src)}" alt="${esc(im.alt)}"><figcaption>${esc(im.alt)}</figcaption></figure>`).join('\n')}
</section>
<table>
<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r}</tr>`).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
