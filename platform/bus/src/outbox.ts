import { randomUUID } from 'node:crypto';
import { type Database, type Executor, outbox, processed, queryRows } from '@shequ/db';
import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import { assertSubject, type Bus, type EventEnvelope } from './types.ts';

const BULK = 50;

export interface NewEvent<T = unknown> {
  subject: string;
  communityId?: string | null;
  data: T;
}

/** The subject a packed row is filed under; its events keep their own subjects. */
export const packedSubject = 'shequ.outbox.packed';

/**
 * Writes events into the outbox inside the caller's transaction: they exist exactly when the change commits.
 * `packed`: all the events go into one row (a high-rate producer's batch: one row written and later marked instead
 * of one per event); the relay publishes them one by one, in order, each with its own id.
 */
export async function enqueue(
  tx: Executor,
  events: NewEvent | NewEvent[],
  opts: { packed?: boolean } = {},
): Promise<string[]> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return [];
  if (!opts.packed && list.length < BULK) {
    const rows = outboxRows(list);
    await tx.insert(outbox).values(rows);
    return rows.map((r) => r.id);
  }
  const { statement, ids } = outboxInsert(list, opts);
  await tx.execute(statement);
  return ids;
}

/** The events as outbox rows, each with its own id; a subject that is not a valid bus subject is refused. */
function outboxRows(events: NewEvent[]) {
  for (const e of events) assertSubject(e.subject);
  return events.map((e) => ({
    id: randomUUID(),
    subject: e.subject,
    communityId: e.communityId ?? null,
    data: e.data ?? null,
  }));
}

/** What a row records when the bus refused one of its events: one attempt more and the error. */
const failedAttempt = (err: unknown) => ({
  attempts: sql`${outbox.attempts} + 1`,
  lastError: String((err as Error).message ?? err).slice(0, 500),
});

/**
 * The insert that files `events` in the outbox, as one statement to run or to put in a caller's `with` clause (a
 * high-rate writer stores its rows and its events in one statement, one round trip, atomic without a transaction).
 * `packed`: one row for all of them (see `enqueue`); otherwise a row each, carried by one jsonb parameter, several
 * times faster than per-row placeholders for the thousands an import enqueues. `claimSeconds`: the packed row is
 * filed already claimed for that long, for a writer that hands it to `OutboxRelay.publishCommitted` once committed
 * (the relay's scan leaves it alone meanwhile, and takes it over if the claim runs out). Answers the events' ids,
 * and for a packed row its id and the events as they will be published (less their time).
 */
export function outboxInsert(
  events: NewEvent[],
  opts: { packed?: boolean; claimSeconds?: number } = {},
): { statement: SQL; ids: string[]; packed?: { rowId: string; events: Omit<EventEnvelope, 'time'>[] } } {
  if (events.length === 0) throw new Error('outboxInsert: no events');
  const rows = outboxRows(events);
  const ids = rows.map((r) => r.id);
  const claim = opts.claimSeconds ?? 0;
  if (opts.packed && (rows.length > 1 || claim > 0)) {
    // The packed row's events keep the camelCase fields the relay reads back.
    const rowId = randomUUID();
    const claimedUntil = claim > 0 ? sql`now() + make_interval(secs => ${claim})` : sql`null`;
    return {
      statement: sql`insert into bus.outbox (id, subject, community_id, data, packed, claimed_until)
        values (${rowId}, ${packedSubject}, null, ${JSON.stringify(rows)}::jsonb, true, ${claimedUntil})`,
      ids,
      packed: { rowId, events: rows },
    };
  }
  return {
    statement: sql`insert into bus.outbox (id, subject, community_id, data)
      select id, subject, community_id, coalesce(data, 'null'::jsonb)
      from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ id: r.id, subject: r.subject, community_id: r.communityId, data: r.data })))}::jsonb)
        as x(id uuid, subject text, community_id uuid, data jsonb)`,
    ids,
  };
}

