// What every piece of the extension shares: the log, the ORT process, the worker bundle, settings,
// and the one way long work runs (progress notification, cancellable, errors as one line).
import * as vscode from 'vscode';
import type { CompressSettings, Method } from '../shared/report';
import { METHODS } from '../shared/report';
import { JobCancelled, JobError, OrtProcess, runWorkerJob, type JobOptions } from './jobRunner';
import type { WorkerJob, WorkerResults } from './jobMessages';
import { DEFAULT_OUTPUT_NAMING } from './outputNames';

export interface SbnnConfig {
  method: Method;
  budget: number | null;
  deviceProfile: string | null;
  keepFirstLast: boolean;
  outputNaming: string;
  /** sbnn.inputDims: values of symbolic input dims for the shape pass (null = all 1). */
  inputDims: Record<string, number> | null;
}

/** Keeps the positive integer entries of the sbnn.inputDims setting. */
function validDims(v: unknown): Record<string, number> | null {
  if (typeof v !== 'object' || v === null) return null;
  const out = Object.entries(v as Record<string, unknown>).filter((e): e is [string, number] => Number.isInteger(e[1]) && (e[1] as number) >= 1);
  return out.length ? Object.fromEntries(out) : null;
}

export function readConfig(): SbnnConfig {
  const c = vscode.workspace.getConfiguration('sbnn');
  const method = c.get<string>('defaultMethod', 'sbnn');
  const budget = c.get<number | null>('defaultBudget', null);
  const profile = c.get<string>('deviceProfile', '');
  return {
    method: (METHODS as readonly string[]).includes(method) ? (method as Method) : 'sbnn',
    budget: typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? budget : null,
    deviceProfile: profile ? profile : null,
    keepFirstLast: c.get<boolean>('keepFirstLast', true),
    outputNaming: c.get<string>('outputNaming', DEFAULT_OUTPUT_NAMING),
    inputDims: validDims(c.get<unknown>('inputDims', {})),
  };
}

/** The settings a compress run passes to the engine (the rest are the engine's defaults). */
export function compressSettings(config: SbnnConfig, choice: { method?: Method; budget?: number | null }): Partial<CompressSettings> {
  return {
    method: choice.method ?? config.method,
    budget: choice.budget !== undefined ? choice.budget : null,
    keepFirstLast: config.keepFirstLast,
  };
}

export class HostServices implements vscode.Disposable {
  readonly ort: OrtProcess;
  readonly workerFile: string;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.workerFile = vscode.Uri.joinPath(extensionUri, 'dist', 'engineWorker.js').fsPath;
    this.ort = new OrtProcess(vscode.Uri.joinPath(extensionUri, 'dist', 'ortProcess.js').fsPath, (l) => log.info(l));
  }

  /** One engine job in a worker thread. */
  worker<K extends WorkerJob['kind']>(job: Extract<WorkerJob, { kind: K }>, opts: JobOptions): Promise<WorkerResults[K]> {
    return runWorkerJob(this.workerFile, job, opts);
  }

  /**
   * Runs `work` under a cancellable progress notification. Returns undefined when it was cancelled
   * or failed (the error is already shown as a notification and logged), else its result.
   */
  async withProgress<T>(
    title: string,
    work: (opts: Required<JobOptions>, report: (message: string) => void) => Promise<T>,
    onError?: (message: string) => void,
  ): Promise<T | undefined> {
    const started = Date.now();
    this.log.info(`${title}: started`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let last = 0;
          const onProgress = (done: number, total: number, label: string): void => {
            const pct = total > 0 ? (100 * done) / total : 0;
            progress.report({ message: label, increment: Math.max(0, pct - last) });
            last = Math.max(last, pct);
          };
          try {
            return await work({ onProgress, signal: abort.signal }, (message) => progress.report({ message }));
          } finally {
            sub.dispose();
          }
        },
      );
      this.log.info(`${title}: done in ${Date.now() - started} ms`);
      return result;
    } catch (e) {
      if (e instanceof JobCancelled) {
        this.log.info(`${title}: cancelled, nothing written`);
        onError?.(`${title}: cancelled`);
        return undefined;
      }
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`${title}: ${message}`);
      if (e instanceof JobError && e.detail) this.log.error(e.detail);
      else if (e instanceof Error && !(e instanceof JobError) && e.stack) this.log.error(e.stack);
      onError?.(message);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  }

  dispose(): void {
    this.ort.dispose();
  }
}
