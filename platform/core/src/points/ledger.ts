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

async function accountFor(tx: Executor, db: Executor, communityId: string, kind: LedgerKind, ref: AccountRef) {
  const cache = accountIds.get(db) ?? new Map<string, string>();
  accountIds.set(db, cache);
  const key = `${communityId}|${kind}|${ref.type}|${ref.id}`;
  const hit = cache.get(key);
  if (hit) return hit;
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
  if (cache.size > 100_000) cache.clear();
  cache.set(key, a.id);
  return a.id;
}

/** Thrown inside the transaction when the key was used before: the transaction rolls back and the first result is answered. */
class Replay extends Error {}

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

async function transferOnce(
  db: Executor,
  req: TransferRequest,
  actor: string,
  reverses?: string,
): Promise<TransferResult> {
  const hash = hashOf(req);
  const scope = { kind: 'communities' as const, ids: [req.communityId] };
  try {
    return await withScope(db, scope, async (tx) => {
      const from = await accountFor(tx, db, req.communityId, req.kind, req.from);
      const to = await accountFor(tx, db, req.communityId, req.kind, req.to);
      // Lock both accounts in one order (by id) so two opposite transfers cannot deadlock. NO KEY UPDATE, so the
      // foreign-key checks of other transfers (KEY SHARE) never wait on it.
      const locked = await tx
        .select({ id: pointAccounts.id, balance: pointAccounts.balance, creditLimit: pointAccounts.creditLimit })
        .from(pointAccounts)
        .where(inArray(pointAccounts.id, [from, to]))
        .orderBy(asc(pointAccounts.id))
        .for('no key update');
      const a = locked.find((x) => x.id === from);
      const b = locked.find((x) => x.id === to);
      if (!a || !b) throw new AppError('INTERNAL', { zh: '账户缺失', en: 'An account is missing', isPublic: false });
      if (a.balance - req.amount + a.creditLimit < 0) {
        throw new AppError('CONFLICT', {
          zh: `余额不足：现有 ${a.balance}，需要 ${req.amount}`,
          en: `Insufficient balance: ${a.balance} available, ${req.amount} needed`,
        });
      }
      const fromBalance = a.balance - req.amount;
      const toBalance = b.balance + req.amount;
      await tx
        .update(pointAccounts)
        .set({
          balance: sql`case when ${pointAccounts.id} = ${from}::uuid then ${fromBalance}::bigint else ${toBalance}::bigint end`,
          version: sql`${pointAccounts.version} + 1`,
        })
        .where(inArray(pointAccounts.id, [from, to]));
      // The transfer and its two entries in one statement; a used key inserts nothing and becomes a replay.
      const [t] = await queryRows<{ id: string; created_at: string | Date }>(
        tx,
        sql`with t as (
              insert into points.transfers
                (community_id, kind, from_account, to_account, amount, reason, idempotency_key, request_hash, reverses, created_by)
              values (${req.communityId}, ${req.kind}, ${from}, ${to}, ${req.amount}, ${req.reason.trim()},
                      ${req.idempotencyKey}, ${hash}, ${reverses ?? null}, ${actor})
              on conflict (community_id, idempotency_key) do nothing
              returning id, created_at
            ), e as (
              insert into points.entries (transfer_id, account_id, community_id, amount, balance_after)
              select t.id, x.account, ${req.communityId}::uuid, x.amount, x.after
              from t, (values (${from}::uuid, ${-req.amount}::bigint, ${fromBalance}::bigint),
                              (${to}::uuid, ${req.amount}::bigint, ${toBalance}::bigint)) as x(account, amount, after)
            )
            select id, created_at from t`,
      );
      if (!t) throw new Replay();
      return {
        id: t.id,
        amount: req.amount,
        fromBalance,
        toBalance,
        createdAt: new Date(t.created_at).toISOString(),
        replayed: false,
      };
    });
  } catch (err) {
    if (!(err instanceof Replay)) throw err;
    const earlier = await withScope(db, scope, (tx) => replay(tx, req, hash));
    if (!earlier) throw new AppError('CONFLICT', { zh: '该转账已被冲正', en: 'That transfer was already reversed' });
    return earlier;
  }
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
    // Two requests with one key raced: the loser's insert hit the unique key; answer it as a replay.
    if (!isUniqueViolation(err)) throw err;
    const hash = hashOf(req);
    const again = await withScope(db, { kind: 'communities', ids: [req.communityId] }, (tx) => replay(tx, req, hash));
    if (again) return again;
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
