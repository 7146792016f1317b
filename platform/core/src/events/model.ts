import {
  type EventLocation,
  type EventSeverity,
  type EventSource,
  type Executor,
  type events,
  eventTimers,
  eventWorkflows,
  type WorkflowDefinition,
} from '@shequ/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { defaultWorkflow, slaOf } from './workflow.ts';

/**
 * Who acts on an event: a user (or `plugin:<id>`, `system:…`) with the role names held in the event's community.
 * `reporter` and `assignee` are added per event by the service.
 */
export interface EventActor {
  id: string;
  roles: readonly string[];
}

export type EventRow = typeof events.$inferSelect;

/** An event as the API answers it: location gathered, times as ISO strings. */
export function eventView(e: EventRow) {
  const location: EventLocation = {};
  if (e.houseId) location.houseId = e.houseId;
  if (e.spaceId) location.spaceId = e.spaceId;
  if (e.facilityId) location.facilityId = e.facilityId;
  if (e.lon != null && e.lat != null) Object.assign(location, { lon: e.lon, lat: e.lat });
  if (e.locationText) location.text = e.locationText;
  return {
    id: e.id,
    communityId: e.communityId,
    workflowId: e.workflowId,
    type: e.type,
    title: e.title,
    description: e.description,
    location,
    severity: e.severity as EventSeverity,
    source: e.source as EventSource,
    reporterId: e.reporterId,
    assigneeId: e.assigneeId,
    state: e.state,
    stateSince: e.stateSince.toISOString(),
    slaDueAt: e.slaDueAt?.toISOString() ?? null,
    rating: e.rating,
    ratingComment: e.ratingComment,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
export type EventView = ReturnType<typeof eventView>;

const defaultIds = new WeakMap<object, string>();

/** The platform's default workflow row, created on first use (rows are immutable; the key is `default`, v1). */
export async function defaultWorkflowId(db: Executor): Promise<string> {
  const hit = defaultIds.get(db);
  if (hit) return hit;
  await db
    .insert(eventWorkflows)
    .values({
      communityId: null,
      pluginId: null,
      key: 'default',
      version: 1,
      name: { zh: '默认事件流程', en: 'Default event workflow' },
      definition: defaultWorkflow,
    })
    .onConflictDoNothing();
  const [row] = await db
    .select({ id: eventWorkflows.id })
    .from(eventWorkflows)
    .where(and(isNull(eventWorkflows.communityId), eq(eventWorkflows.key, 'default'), eq(eventWorkflows.version, 1)));
  defaultIds.set(db, row.id);
  return row.id;
}

/** When the SLA of `state` entered at `since` runs out (null: the state has none). */
export function dueAfter(def: WorkflowDefinition, state: string, since: Date): Date | null {
  const minutes = slaOf(def, state);
  return minutes ? new Date(since.getTime() + minutes * 60_000) : null;
}

export async function workflowById(tx: Executor, id: string) {
  const [w] = await tx.select().from(eventWorkflows).where(eq(eventWorkflows.id, id));
  if (!w) throw new AppError('NOT_FOUND', { zh: '事件流程不存在', en: 'No such event workflow' });
  return w;
}

/**
 * Starts the SLA clock of the state the event just entered: cancels the timers of the state it left and schedules
 * a warning at 80% and an escalation at 100% of the new state's SLA. Answers the deadline (null: no SLA).
 */
export async function scheduleTimers(
  tx: Executor,
  e: { id: string; communityId: string },
  def: WorkflowDefinition,
  state: string,
  since: Date,
): Promise<Date | null> {
  await tx
    .update(eventTimers)
    .set({ cancelledAt: sql`now()` })
    .where(and(eq(eventTimers.eventId, e.id), isNull(eventTimers.firedAt), isNull(eventTimers.cancelledAt)));
  const minutes = slaOf(def, state);
  if (!minutes) return null;
  // The deadline the event row carries is computed the same way (dueAt below).
  const now = since.getTime();
  const due = new Date(now + minutes * 60_000);
  await tx.insert(eventTimers).values([
    {
      eventId: e.id,
      communityId: e.communityId,
      state,
      kind: 'warning',
      dueAt: new Date(now + minutes * 48_000),
    },
    { eventId: e.id, communityId: e.communityId, state, kind: 'escalation', dueAt: due },
  ]);
  return due;
}
