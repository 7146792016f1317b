import { createHash } from 'node:crypto';
import {
  type Executor,
  type LedgerKind,
  pointAccounts,
  pointEntries,
  pointTransfers,
  queryRows,
  withScope,
} from '@shequ/db';
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { AppError } from '../errors.ts';

/** Who holds an account: a platform user, the community's issuing pool, the points shop, … */
export interface AccountRef {
  type: 'user' | 'pool' | 'shop';
  id: string;
}

export interface TransferRequest {
  communityId: string;
  kind: LedgerKind;
  from: AccountRef;
  to: AccountRef;
  /** Whole points, or minutes for the time bank. */
  amount: number;
  reason: string;
  idempotencyKey: string;
}

export interface TransferResult {
  id: string;
  amount: number;
  fromBalance: number;
  toBalance: number;
  createdAt: string;
  /** True when this answers a retry of an earlier request with the same key. */
  replayed: boolean;
}

/** The community pool may issue up to this much (its credit limit); people cannot go below zero. */
export const poolCreditLimit = 1_000_000_000_000;
const maxAmount = 1_000_000_000;

const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });

function check(req: TransferRequest) {
  if (!Number.isSafeInteger(req.amount) || req.amount <= 0 || req.amount > maxAmount) {
    throw invalid('数量必须是 1 到 10 亿之间的整数', `The amount must be a whole number from 1 to ${maxAmount}`);
  }
  if (!req.reason.trim() || req.reason.length > 200)
    throw invalid('请填写 200 字以内的事由', 'Give a reason of at most 200 characters');
  if (!/^[\w:.-]{1,128}$/.test(req.idempotencyKey)) {
    throw invalid('幂等键格式不正确', 'The idempotency key is 1–128 letters, digits, _ : . or -');
  }
  if (req.from.type === req.to.type && req.from.id === req.to.id)
    throw invalid('不能转给自己', 'An account cannot pay itself');
}

const hashOf = (req: TransferRequest) =>
  createHash('sha256')
    .update(JSON.stringify([req.kind, req.from.type, req.from.id, req.to.type, req.to.id, req.amount, req.reason]))
    .digest('hex');

// Account ids never change once created: keep them so a transfer needs no lookups (keyed per database).
const accountIds = new WeakMap<object, Map<string, string>>();

async function accountFor(db: Executor, communityId: string, kind: LedgerKind, ref: AccountRef) {
  const cache = accountIds.get(db) ?? new Map<string, string>();
  accountIds.set(db, cache);
  const key = `${communityId}|${kind}|${ref.type}|${ref.id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const id = await withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    await tx
      .insert(pointAccounts)
      .values({
        communityId,
        kind,
        ownerType: ref.type,
        ownerId: ref.id,
        creditLimit: ref.type === 'pool' ? poolCreditLimit : 0,
      })
      .onConflictDoNothing();
    const [a] = await tx
      .select({ id: pointAccounts.id })
      .from(pointAccounts)
      .where(
        and(
          eq(pointAccounts.communityId, communityId),
          eq(pointAccounts.kind, kind),
          eq(pointAccounts.ownerType, ref.type),
          eq(pointAccounts.ownerId, ref.id),
        ),
      );
    return a.id;
  });
  if (cache.size > 100_000) cache.clear();
  cache.set(key, id);
  return id;
}

async function replay(tx: Executor, req: TransferRequest, hash: string): Promise<TransferResult | null> {
  const [t] = await tx
    .select()
    .from(pointTransfers)
    .where(and(eq(pointTransfers.communityId, req.communityId), eq(pointTransfers.idempotencyKey, req.idempotencyKey)));
  if (!t) return null;
  if (t.requestHash !== hash) {
    throw new AppError('CONFLICT', {
      zh: '该幂等键已用于另一笔不同的转账',
      en: 'This idempotency key was already used for a different transfer',
    });
  }
  const entries = await tx.select().from(pointEntries).where(eq(pointEntries.transferId, t.id));
  const after = (account: string) => entries.find((e) => e.accountId === account)?.balanceAfter ?? 0;
  return {
    id: t.id,
    amount: t.amount,
    fromBalance: after(t.fromAccount),
    toBalance: after(t.toAccount),
    createdAt: t.createdAt.toISOString(),
    replayed: true,
  };
}

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
};

interface TransferRow {
  outcome: 'ok' | 'replay' | 'insufficient' | 'missing';
  transfer_id: string | null;
  created_at: string | Date | null;
  from_balance: number | string | null;
  to_balance: number | string | null;
}

interface Prepared {
  req: TransferRequest;
  hash: string;
  from: string;
  to: string;
  reverses: string | null;
  actor: string;
}

async function prepare(db: Executor, req: TransferRequest, actor: string, reverses?: string): Promise<Prepared> {
  return {
    req,
    hash: hashOf(req),
    from: await accountFor(db, req.communityId, req.kind, req.from),
    to: await accountFor(db, req.communityId, req.kind, req.to),
    reverses: reverses ?? null,
    actor,
  };
}

/** One transfer in one statement, one round trip: see points.transfer (migration 0021). */
async function runOne(db: Executor, p: Prepared): Promise<TransferRow> {
  const { req } = p;
  const [r] = await queryRows<TransferRow>(
    db,
    sql`select * from points.transfer(${req.communityId}::uuid, ${req.kind}, ${p.from}::uuid, ${p.to}::uuid,
          ${req.amount}::bigint, ${req.reason.trim()}, ${req.idempotencyKey}, ${p.hash}, ${p.reverses}::uuid, ${p.actor})`,
  );
  return r;
}

/**
 * Group commit: the transfers waiting while the previous batch was in the database go in as one transaction, so a
 * burst of transfers on a few hot accounts shares one WAL flush instead of queueing each behind the other's commit
 * with the rows locked. The batch first locks every account it touches in id order (the order points.transfer locks
 * its two), so batches from several processes and single transfers inside other transactions never deadlock; each
 * transfer still gets its own outcome (ok, replay, insufficient), because points.transfer answers rather than raises.
 */
async function runBatch(db: Executor, batch: Prepared[]): Promise<TransferRow[]> {
  const ids = [...new Set(batch.flatMap((p) => [p.from, p.to]))].sort();
  const rows = batch.map((p, i) => ({
    i,
    c: p.req.communityId,
    k: p.req.kind,
    f: p.from,
    t: p.to,
    a: p.req.amount,
    r: p.req.reason.trim(),
    key: p.req.idempotencyKey,
    h: p.hash,
    who: p.actor,
  }));
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select 1 from points.accounts where id = any(${`{${ids.join(',')}}`}::uuid[]) order by id for no key update`,
    );
    const out = await queryRows<TransferRow & { i: number }>(
      tx,
      sql`select x.i, t.* from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as x(i int, c uuid, k text, f uuid, t uuid, a bigint, r text, key text, h text, who text)
          cross join lateral points.transfer(x.c, x.k, x.f, x.t, x.a, x.r, x.key, x.h, null::uuid, x.who) t
          order by x.i`,
    );
    return out.sort((a, b) => a.i - b.i);
  });
}

