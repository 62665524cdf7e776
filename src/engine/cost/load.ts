// Device profiles from disk: the built-in ones plus user files (a JSON file, or a folder of them).
// A user profile with the id of a built-in one (e.g. a re-calibrated "host") replaces it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceProfile } from '../../shared/report';
import { SbnnError } from '../errors';
import { writeFileAtomic } from '../fsAtomic';
import { BUILTIN_PROFILES, profileProblem } from './builtins';

export function readProfileFile(path: string): DeviceProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SbnnError(path, `cannot read profile: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SbnnError(path, `profile is not valid JSON: ${(e as Error).message}`);
  }
  const problem = profileProblem(v);
  if (problem) throw new SbnnError(path, `bad device profile: ${problem}`);
  return v as DeviceProfile;
}

/** Built-in profiles, then each extra path (file, or folder whose *.json files are read in name order). */
export function loadProfiles(extraPaths: readonly string[] = []): DeviceProfile[] {
  const byId = new Map<string, DeviceProfile>(BUILTIN_PROFILES.map((p) => [p.id, p]));
  for (const path of extraPaths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new SbnnError(path, 'profile path does not exist');
    }
    const files = isDir
      ? readdirSync(path)
          .filter((f) => f.toLowerCase().endsWith('.json'))
          .sort()
          .map((f) => join(path, f))
      : [path];
    for (const f of files) {
      const p = readProfileFile(f);
      byId.set(p.id, p);
    }
  }
  return [...byId.values()];
}

export function writeProfileFile(path: string, p: DeviceProfile): void {
  const problem = profileProblem(p);
  if (problem) throw new SbnnError(path, `refusing to write a bad device profile: ${problem}`);
  writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(p, null, 2) + '\n'));
}
