import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, type DataScope, queryRows, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { createHouse } from './houses-service.ts';
import { countPeople, createPerson, getPerson, revealPerson, searchPeople, updatePerson } from './people-service.ts';
import { demoFixture, idFor } from './testing.ts';

const actor = { subject: 'tester', role: 'community_admin' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

for (const engine of testEngines()) {
  describe(`base warehouse: people and houses [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let scope: DataScope;
    let d: { db: Database['db']; crypto: FieldCrypto };
    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
    });
    after(() => database.close());

    test('a bad ID number is a field error naming the expected check digit; nothing is written', async () => {
      const good = idFor('19520314', 12);
      const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
      await assert.rejects(
        createPerson(d, scope, demo, { name: '王秀英', idType: 'id_card', idNumber: bad, category: 'resident' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && /校验/.test((e as AppError).fieldErrors?.idNumber?.[0] ?? ''),
      );
      assert.equal(await countPeople(d, scope, demo), 0);
    });

    test('create stores L3+ encrypted and shows them masked; the same ID twice is a conflict', async () => {
      const id = idFor('19520314', 12);
      const p = await createPerson(
        d,
        scope,
        demo,
        {
          name: '王秀英',
          idType: 'id_card',
          idNumber: id.toLowerCase(),
          phone: '+86 138-0013-8000',
          category: 'resident',
          tags: ['志愿者'],
        },
        actor,
      );
      const [raw] = await queryRows<Record<string, string>>(
        database.db,
        sql`select * from base.people where id = ${p.id}`,
      );
      assert.ok(!JSON.stringify(raw).includes(id), 'no plaintext ID number at rest');
      assert.ok(!JSON.stringify(raw).includes('13800138000'), 'no plaintext phone at rest');
      const shown = await getPerson(d, scope, p.id);
      assert.equal(shown.idNumber, `${id.slice(0, 6)}********${id.slice(-4)}`);
      assert.equal(shown.phone, '138****8000');
      assert.equal(shown.gender, 'female');
      await assert.rejects(
        createPerson(d, scope, demo, { name: '重复', idType: 'id_card', idNumber: id, category: 'resident' }, actor),
        (e) => code(e) === 'CONFLICT',
      );
    });

    test('search by name prefix, exact ID number, phone and tag; cursor pagination', async () => {
      for (let i = 0; i < 5; i++) {
        await createPerson(
          d,
          scope,
          demo,
          {
            name: `王${'甲乙丙丁戊'[i]}`,
            idType: 'id_card',
            idNumber: idFor('19800101', 100 + i),
            category: 'resident',
          },
          actor,
        );
      }
      const wang = await searchPeople(d, scope, { namePrefix: '王', limit: 4 });
      assert.equal(wang.items.length, 4);
      assert.ok(wang.nextCursor);
      const rest = await searchPeople(d, scope, { namePrefix: '王', limit: 4, after: wang.nextCursor! });
      assert.equal(rest.items.length, 2);
      assert.equal(new Set([...wang.items, ...rest.items].map((p) => p.id)).size, 6);
      // A cursor is opaque: one that was not handed out is a clear INVALID_INPUT, not a server error.
      for (const after of [
        'garbage',
        Buffer.from('{"a":1}').toString('base64url'),
        Buffer.from('["王","x"]').toString('base64url'),
      ])
        await assert.rejects(searchPeople(d, scope, { namePrefix: '王', after }), (e) => code(e) === 'INVALID_INPUT');
      assert.equal((await searchPeople(d, scope, { idNumber: idFor('19520314', 12) })).items[0]?.name, '王秀英');
      assert.equal((await searchPeople(d, scope, { phone: '13800138000' })).items[0]?.name, '王秀英');
      assert.equal((await searchPeople(d, scope, { tag: '志愿者' })).items.length, 1);
    });

    test('updates need the current version; history names fields, not values', async () => {
      const [p] = (await searchPeople(d, scope, { idNumber: idFor('19520314', 12) })).items;
      const v2 = await updatePerson(d, scope, p.id, p.version, { phone: '13900000000' }, actor);
      assert.equal(v2.version, p.version + 1);
      await assert.rejects(
        updatePerson(d, scope, p.id, p.version, { occupation: '退休' }, actor),
        (e) => code(e) === 'CONFLICT',
      );
      const detail = await getPerson(d, scope, p.id);
      assert.deepEqual(detail.history.at(-1)?.fields, ['phone']);
      assert.ok(!JSON.stringify(detail.history).includes('13900000000'));
    });

    test('reveal needs a reason and is audited with it', async () => {
      const [p] = (await searchPeople(d, scope, { idNumber: idFor('19520314', 12) })).items;
      await assert.rejects(revealPerson(d, scope, p.id, ['idNumber'], '', actor), (e) => code(e) === 'INVALID_INPUT');
      const shown = await revealPerson(d, scope, p.id, ['idNumber', 'phone'], '核实独居老人身份', actor);
      assert.equal(shown.idNumber, idFor('19520314', 12));
      assert.equal(shown.phone, '13900000000');
      const [a] = await queryRows<{ detail: { reason: string } | string }>(
        database.db,
        sql`select detail from audit.log where action = 'base.person.reveal' order by seq desc limit 1`,
      );
      const detail = typeof a.detail === 'string' ? JSON.parse(a.detail) : a.detail;
      assert.equal(detail.reason, '核实独居老人身份');
    });

    test('another community sees none of it', async () => {
      const other: DataScope = { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] };
      assert.equal((await searchPeople(d, other, { namePrefix: '王' })).items.length, 0);
      await assert.rejects(
        getPerson(d, other, (await searchPeople(d, scope, { namePrefix: '王秀' })).items[0].id),
        (e) => code(e) === 'NOT_FOUND',
      );
    });

    test('houses are unique by compound, building, unit, floor and room', async () => {
      const h = { compound: '示范小区', building: '3', unit: '1', floor: '5', room: '501', area: '89.5' };
      await createHouse(d, scope, demo, h, actor);
      await assert.rejects(createHouse(d, scope, demo, h, actor), (e) => code(e) === 'CONFLICT');
      await assert.rejects(
        createHouse(d, scope, demo, { ...h, compound: '不存在小区' }, actor),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });
  });
}
