import { enqueue } from '@shequ/bus';
import { type BookingState, bookings, type Executor, queryRows, spaces, type Tx, withScope } from '@shequ/db';
import { and, asc, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { settingsIn } from './settings.ts';
import { formatLocal, parseDay, slotAt, slotsOfDay, weekOf } from './slots.ts';

/** Who books: a platform user with their roles in the community (for the space's "who may book" rule). */
export interface Booker extends Actor {
  userId: string;
  roles: string[];
}

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });
const active: BookingState[] = ['held', 'confirmed', 'checked_in'];

const sqlState = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
};

/** The exclusion constraint refused an overlapping booking (SQLSTATE 23P01). */
export const isExclusionViolation = (err: unknown) => sqlState(err) === '23P01';

export const slotTaken = (when: string, cause?: unknown) =>
  new AppError('CONFLICT', {
    zh: `该时段（${when}）已被预约，请选择其他时段`,
    en: `This slot (${when}) is already booked; choose another one`,
    cause,
  });

export type BookingRow = typeof bookings.$inferSelect;

/** A booking as clients see it. */
export function bookingView(b: BookingRow, spaceName?: string) {
  const now = Date.now();
  return {
    id: b.id,
    spaceId: b.spaceId,
    spaceName: spaceName ?? null,
    unit: b.unit,
    userId: b.userId,
    start: b.startsAt.toISOString(),
    end: b.endsAt.toISOString(),
    // A hold past its expiry is expired even before the job has swept it.
    status: (b.status === 'held' && b.holdExpiresAt && b.holdExpiresAt.getTime() <= now
      ? 'expired'
      : b.status) as BookingState,
    holdExpiresAt: b.holdExpiresAt?.toISOString() ?? null,
    feeFen: b.feeFen,
    paymentStatus: b.paymentStatus,
    note: b.note,
    createdAt: b.createdAt.toISOString(),
    confirmedAt: b.confirmedAt?.toISOString() ?? null,
    checkedInAt: b.checkedInAt?.toISOString() ?? null,
    cancelledAt: b.cancelledAt?.toISOString() ?? null,
    cancelReason: b.cancelReason,
  };
}
export type BookingView = ReturnType<typeof bookingView>;

async function audit(tx: Tx, actor: Actor, action: string, b: BookingRow, detail: Record<string, unknown> = {}) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `booking.${action}`,
    objectType: 'booking',
    objectId: b.id,
    communityId: b.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { spaceId: b.spaceId, start: b.startsAt.toISOString(), ...detail },
  });
  await enqueue(tx, {
    subject: `shequ.booking.${action}`,
    communityId: b.communityId,
    data: { id: b.id, spaceId: b.spaceId, userId: b.userId, start: b.startsAt.toISOString(), status: b.status },
  });
}

/** Slots of a day with how many units are taken; a hold past its expiry no longer takes a unit. */
export async function availability(db: Executor, communityId: string, spaceId: string, day: string) {
  const d = parseDay(day);
  return withScope(db, scopeOf(communityId), async (tx) => {
    const s = await settingsIn(tx, spaceId);
    const slots = s.enabled ? slotsOfDay(s.openingHours, s.slotMinutes, d) : [];
    const from = d.toJSDate();
    const to = d.plus({ days: 1 }).toJSDate();
    const taken = await tx
      .select({ start: bookings.startsAt, end: bookings.endsAt, status: bookings.status, exp: bookings.holdExpiresAt })
      .from(bookings)
      .where(
        and(
          eq(bookings.spaceId, spaceId),
          inArray(bookings.status, active),
          lt(bookings.startsAt, to),
          gt(bookings.endsAt, from),
        ),
      );
    const now = Date.now();
    const live = taken.filter((b) => b.status !== 'held' || (b.exp?.getTime() ?? 0) > now);
    const lastDay = Date.now() + s.advanceDays * 86_400_000;
    return {
      spaceId,
      name: s.name,
      day,
      capacity: s.capacity,
      feeFen: s.feeFen,
      rules: s.rules,
      slots: slots.map((slot) => {
        const used = live.filter((b) => b.start < slot.end && b.end > slot.start).length;
        const free = Math.max(0, s.capacity - used);
        const bookable = slot.start.getTime() > now && slot.start.getTime() <= lastDay;
        return {
          start: slot.start.toISOString(),
          end: slot.end.toISOString(),
          label: `${formatLocal(slot.start, 'HH:mm')}–${formatLocal(slot.end, 'HH:mm')}`,
          free,
          taken: used,
          status: !bookable ? ('closed' as const) : free > 0 ? ('free' as const) : ('taken' as const),
        };
      }),
    };
  });
}

