// Queries over the warehouse facts: the garbage figures (垃圾回收, 7.2.2.5.4), the vital-signs view of a monitor
// (生命体征, 7.2.2.4.3) and one keyset list of facts for both (drops, collections, abnormal/sos/fall events).
import { AppError, communityZone } from '@shequ/core';
import {
  type DataScope,
  type Db,
  deviceProperties,
  devices,
  products,
  queryRows,
  telemetry,
  telemetryRollups,
  type WarehouseDomain,
  warehouseFacts,
  withScope,
} from '@shequ/db';
import { and, desc, eq, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { warehouseDomainOf } from './facts.ts';

type FactRow = typeof warehouseFacts.$inferSelect;
export const factView = (f: FactRow) => ({
  id: f.id,
  deviceId: f.deviceId,
  productKey: f.productKey,
  deviceName: f.deviceName,
  event: f.event,
  at: f.at.toISOString(),
  cell: f.cell,
  ref: f.ref,
  category: f.category,
  label: f.label,
  amount: f.amount,
  flag: f.flag,
  value: f.value as Record<string, unknown> | null,
});

/** Warehouse facts of one domain newest first, paged by keyset (time, id). */
export async function listFacts(
  db: Db,
  scope: DataScope,
  communityId: string,
  domain: WarehouseDomain,
  f: { event?: string; deviceId?: string; category?: string; refs?: string[]; from?: Date; to?: Date } = {},
  page: { cursor?: string; limit?: number } = {},
) {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const conds: (SQL | undefined)[] = [eq(warehouseFacts.communityId, communityId), eq(warehouseFacts.domain, domain)];
  if (f.event) conds.push(eq(warehouseFacts.event, f.event));
  if (f.deviceId) conds.push(eq(warehouseFacts.deviceId, f.deviceId));
  if (f.category) conds.push(eq(warehouseFacts.category, f.category));
  if (f.refs) conds.push(f.refs.length ? inArray(warehouseFacts.ref, f.refs) : sql`false`);
  if (f.from) conds.push(gte(warehouseFacts.at, f.from));
  if (f.to) conds.push(lt(warehouseFacts.at, f.to));
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    conds.push(or(lt(warehouseFacts.at, c.at), and(eq(warehouseFacts.at, c.at), lt(warehouseFacts.id, c.id))));
  }
  const rows = await withScope(db, scope, (tx) =>
    tx
      .select()
      .from(warehouseFacts)
      .where(and(...conds))
      .orderBy(desc(warehouseFacts.at), desc(warehouseFacts.id))
      .limit(limit + 1),
  );
  const last = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map(factView),
    nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
  };
}

const rate = (correct: number, judged: number) => (judged > 0 ? Math.round((correct / judged) * 1000) / 1000 : null);
const kg = (n: number | null) => Math.round((n ?? 0) * 100) / 100;

/**
 * Garbage figures of a community in [from, to): per Shanghai day and bin category the dropped weight, drops, the
 * correct-sort rate and the collected weight (清运量); per bin the same totals and its latest fill level.
 */
