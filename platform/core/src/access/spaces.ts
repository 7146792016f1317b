import { type Executor, parkingSpaces, queryRows, spaceOccupancies, type Tx, withScope } from '@shequ/db';
import { and, desc, eq, gte, isNull, lte, type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { accessZone } from './fees.ts';
import { sensorValueError } from './flow.ts';
import type { DeviceEvent } from './gate.ts';
import { accessScope } from './visitors.ts';

const spaceValue = z.object({ spaceCode: z.string().trim().min(1).max(32) });

export type SpaceEventResult =
  | { id: string; state: 'opened' | 'closed' | 'already_open' | 'duplicate' }
  | { id: null; state: 'not_open' };

/**
 * Records a parking-space sensor's (地磁, DB33 6.2.1.2) `arrive` or `leave`: an arrival opens the space's occupancy
 * (a second arrival while one is open keeps the first), a leaving closes the open one that began before it; a
 * leaving with nothing open records nothing. The space must be in the community's parking-space register, else
 * NOT_FOUND; a redelivered event (same device and message id) changes nothing.
 */
export async function recordSpaceEvent(db: Executor, communityId: string, e: DeviceEvent): Promise<SpaceEventResult> {
  if (e.event !== 'arrive' && e.event !== 'leave') {
    throw new AppError('INVALID_INPUT', {
      zh: `车位检测器事件 ${e.event} 无法识别`,
      en: `Unknown parking-space sensor event ${e.event}`,
    });
  }
  const parsed = spaceValue.safeParse(e.value ?? {});
  if (!parsed.success) throw sensorValueError(parsed.error.issues);
  const code = parsed.data.spaceCode;
  const at = new Date(Number.isFinite(e.time) ? e.time : Date.now());
  const messageId = String(e.messageId).slice(0, 64);
  return withScope(db, accessScope(communityId), async (tx: Tx): Promise<SpaceEventResult> => {
    const [space] = await tx
      .select({ id: parkingSpaces.id })
      .from(parkingSpaces)
      .where(and(eq(parkingSpaces.communityId, communityId), eq(parkingSpaces.code, code)));
    if (!space) {
      throw new AppError('NOT_FOUND', {
        zh: `车位 ${code} 未在车位台账中登记`,
        en: `Parking space ${code} is not in the parking-space register`,
      });
    }
    // One space at a time: an arrival and a leaving delivered together cannot both miss each other.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`space:${communityId}:${code}`}, 0))`);
    const mine = and(eq(spaceOccupancies.communityId, communityId), eq(spaceOccupancies.spaceCode, code));
    if (e.event === 'arrive') {
      const [seen] = await tx
        .select({ id: spaceOccupancies.id })
        .from(spaceOccupancies)
        .where(and(eq(spaceOccupancies.deviceId, e.deviceId), eq(spaceOccupancies.arriveMessageId, messageId)));
      if (seen) return { id: seen.id, state: 'duplicate' };
      const [open] = await tx
        .select({ id: spaceOccupancies.id })
        .from(spaceOccupancies)
        .where(and(mine, isNull(spaceOccupancies.leftAt)));
      if (open) return { id: open.id, state: 'already_open' };
      const [row] = await tx
        .insert(spaceOccupancies)
        .values({
          communityId,
          spaceId: space.id,
          spaceCode: code,
          deviceId: e.deviceId,
          productKey: e.productKey,
          deviceName: e.deviceName,
          arrivedAt: at,
          arriveMessageId: messageId,
        })
        .returning({ id: spaceOccupancies.id });
      return { id: row.id, state: 'opened' };
    }
    const [seen] = await tx
      .select({ id: spaceOccupancies.id })
      .from(spaceOccupancies)
      .where(and(mine, eq(spaceOccupancies.leaveMessageId, messageId)));
    if (seen) return { id: seen.id, state: 'duplicate' };
    const [open] = await tx
      .select({ id: spaceOccupancies.id })
      .from(spaceOccupancies)
      .where(and(mine, isNull(spaceOccupancies.leftAt), lte(spaceOccupancies.arrivedAt, at)));
    if (!open) return { id: null, state: 'not_open' };
    await tx
      .update(spaceOccupancies)
      .set({ leftAt: at, leaveMessageId: messageId })
      .where(eq(spaceOccupancies.id, open.id));
    return { id: open.id, state: 'closed' };
  });
}

const sessionView = (s: typeof spaceOccupancies.$inferSelect, now: number) => ({
  id: s.id,
  spaceCode: s.spaceCode,
  spaceId: s.spaceId,
  deviceId: s.deviceId,
  deviceName: s.deviceName,
  arrivedAt: s.arrivedAt.toISOString(),
  leftAt: s.leftAt?.toISOString() ?? null,
  /** Seconds parked: to the leaving, or until now while the vehicle is still there. */
  durationSeconds: Math.max(0, Math.floor(((s.leftAt?.getTime() ?? now) - s.arrivedAt.getTime()) / 1000)),
});

/** Occupancy sessions of the parking spaces, newest first: of one space, open ones only, or from a time on. */
export async function listSpaceOccupancies(
  db: Executor,
  communityId: string,
  f: { spaceCode?: string; open?: boolean; from?: Date; limit?: number } = {},
) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const conds: SQL[] = [eq(spaceOccupancies.communityId, communityId)];
    if (f.spaceCode) conds.push(eq(spaceOccupancies.spaceCode, f.spaceCode));
    if (f.open) conds.push(isNull(spaceOccupancies.leftAt));
    if (f.from) conds.push(gte(spaceOccupancies.arrivedAt, f.from));
    const rows = await tx
      .select()
      .from(spaceOccupancies)
      .where(and(...conds))
      .orderBy(desc(spaceOccupancies.arrivedAt), desc(spaceOccupancies.id))
      .limit(Math.min(Math.max(f.limit ?? 200, 1), 500));
    const now = Date.now();
    return rows.map((r) => sessionView(r, now));
  });
}

