import { createHash } from 'node:crypto';
import { communityDate } from '@shequ/core';
import { type Executor, pluginActiveUsers, pluginHandlerMetrics, withScope } from '@shequ/db';
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';

/** Upper bounds (ms) of the latency buckets; one more bucket counts the calls slower than the last bound. */
export const latencyBounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

const hourMs = 3_600_000;

interface Cell {
  communityId: string;
  pluginId: string;
  version: string;
  handler: string;
  hour: number;
  calls: number;
  errors: number;
  totalMs: number;
  maxMs: number;
  buckets: number[];
}

/** A user as counted among an app's active users: a hash per app, never the id itself (aggregates only leave). */
export const userHash = (pluginId: string, userId: string) =>
  createHash('sha256').update(`shequ-active-user\n${pluginId}\n${userId}`).digest('base64url').slice(0, 22);

const bucketOf = (ms: number) => {
  const i = latencyBounds.findIndex((b) => ms <= b);
  return i === -1 ? latencyBounds.length : i;
};

/**
 * Handler calls, errors and latency per community, app version, handler and hour, counted in memory on the hot path
 * (a map update per call) and added to `plugin.handler_metrics` in one statement per flush. Several processes add
 * into the same rows; a failed flush puts its counts back so the next one carries them.
 */
export class HandlerMetrics {
  #cells = new Map<string, Cell>();
  /** Active users seen since the last flush, by `day\ncommunity\nplugin\nuserHash`. */
  #users = new Set<string>();
  #flushing: Promise<void> | undefined;

  record(
    communityId: string,
    pluginId: string,
    version: string,
    handler: string,
    ms: number,
    ok: boolean,
    at = Date.now(),
    userId?: string,
  ) {
    if (userId) this.#users.add(`${communityDate(at)}\n${communityId}\n${pluginId}\n${userHash(pluginId, userId)}`);
    const hour = Math.floor(at / hourMs) * hourMs;
    const key = `${communityId}\n${pluginId}\n${version}\n${handler}\n${hour}`;
    let c = this.#cells.get(key);
    if (!c) {
      c = {
        communityId,
        pluginId,
        version,
        handler,
        hour,
        calls: 0,
        errors: 0,
        totalMs: 0,
        maxMs: 0,
        buckets: new Array(latencyBounds.length + 1).fill(0),
      };
      this.#cells.set(key, c);
    }
    c.calls++;
    if (!ok) c.errors++;
    c.totalMs += ms;
    if (ms > c.maxMs) c.maxMs = ms;
    c.buckets[bucketOf(ms)]++;
  }

  /** Counts waiting to be written. */
  get pending(): number {
    return this.#cells.size;
  }

  /** Adds the waiting counts to the table (one flush at a time; a second caller waits for the running one, then flushes). */
  async flush(db: Executor): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    if (this.#cells.size === 0 && this.#users.size === 0) return;
    const batch = [...this.#cells.values()];
    const users = [...this.#users];
    this.#cells = new Map();
    this.#users = new Set();
    this.#flushing = this.#write(db, batch, users)
      .catch((err) => {
        for (const c of batch) this.#merge(c);
        for (const u of users) this.#users.add(u);
        throw err;
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  #merge(c: Cell) {
    const key = `${c.communityId}\n${c.pluginId}\n${c.version}\n${c.handler}\n${c.hour}`;
    const have = this.#cells.get(key);
    if (!have) {
      this.#cells.set(key, c);
      return;
    }
    have.calls += c.calls;
    have.errors += c.errors;
    have.totalMs += c.totalMs;
    have.maxMs = Math.max(have.maxMs, c.maxMs);
    have.buckets = have.buckets.map((n, i) => n + c.buckets[i]);
  }

  async #write(db: Executor, batch: Cell[], users: string[]) {
    const t = pluginHandlerMetrics;
    await withScope(db, { kind: 'all' }, async (tx) => {
      for (let i = 0; i < users.length; i += 500) {
        await tx
          .insert(pluginActiveUsers)
          .values(
            users.slice(i, i + 500).map((k) => {
              const [day, communityId, pluginId, hash] = k.split('\n');
              return { day, communityId, pluginId, userHash: hash };
            }),
          )
          .onConflictDoNothing();
      }
      for (let i = 0; i < batch.length; i += 500) {
        await tx
          .insert(t)
          .values(
            batch.slice(i, i + 500).map((c) => ({
              communityId: c.communityId,
              pluginId: c.pluginId,
              version: c.version,
              handler: c.handler,
              hour: new Date(c.hour),
              calls: c.calls,
              errors: c.errors,
              totalMs: c.totalMs,
              maxMs: c.maxMs,
              buckets: c.buckets,
            })),
          )
          .onConflictDoUpdate({
            target: [t.communityId, t.pluginId, t.version, t.handler, t.hour],
            set: {
              calls: sql`${t.calls} + excluded.calls`,
              errors: sql`${t.errors} + excluded.errors`,
              totalMs: sql`${t.totalMs} + excluded.total_ms`,
              maxMs: sql`greatest(${t.maxMs}, excluded.max_ms)`,
              buckets: sql`array(select coalesce(u.a, 0) + coalesce(u.b, 0) from unnest(${t.buckets}, excluded.buckets) with ordinality as u(a, b, i) order by u.i)`,
            },
          });
      }
    });
  }
}

export interface MetricSummary {
  communityId: string;
  version: string;
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  maxMs: number;
  p95Ms: number;
  p99Ms: number;
}

/** The latency under which a share `q` of the calls finished: the upper bound of the bucket reaching it. */
export function quantileMs(buckets: number[], q: number, maxMs: number): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= q * total) return i < latencyBounds.length ? Math.min(latencyBounds[i], maxMs) : maxMs;
  }
  return maxMs;
}

