import type { EventEnvelope } from '@shequ/bus';
import { conditionHolds } from './expression.ts';
import { ExpressionError } from './expression-builtins.ts';
import type { RuleDefinition } from './rule-schema.ts';

/** What an IoT bus event says, read from its subject `shequ.iot.<community>.<pk>.<deviceId>.<kind>` and data. */
export interface Facts {
  eventId: string | null;
  subject: string;
  communityId: string;
  productKey: string;
  deviceId: string;
  deviceName: string;
  kind: 'property' | 'event' | 'state' | 'schedule';
  /** Property values (for a schedule: the device's latest), or the event's output data. */
  params: Record<string, unknown>;
  /** The event identifier, for events. */
  event?: string;
  /** online / offline, for state changes. */
  state?: string;
  time: number;
  data: Record<string, unknown>;
  tags: Record<string, string>;
}

const kinds = new Set(['property', 'event', 'state']);

/** Reads the facts of an IoT event; null for subjects rules do not trigger on (commands, lifecycle). */
export function factsOf(e: Pick<EventEnvelope, 'id' | 'subject' | 'data' | 'time'>, tags = {}): Facts | null {
  const t = e.subject.split('.');
  if (t.length !== 6 || t[0] !== 'shequ' || t[1] !== 'iot' || !kinds.has(t[5])) return null;
  const data = (e.data ?? {}) as Record<string, unknown>;
  const kind = t[5] as Facts['kind'];
  let params: Record<string, unknown> = {};
  if (kind === 'property') {
    const props = (data.properties ?? {}) as Record<string, { value?: unknown }>;
    params = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v?.value]));
  } else if (kind === 'event' && data.value && typeof data.value === 'object') {
    params = data.value as Record<string, unknown>;
  }
  return {
    eventId: e.id ?? null,
    subject: e.subject,
    communityId: t[2],
    productKey: t[3],
    deviceId: t[4],
    deviceName: String(data.deviceName ?? ''),
    kind,
    params,
    event: kind === 'event' ? String(data.event ?? '') : undefined,
    state: kind === 'state' ? String(data.state ?? '') : undefined,
    time: typeof data.time === 'number' ? data.time : Date.parse(e.time) || Date.now(),
    data,
    tags,
  };
}

/** The variables a condition sees. */
export const variablesOf = (f: Facts) => ({
  kind: f.kind,
  productKey: f.productKey,
  deviceName: f.deviceName,
  deviceId: f.deviceId,
  params: f.params,
  event: f.event ?? null,
  state: f.state ?? null,
  time: f.time,
  tags: f.tags,
  payload: f.data,
});

/** Why a trigger does not match these facts, or null when it does. */
export function triggerMismatch(t: RuleDefinition['trigger'], f: Facts): string | null {
  if (t.productKey !== f.productKey) return `product ${f.productKey} is not ${t.productKey}`;
  if (t.kind !== f.kind) return `a ${f.kind} message, the trigger wants ${t.kind}`;
  if (t.deviceName && t.deviceName !== f.deviceName) return `device ${f.deviceName} is not ${t.deviceName}`;
  if (t.identifier && f.kind === 'event' && t.identifier !== f.event) return `event ${f.event} is not ${t.identifier}`;
  if (t.identifier && f.kind === 'property' && !Object.hasOwn(f.params, t.identifier))
    return `the post carries no ${t.identifier}`;
  if (t.state && f.kind === 'state' && t.state !== f.state) return `state ${f.state} is not ${t.state}`;
  return null;
}

export type Verdict =
  | { outcome: 'trigger_mismatch'; reason: string }
  | { outcome: 'condition_false' }
  | { outcome: 'condition_error'; error: string }
  | { outcome: 'match' };

/** Trigger and condition, without side effects: shared by the consumer and the dry run. */
export function judge(rule: Pick<RuleDefinition, 'trigger' | 'condition'>, f: Facts): Verdict {
  const reason = triggerMismatch(rule.trigger, f);
  if (reason) return { outcome: 'trigger_mismatch', reason };
  try {
    return conditionHolds(rule.condition, variablesOf(f)) ? { outcome: 'match' } : { outcome: 'condition_false' };
  } catch (err) {
    if (err instanceof ExpressionError) return { outcome: 'condition_error', error: err.message };
    throw err;
  }
}

/** Fills `{deviceName}`, `{event}`, `{rule}`, `{tags.building}`… into a message template. */
export function fillTemplate(text: string, f: Facts, ruleName: string): string {
  return text.replace(/\{([a-zA-Z_.]{1,40})\}/g, (m, key: string) => {
    if (key.startsWith('tags.')) return f.tags[key.slice(5)] ?? m;
    if (key.startsWith('params.')) {
      const v = f.params[key.slice(7)];
      return v === undefined ? m : String(v);
    }
    const v = { deviceName: f.deviceName, productKey: f.productKey, event: f.event, state: f.state, rule: ruleName }[
      key
    ];
    return v ?? m;
  });
}
