import { enqueue } from '@shequ/bus';
import { type Database, type Executor, eventHistory, eventTimers, queryRows } from '@shequ/db';
import { eq, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';

export interface FiredTimer {
  timerId: string;
  eventId: string;
  kind: 'warning' | 'escalation';
  state: string;
}

/**
 * Fires due SLA timers, at most `limit` in one transaction. Due rows are locked with FOR UPDATE SKIP LOCKED, so
 * several pollers (processes) share the work and each timer fires exactly once. A timer whose event has left the
 * state is cancelled instead. A warning (80%) and an escalation (100%) each add a history entry, a bus event
 * (`shequ.events.sla_warning` / `shequ.events.escalated`) and an audit record.
 */
export async function fireDueTimers(ex: Executor, limit = 100): Promise<FiredTimer[]> {
  return ex.transaction(async (tx) => {
    const due = await queryRows<{
      id: string;
      event_id: string;
      community_id: string;
      state: string;
      kind: 'warning' | 'escalation';
      due_at: string | Date;
      current_state: string;
      version: number;
      title: string;
      severity: string;
      assignee_id: string | null;
    }>(
      tx,
      sql`select t.id, t.event_id, t.community_id, t.state, t.kind, t.due_at,
                 e.state as current_state, e.version, e.title, e.severity, e.assignee_id
          from events.timers t join events.events e on e.id = t.event_id
          where t.fired_at is null and t.cancelled_at is null and t.due_at <= now()
          order by t.due_at
          limit ${limit}
          for update of t skip locked`,
    );
    if (due.length === 0) return [];
    const stale = due.filter((t) => t.state !== t.current_state).map((t) => t.id);
    const live = due.filter((t) => t.state === t.current_state);
    if (stale.length)
      await tx.update(eventTimers).set({ cancelledAt: sql`now()` }).where(inArray(eventTimers.id, stale));
    if (live.length === 0) return [];
    await tx
      .update(eventTimers)
      .set({ firedAt: sql`now()` })
      .where(
        inArray(
          eventTimers.id,
          live.map((t) => t.id),
        ),
      );
    await tx.insert(eventHistory).values(
      live.map((t) => ({
        eventId: t.event_id,
        communityId: t.community_id,
        action: t.kind === 'warning' ? 'sla.warning' : 'sla.escalated',
        fromState: t.state,
        toState: t.state,
        actor: 'system:sla',
        actorRole: null,
        version: Number(t.version),
        detail: { timerId: t.id, dueAt: new Date(t.due_at).toISOString() },
      })),
    );
    await enqueue(
      tx,
      live.map((t) => ({
        subject: t.kind === 'warning' ? 'shequ.events.sla_warning' : 'shequ.events.escalated',
        communityId: t.community_id,
        data: {
          eventId: t.event_id,
          state: t.state,
          title: t.title,
          severity: t.severity,
          assigneeId: t.assignee_id,
          dueAt: new Date(t.due_at).toISOString(),
        },
      })),
    );
    await appendAudit(
      tx,
      live.map((t) => ({
        subject: 'system:sla',
        action: t.kind === 'warning' ? 'events.sla_warning' : 'events.escalate',
        objectType: 'events.event',
        objectId: t.event_id,
        communityId: t.community_id,
        result: 'success' as const,
        detail: { state: t.state, timerId: t.id },
      })),
    );
    return live.map((t) => ({ timerId: t.id, eventId: t.event_id, kind: t.kind, state: t.state }));
  });
}

/** Moves every timer of an event earlier by `ms` (tests and demos: make an SLA run out now). */
export async function shiftTimers(ex: Executor, eventId: string, ms: number) {
  await ex
    .update(eventTimers)
    .set({ dueAt: sql`${eventTimers.dueAt} - make_interval(secs => ${ms / 1000})` })
    .where(eq(eventTimers.eventId, eventId));
}

/** Polls for due timers every `intervalMs` until stopped; kicks the relay after a batch fired. */
export function startSlaPoller(
  database: Database,
  opts: { intervalMs?: number; onFired?: () => void; onError?: (err: unknown) => void } = {},
) {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      for (;;) {
        const fired = await fireDueTimers(database.db);
        if (fired.length) opts.onFired?.();
        if (fired.length < 100 || !running) break;
      }
    } catch (err) {
      opts.onError?.(err);
    }
    if (running) timer = setTimeout(() => (current = tick()), opts.intervalMs ?? 15_000);
  };
  current = tick();
  return {
    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}
