// 货物 (DB33 7.2.2.2.3) from the parcel lockers (6.2.1.3): a deposit opens a parcel in a cell, the cell's pickup closes
// it. Events may arrive out of order (a device buffers while offline, the bus redelivers): a pickup with no open
// deposit at or before its time is kept as a parcel without deposit, and the deposit that arrives later completes
// it (the earliest such pickup at or after the deposit); an overdue report that came before its deposit marks the
// deposit when it arrives. Per locker cell one advisory lock orders the pairing.
import { communityZone } from '@shequ/core';
import { type DataScope, type Db, parcels, queryRows, type Tx, withScope } from '@shequ/db';
import { and, desc, eq, gte, isNotNull, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor } from './cursor.ts';

/** A parcel waiting longer than this counts as overdue (滞留) even when the locker did not say so. */
export const parcelOverdueHours = 48;

const minutesBetween = (a: Date, b: Date) => Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000));

export interface ParcelEvent {
  factId: string;
  event: 'deposit' | 'pickup' | 'overdue';
  deviceId: string;
  productKey: string;
  deviceName: string;
  cell: string;
  at: Date;
  trackingNo: string | null;
  carrier: string | null;
  /** pickup: the locker's dwell minutes; overdue: its dwell hours. */
  amount: number | null;
}

/** Applies one locker event to the parcels of its cell (inside the fact's transaction). */
export async function pairParcel(tx: Tx, communityId: string, e: ParcelEvent) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`parcel:${e.deviceId}:${e.cell}`}, 0))`);
  const ofCell = and(eq(parcels.deviceId, e.deviceId), eq(parcels.cell, e.cell));
  if (e.event === 'deposit') {
    const [orphan] = await tx
      .select()
      .from(parcels)
      .where(and(ofCell, isNull(parcels.depositedAt), gte(parcels.pickedUpAt, e.at)))
      .orderBy(parcels.pickedUpAt)
      .limit(1)
      .for('update');
    if (orphan?.pickedUpAt) {
      await tx
        .update(parcels)
        .set({
          depositedAt: e.at,
          trackingNo: e.trackingNo,
          carrier: e.carrier,
          depositFactId: e.factId,
          dwellMinutes: minutesBetween(e.at, orphan.pickedUpAt),
          updatedAt: new Date(),
        })
        .where(eq(parcels.id, orphan.id));
      return orphan.id;
    }
    const [row] = await tx
      .insert(parcels)
      .values({
        communityId,
        deviceId: e.deviceId,
        productKey: e.productKey,
        deviceName: e.deviceName,
        cell: e.cell,
        trackingNo: e.trackingNo,
        carrier: e.carrier,
        depositedAt: e.at,
        depositFactId: e.factId,
      })
      .returning({ id: parcels.id });
    // The locker's overdue report of this cell may have come first: it applies to the parcel waiting now.
    await tx.execute(sql`
      update iot.parcels set overdue = true
       where id = ${row.id} and exists (
         select 1 from iot.warehouse_facts f
          where f.device_id = ${e.deviceId} and f.event = 'overdue' and f.cell = ${e.cell}
            and f.at >= ${e.at.toISOString()}::timestamptz)`);
    return row.id;
  }
  // The parcel in the cell at that time: the latest open deposit at or before it.
  const [open] = await tx
    .select()
    .from(parcels)
    .where(and(ofCell, isNull(parcels.pickedUpAt), lte(parcels.depositedAt, e.at)))
    .orderBy(desc(parcels.depositedAt))
    .limit(1)
    .for('update');
  if (e.event === 'overdue') {
    if (open) await tx.update(parcels).set({ overdue: true, updatedAt: new Date() }).where(eq(parcels.id, open.id));
    return open?.id ?? null;
  }
  if (open?.depositedAt) {
    await tx
      .update(parcels)
      .set({
        pickedUpAt: e.at,
        pickupFactId: e.factId,
        dwellMinutes: minutesBetween(open.depositedAt, e.at),
        updatedAt: new Date(),
      })
      .where(eq(parcels.id, open.id));
    return open.id;
  }
  const [row] = await tx
    .insert(parcels)
    .values({
      communityId,
      deviceId: e.deviceId,
      productKey: e.productKey,
      deviceName: e.deviceName,
      cell: e.cell,
      pickedUpAt: e.at,
      pickupFactId: e.factId,
      dwellMinutes: e.amount === null ? null : Math.round(e.amount),
    })
    .returning({ id: parcels.id });
  return row.id;
}

export interface ParcelFilter {
  deviceId?: string;
  status?: 'waiting' | 'picked' | 'overdue';
  trackingNo?: string;
  from?: Date;
  to?: Date;
}

const parcelAt = sql`coalesce(${parcels.depositedAt}, ${parcels.pickedUpAt})`;
const overdueCut = () => new Date(Date.now() - parcelOverdueHours * 3_600_000);

type ParcelRow = typeof parcels.$inferSelect;
export const parcelView = (p: ParcelRow) => {
  const waiting = p.depositedAt !== null && p.pickedUpAt === null;
  return {
    id: p.id,
    deviceId: p.deviceId,
    productKey: p.productKey,
    deviceName: p.deviceName,
    cell: p.cell,
    trackingNo: p.trackingNo,
    carrier: p.carrier,
    depositedAt: p.depositedAt?.toISOString() ?? null,
    pickedUpAt: p.pickedUpAt?.toISOString() ?? null,
    dwellMinutes: waiting && p.depositedAt ? minutesBetween(p.depositedAt, new Date()) : p.dwellMinutes,
    waiting,
    overdue: waiting && (p.overdue || (p.depositedAt as Date) < overdueCut()),
  };
};

/** Parcels of a community newest first (by deposit, else pickup time), paged by keyset (time, id). */
export async function listParcels(
  db: Db,
  scope: DataScope,
  communityId: string,
  f: ParcelFilter = {},
  page: { cursor?: string; limit?: number } = {},
) {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const conds: (SQL | undefined)[] = [eq(parcels.communityId, communityId)];
  if (f.deviceId) conds.push(eq(parcels.deviceId, f.deviceId));
  if (f.trackingNo) conds.push(eq(parcels.trackingNo, f.trackingNo));
  if (f.status === 'waiting') conds.push(isNotNull(parcels.depositedAt), isNull(parcels.pickedUpAt));
  if (f.status === 'picked') conds.push(isNotNull(parcels.pickedUpAt));
  if (f.status === 'overdue') {
    conds.push(
      isNotNull(parcels.depositedAt),
      isNull(parcels.pickedUpAt),
      or(eq(parcels.overdue, true), lt(parcels.depositedAt, overdueCut())),
    );
  }
  if (f.from) conds.push(sql`${parcelAt} >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) conds.push(sql`${parcelAt} < ${f.to.toISOString()}::timestamptz`);
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    conds.push(
      sql`(${parcelAt} < ${c.at.toISOString()}::timestamptz or (${parcelAt} = ${c.at.toISOString()}::timestamptz and ${parcels.id} < ${c.id}))`,
    );
  }
  const rows = await withScope(db, scope, (tx) =>
    tx
      .select()
      .from(parcels)
      .where(and(...conds))
      .orderBy(desc(parcelAt), desc(parcels.id))
      .limit(limit + 1),
  );
  const last = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map(parcelView),
    nextCursor:
      rows.length > limit && last ? encodeCursor((last.depositedAt ?? last.pickedUpAt) as Date, last.id) : null,
  };
}

