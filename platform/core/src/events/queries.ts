import { type EventSeverity, type Executor, eventHistory, eventPhotos, events, queryRows, withScope } from '@shequ/db';
import { and, asc, desc, eq, inArray, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { eventView, workflowById } from './model.ts';
import { availableTransitions } from './workflow.ts';

export interface EventFilter {
  states?: string[];
  severities?: EventSeverity[];
  /** Only events past their current state's SLA. */
  overdue?: boolean;
  reporterId?: string;
  assigneeId?: string;
  /** `createdAt` of the last event of the previous page (newest first). */
  before?: string;
  limit?: number;
}

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

/** Events of a community, newest first, filtered for the desk, a worker's queue or a resident's own list. */
export async function listEvents(db: Executor, communityId: string, f: EventFilter = {}) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const where: SQL[] = [eq(events.communityId, communityId)];
    if (f.states?.length) where.push(inArray(events.state, f.states));
    if (f.severities?.length) where.push(inArray(events.severity, f.severities));
    if (f.overdue) where.push(isNotNull(events.slaDueAt), lt(events.slaDueAt, sql`now()`));
    if (f.reporterId) where.push(eq(events.reporterId, f.reporterId));
    if (f.assigneeId) where.push(eq(events.assigneeId, f.assigneeId));
    if (f.before) where.push(lt(events.createdAt, new Date(f.before)));
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
    const rows = await tx
      .select()
      .from(events)
      .where(and(...where))
      .orderBy(desc(events.createdAt))
      .limit(limit);
    const items = rows.map(eventView);
    return { items, nextCursor: rows.length === limit ? items[items.length - 1].createdAt : null };
  });
}

/** One event with its photos (data URLs), history and the transitions this viewer may take. */
export async function getEvent(
  db: Executor,
  communityId: string,
  id: string,
  viewer: { id: string; roles: readonly string[] },
) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const [e] = await tx
      .select()
      .from(events)
      .where(and(eq(events.id, id), eq(events.communityId, communityId)));
    if (!e) throw new AppError('NOT_FOUND', { zh: '事件不存在', en: 'No such event' });
    const wf = await workflowById(tx, e.workflowId);
    const photos = await tx
      .select()
      .from(eventPhotos)
      .where(eq(eventPhotos.eventId, id))
      .orderBy(asc(eventPhotos.createdAt));
    const roles = [...viewer.roles];
    if (viewer.id === e.reporterId) roles.push('reporter');
    if (e.assigneeId === viewer.id) roles.push('assignee');
    return {
      event: eventView(e),
      photos: photos.map((p) => ({ id: p.id, url: `data:${p.contentType};base64,${p.data}`, size: p.size })),
      history: await historyRows(tx, id),
      workflow: { id: wf.id, key: wf.key, name: wf.name, states: wf.definition.states },
      allowed: availableTransitions(wf.definition, e.state, roles),
    };
  });
}

async function historyRows(tx: Executor, id: string) {
  const rows = await tx.select().from(eventHistory).where(eq(eventHistory.eventId, id)).orderBy(asc(eventHistory.seq));
  return rows.map((h) => ({
    seq: h.seq,
    action: h.action,
    fromState: h.fromState,
    toState: h.toState,
    actor: h.actor,
    actorRole: h.actorRole,
    version: h.version,
    detail: h.detail,
    at: h.at.toISOString(),
  }));
}

/** The complete history of an event, oldest first. */
export async function eventHistoryOf(db: Executor, communityId: string, id: string) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const [e] = await tx
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.id, id), eq(events.communityId, communityId)));
    if (!e) throw new AppError('NOT_FOUND', { zh: '事件不存在', en: 'No such event' });
    return historyRows(tx, id);
  });
}

/**
 * The SLA board: open events (not in a final state) with the share of their state's SLA used, grouped as `ok`,
 * `warning` (≥ 80%) or `overdue` (≥ 100%), most urgent first; plus counts.
 */
export async function slaBoard(db: Executor, communityId: string) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await queryRows<{
      id: string;
      title: string;
      type: string;
      severity: string;
      state: string;
      assignee_id: string | null;
      state_since: string | Date;
      sla_due_at: string | Date;
      used: number | string;
    }>(
      tx,
      sql`select e.id, e.title, e.type, e.severity, e.state, e.assignee_id, e.state_since, e.sla_due_at,
                 extract(epoch from (now() - e.state_since)) / nullif(extract(epoch from (e.sla_due_at - e.state_since)), 0) as used
          from events.events e
          where e.community_id = ${communityId} and e.sla_due_at is not null
          order by e.sla_due_at asc limit 500`,
    );
    const items = rows.map((r) => {
      const used = Number(r.used ?? 0);
      return {
        id: r.id,
        title: r.title,
        type: r.type,
        severity: r.severity,
        state: r.state,
        assigneeId: r.assignee_id,
        stateSince: new Date(r.state_since).toISOString(),
        slaDueAt: new Date(r.sla_due_at).toISOString(),
        used: Math.round(used * 100) / 100,
        status: used >= 1 ? ('overdue' as const) : used >= 0.8 ? ('warning' as const) : ('ok' as const),
      };
    });
    const count = (s: string) => items.filter((i) => i.status === s).length;
    return { counts: { ok: count('ok'), warning: count('warning'), overdue: count('overdue') }, items };
  });
}

/**
 * The cockpit's event feed for a community: counts by state and severity, how many are past their SLA, and the
 * newest events — type, title, severity, state and times only; no reporter, assignee, description or photo.
 */
export async function eventFeed(db: Executor, communityId: string, limit = 20) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const byState = await queryRows<{ state: string; n: number }>(
      tx,
      sql`select state, count(*)::int as n from events.events where community_id = ${communityId} group by 1 order by 1`,
    );
    const [totals] = await queryRows<{ today: number; overdue: number; open: number }>(
      tx,
      sql`select count(*) filter (where created_at >= date_trunc('day', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai')::int as today,
                 count(*) filter (where sla_due_at < now())::int as overdue,
                 count(*) filter (where state not in ('closed'))::int as open
            from events.events where community_id = ${communityId}`,
    );
    const rows = await tx
      .select()
      .from(events)
      .where(eq(events.communityId, communityId))
      .orderBy(desc(events.createdAt))
      .limit(Math.min(Math.max(limit, 1), 100));
    const now = Date.now();
    return {
      totals,
      byState,
      items: rows.map((e) => ({
        id: e.id,
        type: e.type,
        title: e.title,
        severity: e.severity as EventSeverity,
        source: e.source,
        state: e.state,
        createdAt: e.createdAt.toISOString(),
        slaDueAt: e.slaDueAt?.toISOString() ?? null,
        overdue: !!e.slaDueAt && e.slaDueAt.getTime() < now,
      })),
    };
  });
}
