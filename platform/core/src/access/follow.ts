import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import { type Database, products, withScope } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { type DeviceEvent, type GateKind, recordGatePass } from './gate.ts';
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

/** Resolves and remembers each product's gate kind (a thing model does not change its events once published). */
export function gateKinds(database: Database) {
  const known = new Map<string, GateKind | null>();
  return async (communityId: string, productKey: string) => {
    if (known.has(productKey)) return known.get(productKey) ?? null;
    const [p] = await withScope(database.db, accessScope(communityId), (tx) =>
      tx.select({ m: products.thingModel }).from(products).where(eq(products.productKey, productKey)),
    );
    const kind = p ? gateKindOf(p.m) : null;
    if (p) known.set(productKey, kind);
    return kind;
  };
}

/** Records one device event if it is a gate's `pass`; answers null for anything else. */
export async function passFromDeviceEvent(
  d: { database: Database; crypto: FieldCrypto },
  kindOf: ReturnType<typeof gateKinds>,
  e: EventEnvelope,
) {
  const ev = e.data as DeviceEvent;
  if (!e.communityId || ev?.event !== 'pass' || !ev.deviceId || !ev.messageId) return null;
  const kind = await kindOf(e.communityId, ev.productKey);
  if (!kind) return null;
  return recordGatePass({ db: d.database.db, crypto: d.crypto }, e.communityId, kind, ev);
}

/**
 * The bus consumer from the IoT engine to the access records (like events' `followAlarms`): every gate `pass`
 * becomes a pass record. One durable name for all processes; a redelivered event records nothing twice.
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
    } catch (err) {
      // Two deliveries of one event raced: the other one recorded it.
      const c = err as { code?: string; cause?: { code?: string } };
      if (c?.code !== '23505' && c?.cause?.code !== '23505') throw err;
    }
    opts.onCommit?.();
  }) as Promise<Subscription>;
}
