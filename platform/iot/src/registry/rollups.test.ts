// The IoT warehouse's kept layer: hourly and Shanghai-day roll-ups of numeric properties, recomputed idempotently,
// queryable per device; raw telemetry older than the retention pruned while the roll-ups stay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queryRows, telemetry, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { iotFixture } from '../testing.ts';
import { queryRollups, rollUpTelemetry } from './rollups.ts';
import { pruneTelemetry } from './telemetry-maintenance.ts';

for (const engine of testEngines()) {
  describe(`telemetry roll-ups and retention (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
    });
    after(async () => {
      await f?.close();
    });

    test('hours and Shanghai days roll up count, sum, min and max; a second run gives the same rows', async () => {
      const [d1, d2] = f.devices;
      const row = (deviceId: string, iso: string, value: unknown, identifier = 'energyTotal') => ({
        communityId: f.communityId,
        deviceId,
        kind: 'property' as const,
        identifier,
        value,
        time: iso,
      });
      await f.database.db.insert(telemetry).values([
        // 2026-11-27 23:10 and 23:50 in Hangzhou (15:xx UTC), then 2026-11-28 00:20 (16:20 UTC): two local days.
        row(d1.id, '2026-11-27T15:10:00Z', 10),
        row(d1.id, '2026-11-27T15:50:00Z', 30),
        row(d1.id, '2026-11-27T16:20:00Z', 5),
        row(d2.id, '2026-11-27T15:30:00Z', 7),
        row(d1.id, '2026-11-27T15:40:00Z', 'n/a'),
        row(d1.id, '2026-11-27T15:45:00Z', true, 'switch'),
      ]);
      const from = new Date('2026-11-27T15:00:00Z');
      const to = new Date('2026-11-27T17:00:00Z');
      const first = await rollUpTelemetry(f.database.db, from, to);
      assert.deepEqual(first, { hours: 3, days: 3 });
      const hours = await queryRollups(f.iot.deps, f.scope, f.productKey, d1.deviceName, { grain: 'hour' });
      assert.deepEqual(
        hours.map((h) => [h.bucket, h.n, h.avg, h.min, h.max]),
        [
          ['2026-11-27T15:00:00.000Z', 2, 20, 10, 30],
          ['2026-11-27T16:00:00.000Z', 1, 5, 5, 5],
        ],
        'text and boolean values are not rolled up',
      );
      const days = await queryRollups(f.iot.deps, f.scope, f.productKey, d1.deviceName, { grain: 'day' });
      assert.deepEqual(
        days.map((h) => [h.bucket, h.n, h.min, h.max]),
        [
          ['2026-11-26T16:00:00.000Z', 2, 10, 30],
          ['2026-11-27T16:00:00.000Z', 1, 5, 5],
        ],
        'days start at midnight in Hangzhou (16:00 UTC)',
      );
      assert.deepEqual(await rollUpTelemetry(f.database.db, from, to), first);
      const [{ n }] = await queryRows<{ n: number }>(
        f.database.db,
        sql`select count(*)::int as n from iot.telemetry_rollups`,
      );
      assert.equal(n, 6, 'recomputing replaces rows, it does not add');
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };
      await assert.rejects(queryRollups(f.iot.deps, other, f.productKey, d1.deviceName, { grain: 'hour' }));
    });

    test('raw telemetry past the retention is pruned; the roll-ups stay', async () => {
      const before = await queryRollups(f.iot.deps, f.scope, f.productKey, f.devices[0].deviceName, { grain: 'hour' });
      await pruneTelemetry(f.database.db, 90, new Date('2027-03-01T00:00:00Z'));
      const [{ raw, kept }] = await queryRows<{ raw: number; kept: number }>(
        f.database.db,
        sql`select (select count(*)::int from iot.telemetry where time < '2026-12-01T00:00:00Z') as raw,
                   (select count(*)::int from iot.telemetry_rollups) as kept`,
      );
      assert.deepEqual([raw, kept], [0, 6]);
      assert.deepEqual(
        await queryRollups(f.iot.deps, f.scope, f.productKey, f.devices[0].deviceName, { grain: 'hour' }),
        before,
        'rolling a day up again before its partition is dropped gives the same figures',
      );
      assert.deepEqual(await pruneTelemetry(f.database.db, 90, new Date('2027-03-01T00:00:00Z')), {
        partitions: [],
        rows: 0,
      });
    });
  });
}
