// Per-layer latency for the plan being steered, from helper C's browser-safe roofline estimator and
// the built-in device profiles. Profiles the estimator does not know (user files on the host) give
// null here, and the panel falls back to the report's estimates for them.
import type { LayerInfo, LayerOption, CompressLayerReport } from '../src/shared/report';
import { BUILTIN_PROFILES, estimateLayerMs, modeForMethod, optionsForReport } from '../src/engine/cost/estimate';
import type { LatencyFn } from './plan';

export function latencyEstimator(): LatencyFn | null {
  const byId = new Map(BUILTIN_PROFILES.map((p) => [p.id, p]));
  if (byId.size === 0) return null;
  return (layer: LayerInfo, option: LayerOption | null, rep: CompressLayerReport | null, profileId: string): number | null => {
    const profile = byId.get(profileId);
    if (!profile) return null;
    // The planned option matches what was compressed: the report knows pruning and zero kernels.
    if (rep && (!option || (option.method === rep.method && option.ones === rep.ones))) {
      return estimateLayerMs(layer, modeForMethod(rep.method), optionsForReport(rep), profile);
    }
    if (!option) return estimateLayerMs(layer, 'fp32', {}, profile);
    const ones = option.ones ?? 0.5;
    return estimateLayerMs(
      layer,
      modeForMethod(option.method),
      {
        ones: option.method === 'bnn' ? Math.min(ones, 1 - ones) : ones,
        pruned: 0,
        weightBytes: option.bits / 8,
        sharedTerm: option.method !== 'sparse01',
      },
      profile,
    );
  };
}
