import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Points and the time bank (DB33 7.4.2) as a double-entry ledger: every transfer moves an amount from one account to
 * another, writes two entries that sum to zero, and is never changed afterwards (corrections are reversing transfers).
 */
export const pointsSchema = pgSchema('points');

export const ledgerKinds = ['points', 'time'] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

/** An account per owner and kind in a community; the community's `pool` issues points and takes them back. */
export const pointAccounts = pointsSchema.table(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    kind: text('kind').$type<LedgerKind>().notNull(),
    /** `user` (a platform account), `pool` (the community's issuer), `shop` (redemptions) … */
    ownerType: text('owner_type').notNull(),
    ownerId: text('owner_id').notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    /** How far below zero the account may go: 0 for people, the issuing limit for the pool. */
    creditLimit: bigint('credit_limit', { mode: 'number' }).notNull().default(0),
    version: integer('version').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('accounts_owner_uq').on(t.communityId, t.kind, t.ownerType, t.ownerId),
    check('accounts_kind_check', sql`${t.kind} in ('points','time')`),
    // The database, not the service, guarantees that no account goes below its credit limit.
    check('accounts_no_overdraft', sql`${t.balance} + ${t.creditLimit} >= 0`),
    check('accounts_credit_nonnegative', sql`${t.creditLimit} >= 0`),
  ],
);

export const pointTransfers = pointsSchema.table(
  'transfers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    kind: text('kind').$type<LedgerKind>().notNull(),
    fromAccount: uuid('from_account')
      .notNull()
      .references(() => pointAccounts.id),
    toAccount: uuid('to_account')
      .notNull()
      .references(() => pointAccounts.id),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    /** The caller's key: a retry with the same key and request answers the first result. */
    idempotencyKey: text('idempotency_key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** Set on a reversing transfer: the transfer it corrects (once). */
    reverses: uuid('reverses').unique(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('transfers_idempotency_uq').on(t.communityId, t.idempotencyKey),
    index('transfers_from_idx').on(t.fromAccount, t.createdAt),
    index('transfers_to_idx').on(t.toAccount, t.createdAt),
    check('transfers_amount_positive', sql`${t.amount} > 0`),
    check('transfers_distinct_accounts', sql`${t.fromAccount} <> ${t.toAccount}`),
  ],
);

/** Two per transfer (−amount, +amount), with the balance after: an account's history is its entries. */
export const pointEntries = pointsSchema.table(
  'entries',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    transferId: uuid('transfer_id')
      .notNull()
      .references(() => pointTransfers.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => pointAccounts.id),
    communityId: uuid('community_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('entries_account_idx').on(t.accountId, t.seq)],
);

/** The community's points shop (积分商城): what residents may redeem their points for, with a stock that never goes negative. */
export const pointShopItems = pointsSchema.table(
  'shop_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    description: text('description').notNull().default(''),
    price: bigint('price', { mode: 'number' }).notNull(),
    stock: integer('stock').notNull(),
    active: boolean('active').notNull().default(true),
    version: integer('version').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('shop_items_community_idx').on(t.communityId, t.active),
    check('shop_items_price_positive', sql`${t.price} > 0`),
    check('shop_items_stock_nonnegative', sql`${t.stock} >= 0`),
  ],
);

export const redemptionStates = ['placed', 'fulfilled', 'cancelled'] as const;
export type RedemptionState = (typeof redemptionStates)[number];

/** One redemption: the stock taken, the points paid (a ledger transfer to the shop) and a pickup code. */
export const pointRedemptions = pointsSchema.table(
  'redemptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => pointShopItems.id),
    userId: text('user_id').notNull(),
    quantity: integer('quantity').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    transferId: uuid('transfer_id')
      .notNull()
      .unique()
      .references(() => pointTransfers.id),
    /** Six digits the resident shows at the service desk. */
    pickupCode: text('pickup_code').notNull(),
    state: text('state').$type<RedemptionState>().notNull().default('placed'),
    idempotencyKey: text('idempotency_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closedBy: text('closed_by'),
  },
  (t) => [
    unique('redemptions_idempotency_uq').on(t.communityId, t.userId, t.idempotencyKey),
    unique('redemptions_pickup_uq').on(t.communityId, t.pickupCode),
    index('redemptions_user_idx').on(t.communityId, t.userId, t.createdAt),
    check('redemptions_quantity_range', sql`${t.quantity} between 1 and 10`),
    check('redemptions_state_check', sql`${t.state} in ('placed','fulfilled','cancelled')`),
  ],
);

/** What an earning rule listens for: attending a booked activity (signed in by QR code), or a reported event closed. */
export const earningTriggers = ['booking.checked_in', 'events.closed'] as const;
export type EarningTrigger = (typeof earningTriggers)[number];

/**
 * 积分规则 (DB33 7.4.2): the community's own earning rules for platform activity. Device-driven earnings (garbage
 * sorting drops and the like) are `points` actions of the IoT engine's rules; these cover what happens in the platform.
 */
export const earningRules = pointsSchema.table(
  'earning_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    trigger: text('trigger').$type<EarningTrigger>().notNull(),
    /** Narrows the trigger: `{ spaceIds: [...] }` for check-ins, `{ eventTypes: [...] }` for closed events. */
    filter: jsonb('filter').$type<{ spaceIds?: string[]; eventTypes?: string[] }>().notNull().default({}),
    kind: text('kind').$type<LedgerKind>().notNull().default('points'),
    /** Whole points, or minutes for the time bank, per award. */
    amount: integer('amount').notNull(),
    /** At most this many awards of this rule per resident per day (Beijing time); null: no cap. */
    dailyCap: integer('daily_cap'),
    enabled: boolean('enabled').notNull().default(true),
    version: integer('version').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('earning_rules_trigger_idx').on(t.communityId, t.trigger, t.enabled),
    check('earning_rules_trigger_check', sql`${t.trigger} in ('booking.checked_in','events.closed')`),
    check('earning_rules_kind_check', sql`${t.kind} in ('points','time')`),
    check('earning_rules_amount_range', sql`${t.amount} between 1 and 10000`),
    check('earning_rules_cap_range', sql`${t.dailyCap} is null or ${t.dailyCap} between 1 and 100`),
  ],
);

/**
 * One award per rule and source (a check-in, an event): the uniqueness makes a redelivered bus event pay nothing
 * twice, and `day` counts a resident's awards against the rule's daily cap. Capped sources are recorded unpaid.
 */
export const earningAwards = pointsSchema.table(
  'earning_awards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => earningRules.id),
    userId: text('user_id').notNull(),
    sourceId: text('source_id').notNull(),
    day: date('day').notNull(),
    /** Null when the daily cap was reached: the source is remembered, nothing paid. */
    transferId: uuid('transfer_id').references(() => pointTransfers.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('earning_awards_source_uq').on(t.ruleId, t.sourceId),
    index('earning_awards_user_day_idx').on(t.ruleId, t.userId, t.day),
  ],
);
