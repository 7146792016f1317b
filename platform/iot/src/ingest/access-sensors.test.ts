// People counters (DB33 6.2.1.1) and parking-space sensors (6.2.1.2) as real MQTT devices: their events pass the
// thing-model check of the ingest, travel the bus to access's `followGatePasses`, and land as people flow per area
// and hour in the day statistics and as occupancy sessions per parking space.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope, Subscription } from '@shequ/bus';
import {
  AppError,
  accessZone,
  followGatePasses,
  listSpaceOccupancies,
  recordFlowCount,
  recordSpaceEvent,
  saveParkingSpace,
  spaceOccupancy,
  trafficStats,
} from '@shequ/core';
import { queryRows, testEngines, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { MqttClient } from 'mqtt';
import { iotFixture, nextMessage } from '../testing.ts';

const MIN = 60_000;
const staff = { subject: 'staff-1', role: 'property_staff' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

async function waitFor(ok: () => Promise<boolean>, ms = 8000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const engine of testEngines()) {
  describe(`access sensors through the ingest (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    type Dev = { id: string; productKey: string; deviceName: string; deviceSecret: string };
    let counter: Dev;
    let counter2: Dev;
    let magnet: Dev;
    let sub: Subscription;
    const refused: EventEnvelope[] = [];
    let seq = 0;

    /** Posts one event as the device and answers the ingest's Alink reply code. */
    const post = async (c: MqttClient, d: Dev, event: string, value: Record<string, unknown>, time: number) => {
      const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/${event}/post`;
      const id = String(++seq);
      const reply = nextMessage(c, `${topic}_reply`, 5000, (b) => b.id === id);
      c.publish(topic, JSON.stringify({ id, version: '1.0', params: { value, time } }), { qos: 1 });
      return (await reply).code as number;
    };
    const rows = async (table: string) =>
      (
        await queryRows<{ n: number }>(
          f.database.db,
          sql`select count(*)::int as n from ${sql.raw(table)} where community_id = ${f.communityId}`,
        )
      )[0].n;

    before(async () => {
      f = await iotFixture(engine);
      const make = f.standardDevices;
      [counter, counter2] = await make('people-counter', '毫米波客流雷达', ['radar-plaza', 'cam-hall']);
      [magnet] = await make('parking-space-sensor', '地磁车位检测器', ['mag-b1-001']);
      for (const c of ['B1-001', 'B1-002']) {
        await saveParkingSpace(f.database.db, f.communityId, { code: c, kind: 'public', location: '地下一层' }, staff);
      }
      sub = await followGatePasses(f.bus, f.database, f.crypto, { durable: 'test-access-sensors' });
      await f.bus.subscribe('test-sensor-refused', 'shequ.access.sensor.refused', async (e) => {
        refused.push(e);
      });
    });
    after(async () => {
      await sub?.stop();
      await f?.close();
    });

    test('people counters: counted flow lands per hour and area with the latest occupancy; bad counts refused', async () => {
      const c1 = await f.device(counter);
      const c2 = await f.device(counter2);
      await c1.subscribeAsync(`/sys/${counter.productKey}/${counter.deviceName}/thing/event/+/post_reply`);
      await c2.subscribeAsync(`/sys/${counter2.productKey}/${counter2.deviceName}/thing/event/+/post_reply`);
      // Yesterday, Shanghai time: the hours are fixed whenever the test runs.
      const day = DateTime.now().setZone(accessZone).minus({ days: 1 }).toISODate() as string;
      const at = (hh: number, mm: number) =>
        DateTime.fromISO(`${day}T00:00`, { zone: accessZone }).set({ hour: hh, minute: mm }).toMillis();
      const t1 = at(10, 20);
      const t2 = at(10, 30);
      const t3 = at(11, 5);
      assert.equal(
        await post(
          c1,
          counter,
          'count',
          { area: '中心广场', inCount: 12, outCount: 5, occupancy: 30, periodSeconds: 300 },
          t1,
        ),
        200,
      );
      assert.equal(
        await post(
          c1,
          counter,
          'count',
          { area: '中心广场', inCount: 8, outCount: 10, occupancy: 28, periodSeconds: 300 },
          t2,
        ),
        200,
      );
      // Ending 11:05 after 600 s, the interval started at 10:55: it counts in hour 10.
      assert.equal(
        await post(c2, counter2, 'count', { area: '邻里中心', inCount: 3, outCount: 1, periodSeconds: 600 }, t3),
        200,
      );
      // Negative counts, a missing area and an interval past the model's bounds are refused at the ingest (Alink 460).
      for (const bad of [
        { area: '中心广场', inCount: -1, outCount: 0, periodSeconds: 300 },
        { inCount: 1, outCount: 0, periodSeconds: 300 },
        { area: '中心广场', inCount: 1, outCount: 0, periodSeconds: 7200 },
      ]) {
        assert.equal(await post(c1, counter, 'count', bad, t2), 460, JSON.stringify(bad));
      }
      await waitFor(async () => (await rows('access.flow_counts')) === 3);

      const stats = await trafficStats(f.database.db, f.communityId, day);
      assert.deepEqual(stats.flow.areas, [
        { hour: 10, area: '中心广场', in: 20, out: 15 },
        { hour: 10, area: '邻里中心', in: 3, out: 1 },
      ]);
      assert.deepEqual(stats.flow.counted, { in: 23, out: 16 });
      assert.deepEqual(
        stats.flow.occupancy.map((o) => [o.area, o.people, o.deviceName]),
        [['中心广场', 28, 'radar-plaza']],
        'the latest reported occupancy per area; an area whose device reports none has no entry',
      );
      const hall = await trafficStats(f.database.db, f.communityId, day, { area: '邻里中心' });
      assert.deepEqual(
        hall.flow.areas.map((a) => [a.area, a.in, a.out]),
        [['邻里中心', 3, 1]],
      );
      assert.equal(hall.totals.in, stats.totals.in, 'the gates’ figures do not change with the area');
      const before = await trafficStats(
        f.database.db,
        f.communityId,
        DateTime.fromISO(day).minus({ days: 1 }).toISODate() as string,
      );
      assert.deepEqual(before.flow.areas, [], 'another day counts none of it');
    });

    test('a redelivered or off-bus count records once; negative counts are refused by the records too', async () => {
      const e = {
        productKey: counter.productKey,
        deviceName: counter.deviceName,
        deviceId: counter.id,
        messageId: `direct-${randomUUID()}`,
        event: 'count',
        value: { area: '东门', inCount: 2, outCount: 2, periodSeconds: 60 },
        time: Date.now() - MIN,
      };
      const first = await recordFlowCount(f.database.db, f.communityId, e);
      assert.equal(first.duplicate, false);
      assert.equal((await recordFlowCount(f.database.db, f.communityId, e)).duplicate, true);
      await assert.rejects(
        recordFlowCount(f.database.db, f.communityId, {
          ...e,
          messageId: randomUUID(),
          value: { area: '东门', inCount: 1, outCount: -3, periodSeconds: 60 },
        }),
        (err) => code(err) === 'INVALID_INPUT' && /outCount/.test((err as AppError).messageEn),
      );
      // The table refuses a negative count whatever writes it.
      await assert.rejects(
        withScope(f.database.db, f.scope, (tx) =>
          tx.execute(sql`insert into access.flow_counts (community_id, device_id, product_key, device_name, area,
            period_start, period_end, in_count, out_count, message_id)
            values (${f.communityId}, ${counter.id}, 'x', 'x', 'x', now() - interval '1 minute', now(), -1, 0, 'neg')`),
        ),
      );
    });

    test('parking-space sensor: arrive and leave make occupancy sessions per space; an unknown space is refused', async () => {
      const c = await f.device(magnet);
      await c.subscribeAsync(`/sys/${magnet.productKey}/${magnet.deviceName}/thing/event/+/post_reply`);
      const day = DateTime.now().setZone(accessZone).minus({ days: 1 }).toISODate() as string;
      const at = (hh: number, mm: number) =>
        DateTime.fromISO(`${day}T00:00`, { zone: accessZone }).set({ hour: hh, minute: mm }).toMillis();
      const now = Date.now();
      const arrived1 = at(10, 0);
      const left1 = at(10, 20);
      const arrived2 = at(23, 0);
      assert.equal(await post(c, magnet, 'arrive', { spaceCode: 'B1-001' }, arrived1), 200);
      await waitFor(async () => (await listSpaceOccupancies(f.database.db, f.communityId)).length === 1);
      assert.equal(await post(c, magnet, 'leave', { spaceCode: 'B1-001' }, left1), 200);
      await waitFor(
        async () =>
          (await listSpaceOccupancies(f.database.db, f.communityId))[0]?.leftAt === new Date(left1).toISOString(),
      );
      assert.equal(await post(c, magnet, 'arrive', { spaceCode: 'B1-001' }, arrived2), 200);
      // A space code outside the register: the ingest accepts the well-formed event, the records refuse it.
      assert.equal(await post(c, magnet, 'arrive', { spaceCode: 'Z9-999' }, now), 200);
      // A missing space code is refused at the ingest.
      assert.equal(await post(c, magnet, 'arrive', {}, now), 460);
      await waitFor(
        async () => refused.length >= 1 && (await listSpaceOccupancies(f.database.db, f.communityId)).length === 2,
      );

      const sessions = await listSpaceOccupancies(f.database.db, f.communityId, { spaceCode: 'B1-001' });
      assert.deepEqual(
        sessions.map((s) => [s.arrivedAt, s.leftAt]),
        [
          [new Date(arrived2).toISOString(), null],
          [new Date(arrived1).toISOString(), new Date(left1).toISOString()],
        ],
      );
      assert.equal(sessions[1].durationSeconds, 20 * 60);
      assert.ok(sessions[0].durationSeconds >= (now - arrived2) / 1000 - 1, 'an open session lasts until now');
      assert.equal(sessions[0].deviceName, 'mag-b1-001');
      assert.equal((await listSpaceOccupancies(f.database.db, f.communityId, { open: true })).length, 1);

      const bad = refused.find((e) => (e.data as { messageId: string }).messageId === String(seq - 1));
      assert.ok(bad, 'the unknown space is published as refused');
      const d = bad.data as { code: string; reason: { zh: string; en: string }; deviceName: string };
      assert.equal(d.code, 'NOT_FOUND');
      assert.match(d.reason.zh, /Z9-999/);
      assert.equal(d.deviceName, 'mag-b1-001');
      assert.equal(
        (
          await queryRows<{ n: number }>(
            f.database.db,
            sql`select count(*)::int as n from access.space_occupancies where space_code = 'Z9-999'`,
          )
        )[0].n,
        0,
      );

      const occ = await spaceOccupancy(f.database.db, f.communityId, day);
      const b1 = occ.spaces.find((s) => s.code === 'B1-001');
      const b2 = occ.spaces.find((s) => s.code === 'B1-002');
      assert.ok(b1 && b2);
      assert.equal(b1.occupied, true, 'occupied now');
      assert.equal(b1.since, new Date(arrived2).toISOString());
      assert.equal(b1.sensed, true);
      // 10:00–10:20 and 23:00 to the day's end: 20 + 60 minutes of that day.
      assert.deepEqual(b1.day, { sessions: 2, occupiedSeconds: 80 * 60 });
      assert.deepEqual([b2.occupied, b2.sensed, b2.day.occupiedSeconds], [false, false, 0]);
      assert.deepEqual(occ.totals, { spaces: 2, sensed: 1, occupied: 1 });
      await assert.rejects(
        spaceOccupancy(f.database.db, f.communityId, '2026-02-30'),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('off the bus: unknown space NOT_FOUND, a leave with nothing open and a redelivery change nothing', async () => {
      const ev = (event: string, spaceCode: string, time: number, messageId = randomUUID()) => ({
        productKey: magnet.productKey,
        deviceName: magnet.deviceName,
        deviceId: magnet.id,
        messageId,
        event,
        value: { spaceCode },
        time,
      });
      await assert.rejects(
        recordSpaceEvent(f.database.db, f.communityId, ev('arrive', 'NOPE', Date.now())),
        (e) => code(e) === 'NOT_FOUND' && /NOPE/.test((e as AppError).messageEn),
      );
      await assert.rejects(
        recordSpaceEvent(f.database.db, f.communityId, ev('arrive', '', Date.now())),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const t = Date.now() - 5 * MIN;
      assert.equal((await recordSpaceEvent(f.database.db, f.communityId, ev('leave', 'B1-002', t))).state, 'not_open');
      const a = ev('arrive', 'B1-002', t);
      assert.equal((await recordSpaceEvent(f.database.db, f.communityId, a)).state, 'opened');
      assert.equal((await recordSpaceEvent(f.database.db, f.communityId, a)).state, 'duplicate');
      assert.equal(
        (await recordSpaceEvent(f.database.db, f.communityId, ev('arrive', 'B1-002', t + MIN))).state,
        'already_open',
      );
      const l = ev('leave', 'B1-002', t + 2 * MIN);
      assert.equal((await recordSpaceEvent(f.database.db, f.communityId, l)).state, 'closed');
      assert.equal((await recordSpaceEvent(f.database.db, f.communityId, l)).state, 'duplicate');
      const [s] = await listSpaceOccupancies(f.database.db, f.communityId, { spaceCode: 'B1-002' });
      assert.equal(s.durationSeconds, 120);
      // Another community sees none of it (row-level security).
      const other = '00000000-0000-4000-8000-000000000000';
      assert.equal((await listSpaceOccupancies(f.database.db, other)).length, 0);
      assert.equal(
        (await trafficStats(f.database.db, other, DateTime.now().setZone(accessZone).toISODate() as string)).flow.areas
          .length,
        0,
      );
    });
  });
}
