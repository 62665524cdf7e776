// One measured compress run in a fresh process: prints {ms, maxRssBytes} as JSON on the last line.
import { readFileSync } from 'node:fs';
import { compressModel } from '../src/engine/api';
import { defaultSettings } from '../src/engine/compress';
import type { CompressSettings } from '../src/shared/report';

async function main(): Promise<void> {
  const [model, out, json] = process.argv.slice(2);
  const settings: CompressSettings = { ...defaultSettings(), ...JSON.parse(json) };
  const t0 = performance.now();
  const session = await compressModel(model, settings);
  session.write({ onnx: out, force: true });
  const ms = performance.now() - t0;
  // VmHWM: this process's own peak (resourceUsage().maxRSS of a forked child starts at the parent's).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const maxRssBytes = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms, maxRssBytes, bitsPerWeight: session.report.totals.bitsPerWeight }));
}
main();
