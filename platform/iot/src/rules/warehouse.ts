import { alarms, type DataScope, ruleRecords, withScope } from '@shequ/db';
import { and, desc, eq } from 'drizzle-orm';
import type { IotDeps } from '../registry/deps.ts';

/** Alarms raised by rules in a community, newest first (what the cockpit's alarm list shows). */
export async function listAlarms(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  o: { status?: 'open' | 'closed'; limit?: number } = {},
) {
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(alarms)
      .where(and(eq(alarms.communityId, communityId), o.status ? eq(alarms.status, o.status) : undefined))
      .orderBy(desc(alarms.createdAt))
      .limit(o.limit ?? 100),
  );
  return rows.map((a) => ({ ...a, createdAt: new Date(a.createdAt).toISOString() }));
}

/** Rows a `store` action wrote into one named warehouse table of a community, newest first. */
export async function listRecords(d: IotDeps, scope: DataScope, communityId: string, table: string, limit = 100) {
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(ruleRecords)
      .where(and(eq(ruleRecords.communityId, communityId), eq(ruleRecords.tableName, table)))
      .orderBy(desc(ruleRecords.seq))
      .limit(limit),
  );
  return rows.map((r) => ({
    ruleId: r.ruleId,
    deviceId: r.deviceId,
    eventId: r.eventId,
    data: r.data,
    at: new Date(r.at).toISOString(),
  }));
}