/**
 * Holds a slot for the booker for the space's hold minutes. The rules are checked here (who may book, how far
 * ahead, how many a week); the database's exclusion constraint makes a second active booking of the same unit and
 * time impossible, and a refusal there answers a clear CONFLICT.
 */
export async function holdSlot(
  db: Executor,
  communityId: string,
  spaceId: string,
  start: Date,
  booker: Booker,
  note?: string,
) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const s = await settingsIn(tx, spaceId);
    if (!s.enabled) throw new AppError('CONFLICT', { zh: '该场地暂停预约', en: 'This space is not open for booking' });
    if (s.allowedRoles.length > 0 && !booker.roles.some((r) => s.allowedRoles.includes(r))) {
      throw new AppError('FORBIDDEN', {
        zh: '您不在该场地的可预约人群内',
        en: 'You are not among who may book this space',
      });
    }
    const slot = slotAt(s.openingHours, s.slotMinutes, start);
    const when = formatLocal(slot.start);
    if (slot.start.getTime() <= Date.now()) {
      throw new AppError('INVALID_INPUT', { zh: '该时段已开始或已过去', en: 'This slot has already started' });
    }
    if (slot.start.getTime() > Date.now() + s.advanceDays * 86_400_000) {
      throw new AppError('INVALID_INPUT', {
        zh: `最多只能提前 ${s.advanceDays} 天预约`,
        en: `Bookings open at most ${s.advanceDays} days ahead`,
      });
    }
    // One booker at a time per space: the weekly count below cannot be raced past its limit.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`booking:${booker.userId}:${spaceId}`}, 0))`);
    // Holds past their expiry stop occupying the slot now, not at the next sweep.
    await tx
      .update(bookings)
      .set({ status: 'expired' })
      .where(
        and(
          eq(bookings.spaceId, spaceId),
          eq(bookings.status, 'held'),
          lt(bookings.holdExpiresAt, new Date()),
          lt(bookings.startsAt, slot.end),
          gt(bookings.endsAt, slot.start),
        ),
      );
    if (s.maxPerWeek !== null) {
      const week = weekOf(slot.start);
      const [{ n }] = await queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from booking.bookings
            where space_id = ${spaceId} and user_id = ${booker.userId}
              and status in ('held','confirmed','checked_in')
              and (status <> 'held' or hold_expires_at > now())
              and starts_at >= ${week.from.toISOString()} and starts_at < ${week.to.toISOString()}`,
      );
      if (Number(n) >= s.maxPerWeek) {
        throw new AppError('CONFLICT', {
          zh: `每人每周最多预约该场地 ${s.maxPerWeek} 次`,
          en: `At most ${s.maxPerWeek} bookings of this space per person per week`,
        });
      }
    }
    const mine = await tx
      .select({ id: bookings.id })
      .from(bookings)
      .where(
        and(
          eq(bookings.spaceId, spaceId),
          eq(bookings.userId, booker.userId),
          inArray(bookings.status, active),
          eq(bookings.startsAt, slot.start),
        ),
      );
    if (mine.length > 0) {
      throw new AppError('CONFLICT', {
        zh: `您已预约过该时段（${when}）`,
        en: `You already booked this slot (${when})`,
      });
    }
    const holdExpiresAt = new Date(Date.now() + s.holdMinutes * 60_000);
    // Try the units in order; a unit another booking took first is refused by the constraint (in a savepoint).
    let row: BookingRow | undefined;
    let lastErr: unknown;
    const used = await tx
      .select({ unit: bookings.unit })
      .from(bookings)
      .where(
        and(
          eq(bookings.spaceId, spaceId),
          inArray(bookings.status, active),
          lt(bookings.startsAt, slot.end),
          gt(bookings.endsAt, slot.start),
        ),
      );
    const taken = new Set(used.map((u) => u.unit));
    for (let unit = 1; unit <= s.capacity && !row; unit++) {
      if (taken.has(unit)) continue;
      try {
        [row] = await tx.transaction((sp) =>
          sp
            .insert(bookings)
            .values({
              communityId,
              spaceId,
              unit,
              userId: booker.userId,
              startsAt: slot.start,
              endsAt: slot.end,
              status: 'held',
              holdExpiresAt,
              feeFen: s.feeFen,
              paymentStatus: s.feeFen > 0 ? 'pending' : 'not_required',
              note: note?.trim() || null,
            })
            .returning(),
        );
      } catch (err) {
        if (!isExclusionViolation(err)) throw err;
        lastErr = err;
      }
    }
    if (!row) throw slotTaken(when, lastErr);
    await audit(tx, booker, 'held', row, { unit: row.unit });
    return bookingView(row, s.name);
  });
}

async function lockBooking(tx: Tx, id: string) {
  const [b] = await tx.select().from(bookings).where(eq(bookings.id, id)).for('update');
  if (!b) throw notFound('Booking', '预约');
  return b;
}

/**
 * Confirms the booker's own hold before it expires. A space with a fee confirms with payment `pending`: the payment
 * service (not built yet) settles it; until then staff collect the fee at check-in.
 */
export async function confirmBooking(db: Executor, communityId: string, id: string, booker: Booker) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const b = await lockBooking(tx, id);
    if (b.userId !== booker.userId) throw forbidden('confirming another person’s booking');
    // A repeated confirm answers the booking again (and the caller sends no second notice).
    if (b.status === 'confirmed') return { ...bookingView(b), repeated: true };
    if (b.status !== 'held' || !b.holdExpiresAt || b.holdExpiresAt.getTime() <= Date.now()) {
      throw new AppError('CONFLICT', {
        zh: '保留时间已过，请重新预约',
        en: 'The hold has expired; book the slot again',
      });
    }
    const [row] = await tx
      .update(bookings)
      .set({ status: 'confirmed', confirmedAt: new Date(), holdExpiresAt: null })
      .where(eq(bookings.id, id))
      .returning();
    await audit(tx, booker, 'confirmed', row, { feeFen: row.feeFen, paymentStatus: row.paymentStatus });
    return bookingView(row, (await settingsIn(tx, row.spaceId)).name);
  });
}

/** Holds and confirms in one step (what the resident page and the bridge do). */
export async function bookSlot(
  db: Executor,
  communityId: string,
  spaceId: string,
  start: Date,
  booker: Booker,
  note?: string,
) {
  const held = await holdSlot(db, communityId, spaceId, start, booker, note);
  return { ...(await confirmBooking(db, communityId, held.id, booker)), spaceName: held.spaceName };
}

/**
 * Cancels a booking. The booker may cancel a hold any time and a confirmed booking until the space's cancellation
 * deadline; staff (`asStaff`) may cancel any active booking, with a reason.
 */
export async function cancelBooking(
  db: Executor,
  communityId: string,
  id: string,
  who: Booker,
  opts: { asStaff?: boolean; reason?: string } = {},
) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const b = await lockBooking(tx, id);
    if (!opts.asStaff && b.userId !== who.userId) throw forbidden('cancelling another person’s booking');
    if (b.status !== 'held' && b.status !== 'confirmed') {
      throw new AppError('CONFLICT', {
        zh: '该预约已结束或已取消，不能再取消',
        en: `A booking that is ${b.status} cannot be cancelled`,
      });
    }
    if (!opts.asStaff && b.status === 'confirmed') {
      const s = await settingsIn(tx, b.spaceId);
      const deadline = b.startsAt.getTime() - s.cancelBeforeMinutes * 60_000;
      if (Date.now() > deadline) {
        throw new AppError('CONFLICT', {
          zh: `已超过取消期限（开始前 ${s.cancelBeforeMinutes} 分钟），请联系管理员`,
          en: `Too late to cancel: the deadline is ${s.cancelBeforeMinutes} minutes before the start; ask the staff`,
        });
      }
    }
    const [row] = await tx
      .update(bookings)
      .set({
        status: 'cancelled',
        cancelledAt: new Date(),
        cancelledBy: who.userId,
        cancelReason: opts.reason?.trim() || null,
        holdExpiresAt: null,
        // Nothing was collected yet (payment is pending at most): nothing to refund.
        paymentStatus: b.paymentStatus === 'pending' ? 'waived' : b.paymentStatus,
      })
      .where(eq(bookings.id, id))
      .returning();
    await audit(tx, who, 'cancelled', row, { byStaff: !!opts.asStaff, reason: row.cancelReason });
    return bookingView(row);
  });
}

/**
 * The seam for the payment service: when it captures or fully refunds a booking's order (`orderForBooking`) it calls
 * this in the payment's transaction; staff may waive a fee. Only these moves are allowed: pending → paid | waived,
 * paid → refunded.
 */
export async function settleBookingPayment(
  db: Executor,
  communityId: string,
  id: string,
  to: 'paid' | 'refunded' | 'waived',
  actor: Actor,
) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const b = await lockBooking(tx, id);
    const allowed =
      (b.paymentStatus === 'pending' && to !== 'refunded') || (b.paymentStatus === 'paid' && to === 'refunded');
    if (!allowed) {
      throw new AppError('CONFLICT', {
        zh: `预约费用状态为“${b.paymentStatus}”，不能改为“${to}”`,
        en: `The booking's payment is ${b.paymentStatus}; it cannot become ${to}`,
      });
    }
    const [row] = await tx.update(bookings).set({ paymentStatus: to }).where(eq(bookings.id, id)).returning();
    await audit(tx, actor, `payment_${to}`, row, { feeFen: row.feeFen });
    return bookingView(row);
  });
}

