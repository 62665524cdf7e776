// Typed messages between the extension host and its two helpers: the engine worker thread
// (quantization, analysis, writing outputs) and the ONNX Runtime child process (sessions).
// Both sides check what they receive with the guards below; anything else is a bug to report.
import type { CompressReport, CompressSettings, InspectReport, LayerCurve, LayerOverride, ValidationReport } from '../shared/report';
import type { FileStamp, PriorCurves } from '../engine/compress';

/** Input and output shapes per layer name, from one ONNX Runtime shape pass. */
export type LayerShapes = Record<string, { inputShape: number[] | null; outputShape: number[] | null }>;

export interface OutputPaths {
  onnx: string;
  packed: string;
  report: string;
  /** The shareable HTML report (charts included) the panel builds. */
  html: string;
}

// ---- engine worker (worker_threads) ----

export type WorkerJob =
  /** Static inspection; `shapes` (from the ORT process) fills shapes and MACs when given. */
  | { kind: 'inspect'; path: string; shapes: LayerShapes | null }
  /** Plan + quantize; nothing is written. `settings` override the engine's defaultSettings(). */
  | { kind: 'compress'; path: string; settings: Partial<CompressSettings>; overrides: Record<string, LayerOverride>; shapes?: LayerShapes | null }
  /**
   * Plan + quantize again with the panel's budget/overrides, then write all outputs atomically.
   * `prior`: the panel's curves, reused when the file and the settings that shape them are unchanged.
   */
  | { kind: 'export'; path: string; settings: Partial<CompressSettings>; overrides: Record<string, LayerOverride>; outputs: OutputPaths; shareHtml?: string; prior?: PriorCurves | null };

export interface WorkerResults {
  inspect: InspectReport;
  compress: { report: CompressReport; curves: LayerCurve[]; inspect: InspectReport; file: FileStamp | null };
  export: { report: CompressReport; files: string[] };
}

/** A failure as the user should read it: `message` is the one line (SbnnError.message when `user`). */
export interface JobFailure {
  message: string;
  /** True for SbnnError (bad input), false for an internal error (stack goes to the log). */
  user: boolean;
  stack?: string;
}

export type WorkerToHost =
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: JobFailure };

// ---- ONNX Runtime child process (child_process.fork) ----

export type OrtRequest =
  | { id: number; kind: 'measureShapes'; path: string; dims: Record<string, number> | null }
  /** Runs original and compressed on the same generated inputs and compares their outputs. */
  | { id: number; kind: 'validate'; path: string; original: string; samples: number };

export interface OrtResults {
  measureShapes: LayerShapes;
  validate: ValidationReport;
}

export type OrtToHost =
  /** The child picked the request up (lets callers and tests know the work is under way). */
  | { type: 'started'; id: number }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: JobFailure };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isJobFailure(v: unknown): v is JobFailure {
  return isObj(v) && typeof v.message === 'string' && typeof v.user === 'boolean';
}

function isPriorCurves(v: unknown): v is PriorCurves {
  return isObj(v) && Array.isArray(v.curves) && isObj(v.file) && typeof v.file.size === 'number' && typeof v.file.mtimeMs === 'number' && isObj(v.settings);
}

export function isWorkerJob(m: unknown): m is WorkerJob {
  if (!isObj(m) || typeof m.path !== 'string') return false;
  switch (m.kind) {
    case 'inspect':
      return m.shapes === null || isObj(m.shapes);
    case 'compress':
      return isObj(m.settings) && isObj(m.overrides);
    case 'export':
      return isObj(m.settings) && isObj(m.overrides) && isObj(m.outputs) && typeof m.outputs.onnx === 'string' && (m.prior == null || isPriorCurves(m.prior));
    default:
      return false;
  }
}

export function isWorkerToHost(m: unknown): m is WorkerToHost {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'progress':
      return typeof m.done === 'number' && typeof m.total === 'number' && typeof m.label === 'string';
    case 'result':
      return 'result' in m;
    case 'error':
      return isJobFailure(m.error);
    default:
      return false;
  }
}

export function isOrtRequest(m: unknown): m is OrtRequest {
  if (!isObj(m) || typeof m.id !== 'number') return false;
  if (typeof m.path !== 'string') return false;
  if (m.kind === 'measureShapes') return m.dims === null || isObj(m.dims);
  if (m.kind === 'validate') return typeof m.original === 'string' && typeof m.samples === 'number';
  return false;
}

export function isOrtToHost(m: unknown): m is OrtToHost {
  if (!isObj(m) || typeof m.id !== 'number') return false;
  switch (m.type) {
    case 'started':
      return true;
    case 'result':
      return 'result' in m;
    case 'error':
      return isJobFailure(m.error);
    default:
      return false;
  }
}

/** The one line for an error thrown anywhere in a job. */
export function toFailure(e: unknown): JobFailure {
  if (e instanceof Error) {
    const user = e.name === 'SbnnError';
    return { message: e.message, user, stack: user ? undefined : e.stack };
  }
  return { message: String(e), user: false };
}
