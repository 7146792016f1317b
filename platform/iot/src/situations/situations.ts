import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import {
  type Actor,
  AppError,
  appendAudit,
  communityDayStart,
  communityZone,
  defaultWorkflowId,
  displayNames,
  notFound,
  reportEvent,
} from '@shequ/core';
import {
  type Database,
  type DataScope,
  type Db,
  devices,
  type EventSeverity,
  eventHistory,
  events,
  eventWorkflows,
  people,
  products,
  type SituationKind,
  type SituationParty,
  situationDetections,
  situationEvents,
  type Tx,
  withScope,
} from '@shequ/db';
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { auditActor } from '../registry/deps.ts';

/** The IoT engine's device events (`iotSubject(…, 'event')`). */
export const situationEventSubject = 'shequ.iot.*.*.*.event';

/** The clause of DB33 6.2.2 a product's thing model names (`profile.clause`) decides the situation kind. */
export const situationKindByClause: Record<string, SituationKind> = {
  '6.2.2.1': 'abnormal',
  '6.2.2.2': 'boundary',
  '6.2.2.3': 'emergency',
};

export const situationKinds = ['abnormal', 'boundary', 'emergency'] as const;

/**
 * The emergencies of DB33 6.2.2.3 (消防、地震、公共卫生、安全生产) an emergency situation belongs to, by its category
 * (the thing-model event). Public-health emergencies have no standard device source; the desk reports them
 * (event type `public-health`), as it reports work-safety hazards nobody's detector saw (`work-safety`).
 */
export const emergencyClasses = ['fire', 'earthquake', 'publicHealth', 'workSafety'] as const;
export type EmergencyClass = (typeof emergencyClasses)[number];
export const emergencyClassByCategory: Record<string, EmergencyClass> = {
  smokeAlarm: 'fire',
  fogAlarm: 'fire',
  fireSmoke: 'fire',
  quake: 'earthquake',
  gasLeak: 'workSafety',
  toxicGas: 'workSafety',
};
export const emergencyClassNames: Record<EmergencyClass, string> = {
  fire: '消防',
  earthquake: '地震',
  publicHealth: '公共卫生',
  workSafety: '安全生产',
};
/** An emergency situation's class; null for other kinds and for categories of no known class (a maker's own event). */
export const emergencyClassOf = (kind: SituationKind, category: string): EmergencyClass | null =>
  kind === 'emergency'
    ? Object.hasOwn(emergencyClassByCategory, category)
      ? emergencyClassByCategory[category]
      : null
    : null;

/** Severity of the desk event a new situation opens: emergencies (fire, earthquake, gas) are critical. */
export const situationSeverity: Record<SituationKind, EventSeverity> = {
  abnormal: 'high',
  boundary: 'high',
  emergency: 'critical',
};

/** Detections of one device and category this close to the situation's last one extend it (default 10 minutes). */
export const defaultSituationWindowMs = 10 * 60_000;

export interface SituationProfile {
  /** The kind the model's clause gives; null when only some of its events serve 6.2.2 (see `kinds`). */
  kind: SituationKind | null;
  /** The model's `alert` events that make situations: identifier → name (人员跌倒 …). Info and error events make none. */
  alerts: Map<string, string>;
  /** Each of those alerts' kind: the event's own clause when it names one (an AI camera's 烟火识别 is an emergency), else the model's. */
  kinds: Map<string, SituationKind>;
}

/**
 * A product's situation profile from its thing model: its alert events whose clause (the event's own, else the
 * model's) is one of 6.2.2.1–6.2.2.3. Null when there is none.
 */
export function situationProfileOf(thingModel: unknown): SituationProfile | null {
  const m = thingModel as {
    profile?: { clause?: string };
    events?: { identifier: string; name?: string; type?: string; clause?: string }[];
  } | null;
  const kind = situationKindByClause[m?.profile?.clause ?? ''] ?? null;
  const alerts = new Map<string, string>();
  const kinds = new Map<string, SituationKind>();
  for (const e of m?.events ?? []) {
    const k = e.clause ? situationKindByClause[e.clause] : kind;
    if (e.type !== 'alert' || !k) continue;
    alerts.set(e.identifier, e.name ?? e.identifier);
    kinds.set(e.identifier, k);
  }
  return alerts.size ? { kind, alerts, kinds } : null;
}

