// The IoT warehouse's records (DB33 7.2.2): the device events of parcel lockers (6.2.1.3 → 7.2.2.2.3 货物), garbage
// bins (6.2.4.3 → 7.2.2.5.4 垃圾回收), vital-signs monitors (6.2.3.3 → 7.2.2.4.3 生命体征), health kiosks and fitness
// equipment (6.2.3.1 → 7.2.2.4.1 健康画像), canteen tills (6.2.3.2 → 7.2.2.4.2 订送餐) and library terminals, e-reading
// devices and training check-in terminals (6.2.3.4 → 7.2.2.4.4 教育学习画像) become warehouse facts, one per device
// event, by one bus consumer. A product is mapped by its thing model's `profile.clause` (or, for a model
// without a profile, by its event identifiers); a parcel's deposit and pickup are then paired in `iot.parcels`.
import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import { communityDate } from '@shequ/core';
import {
  type DataScope,
  type Db,
  deviceProperties,
  products,
  type Tx,
  type WarehouseDomain,
  warehouseFacts,
  withScope,
} from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { pairParcel } from './parcels.ts';

/** The IoT engine's device events on the bus (`iotSubject(…, 'event')`). */
export const warehouseEventSubject = 'shequ.iot.*.*.*.event';

/** Which sensor clause of DB33 6.2 feeds which warehouse record, and the events it keeps. */
export const warehouseClauses: Record<string, { domain: WarehouseDomain; events: readonly string[] }> = {
  '6.2.1.3': { domain: 'parcel', events: ['deposit', 'pickup', 'overdue'] },
  '6.2.4.3': { domain: 'garbage', events: ['drop', 'collected', 'full'] },
  '6.2.3.3': { domain: 'vitals', events: ['abnormal', 'sos', 'fall'] },
  '6.2.3.1': { domain: 'health', events: ['checkup', 'workout'] },
  '6.2.3.2': { domain: 'meals', events: ['meal', 'delivered'] },
  '6.2.3.4': { domain: 'learning', events: ['borrow', 'return', 'reading', 'checkIn', 'checkOut'] },
};

interface ModelLike {
  profile?: { clause?: string };
  events?: {
    identifier: string;
    outputData?: { identifier: string; dataType?: { type?: string; specs?: unknown } }[];
  }[];
}

/** A product's warehouse domain from its thing model, and the names of its abnormal kinds (for 生命体征). */
export function warehouseDomainOf(
  thingModel: unknown,
): { domain: WarehouseDomain; kinds: Record<string, string> } | null {
  const m = (thingModel ?? {}) as ModelLike;
  const ids = new Set((m.events ?? []).map((e) => e.identifier));
  let domain = m.profile?.clause ? warehouseClauses[m.profile.clause]?.domain : undefined;
  if (!domain) {
    // A model without the standard profile: known by the events it has.
    if (ids.has('deposit') && ids.has('pickup')) domain = 'parcel';
    else if (ids.has('drop') && (ids.has('full') || ids.has('collected'))) domain = 'garbage';
    else if (ids.has('abnormal') && (ids.has('sos') || ids.has('fall'))) domain = 'vitals';
    else if (ids.has('checkup') || ids.has('workout')) domain = 'health';
    else if (ids.has('meal')) domain = 'meals';
    else if ((ids.has('borrow') && ids.has('return')) || ids.has('reading')) domain = 'learning';
    else if (ids.has('checkIn') && ids.has('checkOut')) domain = 'learning';
  }
  if (!domain) return null;
  const abnormal = m.events?.find((e) => e.identifier === 'abnormal');
  const specs = abnormal?.outputData?.find((o) => o.identifier === 'kind')?.dataType?.specs;
  const kinds: Record<string, string> = {};
  if (specs && typeof specs === 'object' && !Array.isArray(specs)) {
    for (const [k, v] of Object.entries(specs)) if (typeof v === 'string') kinds[k] = v;
  }
  return { domain, kinds };
}

/** The device event as the IoT engine publishes it; anything else on the subject is ignored. */
export const deviceEventPayload = z.object({
  productKey: z.string().min(1).max(64),
  deviceName: z.string().min(1).max(64),
  deviceId: z.uuid(),
  messageId: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(64)),
  event: z.string().min(1).max(64),
  value: z.record(z.string(), z.unknown()).nullable().optional(),
  time: z.number().finite().optional(),
});
export type WarehouseDeviceEvent = z.input<typeof deviceEventPayload>;

const text = (max: number) => z.union([z.string(), z.number()]).transform((v) => String(v).trim().slice(0, max));
const optText = (max: number) =>
  text(max)
    .optional()
    .nullable()
    .transform((v) => (v ? v : null));
