import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { iot } from './iot.ts';

export type WarehouseDomain = 'parcel' | 'garbage' | 'vitals' | 'health' | 'meals' | 'learning';

/**
 * The IoT warehouse's records (DB33 7.2.2.2.3 货物, 7.2.2.5.4 垃圾回收, 7.2.2.4.3 生命体征): every device event of a
 * parcel locker, garbage bin or vital-signs monitor, once (unique on the device and the event's message id), with the
 * fields the statistics read lifted into columns. Kept: not pruned with raw telemetry.
 * - parcel: deposit / pickup / overdue; `ref` the tracking number, `category` the carrier, `cell` the locker cell.
 * - garbage: drop / collected / full; `ref` the dropper (personRef), `category` the bin's category (enum code),
 *   `amount` the weight in kg, `flag` the correct-sort flag of a drop.
 * - vitals: abnormal / sos / fall; `category` the abnormal kind (enum code), `label` its name from the thing model,
 *   `amount` the value or the fall confidence, `ref` the sos location.
 * - health (健康小屋 6.2.3.1 → 7.2.2.4.1 健康画像): checkup; `ref` the personRef, `label` its key-health tags
 *   (comma-separated codes), `flag` whether any tag applies, `value` the checked measures.
 * - meals (助餐 6.2.3.2 → 7.2.2.4.2 订送餐): meal / delivered; `ref` the diner's personRef, `category` the meal type
 *   (enum code), `amount` the amount paid (meal) or the delivery minutes (delivered), `label` the order ref,
 *   `value` the checked values (subsidy, dishes).
 * - learning (图书借阅 6.2.3.4 → 7.2.2.4.4 教育学习画像): borrow / return; `ref` the personRef, `label` the ISBN,
 *   `amount` the overdue days of a return, `value` the checked values (dueDate).
 * For health, meals and learning `value` holds the checked (normalised) values, not the raw payload.
 */
export const warehouseFacts = iot.table(
  'warehouse_facts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    domain: text('domain').$type<WarehouseDomain>().notNull(),
    event: text('event').notNull(),
    messageId: text('message_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    cell: text('cell'),
    ref: text('ref'),
    category: text('category'),
    label: text('label'),
    amount: doublePrecision('amount'),
    flag: boolean('flag'),
    value: jsonb('value'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('warehouse_facts_message_uq').on(t.deviceId, t.messageId),
    index('warehouse_facts_domain_idx').on(t.communityId, t.domain, t.at),
    index('warehouse_facts_device_idx').on(t.deviceId, t.event, t.at),
    // A resident's (personRef's) checkups, meals and loans.
    index('warehouse_facts_ref_idx').on(t.communityId, t.domain, t.ref, t.at),
    check(
      'warehouse_facts_domain_check',
      sql`${t.domain} in ('parcel','garbage','vitals','health','meals','learning')`,
    ),
  ],
);

/**
 * One parcel in a locker cell (DB33 7.2.2.2.3 货物信息): a deposit opens it, the pickup of the same cell closes it. A
 * pickup that arrives before its deposit is kept as a parcel without deposit (`depositedAt` null) that the deposit
 * then completes.
 */
export const parcels = iot.table(
  'parcels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    cell: text('cell').notNull(),
    trackingNo: text('tracking_no'),
    carrier: text('carrier'),
    depositedAt: timestamp('deposited_at', { withTimezone: true }),
    pickedUpAt: timestamp('picked_up_at', { withTimezone: true }),
    /** Minutes between deposit and pickup (the device's own figure when the deposit is not known). */
    dwellMinutes: integer('dwell_minutes'),
    overdue: boolean('overdue').notNull().default(false),
    depositFactId: uuid('deposit_fact_id'),
    pickupFactId: uuid('pickup_fact_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('parcels_cell_idx').on(t.deviceId, t.cell, t.depositedAt),
    index('parcels_community_idx').on(t.communityId, t.depositedAt),
    unique('parcels_deposit_fact_uq').on(t.depositFactId),
    unique('parcels_pickup_fact_uq').on(t.pickupFactId),
    check('parcels_known_check', sql`${t.depositedAt} is not null or ${t.pickedUpAt} is not null`),
  ],
);
