import { randomBytes } from 'node:crypto';
import {
  intents,
  orders,
  type ProviderId,
  providerNotifications,
  queryRows,
  refunds,
  type Tx,
  withScope,
} from '@shequ/db';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { clockOf, type PaymentDeps, providerOf, scopeOf } from './deps.ts';
import { idempotent } from './idempotency.ts';
import { captureLines, post } from './ledger.ts';
import { lockOrder, type Payer } from './orders.ts';
import type { NotifyReply, NotifyRequest, VerifiedNotification } from './providers/types.ts';
import { settleRefund } from './refunds.ts';
import { notifySource } from './sources.ts';
import { assertMove, capturedStates, orderStateOf } from './states.ts';
import { type IntentRow, intentView, orderView, record } from './views.ts';

/** Our trade number: date, then randomness; at most 32 characters as WeChat and Alipay require. */
const tradeNo = (prefix: string, nowMs: number) =>
  `${prefix}${DateTime.fromMillis(nowMs, { zone: 'Asia/Shanghai' }).toFormat('yyyyMMdd')}${randomBytes(10).toString('hex')}`;

async function lockIntent(tx: Tx, id: string) {
  const [i] = await tx.select().from(intents).where(eq(intents.id, id)).for('update');
  if (!i) throw notFound('Payment', '支付');
  return i;
}

async function moveIntent(tx: Tx, i: IntentRow, to: IntentRow['status'], set: Partial<IntentRow> = {}) {
  assertMove(i.status, to);
  const [row] = await tx
    .update(intents)
    .set({ ...set, status: to, updatedAt: new Date() })
    .where(eq(intents.id, i.id))
    .returning();
  return row;
}

/**
 * Starts paying an order with a provider: creates the intent (`created`), opens the provider-side order and moves
 * to `pending`. An order with a payment already under way answers that one. With a key, a retry replays.
 */
export async function payOrder(
  deps: PaymentDeps,
  communityId: string,
  orderId: string,
  opts: { provider: ProviderId; capture?: 'auto' | 'manual' },
  actor: Payer,
  idempotencyKey?: string,
) {
  const provider = providerOf(deps, opts.provider);
  const clock = clockOf(deps);
  return withScope(deps.db, scopeOf(communityId), (tx) =>
    idempotent(tx, communityId, idempotencyKey, 'payOrder', { orderId, ...opts }, async () => {
      const o = await lockOrder(tx, orderId);
      if (!actor.staff && o.userId !== actor.userId) throw forbidden('paying another person’s order');
      if (o.status !== 'open') {
        throw new AppError('CONFLICT', {
          zh: '该订单已支付或已取消',
          en: `The order is ${o.status}; it cannot be paid`,
        });
      }
      const [live] = await tx
        .select()
        .from(intents)
        .where(
          and(
            eq(intents.orderId, orderId),
            eq(intents.provider, opts.provider),
            inArray(intents.status, ['pending', 'authorized']),
          ),
        )
        .orderBy(desc(intents.createdAt));
      const [created] = live
        ? [live]
        : await tx
            .insert(intents)
            .values({
              communityId,
              orderId,
              provider: opts.provider,
              amountFen: o.amountFen,
              outTradeNo: tradeNo('SQ', clock.now()),
            })
            .returning();
      const { payParams } = await provider.initiate({
        outTradeNo: created.outTradeNo,
        amountFen: created.amountFen,
        subject: o.subject,
        notifyUrl: deps.notifyUrl?.(opts.provider) ?? `/api/payment/notify/${opts.provider}`,
        capture: opts.capture ?? 'auto',
      });
      const row = created.status === 'created' ? await moveIntent(tx, created, 'pending') : created;
      if (!live) await record(tx, actor, 'intent_created', o, { intentId: row.id, provider: row.provider });
      return { order: orderView(o), intent: intentView(row), payParams };
    }),
  );
}

