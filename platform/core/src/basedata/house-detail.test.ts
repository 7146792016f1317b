// The console's houses: a page at a time in address order (building 10 after building 9), filtered by compound and
// building; one house with its occupants (masked), their vehicles and its history; attribute edits versioned.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, type DataScope, testEngines } from '@shequ/db';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { getHouse, listHouses, updateHouse } from './house-detail.ts';
import { importBatch } from './import/import-service.ts';
import { demoFixture, idFor } from './testing.ts';

const actor = { subject: 'operator-1', role: 'community_admin' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

for (const engine of testEngines()) {
  describe(`houses in the console [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;
    const run = (kind: 'people' | 'houses' | 'vehicles', text: string) =>
      importBatch(d, scope, {
        kind,
        communityId: demo,
        fileName: `${kind}.csv`,
        data: Buffer.from(text),
        dryRun: false,
        actor,
      });

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      const rows = ['小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质'];
      for (const b of ['9', '10', '2'])
        for (const r of ['101', '102']) rows.push(`示范小区,${b},1,1,${r},三室一厅,89.5,商品房`);
      rows.push('和园,1,1,1,101,两室一厅,60,安置房');
      assert.equal((await run('houses', rows.join('\n'))).created, 7);
      const people = [
        '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系',
        `周建国,居民身份证,${idFor('19550101', 1)},13800003001,示范小区,9,1,1,101,业主`,
        `周小雨,居民身份证,${idFor('19900101', 2)},,示范小区,9,1,1,101,家属`,
      ];
      assert.equal((await run('people', people.join('\n'))).created, 2);
      await run(
        'vehicles',
        `车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,停放时长\n浙A7H001,蓝,居民,${idFor('19550101', 1)},示范小区,B-7,`,
      );
    });
    after(() => database.close());

    test('pages come in address order with a cursor; compound and building filter', async () => {
      const first = await listHouses(d, scope, { communityId: demo, limit: 4 });
      assert.deepEqual(
        first.items.map((h) => `${h.compound}${h.building}-${h.room}`),
        ['和园1-101', '示范小区2-101', '示范小区2-102', '示范小区9-101'],
      );
      const rest = await listHouses(d, scope, { communityId: demo, limit: 4, after: first.nextCursor ?? undefined });
      assert.deepEqual(
        rest.items.map((h) => `${h.building}-${h.room}`),
        ['9-102', '10-101', '10-102'],
      );
      assert.equal(rest.nextCursor, null);
      const b10 = await listHouses(d, scope, { communityId: demo, compound: '示范小区', building: '10' });
      assert.equal(b10.items.length, 2);
      await assert.rejects(
        listHouses(d, scope, { communityId: demo, after: 'bm9wZQ' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('a house shows who lives there (masked), their car and its history; edits are versioned', async () => {
      const [h] = (await listHouses(d, scope, { communityId: demo, building: '9', limit: 1 })).items;
      const house = await getHouse(d, scope, h.id);
      assert.deepEqual(
        house.occupants.map((o) => [o.name, o.role, o.phone]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
        [
          ['周小雨', 'family', null],
          ['周建国', 'owner', '138****3001'],
        ],
      );
      assert.ok(
        house.occupants.every((o) => /\*{8}/.test(o.idNumber)),
        'ID numbers are masked',
      );
      assert.deepEqual(
        house.vehicles.map((v) => [v.plate, v.owner, v.parkingSpace]),
        [['浙A7H001', '周建国', 'B-7']],
      );
      assert.deepEqual(
        house.history.map((x) => x.action),
        ['import'],
      );

      const r = await updateHouse(d, scope, h.id, house.version, { area: 92.5, layout: '三室两厅' }, actor);
      assert.equal(r.version, house.version + 1);
      const again = await getHouse(d, scope, h.id);
      assert.deepEqual([again.area, again.layout], [92.5, '三室两厅']);
      assert.deepEqual(again.history.at(-1)?.fields, ['layout', 'area']);
      await assert.rejects(
        updateHouse(d, scope, h.id, house.version, { area: 100 }, actor),
        (e) => code(e) === 'CONFLICT',
      );
      await assert.rejects(
        updateHouse(d, scope, h.id, again.version, { area: -1 }, actor),
        (e) => code(e) === 'INVALID_INPUT' && !!(e as AppError).fieldErrors?.area,
      );
      await assert.rejects(
        updateHouse(d, scope, h.id, again.version, { room: '999' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && !!(e as AppError).fieldErrors?.room,
      );
      const other: DataScope = { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] };
      await assert.rejects(getHouse(d, other, h.id), (e) => code(e) === 'NOT_FOUND');
    });
  });
}
