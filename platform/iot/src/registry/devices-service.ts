import { randomBytes } from 'node:crypto';
import { AppError, appendAudit, notFound } from '@shequ/core';
import { type DataScope, devices, products, type Tx, withScope } from '@shequ/db';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { type Actor, auditActor, type IotDeps } from './deps.ts';
import { deviceLifecycle } from './lifecycle-events.ts';

/** Alink's device-name alphabet; `&`, `|`, `/`, `+` and `#` never appear, so names are safe in topics and usernames. */
export const deviceNameRe = /^[A-Za-z0-9_.:@-]{4,32}$/;

export interface NewDevice {
  deviceName: string;
  nickname?: string;
  /** Where the device is installed, e.g. 3幢东侧围墙 or 7幢2单元电梯. */
  location?: string;
  /** LoRaWAN DevEUI (16 hex digits, any case, `-` or `:` allowed between bytes): how a network server names it. */
  devEui?: string;
}

/** A DevEUI in its stored form (16 lowercase hex digits); INVALID_INPUT naming the field otherwise. */
export function normalDevEui(v: string | null | undefined, field = 'devEui'): string | null {
  if (v === undefined || v === null || v.trim() === '') return null;
  const n = v.trim().toLowerCase().replace(/[-:]/g, '');
  if (!/^[0-9a-f]{16}$/.test(n))
    throw new AppError('INVALID_INPUT', {
      zh: 'DevEUI 须为 16 位十六进制数',
      en: 'A DevEUI is 16 hex digits',
      fieldErrors: { [field]: ['16 hex digits'] },
    });
  return n;
}

const devEuiTaken = (err: unknown) => {
  const e = err as { code?: string; constraint_name?: string; cause?: { code?: string; constraint?: string } };
  const text = String((err as Error)?.message ?? '') + String((e?.cause as Error | undefined)?.message ?? '');
  return (e?.code === '23505' || e?.cause?.code === '23505') && text.includes('dev_eui')
    ? new AppError('CONFLICT', { zh: 'DevEUI 已被其他设备使用', en: 'The DevEUI belongs to another device' })
    : err;
};

const maxLocation = 128;

function checkLocation(location: string | null | undefined, field = 'location') {
  const l = location?.trim() ?? '';
  if (l.length > maxLocation)
    throw new AppError('INVALID_INPUT', {
      zh: `安装位置不能超过 ${maxLocation} 字`,
      en: `The location is at most ${maxLocation} characters`,
      fieldErrors: { [field]: [`at most ${maxLocation} characters`] },
    });
  return l || null;
}

export const newDeviceSecret = () => randomBytes(16).toString('hex');
export const secretContext = (productKey: string, deviceName: string) =>
  `iot.device_secret.${productKey}/${deviceName}`;

function checkName(name: string, field = 'deviceName') {
  if (!deviceNameRe.test(name)) {
    throw new AppError('INVALID_INPUT', {
      zh: '设备名称为 4–32 位字母、数字或 _ . : @ -',
      en: 'Device names are 4–32 letters, digits or _ . : @ -',
      fieldErrors: { [field]: ['4–32 of A–Z a–z 0–9 _ . : @ -'] },
    });
  }
}

async function productIn(tx: Tx, productKey: string) {
  const [p] = await tx.select().from(products).where(eq(products.productKey, productKey));
  if (!p) throw notFound(`Product ${productKey}`, `产品 ${productKey} `);
  return p;
}

/**
 * Registers devices of one product, all or none; each gets its own secret (一机一密), stored encrypted and
 * returned only here. A name already taken fails the whole batch with the names listed.
 */
