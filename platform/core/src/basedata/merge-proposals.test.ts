// Clean-layer deduplication (DB33 7.2.1): a re-import that names stored people, houses and vehicles with other data
// proposes merges instead of overwriting; an operator accepts (the record changes, versioned, with history) or
// rejects (nothing changes); every decision is kept once and audited; another community sees none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { changes, type Database, type DataScope, houses, people, queryRows, testEngines, vehicles } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { importBatch } from './import/import-service.ts';
import { decideProposal, listProposals } from './merge-proposals.ts';
import { updatePerson } from './people-service.ts';
import { demoFixture, idFor } from './testing.ts';

const actor = { subject: 'operator-1', role: 'community_admin' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const PEOPLE = '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系';
const HOUSES = '小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质';
const VEHICLES = '车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,停放时长';

for (const engine of testEngines()) {
  describe(`merge proposals [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;
    const run = (kind: 'people' | 'houses' | 'vehicles', text: string, fileName = `${kind}.csv`) =>
      importBatch(d, scope, { kind, communityId: demo, fileName, data: Buffer.from(text), dryRun: false, actor });
    const person = async (i: number) => {
      const idx = d.crypto.blindIndex('id_number', idFor('19580101', i));
      const [p] = await database.db.select().from(people).where(eq(people.idNumberIndex, idx));
      return p;
    };
    const peopleFile = (phones: string[], names = ['甲', '乙', '丙']) =>
      [
        PEOPLE,
        ...phones.map((ph, i) => `${names[i]},居民身份证,${idFor('19580101', i)},${ph},示范小区,5,1,1,101,家属`),
      ].join('\n');

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      await run('houses', `${HOUSES}\n示范小区,5,1,1,101,三室一厅,89.5,商品房`);
      assert.equal((await run('people', peopleFile(['13800002000', '13800002001', '13800002002']))).created, 3);
      await run('vehicles', `${VEHICLES}\n浙A6M001,蓝,居民,${idFor('19580101', 0)},示范小区,B-1,`);
    });
    after(() => database.close());

    test('a re-import with other data proposes, stores nothing over the records, and is not proposed twice', async () => {
      const file = peopleFile(['13800002000', '13900009999', '13800002002'], ['甲', '乙', '丙二']);
      const r = await run('people', file, 'people-2.csv');
      assert.deepEqual([r.committed, r.created, r.unchanged, r.errors.length], [true, 0, 1, 0]);
      assert.deepEqual(r.proposals, [
        { row: 3, entity: 'person', fields: ['phone'] },
        { row: 4, entity: 'person', fields: ['name'] },
      ]);
      assert.equal(r.proposed, 2);
      assert.equal((await person(1)).phoneMasked, '138****2001', 'the stored phone is untouched');
      assert.equal((await person(2)).name, '丙');
      assert.equal((await run('people', file, 'people-2-again.csv')).proposed, 0, 'the same change is proposed once');

      const list = await listProposals(d, scope, demo);
      assert.equal(list.items.length, 2);
      const phone = list.items.find((p) => p.changes[0].field === 'phone');
      assert.deepEqual(phone?.changes, [{ field: 'phone', current: '138****2001', incoming: '139****9999' }]);
      assert.match(phone?.label ?? '', /^乙 /);
      assert.equal(phone?.source, 'people-2.csv');
      assert.equal(phone?.sourceRow, 3);
      // The incoming phone is stored encrypted, never in the clear.
      const [{ n }] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from base.merge_proposals where incoming_cipher like '%13900009999%'`,
      );
      assert.equal(n, 0);
    });

    test('accepting changes the record with a new version and history; rejecting changes nothing; once only', async () => {
      const { items } = await listProposals(d, scope, demo);
      const phone = items.find((p) => p.changes[0].field === 'phone')!;
      const name = items.find((p) => p.changes[0].field === 'name')!;
      const before = await person(1);
      assert.deepEqual(await decideProposal(d, scope, demo, phone.id, 'accept', '电话已核实', actor), {
        id: phone.id,
        status: 'accepted',
      });
      const after = await person(1);
      assert.equal(after.phoneMasked, '139****9999');
      assert.equal(after.version, before.version + 1);
      assert.equal(after.phoneIndex, d.crypto.blindIndex('phone', '13900009999'), 'searchable by the new phone');
      const history = await database.db
        .select()
        .from(changes)
        .where(and(eq(changes.entityId, after.id), eq(changes.version, after.version)));
      assert.deepEqual(history[0].diff, { fields: ['phone'] });

      await decideProposal(d, scope, demo, name.id, 'reject', '姓名以户籍为准', actor);
      assert.equal((await person(2)).name, '丙');
      await assert.rejects(
        decideProposal(d, scope, demo, name.id, 'accept', null, actor),
        (e) => code(e) === 'CONFLICT',
      );
      assert.equal((await listProposals(d, scope, demo)).items.length, 0);
      const decided = await listProposals(d, scope, demo, { status: 'accepted' });
      assert.deepEqual(
        decided.items.map((p) => [p.decidedBy, p.note]),
        [['operator-1', '电话已核实']],
      );
      const audits = await queryRows<{ action: string }>(
        database.db,
        sql`select action from audit.log where action like 'base.merge.%' order by seq`,
      );
      assert.deepEqual(
        audits.map((a) => a.action),
        ['base.merge.accept', 'base.merge.reject'],
      );
    });

    test('a proposal for a record changed since is a conflict and stays pending', async () => {
      const r = await run('people', peopleFile(['13700000000', '13900009999', '13800002002']), 'people-3.csv');
      assert.equal(r.proposed, 1);
      const p0 = await person(0);
      await updatePerson(d, scope, p0.id, p0.version, { occupation: '教师' }, actor);
      const [pending] = (await listProposals(d, scope, demo)).items;
      await assert.rejects(
        decideProposal(d, scope, demo, pending.id, 'accept', null, actor),
        (e) => code(e) === 'CONFLICT' && /重新导入/.test((e as AppError).messageZh),
      );
      assert.equal((await person(0)).phoneMasked, '138****2000');
      assert.equal((await listProposals(d, scope, demo)).items.length, 1);
      await decideProposal(d, scope, demo, pending.id, 'reject', null, actor);
    });

    test('houses and vehicles: other attributes in a re-import are proposals; accepting applies them', async () => {
      const h = await run('houses', `${HOUSES}\n示范小区,5,1,1,101,三室一厅,92,商品房`);
      assert.deepEqual(h.proposals, [{ row: 2, entity: 'house', fields: ['area'] }]);
      const v = await run('vehicles', `${VEHICLES}\n浙A6M001,蓝,居民,${idFor('19580101', 0)},示范小区,B-9,`);
      assert.deepEqual(v.proposals, [{ row: 2, entity: 'vehicle', fields: ['parkingSpace'] }]);
      const { items } = await listProposals(d, scope, demo);
      const house = items.find((p) => p.entity === 'house')!;
      assert.deepEqual(house.changes, [{ field: 'area', current: '89.5', incoming: '92' }]);
      const car = items.find((p) => p.entity === 'vehicle')!;
      assert.deepEqual(car.changes, [{ field: 'parkingSpace', current: 'B-1', incoming: 'B-9' }]);
      for (const p of [house, car]) await decideProposal(d, scope, demo, p.id, 'accept', null, actor);
      const [stored] = await database.db.select().from(houses).where(eq(houses.id, house.targetId));
      assert.deepEqual([stored.area, stored.version], [92, 2]);
      const [vehicle] = await database.db.select().from(vehicles).where(eq(vehicles.id, car.targetId));
      assert.deepEqual([vehicle.parkingSpace, vehicle.version], ['B-9', 2]);
    });

    test('another community sees no proposal and cannot decide one', async () => {
      await run('houses', `${HOUSES}\n示范小区,5,1,1,101,四室两厅,92,商品房`);
      const [mine] = (await listProposals(d, scope, demo)).items;
      const other: DataScope = { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] };
      assert.equal((await listProposals(d, other, demo)).items.length, 0);
      await assert.rejects(
        decideProposal(d, other, demo, mine.id, 'accept', null, actor),
        (e) => code(e) === 'NOT_FOUND',
      );
    });
  });
}
