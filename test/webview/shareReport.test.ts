import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePlan } from '../../webview/plan';
import { shareReportHtml } from '../../webview/shareReport';
import { fmtBits, fmtRatio } from '../../webview/format';
import { syntheticPanelState } from './synthetic';

const colors = { fg: '#111', bg: '#fff', muted: '#666', border: '#ccc' };

test('shareReportHtml: every layer, the plan totals, overrides marked, text escaped', () => {
  const s = syntheticPanelState(12, 5);
  s.inspect.layers[4] = { ...s.inspect.layers[4], name: '<img src=x onerror=alert(1)>' };
  s.curves![4] = { ...s.curves![4], name: '<img src=x onerror=alert(1)>' };
  s.budget = 1.1;
  s.overrides = { [s.inspect.layers[2].name]: { method: 'int8', ones: null, prune: null } };
  const plan = computePlan(s);
  const html = shareReportHtml(s, plan, [{ src: 'data:image/png;base64,AAAA', alt: 'Bits "per" weight' }], colors, '2026-01-01T00:00:00.000Z');
  assert.equal((html.match(/<tr><td/g) ?? []).length, 12);
  assert.ok(html.includes('<td>&lt;img src=x onerror=alert(1)&gt;</td>'));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(html.includes(`<dt>Bits / weight</dt><dd>${fmtBits(plan.totals.bitsPerWeight)}</dd>`));
  assert.ok(html.includes(`<dd>${fmtRatio(plan.totals.ratio)}</dd>`));
  assert.ok(html.includes('<td>int8 (override)</td>'));
  assert.ok(html.includes('<td>int8 (kept)</td>'), 'first/last layers marked as kept');
  assert.ok(html.includes('<img src="data:image/png;base64,AAAA" alt="Bits &quot;per&quot; weight">'));
  assert.ok(html.includes('Generated 2026-01-01T00:00:00.000Z'));
});
