// HTTP capacity and latency of the API on PGlite and on PostgreSQL: an in-process platform on a fresh database, loaded
// by autocannon in a child process (bench/load.ts): at 200 connections (capacity and p99) and at 20. On PostgreSQL,
// BENCH_API_PROCESSES=N serves the port from N API processes (SO_REUSEPORT, as SHEQU_API_REUSE_PORT=on does).
// Usage: node --no-node-snapshot bench/http.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '@shequ/api';
import { DEMO_PASSWORD, listCompounds, loadConfig, openPlatform, type Platform, scopeFor } from '@shequ/core';
import { createTestDatabaseUrl } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { apiProcess, apiProcessCount, emit, isolatedEnv, round, signIn } from './common.ts';

const CONNECTIONS = 200;
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const GOAL_P99_MS = 20;
const SERIAL_ITERATIONS = 200;

interface Load {
  requestsPerSec: number;
  requestsTotal: number;
  latencyAvgMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function runLoad(url: string, cookie: string, connections: number, seconds: number, rate = 0): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bench/load.ts', url, cookie, String(connections), String(seconds), String(rate)],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const cap = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), (seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(cap);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${out}`));
      try {
        resolve(JSON.parse(line) as Load);
      } catch {
        reject(new Error(`load generator printed no JSON: ${out}`));
      }
    });
  });
}

/** Serial, in-process cost of the pieces behind one request (no HTTP, no concurrency): where the time goes. */
async function serialCosts(platform: Platform, token: string): Promise<Record<string, number>> {
  const { db } = platform.database;
  const principal = await platform.auth.principal(token);
  if (!principal) throw new Error('session did not resolve to a principal');
  const scope = await scopeFor(db, principal.grants);
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['select1Ms', () => db.execute(sql`select 1`)],
    ['principalMs', () => platform.auth.principal(token)],
    ['scopeForMs', () => scopeFor(db, principal.grants)],
    ['listCompoundsMs', () => listCompounds(db, scope)],
  ];
  const out: Record<string, number> = {};
  for (const [name, step] of steps) {
    for (let i = 0; i < 20; i++) await step();
    const t0 = performance.now();
    for (let i = 0; i < SERIAL_ITERATIONS; i++) await step();
    out[name] = round((performance.now() - t0) / SERIAL_ITERATIONS, 2);
  }
  return out;
}

async function openFor(engine: 'pglite' | 'postgres', dir: string) {
  if (engine === 'pglite')
    return {
      platform: await openPlatform(loadConfig(isolatedEnv({ SHEQU_DATA_DIR: dir })), { role: 'bench' }),
      drop: async () => {},
      env: undefined,
    };
  const pg = await createTestDatabaseUrl();
  const env = isolatedEnv({ SHEQU_DATA_DIR: dir, DATABASE_URL: pg.url });
  const platform = await openPlatform(loadConfig(env), { role: 'bench' });
  return { platform, drop: pg.drop, env };
}

async function benchEngine(engine: 'pglite' | 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-bench-http-'));
  const { platform, drop, env } = await openFor(engine, dir);
  const app = await buildServer(platform, { loginRateLimit: 1_000_000 });
  // Extra API processes need PostgreSQL (the embedded database has one owner).
  const processes = env ? apiProcessCount() : 1;
  const extra: ChildProcess[] = [];
  try {
    const listen = { port: 0, host: '127.0.0.1', reusePort: processes > 1 };
    await app.listen(listen);
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const base = `http://127.0.0.1:${port}`;
    for (let i = 1; i < processes; i++) extra.push(await apiProcess(port, env!));
    const cookie = await signIn(base, 'operator', DEMO_PASSWORD);
    const check = await fetch(`${base}/api/trpc/tenancy.compounds`, { headers: { cookie } });
    const body = (await check.json()) as { result?: { data?: unknown[] } };
    if (check.status !== 200 || body.result?.data?.length !== 2) {
      throw new Error(`tenancy.compounds failed: ${check.status} ${JSON.stringify(body)}`);
    }
    console.log(
      `== HTTP on ${engine}: ${CONNECTIONS} connections, autocannon in a child process, ${processes} API process(es) at ${base} ==`,
    );
    const targets = [
      { name: 'health', label: 'GET /api/health', url: `${base}/api/health`, cookie: '' },
      { name: 'compounds', label: 'GET tenancy.compounds (authed)', url: `${base}/api/trpc/tenancy.compounds`, cookie },
    ];
    const results: Record<string, { max: Load; moderate: Load; goalMet: boolean }> = {};
    for (const t of targets) {
      await runLoad(t.url, t.cookie, 50, WARMUP_SECONDS);
      const max = await runLoad(t.url, t.cookie, CONNECTIONS, SECONDS);
      // Closed-loop latency at saturation is connections ÷ throughput; the same load from 20 connections shows the
      // latency of a request when the server is busy but not queueing 200 deep.
      const moderate = await runLoad(t.url, t.cookie, 20, SECONDS);
      const goalMet = max.p99Ms < GOAL_P99_MS && max.errors === 0 && max.non2xx === 0;
      results[t.name] = { max, moderate, goalMet };
      console.log(
        `  ${t.label.padEnd(32)} ${CONNECTIONS} connections: ${round(max.requestsPerSec, 0)} req/s, p50 ${max.p50Ms} ms, p99 ${max.p99Ms} ms, errors ${max.errors + max.non2xx} — goal p99 < ${GOAL_P99_MS} ms: ${goalMet ? 'MET' : 'NOT MET'}`,
      );
      console.log(
        `  ${''.padEnd(32)} 20 connections: ${round(moderate.requestsPerSec, 0)} req/s, p50 ${moderate.p50Ms} ms, p99 ${moderate.p99Ms} ms, errors ${moderate.errors + moderate.non2xx}`,
      );
    }
    const serial = await serialCosts(platform, decodeURIComponent(cookie.slice('shequ_session='.length)));
    console.log(
      `  serial in-process cost per call (${SERIAL_ITERATIONS}×, no HTTP): select 1 ${serial.select1Ms} ms, ` +
        `session→principal ${serial.principalMs} ms, scopeFor ${serial.scopeForMs} ms, listCompounds ${serial.listCompoundsMs} ms`,
    );
    return { connections: CONNECTIONS, durationS: SECONDS, apiProcesses: processes, ...results, serialCosts: serial };
  } finally {
    for (const c of extra) c.kill('SIGTERM');
    await app.close();
    await platform.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const engines = process.env.SHEQU_TEST_POSTGRES === 'off' ? (['pglite'] as const) : (['pglite', 'postgres'] as const);
  const out: Record<string, unknown> = {};
  for (const engine of engines) out[engine] = await benchEngine(engine);
  emit('http', out);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`http bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
