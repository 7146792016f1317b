import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createTestDatabase, type Database, queryRows, testEngines, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { parseKeyring } from '../crypto/keyring.ts';
import { appendAudit, exportAudit, verifyAudit, verifyAuditExport } from './index.ts';

const entry = (i: number) => ({
  subject: `user-${i}`,
  subjectRole: 'community_admin',
  action: 'base.person.update',
  objectType: 'person',
  objectId: `p-${i}`,
  result: 'success' as const,
  sourceIp: '127.0.0.1',
  requestId: `req-${i}`,
  detail: { field: 'phone', z: 1, a: [1, 'two'], nested: { b: 2, a: '中文' } },
});

for (const engine of testEngines()) {
  describe(`audit log [${engine}]`, () => {
    let database: Database;
    before(async () => {
      database = await createTestDatabase(engine);
      await appendAudit(database.db, entry(0));
      await appendAudit(database.db, [entry(1), entry(2), entry(3)]);
      for (let i = 4; i < 10; i++) await appendAudit(database.db, entry(i));
    });
    after(() => database.close());

    test('an intact chain verifies', async () => {
      const r = await verifyAudit(database.db);
      assert.equal(r.ok, true);
      assert.equal(r.checked, 10);
    });

    test('UPDATE, DELETE and TRUNCATE are rejected by the database', async () => {
      await assert.rejects(
        database.db.execute(sql`update audit.log set result = 'failure' where seq = 2`),
        (e: Error) => /append-only/.test(String((e.cause as Error)?.message ?? e.message)),
      );
      await assert.rejects(database.db.execute(sql`delete from audit.log where seq = 2`));
      await assert.rejects(database.db.execute(sql`truncate audit.log`));
      await assert.rejects(
        withScope(database.db, { kind: 'all' }, (tx) => tx.execute(sql`update audit.log set result = 'x'`)),
      );
    });

    test('an audit record rolls back with the transaction it belongs to', async () => {
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await appendAudit(tx, entry(99));
          throw new Error('business failure');
        }),
      );
      const [{ n }] = await queryRows<{ n: unknown }>(database.db, sql`select count(*) as n from audit.log`);
      assert.equal(Number(n), 10);
    });

    test('a signed export verifies, and a tampered export does not', async () => {
      const ring = parseKeyring(randomBytes(32).toString('base64'));
      const { archive, count } = await exportAudit(database.db, ring.active);
      assert.equal(count, 10);
      assert.deepEqual(verifyAuditExport(archive), { ok: true, count: 10 });
      const tampered = gzipSync(gunzipSync(archive).toString('utf8').replace('user-3', 'user-X'));
      assert.equal(verifyAuditExport(tampered).ok, false);
    });

    test('editing any row (with triggers bypassed) is caught and named', async () => {
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(sql`update audit.log set object_id = 'p-tampered' where seq = 6`);
      });
      const r = await verifyAudit(database.db);
      assert.equal(r.ok, false);
      assert.equal(r.checked, 5);
      assert.equal(r.firstBroken?.seq, 6);
      assert.match(r.firstBroken?.reason ?? '', /edited/);
    });

    test('removing a row is caught at the next one', async () => {
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(sql`update audit.log set object_id = 'p-5' where seq = 6`);
        await tx.execute(sql`delete from audit.log where seq = 8`);
      });
      const r = await verifyAudit(database.db);
      assert.equal(r.ok, false);
      assert.equal(r.firstBroken?.seq, 9);
      assert.match(r.firstBroken?.reason ?? '', /removed or inserted/);
    });
  });
}
