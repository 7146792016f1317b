// Federation (DB33 8.1.1) across three running platforms on loopback: province → city → community. An app published
// and approved at the province reaches a community's residents two levels down; a kill at the province disables it
// there after the syncs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { communityDate, loadConfig, openPlatform, type Platform } from '@shequ/core';
import { marketDownstreamReports, marketListings } from '@shequ/db';
import { loadPlatformKey } from '@shequ/marketplace';
import { generatePublisherKey, openPluginRuntime, type PluginRuntime, packPlugin, signPackage } from '@shequ/runtime';
import { catalogIndexProblems } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './server.ts';
import { apiTestClient } from './testing.ts';

const adminToken = 'test-admin-token-federation-0123456789';

const manifest = (version: string) => ({
  id: 'org.zj.hello',
  version,
  name: { zh: '浙里问候', en: 'Zhejiang hello' },
  description: { zh: '省级目录发布的问候应用', en: 'A greeting app from the provincial catalog' },
  scenario: 'services',
  sdk: '^0.1.0',
  handlers: { hello: { roles: ['resident', 'operator'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '问候', en: 'Hello' },
      source: { handler: 'hello' },
      columns: [{ field: 'text', title: { zh: '内容', en: 'Text' } }],
    },
  },
});
const bundle = 'globalThis.__shequPlugin = { plugin: { handlers: { hello: () => [{ text: "省里问好" }] } } };';

/** Answers of tRPC calls: untyped JSON, as in the other API suites. */
type Json = ReturnType<typeof JSON.parse>;

interface Instance {
  name: string;
  dir: string;
  platform: Platform;
  runtime: PluginRuntime;
  app: FastifyInstance;
  url: string;
  client: ReturnType<typeof apiTestClient>;
  call(who: string, path: string, input: unknown, kind?: 'query' | 'mutation'): Promise<{ data: Json; error: Json }>;
  keyId(): Promise<string>;
  close(): Promise<void>;
}

