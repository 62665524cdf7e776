// Non-clobbering output names next to the model: model.sbnn.onnx, model.sbnn-2.onnx, ...
// One stem names the whole set (ONNX + packed .sbnn + report JSON), so the set never mixes runs.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { OutputPaths } from './jobMessages';

export const DEFAULT_OUTPUT_NAMING = '${name}.sbnn';

/** The stem from the `sbnn.outputNaming` pattern (`${name}` = model file name without .onnx). */
export function outputStem(modelPath: string, pattern: string = DEFAULT_OUTPUT_NAMING): string {
  const name = basename(modelPath, extname(modelPath));
  const p = pattern.trim() || DEFAULT_OUTPUT_NAMING;
  // Path separators would write outside the model's folder; a pattern without ${name} would make
  // every model in the folder share one set of names.
  const safe = p.replace(/[\\/]/g, '_');
  return safe.includes('${name}') ? safe.replaceAll('${name}', name) : `${name}.${safe}`;
}

export function outputsFor(dir: string, stem: string): OutputPaths {
  return { onnx: join(dir, `${stem}.onnx`), packed: join(dir, `${stem}.sbnn`), report: join(dir, `${stem}.report.json`), html: join(dir, `${stem}.report.html`) };
}

/** First output set none of whose files exist: stem, stem-2, stem-3, ... */
export function nonClobberingOutputs(modelPath: string, pattern?: string, exists: (p: string) => boolean = existsSync): OutputPaths {
  const dir = dirname(modelPath);
  const stem = outputStem(modelPath, pattern);
  for (let n = 1; ; n++) {
    const out = outputsFor(dir, n === 1 ? stem : `${stem}-${n}`);
    if (![out.onnx, out.packed, out.report, out.html].some(exists) && out.onnx !== modelPath) return out;
  }
}
