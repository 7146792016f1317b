// The 低碳能耗库 (DB33 7.2.2.5): energy analysis over the IoT warehouse's daily roll-ups, never over raw telemetry (which
// is pruned after 90 days while the roll-ups stay). Public-facility consumption by use (7.2.2.5.1), new energy: PV
// generation and geothermal supply (7.2.2.5.2), heat and cool supplied (7.2.2.5.3) and households' monthly water,
// power and gas (7.2.2.5.5), from the
// meters of 6.2.4.1, 6.2.4.2, 6.2.4.4 and 6.2.4.5. Which property is the counter: energy-catalog.ts.
//
// Consumption from a cumulative counter, per Shanghai day, from the day's minimum and maximum reading:
// - normally the day's use is its maximum less the last reading before it (the previous day with a reading's maximum),
//   so what was used between the last reading of one day and the first of the next counts on the later day;
// - a day with no reading has no use; what the meter counted meanwhile lands on the next day with a reading (the
//   counter does not lose it), so a month's total is exact whenever the meter reported on both ends of it;
// - a day whose readings all lie below the last one is a counter reset or a replacement meter: that day's use is its
//   maximum less its minimum (the new counter's progress); what the old meter counted after its last reading and the
//   new one before its first is unknown and not counted. A reset in the middle of a day whose old readings still top
//   the day shows only the next day (min/max cannot tell the order of readings): the new counter's part of the reset
//   day is then not counted;
// - a meter's very first day counts its maximum less its minimum (there is no earlier reading).
import { AppError, communityDate, communityDayStart } from '@shequ/core';
import { type DataScope, devices, products, telemetryRollups, withScope } from '@shequ/db';
import { and, asc, desc, eq, gt, gte, inArray, lt, or } from 'drizzle-orm';
import type { IotDeps } from '../registry/deps.ts';
import {
  type CounterSpec,
  countersOf,
  type EnergyMeasure,
  type HouseholdUtility,
  householdUtilities,
  measureUnit,
  publicUses,
} from './energy-catalog.ts';

export interface DayReading {
  day: string;
  min: number;
  max: number;
}
export interface DayUse {
  day: string;
  use: number;
  reset: boolean;
}