const MAX_BATCH = 256;

/** Per database: transfers queued behind the batch in flight. */
const queues = new WeakMap<
  object,
  { waiting: Array<{ p: Prepared; done: (r: Promise<TransferRow>) => void }>; busy: boolean }
>();

function enqueue(db: Executor, p: Prepared): Promise<TransferRow> {
  let q = queues.get(db);
  if (!q) {
    q = { waiting: [], busy: false };
    queues.set(db, q);
  }
  const queue = q;
  const result = new Promise<TransferRow>((resolve) => queue.waiting.push({ p, done: resolve }));
  const drain = async () => {
    if (queue.busy) return;
    queue.busy = true;
    try {
      while (queue.waiting.length > 0) {
        const batch = queue.waiting.splice(0, MAX_BATCH);
        if (batch.length === 1) {
          const one = runOne(db, batch[0].p);
          batch[0].done(one);
          await one.catch(() => undefined);
          continue;
        }
        try {
          const rows = await runBatch(
            db,
            batch.map((b) => b.p),
          );
          for (const [i, b] of batch.entries()) b.done(Promise.resolve(rows[i]));
        } catch {
          // The batch rolled back as a whole (a lost connection, a statement error): each transfer goes on its own,
          // so one bad request cannot fail the others and each caller sees its own error.
          const each = batch.map((b) => runOne(db, b.p));
          for (const [i, b] of batch.entries()) b.done(each[i]);
          await Promise.allSettled(each);
        }
      }
    } finally {
      queue.busy = false;
    }
  };
  void drain();
  return result;
}

async function transferOnce(
  db: Executor,
  req: TransferRequest,
  actor: string,
  reverses?: string,
): Promise<TransferResult> {
  const p = await prepare(db, req, actor, reverses);
  // Inside a caller's transaction the transfer joins it; on its own it may share a commit with others (a reversal
  // goes alone: its uniqueness on `reverses` raises, which would roll back a whole batch).
  const r = db instanceof PgTransaction || reverses ? await runOne(db, p) : await enqueue(db, p);
  if (r.outcome === 'ok') {
    return {
      id: r.transfer_id as string,
      amount: req.amount,
      fromBalance: Number(r.from_balance),
      toBalance: Number(r.to_balance),
      createdAt: new Date(r.created_at as string).toISOString(),
      replayed: false,
    };
  }
  if (r.outcome === 'insufficient') {
    throw new AppError('CONFLICT', {
      zh: `余额不足：现有 ${Number(r.from_balance)}，需要 ${req.amount}`,
      en: `Insufficient balance: ${Number(r.from_balance)} available, ${req.amount} needed`,
    });
  }
  if (r.outcome === 'missing') {
    throw new AppError('INTERNAL', { zh: '账户缺失', en: 'An account is missing', isPublic: false });
  }
  const scope = { kind: 'communities' as const, ids: [req.communityId] };
  const earlier = await withScope(db, scope, (tx) => replay(tx, req, p.hash));
  if (!earlier) throw new AppError('CONFLICT', { zh: '该转账已被冲正', en: 'That transfer was already reversed' });
  return earlier;
}

