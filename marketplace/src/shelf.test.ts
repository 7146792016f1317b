import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppError } from '@shequ/core';
import { auditLog, marketSubmissions, outbox, pluginInstalls, testEngines } from '@shequ/db';
import { generatePublisherKey, setPluginEnabled } from '@shequ/runtime';
import { and, eq } from 'drizzle-orm';
import { appDetail, browse } from './catalog.ts';
import { communityInstalls, installFromShelf, pin, rollback, upgradeFromShelf } from './installs.ts';
import { killVersion } from './kill.ts';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { submitPackage } from './submit.ts';
import { marketFixture, signedArchive } from './testing.ts';
import { moveSubmission, resubmit } from './workflow.ts';

const is = (code: string, pattern?: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.messageEn, pattern);
  return true;
};

for (const engine of testEngines()) {
  describe(`marketplace review, shelf, installs and kill switch [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const key = generatePublisherKey();
    const publisher = { subject: 'provider-user' };
    const reviewer = { subject: 'reviewer-user' };
    const operator = { subject: 'operator-user' };
    const subs: Record<string, string> = {};
    const submit = async (v: string, over = {}) => {
      const r = await submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, v, over));
      subs[v] = r.submissionId;
      return r;
    };
    const toShelf = async (v: string) => {
      await moveSubmission(fx.market, reviewer, subs[v], 'claim');
      await moveSubmission(fx.market, reviewer, subs[v], 'approve');
      return moveSubmission(fx.market, reviewer, subs[v], 'shelve');
    };

    before(async () => {
      fx = await marketFixture(engine);
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
    });
    after(() => fx?.close());

    test('submitted → in review → approved → on shelf; rejections need reasons; moves check the state', async () => {
      await submit('1.0.0');
      await submit('1.1.0');
      await submit('1.2.0');
      // Several versions in flight at once.
      assert.equal((await moveSubmission(fx.market, reviewer, subs['1.0.0'], 'claim')).state, 'in_review');
      await assert.rejects(moveSubmission(fx.market, reviewer, subs['1.0.0'], 'claim'), is('CONFLICT', /in review/));
      await assert.rejects(
        moveSubmission(fx.market, reviewer, subs['1.0.0'], 'reject', { reasons: [] }),
        is('INVALID_INPUT'),
      );
      await assert.rejects(moveSubmission(fx.market, reviewer, subs['1.0.0'], 'shelve'), is('CONFLICT'));
      assert.equal((await moveSubmission(fx.market, reviewer, subs['1.0.0'], 'approve')).state, 'approved');
      assert.equal((await browse(fx.market)).total, 0, 'approved is not yet on the shelf');
      assert.equal((await moveSubmission(fx.market, reviewer, subs['1.0.0'], 'shelve')).state, 'on_shelf');
      const shelf = await browse(fx.market, { q: '公告', scenario: 'neighbourhood' });
      assert.deepEqual(
        shelf.apps.map((a) => [a.pluginId, a.version]),
        [['org.acme.board', '1.0.0']],
      );
      assert.equal((await browse(fx.market, { scenario: 'health' })).total, 0);
      const detail = await appDetail(fx.market, 'org.acme.board');
      assert.equal(detail.version, '1.0.0');
      assert.equal(detail.review?.passed, true);
    });

    test('publishers withdraw and resubmit their own submissions; others may not', async () => {
      await assert.rejects(
        moveSubmission(fx.market, { subject: 'stranger' }, subs['1.1.0'], 'withdraw'),
        is('FORBIDDEN'),
      );
      assert.equal((await moveSubmission(fx.market, publisher, subs['1.1.0'], 'withdraw')).state, 'withdrawn');
      const again = await resubmit(fx.market, publisher, subs['1.1.0']);
      assert.equal(again.state, 'submitted');
      await assert.rejects(resubmit(fx.market, publisher, subs['1.1.0']), is('CONFLICT'));
      subs['1.1.0'] = again.submissionId;
      const r = await moveSubmission(fx.market, reviewer, subs['1.2.0'], 'reject', {
        reasons: [{ zh: '说明不清楚', en: 'The description is unclear' }],
      });
      assert.equal(r.state, 'rejected');
      const [row] = await fx.database.db
        .select()
        .from(marketSubmissions)
        .where(eq(marketSubmissions.id, subs['1.2.0']));
      assert.deepEqual(row.reasons, [{ zh: '说明不清楚', en: 'The description is unclear' }]);
    });

    test('installs from the shelf go into many communities at once, all or none', async () => {
      const third = await fx.extra('third');
      const r = await installFromShelf(fx.market, operator, {
        pluginId: 'org.acme.board',
        communityIds: [fx.demo, fx.other],
      });
      assert.deepEqual([r.version, r.communities], ['1.0.0', 2]);
      await assert.rejects(
        installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', communityIds: [third, fx.demo] }),
        is('CONFLICT', /already installed in 1 of the chosen communities/),
      );
      const none = await fx.database.db.select().from(pluginInstalls).where(eq(pluginInstalls.communityId, third));
      assert.equal(none.length, 0, 'nothing installed in the third community');
      await assert.rejects(
        installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', version: '1.1.0', communityIds: [third] }),
        is('CONFLICT', /not on the shelf/),
      );
    });

    test('off shelf stops new installs; existing installs keep running', async () => {
      await toShelf('1.1.0');
      await moveSubmission(fx.market, reviewer, subs['1.0.0'], 'unshelve');
      const third = await fx.extra('fourth');
      await assert.rejects(
        installFromShelf(fx.market, operator, { pluginId: 'org.acme.board', version: '1.0.0', communityIds: [third] }),
        is('CONFLICT', /not on the shelf/),
      );
      assert.equal((await fx.host.install(fx.demo, 'org.acme.board'))?.state, 'enabled');
    });

    test('pin blocks upgrades; upgrade, then roll back to an earlier reviewed version', async () => {
      await pin(fx.market, operator, fx.demo, 'org.acme.board', '1.0.0');
      await assert.rejects(
        upgradeFromShelf(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.board', version: '1.1.0' }),
        is('CONFLICT', /pinned/),
      );
      await pin(fx.market, operator, fx.demo, 'org.acme.board', null);
      const up = await upgradeFromShelf(fx.market, operator, {
        communityId: fx.demo,
        pluginId: 'org.acme.board',
        version: '1.1.0',
      });
      assert.deepEqual([up.from, up.to], ['1.0.0', '1.1.0']);
      const list = await communityInstalls(fx.market, fx.demo);
      assert.deepEqual(list[0].rollbackTo, ['1.0.0']);
      await assert.rejects(
        rollback(fx.market, operator, { communityId: fx.demo, pluginId: 'org.acme.board', version: '1.2.0' }),
        is('INVALID_INPUT', /last 5 reviewed older versions: 1\.0\.0/),
      );
      const back = await rollback(fx.market, operator, {
        communityId: fx.demo,
        pluginId: 'org.acme.board',
        version: '1.0.0',
      });
      assert.deepEqual([back.from, back.to], ['1.1.0', '1.0.0']);
      assert.equal((await fx.host.install(fx.demo, 'org.acme.board'))?.version, '1.0.0');
    });

    test('the kill switch disables every install of a version everywhere, audited; it never runs again', async () => {
      const k = await killVersion(fx.market, reviewer, 'org.acme.board', '1.0.0', '发现安全漏洞 / security hole');
      assert.equal(k.disabledInstalls, 2);
      for (const c of [fx.demo, fx.other])
        assert.equal((await fx.host.install(c, 'org.acme.board'))?.state, 'disabled');
      await assert.rejects(
        setPluginEnabled(fx.host, fx.demo, 'org.acme.board', true, operator),
        is('CONFLICT', /was killed/),
      );
      await assert.rejects(moveSubmission(fx.market, reviewer, subs['1.0.0'], 'shelve'), is('CONFLICT', /killed/));
      await assert.rejects(killVersion(fx.market, reviewer, 'org.acme.board', '1.0.0', 'again'), is('CONFLICT'));
      const audit = await fx.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'plugin.disabled'), eq(auditLog.objectId, 'org.acme.board')));
      assert.equal(audit.length, 2);
      const events = await fx.database.db.select().from(outbox).where(eq(outbox.subject, 'shequ.market.killed'));
      assert.equal(events.length, 1);
      // The rollback choice drops the killed version; the newer one still installs and upgrades.
      assert.deepEqual((await communityInstalls(fx.market, fx.demo))[0].rollbackTo, []);
      const up = await upgradeFromShelf(fx.market, operator, {
        communityId: fx.demo,
        pluginId: 'org.acme.board',
        version: '1.1.0',
      });
      assert.equal(up.to, '1.1.0');
    });

    if (engine === 'postgres') {
      test('two reviewers acting at once: one wins, the other is told the state; one upload of a version wins', async () => {
        const r = await submit('2.0.0');
        const both = await Promise.allSettled([
          moveSubmission(fx.market, reviewer, r.submissionId, 'claim'),
          moveSubmission(fx.market, { subject: 'second-reviewer' }, r.submissionId, 'claim'),
        ]);
        assert.deepEqual(both.map((b) => b.status).sort(), ['fulfilled', 'rejected']);
        const lost = both.find((b) => b.status === 'rejected') as PromiseRejectedResult;
        assert.equal((lost.reason as AppError).code, 'CONFLICT');
        const uploads = await Promise.allSettled([
          submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '2.1.0')),
          submitPackage(
            fx.market,
            publisher,
            signedArchive(key.privateKeyPem, '2.1.0', { description: { zh: '另一份', en: 'Other' } }),
          ),
          submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '2.0.5')),
        ]);
        const ok = uploads.filter((u) => u.status === 'fulfilled');
        assert.ok(ok.length >= 1 && ok.length <= 2, `${ok.length} uploads succeeded`);
        for (const u of uploads)
          if (u.status === 'rejected') assert.ok(['CONFLICT', 'INVALID_INPUT'].includes((u.reason as AppError).code));
        const versions = await fx.database.db
          .select({ version: marketSubmissions.version })
          .from(marketSubmissions)
          .where(eq(marketSubmissions.pluginId, 'org.acme.board'));
        assert.equal(versions.filter((v) => v.version === '2.1.0').length <= 1, true, 'one 2.1.0 at most');
      });
    }
  });
}
