// Measured host latency per layer: run the model in ONNX Runtime with profiling on, read the
// per-node kernel times from the profile JSON, take the median over runs, map nodes to layers.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type GraphProto } from 'onnx-buf';
import type * as ort from 'onnxruntime-node';
import type { LayerInfo } from '../../shared/report';
import { SbnnError } from '../errors';
import { generatedTensor, inputMetas, openSession, resolveShape, runSession } from './ortIo';

export interface MeasureOptions {
  /** Timed runs (after one warm-up run); default 10. */
  runs?: number;
  /** Sizes of symbolic input dims by name; the first axis defaults to 1. */
  dims?: Record<string, number>;
  /** ORT intra-op threads; default 1 (per-core device profiles, stable timings). */
  threads?: number;
}

export interface LatencyMeasurement {
  /** Median kernel ms per layer name; null when no profiled node carries the layer's name. */
  layers: Record<string, number | null>;
  /** Median ms per profiled node (all nodes, also non-layer ones). */
  nodes: Record<string, number>;
  /** Median wall time of a whole run (ORT's model_run event), ms. */
  totalMs: number;
  runs: number;
  /** ORT graph optimization level used: node names survive at "extended". */
  optimization: 'extended';
}

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Gives unnamed nodes their first output's name (the inventory's name for such layers). */
function nameUnnamedNodes(g: GraphProto): boolean {
  let changed = false;
  for (const n of g.node) {
    if (!n.name && n.output[0]) {
      n.name = n.output[0];
      changed = true;
    }
    for (const a of n.attribute) {
      if (a.g && nameUnnamedNodes(a.g)) changed = true;
      for (const sg of a.graphs) if (nameUnnamedNodes(sg)) changed = true;
    }
  }
  return changed;
}

/**
 * Per-node medians from an ORT profile trace. Runs are delimited by the `model_run` session events;
 * the first `skip` runs (warm-up) are dropped. A node absent from a run counts 0 for that run.
 */
export function nodeTimesFromTrace(events: TraceEvent[], skip: number): { nodes: Record<string, number>; totalMs: number; runs: number } {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const timed = runs.slice(skip);
  if (timed.length === 0) throw new SbnnError(null, 'ONNX Runtime profile holds no timed model_run events');
  const perRun: Map<string, number>[] = timed.map(() => new Map());
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const r = timed.findIndex((run) => e.ts >= run.ts && e.ts <= run.ts + run.dur);
    if (r < 0) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    perRun[r].set(name, (perRun[r].get(name) ?? 0) + e.dur);
  }
  const names = new Set<string>();
  for (const m of perRun) for (const k of m.keys()) names.add(k);
  const nodes: Record<string, number> = {};
  for (const n of names) nodes[n] = median(perRun.map((m) => m.get(n) ?? 0)) / 1e3;
  return { nodes, totalMs: median(timed.map((r) => r.dur)) / 1e3, runs: timed.length };
}

/** Runs the model with ORT profiling and returns median per-layer kernel times (ms). */
export async function measureLayerLatency(path: string, layers: readonly LayerInfo[], opts: MeasureOptions = {}): Promise<LatencyMeasurement> {
  const runs = Math.max(1, Math.floor(opts.runs ?? 10));
  let source: string | Uint8Array = path;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SbnnError(path, `cannot read: ${(e as Error).message}`);
  }
  const proto = fromBinary(ModelProtoSchema, bytes);
  // External-data models must load from their path; they keep ORT's names for unnamed nodes.
  const external = (proto.graph?.initializer ?? []).some((t) => t.externalData.length > 0);
  if (proto.graph && !external && nameUnnamedNodes(proto.graph)) source = toBinary(ModelProtoSchema, proto);

  const dir = mkdtempSync(join(tmpdir(), 'sbnn-prof-'));
  try {
    const session = await openSession(source, path, {
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // "extended" fuses Conv + BatchNorm / activations but keeps node names; "all" adds NCHWc
      // layout rewrites that rename nodes, which would break the layer mapping.
      graphOptimizationLevel: 'extended',
    });
    const feeds: Record<string, ort.Tensor> = {};
    inputMetas(session).forEach((meta, i) => {
      feeds[meta.name] = generatedTensor(meta, resolveShape(meta, opts.dims ?? {}, 1, path), 1234 + i, path);
    });
    for (let r = 0; r < runs + 1; r++) await runSession(session, feeds, path);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new SbnnError(path, 'ONNX Runtime wrote no profile file');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TraceEvent[];
    const { nodes, totalMs, runs: timed } = nodeTimesFromTrace(events, 1);
    const out: Record<string, number | null> = {};
    // Exact node name, else the nodes ORT derived from it by fusion ("<name>/MatMulAddFusion").
    for (const l of layers) {
      if (nodes[l.name] !== undefined) {
        out[l.name] = nodes[l.name];
        continue;
      }
      const derived = Object.keys(nodes).filter((n) => n.startsWith(`${l.name}/`));
      out[l.name] = derived.length ? derived.reduce((a, n) => a + nodes[n], 0) : null;
    }
    return { layers: out, nodes, totalMs, runs: timed, optimization: 'extended' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
