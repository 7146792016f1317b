// Marketplace federation figures (DB33 8.1.1; two PostgreSQL databases at 127.0.0.1:5432, loopback HTTP): an
// upstream catalog of 200 apps on its shelf; the time to issue its signed index, a follower's first sync taking all
// 200 (each package fetched, sha256 and signature checked, registered, stored in one transaction), a sync with no
// changes, and a sync carrying one upstream kill. Usage: node --no-node-snapshot bench/federation.ts
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createLogger, FieldCrypto, MemoryChannel, parseKeyring, seedDemo } from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres } from '@shequ/db';
import {
  addPublisherKey,
  addUpstream,
  catalogPackage,
  createPublisher,
  issueIndex,
  killVersion,
  loadPlatformKey,
  type Market,
  submitPackage,
  syncUpstream,
} from '@shequ/marketplace';
import {
  coreCapabilities,
  generatePublisherKey,
  PluginHost,
  packPlugin,
  SandboxPool,
  signPackage,
} from '@shequ/runtime';
import { sql } from 'drizzle-orm';
import { emit, median, round } from './common.ts';

const APPS = 200;

async function catalog(id: string, withHost: boolean) {
  const target = await createTestDatabaseUrl();
  const database = await openPostgres(target.url);
  await migrate(database);
  const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
  await seedDemo(database.db, crypto);
  const pool = withHost ? new SandboxPool({ size: 1 }) : undefined;
  const host = pool
    ? new PluginHost(
        database,
        pool,
        coreCapabilities({ db: database.db, crypto, channel: new MemoryChannel() }),
        createLogger(tmpdir(), 'silent'),
      )
    : undefined;
  const market: Market = { database, crypto, host, catalog: { id, upstreamHosts: ['127.0.0.1'] } };
  return {
    market,
    async close() {
      await host?.close();
      await pool?.close();
      await database.close();
      await target.drop();
    },
  };
}

const province = await catalog('bench-province', false);
const city = await catalog('bench-city', true);
const admin = { subject: 'bench', admin: true };
await createPublisher(province.market, admin, { slug: 'org.fed', name: { zh: '联邦压测', en: 'Federation bench' } });
const key = generatePublisherKey();
await addPublisherKey(province.market, admin, 'org.fed', key.publicKeyPem, key.keyId);
const manifest = (i: number) => ({
  id: `org.fed.app${i}`,
  version: '1.0.0',
  name: { zh: `应用${i}`, en: `App ${i}` },
  description: { zh: '联邦压测用应用', en: 'An app for the federation benchmark' },
  scenario: 'services',
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
for (let i = 0; i < APPS; i++)
  await submitPackage(
    province.market,
    admin,
    packPlugin(
      signPackage({ 'shequ.plugin.json': JSON.stringify(manifest(i)), 'bundle.js': bundle }, key.privateKeyPem),
    ),
  );
await province.market.database.db.execute(
  sql`update market.submissions set state = 'on_shelf' where state = 'submitted'`,
);

const server = createServer(async (req, res) => {
  try {
    if (req.url === '/api/market/index') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(await issueIndex(province.market)));
      return;
    }
    const m = /^\/api\/market\/packages\/([^/]+)\/([^/]+)$/.exec(req.url ?? '');
    if (!m) throw new Error('not found');
    res.end((await catalogPackage(province.market, decodeURIComponent(m[1]), decodeURIComponent(m[2]))).archive);
  } catch {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const issue: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await issueIndex(province.market);
  issue.push(performance.now() - t);
}
console.log(`signed index of ${APPS} apps issued in ${round(median(issue))} ms (median of 20)`);

const provinceKey = await loadPlatformKey(province.market.database.db, province.market.crypto);
const up = await addUpstream(city.market, admin, { url, key: provinceKey.keyId });
const first = await syncUpstream(city.market, admin, up.id);
console.log(`first sync: ${first.added.length} versions taken in ${first.ms} ms`);
const idle: number[] = [];
for (let i = 0; i < 5; i++) idle.push((await syncUpstream(city.market, admin, up.id)).ms);
console.log(`sync with no changes: ${round(median(idle))} ms (median of 5)`);
await killVersion(province.market, admin, 'org.fed.app7', '1.0.0', 'bench');
const kill = await syncUpstream(city.market, admin, up.id);
console.log(`sync carrying one upstream kill: ${kill.ms} ms (killed ${kill.killed.join(', ')})`);

emit('federation', {
  apps: APPS,
  indexIssueMs: round(median(issue)),
  firstSyncMs: first.ms,
  firstSyncVersions: first.added.length,
  idleSyncMs: round(median(idle)),
  killSyncMs: kill.ms,
});
server.close();
await city.close();
await province.close();
process.exit(first.added.length === APPS && kill.killed.length === 1 ? 0 : 1);
