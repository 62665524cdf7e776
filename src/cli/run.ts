// Shared CLI plumbing: one clear line for user errors (exit 2), stack traces only with --verbose.
import { InvalidArgumentError } from 'commander';
import { isSbnnError } from '../engine/errors';

export let verbose = false;
export const setVerbose = (v: boolean): void => {
  verbose = v;
};

export function reportError(e: unknown): number {
  if (isSbnnError(e)) {
    process.stderr.write(`sbnn: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`sbnn: internal error: ${msg}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

/** Wraps a command action: errors become an exit code, never an unhandled rejection. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

/** Parses repeated `--dim name=value` options. */
export function collectDim(v: string, prev: Record<string, number>): Record<string, number> {
  const m = /^([^=]+)=(\d+)$/.exec(v);
  // commander turns InvalidArgumentError into a one-line usage error (exit 2 via exitOverride).
  if (!m || Number(m[2]) < 1) throw new InvalidArgumentError(`expected NAME=POSITIVE_INTEGER, got "${v}"`);
  return { ...prev, [m[1]]: Number(m[2]) };
}

/** Aligned text table; numeric columns right-aligned. */
export function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmtInt = (n: number | null): string => (n === null ? '?' : n.toLocaleString('en-US'));
export const fmtShape = (s: number[] | null): string => (s ? s.join('x') : '?');
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
