// Pruning: spec parsing, masks, and the structure stats of binarized weights.
export { parsePruneSpec, formatPruneSpec, type PruneSpec } from './spec';
export { pruneMask, type WeightLayout } from './mask';
export { binaryStructureStats, type BinaryStructureStats } from './structure';
