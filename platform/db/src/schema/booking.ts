import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { spaces } from './base.ts';

/**
 * Space booking (DB33 7.4.7): public spaces of the base warehouse made bookable, and their bookings. Double booking
 * is prevented by the database: an exclusion constraint (btree_gist, migration 0022) over (space, unit, time range)
 * for the active states.
 */
export const bookingSchema = pgSchema('booking');

/** A PostgreSQL `tstzrange`, read and written as its text form `[from,to)`. */
export const tstzrange = customType<{ data: string; driverData: string }>({
  dataType: () => 'tstzrange',
});

/** Opening hours for one weekday as `HH:mm` pairs in Asia/Shanghai; index 0 is Monday … 6 Sunday. */
export type OpeningHours = { open: string; close: string }[][];

export const bookingStates = ['held', 'confirmed', 'checked_in', 'cancelled', 'expired', 'no_show'] as const;
export type BookingState = (typeof bookingStates)[number];
/** States that occupy a slot: the exclusion constraint applies to them. */
export const activeBookingStates = ['held', 'confirmed', 'checked_in'] as const;

/** A booking with a fee waits in `pending` until the payment service settles its order (paid, then maybe refunded). */
export const paymentStates = ['not_required', 'pending', 'paid', 'refunded', 'waived'] as const;
export type PaymentState = (typeof paymentStates)[number];

/** Booking settings of a public space (base.spaces); the space itself stays in the base warehouse. */
export const bookableSpaces = bookingSchema.table(
  'spaces',
  {
    spaceId: uuid('space_id')
      .primaryKey()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    communityId: uuid('community_id').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    openingHours: jsonb('opening_hours').$type<OpeningHours>().notNull(),
    slotMinutes: integer('slot_minutes').notNull(),
    /** How many bookings a slot takes at once (seats, courts, rooms): each booking occupies one unit. */
    capacity: integer('capacity').notNull().default(1),
    /** Roles that may book (empty: everyone of the community). */
    allowedRoles: text('allowed_roles').array().notNull().default(sql`'{}'::text[]`),
    /** Active bookings per person per ISO week (Asia/Shanghai); null: no limit. */
    maxPerWeek: integer('max_per_week'),
    holdMinutes: integer('hold_minutes').notNull().default(10),
    /** A resident may cancel until this many minutes before the start. */
    cancelBeforeMinutes: integer('cancel_before_minutes').notNull().default(120),
    /** How far ahead a slot may be booked. */
    advanceDays: integer('advance_days').notNull().default(14),
    feeFen: bigint('fee_fen', { mode: 'number' }).notNull().default(0),
    rules: text('rules'),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('booking_spaces_community_idx').on(t.communityId),
    check('spaces_slot_minutes', sql`${t.slotMinutes} between 15 and 480`),
    check('spaces_capacity', sql`${t.capacity} between 1 and 100`),
    check('spaces_hold_minutes', sql`${t.holdMinutes} between 1 and 120`),
    check('spaces_cancel_before', sql`${t.cancelBeforeMinutes} between 0 and 10080`),
    check('spaces_advance_days', sql`${t.advanceDays} between 1 and 90`),
    check('spaces_max_per_week', sql`${t.maxPerWeek} is null or ${t.maxPerWeek} between 1 and 100`),
    check('spaces_fee', sql`${t.feeFen} between 0 and 100000000`),
  ],
);

export const bookings = bookingSchema.table(
  'bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => bookableSpaces.spaceId, { onDelete: 'cascade' }),
    /** Which unit of the space's capacity this booking occupies (1 … capacity). */
    unit: integer('unit').notNull().default(1),
    userId: uuid('user_id').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    /** `[starts_at, ends_at)`, kept by the database: what the exclusion constraint compares. */
    during: tstzrange('during').generatedAlwaysAs(sql`tstzrange(starts_at, ends_at, '[)')`),
    status: text('status').$type<BookingState>().notNull(),
    holdExpiresAt: timestamp('hold_expires_at', { withTimezone: true }),
    feeFen: bigint('fee_fen', { mode: 'number' }).notNull().default(0),
    paymentStatus: text('payment_status').$type<PaymentState>().notNull().default('not_required'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    checkedInAt: timestamp('checked_in_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    cancelledBy: text('cancelled_by'),
    cancelReason: text('cancel_reason'),
  },
  (t) => [
    index('bookings_space_start_idx').on(t.spaceId, t.startsAt),
    index('bookings_user_idx').on(t.userId, t.startsAt),
    index('bookings_hold_idx').on(t.holdExpiresAt).where(sql`status = 'held'`),
    check('bookings_status', sql`${t.status} in ('held','confirmed','checked_in','cancelled','expired','no_show')`),
    check('bookings_payment_status', sql`${t.paymentStatus} in ('not_required','pending','paid','refunded','waived')`),
    check('bookings_unit', sql`${t.unit} >= 1`),
    check('bookings_range', sql`${t.endsAt} > ${t.startsAt}`),
    check('bookings_hold_expiry', sql`${t.status} <> 'held' or ${t.holdExpiresAt} is not null`),
    check('bookings_fee', sql`${t.feeFen} >= 0`),
  ],
);