/**
 * Every space of the register with where vehicles are parked now (occupied, since when, by which sensor's report)
 * and, for a local day, the seconds it was occupied and the occupancies that touched the day. A space without a
 * sensor reports nothing: `sensed` is false and it counts as free.
 */
export async function spaceOccupancy(db: Executor, communityId: string, day: string) {
  const d = DateTime.fromISO(day, { zone: accessZone });
  if (!d.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new AppError('INVALID_INPUT', { zh: '日期格式应为 YYYY-MM-DD', en: 'The day must be YYYY-MM-DD' });
  }
  const from = d.startOf('day').toJSDate();
  const to = d.startOf('day').plus({ days: 1 }).toJSDate();
  const until = new Date(Math.min(to.getTime(), Date.now())).toISOString();
  return withScope(db, accessScope(communityId), async (tx) => {
    const rows = await queryRows<{
      id: string;
      code: string;
      kind: string;
      location: string | null;
      sensed: boolean;
      open_since: Date | string | null;
      open_device: string | null;
      sessions: number;
      seconds: number;
    }>(
      tx,
      sql`select s.id, s.code, s.kind, s.location,
                 exists (select 1 from access.space_occupancies x where x.community_id = s.community_id and x.space_code = s.code) as sensed,
                 o.arrived_at as open_since, o.device_name as open_device,
                 coalesce(dd.sessions, 0)::int as sessions, coalesce(dd.seconds, 0)::int as seconds
          from access.parking_spaces s
          left join access.space_occupancies o
            on o.community_id = s.community_id and o.space_code = s.code and o.left_at is null
          left join lateral (
            select count(*) as sessions,
                   sum(greatest(0, extract(epoch from least(coalesce(x.left_at, ${until}::timestamptz), ${until}::timestamptz)
                                               - greatest(x.arrived_at, ${from.toISOString()}::timestamptz)))) as seconds
            from access.space_occupancies x
            where x.community_id = s.community_id and x.space_code = s.code
              and x.arrived_at < ${to.toISOString()} and (x.left_at is null or x.left_at > ${from.toISOString()})
          ) dd on true
          where s.community_id = ${communityId}
          order by s.code`,
    );
    const spaces = rows.map((r) => ({
      id: r.id,
      code: r.code,
      kind: r.kind,
      location: r.location,
      sensed: Boolean(r.sensed),
      occupied: r.open_since !== null,
      since: r.open_since ? new Date(r.open_since).toISOString() : null,
      deviceName: r.open_device,
      day: { sessions: Number(r.sessions), occupiedSeconds: Number(r.seconds) },
    }));
    return {
      day,
      spaces,
      totals: {
        spaces: spaces.length,
        sensed: spaces.filter((s) => s.sensed).length,
        occupied: spaces.filter((s) => s.occupied).length,
      },
    };
  });
}