export async function createDevices(d: IotDeps, scope: DataScope, productKey: string, list: NewDevice[], actor: Actor) {
  for (const [i, x] of list.entries()) {
    checkName(x.deviceName, `${i}.deviceName`);
    checkLocation(x.location, `${i}.location`);
    normalDevEui(x.devEui, `${i}.devEui`);
  }
  const euis = list.map((x) => normalDevEui(x.devEui)).filter((e) => e !== null);
  if (new Set(euis).size !== euis.length)
    throw new AppError('INVALID_INPUT', { zh: 'DevEUI 重复', en: 'Duplicate DevEUIs in the list' });
  const names = list.map((x) => x.deviceName);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length)
    throw new AppError('INVALID_INPUT', {
      zh: `设备名称重复：${dup.join('、')}`,
      en: `Duplicate device names: ${dup.join(', ')}`,
    });
  return withScope(d.db, scope, async (tx) => {
    const p = await productIn(tx, productKey);
    const taken = names.length
      ? await tx
          .select({ n: devices.deviceName })
          .from(devices)
          .where(and(eq(devices.productKey, productKey), inArray(devices.deviceName, names)))
      : [];
    if (taken.length) {
      const t = taken.map((r) => r.n).join(', ');
      throw new AppError('CONFLICT', { zh: `设备名称已存在：${t}`, en: `Device names already registered: ${t}` });
    }
    const secrets = list.map(() => newDeviceSecret());
    const rows = await tx
      .insert(devices)
      .values(
        list.map((x, i) => ({
          communityId: p.communityId,
          productId: p.id,
          productKey,
          deviceName: x.deviceName,
          nickname: x.nickname ?? null,
          location: checkLocation(x.location),
          devEui: normalDevEui(x.devEui),
          secretCipher: d.crypto.encrypt(secrets[i], secretContext(productKey, x.deviceName)),
          createdBy: actor.subject,
        })),
      )
      .returning({ id: devices.id, deviceName: devices.deviceName })
      .catch((err) => {
        throw devEuiTaken(err);
      });
    await appendAudit(
      tx,
      rows.map((r) => ({
        ...auditActor(actor),
        action: 'iot.device.create',
        objectType: 'iot.device',
        objectId: r.id,
        communityId: p.communityId,
        result: 'success' as const,
        detail: { productKey, deviceName: r.deviceName },
      })),
    );
    return rows.map((r, i) => ({ id: r.id, productKey, deviceName: r.deviceName, deviceSecret: secrets[i] }));
  });
}

/** Sets (or with null clears) a device's LoRaWAN DevEUI; CONFLICT when another device has it. */
export async function setDevEui(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  devEui: string | null,
  actor: Actor,
) {
  const next = normalDevEui(devEui);
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    await tx
      .update(devices)
      .set({ devEui: next, updatedAt: new Date() })
      .where(eq(devices.id, row.id))
      .catch((err) => {
        throw devEuiTaken(err);
      });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.set_dev_eui',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName, from: row.devEui, to: next },
    });
    return { productKey, deviceName, devEui: next };
  });
}

export async function createDevice(d: IotDeps, scope: DataScope, productKey: string, input: NewDevice, actor: Actor) {
  const [one] = await createDevices(d, scope, productKey, [input], actor);
  return one;
}

export async function deviceIn(tx: Tx, productKey: string, deviceName: string) {
  const [row] = await tx
    .select()
    .from(devices)
    .where(and(eq(devices.productKey, productKey), eq(devices.deviceName, deviceName)));
  if (!row) throw notFound(`Device ${productKey}/${deviceName}`, `设备 ${productKey}/${deviceName} `);
  return row;
}

/**
 * Sets (or with null clears) where a device is installed. The caller names the location it saw: a concurrent change
 * in between is refused (CONFLICT) rather than overwritten. Audited with the old and the new text.
 */
export async function setDeviceLocation(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  location: string | null,
  actor: Actor,
  expected?: { location: string | null },
) {
  const next = checkLocation(location);
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    if (expected && (expected.location?.trim() || null) !== row.location)
      throw new AppError('CONFLICT', {
        zh: '设备位置已被他人修改，请刷新后重试',
        en: 'The device location was changed by someone else; reload and try again',
      });
    const [updated] = await tx
      .update(devices)
      .set({ location: next, updatedAt: new Date() })
      .where(
        and(eq(devices.id, row.id), row.location === null ? sql`location is null` : eq(devices.location, row.location)),
      )
      .returning({ id: devices.id });
    if (!updated)
      throw new AppError('CONFLICT', {
        zh: '设备位置已被他人修改，请刷新后重试',
        en: 'The device location was changed by someone else; reload and try again',
      });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.set_location',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName, from: row.location, to: next },
    });
    return { id: row.id, productKey, deviceName, location: next };
  });
}

type Lifecycle = 'enable' | 'disable' | 'delete';

/** Enables, disables or deletes a device; the gateway is told through `onChange` so a live session ends at once. */
export async function changeDevice(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  op: Lifecycle,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    if (op === 'delete') {
      await tx.delete(devices).where(eq(devices.id, row.id));
      await tx.execute(sql`delete from iot.device_properties where device_id = ${row.id}`);
      await tx.execute(sql`delete from iot.shadows where device_id = ${row.id}`);
      await tx.execute(sql`delete from iot.device_certificates where device_id = ${row.id}`);
      await tx.execute(sql`update iot.devices set gateway_id = null where gateway_id = ${row.id}`);
    } else {
      await tx
        .update(devices)
        .set({ enabled: op === 'enable', updatedAt: new Date() })
        .where(eq(devices.id, row.id));
    }
    await appendAudit(tx, {
      ...auditActor(actor),
      action: `iot.device.${op}`,
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName },
    });
    await deviceLifecycle(tx, row, op);
    return { id: row.id, productKey, deviceName };
  });
}

