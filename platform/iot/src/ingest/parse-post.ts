import { checkProperties, checkValue, fieldIndex, type ThingModel, timedValue, type ValueError } from '@shequ/schemas';
import type { DeviceTopic } from '../alink/topics.ts';
import { type ReplyPayload, reply, replyCodes } from './reply.ts';

/** A validated uplink: property values or one event, each with its device time. */
export type Uplink =
  | { kind: 'property'; id: string; values: Array<{ identifier: string; value: unknown; time: number }> }
  | { kind: 'event'; id: string; identifier: string; eventType: string; value: unknown; time: number };

export interface ParseLimits {
  maxPayloadBytes: number;
  /** How far ahead of the platform clock a device time may be before the message is refused. */
  maxFutureSkewMs: number;
}

export const defaultLimits: ParseLimits = { maxPayloadBytes: 256 * 1024, maxFutureSkewMs: 10 * 60_000 };

const MAX_ID = 64;

function idOf(body: Record<string, unknown>): string | null {
  const id = body.id;
  if (typeof id === 'string' && id.length > 0 && id.length <= MAX_ID) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return null;
}

const invalid = (id: string, errors: ValueError[]) =>
  reply(
    id,
    replyCodes.INVALID_PARAMS,
    `request parameter error: ${errors.map((e) => `${e.path || 'params'} ${e.code}`).join('; ')}`,
    { errors: errors.slice(0, 20) },
  );

/**
 * Parses and checks a property or event post against the device's thing model, synchronously (the gateway
 * decides before the message is forwarded). Answers the uplink, or the error reply to send.
 */
export function parsePost(
  topic: Extract<DeviceTopic, { kind: 'property-post' | 'event-post' }>,
  payload: Buffer,
  model: ThingModel,
  now: number,
  limits: ParseLimits = defaultLimits,
): { ok: true; uplink: Uplink } | { ok: false; reply: ReplyPayload } {
  if (payload.length > limits.maxPayloadBytes)
    return {
      ok: false,
      reply: reply('0', replyCodes.TOO_LARGE, `payload larger than ${limits.maxPayloadBytes} bytes`),
    };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reply: reply('0', replyCodes.BAD_REQUEST, 'payload is not JSON') };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, reply: reply('0', replyCodes.BAD_REQUEST, 'payload must be a JSON object') };
  const msg = body as Record<string, unknown>;
  const id = idOf(msg);
  if (!id) return { ok: false, reply: reply('0', replyCodes.BAD_REQUEST, 'id must be a string or integer') };
  const skewed = (t: number) => t > now + limits.maxFutureSkewMs;
  if (topic.kind === 'property-post') {
    if (msg.method !== undefined && msg.method !== 'thing.event.property.post')
      return { ok: false, reply: reply(id, replyCodes.BAD_REQUEST, 'method must be thing.event.property.post') };
    const errors = checkProperties(model, msg.params);
    if (errors.length) return { ok: false, reply: invalid(id, errors) };
    const byId = fieldIndex(model.properties);
    const values = Object.entries(msg.params as Record<string, unknown>).map(([identifier, raw]) => {
      const { value, time } = timedValue(byId.get(identifier)!, raw);
      return { identifier, value, time: time ?? now };
    });
    if (values.length === 0) return { ok: false, reply: reply(id, replyCodes.BAD_REQUEST, 'params is empty') };
    const late = values.find((v) => skewed(v.time));
    if (late)
      return {
        ok: false,
        reply: invalid(id, [
          { code: 'OUT_OF_RANGE', path: `${late.identifier}.time`, message: 'time is in the future' },
        ]),
      };
    return { ok: true, uplink: { kind: 'property', id, values } };
  }
  const event = model.events.find((e) => e.identifier === topic.event);
  if (!event)
    return { ok: false, reply: invalid(id, [{ code: 'UNKNOWN_FIELD', path: topic.event, message: 'no such event' }]) };
  const params = msg.params as Record<string, unknown> | undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return { ok: false, reply: reply(id, replyCodes.BAD_REQUEST, 'params must be { value, time }') };
  const value = params.value ?? {};
  const errors = checkValue({ type: 'struct', specs: event.outputData }, value, 'value');
  if (errors.length) return { ok: false, reply: invalid(id, errors) };
  const time = typeof params.time === 'number' && Number.isSafeInteger(params.time) ? params.time : now;
  if (skewed(time))
    return {
      ok: false,
      reply: invalid(id, [{ code: 'OUT_OF_RANGE', path: 'time', message: 'time is in the future' }]),
    };
  return { ok: true, uplink: { kind: 'event', id, identifier: event.identifier, eventType: event.type, value, time } };
}
