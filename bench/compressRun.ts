// One measured compress run in a fresh process: prints {ms, maxRssBytes} as JSON on the last line.
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
  console.log(JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, bitsPerWeight: session.report.totals.bitsPerWeight }));
}
main();
