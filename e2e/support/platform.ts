// Starts the whole platform the way a user does (`shequ start`) on fresh ports and a fresh data
// directory, so every suite runs against its own empty, freshly seeded instance. The device listeners
// (MQTT, device HTTP, CoAP) take ephemeral ports, so suites never clash with each other or with a
// platform already running on the machine, and the demo device simulator stays off.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 200;

export type RunningPlatform = {
  webUrl: string;
  apiUrl: string;
  /** The bearer token `shequ start` writes into the data directory's runtime.json (admin on every community). */
  adminToken: string;
  /** The MQTT gateway's actual port (the platform picked a free one), when it runs one. */
  mqttPort?: number;
  stop(): Promise<void>;
};

export type StartOptions = {
  /** Extra environment for `shequ start`; it wins over the suite defaults below. */
  env?: Record<string, string>;
  /** Runs on the fresh data directory before the platform starts (e.g. `seedCommunities` from ./communities.ts). */
  prepare?: (dataDir: string, env: Record<string, string>) => Promise<void>;
};

/** Every device listener on a free port, no simulated device traffic: suites share the machine. */
const SUITE_ENV: Record<string, string> = {
  SHEQU_MQTT_PORT: '0',
  SHEQU_IOT_HTTP_PORT: '0',
  SHEQU_COAP_PORT: '0',
  SHEQU_SIMULATOR: 'off',
};

type RuntimeInfo = { adminToken?: string; mqttPort?: number };

/** runtime.json appears once the API listens, just before the web server answers; wait for it briefly. */
async function readRuntime(dataDir: string): Promise<RuntimeInfo> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const info = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
      if (info.adminToken) return info;
    } catch {
      // Not written yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no runtime.json with an admin token in ${dataDir}`);
}

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

export async function startPlatform(opts: StartOptions = {}): Promise<RunningPlatform> {
  // For iterating on a suite against a platform you already run (`npm start`); CI always starts its own.
  const external = process.env.SHEQU_E2E_WEB_URL;
  if (external) {
    const apiUrl = process.env.SHEQU_E2E_API_URL ?? 'http://127.0.0.1:3001';
    const adminToken = process.env.SHEQU_E2E_ADMIN_TOKEN ?? '';
    return { webUrl: external.replace(/\/+$/, ''), apiUrl, adminToken, stop: async () => {} };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'shequ-e2e-'));
  if (opts.prepare) {
    try {
      await opts.prepare(dataDir, { ...SUITE_ENV, ...opts.env, SHEQU_DATA_DIR: dataDir });
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const [webPort, apiPort] = [await freePort(), await freePort()];
  const webUrl = `http://127.0.0.1:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...SUITE_ENV,
      ...opts.env,
      SHEQU_DATA_DIR: dataDir,
      PORT: String(webPort),
      SHEQU_API_PORT: String(apiPort),
    },
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

  let runtime: RuntimeInfo;
  try {
    await waitForHealth(`${webUrl}/api/health`, child, log);
    runtime = await readRuntime(dataDir);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl, apiUrl, adminToken: runtime.adminToken ?? '', mqttPort: runtime.mqttPort, stop };
}