export async function garbageStats(db: Db, scope: DataScope, communityId: string, range: { from: Date; to: Date }) {
  const Z = communityZone;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  type Agg = { dropped: number; drops: number; correct: number; judged: number; collected: number };
  return withScope(db, scope, async (tx) => {
    const days = await queryRows<Agg & { day: string; category: string | null }>(
      tx,
      sqlAgg(`to_char(at at time zone '${Z}', 'YYYY-MM-DD') as day, category`, '1, 2', '1, 2', communityId, from, to),
    );
    const bins = await queryRows<Agg & { deviceId: string; deviceName: string; category: string | null }>(
      tx,
      sqlAgg(
        'device_id as "deviceId", max(device_name) as "deviceName", max(category) as category',
        '1',
        '2',
        communityId,
        from,
        to,
      ),
    );
    const fill = bins.length
      ? await tx
          .select({ deviceId: deviceProperties.deviceId, value: deviceProperties.value })
          .from(deviceProperties)
          .where(
            and(
              inArray(
                deviceProperties.deviceId,
                bins.map((b) => b.deviceId),
              ),
              eq(deviceProperties.identifier, 'fillLevel'),
            ),
          )
      : [];
    const fillOf = new Map(fill.map((f) => [f.deviceId, typeof f.value === 'number' ? f.value : null]));
    const out = (a: Agg) => ({
      droppedKg: kg(a.dropped),
      drops: a.drops,
      correctRate: rate(a.correct, a.judged),
      collectedKg: kg(a.collected),
    });
    const totals = days.reduce(
      (s, d) => ({
        dropped: s.dropped + d.dropped,
        drops: s.drops + d.drops,
        correct: s.correct + d.correct,
        judged: s.judged + d.judged,
        collected: s.collected + d.collected,
      }),
      { dropped: 0, drops: 0, correct: 0, judged: 0, collected: 0 },
    );
    const categories = new Map<string, Agg>();
    for (const d of days) {
      const k = d.category ?? '';
      const c = categories.get(k) ?? { dropped: 0, drops: 0, correct: 0, judged: 0, collected: 0 };
      categories.set(k, {
        dropped: c.dropped + d.dropped,
        drops: c.drops + d.drops,
        correct: c.correct + d.correct,
        judged: c.judged + d.judged,
        collected: c.collected + d.collected,
      });
    }
    return {
      ...out(totals),
      days: days.map((d) => ({ day: d.day, category: d.category, ...out(d) })),
      categories: [...categories].map(([category, a]) => ({ category: category || null, ...out(a) })),
      bins: bins.map((b) => ({
        deviceId: b.deviceId,
        deviceName: b.deviceName,
        category: b.category,
        fillLevel: fillOf.get(b.deviceId) ?? null,
        ...out(b),
      })),
    };
  });
}

/** One aggregate of the garbage facts in a range, grouped by the given columns. */
function sqlAgg(select: string, groupBy: string, orderBy: string, communityId: string, from: string, to: string) {
  return sql`select ${sql.raw(select)},
         coalesce(sum(amount) filter (where event = 'drop'), 0)::float8 as dropped,
         count(*) filter (where event = 'drop')::int as drops,
         count(*) filter (where event = 'drop' and flag)::int as correct,
         count(*) filter (where event = 'drop' and flag is not null)::int as judged,
         coalesce(sum(amount) filter (where event = 'collected'), 0)::float8 as collected
    from iot.warehouse_facts
   where community_id = ${communityId} and domain = 'garbage' and event in ('drop', 'collected')
     and at >= ${from}::timestamptz and at < ${to}::timestamptz
   group by ${sql.raw(groupBy)} order by ${sql.raw(orderBy)}`;
}

const vitalProps = ['heartRate', 'respiration', 'inBed', 'bloodPressure', 'spo2', 'battery'] as const;

/** The vital-signs monitors of a community (products whose model is 6.2.3.3) with their latest vitals. */
export async function listVitalMonitors(db: Db, scope: DataScope, communityId: string) {
  return withScope(db, scope, async (tx) => {
    const ps = await tx
      .select({ productKey: products.productKey, name: products.name, m: products.thingModel })
      .from(products)
      .where(eq(products.communityId, communityId));
    const keys = ps.filter((p) => warehouseDomainOf(p.m)?.domain === 'vitals').map((p) => p.productKey);
    if (!keys.length) return [];
    const ds = await tx
      .select({
        id: devices.id,
        productKey: devices.productKey,
        deviceName: devices.deviceName,
        nickname: devices.nickname,
        state: devices.state,
      })
      .from(devices)
      .where(and(eq(devices.communityId, communityId), inArray(devices.productKey, keys)))
      .orderBy(devices.deviceName);
    if (!ds.length) return [];
    const ids = ds.map((d) => d.id);
    const props = await tx
      .select()
      .from(deviceProperties)
      .where(and(inArray(deviceProperties.deviceId, ids), inArray(deviceProperties.identifier, [...vitalProps])));
    const since = new Date(Date.now() - 86_400_000);
    const alerts = await queryRows<{ deviceId: string; n: number; last: string | null }>(
      tx,
      sql`select device_id as "deviceId", count(*)::int as n, max(at) as last from iot.warehouse_facts
           where community_id = ${communityId} and domain = 'vitals' and at >= ${since.toISOString()}::timestamptz
           group by device_id`,
    );
    const alertOf = new Map(alerts.map((a) => [a.deviceId, a]));
    return ds.map((d) => ({
      ...d,
      latest: latestOf(props.filter((p) => p.deviceId === d.id)),
      alerts24h: alertOf.get(d.id)?.n ?? 0,
      lastAlertAt: alertOf.get(d.id)?.last ? new Date(alertOf.get(d.id)?.last as string).toISOString() : null,
    }));
  });
}

