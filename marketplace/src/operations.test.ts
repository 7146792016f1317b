import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppError, communityDayStart, hasPermission, type RoleGrant } from '@shequ/core';
import { pluginActiveUsers, regions, testEngines, withScope } from '@shequ/db';
import { generatePublisherKey, HandlerMetrics } from '@shequ/runtime';
import { eq } from 'drizzle-orm';
import { installFromShelf } from './installs.ts';
import { operationsCsv, operationsMetrics } from './operations.ts';
import {
  issueOperationsReport,
  readOperationsReport,
  startOperationsReports,
  verifyOperationsReport,
} from './operations-report.ts';
import { loadPlatformKey } from './platform-key.ts';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { rateApp } from './ratings.ts';
import { submitPackage } from './submit.ts';
import { marketFixture, signedArchive } from './testing.ts';
import { moveSubmission } from './workflow.ts';

const is = (code: string) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  return true;
};

for (const engine of testEngines()) {
  describe(`operations metrics (DB33 8.1.2) [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    let far: string;
    let streetPath: string;
    const key = generatePublisherKey();
    const operator = { subject: 'operator-user' };
    const day = '2026-03-10';
    const at = (d: string, hours: number) => (communityDayStart(d) as Date).getTime() + hours * 3_600_000;
    const official = (regionPath: string): RoleGrant[] => [
      { role: 'gov_street', regionId: null, regionPath, regionName: null, regionCode: null, regionLevel: 'street' },
    ];
    const within = (grants: RoleGrant[]) => (path: string) => hasPermission(grants, 'market.metrics.read', path);

    before(async () => {
      fx = await marketFixture(engine);
      const publisher = { subject: 'provider-user' };
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
      const r = await submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '1.0.0'));
      for (const move of ['claim', 'approve', 'shelve'] as const)
        await moveSubmission(fx.market, { subject: 'reviewer' }, r.submissionId, move);
      // Another street of the same district, with a community of its own.
      const db = fx.database.db;
      const [demo] = await db.select().from(regions).where(eq(regions.id, fx.demo));
      const [street] = await db
        .select()
        .from(regions)
        .where(eq(regions.id, demo.parentId as string));
      streetPath = street.path;
      const add = async (parentId: string, parentPath: string, level: 'street' | 'community', code: string) => {
        const [row] = await db
          .insert(regions)
          .values({ parentId, level, code, name: code, path: 'pending' })
          .returning();
        const path = `${parentPath}${row.id}/`;
        await db.update(regions).set({ path }).where(eq(regions.id, row.id));
        return { id: row.id, path };
      };
      const street2 = await add(street.parentId as string, street.path.split(`${street.id}/`)[0], 'street', 'st2x');
      far = (await add(street2.id, street2.path, 'community', 'farcom')).id;

      await installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', communityIds: [fx.demo, far] });
      await installFromShelf(fx.market, operator, {
        pluginId: 'org.acme.board',
        communityIds: [fx.other],
        enable: false,
      });
      await rateApp(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.board', rating: 4 });
      await rateApp(fx.market, operator, { communityId: fx.other, pluginId: 'org.acme.board', rating: 2 });
      await rateApp(fx.market, operator, { communityId: far, pluginId: 'org.acme.board', rating: 5 });

      // Handler calls through the host's batched metrics: in the demo community 9 fast calls and one slow failure by
      // two residents; in the far community 3 calls by another resident and one of the first; one call a day later.
      const m = new HandlerMetrics();
      for (let i = 0; i < 9; i++)
        m.record(fx.demo, 'org.acme.board', '1.0.0', 'list', 20, true, at(day, 10), i % 2 ? 'u1' : 'u2');
      m.record(fx.demo, 'org.acme.board', '1.0.0', 'post', 600, false, at(day, 11), 'u1');
      for (let i = 0; i < 3; i++) m.record(far, 'org.acme.board', '1.0.0', 'list', 5, true, at(day, 9), 'u3');
      m.record(far, 'org.acme.board', '1.0.0', 'list', 4, true, at(day, 23.5), 'u1');
      m.record(fx.demo, 'org.acme.board', '1.0.0', 'list', 4000, false, at('2026-03-11', 1), 'u9');
      await m.flush(fx.database.db);
    });
    after(() => fx?.close());

    test('a street official sees the figures of the communities of their street only', async () => {
      const r = await operationsMetrics(fx.database.db, within(official(streetPath)), { from: day, to: day });
      const board = r.apps.find((a) => a.pluginId === 'org.acme.board');
      assert.ok(board);
      assert.deepEqual(board.name, { zh: '公告栏', en: 'Board' });
      assert.deepEqual(
        board.communities.map((c) => c.communityId).sort(),
        [fx.demo, fx.other].sort(),
        'the other street’s community is not shown',
      );
      assert.equal(board.installs, 2);
      assert.equal(board.enabled, 1);
      assert.equal(board.calls, 10);
      assert.equal(board.errors, 1);
      assert.equal(board.errorRate, 0.1);
      assert.equal(board.p95Ms, 600);
      assert.equal(board.activeUsers, 2);
      assert.equal(board.ratings, 2);
      assert.equal(board.averageRating, 3);
      const demo = board.communities.find((c) => c.communityId === fx.demo);
      assert.deepEqual(
        demo && [demo.version, demo.state, demo.calls, demo.errors, demo.activeUsers, demo.ratings, demo.averageRating],
        ['1.0.0', 'enabled', 10, 1, 2, 1, 4],
      );
      const other = board.communities.find((c) => c.communityId === fx.other);
      assert.deepEqual(other && [other.state, other.calls, other.activeUsers, other.p95Ms], ['disabled', 0, 0, 0]);

      const farOnly = await operationsMetrics(fx.database.db, within(official(streetPath.replace(/[^/]+\/$/, 'x/'))), {
        from: day,
        to: day,
      });
      assert.deepEqual(farOnly.apps, [], 'a street that does not exist sees nothing');
    });

    test('the whole platform: distinct users across communities, the window bounds the days', async () => {
      const r = await operationsMetrics(fx.database.db, () => true, { from: day, to: day });
      const board = r.apps.find((a) => a.pluginId === 'org.acme.board');
      assert.ok(board);
      assert.equal(board.installs, 3);
      assert.equal(board.calls, 14);
      assert.equal(board.errors, 1);
      assert.equal(board.activeUsers, 3, 'u1 used the app in two communities and counts once');
      assert.equal(board.ratings, 3);
      assert.equal(board.averageRating, 3.67);
      const farRow = board.communities.find((c) => c.communityId === far);
      assert.deepEqual(farRow && [farRow.calls, farRow.activeUsers, farRow.p95Ms], [4, 2, 5]);

      const two = await operationsMetrics(fx.database.db, () => true, { from: day, to: '2026-03-11' });
      const b2 = two.apps.find((a) => a.pluginId === 'org.acme.board');
      assert.deepEqual(b2 && [b2.calls, b2.errors, b2.activeUsers, b2.p95Ms], [15, 2, 4, 4000]);
    });

    test('windows are checked: dates, order, at most 92 days', async () => {
      const ask = (from: string, to: string) => operationsMetrics(fx.database.db, () => true, { from, to });
      await assert.rejects(ask('2026-02-30', '2026-03-01'), is('INVALID_INPUT'));
      await assert.rejects(ask('2026-03-10', '2026-03-09'), is('INVALID_INPUT'));
      await assert.rejects(ask('2026-01-01', '2026-04-03'), is('INVALID_INPUT'));
      await ask('2026-01-01', '2026-04-02');
    });

    test('active users are stored as per-app hashes, never as user ids', async () => {
      const rows = await withScope(fx.database.db, { kind: 'all' }, (tx) => tx.select().from(pluginActiveUsers));
      assert.ok(rows.length >= 5);
      for (const r of rows) assert.doesNotMatch(r.userHash, /^u\d$/);
    });

    test('CSV: a BOM, Chinese headers, a total row and a row per community', async () => {
      const csv = operationsCsv(await operationsMetrics(fx.database.db, () => true, { from: day, to: day }));
      assert.ok(
        csv.startsWith('\uFEFF应用标识,应用名称,社区编码,社区名称,版本,状态,活跃用户,调用次数,错误次数,错误率'),
      );
      const lines = csv.trim().split('\r\n');
      assert.ok(lines.includes('org.acme.board,公告栏,,合计,,2/3,3,14,1,0.0714,600,3,3.67'), csv);
      assert.ok(lines.some((l) => l.startsWith('org.acme.board,公告栏,farcom,farcom,1.0.0,enabled,2,4,0,0,5,1,5')));
    });

    test('the daily report is signed with the platform key, verifies, fails when tampered, and is issued once', async () => {
      const m = { ...fx.market, catalog: { id: 'test', upstreamHosts: [], now: () => new Date(at('2026-03-11', 1)) } };
      const signed = await issueOperationsReport(m);
      assert.equal(signed.report.day, day);
      assert.equal(signed.report.format, 'shequ-operations-report/1');
      const key = await loadPlatformKey(fx.database.db, fx.crypto);
      assert.equal(signed.report.publicKey, key.publicKey);
      assert.equal(verifyOperationsReport(signed, key.publicKey), true);
      const board = signed.report.apps.find((a) => a.pluginId === 'org.acme.board');
      assert.equal(board?.calls, 14);
      const tampered = structuredClone(signed);
      const tb = tampered.report.apps.find((a) => a.pluginId === 'org.acme.board');
      if (tb) tb.calls = 1;
      assert.equal(verifyOperationsReport(tampered, key.publicKey), false);
      const again = await issueOperationsReport(m);
      assert.equal(again.signature, signed.signature);
      assert.equal((await readOperationsReport(fx.market))?.signature, signed.signature);
      assert.equal(JSON.stringify(signed).includes('u1'), false);
    });

    test('the daily job issues yesterday’s report at start (and is stopped cleanly)', async () => {
      const m = { ...fx.market, catalog: { id: 'test', upstreamHosts: [], now: () => new Date(at('2026-03-12', 2)) } };
      assert.equal(await readOperationsReport(m, '2026-03-11'), undefined);
      const errors: unknown[] = [];
      const stop = startOperationsReports(m, (err) => errors.push(err));
      await stop();
      assert.deepEqual(errors, []);
      const signed = await readOperationsReport(m, '2026-03-11');
      assert.ok(signed);
      const board = signed.report.apps.find((a) => a.pluginId === 'org.acme.board');
      assert.deepEqual(board && [board.calls, board.errors, board.activeUsers], [1, 1, 1]);
      const key = await loadPlatformKey(fx.database.db, fx.crypto);
      assert.equal(verifyOperationsReport(signed, key.publicKey), true);
    });
  });
}