/** A counter's use per day with readings (see the rules at the top); `before` is the last reading before the first day. */
export function counterUse(days: DayReading[], before: number | null): DayUse[] {
  let last = before;
  const out: DayUse[] = [];
  for (const r of days) {
    let use: number;
    let reset = false;
    if (last === null) use = r.max - r.min;
    else if (r.min < last && r.max < last) {
      reset = true;
      use = r.max - r.min;
    } else use = Math.max(0, r.max - last);
    out.push({ day: r.day, use: round(use), reset });
    last = r.max;
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const dayRe = /^\d{4}-\d{2}-\d{2}$/;
const monthRe = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The calendar day after a YYYY-MM-DD (pure calendar arithmetic; Shanghai keeps no daylight saving). */
export function nextDay(day: string, n = 1): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
export function monthBounds(month: string): { first: string; next: string; previous: string } {
  if (!monthRe.test(month))
    throw new AppError('INVALID_INPUT', { zh: '月份格式应为 YYYY-MM', en: 'Month must be YYYY-MM' });
  const [y, m] = month.split('-').map(Number);
  const iso = (yy: number, mm: number) => new Date(Date.UTC(yy, mm, 1)).toISOString().slice(0, 7);
  return { first: `${month}-01`, next: `${iso(y, m)}-01`, previous: iso(y, m - 2) };
}
const dayStart = (day: string) => {
  const t = dayRe.test(day) ? communityDayStart(day) : undefined;
  if (!t) throw new AppError('INVALID_INPUT', { zh: `日期无效：${day}`, en: `Not a date: ${day}` });
  return t;
};

interface Meter {
  id: string;
  productKey: string;
  deviceName: string;
  nickname: string | null;
  counters: CounterSpec[];
}

type Tx = Parameters<Parameters<typeof withScope>[2]>[0];

/** The community's products that carry counters of the wanted measures, with those counters. */
async function meteredProducts(tx: Tx, communityId: string, wanted: ReadonlySet<EnergyMeasure>) {
  const rows = await tx
    .select({ id: products.id, thingModel: products.thingModel })
    .from(products)
    .where(eq(products.communityId, communityId));
  const out = new Map<string, CounterSpec[]>();
  for (const p of rows) {
    const c = countersOf(p.thingModel).filter((x) => wanted.has(x.measure));
    if (c.length) out.set(p.id, c);
  }
  return out;
}

async function metersOf(
  tx: Tx,
  communityId: string,
  prods: Map<string, CounterSpec[]>,
  page?: { after?: { productKey: string; deviceName: string }; limit: number },
): Promise<Meter[]> {
  if (!prods.size) return [];
  const where = [eq(devices.communityId, communityId), inArray(devices.productId, [...prods.keys()])];
  if (page?.after) {
    const a = page.after;
    const later = or(
      gt(devices.productKey, a.productKey),
      and(eq(devices.productKey, a.productKey), gt(devices.deviceName, a.deviceName)),
    );
    if (later) where.push(later);
  }
  const q = tx
    .select({
      id: devices.id,
      productId: devices.productId,
      productKey: devices.productKey,
      deviceName: devices.deviceName,
      nickname: devices.nickname,
    })
    .from(devices)
    .where(and(...where))
    .orderBy(asc(devices.productKey), asc(devices.deviceName));
  const rows = page ? await q.limit(page.limit) : await q;
  return rows.map((r) => ({ ...r, counters: prods.get(r.productId) ?? [] }));
}

/** Per meter and counter: the use of each day in [from, to) (YYYY-MM-DD, Shanghai), from the daily roll-ups. */
async function usesOf(tx: Tx, meters: Meter[], from: string, to: string) {
  const out = new Map<string, { meter: Meter; spec: CounterSpec; days: DayUse[] }>();
  if (!meters.length) return out;
  const ids = meters.map((m) => m.id);
  const idents = [...new Set(meters.flatMap((m) => m.counters.map((c) => c.identifier)))];
  const start = dayStart(from).toISOString();
  const end = dayStart(to).toISOString();
  const cols = {
    deviceId: telemetryRollups.deviceId,
    identifier: telemetryRollups.identifier,
    bucket: telemetryRollups.bucket,
    min: telemetryRollups.min,
    max: telemetryRollups.max,
  };
  const base = [
    eq(telemetryRollups.grain, 'day'),
    inArray(telemetryRollups.deviceId, ids),
    inArray(telemetryRollups.identifier, idents),
  ];
  const [rows, before] = await Promise.all([
    tx
      .select(cols)
      .from(telemetryRollups)
      .where(and(...base, gte(telemetryRollups.bucket, start), lt(telemetryRollups.bucket, end)))
      .orderBy(asc(telemetryRollups.deviceId), asc(telemetryRollups.identifier), asc(telemetryRollups.bucket)),
    tx
      .selectDistinctOn([telemetryRollups.deviceId, telemetryRollups.identifier], cols)
      .from(telemetryRollups)
      .where(and(...base, lt(telemetryRollups.bucket, start)))
      .orderBy(asc(telemetryRollups.deviceId), asc(telemetryRollups.identifier), desc(telemetryRollups.bucket)),
  ]);
  const byId = new Map(meters.map((m) => [m.id, m]));
  const series = new Map<string, DayReading[]>();
  for (const r of rows) {
    const k = `${r.deviceId}\u0000${r.identifier}`;
    const s = series.get(k) ?? [];
    series.set(k, s);
    s.push({ day: communityDate(new Date(r.bucket)), min: r.min, max: r.max });
  }
  const last = new Map(before.map((r) => [`${r.deviceId}\u0000${r.identifier}`, r.max]));
  for (const m of meters) {
    for (const spec of m.counters) {
      const k = `${m.id}\u0000${spec.identifier}`;
      const s = series.get(k);
      if (!s) continue;
      out.set(k, { meter: byId.get(m.id) as Meter, spec, days: counterUse(s, last.get(k) ?? null) });
    }
  }
  return out;
}

export type MeasureTotals = Record<EnergyMeasure, number>;
const zero = (): MeasureTotals => ({
  lighting: 0,
  hvac: 0,
  lift: 0,
  ev: 0,
  pv: 0,
  geothermal: 0,
  geothermalInput: 0,
  heat: 0,
  cool: 0,
  water: 0,
  power: 0,
  gas: 0,
});
const publicAndSupply = new Set<EnergyMeasure>([
  'lighting',
  'hvac',
  'lift',
  'ev',
  'pv',
  'geothermal',
  'geothermalInput',
  'heat',
  'cool',
]);
const everything = new Set<EnergyMeasure>([...publicAndSupply, ...householdUtilities]);

async function dailyTotals(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  from: string,
  to: string,
  wanted: Set<EnergyMeasure>,
) {
  return withScope(d.db, scope, async (tx) => {
    const meters = await metersOf(tx, communityId, await meteredProducts(tx, communityId, wanted));
    const uses = await usesOf(tx, meters, from, to);
    const days = new Map<string, MeasureTotals>();
    const meterCount = zero();
    let resets = 0;
    for (const { spec, days: ds } of uses.values()) {
      meterCount[spec.measure]++;
      for (const u of ds) {
        const t = days.get(u.day) ?? zero();
        days.set(u.day, t);
        t[spec.measure] += u.use;
        if (u.reset) resets++;
      }
    }
    return { days, meterCount, resets };
  });
}

const sumInto = (into: MeasureTotals, t: MeasureTotals) => {
  for (const k of Object.keys(into) as EnergyMeasure[]) into[k] = round(into[k] + t[k]);
};
const rounded = (t: MeasureTotals) => {
  const o = zero();
  sumInto(o, t);
  return o;
};
const publicTotal = (t: MeasureTotals) => round(publicUses.reduce((s, u) => s + t[u], 0));
/**
 * The renewable part of geothermal supply: the heat or cool supplied less the electricity the heat pumps drew for it
 * (what the ground gave). A heat pump whose model declares no electricity counter has its whole supply counted.
 */
const geothermalGain = (t: MeasureTotals) => round(Math.max(0, t.geothermal - t.geothermalInput));
/** New energy (光伏、地热): PV generation and the ground's part of geothermal supply, in kWh. */
const newEnergy = (t: MeasureTotals) => round(t.pv + geothermalGain(t));

/**
 * Public-facility use by use, PV generation, geothermal supply and heat/cool supplied, per Shanghai day in [from, to]
 * (inclusive, YYYY-MM-DD, at most 92 days) and in total.
 */
export async function energyDaily(d: IotDeps, scope: DataScope, communityId: string, q: { from: string; to: string }) {
  const end = nextDay(q.to);
  if (dayStart(q.from) >= dayStart(end))
    throw new AppError('INVALID_INPUT', { zh: '开始日期须早于结束日期', en: 'The period must start before it ends' });
  if (dayStart(end).getTime() - dayStart(q.from).getTime() > 92 * 86_400_000)
    throw new AppError('INVALID_INPUT', { zh: '一次最多查询 92 天', en: 'At most 92 days at a time' });
  const { days, meterCount, resets } = await dailyTotals(d, scope, communityId, q.from, end, publicAndSupply);
  const list: Array<MeasureTotals & { day: string; public: number; newEnergy: number }> = [];
  const totals = zero();
  for (let day = q.from; day < end; day = nextDay(day)) {
    const t = rounded(days.get(day) ?? zero());
    sumInto(totals, t);
    list.push({ day, ...t, public: publicTotal(t), newEnergy: newEnergy(t) });
  }
  return {
    from: q.from,
    to: q.to,
    days: list,
    totals: { ...totals, public: publicTotal(totals), newEnergy: newEnergy(totals) },
    meters: meterCount,
    resets,
    units: measureUnit,
  };
}

/**
 * A month (YYYY-MM, Shanghai) against the one before: every measure's total, the public-facility total, the
 * households' water, power and gas, PV generation and geothermal supply, and their shares of public-facility
 * consumption. The thing models carry no grid import/export counter, so the share of PV consumed on site cannot be
 * told; the shares reported are generation over public consumption (a renewable coverage ratio): `pvShare` for PV,
 * `newEnergyShare` for PV plus the ground's part of geothermal supply (`geothermalGain`), null when nothing was
 * consumed.
 */
export async function energySummary(d: IotDeps, scope: DataScope, communityId: string, q: { month: string }) {
  const cur = monthBounds(q.month);
  const prev = monthBounds(cur.previous);
  const { days, meterCount, resets } = await dailyTotals(d, scope, communityId, prev.first, cur.next, everything);
  const current = zero();
  const previous = zero();
  for (const [day, t] of days) sumInto(day >= cur.first ? current : previous, t);
  const view = (t: MeasureTotals) => ({
    ...t,
    public: publicTotal(t),
    pvShare: publicTotal(t) > 0 ? round(t.pv / publicTotal(t)) : null,
    geothermalGain: geothermalGain(t),
    newEnergy: newEnergy(t),
    newEnergyShare: publicTotal(t) > 0 ? round(newEnergy(t) / publicTotal(t)) : null,
  });
  return {
    month: q.month,
    previousMonth: cur.previous,
    current: view(current),
    previous: view(previous),
    meters: meterCount,
    resets,
    units: measureUnit,
  };
}

export interface HouseholdCursor {
  productKey: string;
  deviceName: string;
}

/**
 * Households' meters (6.2.4.5) with their use in a calendar month (当月用水量/用电量/用气量) and the month before,
 * ordered by product key and device name, a page at a time (keyset: pass the last row's productKey and deviceName).
 */
export async function householdMonth(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  q: { month: string; utility?: HouseholdUtility; after?: HouseholdCursor; limit?: number },
) {
  const cur = monthBounds(q.month);
  const prev = monthBounds(cur.previous);
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
  return withScope(d.db, scope, async (tx) => {
    const wanted = new Set<EnergyMeasure>(q.utility ? [q.utility] : householdUtilities);
    const meters = await metersOf(tx, communityId, await meteredProducts(tx, communityId, wanted), {
      after: q.after,
      limit,
    });
    const uses = await usesOf(tx, meters, prev.first, cur.next);
    const rows = meters.flatMap((m) =>
      m.counters.map((spec) => {
        const u = uses.get(`${m.id}\u0000${spec.identifier}`);
        let use: number | null = null;
        let before: number | null = null;
        let days = 0;
        let reset = false;
        for (const x of u?.days ?? []) {
          if (x.day >= cur.first) {
            use = round((use ?? 0) + x.use);
            days++;
            reset ||= x.reset;
          } else before = round((before ?? 0) + x.use);
        }
        const change = use !== null && before !== null ? round(use - before) : null;
        return {
          productKey: m.productKey,
          deviceName: m.deviceName,
          nickname: m.nickname,
          utility: spec.measure as HouseholdUtility,
          unit: spec.unit,
          use,
          previous: before,
          change,
          changePct: change !== null && before ? round(change / before) : null,
          daysWithReadings: days,
          reset,
        };
      }),
    );
    const lastMeter = meters.at(-1);
    return {
      month: q.month,
      previousMonth: cur.previous,
      rows,
      next:
        meters.length === limit && lastMeter
          ? { productKey: lastMeter.productKey, deviceName: lastMeter.deviceName }
          : null,
    };
  });
}

/** One month's totals of several communities side by side (the government's comparison); each read under the scope. */
export async function energyByCommunity(
  d: IotDeps,
  scope: DataScope,
  communities: Array<{ id: string; name: string; nameEn?: string | null }>,
  q: { month: string },
) {
  const out = [];
  for (const c of communities) {
    const s = await energySummary(d, scope, c.id, q);
    out.push({ communityId: c.id, name: c.name, nameEn: c.nameEn ?? null, current: s.current, previous: s.previous });
  }
  return { month: q.month, previousMonth: monthBounds(q.month).previous, communities: out };
}
