import { randomBytes } from 'node:crypto';
import { intents, orders, refunds, withScope } from '@shequ/db';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { clockOf, type PaymentDeps, providerOf, scopeOf } from './deps.ts';
import { idempotent } from './idempotency.ts';
import { post, refundLines } from './ledger.ts';
import { assertFen, yuan } from './money.ts';
import { lockOrder, type Payer } from './orders.ts';
import { notifySource } from './sources.ts';
import { assertMove, capturedStates, orderStateOf } from './states.ts';
import { intentView, orderView, record, refundView } from './views.ts';

export const overRefund = (askedFen: number, leftFen: number) =>
  new AppError('INVALID_INPUT', {
    zh: `退款金额 ¥${yuan(askedFen)} 超过可退金额 ¥${yuan(leftFen)}`,
    en: `A refund of ¥${yuan(askedFen)} is more than the ¥${yuan(leftFen)} that can still be refunded`,
    fieldErrors: { amountFen: [`<= ${leftFen}`] },
  });

/**
 * Refunds all (no amount) or part of an order's captured payment. The order and its intent are locked, so parallel
 * refunds queue and can never together pass what was captured (the database's CHECK refunded ≤ captured backs this
 * up). The provider is asked first; the refund, the intent, the order and a balanced ledger transaction are then
 * written in the same transaction. With a key, a retry replays the first refund.
 */
export async function refundOrder(
  deps: PaymentDeps,
  communityId: string,
  orderId: string,
  opts: { amountFen?: number; reason?: string },
  actor: Payer,
  idempotencyKey?: string,
) {
  if (opts.amountFen !== undefined) assertFen(opts.amountFen);
  const reason = opts.reason?.trim().slice(0, 200) || null;
  return withScope(deps.db, scopeOf(communityId), (tx) =>
    idempotent(
      tx,
      communityId,
      idempotencyKey,
      'refundOrder',
      { orderId, amountFen: opts.amountFen, reason },
      async () => {
        const o = await lockOrder(tx, orderId);
        const [i] = await tx
          .select()
          .from(intents)
          .where(and(eq(intents.orderId, orderId), inArray(intents.status, [...capturedStates])))
          .orderBy(desc(intents.createdAt))
          .for('update');
        if (!i)
          throw new AppError('CONFLICT', {
            zh: '该订单尚未支付，不能退款',
            en: 'The order is not paid; nothing to refund',
          });
        const left = i.capturedFen - i.refundedFen;
        const amountFen = opts.amountFen ?? left;
        if (left <= 0)
          throw new AppError('CONFLICT', { zh: '该订单已全额退款', en: 'The order is already fully refunded' });
        if (amountFen > left) throw overRefund(amountFen, left);
        const refundedFen = i.refundedFen + amountFen;
        const to = refundedFen === i.capturedFen ? 'refunded' : 'partially_refunded';
        assertMove(i.status, to);
        const outRefundNo = `RF${i.outTradeNo.slice(2, 10)}${randomBytes(10).toString('hex')}`;
        const res = await providerOf(deps, i.provider).refund({
          outTradeNo: i.outTradeNo,
          outRefundNo,
          amountFen,
          totalFen: i.capturedFen,
          reason: reason ?? undefined,
        });
        const [r] = await tx
          .insert(refunds)
          .values({
            communityId,
            intentId: i.id,
            orderId,
            amountFen,
            outRefundNo,
            reason,
            status: res.status,
            createdBy: actor.subject,
          })
          .returning();
        const [intent] = await tx
          .update(intents)
          .set({ refundedFen, status: to, updatedAt: new Date() })
          .where(eq(intents.id, i.id))
          .returning();
        await post(tx, {
          communityId,
          kind: 'refund',
          intentId: i.id,
          refundId: r.id,
          reference: outRefundNo,
          at: new Date(clockOf(deps).now()),
          lines: refundLines(i.provider, amountFen),
        });
        const orderRefunded = o.refundedFen + amountFen;
        const [order] = await tx
          .update(orders)
          .set({ refundedFen: orderRefunded, status: orderStateOf(o.paidFen, orderRefunded), updatedAt: new Date() })
          .where(eq(orders.id, orderId))
          .returning();
        await record(tx, actor, 'refunded', order, { refundId: r.id, refundFen: amountFen, reason });
        if (order.status === 'refunded') await notifySource(tx, order, 'refunded', actor);
        return { order: orderView(order), intent: intentView(intent), refund: refundView(r) };
      },
    ),
  );
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
