import {
  AppError,
  cancelOrder,
  createOrder,
  getOrder,
  hasPermission,
  listOrders,
  listRefunds,
  myOrders,
  orderForBooking,
  type Payer,
  payOrder,
  reconcileDay,
  refundOrder,
  sendMessages,
  syncIntent,
  yuan,
} from '@shequ/core';
import { orderStates, providerIds } from '@shequ/db';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const fen = z.number().int().positive().max(10_000_000_000);
const key = z
  .string()
  .trim()
  .regex(/^[\w.:-]{8,128}$/)
  .optional();

type Authed = Pick<Context, 'platform' | 'meta'> & { principal: NonNullable<Context['principal']> };

/** The caller as a payer; staff (payment.manage over the community) act on anyone's orders. */
function payerOf(ctx: Authed, communityPath: string): Payer {
  if (!/^[0-9a-f-]{36}$/i.test(ctx.principal.userId)) {
    throw new AppError('FORBIDDEN', { zh: '只有登录的用户才能支付', en: 'Only a signed-in person can pay' });
  }
  return {
    ...actorOf(ctx),
    userId: ctx.principal.userId,
    staff: hasPermission(ctx.principal.grants, 'payment.manage', communityPath),
  };
}

const deps = (ctx: Authed) => ctx.platform.payment;

/** Settles pending sandbox/provider payments of an order by asking the provider (notifications may be late). */
async function refreshed(ctx: Authed, communityId: string, orderId: string, payer: Payer) {
  const o = await getOrder(deps(ctx), communityId, orderId, payer);
  const pending = o.intents.filter((i) => i.status === 'pending' || i.status === 'authorized');
  for (const i of pending) await syncIntent(deps(ctx), communityId, i.id, payer).catch(() => {});
  return pending.length ? getOrder(deps(ctx), communityId, orderId, payer) : o;
}

export const paymentRouter = router({
  /** Creates an order for the caller (staff: for any resident of the community). Amounts are integer fen. */
  createOrder: authedProcedure
    .input(
      community.extend({
        subject: z.string().trim().min(1).max(128),
        amountFen: fen,
        userId: z.uuid().optional(),
        idempotencyKey: key,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'payment.use');
      const payer = payerOf(ctx, c.path);
      return createOrder(
        deps(ctx),
        c.id,
        { userId: input.userId ?? payer.userId, subject: input.subject, amountFen: input.amountFen },
        payer,
        input.idempotencyKey,
      );
    }),
  /** The order paying a booking's fee (created on first ask, answered again afterwards). */
  orderForBooking: authedProcedure.input(community.extend({ bookingId: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'payment.use');
    return orderForBooking(deps(ctx), c.id, input.bookingId, payerOf(ctx, c.path));
  }),
  /**
   * Pays an order. With the sandbox the payer is simulated at once (the real providers hand `payParams` to the
   * client); the signed notification follows asynchronously, the state is also settled by a status query.
   */
  pay: authedProcedure
    .input(
      community.extend({
        orderId: z.uuid(),
        provider: z.enum(providerIds).default('sandbox'),
        outcome: z.enum(['success', 'fail']).default('success'),
        idempotencyKey: key,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'payment.use');
      const payer = payerOf(ctx, c.path);
      const started = await payOrder(
        deps(ctx),
        c.id,
        input.orderId,
        { provider: input.provider },
        payer,
        input.idempotencyKey,
      );
      if (input.provider === 'sandbox' && started.intent.status === 'pending') {
        deps(ctx).sandbox.pay(started.intent.outTradeNo, input.outcome);
      }
      return refreshed(ctx, c.id, input.orderId, payer);
    }),
  /** An order with its payments and refunds, after asking the provider about pending payments. */
  status: authedProcedure.input(community.extend({ orderId: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'payment.use');
    return refreshed(ctx, c.id, input.orderId, payerOf(ctx, c.path));
  }),
  cancel: authedProcedure.input(community.extend({ orderId: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'payment.use');
    return cancelOrder(deps(ctx), c.id, input.orderId, payerOf(ctx, c.path));
  }),
  /** The signed-in resident's orders. */
  mine: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'payment.use');
    return myOrders(deps(ctx), c.id, ctx.principal.userId);
  }),
  /** Console: the community's orders, optionally by state. */
  list: authedProcedure
    .input(community.extend({ status: z.enum(orderStates).optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'payment.manage');
      return listOrders(deps(ctx), c.id, { status: input.status });
    }),
  refunds: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'payment.manage');
    return listRefunds(deps(ctx), c.id);
  }),
  /** Console: refunds all (no amount) or part of a paid order; the resident is told in their inbox. */
  refund: authedProcedure
    .input(
      community.extend({
        orderId: z.uuid(),
        amountFen: fen.optional(),
        reason: z.string().trim().max(200).optional(),
        idempotencyKey: key,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'payment.manage');
      const r = await refundOrder(
        deps(ctx),
        c.id,
        input.orderId,
        { amountFen: input.amountFen, reason: input.reason },
        payerOf(ctx, c.path),
        input.idempotencyKey,
      );
      // A refund the provider is still processing stays pending: the resident is told once it has settled here.
      // An order nobody in particular pays (a walk-in parking fee) has nobody to tell.
      if (!r.replayed && r.refund.status === 'succeeded' && r.order.userId) {
        await sendMessages(
          { db: ctx.platform.database.db, adapters: ctx.platform.messageAdapters, crypto: ctx.platform.crypto },
          {
            communityId: c.id,
            userIds: [r.order.userId as string],
            content: {
              titleZh: '退款通知',
              titleEn: 'Refund issued',
              bodyZh: `您的订单“${r.order.subject}”已退款 ¥${yuan(r.refund.amountFen)}，款项将原路退回。`,
              bodyEn: `¥${yuan(r.refund.amountFen)} of your order "${r.order.subject}" was refunded to the original payment method.`,
            },
            channels: ['in_app'],
            sender: 'system',
            templateCode: 'payment.refunded',
          },
        ).catch((err) => ctx.platform.log.warn({ err }, 'refund message failed'));
      }
      return r;
    }),
  /** Console: a provider's bill of one day against the ledger (platform merchant account). */
  reconciliation: authedProcedure
    .input(
      community.extend({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        provider: z.enum(providerIds).default('sandbox'),
      }),
    )
    .query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, 'payment.manage');
      return reconcileDay(deps(ctx), input.provider, input.day);
    }),
});
