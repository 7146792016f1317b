import {
  AppError,
  availability,
  type Booker,
  bookSlot,
  cancelBooking,
  checkIn,
  checkInCode,
  checkInToken,
  confirmBooking,
  formatLocal,
  holdSlot,
  listBookableSpaces,
  listBookings,
  myBookings,
  saveSpaceSettings,
  sendMessages,
} from '@shequ/core';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/);
const settings = z.object({
  enabled: z.boolean(),
  openingHours: z.array(z.array(z.object({ open: hhmm, close: hhmm })).max(6)).length(7),
  slotMinutes: z.number().int().min(15).max(480),
  capacity: z.number().int().min(1).max(100),
  allowedRoles: z.array(z.string().max(32)).max(20),
  maxPerWeek: z.number().int().min(1).max(100).nullable(),
  holdMinutes: z.number().int().min(1).max(120),
  cancelBeforeMinutes: z.number().int().min(0).max(10080),
  advanceDays: z.number().int().min(1).max(90),
  feeFen: z.number().int().min(0).max(100_000_000),
  rules: z.string().trim().max(1000).nullable(),
});

type Authed = Pick<Context, 'platform' | 'meta'> & { principal: NonNullable<Context['principal']> };

/** The caller as a booker: their roles over this community decide the space's "who may book" rule. */
function bookerOf(ctx: Authed, communityPath: string): Booker {
  // The CLI's admin token is no person: it manages spaces but cannot hold a booking.
  if (!/^[0-9a-f-]{36}$/i.test(ctx.principal.userId)) {
    throw new AppError('FORBIDDEN', { zh: '只有登录的用户才能预约', en: 'Only a signed-in person can book' });
  }
  const roles = ctx.principal.grants
    .filter((g) => g.regionPath === null || communityPath.startsWith(g.regionPath))
    .map((g) => g.role);
  return { ...actorOf(ctx), userId: ctx.principal.userId, roles };
}

/** A booking with its check-in QR token and short code (only ever shown to its booker). */
const withCodes = <T extends { id: string; start: string; end: string; status: string }>(ctx: Authed, b: T) => {
  const row = { id: b.id, startsAt: new Date(b.start), endsAt: new Date(b.end) };
  const show = b.status === 'confirmed';
  return {
    ...b,
    checkInToken: show ? checkInToken(ctx.platform.crypto, row) : null,
    checkInCode: show ? checkInCode(ctx.platform.crypto, row) : null,
  };
};

/** A confirmation in the booker's inbox (站内信); a failure here never undoes the booking. */
async function notifyBooked(
  ctx: Authed,
  communityId: string,
  b: { spaceName: string | null; start: string; end: string },
) {
  const when = `${formatLocal(new Date(b.start), 'yyyy-MM-dd HH:mm')}–${formatLocal(new Date(b.end), 'HH:mm')}`;
  await sendMessages(
    { db: ctx.platform.database.db, adapters: ctx.platform.messageAdapters, crypto: ctx.platform.crypto },
    {
      communityId,
      userIds: [ctx.principal.userId],
      content: {
        titleZh: '预约成功',
        titleEn: 'Booking confirmed',
        bodyZh: `您已预约 ${b.spaceName ?? '场地'}，时间 ${when}。请凭签到码到场签到。`,
        bodyEn: `You booked ${b.spaceName ?? 'a space'} for ${when}. Check in with your code on arrival.`,
      },
      channels: ['in_app'],
      sender: 'system',
      templateCode: 'booking.confirmed',
    },
  ).catch((err) => ctx.platform.log.warn({ err }, 'booking confirmation message failed'));
}

