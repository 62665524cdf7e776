// Bundled at build time from package.json so the CLI and exports name the exact tool version.
import pkg from '../../package.json';
export const TOOL_NAME = 'sbnn-studio';
export const TOOL_VERSION: string = pkg.version;