export interface RelayOptions {
  batch?: number;
  idleMs?: number;
  onError?: (err: unknown) => void;
  /**
   * Published events are kept this long (hours, default 24: long enough to inspect what went out yesterday), then
   * deleted by the relay while it is idle; 0 keeps them forever. Unpublished events are never deleted.
   */
  retentionHours?: number;
  /** How often an idle relay prunes (default every 10 minutes). */
  pruneEveryMs?: number;
}

/** Rows one prune statement deletes at most, so a large backlog is removed in short transactions. */
const PRUNE_BATCH = 5_000;

/**
 * Moves events from the outbox to the bus, oldest first. Rows are locked with SKIP LOCKED so several relays can
 * run; a row is marked published only after the bus accepted it, so a crash in between republishes (at least once).
 */
export class OutboxRelay {
  readonly #database: Database;
  readonly #bus: Bus;
  readonly #opts: Required<Omit<RelayOptions, 'onError'>> & Pick<RelayOptions, 'onError'>;
  #running = false;
  #prunedAt = 0;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  /** Rows published by `publishCommitted` and not yet marked, and the mark statement in flight. */
  #toMark: string[] = [];
  #marking: Promise<void> | null = null;

  constructor(database: Database, bus: Bus, opts: RelayOptions = {}) {
    this.#database = database;
    this.#bus = bus;
    this.#opts = {
      batch: opts.batch ?? 100,
      idleMs: opts.idleMs ?? 250,
      onError: opts.onError,
      retentionHours: opts.retentionHours ?? 24,
      pruneEveryMs: opts.pruneEveryMs ?? 10 * 60_000,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Skips the idle wait: call after committing a transaction that enqueued events. */
  kick(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.kick();
    await this.#loop;
    while (this.#marking) await this.#marking;
  }

  /**
   * Publishes the events of a packed row its writer filed claimed (`outboxInsert` with `claimSeconds`) and has just
   * committed: straight from the writer's memory, in order, without the scan reading the row back. The row is then
   * marked published, together with others marked meanwhile in one statement. If the bus refuses an event, the
   * claim is released so the scan republishes the row from its first event (at least once; consumers dedupe by
   * event id); if this process stops first, the scan takes the row over when its claim runs out.
   */
  async publishCommitted(rowId: string, events: EventEnvelope[]): Promise<void> {
    try {
      for (const event of events) await this.#bus.publish(event);
    } catch (err) {
      this.#opts.onError?.(err);
      try {
        await this.#database.db
          .update(outbox)
          .set({ ...failedAttempt(err), claimedUntil: null })
          .where(eq(outbox.id, rowId));
      } catch (release) {
        this.#opts.onError?.(release);
      }
      this.kick();
      return;
    }
    this.#toMark.push(rowId);
    if (!this.#marking) this.#marking = this.#markPublished();
  }

  /** Marks the handed-over rows published, one statement at a time for all that wait. */
  async #markPublished(): Promise<void> {
    while (this.#toMark.length) {
      const ids = this.#toMark.splice(0, 1000);
      try {
        await this.#database.db
          .update(outbox)
          .set({ publishedAt: sql`now()`, claimedUntil: null })
          .where(inArray(outbox.id, ids));
      } catch (err) {
        // Left claimed: the scan republishes them when the claim runs out (at least once).
        this.#opts.onError?.(err);
      }
    }
    this.#marking = null;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let moved = 0;
      try {
        moved = await this.drainOnce();
      } catch (err) {
        this.#opts.onError?.(err);
      }
      if (moved === 0 && this.#running && this.#opts.retentionHours > 0) {
        if (Date.now() - this.#prunedAt >= this.#opts.pruneEveryMs) {
          this.#prunedAt = Date.now();
          try {
            await this.prune();
          } catch (err) {
            this.#opts.onError?.(err);
          }
        }
      }
      if (moved === 0 && this.#running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.#opts.idleMs);
          this.#wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.#wake = null;
      }
    }
  }

  /**
   * Deletes events published more than `retentionHours` ago, oldest first, a few thousand rows per statement; answers
   * how many. Each statement looks only at the oldest rows by sequence (the primary key), so it never scans the
   * table, and stops once those are all recent. Pending events are kept however old.
   */
  async prune(): Promise<number> {
    const hours = this.#opts.retentionHours;
    if (!(hours > 0)) return 0;
    let total = 0;
    for (;;) {
      const rows = await queryRows<{ n: unknown }>(
        this.#database.db,
        sql`with head as (select seq from bus.outbox order by seq limit ${PRUNE_BATCH}),
                 gone as (delete from bus.outbox o using head
                           where o.seq = head.seq and o.published_at is not null
                             and o.published_at < now() - make_interval(hours => ${hours})
                          returning 1)
            select count(*) as n from gone`,
      );
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n === 0) return total;
    }
  }

