import { type Executor, queryRows, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import { withheldDays } from '../small-groups.ts';
import { accessZone } from './fees.ts';
import { countedFlow } from './flow.ts';
import { feverThreshold } from './records.ts';
import { accessScope } from './visitors.ts';

/**
 * Traffic of a local day (Asia/Shanghai) for the cockpit: admitted passes per hour, gate, subject kind and
 * direction, the day's totals, and the vehicles inside now (plates whose latest pass was an entry).
 *
 * `health` (防疫信息, DB33 7.2.2.2.1) counts the day's people-gate passes with a temperature reading and those with a
 * fever (≥ 37.3 °C), of every pass (refused ones too). With `minGroup` (readers without the health permission) the
 * fever count is withheld (null, `withheld: true`) when fewer than that many people were measured, by the warehouse's
 * small-group rule (`withheldDays`). People are told apart by the resident or visitor pass the gate resolved; every
 * unresolved pass counts as one and the same person, so the group is never overstated.
 *
 * `flow` is the people flow counted where there is no gate (DB33 6.2.1.1: people counters in public spaces and at
 * units): people in and out per hour and area, and each area's latest occupancy; `area` narrows it to one area.
 */
export async function trafficStats(
  db: Executor,
  communityId: string,
  day: string,
  opts: { minGroup?: number; area?: string } = {},
) {
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
    const [measured] = await queryRows<{ passes: number; fever: number; refs: string[] | null }>(
      tx,
      sql`select count(*)::int as passes, count(*) filter (where h.temperature >= ${feverThreshold})::int as fever,
                 array_agg(distinct coalesce(r.person_id::text, 'v:' || r.visitor_pass_id::text, 'unresolved')) as refs
          from access.pass_health h join access.pass_records r on r.id = h.pass_record_id
          where h.community_id = ${communityId} and h.passed_at >= ${from} and h.passed_at < ${to}`,
    );
    const flow = await countedFlow(tx, communityId, from, to, opts.area);
    const refs = measured?.passes ? (measured.refs ?? []) : [];
    const k = opts.minGroup;
    const off = k !== undefined && withheldDays([{ day, refs }], k).has(day);
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
      flow,
      vehiclesInside: Number(inside?.vehicles ?? 0),
      temporaryVehiclesInside: Number(inside?.temporary ?? 0),
      health: {
        /** Passes with a temperature reading, and the distinct people measured. */
        measured: Number(measured?.passes ?? 0),
        people: refs.length,
        /** Passes at or above 37.3 °C; null when withheld from this reader. */
        fever: off ? null : Number(measured?.fever ?? 0),
        /** The smallest group shown to this reader (null: every figure is exact). */
        minGroup: k ?? null,
        withheld: off,
      },
    };
  });
}