/**
 * Records a capture: intent `succeeded`, the order paid, one balanced ledger transaction, the source told. The
 * amount must be the intent's (a provider reporting another amount is refused).
 */
async function settleCapture(
  deps: PaymentDeps,
  tx: Tx,
  i: IntentRow,
  amountFen: number,
  providerTradeNo: string,
  actor: Actor,
) {
  if (amountFen !== i.amountFen) {
    throw new AppError('CONFLICT', {
      zh: `支付金额不符：应为 ${i.amountFen} 分，渠道报告 ${amountFen} 分`,
      en: `Amount mismatch: expected ${i.amountFen} fen, the provider reported ${amountFen}`,
    });
  }
  const row = await moveIntent(tx, i, 'succeeded', { capturedFen: amountFen, providerTradeNo });
  await post(tx, {
    communityId: i.communityId,
    kind: 'capture',
    intentId: i.id,
    reference: providerTradeNo,
    at: new Date(clockOf(deps).now()),
    lines: captureLines(i.provider, amountFen),
  });
  const o = await lockOrder(tx, i.orderId);
  const paidFen = o.paidFen + amountFen;
  const [order] = await tx
    .update(orders)
    .set({ paidFen, status: orderStateOf(paidFen, o.refundedFen), updatedAt: new Date() })
    .where(eq(orders.id, o.id))
    .returning();
  await record(tx, actor, 'paid', order, { intentId: i.id, provider: i.provider, providerTradeNo });
  await notifySource(tx, order, 'paid', actor);
  return row;
}

/** Asks the provider for the trade's state and applies it (the fallback when a notification is late). */
export async function syncIntent(deps: PaymentDeps, communityId: string, intentId: string, actor: Actor) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    let i = await lockIntent(tx, intentId);
    if (!['pending', 'authorized'].includes(i.status)) return intentView(i);
    const s = await providerOf(deps, i.provider).status({ outTradeNo: i.outTradeNo });
    if (s.state === 'succeeded' && s.providerTradeNo) {
      i = await settleCapture(deps, tx, i, s.amountFen ?? i.amountFen, s.providerTradeNo, actor);
    } else if (s.state === 'authorized' && i.status === 'pending') {
      i = await moveIntent(tx, i, 'authorized');
    } else if (s.state === 'failed') {
      i = await moveIntent(tx, i, 'failed', { failureReason: 'provider reported failure' });
    } else if (s.state === 'closed') {
      i = await moveIntent(tx, i, 'cancelled');
    }
    return intentView(i);
  });
}

/** Captures an authorised payment (manual capture, e.g. a deposit held first). */
export async function captureIntent(deps: PaymentDeps, communityId: string, intentId: string, actor: Actor) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const i = await lockIntent(tx, intentId);
    assertMove(i.status, 'succeeded');
    if (i.status !== 'authorized') {
      throw new AppError('CONFLICT', {
        zh: '只有已授权的支付可以扣款',
        en: 'Only an authorised payment can be captured',
      });
    }
    const { providerTradeNo } = await providerOf(deps, i.provider).capture({
      outTradeNo: i.outTradeNo,
      amountFen: i.amountFen,
    });
    return intentView(await settleCapture(deps, tx, i, i.amountFen, providerTradeNo, actor));
  });
}

const sqlState = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
};

/**
 * Handles a provider's notification: verifies it (signature, time window, decryption; a forged one is refused),
 * refuses a replayed delivery (its nonce was seen), applies a notification id once (a resend is acknowledged and
 * changes nothing) and answers the reply the provider needs. Out-of-order notifications are safe: a payment
 * notification after the payment was already settled (by a status query) is a duplicate; a refund notification
 * for a refund we have not recorded yet is answered with a failure so the provider sends it again later.
 */
