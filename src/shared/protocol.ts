// The typed message protocol between the extension host and the layer panel (webview).
// Every message is validated on receipt on both sides with the guards below.
import type {
  CompressReport,
  InspectReport,
  LayerCurve,
  LayerOverride,
  ValidationReport,
} from './report';

/** A device profile as the panel needs it (the full profile lives in the engine's JSON files). */
export interface ProfileSummary {
  id: string;
  label: string;
}

/** Everything the panel shows; also what it persists with setState. */
export interface PanelState {
  /** File name shown in the header. */
  modelName: string;
  inspect: InspectReport;
  /** Null until a compression plan exists (inspect-only panel). */
  report: CompressReport | null;
  /** Per-layer error curves for live re-planning; null in an inspect-only panel. */
  curves: LayerCurve[] | null;
  budget: number | null;
  overrides: Record<string, LayerOverride>;
  profiles: ProfileSummary[];
  selectedProfile: string | null;
  validation: ValidationReport | null;
}

export type HostToWebview =
  | { type: 'init'; state: PanelState }
  | { type: 'report'; report: CompressReport }
  | { type: 'progress'; message: string; fraction: number | null }
  | { type: 'error'; message: string }
  | { type: 'exported'; files: string[] }
  | { type: 'validation'; validation: ValidationReport };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'replan'; budget: number; overrides: Record<string, LayerOverride> }
  | {
      type: 'export';
      budget: number | null;
      overrides: Record<string, LayerOverride>;
      /** A self-contained HTML report (summary, layer table, chart images) for sharing; the host
       *  writes it next to the exported files when present. */
      shareHtml?: string;
    }
  | { type: 'validate' }
  | { type: 'compress' };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isOverrides(v: unknown): v is Record<string, LayerOverride> {
  if (!isObj(v)) return false;
  return Object.values(v).every((o) => isObj(o) && typeof o.method === 'string');
}

/** Guard for messages arriving at the host from the webview. */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  switch (m.type) {
    case 'ready':
    case 'validate':
    case 'compress':
      return true;
    case 'replan':
      return isNum(m.budget) && isOverrides(m.overrides);
    case 'export':
      return (m.budget === null || isNum(m.budget)) && isOverrides(m.overrides) && (m.shareHtml === undefined || typeof m.shareHtml === 'string');
    default:
      return false;
  }
}

/** Guard for messages arriving at the webview from the host. */
export function isHostToWebview(m: unknown): m is HostToWebview {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  switch (m.type) {
    case 'init':
      return isObj(m.state) && isObj((m.state as Record<string, unknown>).inspect);
    case 'report':
      return isObj(m.report) && Array.isArray((m.report as Record<string, unknown>).layers);
    case 'progress':
      return typeof m.message === 'string' && (m.fraction === null || isNum(m.fraction));
    case 'error':
      return typeof m.message === 'string';
    case 'exported':
      return Array.isArray(m.files) && m.files.every((f) => typeof f === 'string');
    case 'validation':
      return isObj(m.validation);
    default:
      return false;
  }
}