function latestOf(props: (typeof deviceProperties.$inferSelect)[]) {
  const out: Record<string, { value: unknown; time: string }> = {};
  for (const p of props) out[p.identifier] = { value: p.value, time: new Date(p.time).toISOString() };
  return out;
}

/**
 * One monitor's vital signs: latest values, its abnormal/sos/fall history, the daily heart-rate (and respiration,
 * SpO2) minimum/maximum/average of the roll-ups (Shanghai days), and its in-bed changes from raw telemetry.
 */
export async function getVitals(
  db: Db,
  scope: DataScope,
  communityId: string,
  deviceId: string,
  o: { days?: number } = {},
) {
  const days = Math.min(Math.max(o.days ?? 14, 1), 90);
  const since = new Date(Date.now() - days * 86_400_000);
  return withScope(db, scope, async (tx) => {
    const [dev] = await tx
      .select({
        id: devices.id,
        productKey: devices.productKey,
        deviceName: devices.deviceName,
        nickname: devices.nickname,
        state: devices.state,
        m: products.thingModel,
      })
      .from(devices)
      .innerJoin(products, eq(products.id, devices.productId))
      .where(and(eq(devices.id, deviceId), eq(devices.communityId, communityId)));
    if (!dev || warehouseDomainOf(dev.m)?.domain !== 'vitals') {
      throw new AppError('NOT_FOUND', { zh: '没有这台生命体征监测仪', en: 'No such vital-signs monitor' });
    }
    const props = await tx
      .select()
      .from(deviceProperties)
      .where(and(eq(deviceProperties.deviceId, deviceId), inArray(deviceProperties.identifier, [...vitalProps])));
    const events = await tx
      .select()
      .from(warehouseFacts)
      .where(and(eq(warehouseFacts.deviceId, deviceId), eq(warehouseFacts.domain, 'vitals')))
      .orderBy(desc(warehouseFacts.at), desc(warehouseFacts.id))
      .limit(100);
    const rollups = await tx
      .select()
      .from(telemetryRollups)
      .where(
        and(
          eq(telemetryRollups.deviceId, deviceId),
          eq(telemetryRollups.grain, 'day'),
          inArray(telemetryRollups.identifier, ['heartRate', 'respiration', 'spo2']),
          gte(telemetryRollups.bucket, since.toISOString()),
        ),
      )
      .orderBy(telemetryRollups.bucket);
    const inBed = await tx
      .select({ value: telemetry.value, time: telemetry.time })
      .from(telemetry)
      .where(
        and(
          eq(telemetry.deviceId, deviceId),
          eq(telemetry.identifier, 'inBed'),
          eq(telemetry.kind, 'property'),
          gte(telemetry.time, since.toISOString()),
        ),
      )
      .orderBy(desc(telemetry.time))
      .limit(200);
    // Only the changes: a monitor reports its state every cycle.
    const changes: { inBed: boolean; at: string }[] = [];
    for (const r of [...inBed].reverse()) {
      const v = r.value === true || r.value === 1 || r.value === '1';
      if (changes.at(-1)?.inBed !== v) changes.push({ inBed: v, at: new Date(r.time).toISOString() });
    }
    type DayStat = { min: number; max: number; avg: number };
    const daily = new Map<string, Partial<Record<'heartRate' | 'respiration' | 'spo2', DayStat>>>();
    for (const r of rollups) {
      const day = new Date(r.bucket).toLocaleDateString('sv-SE', { timeZone: communityZone });
      const row = daily.get(day) ?? {};
      row[r.identifier as 'heartRate'] = { min: r.min, max: r.max, avg: Math.round((r.sum / r.n) * 10) / 10 };
      daily.set(day, row);
    }
    return {
      device: {
        id: dev.id,
        productKey: dev.productKey,
        deviceName: dev.deviceName,
        nickname: dev.nickname,
        state: dev.state,
      },
      latest: latestOf(props),
      events: events.map(factView),
      daily: [...daily].map(([day, v]) => ({ day, ...v })) as ({ day: string } & Partial<
        Record<'heartRate' | 'respiration' | 'spo2', DayStat>
      >)[],
      inBedChanges: changes.reverse().slice(0, 50),
    };
  });
}
