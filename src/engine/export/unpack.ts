// `sbnn unpack`: the packed file's layers, dequantized, written into a copy of the original model.
import { existsSync, readFileSync } from 'node:fs';
import { SbnnError } from '../errors';
import { graphTensors, loadModel, saveModel, setTensorFloat32, tensorElements } from '../onnx/model';
import { decodePacked, dequantizeLayer } from './packed';

export function unpackToOnnx(packedPath: string, modelPath: string, outPath: string, force = false): string[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(packedPath);
  } catch (e) {
    throw new SbnnError(packedPath, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read');
  }
  const packed = decodePacked(bytes, packedPath);
  const m = loadModel(modelPath);
  if (!force && existsSync(outPath)) throw new SbnnError(outPath, 'already exists (use --force to overwrite)');
  const byName = new Map([...graphTensors(m.proto.graph!)].map((t) => [t.name, t]));
  for (const l of packed.layers) {
    const t = byName.get(l.weight);
    if (!t) throw new SbnnError(packedPath, `layer weight "${l.weight}" is not in ${modelPath}`);
    const dims = t.dims.map(Number);
    if (dims.length !== l.shape.length || dims.some((d, i) => d !== l.shape[i]) || tensorElements(t) !== l.shape.reduce((a, b) => a * b, 1)) {
      throw new SbnnError(packedPath, `layer weight "${l.weight}" has shape [${l.shape}] but the model's is [${dims}]`);
    }
    setTensorFloat32(t, dequantizeLayer(l));
  }
  return saveModel(m, outPath);
}
