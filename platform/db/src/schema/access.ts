import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { houses, people, vehicles } from './base.ts';

/**
 * People and vehicle access (DB33 7.2.4.2 通行场景库, 7.4.8 交通场景应用): pass records from the gates, visitor
 * passes, parking spaces and the parking sessions of temporary vehicles with their fees. Pass records are
 * append-only (migration `_security`); one open parking session per plate is a partial unique index.
 */
export const accessSchema = pgSchema('access');

export const passDirections = ['in', 'out'] as const;
export type PassDirection = (typeof passDirections)[number];
export const subjectKinds = ['person', 'vehicle', 'visitor', 'unknown'] as const;
export type SubjectKind = (typeof subjectKinds)[number];
export const passMethods = ['face', 'card', 'qr', 'password', 'remote', 'plate'] as const;
export type PassMethod = (typeof passMethods)[number];
export const visitorPassStates = ['active', 'revoked', 'used_up'] as const;
export type VisitorPassState = (typeof visitorPassStates)[number];
export const parkingSpaceKinds = ['owned', 'rented', 'public'] as const;
export type ParkingSpaceKind = (typeof parkingSpaceKinds)[number];
/** Payment is another service: a session with a fee waits in `pending` until it settles it. */
export const parkingPaymentStates = ['open', 'not_required', 'pending', 'paid', 'waived'] as const;
export type ParkingPaymentState = (typeof parkingPaymentStates)[number];

/**
 * What a gate reports as "who" (a face template id, a card number) mapped to a person of the base warehouse. The
 * device never sees an ID number and none is stored here.
 */
export const personRefs = accessSchema.table(
  'person_refs',
  {
    communityId: uuid('community_id').notNull(),
    ref: text('ref').notNull(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.ref] }), index('person_refs_person_idx').on(t.personId)],
);

export const visitorPasses = accessSchema.table(
  'visitor_passes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    inviterUserId: uuid('inviter_user_id').notNull(),
    houseId: uuid('house_id').references(() => houses.id, { onDelete: 'set null' }),
    visitorName: text('visitor_name').notNull(),
    /** Only the mask is kept: the gate needs no phone number, the inviter knows it. */
    visitorPhoneMasked: text('visitor_phone_masked'),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    maxEntries: integer('max_entries').notNull().default(1),
    entries: integer('entries').notNull().default(0),
    status: text('status').$type<VisitorPassState>().notNull().default('active'),
    /** A short code to type at the gate (8 digits), unique among the active passes of a community. */
    code: text('code').notNull(),
    /** SHA-256 of the signed QR token: the token itself is a bearer credential and is never stored. */
    tokenDigest: text('token_digest').notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
  },
  (t) => [
    index('visitor_passes_inviter_idx').on(t.inviterUserId, t.createdAt),
    index('visitor_passes_community_idx').on(t.communityId, t.validUntil),
    uniqueIndex('visitor_passes_token_uq').on(t.tokenDigest),
    uniqueIndex('visitor_passes_code_uq').on(t.communityId, t.code).where(sql`status = 'active'`),
    check('visitor_passes_status', sql`${t.status} in ('active','revoked','used_up')`),
    check('visitor_passes_window', sql`${t.validUntil} > ${t.validFrom}`),
    check(
      'visitor_passes_entries',
      sql`${t.maxEntries} between 1 and 20 and ${t.entries} between 0 and ${t.maxEntries}`,
    ),
  ],
);

