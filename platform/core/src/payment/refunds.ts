import { randomBytes } from 'node:crypto';
import { intents, orders, queryRows, refunds, type Tx, withScope } from '@shequ/db';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { clockOf, type PaymentDeps, providerOf, scopeOf } from './deps.ts';
import { keyReused, requestHash, seenKey, storeKey } from './idempotency.ts';
import { post, refundLines } from './ledger.ts';
import { assertFen, yuan } from './money.ts';
import { lockOrder, type Payer } from './orders.ts';
import { notifySource } from './sources.ts';
import { assertMove, capturedStates, orderStateOf } from './states.ts';
import { intentView, orderView, type RefundRow, record, refundView } from './views.ts';

export const overRefund = (askedFen: number, leftFen: number) =>
  new AppError('INVALID_INPUT', {
    zh: `退款金额 ¥${yuan(askedFen)} 超过可退金额 ¥${yuan(leftFen)}`,
    en: `A refund of ¥${yuan(askedFen)} is more than the ¥${yuan(leftFen)} that can still be refunded`,
    fieldErrors: { amountFen: [`<= ${leftFen}`] },
  });

const refused = (reason: string) =>
  new AppError('CONFLICT', {
    zh: `支付渠道拒绝退款：${reason}`,
    en: `The payment provider refused the refund: ${reason}`,
  });

const operation = 'refundOrder';

/** The answer of a refund request: the order, the intent and the refund as they stand. */
async function answer(tx: Tx, r: RefundRow) {
  const [o] = await tx.select().from(orders).where(eq(orders.id, r.orderId));
  const [i] = await tx.select().from(intents).where(eq(intents.id, r.intentId));
  return { order: orderView(o), intent: intentView(i), refund: refundView(r) };
}
export type RefundAnswer = Awaited<ReturnType<typeof answer>>;

/**
 * Phase 1, one short transaction: the order and its captured intent are locked, what is left is computed net of
 * settled *and* reserved refunds, and a `pending` refund is inserted with its amount added to the intent's
 * `refunding_fen` (the database checks refunded + refunding ≤ captured). With a key: a settled request is replayed,
 * a reserved one (a crash or a lost answer after phase 1) is answered for completion instead of reserving again.
 */
async function reserve(
  tx: Tx,
  communityId: string,
  orderId: string,
  opts: { amountFen?: number; reason: string | null },
  actor: Payer,
  key: string | undefined,
  hash: string,
): Promise<
  | { replay: RefundAnswer & { replayed?: boolean } }
  | { refund: RefundRow; provider: string; outTradeNo: string; capturedFen: number }
