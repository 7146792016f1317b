// Helpers shared by the benchmark scripts.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { type Executor, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';

/** Prints the machine-readable line bench/run.ts collects. */
export function emit(name: string, data: unknown): void {
  console.log(`BENCH ${name} ${JSON.stringify(data)}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on right now (bound on 127.0.0.1 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Environment for a child platform process: no inherited database, bus or key settings. */
export function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'NATS_URL', 'SHEQU_MASTER_KEY', 'SHEQU_LOG_DIR', 'PORT', 'SHEQU_HOST'])
    delete env[k];
  return { ...env, ...extra };
}

/** Signs in to a running API over HTTP and answers the `shequ_session=…` cookie pair. */
export async function signIn(base: string, identifier: string, password: string): Promise<string> {
  const login = await fetch(`${base}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  const session = login.headers.getSetCookie().find((c) => c.startsWith('shequ_session='));
  if (login.status !== 200 || !session) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return session.split(';')[0];
}

/**
 * The child processes a bench started: killed by PID when the bench exits or is interrupted, so none outlives it.
 * Add each spawned child to `children`; delete it once it has been stopped on purpose. `killAll` ends them now.
 */
export function childReaper(): { children: Set<ChildProcess>; killAll: () => void } {
  const children = new Set<ChildProcess>();
  const killAll = () => {
    for (const c of children) {
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {}
      }
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
  return { children, killAll };
}

/** API processes to serve a benchmark's port (SO_REUSEPORT): `BENCH_API_PROCESSES`, 1 to 8, default 1. */
export function apiProcessCount(): number {
  return Math.min(Math.max(Math.trunc(Number(process.env.BENCH_API_PROCESSES ?? 1)) || 1, 1), 8);
}

/**
 * One more API process on the port this process already listens on with `reusePort` (bench/api-process.ts: same
 * database, data dir and master key, from `env`); resolves once it listens.
 */
export function apiProcess(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', 'bench/api-process.ts', String(port)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`API process exited with ${code}`)));
  });
}

/** User + system CPU of a process so far, in µs (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
export function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * CPU time (µs) of every PostgreSQL server process on this machine (Linux /proc; 0 where it cannot be read): the
 * database's share of a benchmark run on loopback.
 */
/**
 * CPU time (µs) of each PostgreSQL backend serving one database, by process id: read twice and subtracted with
 * `backendCpuSince`, it is what this benchmark's statements cost the server, whoever else uses it meanwhile (the
 * shared WAL writer and checkpointer are not counted).
 */
export async function backendCpuUs(ex: Executor): Promise<Map<number, number>> {
  const rows = await queryRows<{ pid: number }>(
    ex,
    sql`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`,
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      out.set(Number(pid), cpuUs(Number(pid)));
    } catch {
      // The backend ended meanwhile.
    }
  }
  return out;
}

/** Backend CPU (µs) spent since `before` (a backend that started meanwhile counts from zero). */
export async function backendCpuSince(ex: Executor, before: Map<number, number>): Promise<number> {
  let total = 0;
  for (const [pid, us] of await backendCpuUs(ex)) total += us - (before.get(pid) ?? 0);
  return total;
}

export function postgresCpuUs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
      total += cpuUs(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}
