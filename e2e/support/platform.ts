// Starts the whole platform the way a user does (`shequ start`) on fresh ports and a fresh data
// directory, so every suite runs against its own empty, freshly seeded instance.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 200;

export type RunningPlatform = { webUrl: string; apiUrl: string; stop(): Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function keepTail(child: ChildProcess): string[] {
  const lines: string[] = [];
  const add = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
    if (process.env.SHEQU_E2E_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return lines;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitForHealth(url: string, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`shequ start exited early (${child.exitCode ?? child.signalCode}):\n${log.join('\n')}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // Not listening yet (or still building the web app).
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${url} was not healthy within ${READY_TIMEOUT_MS / 1000}s:\n${log.join('\n')}`);
}

export async function startPlatform(): Promise<RunningPlatform> {
  // For iterating on a suite against a platform you already run (`npm start`); CI always starts its own.
  const external = process.env.SHEQU_E2E_WEB_URL;
  if (external) {
    const apiUrl = process.env.SHEQU_E2E_API_URL ?? 'http://127.0.0.1:3001';
    return { webUrl: external.replace(/\/+$/, ''), apiUrl, stop: async () => {} };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'shequ-e2e-'));
  const [webPort, apiPort] = [await freePort(), await freePort()];
  const webUrl = `http://127.0.0.1:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', 'start'], {
    cwd: ROOT,
    env: { ...process.env, SHEQU_DATA_DIR: dataDir, PORT: String(webPort), SHEQU_API_PORT: String(apiPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() also ends the web server and workers it spawned.
    detached: true,
  });
  const log = keepTail(child);

  const stop = async () => {
    const pid = child.pid;
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // The group is already gone.
        }
      };
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
      // Children that ignored SIGTERM must not outlive the suite.
      signalGroup('SIGKILL');
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(`${webUrl}/api/health`, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl, apiUrl, stop };
}