> {
  if (key !== undefined) {
    const seen = await seenKey<RefundAnswer>(tx, communityId, key, operation, hash);
    if (seen) return { replay: seen };
    const [mine] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.communityId, communityId), eq(refunds.idempotencyKey, key)));
    if (mine) {
      if (mine.requestHash !== hash) throw keyReused();
      if (mine.status === 'failed') throw refused(mine.failureReason ?? 'unknown');
      const [i] = await tx.select().from(intents).where(eq(intents.id, mine.intentId));
      if (mine.status === 'succeeded') {
        const res = await answer(tx, mine);
        await storeKey(tx, communityId, key, operation, hash, res);
        return { replay: res };
      }
      return { refund: mine, provider: i.provider, outTradeNo: i.outTradeNo, capturedFen: i.capturedFen };
    }
  }
  const o = await lockOrder(tx, orderId);
  const [i] = await tx
    .select()
    .from(intents)
    .where(and(eq(intents.orderId, orderId), inArray(intents.status, [...capturedStates])))
    .orderBy(desc(intents.createdAt))
    .for('update');
  if (!i)
    throw new AppError('CONFLICT', { zh: '该订单尚未支付，不能退款', en: 'The order is not paid; nothing to refund' });
  const left = i.capturedFen - i.refundedFen - i.refundingFen;
  const amountFen = opts.amountFen ?? left;
  if (i.capturedFen - i.refundedFen <= 0)
    throw new AppError('CONFLICT', { zh: '该订单已全额退款', en: 'The order is already fully refunded' });
  if (left <= 0)
    throw new AppError('CONFLICT', {
      zh: '该订单剩余金额已在退款处理中',
      en: 'What is left of the order is already being refunded',
    });
  if (amountFen > left) throw overRefund(amountFen, left);
  // The move the refund will make when it settles must be allowed now, or nothing is reserved.
  assertMove(i.status, i.refundedFen + amountFen === i.capturedFen ? 'refunded' : 'partially_refunded');
  const outRefundNo = `RF${i.outTradeNo.slice(2, 10)}${randomBytes(10).toString('hex')}`;
  const [r] = await tx
    .insert(refunds)
    .values({
      communityId,
      intentId: i.id,
      orderId,
      amountFen,
      outRefundNo,
      reason: opts.reason,
      status: 'pending',
      idempotencyKey: key ?? null,
      requestHash: key === undefined ? null : hash,
      createdBy: actor.subject,
    })
    .returning();
  await tx
    .update(intents)
    .set({ refundingFen: i.refundingFen + amountFen, updatedAt: new Date() })
    .where(eq(intents.id, i.id));
  await record(tx, actor, 'refund_requested', o, { refundId: r.id, refundFen: amountFen, reason: opts.reason });
  return { refund: r, provider: i.provider, outTradeNo: i.outTradeNo, capturedFen: i.capturedFen };
}

/**
 * Phase 3: records a pending refund's outcome in the caller's transaction. Success settles it: the reservation
 * becomes refunded, the intent and order move, one balanced ledger transaction, the source told on a full refund.
 * Failure releases the reservation and keeps the provider's reason. A refund already settled is left as it is
 * (the notification, the poll and a retry may race to settle it; the refund row's lock decides).
 */
export async function settleRefund(
  deps: PaymentDeps,
  tx: Tx,
  refundId: string,
  outcome: { ok: true; providerRefundNo?: string } | { ok: false; reason: string },
  actor: Actor,
): Promise<RefundRow> {
  const [r] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
  if (!r) throw notFound('Refund', '退款');
  if (r.status !== 'pending') return r;
  const o = await lockOrder(tx, r.orderId);
  const [i] = await tx.select().from(intents).where(eq(intents.id, r.intentId)).for('update');
  const now = new Date(clockOf(deps).now());
  if (!outcome.ok) {
    await tx
      .update(intents)
      .set({ refundingFen: i.refundingFen - r.amountFen, updatedAt: new Date() })
      .where(eq(intents.id, i.id));
    const [row] = await tx
      .update(refunds)
      .set({ status: 'failed', failureReason: outcome.reason.slice(0, 500), settledAt: now })
      .where(eq(refunds.id, r.id))
      .returning();
    await record(tx, actor, 'refund_failed', o, { refundId: r.id, refundFen: r.amountFen, reason: outcome.reason });
    return row;
  }
  const refundedFen = i.refundedFen + r.amountFen;
  const to = refundedFen === i.capturedFen ? 'refunded' : 'partially_refunded';
  assertMove(i.status, to);
  await tx
    .update(intents)
    .set({ refundedFen, refundingFen: i.refundingFen - r.amountFen, status: to, updatedAt: new Date() })
    .where(eq(intents.id, i.id));
  await post(tx, {
    communityId: r.communityId,
    kind: 'refund',
    intentId: i.id,
    refundId: r.id,
    reference: r.outRefundNo,
    at: now,
    lines: refundLines(i.provider, r.amountFen),
  });
  const orderRefunded = o.refundedFen + r.amountFen;
  const [order] = await tx
    .update(orders)
    .set({ refundedFen: orderRefunded, status: orderStateOf(o.paidFen, orderRefunded), updatedAt: new Date() })
    .where(eq(orders.id, o.id))
    .returning();
  const [row] = await tx
    .update(refunds)
    .set({
      status: 'succeeded',
      providerRefundNo: outcome.ok ? (outcome.providerRefundNo ?? null) : null,
      settledAt: now,
    })
    .where(eq(refunds.id, r.id))
    .returning();
  await record(tx, actor, 'refunded', order, { refundId: r.id, refundFen: r.amountFen, reason: r.reason });
  if (order.status === 'refunded') await notifySource(tx, order, 'refunded', actor);
  return row;
}

