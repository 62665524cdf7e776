import type { Command } from 'commander';
import { inspectModel } from '../engine/api';
import { ShapePassError } from '../engine/shapes';
import { layerLatency } from '../engine/cost/estimate';
import { loadProfiles } from '../engine/cost/load';
import { measureLayerLatency } from '../engine/measure/measure';
import type { InspectReport, LayerInfo, LayerLatency } from '../shared/report';
import { action, collectDim, fmtBytes, fmtInt, fmtShape, table } from './run';

export function formatInspect(r: InspectReport): string {
  const rows = r.layers.map((l) => [
    l.name,
    l.op + (l.quantized ? ' (q)' : ''),
    fmtShape(l.shape),
    fmtInt(l.params),
    fmtInt(l.macs),
    fmtShape(l.inputShape),
    fmtShape(l.outputShape),
    String(l.group),
    l.shared ? 'yes' : '',
  ]);
  const t = table(['layer', 'op', 'weight shape', 'params', 'MACs', 'input', 'output', 'group', 'shared'], rows, [false, false, false, true, true, false, false, true, false]);
  const m = r.model;
  return [
    `${m.path}  (ONNX IR ${m.irVersion}, opset ${m.opset}${m.producer ? `, ${m.producer}` : ''}, ${fmtBytes(m.sizeBytes)})`,
    '',
    t,
    '',
    `${r.layers.length} layers, ${fmtInt(r.totals.params)} weight params (${fmtBytes(r.totals.weightBytes)}), ${fmtInt(r.totals.macs)} MACs; model params ${fmtInt(m.params)}`,
  ].join('\n');
}

type MeasuredLayer = LayerInfo & { latency: LayerLatency };

/** Estimate (host profile) vs measurement per layer, with the ratio. */
export function formatMeasured(layers: MeasuredLayer[], totalMs: number, profile: string): string {
  const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '?' : x.toFixed(4));
  const rows = layers.map((l) => {
    const est = l.latency.estimatedMs[profile];
    const meas = l.latency.measuredMs;
    return [l.name, l.op, fmtInt(l.macs), ms(est), ms(meas), est && meas ? (est / meas).toFixed(2) : '?'];
  });
  const sum = (f: (l: MeasuredLayer) => number | null | undefined): number => layers.reduce((a, l) => a + (f(l) ?? 0), 0);
  const est = sum((l) => l.latency.estimatedMs[profile]);
  const meas = sum((l) => l.latency.measuredMs);
  return [
    table(['layer', 'op', 'MACs', `est ms (${profile})`, 'measured ms', 'est/meas'], rows, [false, false, true, true, true, true]),
    '',
    `weight layers: estimated ${est.toFixed(3)} ms, measured ${meas.toFixed(3)} ms (ratio ${(est / meas).toFixed(2)}); whole model run ${totalMs.toFixed(3)} ms (median)`,
  ].join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the weight layers of an ONNX model with shapes, params and MACs')
    .argument('<model>', 'ONNX model file')
    .option('--json', 'print the report as JSON')
    .option('--dim <name=value>', 'value of a symbolic input dim (repeatable; default 1)', collectDim, {})
    .option('--no-shapes', 'skip the ONNX Runtime shape pass (no shapes, no MACs)')
    .option('--measure', 'run the model in ONNX Runtime with profiling: measured ms per layer beside the host estimate')
    .option('--runs <n>', 'timed runs for --measure (median)', '10')
    .option('--profile <file>', 'extra device profile JSON file or folder (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .action(
      action(async (model: string, opts: { json?: boolean; dim: Record<string, number>; shapes: boolean; measure?: boolean; runs: string; profile: string[] }) => {
        const wantShapes = opts.shapes || !!opts.measure;
        let report: InspectReport;
        try {
          report = await inspectModel(model, { dims: opts.dim, shapes: wantShapes });
        } catch (e) {
          // A model ORT cannot run with these dims still has an inventory: shapes stay null (a
          // load error throws again here, as it should).
          if (!wantShapes || opts.measure || !(e instanceof ShapePassError)) throw e;
          report = await inspectModel(model, { shapes: false });
          process.stderr.write(`sbnn: note: no shapes or MACs: ${e.message}\n`);
        }
        if (opts.measure) {
          const profiles = loadProfiles(opts.profile);
          const m = await measureLayerLatency(model, report.layers, { runs: Math.max(1, Number(opts.runs) || 10), dims: opts.dim });
          const layers: MeasuredLayer[] = report.layers.map((l) => ({ ...l, latency: layerLatency(l, null, profiles, { measuredMs: m.layers[l.name] }) }));
          const out = { ...report, layers, measured: { totalMs: m.totalMs, runs: m.runs } };
          process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${formatInspect(report)}\n\n${formatMeasured(layers, m.totalMs, 'host')}\n`);
          return;
        }
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspect(report)}\n`);
      }),
    );
}
