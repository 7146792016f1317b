import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Payment (capability service): orders, payment intents, refunds, idempotency keys, a double-entry ledger and the
 * providers' notifications. Money is always integer fen (bigint). The database enforces the amounts (positive and
 * bounded), the refund total (never above what was captured), the balance of every ledger transaction (a deferred
 * constraint trigger) and that ledger rows are never changed (migration `payment_security`).
 */
export const paymentSchema = pgSchema('payment');

/** The largest amount one order may carry: ¥100,000,000.00 in fen. */
export const maxAmountFen = 10_000_000_000;

export const orderStates = ['open', 'paid', 'partially_refunded', 'refunded', 'cancelled'] as const;
export type OrderState = (typeof orderStates)[number];

export const intentStates = [
  'created',
  'pending',
  'authorized',
  'succeeded',
  'partially_refunded',
  'refunded',
  'cancelled',
  'failed',
] as const;
export type IntentState = (typeof intentStates)[number];

export const providerIds = ['sandbox', 'wechat', 'alipay', 'unionpay'] as const;
export type ProviderId = (typeof providerIds)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

export const orders = paymentSchema.table(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    /** Who pays: a user of the community, or none (a temporary vehicle's parking fee, collected by staff). */
    userId: uuid('user_id'),
    subject: text('subject').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull().default(0),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
    status: text('status').$type<OrderState>().notNull().default('open'),
    /** What the order pays for (e.g. `booking`) and its id: the seam back to the owning service. */
    sourceType: text('source_type'),
    sourceId: text('source_id'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('orders_community_created_idx').on(t.communityId, t.createdAt),
    index('orders_user_idx').on(t.communityId, t.userId, t.createdAt),
    uniqueIndex('orders_source_idx')
      .on(t.communityId, t.sourceType, t.sourceId)
      .where(sql`source_type is not null and status <> 'cancelled'`),
    check('orders_status', sql`${t.status} in (${inList(orderStates)})`),
    check('orders_amount', sql`${t.amountFen} > 0 and ${t.amountFen} <= ${sql.raw(String(maxAmountFen))}`),
    check('orders_paid', sql`${t.paidFen} >= 0 and ${t.paidFen} <= ${t.amountFen}`),
    check('orders_refunded', sql`${t.refundedFen} >= 0 and ${t.refundedFen} <= ${t.paidFen}`),
    check('orders_subject', sql`char_length(${t.subject}) between 1 and 128`),
  ],
);

export const intents = paymentSchema.table(
  'intents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    provider: text('provider').$type<ProviderId>().notNull(),
    status: text('status').$type<IntentState>().notNull().default('created'),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    capturedFen: bigint('captured_fen', { mode: 'number' }).notNull().default(0),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
    /** Refunds reserved and sent to the provider but not yet settled: counted against what can still be refunded. */
    refundingFen: bigint('refunding_fen', { mode: 'number' }).notNull().default(0),
    /** Our trade number sent to the provider (out_trade_no); unique across the platform. */
    outTradeNo: text('out_trade_no').notNull(),
    /** The provider's own transaction id, known after payment. */
    providerTradeNo: text('provider_trade_no'),
    failureReason: text('failure_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('intents_out_trade_no_idx').on(t.outTradeNo),
    index('intents_order_idx').on(t.orderId),
    check('intents_status', sql`${t.status} in (${inList(intentStates)})`),
    check('intents_provider', sql`${t.provider} in (${inList(providerIds)})`),
    check('intents_amount', sql`${t.amountFen} > 0 and ${t.amountFen} <= ${sql.raw(String(maxAmountFen))}`),
    check('intents_captured', sql`${t.capturedFen} >= 0 and ${t.capturedFen} <= ${t.amountFen}`),
    // The refund total can never pass what was captured: the database refuses it, whatever the caller does.
    check('intents_refunded', sql`${t.refundedFen} >= 0 and ${t.refundedFen} <= ${t.capturedFen}`),
    // Reserved (pending) refunds count too: settled plus reserved never passes what was captured.
    check(
      'intents_refunding',
      sql`${t.refundingFen} >= 0 and ${t.refundedFen} + ${t.refundingFen} <= ${t.capturedFen}`,
    ),
  ],
);

