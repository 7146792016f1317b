import { leaderboard, ledgerCheck, pointsOf, reverseTransfer, transferPoints } from '@shequ/core';
import { z } from 'zod';
import { communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const kind = z.enum(['points', 'time']).default('points');

export const pointsRouter = router({
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
  leaderboard: authedProcedure.input(community.extend({ kind })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    return leaderboard(ctx.platform.database.db, c.id, input.kind);
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