/**
 * Parcel statistics of a community: deposits and pickups per Shanghai day in [from, to), the distribution per locker
 * (货物分布) and per carrier of the deposits in the range, and now: waiting, overdue, mean dwell of the range's pickups.
 */
export async function parcelStats(db: Db, scope: DataScope, communityId: string, range: { from: Date; to: Date }) {
  const Z = communityZone;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const cut = overdueCut().toISOString();
  return withScope(db, scope, async (tx) => {
    const days = await queryRows<{ day: string; deposits: number; pickups: number }>(
      tx,
      sql`select day, sum(dep)::int as deposits, sum(pick)::int as pickups from (
            select to_char(deposited_at at time zone ${Z}, 'YYYY-MM-DD') as day, 1 as dep, 0 as pick from iot.parcels
             where community_id = ${communityId} and deposited_at >= ${from}::timestamptz and deposited_at < ${to}::timestamptz
            union all
            select to_char(picked_up_at at time zone ${Z}, 'YYYY-MM-DD'), 0, 1 from iot.parcels
             where community_id = ${communityId} and picked_up_at >= ${from}::timestamptz and picked_up_at < ${to}::timestamptz
          ) x group by day order by day`,
    );
    // 货物分布: per locker, with where it stands (the device's location, DB33 7.2.2.2.3 设施设备位置).
    const lockers = await queryRows<{
      deviceId: string;
      deviceName: string;
      location: string | null;
      deposits: number;
      waiting: number;
    }>(
      tx,
      sql`select p.device_id as "deviceId", max(p.device_name) as "deviceName", max(d.location) as location,
                 count(*) filter (where p.deposited_at >= ${from}::timestamptz and p.deposited_at < ${to}::timestamptz)::int as deposits,
                 count(*) filter (where p.deposited_at is not null and p.picked_up_at is null)::int as waiting
            from iot.parcels p left join iot.devices d on d.id = p.device_id
           where p.community_id = ${communityId}
           group by p.device_id order by 2`,
    );
    const carriers = await queryRows<{ carrier: string | null; deposits: number }>(
      tx,
      sql`select carrier, count(*)::int as deposits from iot.parcels
           where community_id = ${communityId} and deposited_at >= ${from}::timestamptz and deposited_at < ${to}::timestamptz
           group by carrier order by 2 desc, 1`,
    );
    const [now] = await queryRows<{ waiting: number; overdue: number; meanDwell: number | null; picked: number }>(
      tx,
      sql`select count(*) filter (where deposited_at is not null and picked_up_at is null)::int as waiting,
                 count(*) filter (where deposited_at is not null and picked_up_at is null
                                    and (overdue or deposited_at < ${cut}::timestamptz))::int as overdue,
                 avg(dwell_minutes) filter (where picked_up_at >= ${from}::timestamptz and picked_up_at < ${to}::timestamptz
                                              and dwell_minutes is not null)::float8 as "meanDwell",
                 count(*) filter (where picked_up_at >= ${from}::timestamptz and picked_up_at < ${to}::timestamptz)::int as picked
            from iot.parcels where community_id = ${communityId}`,
    );
    return {
      days,
      lockers,
      carriers,
      waiting: now?.waiting ?? 0,
      overdue: now?.overdue ?? 0,
      meanDwellMinutes: now?.meanDwell === null || now?.meanDwell === undefined ? null : Math.round(now.meanDwell),
      deposits: days.reduce((s, d) => s + d.deposits, 0),
      pickups: now?.picked ?? 0,
    };
  });
}