const num = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)])
  .transform(Number)
  .pipe(z.number().finite());
const optNum = num
  .optional()
  .nullable()
  .transform((v) => v ?? null);
const bool = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')])
  .transform((v) => v === true || v === 1 || v === '1');

/** A TSL `date` (epoch milliseconds, number or digits) as the Shanghai day it falls on; an ISO day as given. */
const dueDate = z
  .union([
    z.number().int().positive(),
    z
      .string()
      .regex(/^\d{1,15}$/)
      .transform(Number),
    z.iso.date(),
  ])
  .transform((v) => (typeof v === 'number' ? communityDate(v) : v));

/** A measure within the thing model's range, or null when not taken. */
const measure = (min: number, max: number) =>
  num
    .pipe(z.number().min(min).max(max))
    .optional()
    .nullable()
    .transform((v) => v ?? null);

/** Minutes of one session (reading, training, a workout): a day at most. */
const minutes = num.pipe(z.number().min(0).max(1440));
const personRef = text(64).pipe(z.string().min(1));

/** The kinds of workout of the fitness equipment's thing model (`workout.kind`). */
export const workoutKinds = ['0', '1', '2', '3', '4', '5'] as const;

/** What each kept event must carry; a payload that does not fit records nothing. */
const eventValues = {
  parcel: {
    deposit: z.object({ cell: text(32).pipe(z.string().min(1)), trackingNo: optText(64), carrier: optText(32) }),
    pickup: z.object({ cell: text(32).pipe(z.string().min(1)), dwellMinutes: optNum }),
    overdue: z.object({ cell: text(32).pipe(z.string().min(1)), dwellHours: optNum }),
  },
  garbage: {
    drop: z.object({ personRef: optText(64), weight: num.pipe(z.number().min(0)), correct: bool.optional() }),
    collected: z.object({ weight: num.pipe(z.number().min(0)), fillLevelBefore: optNum }),
    full: z.object({ fillLevel: num }),
  },
  vitals: {
    abnormal: z.object({
      kind: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String),
      value: optNum,
    }),
    sos: z.object({ location: optText(128) }),
    fall: z.object({ confidence: optNum }),
  },
  health: {
    checkup: z
      .object({
        personRef: text(64).pipe(z.string().min(1)),
        height: measure(30, 250),
        weight: measure(1, 300),
        systolic: measure(0, 300),
        diastolic: measure(0, 200),
        bloodGlucose: measure(0, 40),
        temperature: measure(30, 45),
      })
      .refine((c) => Object.entries(c).some(([k, x]) => k !== 'personRef' && x !== null), {
        message: 'a checkup measures something',
      }),
    workout: z.object({
      personRef,
      kind: z.union([z.number().int(), z.string()]).transform(String).pipe(z.enum(workoutKinds)),
      minutes,
      calories: measure(0, 5000),
    }),
  },
  meals: {
    meal: z.object({
      personRef: optText(64),
      orderRef: optText(64),
      amount: num.pipe(z.number().min(0).max(10000)),
      subsidy: num.pipe(z.number().min(0).max(10000)).optional(),
      dishes: z
        .array(text(32).pipe(z.string().min(1)))
        .max(20)
        .optional(),
      mealType: z.union([z.literal(0), z.literal(1), z.literal(2), z.enum(['0', '1', '2'])]).transform(String),
    }),
    delivered: z.object({
      orderRef: text(64).pipe(z.string().min(1)),
      personRef: optText(64),
      minutes: num.pipe(z.number().min(0).max(1440)),
    }),
  },
  learning: {
    borrow: z.object({
      personRef: text(64).pipe(z.string().min(1)),
      isbn: text(17).pipe(z.string().regex(/^[0-9Xx-]{10,17}$/)),
      dueDate: dueDate.optional(),
    }),
    return: z.object({
      personRef: optText(64),
      isbn: text(17).pipe(z.string().regex(/^[0-9Xx-]{10,17}$/)),
      overdueDays: num.pipe(z.number().int().min(0).max(3650)).optional(),
    }),
    reading: z.object({ personRef, minutes, title: optText(128), category: optText(32) }),
    checkIn: z.object({ personRef, course: text(64).pipe(z.string().min(1)) }),
    checkOut: z.object({ personRef, course: text(64).pipe(z.string().min(1)), minutes }),
  },
} as const;

