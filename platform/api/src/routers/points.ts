import {
  closeRedemption,
  householdAccounts,
  leaderboard,
  ledgerCheck,
  listEarningRules,
  listRedemptions,
  listShopItems,
  myRedemptions,
  pointsOf,
  redeemItem,
  reverseTransfer,
  saveEarningRule,
  saveShopItem,
  transferPoints,
} from '@shequ/core';
import { earningTriggers, users } from '@shequ/db';
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** 王秀英 → 王**: residents see who leads, not who exactly. */
const maskName = (name: string) => `${[...name][0] ?? ''}**`;
const kind = z.enum(['points', 'time']).default('points');
const shopActor = (ctx: Parameters<typeof actorOf>[0]) => {
  const a = actorOf(ctx);
  return { userId: a.subject, role: a.role, ip: a.ip, requestId: a.requestId };
};

/** 积分商城: items, redemptions by residents, hand-over and cancellation at the service desk. */
const shopRouter = router({
  items: authedProcedure.input(community.extend({ all: z.boolean().optional() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, input.all ? 'points.manage' : 'profile.read');
    return listShopItems(ctx.platform.database.db, c.id, { all: input.all });
  }),
  save: authedProcedure
    .input(
      community.extend({
        id: z.uuid().optional(),
        version: z.number().int().min(0).optional(),
        name: z.string().trim().min(1).max(60),
        nameEn: z.string().trim().max(60).nullish(),
        description: z.string().trim().max(300).optional(),
        price: z.number().int().min(1).max(1_000_000),
        stock: z.number().int().min(0).max(1_000_000),
        active: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      const { community: _, ...item } = input;
      return saveShopItem(ctx.platform.database.db, c.id, item, shopActor(ctx));
    }),
  redeem: authedProcedure
    .input(
      community.extend({
        itemId: z.uuid(),
        quantity: z.number().int().min(1).max(10).default(1),
        idempotencyKey: z.string().regex(/^[\w:.-]{1,100}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'profile.read');
      return redeemItem(ctx.platform.database.db, {
        communityId: c.id,
        userId: ctx.principal.userId,
        itemId: input.itemId,
        quantity: input.quantity,
        idempotencyKey: input.idempotencyKey,
      });
    }),
  mine: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    return myRedemptions(ctx.platform.database.db, c.id, ctx.principal.userId);
  }),
  redemptions: authedProcedure
    .input(community.extend({ state: z.enum(['placed', 'fulfilled', 'cancelled']).optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      return listRedemptions(ctx.platform.database.db, c.id, input.state);
    }),
  close: authedProcedure
    .input(
      community.extend({
        pickupCode: z
          .string()
          .trim()
          .regex(/^\d{6}$/),
        outcome: z.enum(['fulfilled', 'cancelled']),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      return closeRedemption(ctx.platform.database.db, c.id, input.pickupCode, input.outcome, shopActor(ctx));
    }),
});

/** 积分规则: what earns points or time-bank minutes in the community (check-ins at chosen spaces, closed reports). */
const rulesRouter = router({
  list: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'points.manage');
    return listEarningRules(ctx.platform.database.db, c.id);
  }),
  save: authedProcedure
    .input(
      community.extend({
        id: z.uuid().optional(),
        version: z.number().int().min(0).optional(),
        name: z.string().trim().min(1).max(40),
        nameEn: z.string().trim().max(60).nullish(),
        trigger: z.enum(earningTriggers),
        spaceIds: z.array(z.uuid()).max(50).optional(),
        eventTypes: z
          .array(z.string().regex(/^[\w.-]{1,64}$/))
          .max(50)
          .optional(),
        kind,
        amount: z.number().int().min(1).max(10_000),
        dailyCap: z.number().int().min(1).max(100).nullish(),
        enabled: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      const { community: _, ...rule } = input;
      return saveEarningRule(ctx.platform.database.db, c.id, rule, shopActor(ctx));
    }),
});

export const pointsRouter = router({
  shop: shopRouter,
  rules: rulesRouter,
  /** The signed-in user's balance and latest entries in a community (积分 or 时间银行). */
  mine: authedProcedure
    .input(community.extend({ kind, before: z.number().int().positive().optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'profile.read');
      return pointsOf(
        ctx.platform.database.db,
        c.id,
        input.kind,
        { type: 'user', id: ctx.principal.userId },
        { before: input.before },
      );
    }),
  /** The top balances with names masked for residents (王**), and which row is the caller's. */
  leaderboard: authedProcedure.input(community.extend({ kind })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    const rows = await leaderboard(ctx.platform.database.db, c.id, input.kind);
    const ids = rows.map((r) => r.userId).filter((id) => uuidRe.test(id));
    const names = ids.length
      ? await ctx.platform.database.db
          .select({ id: users.id, name: users.displayName })
          .from(users)
          .where(inArray(users.id, ids))
      : [];
    const nameOf = new Map(names.map((n) => [n.id, n.name]));
    return rows.map((r, i) => ({
      rank: i + 1,
      name: maskName(nameOf.get(r.userId) ?? '居民'),
      balance: r.balance,
      me: r.userId === ctx.principal.userId,
    }));
  }),
  /** Staff award points from the community pool (an idempotency key makes a retry safe). */
  award: authedProcedure
    .input(
      community.extend({
        kind,
        userId: z.uuid(),
        amount: z.number().int().min(1).max(1_000_000),
        reason: z.string().trim().min(1).max(200),
        idempotencyKey: z.string().regex(/^[\w:.-]{1,128}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      return transferPoints(
        ctx.platform.database.db,
        {
          communityId: c.id,
          kind: input.kind,
          from: { type: 'pool', id: 'community' },
          to: { type: 'user', id: input.userId },
          amount: input.amount,
          reason: input.reason,
          idempotencyKey: input.idempotencyKey,
        },
        ctx.principal.userId,
      );
    }),
  /** 时间银行: the family members (same house, with a platform account) the resident can give hours to. */
  family: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    return householdAccounts({ db: ctx.platform.database.db, crypto: ctx.platform.crypto }, c.id, ctx.principal.userId);
  }),
  /** Residents give points or time-bank hours to someone else in the community (family, neighbours). */
  give: authedProcedure
    .input(
      community.extend({
        kind,
        toUserId: z.uuid(),
        amount: z.number().int().min(1).max(1_000_000),
        reason: z.string().trim().min(1).max(200),
        idempotencyKey: z.string().regex(/^[\w:.-]{1,128}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'profile.read');
      return transferPoints(
        ctx.platform.database.db,
        {
          communityId: c.id,
          kind: input.kind,
          from: { type: 'user', id: ctx.principal.userId },
          to: { type: 'user', id: input.toUserId },
          amount: input.amount,
          reason: input.reason,
          idempotencyKey: `${ctx.principal.userId}:${input.idempotencyKey}`,
        },
        ctx.principal.userId,
      );
    }),
  reverse: authedProcedure
    .input(community.extend({ transferId: z.uuid(), reason: z.string().trim().min(1).max(150) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'points.manage');
      return reverseTransfer(ctx.platform.database.db, c.id, input.transferId, input.reason, ctx.principal.userId);
    }),
  check: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'points.manage');
    return ledgerCheck(ctx.platform.database.db, c.id);
  }),
});