export const refundStates = ['pending', 'succeeded', 'failed'] as const;
export type RefundState = (typeof refundStates)[number];

export const refunds = paymentSchema.table(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    intentId: uuid('intent_id')
      .notNull()
      .references(() => intents.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    outRefundNo: text('out_refund_no').notNull(),
    reason: text('reason'),
    status: text('status').$type<RefundState>().notNull().default('succeeded'),
    /** The provider's refund id, once it answered. */
    providerRefundNo: text('provider_refund_no'),
    /** Why the provider refused (a failed refund released its reservation). */
    failureReason: text('failure_reason'),
    /** The caller's idempotency key and request hash: a retry finds the reserved refund and completes it. */
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp('settled_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refunds_out_refund_no_idx').on(t.outRefundNo),
    uniqueIndex('refunds_idempotency_idx').on(t.communityId, t.idempotencyKey).where(sql`idempotency_key is not null`),
    index('refunds_pending_idx').on(t.createdAt).where(sql`status = 'pending'`),
    index('refunds_intent_idx').on(t.intentId),
    check('refunds_status', sql`${t.status} in (${inList(refundStates)})`),
    check('refunds_amount', sql`${t.amountFen} > 0 and ${t.amountFen} <= ${sql.raw(String(maxAmountFen))}`),
  ],
);

/** The first response to a request with an idempotency key, replayed for every retry with the same parameters. */
export const idempotencyKeys = paymentSchema.table(
  'idempotency_keys',
  {
    communityId: uuid('community_id').notNull(),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    /** SHA-256 of the canonical request parameters: a retry with other parameters is refused. */
    requestHash: text('request_hash').notNull(),
    response: jsonb('response').$type<unknown>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.communityId, t.key] }),
    check('idempotency_key_length', sql`char_length(${t.key}) between 8 and 128`),
  ],
);

/**
 * Double-entry ledger: every money movement is one transaction (`txn_id`) of signed entries that sum to zero, checked
 * by the database at commit. Accounts: `provider:<id>` (money held by the provider for us), `merchant:<community>`
 * (what the community earned), `refunds_payable`.
 */
export const ledgerEntries = paymentSchema.table(
  'ledger_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    txnId: uuid('txn_id').notNull(),
    kind: text('kind').$type<'capture' | 'refund'>().notNull(),
    account: text('account').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    intentId: uuid('intent_id')
      .notNull()
      .references(() => intents.id),
    refundId: uuid('refund_id').references(() => refunds.id),
    /** The provider-side reference (transaction or refund number) the reconciliation matches on. */
    reference: text('reference').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('ledger_txn_idx').on(t.txnId),
    index('ledger_account_created_idx').on(t.account, t.createdAt),
    check('ledger_kind', sql`${t.kind} in ('capture','refund')`),
    check('ledger_amount', sql`${t.amountFen} <> 0 and abs(${t.amountFen}) <= ${sql.raw(String(maxAmountFen))}`),
  ],
);

/**
 * Every delivery of a provider notification that passed its signature check. A delivery's nonce is used once (a
 * replayed request is refused); a notification id is applied once (a resend is acknowledged and changes nothing).
 */
export const providerNotifications = paymentSchema.table(
  'provider_notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    provider: text('provider').$type<ProviderId>().notNull(),
    notificationId: text('notification_id').notNull(),
    nonce: text('nonce').notNull(),
    eventType: text('event_type').notNull(),
    outTradeNo: text('out_trade_no').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** `applied` (changed the intent), `duplicate` (already applied) or `ignored` (out of order, nothing to do). */
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_nonce_idx').on(t.provider, t.nonce),
    uniqueIndex('notifications_applied_idx').on(t.provider, t.notificationId).where(sql`outcome = 'applied'`),
    check('notifications_outcome', sql`${t.outcome} in ('applied','duplicate','ignored')`),
  ],
);
