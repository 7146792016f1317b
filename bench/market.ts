// Marketplace figures (PostgreSQL at 127.0.0.1:5432): install one app from the shelf into 1,000 communities in one
// call (goal ≤ 10 s), and browse a catalog of 500 apps on the shelf (goal p99 < 50 ms over search, scenario and
// plain pages). Usage: node --no-node-snapshot bench/market.ts
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createLogger, FieldCrypto, MemoryChannel, parseKeyring, seedDemo } from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres, pluginInstalls, regions } from '@shequ/db';
import {
  addPublisherKey,
  browse,
  createPublisher,
  installFromShelf,
  type Market,
  moveSubmission,
  submitPackage,
} from '@shequ/marketplace';
import {
  coreCapabilities,
  generatePublisherKey,
  PluginHost,
  packPlugin,
  SandboxPool,
  signPackage,
} from '@shequ/runtime';
import { scenarios } from '@shequ/schemas';
import { eq, sql } from 'drizzle-orm';
import { emit, round } from './common.ts';

const COMMUNITIES = 1000;
const APPS = 500;
const BROWSES = 300;

const target = await createTestDatabaseUrl();
const database = await openPostgres(target.url);
await migrate(database);
const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
await seedDemo(database.db, crypto);
const db = database.db;
const [demo] = await db.select().from(regions).where(eq(regions.code, 'demo'));
const parentPath = demo.path.split(demo.id)[0];
await db.execute(sql`
  with ids as (select gen_random_uuid() as id, i from generate_series(1, ${COMMUNITIES}) as i)
  insert into tenancy.regions (id, parent_id, level, code, name, path)
  select id, ${demo.parentId}::uuid, 'community', 'bench-' || i, '压测社区' || i, ${parentPath} || id::text || '/' from ids`);
const communities = (await db.select({ id: regions.id }).from(regions).where(sql`${regions.code} like 'bench-%'`)).map(
  (r) => r.id,
);

const pool = new SandboxPool({ size: 1 });
const host = new PluginHost(
  database,
  pool,
  coreCapabilities({ db, crypto, channel: new MemoryChannel() }),
  createLogger(tmpdir(), 'silent'),
);
const market: Market = { database, crypto, host };
const admin = { subject: 'bench', admin: true };
await createPublisher(market, admin, { slug: 'org.bench', name: { zh: '压测', en: 'Bench' } });
const key = generatePublisherKey();
await addPublisherKey(market, admin, 'org.bench', key.publicKeyPem, key.keyId);
const manifest = (i: number) => ({
  id: `org.bench.app${i}`,
  version: '1.0.0',
  name: { zh: `应用${i} ${['养老', '停车', '议事', '健康', '托育'][i % 5]}`, en: `App ${i}` },
  description: { zh: '压测用应用', en: 'An app for the benchmark' },
  scenario: scenarios[i % scenarios.length],
  sdk: '^0.1.0',
  handlers: { hello: { roles: ['resident'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '首页', en: 'Home' },
      source: { handler: 'hello' },
      columns: [{ field: 'text', title: { zh: '内容', en: 'Text' } }],
    },
  },
});
const bundle = 'globalThis.__shequPlugin = { plugin: { handlers: { hello: () => [] } } };';
const archive = (i: number) =>
  packPlugin(signPackage({ 'shequ.plugin.json': JSON.stringify(manifest(i)), 'bundle.js': bundle }, key.privateKeyPem));

// The app installed everywhere goes the whole way through review onto the shelf.
const first = await submitPackage(market, admin, archive(0));
for (const m of ['claim', 'approve', 'shelve'] as const) await moveSubmission(market, admin, first.submissionId, m);

let t = performance.now();
const installed = await installFromShelf(market, admin, { pluginId: 'org.bench.app0', communityIds: communities });
const installMs = performance.now() - t;
const [{ n }] = await db
  .select({ n: sql<number>`count(*)::int` })
  .from(pluginInstalls)
  .where(eq(pluginInstalls.pluginId, 'org.bench.app0'));
console.log(
  `installed org.bench.app0 into ${installed.communities} communities in ${Math.round(installMs)} ms (${n} rows)`,
);

// The rest of the catalog: submitted through the service without the sandbox check (not what is measured), then
// set on the shelf directly.
t = performance.now();
const lean: Market = { database, crypto };
for (let i = 1; i < APPS; i++) await submitPackage(lean, admin, archive(i));
await db.execute(sql`update market.submissions set state = 'on_shelf' where state = 'submitted'`);
console.log(`catalog of ${APPS} apps filled in ${Math.round((performance.now() - t) / 1000)} s`);
// Ratings and reviews: each of the 1,000 communities reviewed up to 20 apps (one review per community and app), some
// hidden, so the browse aggregate and sort by rating work over ~20,000 rows.
await db.execute(sql`
  insert into market.app_reviews (plugin_id, community_id, rating, body, version, author)
  select 'org.bench.app' || ((c.i * 7 + k) % ${APPS}), c.id, 1 + ((c.i + k) % 5), '压测评价', '1.0.0', 'bench'
  from (select id, row_number() over (order by id) as i from tenancy.regions where code like 'bench-%') c
  cross join generate_series(0, 19) as k`);
await db.execute(sql`
  update market.app_reviews set hidden_at = now(), hidden_by = 'bench', hidden_reason = '压测隐藏' where rating = 1 and random() < 0.1`);
await db.execute(sql`analyze`);

const queries = [
  {},
  { q: '养老' },
  { scenario: 'health' },
  { q: 'app1', scenario: 'services' },
  { offset: 240 },
  { sort: 'rating' as const },
  { sort: 'rating' as const, scenario: 'education' },
];
const latencies: number[] = [];
let total = 0;
for (let i = 0; i < BROWSES; i++) {
  const q = queries[i % queries.length];
  t = performance.now();
  const r = await browse(market, q);
  latencies.push(performance.now() - t);
  if (i === 0) total = r.total;
}
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
console.log(`browse over ${total} apps on the shelf: p50 ${round(pct(50))} ms, p99 ${round(pct(99))} ms`);
emit('market', {
  communities: installed.communities,
  installMs: Math.round(installMs),
  installGoalMs: 10_000,
  catalogApps: total,
  browseP50Ms: round(pct(50)),
  browseP99Ms: round(pct(99)),
  browseGoalP99Ms: 50,
});
await host.close();
await pool.close();
await database.close();
await target.drop();
process.exit(installMs <= 10_000 && pct(99) < 50 && total === APPS ? 0 : 1);
