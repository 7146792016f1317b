import { enqueue } from '@shequ/bus';
import { type Executor, eventHistory, events, regions, roleAssignments, users, withScope } from '@shequ/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import { type EventActor, type EventView, eventView, scheduleTimers, workflowById } from './model.ts';
import { busData } from './report.ts';
import { handlerRoles, nextState, transitionNames, transitionOf } from './workflow.ts';

export interface TransitionRequest {
  communityId: string;
  eventId: string;
  /** The workflow transition: accept, assign, start, resolve, rate, close, reopen … */
  event: string;
  /** The version the caller saw: a stale one is a conflict and changes nothing. */
  expectedVersion: number;
  assigneeId?: string;
  rating?: number;
  comment?: string;
  note?: string;
}

const label = (event: string) => transitionNames[event] ?? { zh: event, en: event };

/** Whether the user holds a handling role over the community (a grant on it or on a region containing it). */
export async function inJurisdiction(tx: Executor, userId: string, communityId: string): Promise<boolean> {
  const rows = await tx
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(
      and(
        eq(roleAssignments.userId, userId),
        eq(users.status, 'active'),
        inArray(roleAssignments.role, [...handlerRoles]),
        sql`(select path from tenancy.regions where id = ${communityId}::uuid) like ${regions.path} || '%'`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/**
 * Takes one workflow transition: XState computes the next state from the workflow's data, the actor's roles (plus
 * `reporter` / `assignee` for this event) must include one the transition names, and the row is updated only at the
 * version the caller saw (optimistic concurrency: of two concurrent callers one wins, the other gets CONFLICT).
 * History, SLA timers, a `shequ.events.transitioned` bus event and an audit record go in the same transaction.
 */
export async function transitionEvent(db: Executor, req: TransitionRequest, actor: EventActor): Promise<EventView> {
  const scope = { kind: 'communities' as const, ids: [req.communityId] };
  return withScope(db, scope, async (tx) => {
    const [e] = await tx
      .select()
      .from(events)
      .where(and(eq(events.id, req.eventId), eq(events.communityId, req.communityId)));
    if (!e) throw new AppError('NOT_FOUND', { zh: '事件不存在', en: 'No such event' });
    const wf = await workflowById(tx, e.workflowId);
    const def = wf.definition;
    const name = label(req.event);
    const stateName = def.states.find((s) => s.name === e.state) ?? { zh: e.state, en: e.state };
    const to = nextState(wf.id, def, e.state, req.event);
    const t = transitionOf(def, e.state, req.event);
    if (to === null || !t)
      throw new AppError('CONFLICT', {
        zh: `事件当前为“${stateName.zh}”，不能${name.zh}`,
        en: `The event is ${stateName.en.toLowerCase()}: it cannot be given "${name.en}" now`,
      });
    const roles = new Set(actor.roles);
    if (actor.id === e.reporterId) roles.add('reporter');
    if (e.assigneeId && actor.id === e.assigneeId) roles.add('assignee');
    if (!t.roles.some((r) => roles.has(r))) {
      const zh = t.roles.includes('reporter')
        ? `只有上报人可以${name.zh}此事件`
        : t.roles.includes('assignee') && t.roles.length === 1
          ? `只有被派单的处理人可以${name.zh}此事件`
          : `您的角色不能${name.zh}此事件`;
      const en = t.roles.includes('reporter')
        ? `Only the reporter may ${name.en} this event`
        : t.roles.includes('assignee') && t.roles.length === 1
          ? `Only the assigned worker may ${name.en} this event`
          : `Your role may not ${name.en} this event`;
      throw new AppError('FORBIDDEN', { zh, en });
    }
    if (e.version !== req.expectedVersion) throw stale(e.version);
    const set: Partial<typeof events.$inferInsert> = {};
    if (t.needsAssignee) {
      if (!req.assigneeId)
        throw new AppError('INVALID_INPUT', {
          zh: '派单需要指定处理人',
          en: 'Assigning needs a worker',
          fieldErrors: { assigneeId: ['required'] },
        });
      if (!(await inJurisdiction(tx, req.assigneeId, req.communityId)))
        throw new AppError('INVALID_INPUT', {
          zh: '处理人不在本社区的管辖范围内',
          en: "The worker does not serve this event's community",
          fieldErrors: { assigneeId: ['out of jurisdiction'] },
        });
      set.assigneeId = req.assigneeId;
    }
    if (t.needsRating) {
      if (!Number.isInteger(req.rating) || (req.rating ?? 0) < 1 || (req.rating ?? 0) > 5)
        throw new AppError('INVALID_INPUT', {
          zh: '评分须为 1 到 5 的整数',
          en: 'The rating is a whole number from 1 to 5',
          fieldErrors: { rating: ['1-5'] },
        });
      if ((req.comment ?? '').length > 500)
        throw new AppError('INVALID_INPUT', { zh: '评价不能超过 500 字', en: 'The comment is at most 500 characters' });
      set.rating = req.rating;
      set.ratingComment = req.comment?.trim() || null;
    }
    if ((req.note ?? '').length > 1000)
      throw new AppError('INVALID_INPUT', { zh: '备注不能超过 1000 字', en: 'The note is at most 1,000 characters' });
    const now = new Date();
    const due = await scheduleTimers(tx, e, def, to, now);
    const [row] = await tx
      .update(events)
      .set({
        ...set,
        state: to,
        stateSince: now,
        slaDueAt: due,
        version: sql`${events.version} + 1`,
        updatedAt: now,
      })
      .where(and(eq(events.id, e.id), eq(events.version, req.expectedVersion)))
      .returning();
    // Another transaction moved the event between our read and this update: nothing of ours commits.
    if (!row) throw stale(e.version + 1);
    const actorRole = t.roles.find((r) => roles.has(r)) ?? null;
    await tx.insert(eventHistory).values({
      eventId: row.id,
      communityId: row.communityId,
      action: req.event,
      fromState: e.state,
      toState: to,
      actor: actor.id,
      actorRole,
      version: row.version,
      detail: {
        ...(set.assigneeId ? { assigneeId: set.assigneeId } : {}),
        ...(set.rating ? { rating: set.rating, comment: set.ratingComment } : {}),
        ...(req.note?.trim() ? { note: req.note.trim() } : {}),
      },
    });
    const view = eventView(row);
    await enqueue(tx, {
      subject: 'shequ.events.transitioned',
      communityId: row.communityId,
      data: { ...busData(view), transition: req.event, from: e.state, actor: actor.id },
    });
    await appendAudit(tx, {
      subject: actor.id,
      subjectRole: actorRole,
      action: `events.${req.event}`,
      objectType: 'events.event',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { from: e.state, to, version: row.version, assigneeId: set.assigneeId ?? undefined },
    });
    return view;
  });
}

const stale = (current: number) =>
  new AppError('CONFLICT', {
    zh: `事件已被他人更新（当前版本 ${current}），请刷新后重试`,
    en: `The event was changed by someone else (now version ${current}); reload and try again`,
  });

/** People who may be assigned events of a community: active users with a handling role over it. */
export async function eventWorkers(db: Executor, communityId: string) {
  const rows = await db
    .selectDistinct({ id: users.id, displayName: users.displayName, role: roleAssignments.role })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(
      and(
        eq(users.status, 'active'),
        inArray(roleAssignments.role, [...handlerRoles]),
        sql`(select path from tenancy.regions where id = ${communityId}::uuid) like ${regions.path} || '%'`,
      ),
    )
    .orderBy(users.displayName);
  return rows;
}

/** Display names of the people named in events (reporters, assignees, history actors); others stay ids. */
export async function displayNames(db: Executor, ids: readonly string[]): Promise<Record<string, string>> {
  const uuids = [...new Set(ids)].filter((x) => /^[0-9a-f-]{36}$/i.test(x));
  if (uuids.length === 0) return {};
  const rows = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, uuids));
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}
