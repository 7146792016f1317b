import { type DataScope, type Executor, ruleDeadLetters, ruleMetrics, ruleTraces, withScope } from '@shequ/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { IotDeps } from '../registry/deps.ts';

/** How many evaluations are kept per rule. */
export const traceDepth = 50;

export type Outcome = 'trigger_mismatch' | 'condition_false' | 'condition_error' | 'debounced' | 'fired';

export interface Bump {
  ruleId: string;
  communityId: string;
  /** Evaluations counted by this bump (1 unless sampled trigger mismatches are flushed together). */
  evaluated?: number;
  matched?: boolean;
  fired?: boolean;
  debounced?: boolean;
  failed?: number;
  lastError?: string;
}

/** Adds one evaluation to a rule's counters. */
export async function bumpMetrics(ex: Executor, b: Bump): Promise<void> {
  const m = b.matched ? 1 : 0;
  const fi = b.fired ? 1 : 0;
  const d = b.debounced ? 1 : 0;
  const fa = b.failed ?? 0;
  const ev = b.evaluated ?? 1;
  await ex.execute(sql`
    insert into iot.rule_metrics (rule_id, community_id, evaluated, matched, fired, debounced, failed, last_fired_at, last_error)
    values (${b.ruleId}, ${b.communityId}, ${ev}, ${m}, ${fi}, ${d}, ${fa}, ${fi ? sql`now()` : null}, ${b.lastError ?? null})
    on conflict (rule_id) do update set
      evaluated = iot.rule_metrics.evaluated + ${ev},
      matched = iot.rule_metrics.matched + ${m},
      fired = iot.rule_metrics.fired + ${fi},
      debounced = iot.rule_metrics.debounced + ${d},
      failed = iot.rule_metrics.failed + ${fa},
      last_fired_at = coalesce(excluded.last_fired_at, iot.rule_metrics.last_fired_at),
      last_error = coalesce(excluded.last_error, iot.rule_metrics.last_error)`);
}

/** Records why a rule fired or not, and forgets evaluations older than the newest `traceDepth`. */
export async function addTrace(
  ex: Executor,
  t: { ruleId: string; communityId: string; eventId: string | null; subject: string; outcome: Outcome; detail: object },
): Promise<void> {
  await ex.insert(ruleTraces).values(t);
  await ex.execute(sql`
    delete from iot.rule_traces where rule_id = ${t.ruleId} and seq <= (
      select seq from iot.rule_traces where rule_id = ${t.ruleId} order by seq desc offset ${traceDepth} limit 1)`);
}

export async function ruleMetricsOf(d: IotDeps, scope: DataScope, ruleId: string) {
  const [row] = await withScope(d.db, scope, (tx) =>
    tx.select().from(ruleMetrics).where(eq(ruleMetrics.ruleId, ruleId)),
  );
  return {
    evaluated: Number(row?.evaluated ?? 0),
    matched: Number(row?.matched ?? 0),
    fired: Number(row?.fired ?? 0),
    debounced: Number(row?.debounced ?? 0),
    failed: Number(row?.failed ?? 0),
    lastFiredAt: row?.lastFiredAt ? new Date(row.lastFiredAt).toISOString() : null,
    lastError: row?.lastError ?? null,
  };
}

export async function ruleTrace(d: IotDeps, scope: DataScope, ruleId: string, limit = traceDepth) {
  const rows = await withScope(d.db, scope, (tx) =>
    tx.select().from(ruleTraces).where(eq(ruleTraces.ruleId, ruleId)).orderBy(desc(ruleTraces.seq)).limit(limit),
  );
  return rows.map((r) => ({
    eventId: r.eventId,
    subject: r.subject,
    outcome: r.outcome,
    detail: r.detail,
    at: new Date(r.at).toISOString(),
  }));
}

export async function deadLetters(d: IotDeps, scope: DataScope, ruleId: string, status?: 'pending' | 'resolved') {
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(ruleDeadLetters)
      .where(and(eq(ruleDeadLetters.ruleId, ruleId), status ? eq(ruleDeadLetters.status, status) : undefined))
      .orderBy(desc(ruleDeadLetters.createdAt))
      .limit(200),
  );
  return rows.map((r) => ({
    id: r.id,
    eventId: r.eventId,
    actionIndex: r.actionIndex,
    action: r.action,
    error: r.error,
    attempts: r.attempts,
    status: r.status,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  }));
}
