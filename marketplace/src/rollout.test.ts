import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppError } from '@shequ/core';
import {
  auditLog,
  marketRolloutCommunities,
  outbox,
  pluginHandlerMetrics,
  pluginInstalls,
  pluginRecords,
  testEngines,
} from '@shequ/db';
import { generatePublisherKey, metricsRetentionDays, purgeHandlerMetrics } from '@shequ/runtime';
import { and, eq, inArray } from 'drizzle-orm';
import { communityInstalls, installFromShelf, pin, rollback } from './installs.ts';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { abortRollout, completeRollout, promoteRollout, rolloutById } from './rollout.ts';
import { checkRollouts } from './rollout-check.ts';
import { startRollout } from './rollout-start.ts';
import { appMetrics, rolloutOverview } from './rollout-views.ts';
import { submitPackage } from './submit.ts';
import { appBundle, marketFixture, signedArchive } from './testing.ts';
import { moveSubmission } from './workflow.ts';

const is = (code: string, pattern?: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.messageEn, pattern);
  return true;
};

const APP = 'org.acme.board';
const throwing = `globalThis.__shequPlugin = { plugin: { handlers: {
  list: () => { throw new Error('boom: 1.1.0 is broken'); },
  create: (input, ctx) => ctx.collections.posts.insert({ title: input.title }),
} } };`;
const withMessage = { permissions: { services: { message: ['send'] } } };

