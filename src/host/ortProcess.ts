// ONNX Runtime child process (child_process.fork): every ORT session lives here, so a native crash
// or out-of-memory kills this process, not the extension host. Requests run one at a time.
import { measureShapes } from '../engine/api';
import { validateModels } from '../engine/validate/validate';
import { isOrtRequest, toFailure, type OrtRequest, type OrtResults, type OrtToHost } from './jobMessages';

const send = (m: OrtToHost): void => {
  process.send?.(m);
};

async function handle(req: OrtRequest): Promise<OrtResults[OrtRequest['kind']]> {
  switch (req.kind) {
    case 'measureShapes':
      return measureShapes(req.path, req.dims ?? undefined);
    case 'validate':
      return validateModels(req.original, req.path, { samples: req.samples });
  }
}

let queue: Promise<void> = Promise.resolve();

process.on('message', (m: unknown) => {
  if (!isOrtRequest(m)) {
    const id = typeof (m as { id?: unknown })?.id === 'number' ? (m as { id: number }).id : -1;
    send({ type: 'error', id, error: { message: `ORT process: malformed request ${JSON.stringify(m)?.slice(0, 200)}`, user: false } });
    return;
  }
  queue = queue.then(async () => {
    send({ type: 'started', id: m.id });
    try {
      send({ type: 'result', id: m.id, result: await handle(m) });
    } catch (e) {
      send({ type: 'error', id: m.id, error: toFailure(e) });
    }
  });
});

// The host owns this process: when its IPC channel closes, there is nobody to answer.
process.on('disconnect', () => process.exit(0));
