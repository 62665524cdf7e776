// The PanelState the panel test feeds: the real report and error curves of a real model (PP-OCR's
// text-direction classifier), produced by the engine's compressModel exactly as the host does.
import { basename, join } from 'node:path';
import type { PanelState } from '../../src/shared/protocol';
import { applyShapes, compressModel, defaultSettings, measureShapes } from '../../src/engine/api';
import { ROOT } from './harness';

export const CLS_MODEL = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
export const PROFILES = [
  { id: 'host', label: 'This host' },
  { id: 'x86-64-avx2', label: 'x86-64 AVX2' },
  { id: 'arm-cortex-a72', label: 'Arm Cortex-A72' },
];

/** PanelState of `model` compressed at `budget` bits per weight (default settings otherwise), with
 *  the layers' shapes and MACs measured by ONNX Runtime. */
export async function realPanelState(model = CLS_MODEL, budget = 2): Promise<PanelState> {
  const s = await compressModel(model, { ...defaultSettings(), budget });
  // The host adds shapes and MACs from its ONNX Runtime process; do the same here.
  const inspect = applyShapes(s.inspect, await measureShapes(model));
  return {
    modelName: basename(model),
    inspect,
    report: s.report,
    curves: s.curves,
    budget,
    overrides: {},
    profiles: PROFILES,
    selectedProfile: 'x86-64-avx2',
    validation: null,
  };
}
