import { type Bus, type EventEnvelope, enqueue, type Subscription } from '@shequ/bus';
import { type Database, products, withScope } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { recordFlowCount } from './flow.ts';
import { type DeviceEvent, type GateKind, recordGatePass } from './gate.ts';
import { recordSpaceEvent } from './spaces.ts';
import { accessScope } from './visitors.ts';

/** The IoT engine's device events (platform/iot `iotSubject(…, 'event')`). */
export const deviceEventSubject = 'shequ.iot.*.*.*.event';

/**
 * Which gate a product is, read from its thing model: a `pass` event that reports a `plate` is a vehicle gate, one
 * that reports a `personRef` a people gate (people-gate.json, vehicle-gate.json); any other product is no gate.
 */
export function gateKindOf(thingModel: unknown): GateKind | null {
  const m = thingModel as { events?: { identifier: string; outputData?: { identifier: string }[] }[] } | null;
  const pass = m?.events?.find((e) => e.identifier === 'pass');
  const out = new Set((pass?.outputData ?? []).map((o) => o.identifier));
  if (out.has('plate')) return 'vehicle';
  if (out.has('personRef')) return 'people';
  return null;
}

/** The access devices besides gates: people counters (6.2.1.1) and parking-space sensors (6.2.1.2). */
export type SensorKind = 'counter' | 'space';
export type AccessDeviceKind = GateKind | SensorKind;

/**
 * Which access device a product is, read from its thing model: a gate (`gateKindOf`), a people counter (a `count`
 * event with `inCount` and `outCount`, people-counter.json) or a parking-space sensor (`arrive` and `leave` events
 * with a `spaceCode`, parking-space-sensor.json); any other product is none.
 */
export function accessKindOf(thingModel: unknown): AccessDeviceKind | null {
  const gate = gateKindOf(thingModel);
  if (gate) return gate;
  const m = thingModel as { events?: { identifier: string; outputData?: { identifier: string }[] }[] } | null;
  const out = (id: string) =>
    new Set((m?.events?.find((e) => e.identifier === id)?.outputData ?? []).map((o) => o.identifier));
  const count = out('count');
  if (count.has('inCount') && count.has('outCount')) return 'counter';
  if (out('arrive').has('spaceCode') && out('leave').has('spaceCode')) return 'space';
  return null;
}

/** Resolves and remembers each product's access kind (a thing model does not change its events once published). */
export function gateKinds(database: Database) {
  const known = new Map<string, AccessDeviceKind | null>();
  return async (communityId: string, productKey: string) => {
    if (known.has(productKey)) return known.get(productKey) ?? null;
    const [p] = await withScope(database.db, accessScope(communityId), (tx) =>
      tx.select({ m: products.thingModel }).from(products).where(eq(products.productKey, productKey)),
    );
    const kind = p ? accessKindOf(p.m) : null;
    if (p) known.set(productKey, kind);
    return kind;
  };
}

type KindOf = (communityId: string, productKey: string) => Promise<AccessDeviceKind | null>;

/** Records one device event if it is a gate's `pass`; answers null for anything else. */
export async function passFromDeviceEvent(
  d: { database: Database; crypto: FieldCrypto },
  kindOf: KindOf,
  e: EventEnvelope,
) {
  const ev = e.data as DeviceEvent;
  if (!e.communityId || ev?.event !== 'pass' || !ev.deviceId || !ev.messageId) return null;
  const kind = await kindOf(e.communityId, ev.productKey);
  if (kind !== 'people' && kind !== 'vehicle') return null;
  return recordGatePass({ db: d.database.db, crypto: d.crypto }, e.communityId, kind, ev);
}

/**
 * Records one device event of a people counter (`count` → `access.flow_counts`) or a parking-space sensor
 * (`arrive`/`leave` → `access.space_occupancies`); answers null for any other event. A reading the records refuse
 * (an unregistered space, counts out of bounds) is not retried: it is published as `shequ.access.sensor.refused`
 * with the reason, so the console and the operator see which device reports what.
 */
export async function sensorFromDeviceEvent(database: Database, kindOf: KindOf, e: EventEnvelope) {
  const ev = e.data as DeviceEvent;
  if (!e.communityId || !ev?.deviceId || !ev.messageId) return null;
  const counting = ev.event === 'count';
  if (!counting && ev.event !== 'arrive' && ev.event !== 'leave') return null;
  const kind = await kindOf(e.communityId, ev.productKey);
  if (kind !== (counting ? 'counter' : 'space')) return null;
  try {
    return counting
      ? await recordFlowCount(database.db, e.communityId, ev)
      : await recordSpaceEvent(database.db, e.communityId, ev);
  } catch (err) {
    if (!(err instanceof AppError) || (err.code !== 'INVALID_INPUT' && err.code !== 'NOT_FOUND')) throw err;
    const communityId = e.communityId;
    await withScope(database.db, accessScope(communityId), (tx) =>
      enqueue(tx, {
        subject: 'shequ.access.sensor.refused',
        communityId,
        data: {
          deviceId: ev.deviceId,
          productKey: ev.productKey,
          deviceName: ev.deviceName,
          messageId: String(ev.messageId),
          event: ev.event,
          code: err.code,
          reason: { zh: err.messageZh, en: err.messageEn },
        },
      }),
    );
    return { refused: err };
  }
}

/**
 * The bus consumer from the IoT engine to the access records (like events' `followAlarms`): every gate `pass`
 * becomes a pass record, every people counter's `count` a flow count, every parking-space sensor's `arrive`/`leave`
 * an occupancy. One durable name for all processes; a redelivered event records nothing twice.
 */
export function followGatePasses(
  bus: Bus,
  database: Database,
  crypto: FieldCrypto,
  opts: { durable?: string; onCommit?: () => void } = {},
) {
  const kindOf = gateKinds(database);
  return bus.subscribe(opts.durable ?? 'access-passes', deviceEventSubject, async (e) => {
    try {
      await passFromDeviceEvent({ database, crypto }, kindOf, e);
      await sensorFromDeviceEvent(database, kindOf, e);
    } catch (err) {
      // Two deliveries of one event raced: the other one recorded it.
      const c = err as { code?: string; cause?: { code?: string } };
      if (c?.code !== '23505' && c?.cause?.code !== '23505') throw err;
    }
    opts.onCommit?.();
  }) as Promise<Subscription>;
}
