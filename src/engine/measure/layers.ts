// Layers with shapes and MACs (what inspectModel reports), without pulling in the compression pipeline.
import type { LayerInfo } from '../../shared/report';
import { inspectModel } from '../inspect';

export async function shapedLayers(path: string, dims: Record<string, number> = {}): Promise<LayerInfo[]> {
  return (await inspectModel(path, { dims })).layers;
}
