// The IoT warehouse's kept layer (DB33 7.2.2): numeric property values rolled up per device, property and hour, and
// per day in Asia/Shanghai; raw telemetry dropped a day at a time after its retention period (default 90 days; see
// telemetry-maintenance.ts). The roll-ups are recomputed from the raw rows of whole hours, so running them twice, or in
// two processes, gives the same rows.
import { communityZone } from '@shequ/core';
import { type DataScope, type Executor, queryRows, telemetryRollups, withScope } from '@shequ/db';
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { IotDeps } from './deps.ts';
import { deviceInScope } from './device-detail.ts';

const HOUR = 3_600_000;
const ZONE = communityZone;
const hourFloor = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR);

/** Rolls up the whole hours in [from, to) and the Shanghai days they touch; answers the rows written. */
export async function rollUpTelemetry(db: Executor, from: Date, to: Date): Promise<{ hours: number; days: number }> {
  const start = hourFloor(from);
  const end = hourFloor(new Date(to.getTime() + HOUR - 1));
  if (end <= start) return { hours: 0, days: 0 };
  const [hours] = await queryRows<{ n: number }>(
    db,
    sql`with r as (
          insert into iot.telemetry_rollups (community_id, device_id, identifier, grain, bucket, n, sum, min, max, updated_at)
          select community_id, device_id, identifier, 'hour', date_trunc('hour', time), count(*),
                 sum((value #>> '{}')::float8), min((value #>> '{}')::float8), max((value #>> '{}')::float8), now()
            from iot.telemetry
           where kind = 'property' and jsonb_typeof(value) = 'number'
             and time >= ${start.toISOString()}::timestamptz and time < ${end.toISOString()}::timestamptz
           group by community_id, device_id, identifier, date_trunc('hour', time)
          on conflict (device_id, identifier, grain, bucket) do update
            set n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max, updated_at = now()
          returning 1)
        select count(*)::int as n from r`,
  );
  const [days] = await queryRows<{ n: number }>(
    db,
    sql`with span as (
          select date_trunc('day', ${start.toISOString()}::timestamptz at time zone ${ZONE}) at time zone ${ZONE} as d0,
                 (date_trunc('day', (${end.toISOString()}::timestamptz - interval '1 microsecond') at time zone ${ZONE})
                   at time zone ${ZONE}) + interval '1 day' as d1),
        r as (
          insert into iot.telemetry_rollups (community_id, device_id, identifier, grain, bucket, n, sum, min, max, updated_at)
          select h.community_id, h.device_id, h.identifier, 'day',
                 date_trunc('day', h.bucket at time zone ${ZONE}) at time zone ${ZONE},
                 sum(h.n), sum(h.sum), min(h.min), max(h.max), now()
            from iot.telemetry_rollups h, span
           where h.grain = 'hour' and h.bucket >= span.d0 and h.bucket < span.d1
           group by 1, 2, 3, 5
          on conflict (device_id, identifier, grain, bucket) do update
            set n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max, updated_at = now()
          returning 1)
        select count(*)::int as n from r`,
  );
  return { hours: hours.n, days: days.n };
}

/** A device's roll-ups of one grain, oldest first, optionally one property and a time range (bucket start). */
export async function queryRollups(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  q: { grain: 'hour' | 'day'; identifier?: string; from?: Date; to?: Date; limit?: number },
) {
  const { device } = await deviceInScope(d, scope, productKey, deviceName);
  const where = [eq(telemetryRollups.deviceId, device.id), eq(telemetryRollups.grain, q.grain)];
  if (q.identifier) where.push(eq(telemetryRollups.identifier, q.identifier));
  if (q.from) where.push(gte(telemetryRollups.bucket, q.from.toISOString()));
  if (q.to) where.push(lt(telemetryRollups.bucket, q.to.toISOString()));
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(telemetryRollups)
      .where(and(...where))
      .orderBy(asc(telemetryRollups.bucket), asc(telemetryRollups.identifier))
      .limit(Math.min(q.limit ?? 500, 5000)),
  );
  return rows.map((r) => ({
    identifier: r.identifier,
    bucket: new Date(r.bucket).toISOString(),
    n: r.n,
    avg: r.n ? r.sum / r.n : null,
    min: r.min,
    max: r.max,
  }));
}
