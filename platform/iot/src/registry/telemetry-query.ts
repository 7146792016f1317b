import { type DataScope, telemetry, withScope } from '@shequ/db';
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import type { IotDeps } from './deps.ts';
import { deviceInScope } from './device-detail.ts';

export interface TelemetryQuery {
  kind?: 'property' | 'event';
  identifier?: string;
  /** Inclusive lower and exclusive upper bound on the device time. */
  from?: Date;
  to?: Date;
  limit?: number;
}

/** Stored values and events of one device, newest first (the raw layer, as received). */
export async function queryTelemetry(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  q: TelemetryQuery = {},
) {
  const { device } = await deviceInScope(d, scope, productKey, deviceName);
  const where = [eq(telemetry.deviceId, device.id)];
  if (q.kind) where.push(eq(telemetry.kind, q.kind));
  if (q.identifier) where.push(eq(telemetry.identifier, q.identifier));
  if (q.from) where.push(gte(telemetry.time, q.from.toISOString()));
  if (q.to) where.push(lt(telemetry.time, q.to.toISOString()));
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select({ kind: telemetry.kind, identifier: telemetry.identifier, value: telemetry.value, time: telemetry.time })
      .from(telemetry)
      .where(and(...where))
      .orderBy(desc(telemetry.time), desc(telemetry.seq))
      .limit(Math.min(q.limit ?? 100, 1000)),
  );
  return rows.map((r) => ({ ...r, time: new Date(r.time).getTime() }));
}
