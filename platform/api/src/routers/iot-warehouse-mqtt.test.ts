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
  createDevices,
  createProduct,
  followWarehouse,
  getVitals,
  iotFixture,
  listFacts,
  listParcels,
  type RecordedFact,
} from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { sql } from 'drizzle-orm';

const actor = { subject: 'test', role: 'platform_admin' };

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

    before(async () => {
      f = await iotFixture(engine);
      const models = standardThingModels();
      const make = async (model: string, name: string, deviceName: string) => {
        const p = await createProduct(f.iot.deps, f.scope, f.communityId, { name, thingModel: models[model] }, actor);
        const [d] = await createDevices(f.iot.deps, f.scope, p.productKey, [{ deviceName }], actor);
        return d;
      };
      locker = await make('parcel-locker', '快递柜', 'locker-mqtt');
      bin = await make('garbage-bin', '垃圾桶', 'bin-mqtt');
      monitor = await make('elderly-vital-monitor', '体征监测仪', 'vital-mqtt');
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
  });
}
