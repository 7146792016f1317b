import { type Executor, queryRows, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import { accessZone } from './fees.ts';
import { accessScope } from './visitors.ts';

/**
 * Traffic of a local day (Asia/Shanghai) for the cockpit: admitted passes per hour, gate, subject kind and
 * direction, the day's totals, and the vehicles inside now (plates whose latest pass was an entry).
 */
export async function trafficStats(db: Executor, communityId: string, day: string) {
  const d = DateTime.fromISO(day, { zone: accessZone });
  if (!d.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new AppError('INVALID_INPUT', { zh: '日期格式应为 YYYY-MM-DD', en: 'The day must be YYYY-MM-DD' });
  }
  const from = d.startOf('day').toJSDate().toISOString();
  const to = d.startOf('day').plus({ days: 1 }).toJSDate().toISOString();
  return withScope(db, accessScope(communityId), async (tx) => {
    const hours = await queryRows<{
      hour: number;
      device_id: string;
      device_name: string;
      subject_kind: string;
      direction: string;
      n: number;
    }>(
      tx,
      sql`select extract(hour from passed_at at time zone ${accessZone})::int as hour, device_id, device_name,
                 subject_kind, direction, count(*)::int as n
          from access.pass_records
          where community_id = ${communityId} and admitted and passed_at >= ${from} and passed_at < ${to}
          group by 1, 2, 3, 4, 5 order by 1, 3, 4, 5`,
    );
    const [inside] = await queryRows<{ vehicles: number; temporary: number }>(
      tx,
      sql`select count(*)::int as vehicles, count(*) filter (where vehicle_id is null)::int as temporary from (
            select distinct on (plate) plate, direction, vehicle_id from access.pass_records
            where community_id = ${communityId} and plate is not null and admitted
            order by plate, passed_at desc, id desc) last
          where direction = 'in'`,
    );
    const rows = hours.map((h) => ({
      hour: Number(h.hour),
      deviceId: h.device_id,
      deviceName: h.device_name,
      subjectKind: h.subject_kind,
      direction: h.direction,
      count: Number(h.n),
    }));
    const sum = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).reduce((a, r) => a + r.count, 0);
    return {
      day,
      hours: rows,
      totals: {
        in: sum((r) => r.direction === 'in'),
        out: sum((r) => r.direction === 'out'),
        people: sum((r) => r.subjectKind === 'person' || r.subjectKind === 'visitor'),
        visitors: sum((r) => r.subjectKind === 'visitor'),
      },
      vehiclesInside: Number(inside?.vehicles ?? 0),
      temporaryVehiclesInside: Number(inside?.temporary ?? 0),
    };
  });
}