export const passRecords = accessSchema.table(
  'pass_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    gateKind: text('gate_kind').$type<'people' | 'vehicle'>().notNull(),
    direction: text('direction').$type<PassDirection>().notNull(),
    passedAt: timestamp('passed_at', { withTimezone: true }).notNull(),
    subjectKind: text('subject_kind').$type<SubjectKind>().notNull(),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'set null' }),
    vehicleId: uuid('vehicle_id').references(() => vehicles.id, { onDelete: 'set null' }),
    visitorPassId: uuid('visitor_pass_id').references(() => visitorPasses.id, { onDelete: 'set null' }),
    plate: text('plate'),
    method: text('method').$type<PassMethod>().notNull(),
    /** False when the platform refused (an expired or used-up visitor code): the reason says why. */
    admitted: boolean('admitted').notNull().default(true),
    refusal: text('refusal'),
    /** The device's Alink message id: a redelivered event records nothing twice. */
    messageId: text('message_id').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('pass_records_message_uq').on(t.deviceId, t.messageId),
    // Keyset paging of the console list: newest first, id as the tie breaker.
    index('pass_records_time_idx').on(t.communityId, t.passedAt, t.id),
    index('pass_records_plate_idx').on(t.communityId, t.plate, t.passedAt),
    check('pass_records_direction', sql`${t.direction} in ('in','out')`),
    check('pass_records_gate_kind', sql`${t.gateKind} in ('people','vehicle')`),
    check('pass_records_subject', sql`${t.subjectKind} in ('person','vehicle','visitor','unknown')`),
    check('pass_records_method', sql`${t.method} in ('face','card','qr','password','remote','plate')`),
    check('pass_records_refusal', sql`${t.admitted} or ${t.refusal} is not null`),
  ],
);

/**
 * The epidemic-prevention reading of a people-gate pass (DB33 7.2.2.2.1 防疫信息): the body temperature the gate
 * measured. Individual health data (L3) kept apart from `pass_records` so that no read of pass records (the console
 * list, the apps' bridge, exports) carries it unless it joins this table, which only callers with the health
 * permission do. A plain numeric, not a field-crypto cipher, because the day statistics count fevers in SQL (as the
 * IoT warehouse keeps kiosk checkups); append-only and under row-level security like the pass records (`_security`).
 */
export const passHealth = accessSchema.table(
  'pass_health',
  {
    passRecordId: uuid('pass_record_id')
      .primaryKey()
      .references(() => passRecords.id, { onDelete: 'cascade' }),
    communityId: uuid('community_id').notNull(),
    /** The pass's time, repeated for the day statistics' index. */
    passedAt: timestamp('passed_at', { withTimezone: true }).notNull(),
    /** °C as the gate reported it, within the thing model's bounds (30–45). */
    temperature: numeric('temperature', { precision: 4, scale: 2, mode: 'number' }).notNull(),
  },
  (t) => [
    index('pass_health_time_idx').on(t.communityId, t.passedAt),
    check('pass_health_temperature', sql`${t.temperature} between 30 and 45`),
  ],
);

export const parkingSpaces = accessSchema.table(
  'parking_spaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    code: text('code').notNull(),
    kind: text('kind').$type<ParkingSpaceKind>().notNull(),
    vehicleId: uuid('vehicle_id').references(() => vehicles.id, { onDelete: 'set null' }),
    location: text('location'),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('parking_spaces_code_uq').on(t.communityId, t.code),
    index('parking_spaces_vehicle_idx').on(t.vehicleId),
    check('parking_spaces_kind', sql`${t.kind} in ('owned','rented','public')`),
  ],
);

/** The fee rule of a community's temporary parking: free minutes, then per started hour, capped per local day. */
export const parkingFeeRules = accessSchema.table(
  'fee_rules',
  {
    communityId: uuid('community_id').primaryKey(),
    freeMinutes: integer('free_minutes').notNull().default(30),
    perHourFen: bigint('per_hour_fen', { mode: 'number' }).notNull().default(500),
    dailyCapFen: bigint('daily_cap_fen', { mode: 'number' }).notNull().default(5000),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('fee_rules_free', sql`${t.freeMinutes} between 0 and 1440`),
    check('fee_rules_hour', sql`${t.perHourFen} between 0 and 100000`),
    check('fee_rules_cap', sql`${t.dailyCapFen} between 0 and 10000000`),
  ],
);