export async function handleNotification(
  deps: PaymentDeps,
  providerId: ProviderId,
  req: NotifyRequest,
): Promise<{ reply: NotifyReply; outcome: 'applied' | 'duplicate' | 'ignored' }> {
  const provider = providerOf(deps, providerId);
  const n = provider.webhook(req, clockOf(deps).now());
  // The notification names our trade number; its community decides the scope of everything after this.
  const [found] = await queryRows<{ community_id: string; id: string }>(
    deps.db,
    sql`select community_id, id from payment.intents where out_trade_no = ${n.outTradeNo} and provider = ${providerId}`,
  );
  if (!found) {
    throw new AppError('NOT_FOUND', { zh: '通知中的交易不存在', en: `No payment ${n.outTradeNo}` });
  }
  const actor: Actor = { subject: `provider:${providerId}`, role: 'system' };
  try {
    const outcome = await withScope(deps.db, scopeOf(found.community_id), async (tx) => {
      const i = await lockIntent(tx, found.id);
      const [applied] = await tx
        .select({ id: providerNotifications.id })
        .from(providerNotifications)
        .where(
          and(
            eq(providerNotifications.provider, providerId),
            eq(providerNotifications.notificationId, n.notificationId),
            eq(providerNotifications.outcome, 'applied'),
          ),
        );
      const outcome = applied ? 'duplicate' : await apply(deps, tx, i, n, actor);
      await tx.insert(providerNotifications).values({
        communityId: i.communityId,
        provider: providerId,
        notificationId: n.notificationId,
        nonce: n.nonce,
        eventType: n.eventType,
        outTradeNo: n.outTradeNo,
        payload: n.payload,
        outcome,
      });
      return outcome;
    });
    return { reply: provider.reply(req, outcome !== 'ignored'), outcome };
  } catch (err) {
    if (sqlState(err) === '23505') {
      throw new AppError('FORBIDDEN', {
        zh: '支付通知重放：该通知已被接收过',
        en: 'Payment notification refused: this delivery was already received (replay)',
        cause: err,
      });
    }
    throw err;
  }
}

async function apply(
  deps: PaymentDeps,
  tx: Tx,
  i: IntentRow,
  n: VerifiedNotification,
  actor: Actor,
): Promise<'applied' | 'duplicate' | 'ignored'> {
  if (n.kind === 'paid') {
    if (capturedStates.includes(i.status)) return 'duplicate';
    if (i.status === 'cancelled' || i.status === 'failed') return 'ignored';
    await settleCapture(deps, tx, i, n.amountFen, n.providerTradeNo ?? n.outTradeNo, actor);
    return 'applied';
  }
  if (n.kind === 'refunded' || (n.kind === 'failed' && n.outRefundNo)) {
    const [r] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.outRefundNo, n.outRefundNo ?? ''), eq(refunds.intentId, i.id)));
    // Refunds are reserved before the provider is asked, so a notification names one we know; one that does not
    // (another system's refund) is answered with a failure so the provider sends it again later.
    if (!r) return 'ignored';
    if (r.status !== 'pending') return 'applied';
    if (n.kind === 'refunded' && n.amountFen !== r.amountFen) {
      throw new AppError('CONFLICT', {
        zh: `退款金额不符：应为 ${r.amountFen} 分，渠道报告 ${n.amountFen} 分`,
        en: `Refund amount mismatch: expected ${r.amountFen} fen, the provider reported ${n.amountFen}`,
      });
    }
    // The refund was left pending (the provider answered "processing", or we crashed before recording it): the
    // notification completes it.
    await settleRefund(
      deps,
      tx,
      r.id,
      n.kind === 'refunded'
        ? { ok: true, providerRefundNo: typeof n.payload.refund_id === 'string' ? n.payload.refund_id : undefined }
        : { ok: false, reason: n.eventType },
      actor,
    );
    return 'applied';
  }
  if (n.kind === 'closed' || n.kind === 'failed') {
    if (i.status !== 'pending' && i.status !== 'authorized') return 'duplicate';
    await moveIntent(tx, i, n.kind === 'closed' ? 'cancelled' : 'failed', { failureReason: n.eventType });
    return 'applied';
  }
  return 'ignored';
}
