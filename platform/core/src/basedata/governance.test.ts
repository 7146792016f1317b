import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, type DataScope, dataEntryProfiles, queryRows, testEngines } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { findUserByUsername } from '../identity/users-repo.ts';
import { grantConsent, hasConsent, listConsents, withdrawConsent } from './consent-service.ts';
import { acknowledgeConfidentiality, entryStatus } from './data-entry.ts';
import { createPerson } from './people-service.ts';
import { demoFixture, idFor } from './testing.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

for (const engine of testEngines()) {
  describe(`data-entry governance and consent ledger [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;
    let operator: { subject: string; role: string };
    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      operator = { subject: (await findUserByUsername(database.db, 'operator'))!.id, role: 'community_admin' };
    });
    after(() => database.close());

    const person = (seq: number) => ({
      name: `录入${seq}`,
      idType: 'id_card',
      idNumber: idFor('19450101', seq),
      category: 'resident',
    });

    test('a person enters nothing before accepting the confidentiality undertaking; afterwards the entry is attributed', async () => {
      assert.equal((await entryStatus(database.db, operator.subject)).acknowledged, false);
      await assert.rejects(
        createPerson(d, scope, demo, person(1), operator),
        (e) => code(e) === 'FORBIDDEN' && /保密承诺/.test((e as AppError).messageZh),
      );
      await acknowledgeConfidentiality(database.db, operator);
      assert.equal((await entryStatus(database.db, operator.subject)).acknowledged, true);
      const p = await createPerson(d, scope, demo, person(1), operator);
      const [row] = await queryRows<{ created_by: string }>(
        database.db,
        sql`select created_by from base.people where id = ${p.id}`,
      );
      assert.equal(row.created_by, operator.subject);
      const [a] = await queryRows<{ n: unknown }>(
        database.db,
        sql`select count(*) as n from audit.log where action = 'base.entry.acknowledge' and subject = ${operator.subject}`,
      );
      assert.equal(Number(a.n), 1);
    });

    test('an entry grade below the data refuses the entry', async () => {
      await database.db
        .update(dataEntryProfiles)
        .set({ maxGrade: 'L2' })
        .where(eq(dataEntryProfiles.userId, operator.subject));
      await assert.rejects(
        createPerson(d, scope, demo, person(2), operator),
        (e) => code(e) === 'FORBIDDEN' && /L2/.test((e as AppError).messageZh),
      );
      await database.db
        .update(dataEntryProfiles)
        .set({ maxGrade: 'L4' })
        .where(eq(dataEntryProfiles.userId, operator.subject));
    });

    test('consent is recorded with purpose, categories and channel; withdrawal is recorded and ends it', async () => {
      const p = await createPerson(d, scope, demo, person(3), operator);
      const g = await grantConsent(
        d,
        scope,
        { personId: p.id, purpose: 'health_data_sharing', categories: ['health', 'contact'], channel: 'paper' },
        operator,
      );
      assert.equal(await hasConsent(d, scope, p.id, 'health_data_sharing', 'health'), true);
      await assert.rejects(
        grantConsent(
          d,
          scope,
          { personId: p.id, purpose: 'health_data_sharing', categories: [], channel: 'app' },
          operator,
        ),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await withdrawConsent(d, scope, g.id, 'app', operator);
      assert.equal(await hasConsent(d, scope, p.id, 'health_data_sharing', 'health'), false);
      await assert.rejects(withdrawConsent(d, scope, g.id, 'app', operator), (e) => code(e) === 'CONFLICT');
      const list = await listConsents(d, scope, p.id);
      assert.equal(list.length, 1);
      assert.deepEqual([list[0].active, list[0].categories, list[0].channel], [false, ['contact', 'health'], 'paper']);
      assert.ok(list[0].withdrawnAt);
      const other: DataScope = { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] };
      assert.equal((await listConsents(d, other, p.id)).length, 0);
    });
  });
}
