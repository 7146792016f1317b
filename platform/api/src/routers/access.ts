import {
  AppError,
  collectParkingFee,
  deleteParkingSpace,
  getFeeRule,
  hasPermission,
  healthMinGroup,
  type Inviter,
  inviteVisitor,
  linkPersonRef,
  listParkingSessions,
  listParkingSpaces,
  listPassRecords,
  listSpaceOccupancies,
  myInvitations,
  revokeInvitation,
  saveFeeRule,
  saveParkingSpace,
  spaceOccupancy,
  syncIntent,
  trafficStats,
  verifyVisitorCode,
  waiveParkingFee,
} from '@shequ/core';
import { providerIds } from '@shequ/db';
import { z } from 'zod';
import { actorOf, baseDeps, communityFor } from '../community.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const at = z.iso.datetime({ offset: true });

type Authed = Pick<Context, 'platform' | 'meta'> & { principal: NonNullable<Context['principal']> };

/**
 * Whether the caller reads the gates' health readings (防疫信息): individual temperatures are L3 health data, under
 * the same permission as the IoT warehouse's checkups (`iot.warehouse.health`, the community admin). Property staff
 * read the passes without them, and the day's fever count only of groups of `healthMinGroup` people or more.
 */
const readsHealth = (ctx: Authed, path: string) => hasPermission(ctx.principal.grants, 'iot.warehouse.health', path);

/** The caller as an inviter: only a signed-in person (not the CLI's admin token) invites visitors. */
function inviterOf(ctx: Authed): Inviter {
  if (!/^[0-9a-f-]{36}$/i.test(ctx.principal.userId)) {
    throw new AppError('FORBIDDEN', { zh: '只有登录的用户才能邀请访客', en: 'Only a signed-in person can invite' });
  }
  return { ...actorOf(ctx), userId: ctx.principal.userId };
}

/** Staff acting on parking fees (payment for the community, by the access.manage permission already checked). */
function staffOf(ctx: Authed) {
  return { ...actorOf(ctx), userId: ctx.principal.userId, staff: true };
}