async function startInstance(catalogId: string): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), `shequ-fed-${catalogId}-`));
  const platform = await openPlatform(
    loadConfig({
      SHEQU_DATA_DIR: dir,
      SHEQU_LOG_LEVEL: 'silent',
      SHEQU_CATALOG_ID: catalogId,
      SHEQU_UPSTREAM_HOSTS: '127.0.0.1',
    }),
    { role: 'test' },
  );
  const runtime = await openPluginRuntime(platform);
  const app = await buildServer(platform, { adminToken, plugins: runtime.host });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const client = apiTestClient(() => app, adminToken);
  return {
    name: catalogId,
    dir,
    platform,
    runtime,
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    client,
    async call(who, path, input, kind = 'mutation') {
      const res = await client.send(who, path, input, kind);
      const body = res.json();
      return { data: body.result?.data, error: body.error?.data };
    },
    async keyId() {
      return (await loadPlatformKey(platform.database.db, platform.crypto)).keyId;
    },
    async close() {
      await app.close();
      await runtime.close();
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('federation: province → city → community', () => {
  let province: Instance;
  let city: Instance;
  let community: Instance;
  const key = generatePublisherKey();
  const upstreamOf: Record<string, string> = {};

  before(async () => {
    province = await startInstance('zj-province');
    city = await startInstance('hz-city');
    community = await startInstance('xh-community');
    await community.client.login('operator', 'resident');
  });
  after(async () => {
    for (const i of [community, city, province]) await i?.close();
  });

  const sync = async (i: Instance) => {
    const r = await i.call('cli', 'market.upstreams.syncNow', { id: upstreamOf[i.name] });
    assert.ok(r.data, `${i.name} sync: ${JSON.stringify(r.error)}`);
    return r.data as { added: string[]; killed: string[]; serial: number; ms: number };
  };
  const invoke = (i: Instance) =>
    i.call('resident', 'plugins.invoke', { community: 'demo', pluginId: 'org.zj.hello', handler: 'hello', input: {} });

  /** Runs the `shequ` CLI against an instance, as its administrator would. */
  const shequ = (i: Instance, ...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--no-node-snapshot',
          fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url)),
          ...args,
          '--url',
          i.url,
          '--token',
          adminToken,
        ],
        { env: { ...process.env, SHEQU_DATA_DIR: i.dir, SHEQU_LOG_LEVEL: 'silent' } },
        (err, out, errText) => resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errText }),
      );
    });

  test('published at the province, the app reaches a resident of a community that follows the city', async () => {
    // The province: a publisher submits, a reviewer approves and shelves.
    await province.call('cli', 'market.createPublisher', { slug: 'org.zj', name: { zh: '浙江', en: 'Zhejiang' } });
    await province.call('cli', 'market.addKey', { publisher: 'org.zj', publicKey: key.publicKeyPem, keyId: key.keyId });
    const up = await province.app.inject({
      method: 'POST',
      url: '/api/market/packages',
      payload: packPlugin(
        signPackage({ 'shequ.plugin.json': JSON.stringify(manifest('1.0.0')), 'bundle.js': bundle }, key.privateKeyPem),
      ),
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
    });
    assert.equal(up.statusCode, 200, up.body);
    const id = up.json().submissionId;
    for (const step of ['claim', 'approve', 'shelve'])
      assert.ok((await province.call('cli', `market.${step}`, { id })).data, step);

    // The province serves its signed index (valid against the JSON Schema) and the archives it names, without sign-in.
    const served = await province.app.inject({ url: '/api/market/index' });
    assert.equal(served.statusCode, 200);
    assert.deepEqual(catalogIndexProblems(served.json()), []);
    assert.equal(served.json().index.catalogId, 'zj-province');
    const v = served.json().index.apps[0].versions[0];
    assert.deepEqual([v.version, v.state, v.killed], ['1.0.0', 'on_shelf', false]);
    const archive = await province.app.inject({ url: '/api/market/packages/org.zj.hello/1.0.0' });
    assert.equal(createHash('sha256').update(archive.rawPayload).digest('hex'), v.sha256);
    assert.equal((await province.app.inject({ url: '/api/market/packages/org.zj.hello/9.9.9' })).statusCode, 404);

    // The city follows the province, pinning the province's catalog key (its id carries the fingerprint).
    const followCity = await city.call('cli', 'market.upstreams.add', {
      url: province.url,
      key: await province.keyId(),
    });
    assert.ok(followCity.data, JSON.stringify(followCity.error));
    upstreamOf[city.name] = followCity.data.id;
    assert.deepEqual((await sync(city)).added, ['org.zj.hello@1.0.0']);

    // The community follows the city (the city's own key: it re-signs what it follows).
    const followCommunity = await community.call('cli', 'market.upstreams.add', {
      url: city.url,
      key: await city.keyId(),
    });
    upstreamOf[community.name] = followCommunity.data.id;
    const r = await sync(community);
    assert.deepEqual(r.added, ['org.zj.hello@1.0.0']);
    const [listing] = await community.platform.database.db
      .select()
      .from(marketListings)
      .where(eq(marketListings.pluginId, 'org.zj.hello'));
    assert.equal(listing.source, 'hz-city');
    const list = await community.call('cli', 'market.upstreams.list', undefined, 'query');
    assert.equal(list.data[0].catalogId, 'hz-city');
    assert.equal(list.data[0].lastError, null);

    // Installed into the demo community there; a resident calls it through the API.
    const inst = await community.call('operator', 'market.install', {
      pluginId: 'org.zj.hello',
      communities: ['demo'],
    });
    assert.equal(inst.data?.communities, 1, JSON.stringify(inst.error));
    const called = await invoke(community);
    assert.deepEqual(called.data, [{ text: '省里问好' }], JSON.stringify(called.error));
    // Residents may not manage upstreams.
    const denied = await community.call('resident', 'market.upstreams.list', undefined, 'query');
    assert.equal(denied.error.appCode, 'FORBIDDEN');
  });

  test('a kill at the province disables the install two levels down after the syncs', async () => {
    const kill = await province.call('cli', 'market.kill', {
      pluginId: 'org.zj.hello',
      version: '1.0.0',
      reason: '发现安全问题',
    });
    assert.ok(kill.data, JSON.stringify(kill.error));
    const started = Date.now();
    assert.deepEqual((await sync(city)).killed, ['org.zj.hello@1.0.0']);
    assert.deepEqual((await sync(community)).killed, ['org.zj.hello@1.0.0']);
    const ms = Date.now() - started;
    console.log(`federation: kill at the province reached the community in ${ms} ms (two syncs)`);
    const called = await invoke(community);
    assert.ok(called.error, 'the resident can no longer call the killed app');
    const apps = await community.call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'query');
    assert.ok(!apps.data.some((a: { pluginId: string }) => a.pluginId === 'org.zj.hello'));
    const installs = await community.call('operator', 'market.installs', { community: 'demo' }, 'query');
    const row = (installs.data ?? []).find((a: { pluginId: string }) => a.pluginId === 'org.zj.hello');
    if (row) assert.notEqual(row.state, 'enabled');
    // The community's admin cannot list the killed version again.
    const again = await community.call('operator', 'market.setEnabled', {
      community: 'demo',
      pluginId: 'org.zj.hello',
      enabled: true,
    });
    assert.equal(again.error?.appCode, 'CONFLICT');
  });

  test('operations reports (8.1.2) go up: community → city, stored once, shown to the city’s district official', async () => {
    const today = communityDate();
    // The city's administrator registers the community's catalog from a terminal, with the key the community's
    // operators read off `shequ market key` (the fingerprint).
    const communityKey = JSON.parse((await shequ(community, 'market', 'key', '--json')).out);
    const noKey = await shequ(city, 'market', 'downstreams', 'add', '--id', 'xh-community', '--name', '西湖社区目录');
    assert.equal(noKey.code, 2);
    const reg = await shequ(
      city,
      ...['market', 'downstreams', 'add', '--id', 'xh-community', '--name', '西湖社区目录'],
      ...['--key', communityKey.fingerprint, '--region', '330106', '--json'],
    );
    assert.equal(reg.code, 0, reg.err);
    assert.equal(JSON.parse(reg.out).keyFingerprint, communityKey.fingerprint);
    const again = await shequ(
      city,
      'market',
      'downstreams',
      'add',
      '--id',
      'xh-community',
      '--name',
      'x',
      '--key',
      communityKey.fingerprint,
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /已登记下级目录 xh-community/);
    // The community's administrator pushes today's report now, naming the upstream by its catalog id.
    const first = await shequ(community, 'market', 'send-report', '--upstream', 'hz-city', '--day', today, '--json');
    assert.equal(first.code, 0, first.err);
    assert.deepEqual([JSON.parse(first.out).status, JSON.parse(first.out).day], ['delivered', today]);
    const send = () =>
      community.call('cli', 'market.upstreams.sendReport', { id: upstreamOf[community.name], day: today });
    assert.equal((await send()).data?.status, 'duplicate');
    const listed = await shequ(city, 'market', 'downstreams', 'list');
    assert.equal(listed.code, 0, listed.err);
    assert.match(
      listed.out,
      new RegExp(`xh-community\\s+西湖社区目录  key ${communityKey.fingerprint}  last report 20`),
    );
    const unknown = await shequ(community, 'market', 'send-report', '--upstream', 'nb-city');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no followed upstream with id or catalog id nb-city/);
    const stored = await city.platform.database.db.select().from(marketDownstreamReports);
    assert.deepEqual(
      stored.map((r) => [r.catalogId, r.day]),
      [['xh-community', today]],
    );
    const log = await community.call('cli', 'market.upstreams.deliveries', undefined, 'query');
    assert.deepEqual(
      log.data.map((d: { status: string }) => d.status),
      ['duplicate', 'delivered'],
    );

    // The city's government roles: the district official sees the community's figures, the street official not.
    await city.client.login('district', 'gov');
    const win = { from: today, to: today };
    const seen = await city.call('district', 'market.downstreamReports', win, 'query');
    assert.equal(seen.data?.[0]?.catalogId, 'xh-community', JSON.stringify(seen.error));
    const hello = seen.data[0].days[0].perApp.find((a: { pluginId: string }) => a.pluginId === 'org.zj.hello');
    assert.ok(hello?.calls >= 1, JSON.stringify(seen.data[0].days[0]));
    assert.deepEqual((await city.call('gov', 'market.downstreamReports', win, 'query')).data, []);

    // Refused at the city's door: a tampered report, a body that is not JSON, an oversized body.
    const signed = (await community.app.inject({ url: `/api/market/operations-report?day=${today}` })).json();
    signed.report.apps[0].calls += 1000;
    const push = (payload: string) =>
      city.app.inject({
        method: 'POST',
        url: '/api/market/operations-reports',
        payload,
        headers: { 'content-type': 'application/json' },
      });
    const tampered = await push(JSON.stringify(signed));
    assert.equal(tampered.statusCode, 403);
    assert.match(tampered.json().error.messageZh, /签名无效/);
    const junk = await push('{not json');
    assert.equal(junk.statusCode, 400);
    assert.match(junk.json().error.messageEn, /malformed/);
    const huge = await push(JSON.stringify({ report: { pad: 'x'.repeat(5 * 1024 * 1024) }, signature: 'x' }));
    assert.equal(huge.statusCode, 400);
    assert.match(huge.json().error.messageEn, /over the 4 MB limit/);
    assert.equal((await city.platform.database.db.select().from(marketDownstreamReports)).length, 1);

    // Removed at the city, the community's reports are refused (403) and the CLI says so with exit code 1.
    const downId = JSON.parse(reg.out).id;
    const removed = await shequ(city, 'market', 'downstreams', 'remove', downId);
    assert.equal(removed.code, 0, removed.err);
    const refused = await shequ(community, 'market', 'send-report', '--upstream', upstreamOf[community.name]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /HTTP 403\): 目录 xh-community 未登记为本目录的下级/);
    const after = JSON.parse((await shequ(city, 'market', 'downstreams', 'list', '--json')).out);
    assert.deepEqual(
      after.map((d: { catalogId: string; active: boolean }) => [d.catalogId, d.active]),
      [['xh-community', false]],
    );
  });

  test('CLI: shequ market key | follow --key | upstreams | sync | unfollow, with an upstream that is down', async () => {
    const key = await shequ(city, 'market', 'key', '--json');
    assert.equal(key.code, 0, key.err);
    const k = JSON.parse(key.out);
    assert.equal(k.catalogId, 'hz-city');
    assert.equal(`platform-${k.fingerprint}`, await city.keyId());
    const sync = await shequ(community, 'market', 'sync');
    assert.equal(sync.code, 0, sync.err);
    assert.match(sync.out, /synced hz-city serial \d+/);
    // Following a catalog that is down: added (the key is pinned), the first sync fails with the reason, kept.
    const follow = await shequ(community, 'market', 'follow', 'http://127.0.0.1:9', '--key', k.fingerprint);
    assert.equal(follow.code, 0, follow.err);
    assert.match(follow.err, /cannot be reached/);
    const list = await shequ(community, 'market', 'upstreams');
    assert.match(list.out, /hz-city/);
    assert.match(list.out, /无法连接/);
    const id = /^(\S+)\s+http:\/\/127\.0\.0\.1:9\b/m.exec(list.out)?.[1];
    assert.ok(id, list.out);
    const failed = await shequ(community, 'market', 'sync', id);
    assert.equal(failed.code, 1);
    const off = await shequ(community, 'market', 'unfollow', id);
    assert.equal(off.code, 0, off.err);
    const noKey = await shequ(community, 'market', 'follow', 'http://127.0.0.1:9');
    assert.equal(noKey.code, 2);
  });
});