const systemScope = (communityId: string): DataScope => ({ kind: 'communities', ids: [communityId] });

/** Resolves each product's situation profile, kept a minute (a thing model may be edited while the platform runs). */
export function situationProfiles(db: Db, ttlMs = 60_000) {
  const known = new Map<string, { p: SituationProfile | null; until: number }>();
  return async (communityId: string, productKey: string) => {
    const hit = known.get(productKey);
    if (hit && hit.until > Date.now()) return hit.p;
    const [row] = await withScope(db, systemScope(communityId), (tx) =>
      tx.select({ m: products.thingModel }).from(products).where(eq(products.productKey, productKey)),
    );
    const p = row ? situationProfileOf(row.m) : null;
    if (known.size > 10_000) known.clear();
    known.set(productKey, { p, until: Date.now() + ttlMs });
    return p;
  };
}

/** The device event the writer puts on the bus. */
interface DeviceEventData {
  productKey: string;
  deviceName: string;
  deviceId: string;
  messageId: string;
  event: string;
  type?: string;
  value: Record<string, unknown> | null;
  time: number | string;
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Party refs a device reports with an event (`personRef` or `personRefs`), e.g. a face match. */
function reportedParties(value: Record<string, unknown> | null): SituationParty[] {
  const refs = [value?.personRef, ...(Array.isArray(value?.personRefs) ? value.personRefs : [])];
  return refs
    .filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 64)
    .slice(0, 20)
    .map((ref) => ({ kind: 'ref', ref }));
}

function mergeParties(a: SituationParty[], b: SituationParty[]): SituationParty[] {
  const key = (p: SituationParty) => (p.kind === 'person' ? `p:${p.personId}` : `r:${p.ref}`);
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((p) => !seen.has(key(p)) && seen.add(key(p)))];
}

export interface DetectionResult {
  situationId: string;
  opened: boolean;
  duplicate: boolean;
  deskEventId: string | null;
}

/**
 * Records one device alert event in the situation warehouse: a detection of the same device and category within
 * `windowMs` of an open situation's detections extends it (last seen, count); any other opens a situation and a
 * desk event (source `iot`, the situation as source ref). A redelivered device event (same device, message id and
 * time) changes nothing. Answers null for events that are no situation (other products, non-alert events).
 */