/** The user's bookings in a community, upcoming first then the past (newest first). */
export async function myBookings(db: Executor, communityId: string, userId: string) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select({ b: bookings, name: spaces.name })
      .from(bookings)
      .innerJoin(spaces, eq(spaces.id, bookings.spaceId))
      .where(and(eq(bookings.communityId, communityId), eq(bookings.userId, userId)))
      .orderBy(desc(bookings.startsAt))
      .limit(200);
    const now = Date.now();
    const views = rows.map((r) => bookingView(r.b, r.name));
    const upcoming = views.filter((v) => new Date(v.end).getTime() > now).reverse();
    const past = views.filter((v) => new Date(v.end).getTime() <= now);
    return [...upcoming, ...past];
  });
}

/** Staff view: bookings of a community (optionally one space) from a day on. */
export async function listBookings(
  db: Executor,
  communityId: string,
  opts: { spaceId?: string; from?: Date; status?: BookingState; limit?: number } = {},
) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select({ b: bookings, name: spaces.name })
      .from(bookings)
      .innerJoin(spaces, eq(spaces.id, bookings.spaceId))
      .where(
        and(
          eq(bookings.communityId, communityId),
          opts.spaceId ? eq(bookings.spaceId, opts.spaceId) : undefined,
          opts.from ? gt(bookings.endsAt, opts.from) : undefined,
          opts.status ? eq(bookings.status, opts.status) : undefined,
        ),
      )
      .orderBy(asc(bookings.startsAt), asc(bookings.unit))
      .limit(Math.min(opts.limit ?? 200, 500));
    return rows.map((r) => bookingView(r.b, r.name));
  });
}

