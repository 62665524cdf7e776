import type { Command } from 'commander';
import { inspectModel } from '../engine/api';
import type { InspectReport } from '../shared/report';
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

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the weight layers of an ONNX model with shapes, params and MACs')
    .argument('<model>', 'ONNX model file')
    .option('--json', 'print the report as JSON')
    .option('--dim <name=value>', 'value of a symbolic input dim (repeatable; default 1)', collectDim, {})
    .option('--no-shapes', 'skip the ONNX Runtime shape pass (no shapes, no MACs)')
    .action(
      action(async (model: string, opts: { json?: boolean; dim: Record<string, number>; shapes: boolean }) => {
        const report = await inspectModel(model, { dims: opts.dim, shapes: opts.shapes });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspect(report)}\n`);
      }),
    );
}
