// Atomic file output: write to a temp file in the target's folder, then rename over the target.
// A set of outputs is committed together, so a failure or cancel leaves none of them behind.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface PendingFile {
  target: string;
  temp: string;
}

/** Temp path next to `target` (same filesystem, so the rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `chunks` to a temp file next to `target`; returns the pending file to commit or discard. */
export function writeTemp(target: string, chunks: Iterable<Uint8Array>): PendingFile {
  const temp = tempPathFor(target);
  const fd = openSync(temp, 'wx');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  closeSync(fd);
  return { target, temp };
}

export function commitAll(files: PendingFile[]): void {
  for (const f of files) renameSync(f.temp, f.target);
}

export function discardAll(files: PendingFile[]): void {
  for (const f of files) rmSync(f.temp, { force: true });
}

/** Write one file atomically. */
export function writeFileAtomic(target: string, data: Uint8Array | Iterable<Uint8Array>): void {
  const pending = writeTemp(target, data instanceof Uint8Array ? [data] : data);
  try {
    commitAll([pending]);
  } catch (e) {
    discardAll([pending]);
    throw e;
  }
}
