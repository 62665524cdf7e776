// `sbnn`: the command-line face of the engine (the extension calls the same engine).
import { Command } from 'commander';
import { registerCompress } from './cli/compress';
import { registerInspect } from './cli/inspect';
import { setVerbose } from './cli/run';
import { registerValidate } from './cli/validate';
import { TOOL_VERSION } from './engine/version';

const program = new Command();
program
  .name('sbnn')
  .description('SBNN Studio: compress ONNX models into sparse binary networks')
  .version(TOOL_VERSION)
  .option('--verbose', 'show stack traces and details on errors')
  .hook('preAction', (cmd) => setVerbose(!!cmd.opts().verbose))
  .exitOverride((err) => {
    // Usage errors exit 2 like other user errors; --help / --version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
registerInspect(program);
registerCompress(program);
registerValidate(program);

program.parseAsync(process.argv);
