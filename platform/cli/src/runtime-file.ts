import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How admin commands find the running platform: written by `shequ start` into the data dir, mode 0600. */
export interface RuntimeInfo {
  pid: number;
  apiUrl: string;
  webUrl?: string;
  /** The MQTT gateway's port when this process runs it. */
  mqttPort?: number;
  adminToken: string;
  startedAt: string;
}

const file = (dataDir: string) => join(dataDir, 'runtime.json');

export function writeRuntime(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(file(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 });
  chmodSync(file(dataDir), 0o600);
}

export function readRuntime(dataDir: string): RuntimeInfo | undefined {
  if (!existsSync(file(dataDir))) return undefined;
  return JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
}

export function removeRuntime(dataDir: string, pid: number): void {
  const info = readRuntime(dataDir);
  if (info?.pid === pid) rmSync(file(dataDir), { force: true });
}

/** The runtime file of a process that is still running, if there is one. */
export function liveRuntime(dataDir: string): RuntimeInfo | undefined {
  const info = readRuntime(dataDir);
  if (!info) return undefined;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? info : undefined;
  }
}