/**
 * Expires holds past their time, across communities, a batch at a time. `FOR UPDATE SKIP LOCKED` lets several
 * workers (or processes) sweep at once without waiting on each other or on a hold being confirmed right now.
 */
export async function expireHolds(db: Executor, limit = 500): Promise<number> {
  return withScope(db, { kind: 'all' }, async (tx) => {
    const rows = await queryRows<{
      id: string;
      community_id: string;
      space_id: string;
      user_id: string;
      starts_at: Date;
    }>(
      tx,
      sql`with due as (
            select id from booking.bookings
            where status = 'held' and hold_expires_at <= now()
            order by hold_expires_at
            limit ${limit}
            for update skip locked
          )
          update booking.bookings b set status = 'expired'
          from due where b.id = due.id
          returning b.id, b.community_id, b.space_id, b.user_id, b.starts_at`,
    );
    if (rows.length > 0) {
      await enqueue(
        tx,
        rows.map((r) => ({
          subject: 'shequ.booking.expired',
          communityId: r.community_id,
          data: { id: r.id, spaceId: r.space_id, userId: r.user_id, start: new Date(r.starts_at).toISOString() },
        })),
      );
    }
    return rows.length;
  });
}

/** Confirmed bookings whose slot ended without a check-in become `no_show` (same batching as the holds). */
export async function markNoShows(db: Executor, limit = 500): Promise<number> {
  return withScope(db, { kind: 'all' }, async (tx) => {
    const rows = await queryRows<{ id: string; community_id: string; space_id: string; user_id: string }>(
      tx,
      sql`with due as (
            select id from booking.bookings
            where status = 'confirmed' and ends_at <= now()
            limit ${limit}
            for update skip locked
          )
          update booking.bookings b set status = 'no_show'
          from due where b.id = due.id
          returning b.id, b.community_id, b.space_id, b.user_id`,
    );
    if (rows.length > 0) {
      await enqueue(
        tx,
        rows.map((r) => ({
          subject: 'shequ.booking.no_show',
          communityId: r.community_id,
          data: { id: r.id, spaceId: r.space_id, userId: r.user_id },
        })),
      );
    }
    return rows.length;
  });
}

/** Polls for expired holds every `intervalMs` until stopped. */
export function startHoldExpiry(db: Executor, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}) {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(() =>
      expireHolds(db)
        .then(() => markNoShows(db))
        .catch((err) => opts.onError?.(err)),
    );
  }, opts.intervalMs ?? 15_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