  /**
   * Publishes one batch; returns how many events went out. Rows are leased in a short transaction and published
   * outside it (a consumer on the embedded bus may need the single PGlite connection), then marked. A publish
   * failure stops the batch there and releases the rest of the lease.
   */
  async drainOnce(): Promise<number> {
    const { db } = this.#database;
    const rows = await queryRows<{
      seq: number;
      id: string;
      subject: string;
      community_id: string | null;
      data: unknown;
      created_at: string | Date;
      packed: boolean;
    }>(
      db,
      sql`update bus.outbox set claimed_until = now() + interval '30 seconds'
          where seq in (select seq from bus.outbox
                        where published_at is null and (claimed_until is null or claimed_until < now())
                        order by seq limit ${this.#opts.batch} for update skip locked)
          returning seq, id, subject, community_id, data, created_at, packed`,
    );
    rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    let published = 0;
    let rowsDone = 0;
    let failure: unknown;
    for (const r of rows) {
      const time = new Date(r.created_at).toISOString();
      const data = typeof r.data === 'string' ? JSON.parse(r.data) : r.data;
      // A packed row's events go out in order; the row counts as published only once all of them did (a failure
      // halfway republishes the row from its first event: at least once, consumers dedupe by event id).
      const events: EventEnvelope[] = r.packed
        ? (data as { id: string; subject: string; communityId: string | null; data: unknown }[]).map((e) => ({
            id: e.id,
            subject: e.subject,
            time,
            communityId: e.communityId,
            data: e.data,
          }))
        : [{ id: r.id, subject: r.subject, time, communityId: r.community_id, data }];
      try {
        for (const event of events) {
          await this.#bus.publish(event);
          published++;
        }
      } catch (err) {
        failure = err;
        break;
      }
      rowsDone++;
    }
    // One update marks the whole published prefix; a crash before it republishes those (at least once, and
    // consumers dedupe by event id).
    const done = rows.slice(0, rowsDone).map((x) => x.id);
    if (done.length)
      await db.update(outbox).set({ publishedAt: sql`now()`, claimedUntil: null }).where(inArray(outbox.id, done));
    if (failure !== undefined) {
      const failed = rows[rowsDone];
      await db.update(outbox).set(failedAttempt(failure)).where(eq(outbox.id, failed.id));
      const rest = rows.slice(rowsDone).map((x) => x.id);
      await db.update(outbox).set({ claimedUntil: null }).where(inArray(outbox.id, rest));
      this.#opts.onError?.(failure);
    }
    return published;
  }
}

/**
 * Runs a consumer's effect at most once per event id: the processed marker and the effect share a transaction,
 * so a redelivered event is skipped and a failed effect leaves no marker behind.
 */
export async function handleOnce(
  ex: Executor,
  consumer: string,
  event: EventEnvelope,
  effect: (tx: Executor) => Promise<void>,
): Promise<boolean> {
  return ex.transaction(async (tx) => {
    const inserted = await tx
      .insert(processed)
      .values({ consumer, eventId: event.id })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) return false;
    await effect(tx);
    return true;
  });
}