export const bookingRouter = router({
  /** Bookable public spaces of the community (for residents: only enabled ones). */
  spaces: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'booking.use');
    return listBookableSpaces(ctx.platform.database.db, c.id, true);
  }),
  /** A day's slots of a space with free/taken. */
  availability: authedProcedure.input(community.extend({ spaceId: z.uuid(), day })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'booking.use');
    return availability(ctx.platform.database.db, c.id, input.spaceId, input.day);
  }),
  /** Holds a slot for the hold minutes; `confirm` makes it a booking. */
  hold: authedProcedure
    .input(community.extend({ spaceId: z.uuid(), start: z.iso.datetime({ offset: true }) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.use');
      return holdSlot(ctx.platform.database.db, c.id, input.spaceId, new Date(input.start), bookerOf(ctx, c.path));
    }),
  confirm: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'booking.use');
    const b = await confirmBooking(ctx.platform.database.db, c.id, input.id, bookerOf(ctx, c.path));
    if (!('repeated' in b)) await notifyBooked(ctx, c.id, b);
    return withCodes(ctx, b);
  }),
  /** Hold and confirm in one step. */
  book: authedProcedure
    .input(
      community.extend({
        spaceId: z.uuid(),
        start: z.iso.datetime({ offset: true }),
        note: z.string().trim().max(200).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.use');
      const b = await bookSlot(
        ctx.platform.database.db,
        c.id,
        input.spaceId,
        new Date(input.start),
        bookerOf(ctx, c.path),
        input.note,
      );
      await notifyBooked(ctx, c.id, b);
      return withCodes(ctx, b);
    }),
  cancel: authedProcedure
    .input(community.extend({ id: z.uuid(), reason: z.string().trim().max(200).optional() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.use');
      return cancelBooking(ctx.platform.database.db, c.id, input.id, bookerOf(ctx, c.path), { reason: input.reason });
    }),
  /** The signed-in user's bookings, with the check-in code of confirmed ones. */
  mine: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'booking.use');
    const list = await myBookings(ctx.platform.database.db, c.id, ctx.principal.userId);
    return list.map((b) => withCodes(ctx, b));
  }),
  /** Console: every public space with its booking settings (null when not bookable yet). */
  allSpaces: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'booking.manage');
    return listBookableSpaces(ctx.platform.database.db, c.id, false);
  }),
  saveSpace: authedProcedure
    .input(community.extend({ spaceId: z.uuid(), settings, expectedVersion: z.number().int().min(0).optional() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.manage');
      return saveSpaceSettings(
        ctx.platform.database.db,
        c.id,
        input.spaceId,
        input.settings,
        actorOf(ctx),
        input.expectedVersion,
      );
    }),
  /** Console: bookings from a day on (default: today), optionally of one space or state. */
  list: authedProcedure
    .input(
      community.extend({
        spaceId: z.uuid().optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        status: z.enum(['held', 'confirmed', 'checked_in', 'cancelled', 'expired', 'no_show']).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.manage');
      const from = input.from ? new Date(input.from) : new Date(Date.now() - 86_400_000);
      return listBookings(ctx.platform.database.db, c.id, { spaceId: input.spaceId, from, status: input.status });
    }),
  /** Staff cancel any active booking, with a reason. */
  cancelAsStaff: authedProcedure
    .input(community.extend({ id: z.uuid(), reason: z.string().trim().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.manage');
      const staff = { ...actorOf(ctx), userId: ctx.principal.userId, roles: [] };
      return cancelBooking(ctx.platform.database.db, c.id, input.id, staff, {
        asStaff: true,
        reason: input.reason,
      });
    }),
  /** Staff check a booker in by the scanned QR token, or by the booking id and the short code. */
  checkIn: authedProcedure
    .input(
      community.extend({
        token: z.string().trim().max(200).optional(),
        bookingId: z.uuid().optional(),
        code: z.string().trim().max(20).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'booking.manage');
      return checkIn(
        { db: ctx.platform.database.db, crypto: ctx.platform.crypto },
        c.id,
        { token: input.token, bookingId: input.bookingId, code: input.code },
        actorOf(ctx),
      );
    }),
});
