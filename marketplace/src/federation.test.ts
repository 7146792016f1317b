import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AppError } from '@shequ/core';
import {
  auditLog,
  marketFederatedVersions,
  marketKills,
  marketListings,
  marketSubmissions,
  marketUpstreams,
  pluginInstalls,
  testEngines,
} from '@shequ/db';
import { generatePublisherKey, keyFingerprint, publicKeyText } from '@shequ/runtime';
import type { CatalogIndex, CatalogIndexVersion } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import { browse } from './catalog.ts';
import { issueIndex } from './federation-index.ts';
import { syncUpstream } from './federation-sync.ts';
import { addUpstream, checkUpstreamUrl, listUpstreams, parsePinnedKey } from './federation-upstreams.ts';
import { installFromShelf } from './installs.ts';
import { canonicalJson, signBody } from './platform-key.ts';
import { marketFixture, signedArchive } from './testing.ts';
import { moveSubmission } from './workflow.ts';

const is = (code: string, pattern?: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.messageEn, pattern);
  return true;
};

/** A fake upstream catalog on loopback: its own catalog key, packages, and an index the test shapes. */
function fakeUpstream() {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = publicKeyText(pair.publicKey);
  const catalogKey = { keyId: `platform-${keyFingerprint(pair.publicKey)}`, publicKey, privateKey: pair.privateKey };
  const publisher = generatePublisherKey();
  const packages = new Map<string, Buffer>();
  const states = new Map<string, { state: 'on_shelf' | 'off_shelf'; killed: boolean }>();
  let serial = 0;
  let override: ((index: CatalogIndex) => unknown) | null = null;
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/market/index') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(up.signed()));
      return;
    }
    const m = /^\/api\/market\/packages\/([^/]+)\/([^/]+)$/.exec(req.url ?? '');
    const pkg = m && packages.get(`${decodeURIComponent(m[1])}@${decodeURIComponent(m[2])}`);
    if (!pkg) {
      res.statusCode = 404;
      res.end('{}');
      return;
    }
    res.end(pkg);
  });
  const up = {
    server,
    catalogKey,
    url: '',
    publish(version: string, state: 'on_shelf' | 'off_shelf' = 'on_shelf') {
      packages.set(`org.acme.board@${version}`, signedArchive(publisher.privateKeyPem, version));
      states.set(version, { state, killed: false });
    },
    set(version: string, s: Partial<{ state: 'on_shelf' | 'off_shelf'; killed: boolean }>) {
      states.set(version, { ...(states.get(version) ?? { state: 'on_shelf', killed: false }), ...s });
    },
    index(over: Partial<CatalogIndex> = {}): CatalogIndex {
      serial += 1;
      const versions: CatalogIndexVersion[] = [...states.entries()].map(([version, s]) => {
        const archive = packages.get(`org.acme.board@${version}`) as Buffer;
        return {
          version,
          sha256: createHash('sha256').update(archive).digest('hex'),
          bytes: archive.length,
          signedBy: publisher.keyId,
          publisherKey: publicKeyText(publisher.publicKeyPem),
          state: s.killed ? 'off_shelf' : s.state,
          killed: s.killed,
          ...(s.killed ? { killReason: '数据泄露' } : {}),
        };
      });
      const now = Date.now();
      return {
        format: 'shequ-catalog-index/1',
        catalogId: 'zj-province',
        keyId: catalogKey.keyId,
        publicKey,
        serial,
        issuedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 3600_000).toISOString(),
        apps: versions.length
          ? [
              {
                appId: 'org.acme.board',
                name: { zh: '公告栏', en: 'Board' },
                description: { zh: '社区公告', en: 'Community notices' },
                scenario: 'neighbourhood',
                publisher: { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } },
                versions,
              },
            ]
          : [],
        ...over,
      };
    },
    sign(index: CatalogIndex) {
      return { index, signature: signBody(catalogKey, canonicalJson(index)) };
    },
    signed() {
      const index = up.index();
      return override ? override(index) : up.sign(index);
    },
    /** The next index served is shaped by `fn` (then back to normal). */
    once(fn: (index: CatalogIndex) => unknown) {
      override = (index) => {
        override = null;
        return fn(index);
      };
    },
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
  return up;
}

