import { enqueue } from '@shequ/bus';
import type { intents, orders, refunds, Tx } from '@shequ/db';
import { appendAudit } from '../audit/audit-service.ts';
import type { Actor } from '../identity/user-service.ts';

export type OrderRow = typeof orders.$inferSelect;
export type IntentRow = typeof intents.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;

export const orderView = (o: OrderRow) => ({
  id: o.id,
  userId: o.userId,
  subject: o.subject,
  amountFen: o.amountFen,
  paidFen: o.paidFen,
  refundedFen: o.refundedFen,
  refundableFen: o.paidFen - o.refundedFen,
  status: o.status,
  sourceType: o.sourceType,
  sourceId: o.sourceId,
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
});
export type OrderView = ReturnType<typeof orderView>;

export const intentView = (i: IntentRow) => ({
  id: i.id,
  orderId: i.orderId,
  provider: i.provider,
  status: i.status,
  amountFen: i.amountFen,
  capturedFen: i.capturedFen,
  refundedFen: i.refundedFen,
  refundingFen: i.refundingFen,
  outTradeNo: i.outTradeNo,
  providerTradeNo: i.providerTradeNo,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});
export type IntentView = ReturnType<typeof intentView>;

export const refundView = (r: RefundRow) => ({
  id: r.id,
  orderId: r.orderId,
  intentId: r.intentId,
  amountFen: r.amountFen,
  outRefundNo: r.outRefundNo,
  reason: r.reason,
  status: r.status,
  providerRefundNo: r.providerRefundNo,
  failureReason: r.failureReason,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  settledAt: r.settledAt?.toISOString() ?? null,
});
export type RefundView = ReturnType<typeof refundView>;

/** Audit entry and bus event (through the outbox, in the same transaction) for one payment action. */
export async function record(tx: Tx, actor: Actor, action: string, o: OrderRow, detail: Record<string, unknown> = {}) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `payment.${action}`,
    objectType: 'payment_order',
    objectId: o.id,
    communityId: o.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { amountFen: o.amountFen, status: o.status, ...detail },
  });
  await enqueue(tx, {
    subject: `shequ.payment.${action}`,
    communityId: o.communityId,
    data: {
      orderId: o.id,
      userId: o.userId,
      amountFen: o.amountFen,
      paidFen: o.paidFen,
      refundedFen: o.refundedFen,
      status: o.status,
      sourceType: o.sourceType,
      sourceId: o.sourceId,
      ...detail,
    },
  });
}
