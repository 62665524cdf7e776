// Engine worker thread: runs one job (inspect / compress / export) off the extension host's event
// loop and exits. The host terminates the thread to cancel; the engine's writes are atomic, so a
// cancelled export leaves at most temp files, which the host removes.
import { parentPort, workerData } from 'node:worker_threads';
import { applyShapes, compressModel, defaultSettings, inspectModel } from '../engine/api';
import { isWorkerJob, toFailure, type WorkerJob, type WorkerResults, type WorkerToHost } from './jobMessages';

const post = (m: WorkerToHost): void => parentPort!.postMessage(m);

async function run(job: WorkerJob): Promise<WorkerResults[WorkerJob['kind']]> {
  const onProgress = (done: number, total: number, label: string): void => post({ type: 'progress', done, total, label });
  switch (job.kind) {
    case 'inspect': {
      // The ORT shape pass ran in the ORT process; here only the static (pure TypeScript) part.
      const report = await inspectModel(job.path, { shapes: false });
      return job.shapes ? applyShapes(report, job.shapes) : report;
    }
    case 'compress': {
      // The panel re-plans live from the curves, whatever the user chose first.
      const session = await compressModel(job.path, { ...defaultSettings(), ...job.settings }, { overrides: job.overrides, onProgress, withCurves: true });
      // Shapes (from the ORT process) give the panel MACs and latency estimates.
      const inspect = job.shapes ? applyShapes(session.inspect, job.shapes) : session.inspect;
      return { report: session.report, curves: session.curves, inspect, file: session.file };
    }
    case 'export': {
      // The panel's curves spare building them again when the file and their settings are unchanged.
      const session = await compressModel(job.path, { ...defaultSettings(), ...job.settings }, { overrides: job.overrides, onProgress, priorCurves: job.prior ?? null });
      onProgress(1, 1, 'writing files');
      const extra = job.shareHtml ? [{ target: job.outputs.html, data: new TextEncoder().encode(job.shareHtml) }] : [];
      const files = session.write({ onnx: job.outputs.onnx, packed: job.outputs.packed, report: job.outputs.report, extra });
      return { report: session.report, files };
    }
  }
}

const job: unknown = workerData;
if (!isWorkerJob(job)) {
  post({ type: 'error', error: { message: `engine worker: malformed job ${JSON.stringify(job)?.slice(0, 200)}`, user: false } });
} else {
  run(job).then(
    (result) => post({ type: 'result', result }),
    (e: unknown) => post({ type: 'error', error: toFailure(e) }),
  );
}
