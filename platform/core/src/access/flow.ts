import { type Executor, flowCounts, queryRows, type Tx, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { accessZone } from './fees.ts';
import type { DeviceEvent } from './gate.ts';
import { accessScope } from './visitors.ts';

/** The people-counter model's bounds (people-counter.json): counts per interval and the interval's length. */
const count = z.number().int().min(0).max(100_000);
const intNum = (v: unknown) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v);

const countValue = z.object({
  area: z.string().trim().min(1).max(64),
  inCount: z.preprocess(intNum, count),
  outCount: z.preprocess(intNum, count),
  occupancy: z.preprocess(intNum, count.nullable().optional()),
  periodSeconds: z.preprocess(intNum, z.number().int().min(60).max(3600)),
});

const fieldNames: Record<string, string> = {
  area: '区域名称 area',
  inCount: '进入人次 inCount',
  outCount: '离开人次 outCount',
  occupancy: '当前人数 occupancy',
  periodSeconds: '计数周期 periodSeconds',
  spaceCode: '车位编号 spaceCode',
};

/** A refused sensor reading: which fields are wrong, in both languages. */
export function sensorValueError(issues: z.core.$ZodIssue[]) {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? 'value')))];
  const names = fields.map((f) => fieldNames[f] ?? f).join(', ');
  return new AppError('INVALID_INPUT', {
    zh: `传感器上报的数据无效：${names}`,
    en: `The sensor's reading is invalid: ${names}`,
    fieldErrors: Object.fromEntries(
      fields.map((f) => [f, issues.filter((i) => i.path[0] === f).map((i) => i.message)]),
    ),
  });
}

/**
 * Records one `count` event of a people counter (DB33 6.2.1.1): the people in and out of its area during the
 * interval that ends at the event's time. Counts outside 0–100000 or an interval outside 60–3600 s are refused
 * with INVALID_INPUT (the IoT ingest refuses them already by the thing model; this guards the other producers on the
 * bus). A redelivered event (same device and message id) records nothing and answers `duplicate`.
 */
export async function recordFlowCount(db: Executor, communityId: string, e: DeviceEvent) {
  const parsed = countValue.safeParse(e.value ?? {});
  if (!parsed.success) throw sensorValueError(parsed.error.issues);
  const v = parsed.data;
  const periodEnd = new Date(Number.isFinite(e.time) ? e.time : Date.now());
  const periodStart = new Date(periodEnd.getTime() - v.periodSeconds * 1000);
  return withScope(db, accessScope(communityId), async (tx: Tx) => {
    const rows = await tx
      .insert(flowCounts)
      .values({
        communityId,
        deviceId: e.deviceId,
        productKey: e.productKey,
        deviceName: e.deviceName,
        area: v.area,
        periodStart,
        periodEnd,
        inCount: v.inCount,
        outCount: v.outCount,
        occupancy: v.occupancy ?? null,
        messageId: String(e.messageId).slice(0, 64),
      })
      .onConflictDoNothing({ target: [flowCounts.deviceId, flowCounts.messageId] })
      .returning({ id: flowCounts.id });
    return rows[0] ? { id: rows[0].id, duplicate: false } : { id: null, duplicate: true };
  });
}

/**
 * The counted people flow of a local day (from `[from, to)`): people in and out per hour and area, an interval
 * counted in the hour it starts in, and each area's latest reported occupancy up to the day's end.
 */
export async function countedFlow(tx: Tx, communityId: string, from: string, to: string, area?: string) {
  const byArea = area ? sql`and area = ${area}` : sql``;
  const hours = await queryRows<{ hour: number; area: string; in_n: number; out_n: number }>(
    tx,
    sql`select extract(hour from period_start at time zone ${accessZone})::int as hour, area,
               sum(in_count)::int as in_n, sum(out_count)::int as out_n
        from access.flow_counts
        where community_id = ${communityId} and period_start >= ${from} and period_start < ${to} ${byArea}
        group by 1, 2 order by 1, 2`,
  );
  const occupancy = await queryRows<{ area: string; occupancy: number; at: Date | string; device_name: string }>(
    tx,
    sql`select distinct on (area) area, occupancy, period_end as at, device_name from access.flow_counts
        where community_id = ${communityId} and occupancy is not null and period_end <= ${to} ${byArea}
        order by area, period_end desc, recorded_at desc`,
  );
  const areas = hours.map((h) => ({ hour: Number(h.hour), area: h.area, in: Number(h.in_n), out: Number(h.out_n) }));
  return {
    areas,
    counted: { in: areas.reduce((a, r) => a + r.in, 0), out: areas.reduce((a, r) => a + r.out, 0) },
    occupancy: occupancy.map((o) => ({
      area: o.area,
      people: Number(o.occupancy),
      at: new Date(o.at).toISOString(),
      deviceName: o.device_name,
    })),
  };
}
