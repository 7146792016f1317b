// People search at scale: 1,000,000 people across 200 communities on PostgreSQL, queried through the API as a
// community operator: name prefix and a masked list page of 50 rows, 50 connections each (autocannon in a child).
// The bulk rows are synthetic (generated in SQL; their cipher columns hold placeholders): search reads only the
// name, index and mask columns, so the figures stand for the real thing. BENCH_API_PROCESSES=N serves the port from
// N API processes (SO_REUSEPORT, as SHEQU_API_REUSE_PORT=on does in production; default 1).
// Usage: node --no-node-snapshot bench/search.ts [people]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '@shequ/api';
import { acknowledgeConfidentiality, DEMO_PASSWORD, loadConfig, openPlatform } from '@shequ/core';
import { createTestDatabaseUrl, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { apiProcess, apiProcessCount, cpuUs, emit, isolatedEnv, round, signIn } from './common.ts';

const PEOPLE = Number(process.argv[2] ?? 1_000_000);
const COMMUNITIES = 200;
const CONNECTIONS = 50;
const SECONDS = 10;
const PROCESSES = apiProcessCount();

function load(
  url: string,
  cookie: string,
): Promise<{
  requestsPerSec: number;
  requestsTotal: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/load.ts', url, cookie, String(CONNECTIONS), String(SECONDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(out)),
    );
  });
}

async function main() {
  const pg = await createTestDatabaseUrl();
  const dir = mkdtempSync(join(tmpdir(), 'shequ-bench-search-'));
  const env = isolatedEnv({ SHEQU_DATA_DIR: dir, DATABASE_URL: pg.url });
  const extra: ChildProcess[] = [];
  const platform = await openPlatform(loadConfig(env), {
    role: 'bench',
  });
  const app = await buildServer(platform, { loginRateLimit: 1_000_000 });
  try {
    const { db } = platform.database;
    const t0 = performance.now();
    await db.execute(sql`
      insert into tenancy.regions (parent_id, level, code, name, path)
      select s.id, 'community', 'bench' || g, '基准社区' || g, s.path || gen_random_uuid() || '/'
      from generate_series(1, ${COMMUNITIES - 1}) g, tenancy.regions s where s.code = '330106001'`);
    const communities = await queryRows<{ id: string }>(
      db,
      sql`select id from tenancy.regions where level = 'community' order by code`,
    );
    await db.execute(sql`
      with c as (select array_agg(id order by id) ids from tenancy.regions where level = 'community'),
           n as (select '{王,李,张,刘,陈,杨,黄,赵,吴,周,徐,孙,马,朱,胡,郭,何,林,罗,高}'::text[] s,
                        '{伟,芳,娜,敏,静,丽,强,磊,军,洋,勇,艳,杰,娟,涛,明,超,秀,英,霞}'::text[] g)
      insert into base.people (community_id, name, id_type, id_number_cipher, id_number_index, id_number_masked, gender,
        birth_date, phone_cipher, phone_index, phone_masked, category, created_by, updated_by)
      select c.ids[1 + i % ${COMMUNITIES}], n.s[1 + floor(random() * 20)::int] || n.g[1 + floor(random() * 20)::int] || n.g[1 + floor(random() * 20)::int],
        'id_card', 'bench', md5(i::text), '330106********' || lpad((i % 10000)::text, 4, '0'), 'unknown', null,
        'bench', md5('p' || i), '138****' || lpad((i % 10000)::text, 4, '0'), 'resident', 'bench', 'bench'
      from generate_series(1, ${PEOPLE}) i, c, n`);
    await db.execute(sql`analyze base.people`);
    const loadMs = performance.now() - t0;
    const listen = { port: 0, host: '127.0.0.1', reusePort: PROCESSES > 1 };
    await app.listen(listen);
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const base = `http://127.0.0.1:${port}`;
    for (let i = 1; i < PROCESSES; i++) extra.push(await apiProcess(port, env));
    const cookie = await signIn(base, 'operator', DEMO_PASSWORD);
    const me = await platform.auth.principal(decodeURIComponent(cookie.split('=')[1]));
    await acknowledgeConfidentiality(db, { subject: me!.userId });
    const q = (input: object) =>
      `${base}/api/trpc/base.people.list?input=${encodeURIComponent(JSON.stringify({ community: 'demo', ...input }))}`;
    const check = (await (await fetch(q({ namePrefix: '王', limit: 50 }), { headers: { cookie } })).json()) as {
      result: { data: { items: unknown[] } };
    };
    const found = check.result.data.items.length;
    // The API processes' own CPU per request (user + system, from /proc): steadier than throughput on a shared
    // machine.
    const apiCpuUs = () => [process.pid, ...extra.map((c) => c.pid!)].reduce((sum, pid) => sum + cpuUs(pid), 0);
    const measured = async (url: string) => {
      const before = apiCpuUs();
      const r = await load(url, cookie);
      const cpu = apiCpuUs() - before;
      const requests = Math.max(1, r.requestsTotal);
      return { ...r, serverCpuUsPerRequest: round(cpu / requests, 0) };
    };
    const prefix = await measured(q({ namePrefix: '王', limit: 20 }));
    const page = await measured(q({ limit: 50 }));
    console.log(
      `== people search on PostgreSQL: ${PEOPLE} people in ${communities.length} communities (loaded in ${round(loadMs / 1000, 1)} s), ${PROCESSES} API process(es), ${CONNECTIONS} connections × ${SECONDS} s ==`,
    );
    console.log(
      `  name prefix "王" (20 rows, ${found} on a 50-row page)  ${round(prefix.requestsPerSec, 0)} req/s, p50 ${prefix.p50Ms} ms, p99 ${prefix.p99Ms} ms, server CPU ${prefix.serverCpuUsPerRequest} µs/request, errors ${prefix.errors + prefix.non2xx} — goal p99 < 30 ms: ${prefix.p99Ms < 30 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `  masked list page of 50 rows           ${round(page.requestsPerSec, 0)} req/s, p50 ${page.p50Ms} ms, p99 ${page.p99Ms} ms, server CPU ${page.serverCpuUsPerRequest} µs/request, errors ${page.errors + page.non2xx} — goal p99 < 40 ms: ${page.p99Ms < 40 ? 'MET' : 'NOT MET'}`,
    );
    emit('search', {
      people: PEOPLE,
      apiProcesses: PROCESSES,
      communities: communities.length,
      loadMs: round(loadMs, 0),
      prefix,
      page,
      prefixGoalMet: prefix.p99Ms < 30,
      pageGoalMet: page.p99Ms < 40,
    });
  } finally {
    for (const c of extra) c.kill('SIGTERM');
    await app.close();
    await platform.close();
    await pg.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`search bench failed: ${String((err as Error).message).slice(0, 500)}`);
    process.exit(1);
  },
);
