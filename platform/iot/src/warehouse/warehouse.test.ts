// The IoT warehouse's records (DB33 7.2.2.2.3 货物, 7.2.2.5.4 垃圾回收, 7.2.2.4.3 生命体征) from the sensors of 6.2.1.3,
// 6.2.4.3 and 6.2.3.3: one consumer turns device events into facts once, pairs a locker's deposits and pickups in any
// order, and the statistics count Shanghai days within row-level security. The same through a real MQTT device (the
// device SDK) is platform/api/src/routers/iot-warehouse-mqtt.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deviceProperties, people, personRefs, queryRows, telemetryRollups, testEngines, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { setDeviceLocation } from '../registry/devices-service.ts';
import { pruneTelemetry } from '../registry/telemetry-maintenance.ts';
import { actor, iotFixture } from '../testing.ts';
import { recordWarehouseFact, warehouseDomains } from './facts.ts';
import { listParcels, parcelStats } from './parcels.ts';
import { garbageStats, getVitals, listFacts, listVitalMonitors } from './queries.ts';
import {
  healthProfile,
  healthStats,
  libraryStats,
  listLoans,
  listServiceFacts,
  mealStats,
  readerHistory,
} from './services.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Midnight of today in Asia/Shanghai (UTC+8, no daylight saving). */
const shanghaiMidnight = () => new Date(Math.floor((Date.now() + 8 * HOUR) / DAY) * DAY - 8 * HOUR);
const shanghaiDay = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 10);