/**
 * The key-health tags (重点健康标签) of one checkup, derived simply from its measures (screening thresholds, not a
 * diagnosis): 高血压风险 `hypertension` when systolic ≥ 140 or diastolic ≥ 90 mmHg; 血糖偏高 `glucose` when the blood
 * glucose is ≥ 7.0 mmol/L (the fasting threshold: the kiosk does not say whether the resident fasted, so a reading
 * after a meal may be flagged too); 肥胖 `obesity` when the BMI (weight / height², kg/m²) is ≥ 28 (the Chinese adult
 * threshold); 发热 `fever` when the temperature is ≥ 37.3 °C. A measure that is missing sets no tag.
 */
export const healthTagCodes = ['hypertension', 'glucose', 'obesity', 'fever'] as const;
export type HealthTag = (typeof healthTagCodes)[number];
export function healthTags(c: {
  height?: number | null;
  weight?: number | null;
  systolic?: number | null;
  diastolic?: number | null;
  bloodGlucose?: number | null;
  temperature?: number | null;
}): HealthTag[] {
  const tags: HealthTag[] = [];
  if ((c.systolic ?? 0) >= 140 || (c.diastolic ?? 0) >= 90) tags.push('hypertension');
  if ((c.bloodGlucose ?? 0) >= 7) tags.push('glucose');
  const bmi = bmiOf(c.height, c.weight);
  if (bmi !== null && bmi >= 28) tags.push('obesity');
  if ((c.temperature ?? 0) >= 37.3) tags.push('fever');
  return tags;
}

/** BMI to one decimal from height in cm and weight in kg, or null without both. */
export function bmiOf(height?: number | null, weight?: number | null) {
  if (!height || !weight) return null;
  return Math.round((weight / (height / 100) ** 2) * 10) / 10;
}

type Row = typeof warehouseFacts.$inferInsert;

/** The fact columns of one event's value (already checked). */
function columnsOf(
  domain: WarehouseDomain,
  event: string,
  v: Record<string, unknown>,
  kinds: Record<string, string>,
): Partial<Row> {
  switch (`${domain}.${event}`) {
    case 'parcel.deposit':
      return { cell: v.cell as string, ref: v.trackingNo as string | null, category: v.carrier as string | null };
    case 'parcel.pickup':
      return { cell: v.cell as string, amount: v.dwellMinutes as number | null };
    case 'parcel.overdue':
      return { cell: v.cell as string, amount: v.dwellHours as number | null };
    case 'garbage.drop':
      return { ref: v.personRef as string | null, amount: v.weight as number, flag: (v.correct as boolean) ?? null };
    case 'garbage.collected':
      return { amount: v.weight as number };
    case 'garbage.full':
      return { amount: v.fillLevel as number };
    case 'vitals.abnormal':
      return { category: v.kind as string, label: kinds[v.kind as string] ?? null, amount: v.value as number | null };
    case 'vitals.sos':
      return { ref: v.location as string | null };
    case 'vitals.fall':
      return { amount: v.confidence as number | null };
    case 'health.checkup': {
      const tags = healthTags(v as Parameters<typeof healthTags>[0]);
      return { ref: v.personRef as string, label: tags.length ? tags.join(',') : null, flag: tags.length > 0 };
    }
    case 'health.workout':
      return { ref: v.personRef as string, category: v.kind as string, amount: v.minutes as number };
    case 'meals.meal':
      return {
        ref: v.personRef as string | null,
        label: v.orderRef as string | null,
        category: v.mealType as string,
        amount: v.amount as number,
      };
    case 'meals.delivered':
      return { ref: v.personRef as string | null, label: v.orderRef as string, amount: v.minutes as number };
    case 'learning.borrow':
      return { ref: v.personRef as string, label: v.isbn as string };
    case 'learning.return':
      return { ref: v.personRef as string | null, label: v.isbn as string, amount: (v.overdueDays as number) ?? null };
    case 'learning.reading':
      return {
        ref: v.personRef as string,
        label: v.title as string | null,
        category: v.category as string | null,
        amount: v.minutes as number,
      };
    case 'learning.checkIn':
      return { ref: v.personRef as string, label: v.course as string };
    case 'learning.checkOut':
      return { ref: v.personRef as string, label: v.course as string, amount: v.minutes as number };
    default:
      return {};
  }
}

export const communityScope = (communityId: string): DataScope => ({ kind: 'communities', ids: [communityId] });

/** Resolves and remembers each product's warehouse domain (a published thing model keeps its events). */
export function warehouseDomains(db: Db) {
  const known = new Map<string, ReturnType<typeof warehouseDomainOf>>();
  return async (communityId: string, productKey: string) => {
    if (known.has(productKey)) return known.get(productKey) ?? null;
    const [p] = await withScope(db, communityScope(communityId), (tx) =>
      tx.select({ m: products.thingModel }).from(products).where(eq(products.productKey, productKey)),
    );
    const d = p ? warehouseDomainOf(p.m) : null;
    if (p) known.set(productKey, d);
    return d;
  };
}