export type FeeRule = Pick<typeof parkingFeeRules.$inferSelect, 'freeMinutes' | 'perHourFen' | 'dailyCapFen'>;

export const parkingSessions = accessSchema.table(
  'parking_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    plate: text('plate').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    exitedAt: timestamp('exited_at', { withTimezone: true }),
    entryRecordId: uuid('entry_record_id').references(() => passRecords.id),
    exitRecordId: uuid('exit_record_id').references(() => passRecords.id),
    feeFen: bigint('fee_fen', { mode: 'number' }),
    /** The rule the fee was computed with, as it was at exit. */
    rule: jsonb('rule').$type<FeeRule>(),
    paymentStatus: text('payment_status').$type<ParkingPaymentState>().notNull().default('open'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('parking_sessions_open_uq').on(t.communityId, t.plate).where(sql`exited_at is null`),
    index('parking_sessions_time_idx').on(t.communityId, t.enteredAt),
    check('parking_sessions_range', sql`${t.exitedAt} is null or ${t.exitedAt} >= ${t.enteredAt}`),
    check('parking_sessions_fee', sql`${t.feeFen} is null or ${t.feeFen} >= 0`),
    check(
      'parking_sessions_payment',
      sql`${t.paymentStatus} in ('open','not_required','pending','paid','waived') and ((${t.exitedAt} is null) = (${t.paymentStatus} = 'open'))`,
    ),
  ],
);

/**
 * People flow counted where there is no gate (DB33 6.2.1.1: public spaces, units without a gate): one row per
 * `count` event of a people counter (millimetre-wave radar, people-counting camera), the people in and out of an area
 * in the interval ending at the event's time, and the occupancy the device reported with it. Append-only, like the
 * pass records; a redelivered event records nothing twice (device and message id).
 */
export const flowCounts = accessSchema.table(
  'flow_counts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    area: text('area').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    inCount: integer('in_count').notNull(),
    outCount: integer('out_count').notNull(),
    /** People in the area at the period's end, when the device reports it. */
    occupancy: integer('occupancy'),
    messageId: text('message_id').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('flow_counts_message_uq').on(t.deviceId, t.messageId),
    index('flow_counts_time_idx').on(t.communityId, t.periodStart),
    index('flow_counts_area_idx').on(t.communityId, t.area, t.periodEnd),
    check('flow_counts_counts', sql`${t.inCount} >= 0 and ${t.outCount} >= 0`),
    check('flow_counts_occupancy', sql`${t.occupancy} is null or ${t.occupancy} >= 0`),
    check('flow_counts_period', sql`${t.periodEnd} > ${t.periodStart}`),
  ],
);

/**
 * Where vehicles are parked (DB33 6.2.1.2 车辆停放位置): a parking-space sensor's (地磁) `arrive` opens the space's
 * occupancy and its `leave` closes it. One open occupancy per space (partial unique index); the space code is kept
 * beside the register's id so a session outlives the space's removal from the register.
 */
export const spaceOccupancies = accessSchema.table(
  'space_occupancies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    spaceId: uuid('space_id').references(() => parkingSpaces.id, { onDelete: 'set null' }),
    spaceCode: text('space_code').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    arrivedAt: timestamp('arrived_at', { withTimezone: true }).notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
    arriveMessageId: text('arrive_message_id').notNull(),
    leaveMessageId: text('leave_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('space_occupancies_arrive_uq').on(t.deviceId, t.arriveMessageId),
    uniqueIndex('space_occupancies_open_uq').on(t.communityId, t.spaceCode).where(sql`left_at is null`),
    index('space_occupancies_time_idx').on(t.communityId, t.arrivedAt),
    index('space_occupancies_space_idx').on(t.communityId, t.spaceCode, t.arrivedAt),
    check('space_occupancies_range', sql`${t.leftAt} is null or ${t.leftAt} >= ${t.arrivedAt}`),
    check('space_occupancies_leave', sql`(${t.leftAt} is null) = (${t.leaveMessageId} is null)`),
  ],
);