for (const engine of testEngines()) {
  describe(`IoT warehouse records (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let domainOf: ReturnType<typeof warehouseDomains>;
    type Dev = { id: string; productKey: string; deviceName: string; deviceSecret: string };
    let locker: Dev;
    let locker2: Dev;
    let bin: Dev;
    let monitor: Dev;
    let kiosk: Dev;
    let till: Dev;
    let library: Dev;
    let reader: Dev;
    let training: Dev;
    let fitness: Dev;
    let residentId: string;
    const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };

    const ev = (
      d: Dev,
      event: string,
      value: Record<string, unknown> | null,
      time: Date,
      messageId = randomUUID(),
    ) => ({
      productKey: d.productKey,
      deviceName: d.deviceName,
      deviceId: d.id,
      messageId,
      event,
      value,
      time: time.getTime(),
    });
    const rec = (e: unknown) => recordWarehouseFact(f.database.db, domainOf, f.communityId, e);

    before(async () => {
      f = await iotFixture(engine);
      const make = f.standardDevices;
      [locker, locker2] = await make('parcel-locker', '快递柜', ['locker-a', 'locker-b']);
      await setDeviceLocation(f.iot.deps, f.scope, locker2.productKey, locker2.deviceName, '和园北门', actor);
      [bin] = await make('garbage-bin', '垃圾桶', ['bin-kitchen']);
      [monitor] = await make('elderly-vital-monitor', '体征监测仪', ['vital-101']);
      [kiosk] = await make('health-kiosk', '健康小屋', ['kiosk-1']);
      [till] = await make('canteen-till', '长者食堂', ['till-1']);
      [library] = await make('library-terminal', '图书借阅', ['lib-1']);
      [reader] = await make('e-reader', '电子阅读', ['ereader-1']);
      [training] = await make('training-terminal', '培训签到', ['class-1']);
      [fitness] = await make('fitness-equipment', '健身步道', ['trail-1']);
      // A resident whose kiosk/card ref is mapped the way a gate's is (access.person_refs).
      [{ id: residentId }] = await withScope(f.database.db, f.scope, async (tx) => {
        const rows = await tx
          .insert(people)
          .values({
            communityId: f.communityId,
            name: '王阿姨',
            idType: 'resident_id',
            idNumberCipher: 'x',
            idNumberIndex: `idx-${randomUUID()}`,
            idNumberMasked: '3301**********0022',
            category: 'registered',
            createdBy: 't',
            updatedBy: 't',
          })
          .returning({ id: people.id });
        await tx.insert(personRefs).values([
          { communityId: f.communityId, ref: 'CARD-W', personId: rows[0].id, createdBy: 't' },
          { communityId: f.communityId, ref: 'FACE-W', personId: rows[0].id, createdBy: 't' },
        ]);
        return rows;
      });
      domainOf = warehouseDomains(f.database.db);
    });
    after(async () => {
      await f?.close();
    });

    test('a pickup closes the open deposit of its locker cell; a redelivered event records nothing twice', async () => {
      const t0 = new Date(Date.now() - 5 * HOUR);
      const dep = ev(locker, 'deposit', { cell: 'A01', trackingNo: 'SF1001', carrier: '顺丰' }, t0);
      assert.equal((await rec(dep)).recorded, true);
      assert.deepEqual(await rec(dep), { recorded: false, reason: 'duplicate' }, 'same device and message id');
      const pick = ev(locker, 'pickup', { cell: 'A01', dwellMinutes: 1 }, new Date(t0.getTime() + 90 * 60_000));
      assert.equal((await rec(pick)).recorded, true);
      assert.equal((await rec(pick)).recorded, false);
      const { items } = await listParcels(f.database.db, f.scope, f.communityId, { trackingNo: 'SF1001' });
      assert.equal(items.length, 1);
      assert.equal(items[0].cell, 'A01');
      assert.equal(items[0].carrier, '顺丰');
      assert.equal(items[0].deviceName, 'locker-a');
      assert.equal(items[0].depositedAt, t0.toISOString());
      assert.equal(items[0].dwellMinutes, 90, 'dwell from the two times, not the device figure');
      assert.equal(items[0].waiting, false);
      const [{ n }] = await queryRows<{ n: number }>(
        f.database.db,
        sql`select count(*)::int as n from iot.warehouse_facts where device_id = ${locker.id}`,
      );
      assert.equal(n, 2);
    });

    test('a pickup that arrives before its deposit is kept and the late deposit completes it', async () => {
      const t = new Date(Date.now() - 3 * HOUR);
      await rec(ev(locker, 'pickup', { cell: 'B02', dwellMinutes: 30 }, t));
      let { items } = await listParcels(f.database.db, f.scope, f.communityId, { deviceId: locker.id });
      const orphan = items.find((p) => p.cell === 'B02');
      assert.ok(orphan, 'the early pickup is not lost');
      assert.equal(orphan.depositedAt, null);
      assert.equal(orphan.dwellMinutes, 30, "the locker's own dwell until the deposit is known");
      await rec(
        ev(
          locker,
          'deposit',
          { cell: 'B02', trackingNo: 'YT2002', carrier: '圆通' },
          new Date(t.getTime() - 45 * 60_000),
        ),
      );
      ({ items } = await listParcels(f.database.db, f.scope, f.communityId, { deviceId: locker.id }));
      const b02 = items.filter((p) => p.cell === 'B02');
      assert.equal(b02.length, 1, 'one parcel, not an open deposit beside a lone pickup');
      assert.equal(b02[0].trackingNo, 'YT2002');
      assert.equal(b02[0].pickedUpAt, t.toISOString());
      assert.equal(b02[0].dwellMinutes, 45);
      // Two deposits in one cell, then the pickup: it closes the one in the cell at that time (the latest).
      const d1 = new Date(Date.now() - 10 * HOUR);
      await rec(ev(locker, 'deposit', { cell: 'C03', trackingNo: 'OLD', carrier: '中通' }, d1));
      await rec(
        ev(locker, 'deposit', { cell: 'C03', trackingNo: 'NEW', carrier: '中通' }, new Date(d1.getTime() + HOUR)),
      );
      await rec(ev(locker, 'pickup', { cell: 'C03' }, new Date(d1.getTime() + 2 * HOUR)));
      ({ items } = await listParcels(f.database.db, f.scope, f.communityId, { deviceId: locker.id, status: 'picked' }));
      // An overdue report that arrives before its deposit marks the parcel once the deposit is there.
      const d4 = new Date(Date.now() - 4 * HOUR);
      await rec(ev(locker, 'overdue', { cell: 'D04', dwellHours: 50 }, new Date(d4.getTime() + HOUR)));
      await rec(ev(locker, 'deposit', { cell: 'D04', trackingNo: 'LATE', carrier: '韵达' }, d4));
      const late = await listParcels(f.database.db, f.scope, f.communityId, { trackingNo: 'LATE' });
      assert.equal(late.items[0].overdue, true);
      await rec(ev(locker, 'pickup', { cell: 'D04' }, new Date(d4.getTime() + 2 * HOUR)));
      assert.ok(items.some((p) => p.trackingNo === 'NEW'));
      assert.ok(!items.some((p) => p.trackingNo === 'OLD'));
    });

    test('parcel statistics: Shanghai days, per locker and carrier, waiting, overdue, mean dwell; keyset pages', async () => {
      const midnight = shanghaiMidnight();
      const lateYesterday = new Date(midnight.getTime() - 30 * 60_000);
      const earlyToday = new Date(midnight.getTime() + 10 * 60_000);
      await rec(ev(locker2, 'deposit', { cell: '01', trackingNo: 'JD1', carrier: '京东' }, lateYesterday));
      await rec(ev(locker2, 'deposit', { cell: '02', trackingNo: 'JD2', carrier: '京东' }, earlyToday));
      await rec(ev(locker2, 'overdue', { cell: '01', dwellHours: 49 }, new Date(lateYesterday.getTime() + 60_000)));
      await rec(
        ev(locker2, 'deposit', { cell: '03', trackingNo: 'EMS3', carrier: 'EMS' }, new Date(Date.now() - 3 * DAY)),
      );
      const s = await parcelStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      const dayOf = (d: string) => s.days.find((x) => x.day === d);
      assert.equal(dayOf(shanghaiDay(lateYesterday))?.deposits !== undefined, true);
      assert.notEqual(shanghaiDay(lateYesterday), shanghaiDay(earlyToday), '23:30 and 00:10 are two Shanghai days');
      const l2 = s.lockers.find((l) => l.deviceName === 'locker-b');
      assert.equal(l2?.deposits, 2, 'two deposits of locker-b in the range (the one 3 days ago is outside)');
      assert.equal(l2?.waiting, 3);
      assert.equal(l2?.location, '和园北门', 'the distribution names where each locker stands');
      assert.equal(s.carriers.find((c) => c.carrier === '京东')?.deposits, 2);
      assert.equal(s.waiting, 4, 'JD1, JD2, EMS3 and the older C03 deposit still wait');
      assert.equal(s.overdue, 2, 'the reported overdue one and the one waiting past 48 hours');
      assert.ok(s.meanDwellMinutes !== null);
      const p1 = await listParcels(f.database.db, f.scope, f.communityId, {}, { limit: 2 });
      assert.equal(p1.items.length, 2);
      assert.ok(p1.nextCursor);
      const p2 = await listParcels(f.database.db, f.scope, f.communityId, {}, { limit: 200, cursor: p1.nextCursor });
      const all = await listParcels(f.database.db, f.scope, f.communityId, {}, { limit: 200 });
      assert.equal(p1.items.length + p2.items.length, all.items.length);
      assert.equal(new Set([...p1.items, ...p2.items].map((p) => p.id)).size, all.items.length);
      const overdue = await listParcels(f.database.db, f.scope, f.communityId, { status: 'overdue' });
      assert.deepEqual(overdue.items.map((p) => p.trackingNo).sort(), ['EMS3', 'JD1']);
    });

    test('garbage drops and collections per Shanghai day, category and bin, with the correct-sort rate', async () => {
      await f.database.db.insert(deviceProperties).values([
        {
          deviceId: bin.id,
          communityId: f.communityId,
          identifier: 'category',
          value: 2,
          time: new Date().toISOString(),
        },
        {
          deviceId: bin.id,
          communityId: f.communityId,
          identifier: 'fillLevel',
          value: 40,
          time: new Date().toISOString(),
        },
      ]);
      const midnight = shanghaiMidnight();
      const y = new Date(midnight.getTime() - 20 * 60_000);
      const t = new Date(midnight.getTime() + 20 * 60_000);
      const drop1 = ev(bin, 'drop', { personRef: 'R-1', weight: 1.5, correct: true }, y);
      await rec(drop1);
      await rec(drop1);
      await rec(ev(bin, 'drop', { personRef: 'R-2', weight: '0.5', correct: 0 }, t));
      await rec(ev(bin, 'drop', { weight: 2, correct: 1 }, t));
      await rec(ev(bin, 'collected', { weight: 30.25, fillLevelBefore: 90 }, t));
      const s = await garbageStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      assert.equal(s.droppedKg, 4);
      assert.equal(s.drops, 3, 'the redelivered drop counts once');
      assert.equal(s.correctRate, 0.667);
      assert.equal(s.collectedKg, 30.25);
      assert.deepEqual(
        s.days.map((d) => [d.day, d.category, d.droppedKg, d.collectedKg]),
        [
          [shanghaiDay(y), '2', 1.5, 0],
          [shanghaiDay(t), '2', 2.5, 30.25],
        ],
      );
      assert.deepEqual(s.categories, [
        { category: '2', droppedKg: 4, drops: 3, correctRate: 0.667, collectedKg: 30.25 },
      ]);
      assert.equal(s.bins[0].deviceName, 'bin-kitchen');
      assert.equal(s.bins[0].fillLevel, 40);
      const drops = await listFacts(f.database.db, f.scope, f.communityId, 'garbage', { event: 'drop' });
      assert.deepEqual(drops.items.map((d) => d.ref).sort(), ['R-1', 'R-2', null].sort());
      assert.ok(drops.items.some((d) => d.ref === 'R-1' && d.flag === true && d.category === '2'));
    });

    test('vital signs: latest values, abnormal events with their kind in Chinese, daily heart rate from roll-ups', async () => {
      const now = new Date();
      await f.database.db.insert(deviceProperties).values([
        {
          deviceId: monitor.id,
          communityId: f.communityId,
          identifier: 'heartRate',
          value: 72,
          time: now.toISOString(),
        },
        { deviceId: monitor.id, communityId: f.communityId, identifier: 'inBed', value: true, time: now.toISOString() },
      ]);
      await f.database.db.insert(telemetryRollups).values({
        communityId: f.communityId,
        deviceId: monitor.id,
        identifier: 'heartRate',
        grain: 'day',
        bucket: shanghaiMidnight().toISOString(),
        n: 4,
        sum: 300,
        min: 60,
        max: 90,
      });
      assert.equal((await rec(ev(monitor, 'abnormal', { kind: 0, value: 128 }, now))).recorded, true);
      await rec(ev(monitor, 'sos', { location: '卧室' }, new Date(now.getTime() + 1000)));
      await rec(ev(monitor, 'fall', { confidence: 0.93 }, new Date(now.getTime() + 2000)));
      const v = await getVitals(f.database.db, f.scope, f.communityId, monitor.id);
      assert.equal(v.latest.heartRate?.value, 72);
      assert.equal(v.latest.inBed?.value, true);
      assert.deepEqual(
        v.events.map((e) => [e.event, e.label ?? e.ref ?? e.amount]),
        [
          ['fall', 0.93],
          ['sos', '卧室'],
          ['abnormal', '心率过高'],
        ],
      );
      assert.deepEqual(v.daily, [{ day: shanghaiDay(new Date()), heartRate: { min: 60, max: 90, avg: 75 } }]);
      const list = await listVitalMonitors(f.database.db, f.scope, f.communityId);
      assert.deepEqual(
        list.map((m) => [m.deviceName, m.alerts24h]),
        [['vital-101', 3]],
      );
      await assert.rejects(getVitals(f.database.db, f.scope, f.communityId, bin.id), /vital-signs monitor/);
    });

    test('health checkups: history and latest values of a resident over all her refs, key-health tags, aggregates', async () => {
      const midnight = shanghaiMidnight();
      const y = new Date(midnight.getTime() - 15 * 60_000);
      const t = new Date(midnight.getTime() + 15 * 60_000);
      const c1 = ev(
        kiosk,
        'checkup',
        { personRef: 'CARD-W', height: 160, weight: 75, systolic: 150, diastolic: 85 },
        y,
      );
      assert.equal((await rec(c1)).recorded, true);
      assert.deepEqual(await rec(c1), { recorded: false, reason: 'duplicate' });
      await rec(ev(kiosk, 'checkup', { personRef: 'FACE-W', bloodGlucose: '7.4', temperature: 36.6 }, t));
      await rec(
        ev(kiosk, 'checkup', { personRef: 'GUEST-9', systolic: 118, diastolic: 76, height: 170, weight: 60 }, t),
      );
      const p = await healthProfile(f.database.db, f.scope, f.communityId, { personId: residentId });
      assert.equal(p.person?.name, '王阿姨');
      assert.deepEqual(p.refs.sort(), ['CARD-W', 'FACE-W']);
      assert.equal(p.checkups, 2);
      assert.equal(p.latest.systolic?.value, 150, 'the latest value of each measure, from the checkup that took it');
      assert.equal(p.latest.bloodGlucose?.value, 7.4);
      assert.equal(p.bmi, 29.3);
      assert.deepEqual(p.tags, ['hypertension', 'glucose', 'obesity']);
      assert.deepEqual(
        p.history.items.map((i) => [i.ref, i.tags, i.personName]),
        [
          ['FACE-W', ['glucose'], '王阿姨'],
          ['CARD-W', ['hypertension', 'obesity'], '王阿姨'],
        ],
      );
      const page1 = await healthProfile(f.database.db, f.scope, f.communityId, { personId: residentId }, { limit: 1 });
      assert.ok(page1.history.nextCursor);
      // A ref nobody mapped stays as given.
      const guest = await healthProfile(f.database.db, f.scope, f.communityId, { ref: 'GUEST-9' });
      assert.equal(guest.person, null);
      assert.deepEqual(guest.tags, []);
      const byRef = await healthProfile(f.database.db, f.scope, f.communityId, { ref: 'CARD-W' });
      assert.equal(byRef.person?.id, residentId, 'a mapped ref resolves to its resident');
      const s = await healthStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      assert.equal(s.checkups, 3);
      assert.equal(s.people, 3, 'by ref: CARD-W, FACE-W, GUEST-9');
      assert.equal(s.flagged, 2);
      assert.deepEqual(
        s.days.map((d) => [d.day, d.checkups, d.tags.hypertension, d.tags.glucose]),
        [
          [shanghaiDay(y), 1, 1, 0],
          [shanghaiDay(t), 2, 0, 1],
        ],
      );
      const ht = s.tags.find((x) => x.tag === 'hypertension');
      assert.deepEqual([ht?.checkups, ht?.share], [1, 0.333]);
      const list = await listServiceFacts(f.database.db, f.scope, f.communityId, 'health');
      assert.equal(list.items.length, 3);
    });

    test('health aggregates for readers without personal access: no figure of fewer than five people', async () => {
      // Four days a month ago: 6, 2, 7 and 1 people. The days of 2 and 1 are withheld; together they are 3 people,
      // whom the range's totals would give away by subtraction, so the smallest shown day (6) is withheld with them.
      const base = shanghaiMidnight().getTime() - 40 * DAY + 10 * HOUR;
      const at = (d: number) => new Date(base + d * DAY);
      const checkup = (ref: string, day: number, high: boolean) =>
        rec(ev(kiosk, 'checkup', { personRef: ref, systolic: high ? 160 : 115, diastolic: high ? 95 : 75 }, at(day)));
      for (let i = 0; i < 6; i++) await checkup(`A-${i}`, 0, i < 2);
      for (let i = 0; i < 2; i++) await checkup(`B-${i}`, 1, i === 0);
      for (let i = 0; i < 7; i++) await checkup(`C-${i}`, 2, i < 3);
      await checkup('D-0', 3, true);
      const range = { from: at(-1), to: at(4) };
      const exact = await healthStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual(
        exact.days.map((d) => [d.people, d.flagged, d.withheld]),
        [
          [6, 2, false],
          [2, 1, false],
          [7, 3, false],
          [1, 1, false],
        ],
      );
      assert.equal(exact.withheld, false);
      const guarded = await healthStats(f.database.db, f.scope, f.communityId, range, { minGroup: 5 });
      assert.deepEqual(
        guarded.days.map((d) => [d.checkups, d.people, d.flagged, d.tags.hypertension, d.withheld]),
        [
          [6, 6, null, null, true],
          [2, 2, null, null, true],
          [7, 7, 3, 3, false],
          [1, 1, null, null, true],
        ],
      );
      assert.equal(guarded.withheld, true);
      assert.equal(guarded.minGroup, 5);
      // The range as a whole (16 people) is shown: the withheld days together are 9 people.
      assert.deepEqual([guarded.people, guarded.flagged], [16, 7]);
      assert.deepEqual(
        [
          guarded.tags.find((t) => t.tag === 'hypertension')?.checkups,
          guarded.tags.find((t) => t.tag === 'hypertension')?.people,
        ],
        [7, 7],
      );
      // A range of two people shows no health figure at all.
      const small = await healthStats(
        f.database.db,
        f.scope,
        f.communityId,
        { from: at(1), to: at(2) },
        { minGroup: 5 },
      );
      assert.deepEqual([small.checkups, small.people, small.flagged, small.flaggedShare], [2, 2, null, null]);
      assert.ok(small.tags.every((t) => t.checkups === null && t.people === null && t.share === null));
      assert.ok(small.days.every((d) => d.withheld && d.flagged === null));
    });

    test('meals per Shanghai day and meal type, diners, top dishes and delivery times', async () => {
      const midnight = shanghaiMidnight();
      const y = new Date(midnight.getTime() - 30 * 60_000);
      const t = new Date(midnight.getTime() + 11 * HOUR);
      await rec(
        ev(till, 'meal', { personRef: 'CARD-W', amount: 12, subsidy: 4, dishes: ['红烧肉', '青菜'], mealType: 2 }, y),
      );
      const lunch = {
        personRef: 'CARD-W',
        orderRef: 'O-1',
        amount: '10.5',
        subsidy: 3,
        dishes: ['青菜', '米饭'],
        mealType: 1,
      };
      await rec(ev(till, 'meal', lunch, t));
      await rec(ev(till, 'meal', { personRef: 'R-2', amount: 8, dishes: ['青菜'], mealType: '1' }, t));
      await rec(ev(till, 'meal', { amount: 8, mealType: 1 }, t));
      await rec(
        ev(
          till,
          'delivered',
          { orderRef: 'O-1', personRef: 'CARD-W', minutes: 20 },
          new Date(t.getTime() + 20 * 60_000),
        ),
      );
      await rec(ev(till, 'delivered', { orderRef: 'O-2', minutes: 40 }, new Date(t.getTime() + 30 * 60_000)));
      const s = await mealStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      assert.deepEqual([s.meals, s.amount, s.subsidy, s.diners], [4, 38.5, 7, 3]);
      assert.deepEqual(
        s.days.map((d) => [d.day, d.mealType, d.meals, d.amount, d.diners]),
        [
          [shanghaiDay(y), '2', 1, 12, 1],
          [shanghaiDay(t), '1', 3, 26.5, 3],
        ],
      );
      assert.deepEqual(s.topDishes[0], { dish: '青菜', count: 3 });
      assert.deepEqual(
        [s.delivery.deliveries, s.delivery.meanMinutes, s.delivery.medianMinutes, s.delivery.maxMinutes],
        [2, 30, 30, 40],
      );
      const mine = await listServiceFacts(f.database.db, f.scope, f.communityId, 'meals', {
        subject: { personId: residentId },
      });
      assert.equal(mine.items.length, 3, 'two meals and one delivery of hers');
    });

    test('library loans: per day, books out now, overdue now, late returns and a reader’s history', async () => {
      const midnight = shanghaiMidnight();
      const past = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10);
      const later = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10);
      const t = new Date(midnight.getTime() + 60_000);
      await rec(ev(library, 'borrow', { personRef: 'CARD-W', isbn: '9787020002207', dueDate: later }, t));
      await rec(
        ev(
          library,
          'borrow',
          { personRef: 'R-2', isbn: '9787544253994', dueDate: past },
          new Date(Date.now() - 50 * DAY),
        ),
      );
      await rec(ev(library, 'borrow', { personRef: 'R-3', isbn: '9787108010735' }, new Date(t.getTime() - 3 * DAY)));
      await rec(ev(library, 'return', { personRef: 'R-3', isbn: '9787108010735', overdueDays: 4 }, t));
      await rec(ev(library, 'borrow', { personRef: 'R-4', isbn: '9787108010736' }, new Date(t.getTime() - 2 * DAY)));
      await rec(ev(library, 'return', { isbn: '9787108010736', overdueDays: 0 }, t));
      const s = await libraryStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - 7 * DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      assert.equal(s.borrows, 3, 'the borrow 50 days ago is outside the range');
      assert.equal(s.returns, 2);
      assert.equal(s.outNow, 2, 'CARD-W’s and R-2’s books');
      assert.equal(s.overdueNow, 1, 'R-2’s is past due');
      assert.deepEqual([s.lateReturns, s.meanOverdueDays], [1, 4]);
      assert.deepEqual(
        s.days.find((d) => d.day === shanghaiDay(t)),
        { day: shanghaiDay(t), borrows: 1, returns: 2, readers: 1 },
      );
      const h = await readerHistory(f.database.db, f.scope, f.communityId, { personId: residentId });
      assert.equal(h.person?.name, '王阿姨');
      assert.deepEqual(
        h.history.items.map((i) => [i.event, i.label]),
        [['borrow', '9787020002207']],
      );
      assert.deepEqual(
        h.loans.map((l) => [l.isbn, l.dueDate, l.overdue]),
        [['9787020002207', later, false]],
      );
      const loans = await listLoans(f.database.db, f.scope, f.communityId);
      assert.equal(loans.find((l) => l.isbn === '9787020002207')?.personId, residentId);
    });

    test('reading and training time per Shanghai day and per resident, beside the loans', async () => {
      // Ten days ago and the day before (Shanghai): every time is past whatever the hour the test runs at, and on
      // days the loans test above leaves alone.
      const midnight = new Date(shanghaiMidnight().getTime() - 10 * DAY);
      const y = new Date(midnight.getTime() - 10 * 60_000);
      const t = new Date(midnight.getTime() + 10 * 60_000);
      const after = (m: number) => new Date(t.getTime() + m * 60_000);
      const r1 = ev(reader, 'reading', { personRef: 'CARD-W', minutes: 30, title: '红楼梦', category: '文学' }, y);
      const first = await rec(r1);
      assert.deepEqual(first.recorded && [first.domain, first.event], ['learning', 'reading']);
      assert.deepEqual(await rec(r1), { recorded: false, reason: 'duplicate' });
      // A minute after her check-in, so her history's order does not hang on a tie of times.
      assert.equal((await rec(ev(reader, 'reading', { personRef: 'FACE-W', minutes: '45' }, after(1)))).recorded, true);
      assert.equal(
        (await rec(ev(reader, 'reading', { personRef: 'R-5', minutes: 20, title: '三体' }, t))).recorded,
        true,
      );
      await rec(ev(training, 'checkIn', { personRef: 'CARD-W', course: '智能手机课' }, t));
      await rec(ev(training, 'checkOut', { personRef: 'CARD-W', course: '智能手机课', minutes: 90 }, after(90)));
      await rec(ev(training, 'checkIn', { personRef: 'R-6', course: '智能手机课' }, t));
      await rec(ev(training, 'checkIn', { personRef: 'R-7', course: '书法' }, t));
      await rec(ev(training, 'checkOut', { personRef: 'R-7', course: '书法', minutes: 60 }, after(60)));
      const s = await libraryStats(f.database.db, f.scope, f.communityId, {
        from: new Date(midnight.getTime() - DAY),
        to: new Date(midnight.getTime() + DAY),
      });
      assert.deepEqual(s.reading, { sessions: 3, readers: 3, minutes: 95 });
      assert.deepEqual(s.training, { checkIns: 3, sessions: 2, trainees: 3, minutes: 150 });
      assert.deepEqual(
        s.timeDays.map((d) => [d.day, d.reading.minutes, d.reading.readers, d.training.minutes, d.training.trainees]),
        [
          [shanghaiDay(y), 30, 1, 0, 0],
          [shanghaiDay(t), 65, 2, 150, 3],
        ],
      );
      assert.deepEqual(s.courses, [
        { course: '智能手机课', trainees: 2, sessions: 1, minutes: 90 },
        { course: '书法', trainees: 1, sessions: 1, minutes: 60 },
      ]);
      assert.equal(
        s.days.find((d) => d.day === shanghaiDay(y)),
        undefined,
        'a day of reading only has no loan row',
      );
      // The resident over both her refs: yesterday's reading on her card, today's on her face and her course.
      const h = await readerHistory(f.database.db, f.scope, f.communityId, { personId: residentId });
      assert.deepEqual([h.time.total.reading.minutes, h.time.total.training.minutes], [75, 90]);
      assert.deepEqual(
        h.time.days.map((d) => [d.day, d.reading.minutes, d.reading.sessions, d.training.minutes, d.training.checkIns]),
        [
          [shanghaiDay(t), 45, 1, 90, 1],
          [shanghaiDay(y), 30, 1, 0, 0],
        ],
      );
      assert.deepEqual(
        h.time.courses.map((c) => [c.course, c.minutes]),
        [['智能手机课', 90]],
      );
      assert.deepEqual(
        h.history.items.map((i) => [i.event, i.label, i.amount]),
        [
          ['borrow', '9787020002207', null],
          ['checkOut', '智能手机课', 90],
          ['reading', null, 45],
          ['checkIn', '智能手机课', null],
          ['reading', '红楼梦', 30],
        ],
      );
      const narrow = await readerHistory(f.database.db, f.scope, f.communityId, { ref: 'R-7' }, {}, { days: 11 });
      assert.deepEqual([narrow.person, narrow.time.total.training.minutes], [null, 60]);
      const readings = await listServiceFacts(f.database.db, f.scope, f.communityId, 'learning', { event: 'reading' });
      assert.equal(readings.items.length, 3);
    });

    test('workouts: a resident’s exercise in the health profile, community exercise with small groups withheld', async () => {
      const midnight = shanghaiMidnight();
      const y = new Date(midnight.getTime() - 20 * 60_000);
      const t = new Date(midnight.getTime() + 20 * 60_000);
      const w1 = ev(fitness, 'workout', { personRef: 'CARD-W', kind: 1, minutes: 30, calories: 250 }, t);
      assert.deepEqual(await rec(w1).then((r) => r.recorded && [r.domain, r.event]), ['health', 'workout']);
      assert.deepEqual(await rec(w1), { recorded: false, reason: 'duplicate' });
      await rec(ev(fitness, 'workout', { personRef: 'FACE-W', kind: '0', minutes: 40 }, y));
      const p = await healthProfile(f.database.db, f.scope, f.communityId, { personId: residentId });
      assert.equal(p.checkups, 2, 'workouts are not checkups');
      assert.ok(p.history.items.every((i) => i.event === 'checkup'));
      assert.deepEqual(
        [p.exercise.workouts, p.exercise.minutes, p.exercise.calories, p.exercise.activeDays],
        [2, 70, 250, 2],
      );
      assert.equal(p.exercise.lastWorkoutAt, t.toISOString());
      assert.deepEqual(
        p.exercise.days.map((d) => [d.day, d.workouts, d.minutes]),
        [
          [shanghaiDay(t), 1, 30],
          [shanghaiDay(y), 1, 40],
        ],
      );
      assert.deepEqual(
        p.exercise.kinds.map((k) => [k.kind, k.minutes]),
        [
          ['0', 40],
          ['1', 30],
        ],
      );
      assert.deepEqual(
        p.exercise.recent.map((w) => [w.category, w.amount, w.personName]),
        [
          ['1', 30, '王阿姨'],
          ['0', 40, '王阿姨'],
        ],
      );
      // Sixty days ago: a day of six people, a day of one and a day of five.
      const base = midnight.getTime() - 60 * DAY + 10 * HOUR;
      const at = (d: number) => new Date(base + d * DAY);
      for (let i = 0; i < 6; i++)
        await rec(ev(fitness, 'workout', { personRef: `E-${i}`, kind: 0, minutes: 30 }, at(0)));
      await rec(ev(fitness, 'workout', { personRef: 'E-6', kind: 1, minutes: 45, calories: 300 }, at(1)));
      for (let i = 0; i < 5; i++)
        await rec(ev(fitness, 'workout', { personRef: `F-${i}`, kind: 0, minutes: 20 }, at(2)));
      const range = { from: at(-1), to: at(3) };
      const exact = (await healthStats(f.database.db, f.scope, f.communityId, range)).exercise;
      assert.deepEqual(
        [exact.workouts, exact.people, exact.minutes, exact.calories, exact.withheld],
        [12, 12, 325, 300, false],
      );
      assert.deepEqual(
        exact.days.map((d) => [d.people, d.minutes]),
        [
          [6, 180],
          [1, 45],
          [5, 100],
        ],
      );
      const guarded = await healthStats(f.database.db, f.scope, f.communityId, range, { minGroup: 5 });
      assert.equal(guarded.checkups, 0, 'no checkup in that range');
      const g = guarded.exercise;
      // The day of one is withheld, and with it the day of five: otherwise the totals would give the one away.
      assert.deepEqual(
        g.days.map((d) => [d.workouts, d.people, d.minutes, d.withheld]),
        [
          [6, 6, 180, false],
          [1, 1, null, true],
          [5, 5, null, true],
        ],
      );
      assert.deepEqual(
        g.kinds.map((k) => [k.kind, k.people, k.minutes]),
        [
          ['0', 11, null],
          ['1', 1, null],
        ],
      );
      assert.deepEqual([g.people, g.minutes, g.meanMinutesPerPerson, g.withheld], [12, 325, 27.1, true]);
      const small = (
        await healthStats(f.database.db, f.scope, f.communityId, { from: at(1), to: at(2) }, { minGroup: 5 })
      ).exercise;
      assert.deepEqual([small.workouts, small.people, small.minutes, small.calories], [1, 1, null, null]);
      assert.ok(small.days.every((d) => d.withheld && d.minutes === null));
    });

    test('row-level security: another community sees no warehouse records', async () => {
      const range = { from: new Date(Date.now() - 7 * DAY), to: new Date(Date.now() + DAY) };
      assert.equal((await listParcels(f.database.db, other, f.communityId)).items.length, 0);
      assert.equal((await parcelStats(f.database.db, other, f.communityId, range)).waiting, 0);
      assert.equal((await garbageStats(f.database.db, other, f.communityId, range)).drops, 0);
      assert.equal((await listFacts(f.database.db, other, f.communityId, 'vitals')).items.length, 0);
      assert.deepEqual(await listVitalMonitors(f.database.db, other, f.communityId), []);
      assert.equal((await healthStats(f.database.db, other, f.communityId, range)).checkups, 0);
      assert.equal((await mealStats(f.database.db, other, f.communityId, range)).meals, 0);
      assert.equal((await libraryStats(f.database.db, other, f.communityId, range)).outNow, 0);
      assert.equal((await listServiceFacts(f.database.db, other, f.communityId, 'health')).items.length, 0);
      await assert.rejects(
        healthProfile(f.database.db, other, f.communityId, { personId: residentId }),
        /No such resident/,
        'another community cannot even see that the resident exists',
      );
      // Even without a community filter, the scoped role reads no row of another community.
      const { withScope } = await import('@shequ/db');
      const [{ n }] = await withScope(f.database.db, other, (tx) =>
        queryRows<{ n: number }>(
          tx,
          sql`select (select count(*) from iot.parcels) + (select count(*) from iot.warehouse_facts) as n`,
        ),
      );
      assert.equal(Number(n), 0);
    });

    test('bad payloads and other products record nothing', async () => {
      const t = new Date();
      assert.deepEqual(await rec(ev(locker, 'deposit', { trackingNo: 'X' }, t)), {
        recorded: false,
        reason: 'invalid',
      });
      assert.deepEqual(await rec(ev(bin, 'drop', { weight: 'heavy' }, t)), { recorded: false, reason: 'invalid' });
      assert.deepEqual(await rec(ev(bin, 'drop', { weight: -1 }, t)), { recorded: false, reason: 'invalid' });
      assert.deepEqual(await rec({ ...ev(locker, 'deposit', { cell: '9' }, t), deviceId: 'nope' }), {
        recorded: false,
        reason: 'invalid',
      });
      assert.deepEqual(await rec('not an object'), { recorded: false, reason: 'invalid' });
      const bad = { recorded: false, reason: 'invalid' };
      assert.deepEqual(await rec(ev(kiosk, 'checkup', { height: 170 }, t)), bad, 'no personRef');
      assert.deepEqual(await rec(ev(kiosk, 'checkup', { personRef: 'X' }, t)), bad, 'nothing measured');
      assert.deepEqual(await rec(ev(kiosk, 'checkup', { personRef: 'X', systolic: 900 }, t)), bad, 'out of range');
      assert.deepEqual(await rec(ev(till, 'meal', { amount: 5, mealType: 7 }, t)), bad, 'no such meal type');
      assert.deepEqual(await rec(ev(till, 'meal', { amount: 'free', mealType: 1 }, t)), bad);
      assert.deepEqual(await rec(ev(till, 'delivered', { minutes: 10 }, t)), bad, 'no order');
      assert.deepEqual(await rec(ev(library, 'borrow', { personRef: 'X', isbn: 'not-an-isbn!' }, t)), bad);
      assert.deepEqual(
        await rec(ev(library, 'borrow', { personRef: 'X', isbn: '9787020002207', dueDate: 'soon' }, t)),
        bad,
      );
      assert.deepEqual(await rec(ev(library, 'return', { isbn: '9787020002207', overdueDays: -2 }, t)), bad);
      assert.deepEqual(await rec(ev(reader, 'reading', { personRef: 'X', minutes: -5 }, t)), bad, 'negative minutes');
      assert.deepEqual(await rec(ev(reader, 'reading', { minutes: 5 }, t)), bad, 'no reader');
      assert.deepEqual(await rec(ev(reader, 'reading', { personRef: 'X', minutes: 2000 }, t)), bad, 'over a day');
      assert.deepEqual(await rec(ev(training, 'checkIn', { personRef: 'X' }, t)), bad, 'no course');
      assert.deepEqual(await rec(ev(training, 'checkOut', { personRef: 'X', course: 'c', minutes: -1 }, t)), bad);
      assert.deepEqual(await rec(ev(training, 'checkOut', { personRef: 'X', course: 'c' }, t)), bad, 'no minutes');
      assert.deepEqual(await rec(ev(fitness, 'workout', { personRef: 'X', kind: 9, minutes: 5 }, t)), bad, 'kind');
      assert.deepEqual(await rec(ev(fitness, 'workout', { personRef: 'X', kind: 0, minutes: -30 }, t)), bad);
      assert.deepEqual(await rec(ev(fitness, 'workout', { personRef: 'X', kind: 0, minutes: 'long' }, t)), bad);
      assert.deepEqual(await rec(ev(locker, 'doorOpen', { cell: '9' }, t)), {
        recorded: false,
        reason: 'not-warehouse',
      });
      const meter = f.devices[0];
      assert.deepEqual(await rec(ev({ ...meter, deviceSecret: '' }, 'pass', {}, t)), {
        recorded: false,
        reason: 'not-warehouse',
      });
    });

    test('the warehouse records are kept when raw telemetry is pruned', async () => {
      const count = async () =>
        (
          await queryRows<{ n: number }>(
            f.database.db,
            sql`select (select count(*)::int from iot.parcels) + (select count(*)::int from iot.warehouse_facts) as n`,
          )
        )[0].n;
      const before = await count();
      assert.ok(before > 0);
      await pruneTelemetry(f.database.db, 90, new Date(Date.now() + 400 * DAY));
      assert.equal(await count(), before);
    });
  });
}