/**
 * Moves points (or time-bank minutes) between two accounts of a community as one immutable transfer with two
 * entries. A retry with the same idempotency key and request answers the first result; with other parameters it is
 * a conflict. A balance never goes below the account's credit limit (checked here and by the database).
 */
export async function transferPoints(db: Executor, req: TransferRequest, actor: string, reverses?: string) {
  check(req);
  try {
    return await transferOnce(db, req, actor, reverses);
  } catch (err) {
    // Only `reverses` is unique besides the idempotency key (which points.transfer answers as a replay).
    if (!isUniqueViolation(err)) throw err;
    throw new AppError('CONFLICT', { zh: '该转账已被冲正', en: 'That transfer was already reversed' });
  }
}

/** Corrects a transfer with an opposite one (once); the original stays in the ledger. */
export async function reverseTransfer(
  db: Executor,
  communityId: string,
  transferId: string,
  reason: string,
  actor: string,
) {
  const original = await withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const [t] = await tx.select().from(pointTransfers).where(eq(pointTransfers.id, transferId));
    if (!t) return null;
    const accounts = await tx
      .select()
      .from(pointAccounts)
      .where(inArray(pointAccounts.id, [t.fromAccount, t.toAccount]));
    return { t, accounts };
  });
  if (!original) throw new AppError('NOT_FOUND', { zh: '转账记录不存在', en: 'No such transfer' });
  const ref = (id: string): AccountRef => {
    const a = original.accounts.find((x) => x.id === id);
    return { type: a?.ownerType as AccountRef['type'], id: a?.ownerId as string };
  };
  return transferPoints(
    db,
    {
      communityId,
      kind: original.t.kind,
      from: ref(original.t.toAccount),
      to: ref(original.t.fromAccount),
      amount: original.t.amount,
      reason: `冲正 / reversal: ${reason}`,
      idempotencyKey: `reverse:${transferId}`,
    },
    actor,
    transferId,
  );
}

/** An owner's balance and latest entries (newest first, keyset by entry sequence). */
export async function pointsOf(
  db: Executor,
  communityId: string,
  kind: LedgerKind,
  owner: AccountRef,
  opts: { before?: number; limit?: number } = {},
) {
  return withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const [a] = await tx
      .select()
      .from(pointAccounts)
      .where(
        and(
          eq(pointAccounts.communityId, communityId),
          eq(pointAccounts.kind, kind),
          eq(pointAccounts.ownerType, owner.type),
          eq(pointAccounts.ownerId, owner.id),
        ),
      );
    if (!a) return { balance: 0, entries: [] };
    const entries = await tx
      .select({
        seq: pointEntries.seq,
        amount: pointEntries.amount,
        balanceAfter: pointEntries.balanceAfter,
        at: pointEntries.createdAt,
        reason: pointTransfers.reason,
      })
      .from(pointEntries)
      .innerJoin(pointTransfers, eq(pointTransfers.id, pointEntries.transferId))
      .where(and(eq(pointEntries.accountId, a.id), opts.before ? lt(pointEntries.seq, opts.before) : undefined))
      .orderBy(desc(pointEntries.seq))
      .limit(Math.min(opts.limit ?? 20, 100));
    return { balance: a.balance, entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
  });
}

/** The top balances of people in a community (user accounts only). */
export async function leaderboard(db: Executor, communityId: string, kind: LedgerKind, limit = 10) {
  return withScope(db, { kind: 'communities', ids: [communityId] }, (tx) =>
    tx
      .select({ userId: pointAccounts.ownerId, balance: pointAccounts.balance })
      .from(pointAccounts)
      .where(
        and(
          eq(pointAccounts.communityId, communityId),
          eq(pointAccounts.kind, kind),
          eq(pointAccounts.ownerType, 'user'),
        ),
      )
      .orderBy(desc(pointAccounts.balance), asc(pointAccounts.ownerId))
      .limit(Math.min(limit, 100)),
  );
}

/** The ledger's invariants for a community: balances sum to zero, every transfer's entries sum to zero, no overdraft. */
export async function ledgerCheck(db: Executor, communityId: string) {
  return withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const [sums] = await queryRows<{
      balances: number | string;
      unbalanced: number;
      overdrawn: number;
      drifted: number;
    }>(
      tx,
      sql`
      select
        (select coalesce(sum(balance), 0) from points.accounts where community_id = ${communityId})::bigint as balances,
        (select count(*) from (select transfer_id from points.entries where community_id = ${communityId}
                               group by transfer_id having sum(amount) <> 0) x)::int as unbalanced,
        (select count(*) from points.accounts where community_id = ${communityId} and balance + credit_limit < 0)::int as overdrawn,
        (select count(*) from points.accounts a where community_id = ${communityId} and balance <> coalesce(
          (select sum(amount) from points.entries e where e.account_id = a.id), 0))::int as drifted
    `,
    );
    return {
      balancesSum: Number(sums.balances),
      unbalancedTransfers: Number(sums.unbalanced),
      overdrawnAccounts: Number(sums.overdrawn),
      driftedAccounts: Number(sums.drifted),
    };
  });
}
