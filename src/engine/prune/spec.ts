// Pruning specs as typed on the command line: "magnitude:0.5", "nm:2:4", "channel:0.25", "kernel:0.3".
import { SbnnError } from '../errors';

export type PruneSpec =
  | { kind: 'magnitude'; share: number }
  | { kind: 'nm'; n: number; m: number }
  | { kind: 'channel'; share: number }
  | { kind: 'kernel'; share: number };

export function parsePruneSpec(s: string): PruneSpec {
  const bad = (why: string): never => {
    throw new SbnnError(null, `bad --prune spec "${s}": ${why}`);
  };
  const parts = s.trim().split(':');
  const kind = parts[0]!.toLowerCase();
  if (kind === 'magnitude' || kind === 'channel' || kind === 'kernel') {
    if (parts.length !== 2) bad(`expected ${kind}:SHARE`);
    const share = Number(parts[1]);
    if (parts[1]!.trim() === '' || !Number.isFinite(share) || share < 0 || share >= 1) bad(`share must be a number in [0, 1), got "${parts[1]}"`);
    return { kind, share };
  }
  if (kind === 'nm') {
    if (parts.length !== 3) bad('expected nm:N:M');
    const n = Number(parts[1]);
    const m = Number(parts[2]);
    if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1 || n > m || m > 255) bad('N and M must be integers with 1 <= N <= M <= 255');
    return { kind: 'nm', n, m };
  }
  return bad('kind must be magnitude, nm, channel or kernel');
}

export function formatPruneSpec(p: PruneSpec): string {
  return p.kind === 'nm' ? `nm:${p.n}:${p.m}` : `${p.kind}:${p.share}`;
}