for (const engine of testEngines()) {
  describe(`marketplace federation (DB33 8.1.1) [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const upstream = fakeUpstream();
    const admin = { subject: 'city-admin', admin: true };
    const operator = { subject: 'operator-user' };
    let upstreamId = '';
    /** The local shelf as followers see it, to compare before and after a refused sync. */
    const shelfState = async () => {
      const subs = await fx.database.db
        .select({ v: marketSubmissions.version, s: marketSubmissions.state })
        .from(marketSubmissions)
        .where(eq(marketSubmissions.pluginId, 'org.acme.board'));
      const kills = await fx.database.db.select({ v: marketKills.version }).from(marketKills);
      return JSON.stringify({ subs: subs.sort((a, b) => a.v.localeCompare(b.v)), kills });
    };
    const lastError = async () =>
      (await fx.database.db.select().from(marketUpstreams).where(eq(marketUpstreams.id, upstreamId)))[0].lastError;

    before(async () => {
      fx = await marketFixture(engine);
      fx.market.catalog = { id: 'hz-city', upstreamHosts: ['127.0.0.1'], timeoutMs: 2000 };
      await upstream.start();
    });
    after(async () => {
      upstream.server.close();
      await fx?.close();
    });

    test('upstream URLs need the allow-list and HTTPS (plain HTTP only on loopback); keys must be pinned', async () => {
      assert.throws(() => checkUpstreamUrl('http://example.org', ['example.org']), is('INVALID_INPUT', /HTTPS/));
      assert.throws(() => checkUpstreamUrl('https://evil.example', ['example.org']), is('INVALID_INPUT', /allow-list/));
      assert.throws(() => checkUpstreamUrl('https://u:p@example.org', ['example.org']), is('INVALID_INPUT'));
      assert.equal(checkUpstreamUrl('https://example.org/cat/', ['example.org']), 'https://example.org/cat');
      assert.throws(() => parsePinnedKey('not a key at all, no'), is('INVALID_INPUT', /fingerprint/));
      assert.equal(parsePinnedKey(upstream.catalogKey.keyId).fingerprint, upstream.catalogKey.keyId.slice(9));
      await assert.rejects(
        addUpstream(fx.market, admin, { url: 'http://10.0.0.1:80', key: upstream.catalogKey.keyId }),
        is('INVALID_INPUT'),
      );
    });

    test('a signed index from the pinned key lists the upstream app here with source = the upstream', async () => {
      upstream.publish('1.0.0');
      const added = await addUpstream(fx.market, admin, { url: upstream.url, key: upstream.catalogKey.keyId });
      upstreamId = added.id;
      const r = await syncUpstream(fx.market, admin, upstreamId);
      assert.deepEqual(r.added, ['org.acme.board@1.0.0']);
      assert.equal(r.catalogId, 'zj-province');
      const [listing] = await fx.database.db
        .select()
        .from(marketListings)
        .where(eq(marketListings.pluginId, 'org.acme.board'));
      assert.equal(listing.source, 'zj-province');
      const shelf = await browse(fx.market);
      assert.deepEqual(
        shelf.apps.map((a) => [a.pluginId, a.version, a.source]),
        [['org.acme.board', '1.0.0', 'zj-province']],
      );
      const [u] = await listUpstreams(fx.market);
      assert.equal(u.lastError, null);
      assert.equal(u.catalogId, 'zj-province');
      // This catalog re-issues what it follows in its own index (signed by its own key), for the next level down.
      const own = await issueIndex(fx.market);
      assert.equal(own.index.catalogId, 'hz-city');
      assert.deepEqual(
        own.index.apps[0].versions.map((v) => [v.version, v.state, v.killed]),
        [['1.0.0', 'on_shelf', false]],
      );
      const again = await issueIndex(fx.market);
      assert.ok(again.index.serial > own.index.serial, 'each issued index has a higher serial');
    });

    test('bad signature, wrong key, expired, replayed, malformed, upstream down: refused, shelf unchanged, reason kept', async () => {
      upstream.publish('1.1.0');
      const before = await shelfState();
      const cases: [string, () => void, RegExp][] = [
        [
          'tampered',
          () => upstream.once((i) => ({ ...upstream.sign(i), index: { ...i, catalogId: 'zj-province', apps: [] } })),
          /signature is not valid/,
        ],
        [
          'other key',
          () =>
            upstream.once((i) => {
              const other = generateKeyPairSync('ed25519');
              const pk = publicKeyText(other.publicKey);
              const index = { ...i, publicKey: pk };
              return {
                index,
                signature: signBody({ keyId: 'x', publicKey: pk, privateKey: other.privateKey }, canonicalJson(index)),
              };
            }),
          /not the pinned key/,
        ],
        [
          'expired',
          () => upstream.once((i) => upstream.sign({ ...i, expiresAt: new Date(Date.now() - 1000).toISOString() })),
          /expired/,
        ],
        ['replayed', () => upstream.once((i) => upstream.sign({ ...i, serial: 1 })), /replayed older index/],
        ['malformed', () => upstream.once(() => ({ index: { format: 'nope' }, signature: 'AA==' })), /malformed/],
      ];
      for (const [name, arrange, reason] of cases) {
        arrange();
        await assert.rejects(syncUpstream(fx.market, admin, upstreamId), is('INVALID_INPUT', reason), name);
        assert.equal(await shelfState(), before, `${name}: nothing on the local shelf changed`);
        assert.match((await lastError())?.en ?? '', reason, `${name}: the reason is recorded`);
        assert.ok((await lastError())?.zh, `${name}: the reason is recorded in Chinese too`);
      }
      // The upstream is down: connection refused.
      const port = (upstream.server.address() as AddressInfo).port;
      await new Promise<void>((r) => upstream.server.close(() => r()));
      await assert.rejects(
        syncUpstream(fx.market, admin, upstreamId),
        is('UNAVAILABLE', /cannot be reached.*will retry/),
      );
      assert.equal(await shelfState(), before);
      assert.match((await lastError())?.zh ?? '', /无法连接/);
      await new Promise<void>((r) => upstream.server.listen(port, '127.0.0.1', r));
      // A package that does not match the signed sha256 refuses the whole sync.
      upstream.once((i) => {
        const copy = structuredClone(i);
        copy.apps[0].versions[1].sha256 = 'f'.repeat(64);
        return upstream.sign(copy);
      });
      await assert.rejects(syncUpstream(fx.market, admin, upstreamId), is('INVALID_INPUT', /sha256/));
      assert.equal(await shelfState(), before);
      // Back to normal: 1.1.0 comes in.
      const ok = await syncUpstream(fx.market, admin, upstreamId);
      assert.deepEqual(ok.added, ['org.acme.board@1.1.0']);
      assert.equal(await lastError(), null);
    });

    test('local holds stay off; upstream off-shelf and kills apply; a version killed upstream cannot be listed here', async () => {
      const sub = async (v: string) =>
        (
          await fx.database.db
            .select()
            .from(marketSubmissions)
            .where(and(eq(marketSubmissions.pluginId, 'org.acme.board'), eq(marketSubmissions.version, v)))
        )[0];
      // The city takes 1.0.0 off its own shelf; the upstream still lists it; the next sync leaves it off.
      await moveSubmission(fx.market, admin, (await sub('1.0.0')).id, 'unshelve');
      await syncUpstream(fx.market, admin, upstreamId);
      assert.equal((await sub('1.0.0')).state, 'off_shelf', 'a local off-shelf stays off');
      const [fv] = await fx.database.db.select().from(marketFederatedVersions);
      assert.ok(fv);
      // An install of 1.1.0 in the demo community, then the upstream takes 1.1.0 off its shelf.
      await installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', communityIds: [fx.demo] });
      upstream.set('1.1.0', { state: 'off_shelf' });
      const off = await syncUpstream(fx.market, admin, upstreamId);
      assert.deepEqual(off.offShelf, ['org.acme.board@1.1.0']);
      await assert.rejects(
        moveSubmission(fx.market, admin, (await sub('1.1.0')).id, 'shelve'),
        is('CONFLICT', /took this version off its shelf/),
      );
      // Back on the upstream shelf: not held locally, so it returns.
      upstream.set('1.1.0', { state: 'on_shelf' });
      assert.deepEqual((await syncUpstream(fx.market, admin, upstreamId)).onShelf, ['org.acme.board@1.1.0']);
      // The upstream kills 1.1.0: killed here through the kill switch, the install disabled.
      upstream.set('1.1.0', { killed: true });
      const k = await syncUpstream(fx.market, admin, upstreamId);
      assert.deepEqual(k.killed, ['org.acme.board@1.1.0']);
      const [inst] = await fx.database.db
        .select()
        .from(pluginInstalls)
        .where(and(eq(pluginInstalls.communityId, fx.demo), eq(pluginInstalls.pluginId, 'org.acme.board')));
      assert.equal(inst.state, 'disabled');
      const kills = await fx.database.db.select().from(marketKills);
      assert.match(kills[0].reason, /zj-province/);
      await assert.rejects(moveSubmission(fx.market, admin, (await sub('1.1.0')).id, 'shelve'), is('CONFLICT'));
      const audits = await fx.database.db.select().from(auditLog).where(eq(auditLog.action, 'market.upstream.sync'));
      assert.ok(audits.some((a) => a.result === 'failure') && audits.some((a) => a.result === 'success'));
    });

    test('two syncs at once (two API processes): one version stored once, no error recorded', async () => {
      upstream.publish('1.2.0');
      // The second "process": its own plugin host and sandbox on the same database.
      const other = { ...fx.market, host: fx.newHost() };
      const both = await Promise.allSettled([
        syncUpstream(fx.market, admin, upstreamId),
        syncUpstream(other, admin, upstreamId),
      ]);
      // Within one process, syncs of an upstream queue up instead.
      const queued = await Promise.all([
        syncUpstream(fx.market, admin, upstreamId),
        syncUpstream(fx.market, admin, upstreamId),
      ]);
      assert.notEqual(queued[1].serial, queued[0].serial, 'both ran, one after the other, neither refused');
      assert.ok(both.some((b) => b.status === 'fulfilled'));
      for (const b of both) if (b.status === 'rejected') is('CONFLICT', /concurrent sync/)(b.reason);
      const added = both.flatMap((b) => (b.status === 'fulfilled' ? b.value.added : []));
      assert.deepEqual(added, ['org.acme.board@1.2.0']);
      const rows = await fx.database.db
        .select()
        .from(marketSubmissions)
        .where(and(eq(marketSubmissions.pluginId, 'org.acme.board'), eq(marketSubmissions.version, '1.2.0')));
      assert.equal(rows.length, 1);
      assert.equal(rows[0].state, 'on_shelf');
      assert.equal(await lastError(), null);
    });
  });
}
