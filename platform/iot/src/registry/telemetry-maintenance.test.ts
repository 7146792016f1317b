// Raw telemetry partitioned by community day: partitions made ahead, rows routed by Shanghai day, rows of a day
// without a partition kept in the default one and moved when it comes, whole days dropped at retention after their
// roll-ups, several maintainers at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { communityDate } from '@shequ/core';
import { queryRows, telemetry, testEngines, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { iotFixture } from '../testing.ts';
import { queryRollups } from './rollups.ts';
import {
  ensureTelemetryPartitions,
  pruneTelemetry,
  startTelemetryMaintenance,
  telemetryPartitionDays,
} from './telemetry-maintenance.ts';

const DAY = 86_400_000;
const plusDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const denied = (err: Error & { cause?: Error }) => /permission denied/.test(err.cause?.message ?? err.message);
const daysFrom = (day: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => plusDays(day, from + i));

for (const engine of testEngines()) {
  describe(`telemetry partitions (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
    });
    after(async () => {
      await f?.close();
    });
    const row = (iso: string, value: unknown = 1, identifier = 'energyTotal') => ({
      communityId: f.communityId,
      deviceId: f.devices[0].id,
      kind: 'property' as const,
      identifier,
      value,
      time: iso,
    });
    const whereIs = async (iso: string) =>
      (
        await queryRows<{ part: string }>(
          f.database.db,
          sql`select tableoid::regclass::text as part from iot.telemetry where time = ${iso}::timestamptz`,
        )
      ).map((r) => r.part);

    test('maintenance makes the partitions of yesterday to a week ahead at start-up; a second run adds none', async () => {
      const now = new Date();
      const today = communityDate(now);
      assert.ok(!(await telemetryPartitionDays(f.database.db)).includes(plusDays(today, 7)), 'not made by 0053');
      const maintenance = startTelemetryMaintenance(f.database.db, { retentionDays: 90 });
      await maintenance.ready;
      maintenance.stop();
      const days = await telemetryPartitionDays(f.database.db);
      for (const d of daysFrom(today, -1, 7)) assert.ok(days.includes(d), `partition of ${d}`);
      assert.deepEqual(await ensureTelemetryPartitions(f.database.db, now), []);
    });

    test('a row lands in the partition of its Shanghai day; one on a day without a partition in the default one', async () => {
      const today = communityDate();
      // 23:30 in Hangzhou is 15:30 UTC of the same date; 00:30 the next day is 16:30 UTC of the date before.
      const late = `${today}T15:30:00.000Z`;
      const early = `${today}T16:30:00.000Z`;
      const ancient = '2001-02-03T04:05:06.000Z';
      await f.database.db.insert(telemetry).values([row(late), row(early), row(ancient)]);
      assert.deepEqual(await whereIs(late), [`iot.telemetry_p${today.replaceAll('-', '')}`]);
      assert.deepEqual(await whereIs(early), [`iot.telemetry_p${plusDays(today, 1).replaceAll('-', '')}`]);
      assert.deepEqual(await whereIs(ancient), ['iot.telemetry_default']);
    });

    test('the ingest writer stores through the partitioned table', async () => {
      const t = Date.now() - 5_000;
      const s = f.devices[1];
      await f.iot.writer.write(
        { deviceId: s.id, communityId: f.communityId, productKey: s.productKey, deviceName: s.deviceName },
        { kind: 'property', id: 'w1', values: [{ identifier: 'activePower', value: 2.5, time: t }] },
      );
      assert.deepEqual(await whereIs(new Date(t).toISOString()), [
        `iot.telemetry_p${communityDate(t).replaceAll('-', '')}`,
      ]);
    });

    test('rows kept in the default partition move into the partition made for their day later', async () => {
      const later = plusDays(communityDate(), 30);
      const iso = `${later}T02:00:00.000Z`;
      await f.database.db.insert(telemetry).values(row(iso));
      assert.deepEqual(await whereIs(iso), ['iot.telemetry_default']);
      const added = await ensureTelemetryPartitions(f.database.db, new Date(`${later}T04:00:00Z`), 0);
      assert.ok(added.includes(later));
      assert.deepEqual(await whereIs(iso), [`iot.telemetry_p${later.replaceAll('-', '')}`]);
    });

    test('scoped work reads through the parent only: a partition named directly is refused', async () => {
      const rows = await withScope(f.database.db, f.scope, (tx) =>
        queryRows<{ n: number }>(tx, sql`select count(*)::int as n from iot.telemetry`),
      );
      assert.ok(rows[0].n >= 4);
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };
      const none = await withScope(f.database.db, other, (tx) =>
        queryRows<{ n: number }>(tx, sql`select count(*)::int as n from iot.telemetry`),
      );
      assert.equal(none[0].n, 0, 'the row-level policy applies on the partitioned table');
      const part = `iot.telemetry_p${communityDate().replaceAll('-', '')}`;
      await assert.rejects(
        withScope(f.database.db, f.scope, (tx) => tx.execute(sql.raw(`select * from ${part}`))),
        denied,
      );
      await assert.rejects(
        withScope(f.database.db, f.scope, (tx) => tx.execute(sql`select * from iot.telemetry_default`)),
        denied,
      );
    });

    test('retention drops whole days past 90 days, rolled up first, and the default rows past it', async () => {
      // Partitions of a January 2026 week, rows in one day never rolled up by the hourly run.
      await ensureTelemetryPartitions(f.database.db, new Date('2026-01-10T04:00:00Z'), 3);
      await f.database.db
        .insert(telemetry)
        .values([row('2026-01-10T01:10:00Z', 10), row('2026-01-10T01:40:00Z', 30), row('2026-01-10T05:00:00Z', 2)]);
      assert.deepEqual(await whereIs('2026-01-10T01:10:00.000Z'), ['iot.telemetry_p20260110']);
      const now = new Date();
      const r = await pruneTelemetry(f.database.db, 90, now);
      assert.deepEqual(r.partitions, daysFrom('2026-01-09', 0, 4));
      assert.equal(r.rows, 1, 'the 2001 row in the default partition');
      const days = await telemetryPartitionDays(f.database.db);
      assert.ok(days.every((d) => d > '2026-01-13'));
      for (const d of daysFrom(communityDate(now), -1, 7)) assert.ok(days.includes(d), `partition of ${d} kept`);
      const [{ raw }] = await queryRows<{ raw: number }>(
        f.database.db,
        sql`select count(*)::int as raw from iot.telemetry where time < ${new Date(now.getTime() - 90 * DAY).toISOString()}::timestamptz`,
      );
      assert.equal(raw, 0);
      const hours = await queryRollups(f.iot.deps, f.scope, f.productKey, f.devices[0].deviceName, {
        grain: 'hour',
        to: new Date('2026-02-01T00:00:00Z'),
      });
      assert.deepEqual(
        hours.map((h) => [h.bucket, h.n, h.min, h.max]),
        [
          ['2026-01-10T01:00:00.000Z', 2, 10, 30],
          ['2026-01-10T05:00:00.000Z', 1, 2, 2],
        ],
      );
      const [day] = await queryRollups(f.iot.deps, f.scope, f.productKey, f.devices[0].deviceName, {
        grain: 'day',
        to: new Date('2026-02-01T00:00:00Z'),
      });
      assert.deepEqual([day.bucket, day.n, day.avg], ['2026-01-09T16:00:00.000Z', 3, 14]);
    });

    test('maintenance in several callers at once neither fails nor makes a day twice', async () => {
      const base = new Date(Date.now() + 60 * DAY);
      const results = await Promise.all([
        ensureTelemetryPartitions(f.database.db, base),
        ensureTelemetryPartitions(f.database.db, base),
        ensureTelemetryPartitions(f.database.db, new Date(base.getTime() + 2 * DAY)),
        pruneTelemetry(f.database.db, 90),
        pruneTelemetry(f.database.db, 90),
      ]);
      const added = results.slice(0, 3).flat() as string[];
      const start = communityDate(base);
      assert.deepEqual([...added].sort(), daysFrom(start, -1, 9), 'each day added by exactly one caller');
      const days = await telemetryPartitionDays(f.database.db);
      for (const d of daysFrom(start, -1, 9)) assert.ok(days.includes(d));
    });
  });
}