export async function recordSituationDetection(
  db: Db,
  profileOf: ReturnType<typeof situationProfiles>,
  e: EventEnvelope,
  opts: { windowMs?: number } = {},
): Promise<DetectionResult | null> {
  const ev = e.data as DeviceEventData;
  if (!e.communityId || !ev || typeof ev.event !== 'string' || typeof ev.messageId !== 'string') return null;
  if (!uuidRe.test(ev.deviceId ?? '') || typeof ev.productKey !== 'string') return null;
  if (ev.type !== undefined && ev.type !== 'alert') return null;
  const profile = await profileOf(e.communityId, ev.productKey);
  const categoryName = profile?.alerts.get(ev.event);
  const kind = profile?.kinds.get(ev.event);
  if (!profile || !categoryName || !kind) return null;
  const emergency = emergencyClassOf(kind, ev.event);
  const communityId = e.communityId;
  const t = typeof ev.time === 'number' ? ev.time : Date.parse(String(ev.time));
  const at = new Date(Number.isFinite(t) ? t : Date.now());
  const value = ev.value && typeof ev.value === 'object' && !Array.isArray(ev.value) ? ev.value : null;
  const windowMs = opts.windowMs ?? defaultSituationWindowMs;
  // Read (or first create) the platform's workflow outside the community's scope: it belongs to no community.
  const workflowId = await defaultWorkflowId(db);
  return withScope(db, systemScope(communityId), async (tx) => {
    // One device's detections are taken one at a time: two processes never open two situations for one burst.
    const [dev] = await tx
      .select({ id: devices.id, location: devices.location, deviceName: devices.deviceName })
      .from(devices)
      .where(and(eq(devices.id, ev.deviceId), eq(devices.communityId, communityId)))
      .for('update');
    if (!dev) return null;
    const [dup] = await tx
      .select({ id: situationDetections.situationId })
      .from(situationDetections)
      .where(
        and(
          eq(situationDetections.deviceId, dev.id),
          eq(situationDetections.messageId, ev.messageId),
          eq(situationDetections.detectedAt, at),
        ),
      );
    if (dup) {
      const [s] = await tx
        .select({ desk: situationEvents.deskEventId })
        .from(situationEvents)
        .where(eq(situationEvents.id, dup.id));
      return { situationId: dup.id, opened: false, duplicate: true, deskEventId: s?.desk ?? null };
    }
    const [current] = await tx
      .select()
      .from(situationEvents)
      .where(
        and(
          eq(situationEvents.deviceId, dev.id),
          eq(situationEvents.category, ev.event),
          eq(situationEvents.status, 'open'),
          gte(situationEvents.lastSeenAt, new Date(at.getTime() - windowMs)),
          lte(situationEvents.occurredAt, new Date(at.getTime() + windowMs)),
        ),
      )
      .orderBy(desc(situationEvents.lastSeenAt))
      .limit(1);
    const parties = reportedParties(value);
    let result: DetectionResult;
    if (current) {
      await tx
        .update(situationEvents)
        .set({
          detections: sql`${situationEvents.detections} + 1`,
          lastSeenAt: sql`greatest(${situationEvents.lastSeenAt}, ${at.toISOString()}::timestamptz)`,
          occurredAt: sql`least(${situationEvents.occurredAt}, ${at.toISOString()}::timestamptz)`,
          parties: mergeParties(current.parties, parties),
          version: sql`${situationEvents.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(situationEvents.id, current.id));
      result = { situationId: current.id, opened: false, duplicate: false, deskEventId: current.deskEventId };
    } else {
      const location = (typeof value?.location === 'string' && value.location.trim().slice(0, 128)) || dev.location;
      const [s] = await tx
        .insert(situationEvents)
        .values({
          communityId,
          kind,
          category: ev.event,
          deviceId: dev.id,
          productKey: ev.productKey,
          deviceName: dev.deviceName,
          location: location || null,
          occurredAt: at,
          lastSeenAt: at,
          parties,
          payload: value,
        })
        .returning({ id: situationEvents.id });
      const desk = await reportEvent(
        tx,
        {
          communityId,
          type: `iot.situation.${kind}`,
          title: `${categoryName}：${location || dev.deviceName}`.slice(0, 100),
          description: [
            `态势 / situation: ${s.id}`,
            `类别 / category: ${categoryName} (${ev.event})`,
            ...(emergency ? [`应急类别 / emergency: ${emergencyClassNames[emergency]} (${emergency})`] : []),
            `设备 / device: ${ev.productKey}/${dev.deviceName}`,
          ].join('\n'),
          location: { text: (location || `设备 / device ${dev.deviceName}`).slice(0, 200) },
          severity: situationSeverity[kind],
          source: 'iot',
          sourceRef: `situation:${s.id}`,
          workflowId,
        },
        { id: 'system:iot', roles: [] },
      );
      await tx.update(situationEvents).set({ deskEventId: desk.id }).where(eq(situationEvents.id, s.id));
      result = { situationId: s.id, opened: true, duplicate: false, deskEventId: desk.id };
    }
    await tx.insert(situationDetections).values({
      communityId,
      situationId: result.situationId,
      deviceId: dev.id,
      messageId: ev.messageId,
      detectedAt: at,
      value,
    });
    return result;
  });
}

const isUniqueViolation = (err: unknown) => {
  const c = err as { code?: string; cause?: { code?: string } };
  return c?.code === '23505' || c?.cause?.code === '23505';
};

/**
 * The bus consumer from the IoT engine to the situation warehouse: every `alert` event serving 6.2.2.1–6.2.2.3
 * (by its own clause or its model's) becomes or extends a situation. One durable name for all processes; a redelivered event records nothing.
 */
export function followSituations(
  bus: Bus,
  database: Database,
  opts: { durable?: string; windowMs?: number; onCommit?: () => void } = {},
) {
  const profileOf = situationProfiles(database.db);
  return bus.subscribe(opts.durable ?? 'iot-situations', situationEventSubject, async (e) => {
    try {
      await recordSituationDetection(database.db, profileOf, e, { windowMs: opts.windowMs });
    } catch (err) {
      // Two deliveries of one event raced: the other one recorded it.
      if (!isUniqueViolation(err)) throw err;
    }
    opts.onCommit?.();
  }) as Promise<Subscription>;
}

/**
 * When the desk event a situation opened reaches a final state of its workflow (closed), the situation closes
 * with the handling result: the last note written on the desk event, or that the desk event was closed.
 */
export async function closeSituationFromDesk(db: Db, e: EventEnvelope) {
  const d = e.data as { eventId?: string; source?: string; state?: string; actor?: string };
  if (!e.communityId || d?.source !== 'iot' || !uuidRe.test(d.eventId ?? '')) return null;
  const communityId = e.communityId;
  return withScope(db, systemScope(communityId), async (tx) => {
    const [s] = await tx
      .select()
      .from(situationEvents)
      .where(and(eq(situationEvents.deskEventId, d.eventId as string), eq(situationEvents.communityId, communityId)));
    if (s?.status !== 'open') return null;
    const [ev] = await tx
      .select({ state: events.state, def: eventWorkflows.definition })
      .from(events)
      .innerJoin(eventWorkflows, eq(eventWorkflows.id, events.workflowId))
      .where(eq(events.id, s.deskEventId as string));
    if (!ev?.def.states.find((x) => x.name === ev.state)?.final) return null;
    const notes = await tx
      .select({ detail: eventHistory.detail })
      .from(eventHistory)
      .where(eq(eventHistory.eventId, s.deskEventId as string))
      .orderBy(desc(eventHistory.seq));
    const note = notes.map((n) => (n.detail as { note?: string } | null)?.note).find((x) => x?.trim());
    const result = (note?.trim() || '工单已关闭 / desk event closed').slice(0, 1000);
    const now = new Date();
    const handledBy = d.actor ?? 'system:events';
    await tx
      .update(situationEvents)
      .set({
        status: 'closed',
        result,
        handledBy,
        closedAt: now,
        version: sql`${situationEvents.version} + 1`,
        updatedAt: now,
      })
      .where(and(eq(situationEvents.id, s.id), eq(situationEvents.status, 'open')));
    await appendAudit(tx, {
      subject: handledBy,
      subjectRole: null,
      action: 'iot.situation.close',
      objectType: 'iot.situation',
      objectId: s.id,
      communityId,
      result: 'success',
      detail: { via: 'desk', deskEventId: s.deskEventId },
    });
    return { situationId: s.id, result };
  });
}

/** The consumer that gives situations their result when their desk event is closed (`shequ.events.transitioned`). */
export function followSituationClosures(
  bus: Bus,
  database: Database,
  opts: { durable?: string; onCommit?: () => void } = {},
) {
  return bus.subscribe(opts.durable ?? 'iot-situation-closures', 'shequ.events.transitioned', async (e) => {
    await closeSituationFromDesk(database.db, e);
    opts.onCommit?.();
  }) as Promise<Subscription>;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

export interface SituationFilter {
  kind?: SituationKind;
  category?: string;
  /** Emergencies of one class (消防 …): the categories of that class. */
  emergencyClass?: EmergencyClass;
  status?: 'open' | 'closed';
  deviceId?: string;
  from?: Date;
  to?: Date;
}

type SituationRow = typeof situationEvents.$inferSelect;

/**
 * Duration of a situation: from its first to its last detection (how long the devices kept seeing it). How long
 * handling took is closedAt − occurredAt, shown separately.
 */
export const situationDuration = (s: Pick<SituationRow, 'occurredAt' | 'lastSeenAt'>) =>
  Math.max(0, Math.round((s.lastSeenAt.getTime() - s.occurredAt.getTime()) / 1000));

export const situationView = (s: SituationRow) => ({
  id: s.id,
  kind: s.kind,
  category: s.category,
  emergencyClass: emergencyClassOf(s.kind, s.category),
  deviceId: s.deviceId,
  productKey: s.productKey,
  deviceName: s.deviceName,
  location: s.location,
  occurredAt: s.occurredAt.toISOString(),
  lastSeenAt: s.lastSeenAt.toISOString(),
  durationSeconds: situationDuration(s),
  detections: s.detections,
  parties: s.parties,
  status: s.status,
  result: s.result,
  handledBy: s.handledBy,
  closedAt: s.closedAt?.toISOString() ?? null,
  handlingSeconds: s.closedAt ? Math.max(0, Math.round((s.closedAt.getTime() - s.occurredAt.getTime()) / 1000)) : null,
  deskEventId: s.deskEventId,
  version: s.version,
});

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
function decodeCursor(c: string) {
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  const t = new Date(at ?? '');
  if (Number.isNaN(t.getTime()) || !uuidRe.test(id ?? '')) {
    throw new AppError('INVALID_INPUT', { zh: '翻页游标无效', en: 'The page cursor is not valid' });
  }
  return { at: t, id };
}

/** Situations newest first, paged by keyset (first detection time, id). */
export async function listSituations(
  db: Db,
  scope: DataScope,
  communityId: string,
  f: SituationFilter = {},
  page: { cursor?: string; limit?: number } = {},
) {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const conds: SQL[] = [eq(situationEvents.communityId, communityId)];
  if (f.kind) conds.push(eq(situationEvents.kind, f.kind));
  if (f.category) conds.push(eq(situationEvents.category, f.category));
  if (f.emergencyClass) {
    const cats = Object.keys(emergencyClassByCategory).filter((c) => emergencyClassByCategory[c] === f.emergencyClass);
    conds.push(eq(situationEvents.kind, 'emergency'));
    // A class no device category raises (public health, reported at the desk) lists no situation.
    conds.push(cats.length ? inArray(situationEvents.category, cats) : sql`false`);
  }
  if (f.status) conds.push(eq(situationEvents.status, f.status));
  if (f.deviceId) conds.push(eq(situationEvents.deviceId, f.deviceId));
  if (f.from) conds.push(gte(situationEvents.occurredAt, f.from));
  if (f.to) conds.push(lt(situationEvents.occurredAt, f.to));
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    conds.push(
      or(
        lt(situationEvents.occurredAt, c.at),
        and(eq(situationEvents.occurredAt, c.at), lt(situationEvents.id, c.id)),
      ) as SQL,
    );
  }
  const rows = await withScope(db, scope, (tx) =>
    tx
      .select()
      .from(situationEvents)
      .where(and(...conds))
      .orderBy(desc(situationEvents.occurredAt), desc(situationEvents.id))
      .limit(limit + 1),
  );
  const last = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map(situationView),
    nextCursor: rows.length > limit && last ? encodeCursor(last.occurredAt, last.id) : null,
  };
}

async function situationIn(tx: Tx, communityId: string, id: string) {
  if (!uuidRe.test(id)) throw notFound(`Situation ${id}`, `态势事件 ${id} `);
  const [s] = await tx
    .select()
    .from(situationEvents)
    .where(and(eq(situationEvents.id, id), eq(situationEvents.communityId, communityId)));
  if (!s) throw notFound(`Situation ${id}`, `态势事件 ${id} `);
  return s;
}

/** One situation with its first payload, its detections (latest 100), its parties' names and its desk event's state. */
export async function getSituation(db: Db, scope: DataScope, communityId: string, id: string) {
  const view = await withScope(db, scope, async (tx) => {
    const s = await situationIn(tx, communityId, id);
    const detections = await tx
      .select({ messageId: situationDetections.messageId, detectedAt: situationDetections.detectedAt })
      .from(situationDetections)
      .where(eq(situationDetections.situationId, s.id))
      .orderBy(desc(situationDetections.detectedAt))
      .limit(100);
    const personIds = s.parties.flatMap((p) => (p.kind === 'person' ? [p.personId] : []));
    const names = personIds.length
      ? await tx.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, personIds))
      : [];
    const nameOf = new Map(names.map((n) => [n.id, n.name]));
    const [desk] = s.deskEventId
      ? await tx.select({ state: events.state }).from(events).where(eq(events.id, s.deskEventId))
      : [];
    return {
      ...situationView(s),
      parties: s.parties.map((p) => (p.kind === 'person' ? { ...p, name: nameOf.get(p.personId) ?? null } : p)),
      payload: s.payload,
      deskEventState: desk?.state ?? null,
      detectionLog: detections.map((x) => ({ messageId: x.messageId, detectedAt: x.detectedAt.toISOString() })),
    };
  });
  // Who handled it, by name (accounts are platform data, read outside the community's scope).
  const names = view.handledBy ? await displayNames(db, [view.handledBy]) : {};
  return { ...view, handledByName: view.handledBy ? (names[view.handledBy] ?? null) : null };
}

/**
 * Closes a situation with its handling result; parties (当事人) are people of the community's base warehouse.
 * The caller names the version it saw: a situation changed meanwhile (a new detection, someone else closing it) is
 * refused. Audited. The desk event, if any, keeps following its own workflow.
 */
export async function closeSituation(
  db: Db,
  scope: DataScope,
  communityId: string,
  input: { id: string; result: string; personIds?: string[]; expectedVersion?: number },
  actor: Actor,
) {
  const result = input.result?.trim() ?? '';
  if (!result || result.length > 1000)
    throw new AppError('INVALID_INPUT', {
      zh: '请填写 1000 字以内的处理结果',
      en: 'Give a handling result of at most 1,000 characters',
      fieldErrors: { result: ['1–1000 characters'] },
    });
  const personIds = [...new Set(input.personIds ?? [])];
  if (personIds.length > 20 || personIds.some((p) => !uuidRe.test(p)))
    throw new AppError('INVALID_INPUT', {
      zh: '当事人最多 20 人，且须为人员库中的人员',
      en: 'At most 20 parties, each a person of the base warehouse',
      fieldErrors: { personIds: ['at most 20 person ids'] },
    });
  return withScope(db, scope, async (tx) => {
    const s = await situationIn(tx, communityId, input.id);
    if (s.status === 'closed')
      throw new AppError('CONFLICT', { zh: '该态势事件已处置完毕', en: 'The situation is already closed' });
    if (input.expectedVersion !== undefined && input.expectedVersion !== s.version)
      throw new AppError('CONFLICT', {
        zh: `态势事件已更新（当前版本 ${s.version}），请刷新后重试`,
        en: `The situation changed meanwhile (now version ${s.version}); reload and try again`,
      });
    const found = personIds.length
      ? await tx
          .select({ id: people.id })
          .from(people)
          .where(and(eq(people.communityId, communityId), inArray(people.id, personIds)))
      : [];
    if (found.length !== personIds.length)
      throw new AppError('INVALID_INPUT', {
        zh: '当事人须为本社区人员库中的人员',
        en: "Parties are people of this community's base warehouse",
        fieldErrors: { personIds: ['unknown person'] },
      });
    const parties = mergeParties(
      s.parties,
      personIds.map((personId) => ({ kind: 'person' as const, personId })),
    );
    const now = new Date();
    const [row] = await tx
      .update(situationEvents)
      .set({
        status: 'closed',
        result,
        parties,
        handledBy: actor.subject,
        closedAt: now,
        version: sql`${situationEvents.version} + 1`,
        updatedAt: now,
      })
      .where(and(eq(situationEvents.id, s.id), eq(situationEvents.version, s.version)))
      .returning();
    if (!row)
      throw new AppError('CONFLICT', {
        zh: '态势事件已被他人更新，请刷新后重试',
        en: 'The situation was changed by someone else; reload and try again',
      });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.situation.close',
      objectType: 'iot.situation',
      objectId: s.id,
      communityId,
      result: 'success',
      detail: { via: 'console', parties: personIds.length, kind: s.kind, category: s.category },
    });
    return situationView(row);
  });
}

/**
 * Counts per kind and category (all, open; median and mean duration in seconds) and per community day (Asia/Shanghai)
 * and kind, for situations first detected in [from, to] (days, both included; default the last 30 days).
 */
export async function situationStats(
  db: Db,
  scope: DataScope,
  communityId: string,
  range: { from?: string; to?: string } = {},
) {
  const today = new Date();
  const toDay = range.to ?? today.toLocaleDateString('sv-SE', { timeZone: communityZone });
  const end = communityDayStart(toDay);
  const fromDay =
    range.from ??
    new Date((end?.getTime() ?? today.getTime()) - 29 * 86_400_000).toLocaleDateString('sv-SE', {
      timeZone: communityZone,
    });
  const start = communityDayStart(fromDay);
  if (!start || !end || start > end || end.getTime() - start.getTime() > 366 * 86_400_000)
    throw new AppError('INVALID_INPUT', {
      zh: '统计区间须为有效日期（YYYY-MM-DD），且不超过一年',
      en: 'The range is two dates (YYYY-MM-DD), at most a year apart',
    });
  // Asia/Shanghai keeps no daylight saving: a community day is 24 hours.
  const stop = new Date(end.getTime() + 86_400_000);
  const seconds = sql`extract(epoch from (${situationEvents.lastSeenAt} - ${situationEvents.occurredAt}))`;
  const where = and(
    eq(situationEvents.communityId, communityId),
    gte(situationEvents.occurredAt, start),
    lt(situationEvents.occurredAt, stop),
  );
  return withScope(db, scope, async (tx) => {
    const byCategory = await tx
      .select({
        kind: situationEvents.kind,
        category: situationEvents.category,
        count: sql<number>`count(*)::int`,
        open: sql<number>`(count(*) filter (where ${situationEvents.status} = 'open'))::int`,
        medianSeconds: sql<number>`percentile_cont(0.5) within group (order by ${seconds})::float8`,
        meanSeconds: sql<number>`avg(${seconds})::float8`,
      })
      .from(situationEvents)
      .where(where)
      .groupBy(situationEvents.kind, situationEvents.category)
      .orderBy(situationEvents.kind, situationEvents.category);
    const day = sql<string>`to_char(${situationEvents.occurredAt} at time zone ${sql.raw(`'${communityZone}'`)}, 'YYYY-MM-DD')`;
    const byDay = await tx
      .select({ day, kind: situationEvents.kind, count: sql<number>`count(*)::int` })
      .from(situationEvents)
      .where(where)
      .groupBy(day, situationEvents.kind)
      .orderBy(day, situationEvents.kind);
    const cats = byCategory.map((c) => ({
      ...c,
      emergencyClass: emergencyClassOf(c.kind, c.category),
      count: Number(c.count),
      open: Number(c.open),
      medianSeconds: Math.round(Number(c.medianSeconds ?? 0)),
      meanSeconds: Math.round(Number(c.meanSeconds ?? 0)),
    }));
    const byKind = situationKinds.map((kind) => {
      const mine = cats.filter((c) => c.kind === kind);
      return {
        kind,
        count: mine.reduce((n, c) => n + c.count, 0),
        open: mine.reduce((n, c) => n + c.open, 0),
      };
    });
    const byEmergencyClass = emergencyClasses.map((ec) => {
      const mine = cats.filter((c) => c.emergencyClass === ec);
      return {
        emergencyClass: ec,
        count: mine.reduce((n, c) => n + c.count, 0),
        open: mine.reduce((n, c) => n + c.open, 0),
      };
    });
    return {
      from: fromDay,
      to: toDay,
      byKind,
      byEmergencyClass,
      byCategory: cats,
      byDay: byDay.map((r) => ({ ...r, count: Number(r.count) })),
    };
  });
}
