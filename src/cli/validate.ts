// `sbnn validate ORIGINAL COMPRESSED`: compare a compressed model with its original in ONNX Runtime.
import { InvalidArgumentError, type Command } from 'commander';
import { validateModels } from '../engine/validate/validate';
import type { ValidationReport } from '../shared/report';
import { action, collectDim, table } from './run';

const fmtDb = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? 'inf (identical)' : String(x));
const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(2)} %`);

export function formatValidation(r: ValidationReport, original: string, compressed: string): string {
  const rows = r.outputs.map((o) => [o.name, o.cosine.toFixed(6), fmtDb(o.sqnrDb), o.maxAbsError.toPrecision(4)]);
  const lines = [
    `${compressed} vs ${original}: ${r.samples} samples${r.generatedInputs ? ' (GENERATED inputs: standard normal, seeded; pass --inputs X.npy for real data)' : ''}`,
    '',
    table(['output', 'cosine', 'SQNR dB', 'max |error|'], rows, [false, true, true, true]),
  ];
  if (r.top1Agreement !== null) lines.push('', `top-1 agreement: ${pct(r.top1Agreement)}`);
  if (r.accuracy !== null) lines.push(`accuracy: original ${pct(r.accuracyOriginal)}, compressed ${pct(r.accuracy)}`);
  return lines.join('\n');
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

/** JSON with non-finite numbers (SQNR of identical outputs) written as null. */
export const validationJson = (r: ValidationReport): string =>
  JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);

/** `write` receives the command's output (stdout by default; tests capture it). */
export function registerValidate(program: Command, write: (s: string) => void = (s) => void process.stdout.write(s)): void {
  program
    .command('validate')
    .description('run the original and the compressed model in ONNX Runtime and compare their outputs')
    .argument('<original>', 'original ONNX model')
    .argument('<compressed>', 'compressed ONNX model')
    .option('--inputs <file>', 'inputs as .npy (float32, first axis = samples); generated when absent')
    .option('--labels <file>', 'integer class ids as .npy, one per sample: reports accuracy of both models')
    .option('--samples <n>', 'number of generated samples without --inputs', positiveInt, 16)
    .option('--dim <name=value>', 'value of a symbolic input dim for generated inputs (repeatable; default 1)', collectDim, {})
    .option('--json', 'print the report as JSON (SQNR of identical outputs is null)')
    .action(
      action(async (original: string, compressed: string, opts: { inputs?: string; labels?: string; samples: number; dim: Record<string, number>; json?: boolean }) => {
        const r = await validateModels(original, compressed, { inputs: opts.inputs, labels: opts.labels, samples: opts.samples, dims: opts.dim });
        write(opts.json ? `${validationJson(r)}\n` : `${formatValidation(r, original, compressed)}\n`);
      }),
    );
}
