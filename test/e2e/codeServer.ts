// Starts code-server (a real VS Code workbench + extension host served to a browser) for the e2e
// test, in its own process group, and stops it by pid. Install: scripts/setup-e2e.sh.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const E2E_DIR = process.env.SBNN_E2E_DIR ?? '/opt/sbnn-e2e';
export const CODE_SERVER = join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.SBNN_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the e2e test cannot run here, or null when it can. */
export function missingPrerequisite(): string | null {
  if (!existsSync(CODE_SERVER)) return `code-server is not installed at ${CODE_SERVER}; run \`bash scripts/setup-e2e.sh\``;
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM}; run \`bash scripts/setup-e2e.sh\``;
  return null;
}

export interface Profile {
  userData: string;
  extensions: string;
}

/** A fresh user-data + extensions folder: no trust prompt, no welcome page, no telemetry. */
export function makeProfile(root: string): Profile {
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'update.mode': 'none',
      'window.commandCenter': false,
    }),
  );
  return { userData, extensions };
}

export function installExtension(vsix: string, p: Profile): string {
  return execFileSync(CODE_SERVER, ['--install-extension', vsix, '--force', '--extensions-dir', p.extensions, '--user-data-dir', p.userData], {
    encoding: 'utf8',
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface RunningCodeServer {
  url: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startCodeServer(p: Profile, workspace: string, env: Record<string, string> = {}): Promise<RunningCodeServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    CODE_SERVER,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--extensions-dir', p.extensions, '--user-data-dir', p.userData, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM'); // the whole group: code-server and its extension host
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(t);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited early:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, log: () => out, stop };
}
