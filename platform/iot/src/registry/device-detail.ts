import { notFound } from '@shequ/core';
import { type DataScope, deviceProperties, deviceSessions, devices, products, shadows, withScope } from '@shequ/db';
import type { ThingModel } from '@shequ/schemas';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { IotDeps } from './deps.ts';
import { publicDevice } from './devices-service.ts';

/** One device under the scope with its product's thing model; NOT_FOUND outside it. */
export async function deviceInScope(d: IotDeps, scope: DataScope, productKey: string, deviceName: string) {
  const [row] = await withScope(d.db, scope, (tx) =>
    tx
      .select({ device: devices, thingModel: products.thingModel })
      .from(devices)
      .innerJoin(products, eq(products.id, devices.productId))
      .where(and(eq(devices.productKey, productKey), eq(devices.deviceName, deviceName))),
  );
  if (!row) throw notFound(`Device ${productKey}/${deviceName}`, `设备 ${productKey}/${deviceName} `);
  return { device: row.device, thingModel: row.thingModel as ThingModel };
}

/** A device with its latest property values, shadow and recent online history: what the detail page shows. */
export async function getDeviceDetail(d: IotDeps, scope: DataScope, productKey: string, deviceName: string) {
  const { device } = await deviceInScope(d, scope, productKey, deviceName);
  return withScope(d.db, scope, async (tx) => {
    const props = await tx
      .select()
      .from(deviceProperties)
      .where(eq(deviceProperties.deviceId, device.id))
      .orderBy(asc(deviceProperties.identifier));
    const [shadow] = await tx.select().from(shadows).where(eq(shadows.deviceId, device.id));
    const history = await tx
      .select({
        epoch: deviceSessions.epoch,
        state: deviceSessions.state,
        at: deviceSessions.at,
        reason: deviceSessions.reason,
      })
      .from(deviceSessions)
      .where(eq(deviceSessions.deviceId, device.id))
      .orderBy(desc(deviceSessions.seq))
      .limit(20);
    return {
      ...publicDevice(device),
      properties: Object.fromEntries(
        props.map((p) => [p.identifier, { value: p.value, time: new Date(p.time).getTime() }]),
      ),
      // The shadow's reported side is the latest values; its version counts the changes of both sides.
      shadow: {
        reported: Object.fromEntries(props.map((p) => [p.identifier, p.value])) as Record<string, unknown>,
        desired: (shadow?.desired ?? {}) as Record<string, unknown>,
        version: (shadow?.version ?? 0) + props.reduce((n, p) => n + p.updates, 0),
      },
      // Both drivers hand timestamps back in their own text form: answer ISO 8601.
      history: history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
    };
  });
}
