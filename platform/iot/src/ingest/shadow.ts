import { type Database, queryRows } from '@shequ/db';
import { checkProperties, type ThingModel } from '@shequ/schemas';
import { sql } from 'drizzle-orm';
import type { Uplink } from './parse-post.ts';

/** What the gateway answers on `/shadow/get/{pk}/{dn}`, in the Alink shadow form. */
export interface ShadowReply {
  method: 'reply';
  payload: {
    status: 'success' | 'error';
    version?: number;
    state?: unknown;
    content?: { errorcode: string; errormessage: string };
  };
  timestamp: number;
}

const error = (code: string, message: string): ShadowReply => ({
  method: 'reply',
  payload: { status: 'error', content: { errorcode: code, errormessage: message } },
  timestamp: Math.floor(Date.now() / 1000),
});

/**
 * Reads a `/shadow/update` message: `update` with `state.reported` becomes a property uplink (checked against
 * the model like a property post), `get` asks for the stored shadow. Anything else is an error reply.
 */
export function parseShadowUpdate(
  payload: Buffer,
  model: ThingModel,
  now: number,
): { kind: 'update'; uplink: Uplink; version?: number } | { kind: 'get' } | { kind: 'error'; reply: ShadowReply } {
  let body: { method?: unknown; state?: { reported?: unknown }; version?: unknown };
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'error', reply: error('400', 'payload is not JSON') };
  }
  if (body?.method === 'get') return { kind: 'get' };
  if (body?.method !== 'update' || typeof body.state !== 'object' || body.state === null)
    return { kind: 'error', reply: error('400', 'method must be update (with state.reported) or get') };
  const reported = body.state.reported;
  const errors = checkProperties(model, reported);
  if (errors.length || Object.keys(reported as object).length === 0)
    return { kind: 'error', reply: error('460', errors.map((e) => `${e.path} ${e.code}`).join('; ') || 'empty') };
  const values = Object.entries(reported as Record<string, unknown>).map(([identifier, value]) => ({
    identifier,
    value,
    time: now,
  }));
  const version = typeof body.version === 'number' ? body.version : undefined;
  return { kind: 'update', uplink: { kind: 'property', id: `shadow-${now}`, values }, version };
}

/**
 * The stored shadow of a device, as the `get` reply carries it: `reported` is the device's latest values, `desired`
 * what still waits for it, and the version counts the changes of both (see `shadows` in the schema).
 */
export async function shadowState(database: Database, deviceId: string): Promise<ShadowReply> {
  const [row] = await queryRows<{ reported: unknown; desired: unknown; version: number | string }>(
    database.db,
    sql`select
      (select coalesce(jsonb_object_agg(identifier, value), '{}'::jsonb) from iot.device_properties
        where device_id = ${deviceId}) as reported,
      coalesce((select desired from iot.shadows where device_id = ${deviceId}), '{}'::jsonb) as desired,
      coalesce((select version from iot.shadows where device_id = ${deviceId}), 0)
        + coalesce((select sum(updates) from iot.device_properties where device_id = ${deviceId}), 0) as version`,
  );
  return {
    method: 'reply',
    payload: {
      status: 'success',
      version: Number(row.version),
      state: { reported: row.reported ?? {}, desired: row.desired ?? {} },
    },
    timestamp: Math.floor(Date.now() / 1000),
  };
}

export const shadowOk = (version: number | undefined): ShadowReply => ({
  method: 'reply',
  payload: { status: 'success', version },
  timestamp: Math.floor(Date.now() / 1000),
});
