import { intents, orders, refunds, type Tx, withScope } from '@shequ/db';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { type PaymentDeps, scopeOf } from './deps.ts';
import { idempotent } from './idempotency.ts';
import { assertFen } from './money.ts';
import { intentView, type OrderRow, orderView, record, refundView } from './views.ts';

/** Who acts on payments: a user of the community, or staff acting for the community. */
export interface Payer extends Actor {
  userId: string;
  staff?: boolean;
}

export interface NewOrder {
  userId: string;
  subject: string;
  amountFen: number;
  sourceType?: string;
  sourceId?: string;
}

export async function lockOrder(tx: Tx, id: string): Promise<OrderRow> {
  const [o] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
  if (!o) throw notFound('Order', '订单');
  return o;
}

/**
 * Inserts an order in the caller's transaction, audited and published (the seam for services that raise an order
 * in their own transaction, e.g. a parking session closing). `userId` null: nobody in particular pays; staff collect.
 */
export async function insertOrder(
  tx: Tx,
  communityId: string,
  input: Omit<NewOrder, 'userId'> & { userId: string | null },
  actor: Actor,
) {
  assertFen(input.amountFen);
  const [o] = await tx
    .insert(orders)
    .values({
      communityId,
      userId: input.userId,
      subject: input.subject,
      amountFen: input.amountFen,
      sourceType: input.sourceType ?? null,
      sourceId: input.sourceId ?? null,
      createdBy: actor.subject,
    })
    .returning();
  await record(tx, actor, 'order_created', o);
  return o;
}

/** Creates an order (money in integer fen, positive and bounded); with a key, a retry answers the first order. */
export async function createOrder(
  deps: PaymentDeps,
  communityId: string,
  input: NewOrder,
  actor: Payer,
  idempotencyKey?: string,
) {
  assertFen(input.amountFen);
  const subject = input.subject.trim();
  if (subject.length < 1 || subject.length > 128) {
    throw new AppError('INVALID_INPUT', { zh: '订单名称须为 1 到 128 个字', en: 'The subject is 1 to 128 characters' });
  }
  if (!actor.staff && input.userId !== actor.userId) throw forbidden('creating an order for another person');
  return withScope(deps.db, scopeOf(communityId), (tx) =>
    idempotent(tx, communityId, idempotencyKey, 'createOrder', { ...input, subject }, async () => {
      if (input.sourceType && input.sourceId) {
        const [open] = await tx
          .select()
          .from(orders)
          .where(
            and(
              eq(orders.communityId, communityId),
              eq(orders.sourceType, input.sourceType),
              eq(orders.sourceId, input.sourceId),
              inArray(orders.status, ['open', 'paid', 'partially_refunded', 'refunded']),
            ),
          );
        if (open) return orderView(open);
      }
      return orderView(await insertOrder(tx, communityId, { ...input, subject }, actor));
    }),
  );
}

/** Cancels an order nobody has paid yet (its open intents are cancelled too). */
export async function cancelOrder(deps: PaymentDeps, communityId: string, id: string, actor: Payer) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const o = await lockOrder(tx, id);
    if (!actor.staff && o.userId !== actor.userId) throw forbidden('cancelling another person’s order');
    if (o.status !== 'open') {
      throw new AppError('CONFLICT', { zh: '只有未支付的订单可以取消', en: 'Only an unpaid order can be cancelled' });
    }
    const live = await tx
      .select()
      .from(intents)
      .where(and(eq(intents.orderId, id), inArray(intents.status, ['created', 'pending', 'authorized'])));
    for (const i of live) {
      await deps.providers[i.provider]?.cancel({ outTradeNo: i.outTradeNo });
      await tx.update(intents).set({ status: 'cancelled', updatedAt: new Date() }).where(eq(intents.id, i.id));
    }
    const [row] = await tx
      .update(orders)
      .set({ status: 'cancelled', updatedAt: new Date() })
      .where(eq(orders.id, id))
      .returning();
    await record(tx, actor, 'order_cancelled', row);
    return orderView(row);
  });
}

async function withDetails(tx: Tx, rows: OrderRow[]) {
  const ids = rows.map((o) => o.id);
  const is = ids.length ? await tx.select().from(intents).where(inArray(intents.orderId, ids)) : [];
  const rs = ids.length ? await tx.select().from(refunds).where(inArray(refunds.orderId, ids)) : [];
  const pendingFen = (id: string) =>
    rs.filter((r) => r.orderId === id && r.status === 'pending').reduce((a, r) => a + r.amountFen, 0);
  return rows.map((o) => ({
    ...orderView(o),
    // Refunds still with the provider count against what can be refunded.
    refundableFen: o.paidFen - o.refundedFen - pendingFen(o.id),
    intents: is.filter((i) => i.orderId === o.id).map(intentView),
    refunds: rs
      .filter((r) => r.orderId === o.id)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map(refundView),
  }));
}

/** One order with its payment attempts and refunds; a resident sees only their own. */
export async function getOrder(deps: PaymentDeps, communityId: string, id: string, actor: Payer) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const [o] = await tx.select().from(orders).where(eq(orders.id, id));
    if (!o || (!actor.staff && o.userId !== actor.userId)) throw notFound('Order', '订单');
    return (await withDetails(tx, [o]))[0];
  });
}

/** The resident's orders, newest first. */
export async function myOrders(deps: PaymentDeps, communityId: string, userId: string) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.communityId, communityId), eq(orders.userId, userId)))
      .orderBy(desc(orders.createdAt))
      .limit(200);
    return withDetails(tx, rows);
  });
}

/** The community's orders for the operator console, newest first, optionally by status. */
export async function listOrders(
  deps: PaymentDeps,
  communityId: string,
  filter: { status?: OrderRow['status']; limit?: number } = {},
) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.communityId, communityId), filter.status ? eq(orders.status, filter.status) : undefined))
      .orderBy(desc(orders.createdAt))
      .limit(Math.min(filter.limit ?? 200, 500));
    return withDetails(tx, rows);
  });
}
