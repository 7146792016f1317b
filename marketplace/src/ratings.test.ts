import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppError } from '@shequ/core';
import { auditLog, marketAppReviews, testEngines, withScope } from '@shequ/db';
import { generatePublisherKey, uninstallPlugin } from '@shequ/runtime';
import { and, eq } from 'drizzle-orm';
import { appDetail, browse } from './catalog.ts';
import { installFromShelf } from './installs.ts';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { hideReview, listReviews, rateApp, ratingSummary, replyToReview } from './ratings.ts';
import { catalogScreenshot } from './screenshots.ts';
import { submitPackage } from './submit.ts';
import { archiveWithFiles, marketFixture, signedArchive, tinyPng } from './testing.ts';
import { moveSubmission } from './workflow.ts';

const is = (code: string, pattern?: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.messageEn, pattern);
  return true;
};

for (const engine of testEngines()) {
  describe(`marketplace screenshots, ratings and reviews [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const key = generatePublisherKey();
    const publisher = { subject: 'provider-user' };
    const reviewer = { subject: 'reviewer-user' };
    const operator = { subject: 'operator-user' };
    const home = tinyPng(6, 4, [200, 40, 40]);
    const list = tinyPng(5, 5, [40, 200, 40]);
    const shelve = async (archive: Buffer) => {
      const r = await submitPackage(fx.market, publisher, archive);
      assert.equal(r.passed, true, JSON.stringify(r.items.filter((i) => i.level === 'fail')));
      for (const move of ['claim', 'approve', 'shelve'] as const)
        await moveSubmission(fx.market, reviewer, r.submissionId, move);
      return r;
    };

    before(async () => {
      fx = await marketFixture(engine);
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
      await shelve(
        archiveWithFiles(
          key.privateKeyPem,
          '1.0.0',
          [{ path: 'screenshots/home.png', caption: { zh: '首页', en: 'Home' } }, { path: 'screenshots/list.png' }],
          { 'screenshots/home.png': home, 'screenshots/list.png': list },
        ),
      );
      await shelve(
        signedArchive(key.privateKeyPem, '1.0.0', { id: 'org.acme.second', name: { zh: '第二', en: 'Second' } }),
      );
    });
    after(() => fx?.close());

    test('the catalog lists a version’s screenshots and serves each with its own type', async () => {
      const d = await appDetail(fx.market, 'org.acme.board');
      assert.deepEqual(
        d.screenshots.map((s) => [s.index, s.caption?.en ?? null, s.url]),
        [
          [0, 'Home', '/api/market/screenshots/org.acme.board/1.0.0/0'],
          [1, null, '/api/market/screenshots/org.acme.board/1.0.0/1'],
        ],
      );
      const shot = await catalogScreenshot(fx.market, 'org.acme.board', '1.0.0', 1);
      assert.equal(shot.type, 'image/png');
      assert.ok(shot.data.equals(list));
      await assert.rejects(catalogScreenshot(fx.market, 'org.acme.board', '1.0.0', 2), is('NOT_FOUND'));
      await assert.rejects(catalogScreenshot(fx.market, 'org.acme.board', '9.9.9', 0), is('NOT_FOUND'));
    });

    test('a community without the app installed cannot rate it', async () => {
      await assert.rejects(
        rateApp(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.board', rating: 5 }),
        is('FORBIDDEN', /not installed in this community/),
      );
      assert.equal((await ratingSummary(fx.market, 'org.acme.board')).count, 0);
    });

    test('one review per community and app, editable; the average and count follow', async () => {
      await installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', communityIds: [fx.demo, fx.other] });
      await installFromShelf(fx.market, operator, { pluginId: 'org.acme.second', communityIds: [fx.demo] });
      const first = await rateApp(fx.market, operator, {
        communityId: fx.demo,
        pluginId: 'org.acme.board',
        rating: 4,
        body: '  好用，居民都看得懂  ',
      });
      assert.deepEqual([first.rating, first.body, first.edited], [4, '好用，居民都看得懂', false]);
      await rateApp(
        fx.market,
        { subject: 'other-operator' },
        { communityId: fx.other, pluginId: 'org.acme.board', rating: 1 },
      );
      assert.deepEqual(await ratingSummary(fx.market, 'org.acme.board'), {
        average: 2.5,
        count: 2,
        stars: [1, 0, 0, 1, 0],
      });
      const edited = await rateApp(fx.market, operator, {
        communityId: fx.demo,
        pluginId: 'org.acme.board',
        rating: 5,
      });
      assert.equal(edited.edited, true);
      assert.equal(edited.id, first.id, 'the same review, edited');
      const rows = await fx.database.db
        .select()
        .from(marketAppReviews)
        .where(eq(marketAppReviews.pluginId, 'org.acme.board'));
      assert.equal(rows.length, 2, 'still one review per community');
      assert.deepEqual((await ratingSummary(fx.market, 'org.acme.board')).average, 3);
      await rateApp(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.second', rating: 4 });
      const browsed = await browse(fx.market, { sort: 'rating' });
      assert.deepEqual(
        browsed.apps.map((a) => [a.pluginId, a.rating.average, a.rating.count]),
        [
          ['org.acme.second', 4, 1],
          ['org.acme.board', 3, 2],
        ],
      );
      const byName = await browse(fx.market);
      assert.equal(byName.apps.find((a) => a.pluginId === 'org.acme.board')?.rating.count, 2);
      const detail = await appDetail(fx.market, 'org.acme.board');
      assert.deepEqual([detail.rating.average, detail.rating.count], [3, 2]);
      const audits = await fx.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'market.review.edited'), eq(auditLog.objectId, 'org.acme.board')));
      assert.equal(audits.length, 1);
    });

    test('bad ratings and texts are refused with reasons; the database holds the same limits', async () => {
      for (const rating of [0, 6, 3.5])
        await assert.rejects(
          rateApp(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.board', rating }),
          is('INVALID_INPUT', /1 to 5/),
        );
      await assert.rejects(
        rateApp(fx.market, operator, {
          communityId: fx.demo,
          pluginId: 'org.acme.board',
          rating: 3,
          body: '长'.repeat(2001),
        }),
        is('INVALID_INPUT', /at most 2000 characters/),
      );
      await assert.rejects(
        fx.database.db.update(marketAppReviews).set({ rating: 9 }).where(eq(marketAppReviews.communityId, fx.demo)),
      );
    });

    test('row-level security: a community’s scope cannot write another community’s review', async () => {
      const changed = await withScope(fx.database.db, { kind: 'communities', ids: [fx.demo] }, (tx) =>
        tx
          .update(marketAppReviews)
          .set({ rating: 5 })
          .where(eq(marketAppReviews.communityId, fx.other))
          .returning({ id: marketAppReviews.id }),
      );
      assert.equal(changed.length, 0);
      await assert.rejects(
        withScope(fx.database.db, { kind: 'communities', ids: [fx.demo] }, (tx) =>
          tx.update(marketAppReviews).set({ reply: 'sneaky' }).where(eq(marketAppReviews.communityId, fx.demo)),
        ),
        'the app role may not write the publisher’s reply',
      );
    });

    test('the publisher replies once; others may not reply', async () => {
      const [r] = await listReviews(fx.market, 'org.acme.board', { ownCommunityIds: [fx.other] }).then((l) =>
        l.filter((x) => x.own),
      );
      await assert.rejects(
        replyToReview(fx.market, { subject: 'stranger' }, { reviewId: r.id, reply: '谢谢' }),
        is('FORBIDDEN'),
      );
      await assert.rejects(replyToReview(fx.market, publisher, { reviewId: r.id, reply: '   ' }), is('INVALID_INPUT'));
      await replyToReview(fx.market, publisher, { reviewId: r.id, reply: '感谢反馈，下个版本修复' });
      await assert.rejects(
        replyToReview(fx.market, publisher, { reviewId: r.id, reply: '再说一次' }),
        is('CONFLICT', /already replied/),
      );
      const again = (await listReviews(fx.market, 'org.acme.board')).find((x) => x.id === r.id);
      assert.equal(again?.reply, '感谢反馈，下个版本修复');
    });

    test('a reviewer hides a review with a reason: out of the average and the public list, audited', async () => {
      const [r] = (await listReviews(fx.market, 'org.acme.board', { ownCommunityIds: [fx.other] })).filter(
        (x) => x.own,
      );
      await assert.rejects(hideReview(fx.market, reviewer, { reviewId: r.id, reason: ' ' }), is('INVALID_INPUT'));
      await hideReview(fx.market, reviewer, { reviewId: r.id, reason: '含有广告' });
      await assert.rejects(hideReview(fx.market, reviewer, { reviewId: r.id, reason: '再次' }), is('CONFLICT'));
      assert.deepEqual(await ratingSummary(fx.market, 'org.acme.board'), {
        average: 5,
        count: 1,
        stars: [0, 0, 0, 0, 1],
      });
      const shelf = await browse(fx.market, { q: 'board' });
      assert.deepEqual(shelf.apps[0].rating, { average: 5, count: 1 }, 'the catalog summary follows the hiding');
      assert.deepEqual(
        (await listReviews(fx.market, 'org.acme.board')).map((x) => x.rating),
        [5],
      );
      const own = (await listReviews(fx.market, 'org.acme.board', { ownCommunityIds: [fx.other] })).find((x) => x.own);
      assert.deepEqual(
        own?.hidden?.reason,
        '含有广告',
        'the community still sees its own review and why it was hidden',
      );
      assert.equal((await listReviews(fx.market, 'org.acme.board', { includeHidden: true })).length, 2);
      const [row] = await fx.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'market.review.hidden'), eq(auditLog.objectId, 'org.acme.board')));
      assert.equal(row.subject, 'reviewer-user');
      assert.equal((row.detail as { reason: string }).reason, '含有广告');
    });

    test('once uninstalled, a community can no longer rate', async () => {
      await uninstallPlugin(fx.host, fx.demo, 'org.acme.second', operator);
      await assert.rejects(
        rateApp(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.second', rating: 2 }),
        is('FORBIDDEN', /not installed/),
      );
    });
  });
}