export type RecordedFact =
  | { recorded: true; id: string; domain: WarehouseDomain; event: string }
  | { recorded: false; reason: 'not-warehouse' | 'invalid' | 'duplicate' };

/** A bin's category (enum code) as last reported: the source category of its drops and collections. */
async function binCategory(tx: Tx, deviceId: string) {
  const [p] = await tx
    .select({ value: deviceProperties.value })
    .from(deviceProperties)
    .where(and(eq(deviceProperties.deviceId, deviceId), eq(deviceProperties.identifier, 'category')));
  return p?.value === undefined || p.value === null ? null : String(p.value);
}

/**
 * Records one device event as a warehouse fact when its product is a locker, bin or monitor and the event one the
 * warehouse keeps, in one transaction with what follows (a parcel's pairing). Redelivered (same device and message
 * id), it records nothing.
 */
export async function recordWarehouseFact(
  db: Db,
  domainOf: ReturnType<typeof warehouseDomains>,
  communityId: string,
  raw: unknown,
): Promise<RecordedFact> {
  const parsed = deviceEventPayload.safeParse(raw);
  if (!parsed.success) return { recorded: false, reason: 'invalid' };
  const e = parsed.data;
  const d = await domainOf(communityId, e.productKey);
  if (!d) return { recorded: false, reason: 'not-warehouse' };
  const schema = (eventValues[d.domain] as Record<string, z.ZodType>)[e.event];
  if (!schema) return { recorded: false, reason: 'not-warehouse' };
  const value = schema.safeParse(e.value ?? {});
  if (!value.success) return { recorded: false, reason: 'invalid' };
  const v = value.data as Record<string, unknown>;
  const at = new Date(e.time !== undefined && e.time > 0 ? e.time : Date.now());
  return withScope(db, communityScope(communityId), async (tx): Promise<RecordedFact> => {
    const cols = columnsOf(d.domain, e.event, v, d.kinds);
    if (d.domain === 'garbage' && e.event !== 'full') cols.category = await binCategory(tx, e.deviceId);
    const [fact] = await tx
      .insert(warehouseFacts)
      .values({
        communityId,
        deviceId: e.deviceId,
        productKey: e.productKey,
        deviceName: e.deviceName,
        domain: d.domain,
        event: e.event,
        messageId: e.messageId,
        at,
        // Health, meals and learning keep the checked values (the statistics read them); the others the raw payload.
        value: ['health', 'meals', 'learning'].includes(d.domain) ? v : (e.value ?? null),
        ...cols,
      })
      .onConflictDoNothing({ target: [warehouseFacts.deviceId, warehouseFacts.messageId] })
      .returning({ id: warehouseFacts.id });
    if (!fact) return { recorded: false, reason: 'duplicate' };
    if (d.domain === 'parcel') {
      await pairParcel(tx, communityId, {
        factId: fact.id,
        event: e.event as 'deposit' | 'pickup' | 'overdue',
        deviceId: e.deviceId,
        productKey: e.productKey,
        deviceName: e.deviceName,
        cell: cols.cell as string,
        at,
        trackingNo: (cols.ref as string | null) ?? null,
        carrier: (cols.category as string | null) ?? null,
        amount: (cols.amount as number | null) ?? null,
      });
    }
    return { recorded: true, id: fact.id, domain: d.domain, event: e.event };
  });
}

/**
 * The bus consumer from the IoT engine to the warehouse records (beside access's `followGatePasses`): one durable
 * name for all processes; a redelivered event records nothing twice (unique device and message id).
 */
export function followWarehouse(
  bus: Bus,
  db: Db,
  opts: { durable?: string; onRecorded?: (f: RecordedFact) => void } = {},
) {
  const domainOf = warehouseDomains(db);
  return bus.subscribe(opts.durable ?? 'iot-warehouse', warehouseEventSubject, async (env: EventEnvelope) => {
    if (!env.communityId) return;
    let r: RecordedFact;
    try {
      r = await recordWarehouseFact(db, domainOf, env.communityId, env.data);
    } catch (err) {
      // Two deliveries of one event raced: the other one recorded it.
      const c = err as { code?: string; cause?: { code?: string } };
      if (c?.code !== '23505' && c?.cause?.code !== '23505') throw err;
      r = { recorded: false, reason: 'duplicate' };
    }
    opts.onRecorded?.(r);
  }) as Promise<Subscription>;
}
