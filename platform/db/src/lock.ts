import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface DataDirLock {
  path: string;
  release(): void;
}

export class DataDirLockedError extends Error {
  readonly holderPid: number;
  constructor(dir: string, pid: number, host: string) {
    super(
      `data directory ${dir} is in use by process ${pid} on ${host}; stop it first (PGlite allows one process per data directory)`,
    );
    this.holderPid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite takes no lock of its own and two processes on one directory lose writes silently,
 * so the owner writes `shequ.lock` with O_EXCL; a stale lock (dead PID on this host) is taken over.
 */
export function acquireDataDirLock(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'shequ.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const held = JSON.parse(readFileSync(path, 'utf8')) as { pid: number };
          if (held.pid === process.pid) rmSync(path);
        } catch {}
      };
      process.once('exit', release);
      return { path, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid: number; host: string } | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {}
      if (holder && (holder.host !== hostname() || alive(holder.pid))) {
        throw new DataDirLockedError(dir, holder.pid, holder.host);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
}
