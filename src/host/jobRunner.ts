// Runs engine jobs in a worker thread and ONNX Runtime requests in a forked child process.
// No `vscode` import: the extension wires these to progress/cancellation, tests drive them directly.
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  isOrtToHost,
  isWorkerToHost,
  type JobFailure,
  type OrtRequest,
  type OrtResults,
  type WorkerJob,
  type WorkerResults,
} from './jobMessages';

/** A job failed; `message` is the one line to show (the CLI's line for SbnnError). */
export class JobError extends Error {
  readonly user: boolean;
  readonly detail?: string;
  constructor(f: JobFailure) {
    super(f.message);
    this.name = 'JobError';
    this.user = f.user;
    this.detail = f.stack;
  }
}

/** The user cancelled; nothing was written. */
export class JobCancelled extends Error {
  constructor(what: string) {
    super(`${what}: cancelled`);
    this.name = 'JobCancelled';
  }
}

export type ProgressFn = (done: number, total: number, label: string) => void;

export interface JobOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/** Runs one engine job in a fresh worker thread; aborting terminates the thread. */
export function runWorkerJob<K extends WorkerJob['kind']>(
  workerFile: string,
  job: Extract<WorkerJob, { kind: K }>,
  opts: JobOptions = {},
): Promise<WorkerResults[K]> {
  const what = `${job.kind} ${basename(job.path)}`;
  if (opts.signal?.aborted) return Promise.reject(new JobCancelled(what));
  // Outputs that do not exist yet are this job's to remove if it is cancelled after writing them.
  const j = job as WorkerJob;
  const fresh = j.kind === 'export' ? [j.outputs.onnx, j.outputs.packed, j.outputs.report, j.outputs.html].filter((f) => !existsSync(f)) : [];
  return new Promise<WorkerResults[K]>((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: job });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      // Reject only once the thread is gone, so no write can land after the cleanup. A cancel that
      // races the final rename removes the just-written set too: cancelled means nothing written.
      void worker.terminate().finally(() => {
        if (j.kind === 'export') {
          removeTempFiles([j.outputs.onnx, j.outputs.packed, j.outputs.report, j.outputs.html]);
          for (const f of fresh) rmSync(f, { force: true });
        }
        reject(new JobCancelled(what));
      });
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: unknown) => {
      if (!isWorkerToHost(m)) return finish(() => reject(new JobError({ message: `engine worker sent a malformed message`, user: false })));
      if (m.type === 'progress') opts.onProgress?.(m.done, m.total, m.label);
      else if (m.type === 'result') finish(() => resolve(m.result as WorkerResults[K]));
      else finish(() => reject(new JobError(m.error)));
    });
    worker.on('error', (e) => finish(() => reject(new JobError({ message: `engine worker failed: ${e.message}`, user: false, stack: e.stack }))));
    worker.on('exit', (code) => finish(() => reject(new JobError({ message: `engine worker exited (code ${code}) during ${what}`, user: false }))));
  });
}

/**
 * Removes the temp files an interrupted atomic write may leave next to `targets`
 * (src/engine/fsAtomic.ts names them `.<target name>.<8 hex>.tmp`).
 */
export function removeTempFiles(targets: string[]): string[] {
  const removed: string[] = [];
  for (const target of targets) {
    const dir = dirname(target);
    const prefix = `.${basename(target)}.`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (n.startsWith(prefix) && /^[0-9a-f]{8}\.tmp$/.test(n.slice(prefix.length))) {
        rmSync(join(dir, n), { force: true });
        removed.push(join(dir, n));
      }
    }
  }
  return removed;
}

interface Pending {
  what: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  onStarted?: () => void;
}

type OrtArgs<K extends OrtRequest['kind']> = Omit<Extract<OrtRequest, { kind: K }>, 'id' | 'kind'>;

/**
 * The ONNX Runtime child process. Started on first use; if it dies (native crash, OOM, killed),
 * every request in flight fails with a clear error and the next request starts a fresh process.
 */
export class OrtProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly startListeners = new Set<(what: string, pid: number) => void>();

  /** Calls `listener` whenever the child picks up a request; returns the unsubscribe function. */
  onRequestStarted(listener: (what: string, pid: number) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  constructor(
    private readonly childFile: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Pid of the live child, or null when none is running. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  request<K extends OrtRequest['kind']>(
    kind: K,
    args: OrtArgs<K>,
    opts: { signal?: AbortSignal; onStarted?: () => void } = {},
  ): Promise<OrtResults[K]> {
    const what = `${kind} ${'path' in args ? basename(String(args.path)) : ''}`.trim();
    if (opts.signal?.aborted) return Promise.reject(new JobCancelled(what));
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<OrtResults[K]>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        reject(new JobCancelled(what));
        // ORT cannot be interrupted mid-run: cancelling ends the process; the next request forks anew.
        this.kill(`cancelled ${what}`);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        what,
        resolve: (v) => (cleanup(), resolve(v as OrtResults[K])),
        reject: (e) => (cleanup(), reject(e)),
        onStarted: opts.onStarted,
      });
      child.send({ id, kind, ...args } as unknown as OrtRequest);
    });
  }

  /** Ends the child process (if any); requests in flight fail. */
  kill(reason = 'stopped'): void {
    const child = this.child;
    if (!child) return;
    this.child = null;
    this.log(`ORT process ${child.pid} ${reason}`);
    child.kill('SIGKILL');
    this.failAll(`ONNX Runtime process ${reason}`);
  }

  dispose(): void {
    this.kill('disposed');
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    // execArgv: [] keeps the host's debug / loader flags (e.g. tsx, --inspect) out of the child.
    const child = fork(this.childFile, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], serialization: 'advanced' });
    this.child = child;
    this.log(`ORT process ${child.pid} started`);
    let stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-2000);
    });
    child.stdout?.on('data', (d: Buffer) => this.log(`ORT process: ${d.toString().trimEnd()}`));
    child.on('message', (m: unknown) => {
      if (!isOrtToHost(m)) return this.log(`ORT process sent a malformed message: ${JSON.stringify(m)?.slice(0, 200)}`);
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'started') {
        for (const l of this.startListeners) l(p.what, child.pid ?? -1);
        return p.onStarted?.();
      }
      this.pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(new JobError(m.error));
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return; // already killed on purpose and reported
      this.child = null;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const tail = stderrTail.trim().split('\n').pop();
      this.log(`ORT process ${child.pid} ${how}${tail ? `: ${tail}` : ''}`);
      this.failAll(`ONNX Runtime process ${how}${tail ? ` (${tail})` : ''}`);
    });
    child.on('error', (e) => this.log(`ORT process error: ${e.message}`));
    return child;
  }

  private failAll(reason: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new JobError({ message: `${reason} during ${p.what}`, user: false }));
  }
}
