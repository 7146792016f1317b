import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppError } from '@shequ/core';
import { marketReviewReports, marketVersions, testEngines } from '@shequ/db';
import { generatePublisherKey, packPlugin, signPackage } from '@shequ/runtime';
import { eq, sql } from 'drizzle-orm';
import { loadPlatformKey } from './platform-key.ts';
import { addPublisherKey, createPublisher, revokePublisherKey } from './publishers.ts';
import { verifyReport } from './review.ts';
import { submitPackage } from './submit.ts';
import { appBundle, appManifest, hostileArchive, marketFixture, signedArchive } from './testing.ts';

const refused = (code: string, pattern: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.messageEn, pattern);
  assert.ok(e.messageZh.length > 0);
  return true;
};

for (const engine of testEngines()) {
  describe(`marketplace submissions [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const key = generatePublisherKey();
    const publisher = { subject: 'provider-user' };
    const stranger = { subject: 'someone-else' };

    before(async () => {
      fx = await marketFixture(engine);
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
    });
    after(() => fx?.close());

    test('a signed package is stored with a platform-signed review report and waits for a reviewer', async () => {
      const r = await submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '1.0.0'));
      assert.equal(r.state, 'submitted');
      assert.equal(r.passed, true);
      const ids = r.items.map((i) => i.id);
      for (const id of [
        'manifest',
        'signature',
        'sandbox',
        'permissions.list',
        'budget.archive',
        'budget.bundle',
        'budget.schema',
        'elder.labels',
        'personal.graded',
      ])
        assert.ok(ids.includes(id), `report has ${id}`);
      for (const i of r.items) assert.ok(i.zh && i.en, `item ${i.id} in both languages`);
      const [rep] = await fx.database.db
        .select()
        .from(marketReviewReports)
        .where(eq(marketReviewReports.id, r.reportId));
      const platform = await loadPlatformKey(fx.database.db, fx.crypto);
      assert.equal(verifyReport(platform.publicKey, rep.body, rep.signature), true);
      assert.equal(
        verifyReport(platform.publicKey, rep.body.replace('"passed":true', '"passed":false'), rep.signature),
        false,
      );
    });

    test('integrity failures store nothing and say why', async () => {
      const before = await fx.database.db.select({ n: sql<number>`count(*)::int` }).from(marketVersions);
      const files = signPackage(
        { 'shequ.plugin.json': JSON.stringify(appManifest('1.1.0')), 'bundle.js': appBundle },
        key.privateKeyPem,
      );
      const tampered = packPlugin({ ...files, 'bundle.js': `${appBundle}\n// changed` });
      await assert.rejects(
        submitPackage(fx.market, publisher, tampered),
        refused('INVALID_INPUT', /"bundle.js" was changed after signing/),
      );
      const unsigned = packPlugin({
        'shequ.plugin.json': JSON.stringify(appManifest('1.1.0')),
        'bundle.js': appBundle,
      });
      await assert.rejects(submitPackage(fx.market, publisher, unsigned), refused('INVALID_INPUT', /not signed/));
      const other = generatePublisherKey();
      await assert.rejects(
        submitPackage(fx.market, publisher, signedArchive(other.privateKeyPem, '1.1.0')),
        refused('INVALID_INPUT', /not registered/),
      );
      await assert.rejects(
        submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '0.9.0')),
        refused('INVALID_INPUT', /not above the existing 1\.0\.0/),
      );
      await assert.rejects(
        submitPackage(
          fx.market,
          publisher,
          signedArchive(key.privateKeyPem, '1.0.0', { description: { zh: '改', en: 'x' } }),
        ),
        refused('CONFLICT', /versions are immutable/),
      );
      await assert.rejects(
        submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '1.1.0', { id: 'org.evil.board' })),
        refused('FORBIDDEN', /does not belong to the publisher org\.acme/),
      );
      await assert.rejects(
        submitPackage(fx.market, stranger, signedArchive(key.privateKeyPem, '1.1.0')),
        refused('FORBIDDEN', /not a member/),
      );
      await assert.rejects(
        submitPackage(
          fx.market,
          publisher,
          hostileArchive(
            signPackage(
              {
                'shequ.plugin.json': JSON.stringify(
                  appManifest('1.1.0', { permissions: { services: { teleport: ['go'] } } }),
                ),
                'bundle.js': appBundle,
              },
              key.privateKeyPem,
            ) as Record<string, string>,
          ),
        ),
        refused('INVALID_INPUT', /unknown service "teleport"/),
      );
      await assert.rejects(
        submitPackage(fx.market, publisher, hostileArchive({ '../bundle.js': 'x' })),
        refused('INVALID_INPUT', /"\.\.\/bundle\.js" has a "\.\." segment/),
      );
      await assert.rejects(
        submitPackage(fx.market, publisher, hostileArchive({ '/etc/passwd': 'x' })),
        refused('INVALID_INPUT', /absolute path/),
      );
      await assert.rejects(
        submitPackage(fx.market, publisher, Buffer.alloc(9 * 1024 * 1024)),
        refused('INVALID_INPUT', /over 8388608 bytes/),
      );
      const after = await fx.database.db.select({ n: sql<number>`count(*)::int` }).from(marketVersions);
      assert.deepEqual(after, before);
    });

    test('the database itself refuses downgrades, repeats and edits of versions', async () => {
      const [v] = await fx.database.db.select().from(marketVersions).where(eq(marketVersions.version, '1.0.0'));
      const row = { ...v, id: undefined, createdAt: undefined };
      await assert.rejects(
        fx.database.db.insert(marketVersions).values({ ...row, version: '0.5.0', major: 0, minor: 5 }),
      );
      await assert.rejects(fx.database.db.insert(marketVersions).values({ ...row }));
      await assert.rejects(
        fx.database.db.update(marketVersions).set({ archive: 'AAAA' }).where(eq(marketVersions.id, v.id)),
      );
      await assert.rejects(fx.database.db.delete(marketVersions).where(eq(marketVersions.id, v.id)));
      await assert.rejects(fx.database.db.update(marketReviewReports).set({ passed: false }));
    });

    test('an escalation is flagged; over-budget and unlabelled pages are rejected with reasons', async () => {
      const up = await submitPackage(
        fx.market,
        publisher,
        signedArchive(key.privateKeyPem, '1.1.0', {
          permissions: { services: { message: ['send'] }, data: ['stats:read'] },
        }),
      );
      assert.equal(up.passed, true);
      assert.deepEqual(up.escalation, ['message.send', 'stats:read']);
      assert.equal(up.items.find((i) => i.id === 'permissions.escalation')?.level, 'warn');
      const fat = {
        type: 'object',
        properties: Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`f${i}`, { type: 'string' }])),
      };
      const bad = await submitPackage(
        fx.market,
        publisher,
        signedArchive(key.privateKeyPem, '1.2.0', {
          collections: {
            posts: {
              schema: {
                type: 'object',
                required: ['title'],
                properties: { title: { type: 'string' }, phone: { type: 'string' } },
              },
            },
            big: { schema: fat },
          },
          pages: {
            ...appManifest().pages,
            write: {
              ...appManifest().pages.write,
              schema: { type: 'object', properties: { title: { type: 'string' } } },
            },
          },
        }),
      );
      assert.equal(bad.passed, false);
      assert.equal(bad.state, 'rejected');
      const level = (id: string) => bad.items.find((i) => i.id === id)?.level;
      assert.equal(level('budget.schema'), 'fail');
      assert.equal(level('elder.labels'), 'fail');
      assert.equal(level('personal.undeclared'), 'warn');
      assert.match(bad.items.find((i) => i.id === 'elder.labels')?.en ?? '', /pages\/write\/schema\/title/);
    });

    test('a revoked key signs nothing new; a rotated key does', async () => {
      const next = generatePublisherKey();
      await addPublisherKey(fx.market, publisher, 'org.acme', next.publicKeyPem, next.keyId);
      await revokePublisherKey(fx.market, publisher, 'org.acme', key.keyId, 'rotated');
      await assert.rejects(
        submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '1.3.0')),
        refused('INVALID_INPUT', /was revoked/),
      );
      const ok = await submitPackage(fx.market, publisher, signedArchive(next.privateKeyPem, '1.3.0'));
      assert.equal(ok.state, 'submitted');
    });
  });
}
