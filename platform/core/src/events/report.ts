import { enqueue } from '@shequ/bus';
import {
  type EventLocation,
  type EventSeverity,
  type EventSource,
  type Executor,
  eventHistory,
  eventPhotos,
  events,
  eventWorkflows,
  type WorkflowDefinition,
  withScope,
} from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import {
  defaultWorkflowId,
  dueAfter,
  type EventActor,
  type EventView,
  eventView,
  scheduleTimers,
  workflowById,
} from './model.ts';
import { parsePhotos } from './photos.ts';
import { checkWorkflow } from './workflow.ts';

export interface ReportRequest {
  communityId: string;
  /** A short code: `repair`, `environment`, `security`, `iot.smoke` … */
  type: string;
  title: string;
  description?: string;
  location?: EventLocation;
  severity?: EventSeverity;
  source: EventSource;
  /** The alarm or record this came from: a second report with the same source and ref answers the first event. */
  sourceRef?: string;
  /** Data URLs (JPEG, PNG, WebP; 2 MB each, 6 at most). */
  photos?: string[];
  /** A workflow of this community (a plugin's); default: the platform's. */
  workflowId?: string;
}

const invalid = (zh: string, en: string, field: string) =>
  new AppError('INVALID_INPUT', { zh, en, fieldErrors: { [field]: [en] } });

function check(req: ReportRequest) {
  if (!/^[a-z][a-z0-9._-]{0,39}$/.test(req.type))
    throw invalid('事件类型格式不正确', 'The event type is 1–40 lower-case letters, digits, . _ or -', 'type');
  const title = req.title.trim();
  if (!title || title.length > 100)
    throw invalid('请填写 100 字以内的标题', 'Give a title of at most 100 characters', 'title');
  if ((req.description ?? '').length > 2000)
    throw invalid('描述不能超过 2000 字', 'The description is at most 2,000 characters', 'description');
  const l = req.location ?? {};
  if ((l.lon == null) !== (l.lat == null) || (l.lon != null && (Math.abs(l.lon) > 180 || Math.abs(l.lat ?? 0) > 90)))
    throw invalid('位置坐标无效', 'The location needs a valid longitude and latitude', 'location');
  if ((l.text ?? '').length > 200)
    throw invalid('位置说明不能超过 200 字', 'The location text is at most 200 characters', 'location');
}

/**
 * Opens an event in the workflow's initial state, with its photos, the first history entry, the SLA timers, a
 * `shequ.events.reported` bus event and an audit record, all in one transaction. A repeated source ref answers the
 * event it opened before (alarms are redelivered).
 */
export async function reportEvent(db: Executor, req: ReportRequest, actor: EventActor): Promise<EventView> {
  check(req);
  const photos = parsePhotos(req.photos ?? []);
  const workflowId = req.workflowId ?? (await defaultWorkflowId(db));
  const scope = { kind: 'communities' as const, ids: [req.communityId] };
  return withScope(db, scope, async (tx) => {
    if (req.sourceRef) {
      const [earlier] = await tx
        .select()
        .from(events)
        .where(
          and(
            eq(events.communityId, req.communityId),
            eq(events.source, req.source),
            eq(events.sourceRef, req.sourceRef),
          ),
        );
      if (earlier) return eventView(earlier);
    }
    const wf = await workflowById(tx, workflowId);
    if (wf.communityId && wf.communityId !== req.communityId)
      throw new AppError('NOT_FOUND', { zh: '本社区没有该事件流程', en: 'This community has no such workflow' });
    const def = wf.definition;
    const l = req.location ?? {};
    const now = new Date();
    const [e] = await tx
      .insert(events)
      .values({
        communityId: req.communityId,
        workflowId: wf.id,
        type: req.type,
        title: req.title.trim(),
        description: (req.description ?? '').trim(),
        houseId: l.houseId ?? null,
        spaceId: l.spaceId ?? null,
        facilityId: l.facilityId ?? null,
        lon: l.lon ?? null,
        lat: l.lat ?? null,
        locationText: l.text?.trim() || null,
        severity: req.severity ?? 'normal',
        source: req.source,
        sourceRef: req.sourceRef ?? null,
        reporterId: actor.id,
        state: def.initial,
        stateSince: now,
        slaDueAt: dueAfter(def, def.initial, now),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (photos.length)
      await tx
        .insert(eventPhotos)
        .values(photos.map((p) => ({ ...p, eventId: e.id, communityId: req.communityId, uploadedBy: actor.id })));
    await scheduleTimers(tx, e, def, def.initial, now);
    await tx.insert(eventHistory).values({
      eventId: e.id,
      communityId: e.communityId,
      action: 'report',
      fromState: null,
      toState: def.initial,
      actor: actor.id,
      actorRole: actor.roles[0] ?? null,
      version: e.version,
      detail: { source: req.source, photos: photos.length, sourceRef: req.sourceRef ?? null },
    });
    const view = eventView(e);
    await enqueue(tx, { subject: 'shequ.events.reported', communityId: e.communityId, data: busData(view) });
    await appendAudit(tx, {
      subject: actor.id,
      subjectRole: actor.roles[0] ?? null,
      action: 'events.report',
      objectType: 'events.event',
      objectId: e.id,
      communityId: e.communityId,
      result: 'success',
      detail: { type: e.type, severity: e.severity, source: e.source },
    });
    return view;
  });
}

/** What bus consumers (the cockpit feed, workers' clients, plugins) get: no photos, no free text beyond the title. */
export const busData = (v: EventView) => ({
  eventId: v.id,
  type: v.type,
  title: v.title,
  severity: v.severity,
  source: v.source,
  state: v.state,
  assigneeId: v.assigneeId,
  reporterId: v.reporterId,
  version: v.version,
  slaDueAt: v.slaDueAt,
  location: v.location,
});

/** Stores a plugin's own workflow for a community (a new version when the key exists); answers its id. */
export async function declareWorkflow(
  db: Executor,
  communityId: string,
  pluginId: string,
  key: string,
  name: { zh: string; en: string },
  definition: WorkflowDefinition,
): Promise<{ id: string; version: number }> {
  checkWorkflow(definition);
  const fullKey = `plugin:${pluginId}:${key}`;
  return withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const existing = await tx
      .select()
      .from(eventWorkflows)
      .where(and(eq(eventWorkflows.communityId, communityId), eq(eventWorkflows.key, fullKey)));
    const same = existing.find((w) => canonical(w.definition) === canonical(definition));
    if (same) return { id: same.id, version: same.version };
    const version = existing.reduce((m, w) => Math.max(m, w.version), 0) + 1;
    const [row] = await tx
      .insert(eventWorkflows)
      .values({ communityId, pluginId, key: fullKey, version, name, definition })
      .returning({ id: eventWorkflows.id, version: eventWorkflows.version });
    return row;
  });
}

// jsonb reorders object keys: compare workflows by a key-sorted rendering.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
