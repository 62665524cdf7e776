// The webview's handle on the host: acquireVsCodeApi() may be called once per page, so keep it here.
import type { WebviewToHost } from '../src/shared/protocol';

export interface VsCodeApi<S> {
  postMessage(msg: WebviewToHost): void;
  getState(): S | undefined;
  setState(s: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export function getVsCodeApi<S>(): VsCodeApi<S> {
  return acquireVsCodeApi<S>();
}