/**
 * An app's handler metrics since `since`, summed per community and version (and per handler with `byHandler`).
 * Runs in the caller's transaction: scoped to communities, row-level security keeps it to them.
 */
export async function readHandlerMetrics(
  tx: Executor,
  q: { pluginId: string; communityIds: string[]; since: Date; version?: string; byHandler?: boolean },
): Promise<Array<MetricSummary & { handler?: string }>> {
  if (q.communityIds.length === 0) return [];
  const t = pluginHandlerMetrics;
  const rows = await tx
    .select()
    .from(t)
    .where(
      and(
        eq(t.pluginId, q.pluginId),
        inArray(t.communityId, q.communityIds),
        gte(t.hour, new Date(Math.floor(q.since.getTime() / hourMs) * hourMs)),
        q.version ? eq(t.version, q.version) : undefined,
      ),
    );
  const sums = new Map<string, { key: Omit<Cell, 'hour'> }>();
  for (const r of rows) {
    const handler = q.byHandler ? r.handler : '';
    const k = `${r.communityId}\n${r.version}\n${handler}`;
    let s = sums.get(k);
    if (!s) {
      s = {
        key: {
          communityId: r.communityId,
          pluginId: r.pluginId,
          version: r.version,
          handler,
          calls: 0,
          errors: 0,
          totalMs: 0,
          maxMs: 0,
          buckets: new Array(latencyBounds.length + 1).fill(0),
        },
      };
      sums.set(k, s);
    }
    const c = s.key;
    c.calls += r.calls;
    c.errors += r.errors;
    c.totalMs += r.totalMs;
    c.maxMs = Math.max(c.maxMs, r.maxMs);
    r.buckets.forEach((n, i) => {
      c.buckets[i] = (c.buckets[i] ?? 0) + n;
    });
  }
  return [...sums.values()].map(({ key: c }) => ({
    communityId: c.communityId,
    version: c.version,
    ...(q.byHandler ? { handler: c.handler } : {}),
    calls: c.calls,
    errors: c.errors,
    errorRate: c.calls ? c.errors / c.calls : 0,
    avgMs: c.calls ? Math.round((c.totalMs / c.calls) * 10) / 10 : 0,
    maxMs: Math.round(c.maxMs * 10) / 10,
    p95Ms: quantileMs(c.buckets, 0.95, Math.round(c.maxMs * 10) / 10),
    p99Ms: quantileMs(c.buckets, 0.99, Math.round(c.maxMs * 10) / 10),
  }));
}

/** How long hourly handler metrics are kept (a year and a bit: year-on-year operations reports). */
export const metricsRetentionDays = 400;

/** Deletes hourly handler metrics older than the retention period (with the hourly purge job). */
export async function purgeHandlerMetrics(db: Executor, now = new Date(), days = metricsRetentionDays) {
  const before = new Date(now.getTime() - days * 86_400_000);
  const gone = await withScope(db, { kind: 'all' }, async (tx) => {
    await tx.delete(pluginActiveUsers).where(lt(pluginActiveUsers.day, communityDate(before)));
    return tx
      .delete(pluginHandlerMetrics)
      .where(lt(pluginHandlerMetrics.hour, before))
      .returning({ hour: pluginHandlerMetrics.hour });
  });
  return gone.length;
}
