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

async function transferOnce(
  db: Executor,
  req: TransferRequest,
  actor: string,
  reverses?: string,
): Promise<TransferResult> {
  const hash = hashOf(req);
  const scope = { kind: 'communities' as const, ids: [req.communityId] };
  const from = await accountFor(db, req.communityId, req.kind, req.from);
  const to = await accountFor(db, req.communityId, req.kind, req.to);
  // One statement, one round trip: points.transfer locks both accounts in id order, checks the balance, records the
  // transfer and its entries under the community's row-level security (migration 0021).
  const [r] = await queryRows<TransferRow>(
    db,
    sql`select * from points.transfer(${req.communityId}::uuid, ${req.kind}, ${from}::uuid, ${to}::uuid,
          ${req.amount}::bigint, ${req.reason.trim()}, ${req.idempotencyKey}, ${hash}, ${reverses ?? null}::uuid, ${actor})`,
  );
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
  const earlier = await withScope(db, scope, (tx) => replay(tx, req, hash));
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
