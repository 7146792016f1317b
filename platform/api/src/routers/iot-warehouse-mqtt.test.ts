// The IoT warehouse fed by real devices (DB33 6.2.1.3, 6.2.4.3, 6.2.3.3 → 7.2.2.2.3, 7.2.2.5.4, 7.2.2.4.3): a parcel
// locker, a garbage bin and a vital-signs monitor connect to a started MQTT gateway with the device SDK (Alink
// signing) and report; the warehouse consumer on the bus turns their events into records, and a redelivered event
// records nothing twice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope, Subscription } from '@shequ/bus';
import { queryRows, testEngines } from '@shequ/db';
import { connectDevice, type DeviceClient } from '@shequ/device-sdk';
import {
  followWarehouse,
  getVitals,
  healthProfile,
  healthStats,
  iotFixture,
  libraryStats,
  listFacts,
  listLoans,
  listParcels,
  mealStats,
  type RecordedFact,
  readerHistory,
} from '@shequ/iot';
import { sql } from 'drizzle-orm';

const _actor = { subject: 'test', role: 'platform_admin' };

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of testEngines()) {
  describe(`IoT warehouse from real MQTT devices (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let sub: Subscription | undefined;
    let spy: Subscription | undefined;
    const recorded: RecordedFact[] = [];
    const seen: EventEnvelope[] = [];
    type Dev = { id: string; productKey: string; deviceName: string; deviceSecret: string };
    let locker: Dev;
    let bin: Dev;
    let monitor: Dev;
    let kiosk: Dev;
    let till: Dev;
    let library: Dev;
    let reader: Dev;
    let training: Dev;
    let fitness: Dev;

    before(async () => {
      f = await iotFixture(engine);
      const make = async (model: string, name: string, deviceName: string) =>
        (await f.standardDevices(model, name, [deviceName]))[0];
      locker = await make('parcel-locker', '快递柜', 'locker-mqtt');
      bin = await make('garbage-bin', '垃圾桶', 'bin-mqtt');
      monitor = await make('elderly-vital-monitor', '体征监测仪', 'vital-mqtt');
      kiosk = await make('health-kiosk', '健康小屋', 'kiosk-mqtt');
      till = await make('canteen-till', '长者食堂', 'till-mqtt');
      library = await make('library-terminal', '图书借阅', 'lib-mqtt');
      reader = await make('e-reader', '电子阅读', 'ereader-mqtt');
      training = await make('training-terminal', '培训签到', 'class-mqtt');
      fitness = await make('fitness-equipment', '健身步道', 'trail-mqtt');
      sub = await followWarehouse(f.bus, f.database.db, {
        durable: 'warehouse-mqtt-test',
        onRecorded: (r) => recorded.push(r),
      });
      spy = await f.bus.subscribe('warehouse-mqtt-spy', 'shequ.iot.*.*.*.event', async (e) => {
        seen.push(e);
      });
    });
    after(async () => {
      await sub?.stop();
      await spy?.stop();
      await f?.close();
    });

    test('a locker, a bin and a monitor report through the gateway; their events end in the records once', async () => {
      const url = `mqtt://127.0.0.1:${f.port}`;
      const devs: DeviceClient[] = [];
      try {
        const l = await connectDevice({ url, device: locker });
        devs.push(l);
        const b = await connectDevice({ url, device: bin });
        devs.push(b);
        const m = await connectDevice({ url, device: monitor });
        devs.push(m);
        const t = Date.now();
        const ok = async (p: Promise<{ code: number }>) => assert.equal((await p).code, 200);
        await ok(l.postEvent('deposit', { cell: 'M01', trackingNo: 'MQTT-1', carrier: '邮政' }, t - 60_000));
        await ok(l.postEvent('pickup', { cell: 'M01', dwellMinutes: 1 }, t));
        await ok(b.postEvent('drop', { personRef: 'R-MQTT', weight: 3.2, correct: true }, t));
        await ok(b.postEvent('collected', { weight: 20, fillLevelBefore: 85 }, t));
        await ok(m.postProperties({ heartRate: 66, inBed: false, spo2: 97 }));
        await ok(m.postEvent('sos', { location: '客厅' }, t));

        const parcel = await until('the parcel', async () => {
          const { items } = await listParcels(f.database.db, f.scope, f.communityId, { trackingNo: 'MQTT-1' });
          return items[0]?.pickedUpAt ? items[0] : undefined;
        });
        assert.equal(parcel.dwellMinutes, 1);
        assert.equal(parcel.carrier, '邮政');
        assert.equal(parcel.deviceName, 'locker-mqtt');
        const garbage = await until('the drop and the collection', async () => {
          const { items } = await listFacts(f.database.db, f.scope, f.communityId, 'garbage');
          return items.length === 2 ? items : undefined;
        });
        assert.deepEqual(garbage.map((g) => [g.event, g.amount, g.ref]).sort(), [
          ['collected', 20, null],
          ['drop', 3.2, 'R-MQTT'],
        ]);
        const v = await until('the vitals', async () => {
          const r = await getVitals(f.database.db, f.scope, f.communityId, monitor.id);
          return r.latest.heartRate?.value === 66 && r.events.some((e) => e.ref === '客厅') ? r : undefined;
        });
        assert.equal(v.latest.inBed?.value, false, 'activity: out of bed');
        assert.equal(v.latest.spo2?.value, 97);
      } finally {
        await Promise.all(devs.map((d) => d.close()));
      }

      // Redelivery: the bus hands the consumer the same device events again; nothing is recorded twice.
      const count = async () =>
        (
          await queryRows<{ n: number }>(
            f.database.db,
            sql`select (select count(*)::int from iot.warehouse_facts) * 1000 + (select count(*)::int from iot.parcels) as n`,
          )
        )[0].n;
      const before = await count();
      assert.equal(before, 5 * 1000 + 1, 'five facts (deposit, pickup, drop, collected, sos) and one parcel');
      const events = seen.filter((e) => (e.data as { event?: string }).event);
      assert.equal(events.length, 5);
      const duplicates = recorded.length;
      for (const e of events) await f.bus.publish(e);
      await until('the redeliveries handled', async () => recorded.length === duplicates + events.length);
      assert.ok(recorded.slice(duplicates).every((r) => !r.recorded && r.reason === 'duplicate'));
      assert.equal(await count(), before);
    });

    test('a health kiosk, a canteen till and a library terminal report; checkups, meals and loans are counted', async () => {
      const url = `mqtt://127.0.0.1:${f.port}`;
      const devs: DeviceClient[] = [];
      const n0 = recorded.length;
      try {
        const k = await connectDevice({ url, device: kiosk });
        devs.push(k);
        const c = await connectDevice({ url, device: till });
        devs.push(c);
        const l = await connectDevice({ url, device: library });
        devs.push(l);
        const t = Date.now();
        const ok = async (p: Promise<{ code: number }>) => assert.equal((await p).code, 200);
        const checkup = { personRef: 'K-1', height: 165, weight: 80, systolic: 145, diastolic: 95, bloodGlucose: 5.6 };
        await ok(k.postEvent('checkup', checkup, t - 1000));
        await ok(k.postEvent('checkup', { personRef: 'K-2', temperature: 36.5, systolic: 120, diastolic: 80 }, t));
        await ok(
          c.postEvent(
            'meal',
            { personRef: 'K-1', orderRef: 'OM-1', amount: 15, subsidy: 5, dishes: ['鱼'], mealType: 1 },
            t,
          ),
        );
        await ok(c.postEvent('delivered', { orderRef: 'OM-1', personRef: 'K-1', minutes: 25 }, t + 1000));
        await ok(
          l.postEvent(
            'borrow',
            { personRef: 'K-2', isbn: '9787020002207', dueDate: Date.parse('2099-01-01T12:00:00+08:00') },
            t,
          ),
        );
        // A malformed checkup (no one measured) is accepted by the gateway but kept out of the records.
        await ok(k.postEvent('checkup', { personRef: 'K-3' }, t));
        await until('the six events handled', async () => recorded.length >= n0 + 6);
        assert.deepEqual(
          recorded
            .slice(n0)
            .map((r) => (r.recorded ? `${r.domain}.${r.event}` : r.reason))
            .sort(),
          ['health.checkup', 'health.checkup', 'invalid', 'learning.borrow', 'meals.delivered', 'meals.meal'],
        );
      } finally {
        await Promise.all(devs.map((d) => d.close()));
      }
      const range = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
      const h = await healthStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual([h.checkups, h.flagged], [2, 1]);
      assert.deepEqual(
        h.tags.filter((x) => (x.people ?? 0) > 0).map((x) => x.tag),
        ['hypertension', 'obesity'],
      );
      const p = await healthProfile(f.database.db, f.scope, f.communityId, { ref: 'K-1' });
      assert.equal(p.latest.systolic?.value, 145);
      assert.equal(p.bmi, 29.4);
      const m = await mealStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual([m.meals, m.amount, m.subsidy, m.delivery.meanMinutes], [1, 15, 5, 25]);
      const lib = await libraryStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual([lib.borrows, lib.outNow, lib.overdueNow], [1, 1, 0]);
      const [loan] = await listLoans(f.database.db, f.scope, f.communityId);
      assert.deepEqual([loan.isbn, loan.dueDate, loan.ref], ['9787020002207', '2099-01-01', 'K-2'], 'TSL date → day');
    });

    test('an e-reader, a training terminal and fitness equipment report; reading, training and exercise time are counted', async () => {
      const url = `mqtt://127.0.0.1:${f.port}`;
      const devs: DeviceClient[] = [];
      const n0 = recorded.length;
      try {
        const r = await connectDevice({ url, device: reader });
        devs.push(r);
        const c = await connectDevice({ url, device: training });
        devs.push(c);
        const w = await connectDevice({ url, device: fitness });
        devs.push(w);
        const t = Date.now();
        const ok = async (p: Promise<{ code: number }>) => assert.equal((await p).code, 200);
        await ok(r.postEvent('reading', { personRef: 'K-1', minutes: 35, title: '平凡的世界', category: '文学' }, t));
        await ok(c.postEvent('checkIn', { personRef: 'K-2', course: '防诈骗讲座' }, t - 60_000));
        await ok(c.postEvent('checkOut', { personRef: 'K-2', course: '防诈骗讲座', minutes: 50 }, t));
        await ok(w.postEvent('workout', { personRef: 'K-1', kind: 0, minutes: 25, calories: 120.5 }, t));
        // Negative minutes and an unknown kind are refused by the gateway against the thing model: nothing recorded.
        assert.equal((await r.postEvent('reading', { personRef: 'K-1', minutes: -5 }, t)).code, 460);
        assert.equal((await c.postEvent('checkOut', { personRef: 'K-2', course: 'x', minutes: -1 }, t)).code, 460);
        assert.equal((await w.postEvent('workout', { personRef: 'K-1', kind: 9, minutes: 5 }, t)).code, 460);
        await until('the four events handled', async () => recorded.length >= n0 + 4);
        assert.deepEqual(
          recorded
            .slice(n0)
            .map((x) => (x.recorded ? `${x.domain}.${x.event}` : x.reason))
            .sort(),
          ['health.workout', 'learning.checkIn', 'learning.checkOut', 'learning.reading'],
        );
      } finally {
        await Promise.all(devs.map((d) => d.close()));
      }
      const range = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
      const lib = await libraryStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual(lib.reading, { sessions: 1, readers: 1, minutes: 35 });
      assert.deepEqual(lib.training, { checkIns: 1, sessions: 1, trainees: 1, minutes: 50 });
      assert.deepEqual(lib.courses, [{ course: '防诈骗讲座', trainees: 1, sessions: 1, minutes: 50 }]);
      const h = await healthStats(f.database.db, f.scope, f.communityId, range);
      assert.deepEqual([h.exercise.workouts, h.exercise.minutes, h.exercise.calories], [1, 25, 120.5]);
      assert.equal(h.checkups, 2, 'the workout is not a checkup');
      const p = await healthProfile(f.database.db, f.scope, f.communityId, { ref: 'K-1' });
      assert.deepEqual([p.checkups, p.exercise.workouts, p.exercise.minutes], [1, 1, 25]);
      const k2 = await readerHistory(f.database.db, f.scope, f.communityId, { ref: 'K-2' });
      assert.deepEqual([k2.time.total.training.minutes, k2.loans.length], [50, 1]);
    });
  });
}
