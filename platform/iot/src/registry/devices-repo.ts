import { devices, type Executor, products, queryRows } from '@shequ/db';
import type { ThingModel } from '@shequ/schemas';
import { and, eq, type SQL, sql } from 'drizzle-orm';

export type DeviceRow = typeof devices.$inferSelect;

/** What the gateway needs to authenticate a device and check its payloads, read platform-wide. */
export interface DeviceIdentity {
  id: string;
  communityId: string;
  productId: string;
  productKey: string;
  deviceName: string;
  enabled: boolean;
  /** Only a certificate signs this device in (DB33 9.2.1.1). */
  requireCertificate: boolean;
  secretCipher: string;
  previousSecretCipher: string | null;
  previousSecretUntil: Date | null;
  thingModel: ThingModel;
  nodeType: 'device' | 'gateway';
}

/**
 * Devices with their product's thing model, platform-wide, for code that addresses devices directly (a rule's device
 * actions, a network server's uplinks by DevEUI): id, community, product key, name, enabled, thing model.
 */
export async function devicesWithModel(ex: Executor, where: SQL | undefined) {
  const rows = await ex
    .select({
      id: devices.id,
      communityId: devices.communityId,
      productKey: devices.productKey,
      deviceName: devices.deviceName,
      enabled: devices.enabled,
      thingModel: products.thingModel,
    })
    .from(devices)
    .innerJoin(products, eq(products.id, devices.productId))
    .where(where);
  return rows.map((r) => ({ ...r, thingModel: r.thingModel as ThingModel }));
}

export async function findIdentity(ex: Executor, productKey: string, deviceName: string) {
  const [row] = await ex
    .select({
      id: devices.id,
      communityId: devices.communityId,
      productId: devices.productId,
      productKey: devices.productKey,
      deviceName: devices.deviceName,
      enabled: devices.enabled,
      requireCertificate: devices.requireCertificate,
      secretCipher: devices.secretCipher,
      previousSecretCipher: devices.previousSecretCipher,
      previousSecretUntil: devices.previousSecretUntil,
      thingModel: products.thingModel,
      nodeType: products.nodeType,
    })
    .from(devices)
    .innerJoin(products, eq(products.id, devices.productId))
    .where(and(eq(devices.productKey, productKey), eq(devices.deviceName, deviceName)));
  return row as DeviceIdentity | undefined;
}

/**
 * Marks a device online under a new session epoch and records it; answers the epoch. The epoch lets a late
 * offline of an older session be ignored (a reconnect raced ahead of the disconnect).
 */
export async function markOnline(ex: Executor, deviceId: string, ip: string | null): Promise<number> {
  const [row] = await queryRows<{ epoch: number; community_id: string }>(
    ex,
    sql`update iot.devices set state = 'online', epoch = epoch + 1, last_online_at = now(), last_ip = ${ip}
        where id = ${deviceId} returning epoch, community_id`,
  );
  await ex.execute(
    sql`insert into iot.device_sessions (community_id, device_id, epoch, state, at, ip)
        values (${row.community_id}, ${deviceId}, ${row.epoch}, 'online', now(), ${ip})`,
  );
  return Number(row.epoch);
}

/**
 * A device back within the offline debounce window: its new session takes a new epoch (so the old session's late
 * offline cannot apply), and the device was never recorded offline, so no history row is written.
 */
export async function resumeOnline(ex: Executor, deviceId: string, ip: string | null): Promise<number> {
  const [row] = await queryRows<{ epoch: number }>(
    ex,
    sql`update iot.devices set state = 'online', epoch = epoch + 1, last_ip = ${ip}
        where id = ${deviceId} returning epoch`,
  );
  return Number(row.epoch);
}

/** Marks a device offline if `epoch` is still its current session; false when a newer session owns it. */
export async function markOffline(
  ex: Executor,
  deviceId: string,
  epoch: number,
  reason: string,
  at: Date = new Date(),
): Promise<boolean> {
  const rows = await queryRows<{ community_id: string }>(
    ex,
    sql`update iot.devices set state = 'offline', last_offline_at = ${at.toISOString()}::timestamptz
        where id = ${deviceId} and epoch = ${epoch} returning community_id`,
  );
  if (rows.length === 0) return false;
  await ex.execute(
    sql`insert into iot.device_sessions (community_id, device_id, epoch, state, at, reason)
        values (${rows[0].community_id}, ${deviceId}, ${epoch}, 'offline', ${at.toISOString()}::timestamptz, ${reason})`,
  );
  return true;
}

/** A gateway restart leaves no session behind: every device it held is offline. */
export async function markAllOffline(ex: Executor): Promise<void> {
  await ex.execute(sql`update iot.devices set state = 'offline', last_offline_at = now() where state = 'online'`);
}
