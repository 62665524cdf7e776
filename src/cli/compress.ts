import { Option, type Command } from 'commander';
import { compressModel, defaultSettings, measureShapes, unpackModel } from '../engine/api';
import { checkOutputs } from '../engine/compress';
import { ShapePassError } from '../engine/shapes';
import { loadProfiles } from '../engine/cost/load';
import { SbnnError } from '../engine/errors';
import { METHODS, type CompressReport, type CompressSettings, type Method } from '../shared/report';
import { action, collectDim, fmtBytes, table } from './run';
import { resolve } from 'node:path';

interface CompressFlags {
  out: string;
  method: string;
  ones?: string;
  budget?: string;
  perChannel?: boolean;
  prune?: string;
  keepFirstLast: boolean;
  layers?: string;
  report?: string;
  packed?: string;
  force?: boolean;
  quiet?: boolean;
  dim: Record<string, number>;
  profile: string[];
  calib?: string;
}

const num = (flag: string, v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new SbnnError(null, `${flag} expects a number, got "${v}"`);
  return x;
};

export function settingsFromFlags(f: CompressFlags): CompressSettings {
  if (!METHODS.includes(f.method as Method)) throw new SbnnError(null, `--method must be one of ${METHODS.join(', ')}, got "${f.method}"`);
  const d = defaultSettings();
  return {
    method: f.method as Method,
    ones: f.ones === undefined ? (f.budget === undefined ? d.ones : null) : f.ones === 'free' ? null : num('--ones', f.ones),
    budget: f.budget === undefined ? null : num('--budget', f.budget),
    perChannel: !!f.perChannel,
    prune: f.prune ?? null,
    keepFirstLast: f.keepFirstLast,
    layers: f.layers ?? null,
  };
}

/** A progress line on a terminal, rewritten in place; silent when stderr is not a TTY. */
function progressLine(): { update(done: number, total: number, label: string): void; end(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(done, total, label) {
      const now = Date.now();
      if (!tty || now - last < 100) return;
      last = now;
      const pct = total ? Math.floor((100 * done) / total) : 0;
      process.stderr.write(`\r\x1b[K${pct}% ${label}`.slice(0, (process.stderr.columns ?? 80) + 4));
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

const fmtMs = (ms: number): string => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);

export function formatCompress(r: CompressReport): string {
  const rows = r.layers.map((l) => [
    l.name,
    l.method + (l.overridden ? '*' : ''),
    l.ones === null ? '' : l.ones.toFixed(3),
    l.pruned ? l.pruned.toFixed(3) : '',
    l.bitsPerWeight.raw.toFixed(3),
    l.bitsPerWeight.entropy.toFixed(3),
    Number.isFinite(l.sqnrDb) ? l.sqnrDb.toFixed(2) : 'inf',
    fmtBytes(l.bytes),
  ]);
  const t = r.totals;
  const lat = t.latency
    ? Object.entries(t.latency.estimatedMs).map(([id, v]) => `  ${id.padEnd(16)} ${fmtMs(v.before).padStart(10)} -> ${fmtMs(v.after).padStart(10)}  (${(v.before / v.after).toFixed(2)}x)`)
    : [];
  return [
    table(['layer', 'method', 'ones', 'pruned', 'bits raw', 'bits ent', 'SQNR dB', 'bytes'], rows, [false, false, true, true, true, true, true, true]),
    '',
    `weights: ${fmtBytes(t.bytesBefore)} -> ${fmtBytes(t.bytesAfter)} packed (${t.compressionRatio.toFixed(2)}x), ${t.bitsPerWeight.toFixed(3)} bits/weight over ${t.params.toLocaleString('en-US')} weight params`,
    ...(lat.length ? ['estimated latency of the weight layers (float32 -> compressed):', ...lat] : []),
  ].join('\n');
}

export function registerCompress(program: Command): void {
  program
    .command('compress')
    .description('compress the weight layers of an ONNX model into sparse binary (or other low-bit) weights')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--out <file>', 'compressed ONNX model to write (never the input)')
    .addOption(new Option('--method <method>', 'method for every layer (without --budget)').choices(METHODS as string[]).default('sbnn'))
    .option('--ones <p>', 'share of ones (connections) for sbnn / sparse01, or "free" for the exact best split (default 0.1)')
    .option('--budget <bits>', 'average bits per weight over all weight layers; the method and ones per layer are chosen to minimize error')
    .option('--per-channel', 'one alpha / beta (or scale) per output channel')
    .option('--prune <spec>', 'pruning before quantization: magnitude:S, nm:N:M, channel:S, kernel:S')
    .option('--keep-first-last', 'keep the first and last layers at int8', true)
    .option('--no-keep-first-last', 'compress the first and last layers too')
    .option('--layers <glob>', 'only compress layers whose name matches (* and ?)')
    .option('--calib <samples.npy>', 'calibration inputs (float32 .npy, first axis = samples): weight the budget by measured layer sensitivity, refit binary layers on their outputs, correct biases')
    .option('--report <file>', 'write the JSON report')
    .option('--packed <file>', 'write the packed .sbnn file')
    .option('--force', 'overwrite existing outputs')
    .option('--dim <name=value>', 'value of a symbolic input dim for the shape pass behind latency estimates (repeatable; default 1)', collectDim, {})
    .option('--profile <file>', 'extra device profile JSON file or folder for latency estimates (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--quiet', 'no table on stdout')
    .action(
      action(async (model: string, f: CompressFlags) => {
        const settings = settingsFromFlags(f);
        const bar = progressLine();
        const profiles = loadProfiles(f.profile);
        const outputs = { onnx: f.out, packed: f.packed, report: f.report, force: f.force };
        // Refuse bad outputs before the work, not after it (write() checks again).
        checkOutputs({ path: model, external: new Map() }, outputs);
        // Ctrl-C while computing: the default handler ends the process before anything is written.
        const session = await compressModel(model, settings, { onProgress: bar.update, calib: f.calib ?? null });
        // Latency estimates need MACs, hence shapes: one ONNX Runtime run. A model that will not run
        // with these dims still compresses; it just gets no estimates (said on stderr).
        try {
          session.addLatency(await measureShapes(model, f.dim), profiles);
        } catch (e) {
          if (!(e instanceof ShapePassError)) throw e;
          process.stderr.write(`sbnn: note: no latency estimates: ${e.message}\n`);
        }
        bar.end();
        // Ctrl-C while writing is held until the atomic renames are done: outputs are whole or absent.
        let interrupted = false;
        const onSigint = (): void => {
          interrupted = true;
        };
        process.on('SIGINT', onSigint);
        try {
          const files = session.write(outputs);
          if (!f.quiet) process.stdout.write(`${formatCompress(session.report)}\n`);
          process.stdout.write(`wrote ${files.map((x) => resolve(x)).join(', ')}\n`);
        } finally {
          setImmediate(() => {
            process.off('SIGINT', onSigint);
            if (interrupted) process.exit(130);
          });
        }
      }),
    );

  program
    .command('unpack')
    .description('rebuild an ONNX model from a packed .sbnn file and the original model')
    .argument('<packed>', '.sbnn file')
    .requiredOption('--model <file>', 'the original ONNX model the .sbnn was made from')
    .requiredOption('--out <file>', 'ONNX model to write')
    .option('--force', 'overwrite an existing output')
    .action(
      action(async (packed: string, f: { model: string; out: string; force?: boolean }) => {
        const files = unpackModel(packed, f.model, f.out, !!f.force);
        process.stdout.write(`wrote ${files.map((x) => resolve(x)).join(', ')}\n`);
      }),
    );
}