/**
 * Phase 2, outside any transaction: asks the provider. The refund number is sent again on every attempt, and the
 * providers refund one number once, so a repeated call is safe. A refusal (an AppError from the adapter) is final;
 * anything else (a lost connection, a crash) leaves the outcome unknown and the refund pending.
 */
async function askProvider(
  deps: PaymentDeps,
  r: RefundRow,
  trade: { provider: string; outTradeNo: string; capturedFen: number },
): Promise<{ ok: true; providerRefundNo?: string } | { ok: false; reason: string } | { pending: true }> {
  try {
    const res = await providerOf(deps, trade.provider as never).refund({
      outTradeNo: trade.outTradeNo,
      outRefundNo: r.outRefundNo,
      amountFen: r.amountFen,
      totalFen: trade.capturedFen,
      reason: r.reason ?? undefined,
    });
    return res.status === 'succeeded' ? { ok: true, providerRefundNo: res.providerRefundNo } : { pending: true };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, reason: `${err.messageZh} / ${err.messageEn}` };
    throw new AppError('UNAVAILABLE', {
      zh: '退款已提交，支付渠道暂未答复；稍后将自动确认，可用同一幂等键重试',
      en: 'The refund was sent but the provider did not answer; it will be confirmed later, or retry with the same key',
      cause: err,
    });
  }
}

/**
 * Refunds all (no amount) or part of an order's captured payment, in two phases so no row lock is held while the
 * provider is called: (1) reserve a `pending` refund in a short transaction — parallel refunds queue on the order
 * and intent locks there, and the reservation counts against what is left, so together they can never pass what was
 * captured (the database's CHECK refunded + refunding ≤ captured backs this up); (2) call the provider with no
 * transaction open; (3) record the outcome in a second transaction. A crash between the phases leaves a pending
 * refund that a retry with the same key, the provider's notification or `resumePendingRefunds` completes.
 */
export async function refundOrder(
  deps: PaymentDeps,
  communityId: string,
  orderId: string,
  opts: { amountFen?: number; reason?: string },
  actor: Payer,
  idempotencyKey?: string,
): Promise<RefundAnswer & { replayed?: boolean }> {
  if (opts.amountFen !== undefined) assertFen(opts.amountFen);
  const reason = opts.reason?.trim().slice(0, 200) || null;
  const hash = requestHash(operation, { orderId, amountFen: opts.amountFen, reason });
  const scope = scopeOf(communityId);
  const step = await withScope(deps.db, scope, (tx) =>
    reserve(tx, communityId, orderId, { amountFen: opts.amountFen, reason }, actor, idempotencyKey, hash),
  );
  if ('replay' in step) return step.replay;
  const outcome = await askProvider(deps, step.refund, step);
  if ('pending' in outcome) return withScope(deps.db, scope, (tx) => answer(tx, step.refund));
  return withScope(deps.db, scope, async (tx) => {
    const r = await settleRefund(deps, tx, step.refund.id, outcome, actor);
    if (r.status === 'failed') {
      // Committed (the reservation is released) before the refusal is reported.
      return { failed: r.failureReason ?? '' } as const;
    }
    if (idempotencyKey !== undefined) {
      // Two retries of one key may both reach here: the key's lock orders them and the second answers the first.
      const seen = await seenKey<RefundAnswer>(tx, communityId, idempotencyKey, operation, hash);
      if (seen) return seen;
      const res = await answer(tx, r);
      await storeKey(tx, communityId, idempotencyKey, operation, hash, res);
      return res;
    }
    return answer(tx, r);
  }).then((res) => {
    if ('failed' in res) throw refused(res.failed ?? '');
    return res;
  });
}