export const accessRouter = router({
  /** A resident invites a visitor: answers the pass with its QR token and 8-digit code. */
  invite: authedProcedure
    .input(
      community.extend({
        visitorName: z.string().trim().min(1).max(40),
        visitorPhone: z.string().trim().max(20).optional(),
        houseId: z.uuid().optional(),
        validFrom: at,
        validUntil: at,
        maxEntries: z.number().int().min(1).max(20).optional(),
        note: z.string().trim().max(200).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.invite');
      return inviteVisitor(baseDeps(ctx), c.id, inviterOf(ctx), {
        visitorName: input.visitorName,
        visitorPhone: input.visitorPhone,
        houseId: input.houseId,
        validFrom: new Date(input.validFrom),
        validUntil: new Date(input.validUntil),
        maxEntries: input.maxEntries,
        note: input.note,
      });
    }),
  /** The caller's invitations, newest first, with the QR token of active ones. */
  myInvitations: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.invite');
    return myInvitations(baseDeps(ctx), c.id, ctx.principal.userId);
  }),
  revoke: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.invite');
    return revokeInvitation(baseDeps(ctx), c.id, input.id, inviterOf(ctx));
  }),
  /** Staff revoke any active invitation. */
  revokeAsStaff: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.manage');
    const staff = { ...actorOf(ctx), userId: ctx.principal.userId };
    return revokeInvitation(baseDeps(ctx), c.id, input.id, staff, { asStaff: true });
  }),
  /** Staff at a manned gate check a visitor's QR token or code; a refusal answers its reason. */
  verify: authedProcedure
    .input(community.extend({ credential: z.string().trim().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.manage');
      return verifyVisitorCode(baseDeps(ctx), c.id, input.credential, actorOf(ctx));
    }),
  /** Pass records, newest first, paged by keyset (`cursor` from the previous page). */
  passes: authedProcedure
    .input(
      community.extend({
        // Not `direction`: tRPC's infinite queries send their own (`forward`/`backward`) in the input.
        passDirection: z.enum(['in', 'out']).optional(),
        subjectKind: z.enum(['person', 'vehicle', 'visitor', 'unknown']).optional(),
        deviceId: z.uuid().optional(),
        plate: z.string().trim().min(1).max(16).optional(),
        admitted: z.boolean().optional(),
        from: at.optional(),
        to: at.optional(),
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.read');
      return listPassRecords(
        ctx.platform.database.db,
        c.id,
        {
          direction: input.passDirection,
          subjectKind: input.subjectKind,
          deviceId: input.deviceId,
          plate: input.plate,
          admitted: input.admitted,
          from: input.from ? new Date(input.from) : undefined,
          to: input.to ? new Date(input.to) : undefined,
        },
        { cursor: input.cursor ?? undefined, limit: input.limit },
        { health: readsHealth(ctx, c.path) },
      );
    }),
  parkingSessions: authedProcedure
    .input(community.extend({ open: z.boolean().optional(), from: at.optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.read');
      return listParkingSessions(ctx.platform.database.db, c.id, {
        open: input.open,
        from: input.from ? new Date(input.from) : undefined,
      });
    }),
  parkingSpaces: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.read');
    return listParkingSpaces(ctx.platform.database.db, c.id);
  }),
  saveParkingSpace: authedProcedure
    .input(
      community.extend({
        id: z.uuid().optional(),
        code: z.string().trim().min(1).max(32),
        kind: z.enum(['owned', 'rented', 'public']),
        vehicleId: z.uuid().nullable().optional(),
        location: z.string().trim().max(100).nullable().optional(),
        expectedVersion: z.number().int().min(1).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.manage');
      const { community: _, ...space } = input;
      return saveParkingSpace(ctx.platform.database.db, c.id, space, actorOf(ctx));
    }),
  deleteParkingSpace: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.manage');
    return deleteParkingSpace(ctx.platform.database.db, c.id, input.id, actorOf(ctx));
  }),
  feeRule: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.read');
    return getFeeRule(ctx.platform.database.db, c.id);
  }),
  saveFeeRule: authedProcedure
    .input(
      community.extend({
        freeMinutes: z.number().int().min(0).max(1440),
        perHourFen: z.number().int().min(0).max(100_000),
        dailyCapFen: z.number().int().min(0).max(10_000_000),
        expectedVersion: z.number().int().min(0).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.manage');
      const { freeMinutes, perHourFen, dailyCapFen } = input;
      return saveFeeRule(
        ctx.platform.database.db,
        c.id,
        { freeMinutes, perHourFen, dailyCapFen },
        actorOf(ctx),
        input.expectedVersion,
      );
    }),
  /** Staff waive a pending parking fee: its unpaid payment order is cancelled, then the session settled `waived`. */
  waiveParkingFee: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'access.manage');
    return waiveParkingFee(ctx.platform.payment, c.id, input.id, staffOf(ctx));
  }),
  /**
   * The gate or console operator collects a parking fee through the payment service: the session's order is paid
   * with a provider and its code shown to the driver; the capture settles the session (and opens the exit gate).
   */
  collectParkingFee: authedProcedure
    .input(
      community.extend({
        id: z.uuid(),
        provider: z.enum(providerIds).default('sandbox'),
        idempotencyKey: z
          .string()
          .trim()
          .regex(/^[\w.:-]{8,128}$/)
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.manage');
      const staff = staffOf(ctx);
      const started = await collectParkingFee(
        ctx.platform.payment,
        c.id,
        input.id,
        input.provider,
        staff,
        input.idempotencyKey,
      );
      // The sandbox simulates the driver paying at once (real providers hand `payParams` to the gate's screen); the
      // status query settles it without waiting for the signed notification.
      if (input.provider === 'sandbox' && started.intent.status === 'pending') {
        ctx.platform.payment.sandbox.pay(started.intent.outTradeNo);
        await syncIntent(ctx.platform.payment, c.id, started.intent.id, staff);
      }
      return { orderId: started.order.id, intentId: started.intent.id, payParams: started.payParams };
    }),
  /** Staff link what a gate reports for a resident (a face template id, a card number) to the person. */
  linkPersonRef: authedProcedure
    .input(community.extend({ ref: z.string().trim().min(1).max(64), personId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.manage');
      return linkPersonRef(ctx.platform.database.db, c.id, input.ref, input.personId, actorOf(ctx));
    }),
  /**
   * Traffic of a local day for the cockpit: per hour, gate, kind and direction; vehicles inside now; the people flow
   * counted per hour and area where there is no gate (`area` narrows that to one area).
   */
  stats: authedProcedure
    .input(
      community.extend({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        area: z.string().trim().min(1).max(64).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.stats');
      return trafficStats(ctx.platform.database.db, c.id, input.day, {
        minGroup: readsHealth(ctx, c.path) ? undefined : healthMinGroup,
        area: input.area,
      });
    }),
  /** Where vehicles are parked (车辆停放位置): each registered space occupied now and since when, a day's occupancy. */
  spaceOccupancy: authedProcedure
    .input(community.extend({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.read');
      return spaceOccupancy(ctx.platform.database.db, c.id, input.day);
    }),
  /** The parking-space sensors' occupancy sessions with their durations, newest first. */
  spaceOccupancies: authedProcedure
    .input(
      community.extend({
        spaceCode: z.string().trim().min(1).max(32).optional(),
        open: z.boolean().optional(),
        from: at.optional(),
        limit: z.number().int().min(1).max(500).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'access.read');
      return listSpaceOccupancies(ctx.platform.database.db, c.id, {
        spaceCode: input.spaceCode,
        open: input.open,
        from: input.from ? new Date(input.from) : undefined,
        limit: input.limit,
      });
    }),
});