/**
 * Issues a new secret; the old one keeps signing for `graceMinutes` so devices can be re-provisioned without an
 * outage. The new secret is returned once.
 */
export async function rotateSecret(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  graceMinutes: number,
  actor: Actor,
) {
  const secret = newDeviceSecret();
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    const until = new Date(Date.now() + graceMinutes * 60_000);
    await tx
      .update(devices)
      .set({
        secretCipher: d.crypto.encrypt(secret, secretContext(productKey, deviceName)),
        previousSecretCipher: graceMinutes > 0 ? row.secretCipher : null,
        previousSecretUntil: graceMinutes > 0 ? until : null,
        updatedAt: new Date(),
      })
      .where(eq(devices.id, row.id));
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.rotate_secret',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName, previousValidUntil: graceMinutes > 0 ? until.toISOString() : null },
    });
    await deviceLifecycle(tx, row, 'rotate_secret');
    return { productKey, deviceName, deviceSecret: secret, previousValidUntil: graceMinutes > 0 ? until : null };
  });
}

/** Links a sub-device to a gateway device (of a gateway product, in the same community). */
export async function linkSubDevice(
  d: IotDeps,
  scope: DataScope,
  gateway: { productKey: string; deviceName: string },
  sub: { productKey: string; deviceName: string },
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const gw = await deviceIn(tx, gateway.productKey, gateway.deviceName);
    const gwProduct = await productIn(tx, gateway.productKey);
    const child = await deviceIn(tx, sub.productKey, sub.deviceName);
    if (gwProduct.nodeType !== 'gateway' || gw.communityId !== child.communityId || gw.id === child.id) {
      throw new AppError('INVALID_INPUT', {
        zh: '只能把同一社区的设备挂到网关类产品的设备下',
        en: 'A sub-device links to a device of a gateway product in the same community',
      });
    }
    await tx.update(devices).set({ gatewayId: gw.id, updatedAt: new Date() }).where(eq(devices.id, child.id));
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.link_gateway',
      objectType: 'iot.device',
      objectId: child.id,
      communityId: child.communityId,
      result: 'success',
      detail: { gateway, sub },
    });
    return { gatewayId: gw.id, deviceId: child.id };
  });
}

export interface DevicePage {
  /** Names after this one (keyset on the product's unique device names). */
  after?: string;
  /** Only names starting with this. */
  prefix?: string;
  /** At most 500; 200 when absent. */
  limit?: number;
}

/** Devices of a product by name, a page at a time, with their lifecycle state (`disabled` overrides the connection state). */
export async function listDevices(d: IotDeps, scope: DataScope, productKey: string, page: DevicePage = {}) {
  const limit = Math.min(Math.max(page.limit ?? 200, 1), 500);
  const like = page.prefix ? `${page.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(devices)
      .where(
        and(
          eq(devices.productKey, productKey),
          page.after ? gt(devices.deviceName, page.after) : undefined,
          like ? sql`${devices.deviceName} like ${like}` : undefined,
        ),
      )
      .orderBy(asc(devices.deviceName))
      .limit(limit),
  );
  return rows.map(publicDevice);
}

/** How many devices a product has, and how many are online now. */
export async function countDevices(d: IotDeps, scope: DataScope, productKey: string) {
  const [c] = await withScope(d.db, scope, (tx) =>
    tx
      .select({
        total: sql<number>`count(*)::int`,
        online: sql<number>`(count(*) filter (where ${devices.enabled} and ${devices.state} = 'online'))::int`,
      })
      .from(devices)
      .where(eq(devices.productKey, productKey)),
  );
  return { total: Number(c?.total ?? 0), online: Number(c?.online ?? 0) };
}

export function publicDevice(r: typeof devices.$inferSelect) {
  return {
    id: r.id,
    communityId: r.communityId,
    productKey: r.productKey,
    deviceName: r.deviceName,
    nickname: r.nickname,
    location: r.location,
    devEui: r.devEui,
    status: r.enabled ? r.state : ('disabled' as const),
    online: r.enabled && r.state === 'online',
    gatewayId: r.gatewayId,
    lastOnlineAt: r.lastOnlineAt,
    lastOfflineAt: r.lastOfflineAt,
    lastIp: r.lastIp,
    requireCertificate: r.requireCertificate,
    createdAt: r.createdAt,
  };
}