/**
 * The status poll for refunds left pending (a crash between the phases, a provider that answered "processing"):
 * each pending refund older than `olderThanMs` is sent to its provider again (same refund number) and its outcome
 * recorded. Platform-wide. Returns how many settled each way and how many are still pending.
 */
export async function resumePendingRefunds(deps: PaymentDeps, opts: { olderThanMs?: number; actor?: Actor } = {}) {
  const actor = opts.actor ?? { subject: 'system:refund-poll', role: 'system' };
  const before = new Date(clockOf(deps).now() - (opts.olderThanMs ?? 60_000));
  const pending = await withScope(deps.db, { kind: 'all' }, (tx) =>
    tx
      .select({
        r: refunds,
        provider: intents.provider,
        outTradeNo: intents.outTradeNo,
        capturedFen: intents.capturedFen,
      })
      .from(refunds)
      .innerJoin(intents, eq(intents.id, refunds.intentId))
      .where(and(eq(refunds.status, 'pending'), lt(refunds.createdAt, before)))
      .orderBy(refunds.createdAt)
      .limit(200),
  );
  const tally = { succeeded: 0, failed: 0, pending: 0 };
  for (const p of pending) {
    let outcome: Awaited<ReturnType<typeof askProvider>>;
    try {
      outcome = await askProvider(deps, p.r, p);
    } catch {
      tally.pending++;
      continue;
    }
    if ('pending' in outcome) {
      tally.pending++;
      continue;
    }
    const r = await withScope(deps.db, scopeOf(p.r.communityId), (tx) =>
      settleRefund(deps, tx, p.r.id, outcome, actor),
    );
    if (r.status === 'succeeded') tally.succeeded++;
    else if (r.status === 'failed') tally.failed++;
  }
  return tally;
}

/** Pending refunds of the platform (for operators and the poll's log). */
export async function countPendingRefunds(deps: PaymentDeps) {
  const [row] = await withScope(deps.db, { kind: 'all' }, (tx) =>
    queryRows<{ n: string | number }>(tx, sql`select count(*) as n from payment.refunds where status = 'pending'`),
  );
  return Number(row?.n ?? 0);
}

/** Refunds of the community, newest first (console). */
export async function listRefunds(deps: PaymentDeps, communityId: string) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(refunds)
      .where(eq(refunds.communityId, communityId))
      .orderBy(desc(refunds.createdAt))
      .limit(200);
    return rows.map(refundView);
  });
}

/**
 * Runs `resumePendingRefunds` every `everyMs` (one minute by default) for refunds older than `olderThanMs`. Safe
 * in several processes: the providers refund one refund number once and the refund row's lock settles it once.
 * Returns a stop function.
 */
export function startRefundPoll(
  deps: PaymentDeps,
  onTally: (t: Awaited<ReturnType<typeof resumePendingRefunds>>) => void,
  opts: { everyMs?: number; olderThanMs?: number } = {},
) {
  const clock = clockOf(deps);
  let stopped = false;
  let handle: unknown;
  const tick = async () => {
    if (stopped) return;
    try {
      const t = await resumePendingRefunds(deps, { olderThanMs: opts.olderThanMs });
      if (t.succeeded || t.failed || t.pending) onTally(t);
    } catch {
      // The database is away for a moment: the next tick tries again.
    }
    if (!stopped) handle = clock.setTimeout(tick, opts.everyMs ?? 60_000);
  };
  handle = clock.setTimeout(tick, opts.everyMs ?? 60_000);
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
