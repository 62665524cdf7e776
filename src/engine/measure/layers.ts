// Layers with shapes and MACs straight from the inventory and the ORT shape pass (what
// inspectModel reports), without pulling in the compression pipeline.
import type { LayerInfo } from '../../shared/report';
import { layerMacs, listLayers } from '../inventory';
import { loadModel } from '../onnx/model';
import { measureShapes } from '../shapes';

export async function shapedLayers(path: string, dims: Record<string, number> = {}): Promise<LayerInfo[]> {
  const m = loadModel(path);
  const refs = listLayers(m);
  const shapes = await measureShapes(m, refs, dims);
  return refs.map((r) => {
    const s = shapes[r.info.name];
    const info = { ...r.info, inputShape: s?.inputShape ?? null, outputShape: s?.outputShape ?? null };
    return { ...info, macs: layerMacs(info) };
  });
}