for (const engine of testEngines()) {
  describe(`staged upgrades, pins, rollback and handler metrics [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const key = generatePublisherKey();
    const publisher = { subject: 'provider-user' };
    const reviewer = { subject: 'reviewer-user' };
    const operator = { subject: 'operator-user' };
    const all = () => true;
    let third = '';
    let pinned = '';

    const version = async (c: string) => (await fx.host.install(c, APP))?.version;
    const call = (c: string, handler = 'list', input: unknown = {}) =>
      fx.host.invoke({ community: { id: c, code: 'x' }, pluginId: APP, handler, input, user: null, via: 'system' });
    const ship = async (v: string, bundle = appBundle, over = {}) => {
      const r = await submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, v, over, bundle));
      for (const move of ['claim', 'approve', 'shelve'] as const)
        await moveSubmission(fx.market, reviewer, r.submissionId, move);
    };

    before(async () => {
      fx = await marketFixture(engine);
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
      await ship('1.0.0');
      await ship('1.1.0', throwing);
      await ship('1.2.0');
      await ship('1.3.0', appBundle, withMessage);
      third = await fx.extra(`third${engine}`);
      pinned = await fx.extra(`pinned${engine}`);
      await installFromShelf(fx.market, operator, {
        pluginId: APP,
        version: '1.0.0',
        communityIds: [fx.demo, fx.other, third, pinned],
      });
      await pin(fx.market, operator, pinned, APP, '1.0.0');
      await call(fx.demo, 'create', { title: '停水通知' });
    });
    after(() => fx?.close());

    test('handler calls, errors and latency are counted per community and version and read back per app', async () => {
      await call(fx.demo);
      await call(fx.other);
      await fx.host.flushMetrics();
      // A second process (its own host) adds into the same hourly rows.
      const second = fx.newHost();
      await second.invoke({
        community: { id: fx.other, code: 'x' },
        pluginId: APP,
        handler: 'list',
        input: {},
        user: null,
        via: 'system',
      });
      await second.flushMetrics();
      const rows = await fx.database.db
        .select()
        .from(pluginHandlerMetrics)
        .where(and(eq(pluginHandlerMetrics.pluginId, APP), eq(pluginHandlerMetrics.communityId, fx.other)));
      assert.equal(rows.length, 1);
      assert.equal(rows[0].calls, 2);
      assert.equal(
        rows[0].buckets.reduce((a, b) => a + b, 0),
        2,
      );
      const m = await appMetrics(fx.market, { pluginId: APP }, all);
      const demo = m.find((x) => x.communityId === fx.demo && x.version === '1.0.0');
      assert.deepEqual([demo?.calls, demo?.errors], [2, 0]);
      assert.ok((demo?.p99Ms ?? -1) >= (demo?.p95Ms ?? 0) && (demo?.p95Ms ?? 0) > 0);
      const byHandler = await appMetrics(fx.market, { pluginId: APP, communityIds: [fx.demo], byHandler: true }, all);
      assert.deepEqual(byHandler.map((x) => x.handler).sort(), ['create', 'list']);
      assert.deepEqual(await appMetrics(fx.market, { pluginId: APP }, () => false), []);
      // Rows past the retention period go with the hourly purge; recent ones stay.
      await fx.database.db.insert(pluginHandlerMetrics).values({
        communityId: fx.demo,
        pluginId: APP,
        version: '0.9.0',
        handler: 'list',
        hour: new Date(Date.now() - (metricsRetentionDays + 1) * 86_400_000),
        calls: 1,
        buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      });
      assert.equal(await purgeHandlerMetrics(fx.database.db), 1);
      assert.equal((await appMetrics(fx.market, { pluginId: APP }, all)).length, 2);
    });

    test('bad input is refused with a clear reason and nothing starts', async () => {
      const base = { pluginId: APP, toVersion: '1.1.0', pilotCommunityIds: [fx.demo], threshold: 0.2, minCalls: 5 };
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, threshold: 0 }, all),
        is('INVALID_INPUT', /threshold/),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, minCalls: 0 }, all),
        is('INVALID_INPUT', /minimum call/),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, pilotCommunityIds: [] }, all),
        is('INVALID_INPUT'),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, toVersion: '9.0.0' }, all),
        is('CONFLICT', /not on the shelf/),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, pilotCommunityIds: [pinned] }, all),
        is('CONFLICT', /pinned at 1\.0\.0/),
      );
      await assert.rejects(
        startRollout(fx.market, operator, base, () => false),
        is('NOT_FOUND'),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, toVersion: '1.3.0' }, all),
        is('CONFLICT', /message\.send/),
      );
      await assert.rejects(
        startRollout(fx.market, operator, { ...base, toVersion: '1.3.0', grantNew: ['points.award'] }, all),
        is('INVALID_INPUT', /Not new permissions/),
      );
      await assert.rejects(pin(fx.market, operator, fx.demo, APP, '1.2.0'), is('INVALID_INPUT', /runs \(1\.0\.0\)/));
      assert.equal((await rolloutOverview(fx.market, APP, all)).rollouts.length, 0);
      assert.equal(await version(fx.demo), '1.0.0');
    });

    test('the new version fails in the pilot past the threshold: the checker rolls it back, nothing else changes', async () => {
      const before = await fx.database.db
        .select()
        .from(pluginInstalls)
        .where(inArray(pluginInstalls.communityId, [fx.other, third, pinned]));
      const r = await startRollout(
        fx.market,
        operator,
        { pluginId: APP, toVersion: '1.1.0', pilotCommunityIds: [fx.demo], threshold: 0.5, minCalls: 4 },
        all,
      );
      assert.equal(r.stage, 'pilot');
      assert.deepEqual(
        r.communities.map((c) => [c.communityId === fx.demo, c.pilot, c.state]).sort(),
        [
          [false, false, 'pending'],
          [false, false, 'pending'],
          [false, false, 'skipped'],
          [true, true, 'upgraded'],
        ].sort(),
      );
      assert.equal(await version(fx.demo), '1.1.0');
      assert.equal(await version(fx.other), '1.0.0');
      await assert.rejects(
        startRollout(
          fx.market,
          operator,
          { pluginId: APP, toVersion: '1.2.0', pilotCommunityIds: [fx.other], threshold: 0.5, minCalls: 4 },
          all,
        ),
        is('CONFLICT', /already has a rollout/),
      );
      // Three failures: below the minimum call count, nothing happens yet.
      for (let i = 0; i < 3; i++) await assert.rejects(call(fx.demo), is('PLUGIN_FAILED'));
      await call(fx.other);
      assert.deepEqual(await checkRollouts(fx.market), []);
      assert.equal(await version(fx.demo), '1.1.0');
      await assert.rejects(call(fx.demo), is('PLUGIN_FAILED'));
      const done = await checkRollouts(fx.market);
      assert.equal(done.length, 1);
      assert.match(done[0].reason.en, /error rate of 1\.1\.0 .* was 100% \(4 of 4 calls\), above the threshold of 50%/);
      assert.equal(await version(fx.demo), '1.0.0');
      const after = await rolloutById(fx.market, r.id);
      assert.equal(after.status, 'rolled_back');
      assert.match(after.reason?.zh ?? '', /已自动回退到 1\.0\.0/);
      assert.equal(after.communities.find((c) => c.communityId === fx.demo)?.state, 'rolled_back');
      // The app works again in the pilot, with its records; no other community was touched.
      assert.deepEqual(
        ((await call(fx.demo)) as { items: Array<{ title: string }> }).items.map((p) => p.title),
        ['停水通知'],
      );
      const now = await fx.database.db
        .select()
        .from(pluginInstalls)
        .where(inArray(pluginInstalls.communityId, [fx.other, third, pinned]));
      assert.deepEqual(
        now.map((i) => [i.communityId, i.version, i.revision]).sort(),
        before.map((i) => [i.communityId, i.version, i.revision]).sort(),
      );
      const records = await fx.database.db.select().from(pluginRecords).where(eq(pluginRecords.pluginId, APP));
      assert.equal(records.length, 1);
      const audits = await fx.database.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, 'market.rollout.rolled_back'));
      assert.equal(audits.length, 1);
      assert.equal(audits[0].subject, 'system:rollout-check');
      const events = await fx.database.db
        .select()
        .from(outbox)
        .where(eq(outbox.subject, 'shequ.market.rollout.rolled-back'));
      assert.equal(events.length, 1);
      await assert.rejects(promoteRollout(fx.market, operator, r.id, all), is('CONFLICT', /rolled back/));
    });

    test('start → promote → complete: pilots first, then the rest; pinned installs are skipped', async () => {
      const r = await startRollout(
        fx.market,
        operator,
        { pluginId: APP, toVersion: '1.2.0', pilotCommunityIds: [fx.demo], threshold: 0.5, minCalls: 4 },
        all,
      );
      assert.equal(await version(fx.other), '1.0.0');
      await assert.rejects(completeRollout(fx.market, operator, r.id, all), is('CONFLICT', /Promote/));
      await assert.rejects(
        promoteRollout(fx.market, operator, r.id, (p) => !p.includes(third)),
        is('FORBIDDEN'),
      );
      const p = await promoteRollout(fx.market, operator, r.id, all);
      assert.equal(p.stage, 'full');
      for (const c of [fx.demo, fx.other, third]) assert.equal(await version(c), '1.2.0');
      assert.equal(await version(pinned), '1.0.0', 'the pinned install stays');
      const overview = await rolloutOverview(fx.market, APP, all);
      assert.deepEqual(overview.versions, [
        { version: '1.2.0', communities: 3 },
        { version: '1.0.0', communities: 1 },
      ]);
      assert.deepEqual(overview.candidates, [{ version: '1.3.0', escalation: ['message.send'] }]);
      assert.equal(overview.active?.id, r.id);
      const c = await completeRollout(fx.market, operator, r.id, all);
      assert.equal(c.status, 'completed');
      assert.equal((await rolloutOverview(fx.market, APP, all)).active, null);
    });

    test('roll back to any of the last five versions, also mid-rollout (that community leaves it); abort rolls back the rest', async () => {
      const r = await startRollout(
        fx.market,
        operator,
        {
          pluginId: APP,
          toVersion: '1.3.0',
          pilotCommunityIds: [fx.demo, fx.other],
          threshold: 0.5,
          minCalls: 4,
          grantNew: ['message.send'],
        },
        all,
      );
      assert.equal(await version(fx.demo), '1.3.0');
      assert.deepEqual((await fx.host.install(fx.demo, APP))?.grants.services, { message: ['send'] });
      const [mine] = await communityInstalls(fx.market, fx.demo);
      assert.deepEqual(mine.rollbackTo, ['1.2.0', '1.1.0', '1.0.0']);
      const back = await rollback(fx.market, operator, { communityId: fx.demo, pluginId: APP, version: '1.0.0' });
      assert.deepEqual([back.from, back.to], ['1.3.0', '1.0.0']);
      const [row] = await fx.database.db
        .select()
        .from(marketRolloutCommunities)
        .where(and(eq(marketRolloutCommunities.rolloutId, r.id), eq(marketRolloutCommunities.communityId, fx.demo)));
      assert.equal(row.state, 'left');
      const aborted = await abortRollout(fx.market, operator, r.id, all, '试点反馈不佳');
      assert.equal(aborted.status, 'aborted');
      assert.equal(await version(fx.other), '1.2.0', 'the other pilot went back to where it came from');
      assert.equal(await version(fx.demo), '1.0.0', 'the community that left stays where its operator put it');
      assert.equal(await version(third), '1.2.0');
    });
  });
}
