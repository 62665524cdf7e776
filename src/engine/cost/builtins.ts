// Built-in device profiles (JSON data in ./profiles, bundled by esbuild) and the profile schema
// check shared with user profile files. Browser-safe: no Node APIs.
import type { DeviceProfile, SourcedNumber } from '../../shared/report';
import host from './profiles/host.json';
import armCortexA72 from './profiles/arm-cortex-a72.json';
import armCortexM7 from './profiles/arm-cortex-m7.json';
import x8664Avx2 from './profiles/x86-64-avx2.json';

/** Numeric fields every profile carries, each a { value, source } pair. */
export const PROFILE_NUMBERS = [
  'wordBits',
  'fp32MacsPerSecond',
  'int8MacsPerSecond',
  'binaryWordOpsPerSecond',
  'sparseAccumulatesPerSecond',
  'memoryBytesPerSecond',
  'layerOverheadSeconds',
] as const satisfies readonly (keyof DeviceProfile)[];

/** Checks a parsed JSON value against the profile schema; returns the problem or null. */
export function profileProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'a profile must be a JSON object';
  const o = v as Record<string, unknown>;
  for (const k of ['id', 'label', 'description'] as const) {
    if (typeof o[k] !== 'string' || (k === 'id' && !(o[k] as string).length)) return `"${k}" must be a ${k === 'id' ? 'non-empty ' : ''}string`;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(o.id as string)) return `"id" may only hold letters, digits, ".", "_" and "-" (got "${o.id}")`;
  for (const k of PROFILE_NUMBERS) {
    const n = o[k] as Partial<SourcedNumber> | undefined;
    if (typeof n !== 'object' || n === null) return `"${k}" must be an object { "value": number, "source": "where it comes from" }`;
    if (typeof n.value !== 'number' || !Number.isFinite(n.value)) return `"${k}.value" must be a finite number`;
    const positive = k !== 'layerOverheadSeconds';
    if (positive ? n.value <= 0 : n.value < 0) return `"${k}.value" must be ${positive ? '> 0' : '>= 0'} (got ${n.value})`;
    if (typeof n.source !== 'string' || n.source.trim().length === 0) return `"${k}.source" must say where the number comes from`;
  }
  return null;
}

/**
 * A device's per-layer overhead scaled from the measured host one by the fp32 throughput ratio
 * (dispatch and setup assumed to scale with core speed), to 3 significant digits.
 */
export function scaledOverhead(host: DeviceProfile, device: DeviceProfile): SourcedNumber {
  const ratio = host.fp32MacsPerSecond.value / device.fp32MacsPerSecond.value;
  const o = host.layerOverheadSeconds.value;
  return {
    value: Number((o * ratio).toPrecision(3)),
    source: `scaled from the host profile measured here: fitted per-layer overhead ${(o * 1e6).toPrecision(3)} us (ONNX Runtime, host.json) x host/device fp32 throughput ratio ${ratio.toPrecision(3)} (per-layer dispatch and setup assumed to scale with core speed)`,
  };
}

function checked(v: unknown, file: string): DeviceProfile {
  const problem = profileProblem(v);
  if (problem) throw new Error(`built-in profile ${file}: ${problem}`);
  return v as DeviceProfile;
}

/** host first (measured here), then the reference devices. */
export const BUILTIN_PROFILES: readonly DeviceProfile[] = [
  checked(host, 'host.json'),
  checked(x8664Avx2, 'x86-64-avx2.json'),
  checked(armCortexA72, 'arm-cortex-a72.json'),
  checked(armCortexM7, 'arm-cortex-m7.json'),
];
