// HTTP throughput and latency of the API: an in-process platform on a fresh data dir (embedded PGlite, in-process
// bus, default log level), loaded by autocannon running in a child process (bench/load.ts).
// Usage: node --no-node-snapshot bench/http.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '@shequ/api';
import { DEMO_PASSWORD, listCompounds, loadConfig, openPlatform, type Platform, scopeFor } from '@shequ/core';
import { sql } from 'drizzle-orm';
import { emit, isolatedEnv, round } from './common.ts';

const CONNECTIONS = 200;
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const GOAL_P99_MS = 20;
const LOW_CONNECTIONS = 10;
const LOW_SECONDS = 5;
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

function runLoad(url: string, cookie: string, connections: number, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/load.ts', url, cookie, String(connections), String(seconds)], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-bench-http-'));
  const platform = await openPlatform(loadConfig(isolatedEnv({ SHEQU_DATA_DIR: dir })), { role: 'bench' });
  const app = await buildServer(platform, { loginRateLimit: 1_000_000 });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    const l0 = performance.now();
    const login = await fetch(`${base}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'operator', password: DEMO_PASSWORD }),
    });
    const session = login.headers.getSetCookie().find((c) => c.startsWith('shequ_session='));
    if (login.status !== 200 || !session) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const loginMs = performance.now() - l0;
    const cookie = session.split(';')[0];
    const check = await fetch(`${base}/api/trpc/tenancy.compounds`, { headers: { cookie } });
    const body = (await check.json()) as { result?: { data?: unknown[] } };
    if (check.status !== 200 || !Array.isArray(body.result?.data))
      throw new Error(`tenancy.compounds failed: ${check.status} ${JSON.stringify(body)}`);
    console.log(
      `== HTTP: ${CONNECTIONS} connections × ${SECONDS} s, autocannon in a child process, server ${base} (PGlite) ==`,
    );
    console.log(
      `  logged in as operator in ${round(loginMs, 0)} ms; tenancy.compounds returns ${body.result.data.length} compounds`,
    );

    const targets = [
      { name: 'health', label: 'GET /api/health', url: `${base}/api/health`, cookie: '' },
      { name: 'compounds', label: 'GET tenancy.compounds (authed)', url: `${base}/api/trpc/tenancy.compounds`, cookie },
    ];
    const results: Record<string, Load & { goalP99Ms: number; goalMet: boolean; lowConcurrency: Load }> = {};
    for (const t of targets) {
      await runLoad(t.url, t.cookie, 50, WARMUP_SECONDS);
      const r = await runLoad(t.url, t.cookie, CONNECTIONS, SECONDS);
      const low = await runLoad(t.url, t.cookie, LOW_CONNECTIONS, LOW_SECONDS);
      const goalMet = r.p99Ms < GOAL_P99_MS && r.errors === 0 && r.non2xx === 0 && r.timeouts === 0;
      results[t.name] = { ...r, goalP99Ms: GOAL_P99_MS, goalMet, lowConcurrency: low };
      console.log(
        `  ${t.label.padEnd(32)} ${round(r.requestsPerSec, 0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
          `max ${r.maxMs} ms, ${r.requestsTotal} requests, errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}` +
          ` — goal p99 < ${GOAL_P99_MS} ms: ${goalMet ? 'MET' : 'NOT MET'}`,
      );
      console.log(
        `  ${''.padEnd(32)} (at ${LOW_CONNECTIONS} connections × ${LOW_SECONDS} s: ${round(low.requestsPerSec, 0)} req/s, ` +
          `p50 ${low.p50Ms} ms, p99 ${low.p99Ms} ms, errors ${low.errors}, non-2xx ${low.non2xx})`,
      );
    }
    const serial = await serialCosts(platform, decodeURIComponent(cookie.slice('shequ_session='.length)));
    console.log(
      `  serial in-process cost per call (${SERIAL_ITERATIONS}×, no HTTP): select 1 ${serial.select1Ms} ms, ` +
        `session→principal ${serial.principalMs} ms, scopeFor ${serial.scopeForMs} ms, listCompounds ${serial.listCompoundsMs} ms`,
    );
    emit('http', {
      connections: CONNECTIONS,
      durationS: SECONDS,
      database: platform.database.kind,
      loginMs: round(loginMs, 0),
      ...results,
      serialCosts: serial,
    });
  } finally {
    await app.close();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`http bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
