// The console's vehicles: a page at a time in plate order, by plate prefix and kind; one vehicle with its owner
// (masked) and history; attribute edits checked like an import row, versioned, audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditLog, type Database, type DataScope, testEngines } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { importBatch } from './import/import-service.ts';
import { demoFixture, idFor } from './testing.ts';
import { createVehicle, getVehicle, listVehicles, updateVehicle } from './vehicle-detail.ts';

const actor = { subject: 'operator-1', role: 'community_admin' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

for (const engine of testEngines()) {
  describe(`vehicles in the console [${engine}]`, () => {
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
      assert.equal((await run('houses', '小区,楼栋,单元,楼层,房号\n示范小区,9,1,1,101')).created, 1);
      const owner = idFor('19550101', 1);
      await run(
        'people',
        `姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系\n周建国,居民身份证,${owner},13800003001,示范小区,9,1,1,101,业主`,
      );
      const r = await run(
        'vehicles',
        [
          '车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,停放时长',
          `浙A7H001,蓝,居民,${owner},示范小区,B-7,`,
          `浙AD12345,,居民,${owner},示范小区,B-8,`,
          '浙B5K002,蓝,临时,,,,90',
          '沪C1Z003,蓝,临时,,,,30',
        ].join('\n'),
      );
      assert.equal(r.created, 4);
    });
    after(() => database.close());

    test('pages come in plate order with a cursor; plate prefix and kind filter', async () => {
      const mine = (items: { plate: string }[]) =>
        items.map((v) => v.plate).filter((p) => /7H001|D12345|5K002|1Z003/.test(p));
      const first = await listVehicles(d, scope, { communityId: demo, plate: '浙', limit: 2 });
      const rest = await listVehicles(d, scope, {
        communityId: demo,
        plate: '浙',
        limit: 50,
        after: first.nextCursor ?? undefined,
      });
      const all = [...first.items, ...rest.items];
      assert.deepEqual(mine(all), ['浙A7H001', '浙AD12345', '浙B5K002']);
      assert.equal(new Set(all.map((v) => v.id)).size, all.length, 'no row twice across pages');
      const car = all.find((v) => v.plate === '浙A7H001');
      assert.deepEqual([car?.owner, car?.compound, car?.kind, car?.energy], ['周建国', '示范小区', 'resident', 'fuel']);
      assert.equal(all.find((v) => v.plate === '浙AD12345')?.energy, 'new');
      const temporary = await listVehicles(d, scope, { communityId: demo, kind: 'temporary' });
      assert.deepEqual(mine(temporary.items), ['沪C1Z003', '浙B5K002']);
      assert.deepEqual(mine((await listVehicles(d, scope, { communityId: demo, plate: '浙a7' })).items), ['浙A7H001']);
      await assert.rejects(
        listVehicles(d, scope, { communityId: demo, plate: "浙' or 1=1" }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        listVehicles(d, scope, { communityId: demo, after: 'garbage' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('one vehicle: owner masked, parking, history; an edit is checked, versioned and audited', async () => {
      const [car] = (await listVehicles(d, scope, { communityId: demo, plate: '浙A7H001' })).items;
      const v = await getVehicle(d, scope, car.id);
      assert.equal(v.owner, '周建国');
      assert.match(v.ownerIdNumber ?? '', /^\d{3,6}\*+[\dX]{2,4}$/);
      assert.doesNotMatch(v.ownerIdNumber ?? '', new RegExp(idFor('19550101', 1)));
      assert.equal(v.parkingSpace, 'B-7');
      // A resident vehicle has no parking duration; the plate cannot change here; an unknown field is refused.
      await assert.rejects(
        updateVehicle(d, scope, car.id, v.version, { parkingMinutes: 30 }, actor),
        (e) => code(e) === 'INVALID_INPUT' && Boolean((e as AppError).fieldErrors?.parkingMinutes),
      );
      await assert.rejects(
        updateVehicle(d, scope, car.id, v.version, { plate: '浙A00000' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && Boolean((e as AppError).fieldErrors?.plate),
      );
      const saved = await updateVehicle(d, scope, car.id, v.version, { parkingSpace: 'C-12', brand: '比亚迪' }, actor);
      assert.equal(saved.version, v.version + 1);
      await assert.rejects(
        updateVehicle(d, scope, car.id, v.version, { brand: '吉利' }, actor),
        (e) => code(e) === 'CONFLICT',
      );
      const after = await getVehicle(d, scope, car.id);
      assert.deepEqual([after.parkingSpace, after.brand], ['C-12', '比亚迪']);
      assert.deepEqual(after.history.at(-1)?.fields, ['parkingSpace', 'brand']);
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.objectId, car.id));
      assert.ok(audits.some((a) => a.action === 'base.vehicle.update'));
      await assert.rejects(
        getVehicle(d, scope, '00000000-0000-4000-8000-000000000000'),
        (e) => code(e) === 'NOT_FOUND',
      );
    });

    test('one vehicle registered by hand: GA 36, compound and owner checked, a registered plate refused', async () => {
      const owner = idFor('19550101', 1);
      const fields = (e: unknown) => Object.keys((e as AppError).fieldErrors ?? {}).sort();
      await assert.rejects(
        createVehicle(d, scope, demo, { plate: '浙AI2345', kind: 'resident' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fields(e).includes('plate'),
      );
      await assert.rejects(
        createVehicle(
          d,
          scope,
          demo,
          { plate: '浙A9K777', kind: 'resident', compound: '无此小区', ownerIdNumber: idFor('19600101', 2) },
          actor,
        ),
        (e) => code(e) === 'INVALID_INPUT' && fields(e).join() === 'compound,ownerIdNumber',
      );
      const made = await createVehicle(
        d,
        scope,
        demo,
        { plate: ' 浙a9k777 ', kind: 'resident', compound: '示范小区', ownerIdNumber: owner, parkingSpace: 'D-1' },
        actor,
      );
      const v = await getVehicle(d, scope, made.id);
      assert.deepEqual(
        [v.plate, v.plateColour, v.owner, v.compound, v.parkingSpace],
        ['浙A9K777', 'blue', '周建国', '示范小区', 'D-1'],
      );
      assert.equal(v.history[0].action, 'create');
      // 7.2.3.4.3: a temporary vehicle keeps its plate and parking duration.
      const visitor = await createVehicle(
        d,
        scope,
        demo,
        { plate: '浙A6T321', kind: 'temporary', parkingMinutes: 95 },
        actor,
      );
      const tv = await getVehicle(d, scope, visitor.id);
      assert.deepEqual([tv.plate, tv.kind, tv.parkingMinutes], ['浙A6T321', 'temporary', 95]);
      await assert.rejects(
        createVehicle(d, scope, demo, { plate: '浙A9K777', kind: 'temporary' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fields(e).join() === 'plate',
      );
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.objectId, made.id));
      assert.deepEqual(
        audits.map((a) => a.action),
        ['base.vehicle.create'],
      );
    });
  });
}
