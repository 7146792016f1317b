import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgSchema, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

/**
 * Messages (DB33 7.4.5): templates with variables in zh and en, an in-app inbox per user, deliveries per channel
 * with their status, and broadcasts to an audience (community, compound, building or tag).
 */
export const messageSchema = pgSchema('message');

export const messageChannels = ['in_app', 'sms', 'app_push', 'provincial_push'] as const;
export type MessageChannelKind = (typeof messageChannels)[number];

export const deliveryStates = ['queued', 'deferred', 'sent', 'delivered', 'failed', 'rate_limited'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

export const messageTemplates = messageSchema.table(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    /** Stable name callers use, for example `booking.reminder`. */
    code: text('code').notNull(),
    name: text('name').notNull(),
    titleZh: text('title_zh').notNull(),
    titleEn: text('title_en').notNull(),
    /** Texts with `{{variable}}` placeholders; every placeholder is a declared variable. */
    bodyZh: text('body_zh').notNull(),
    bodyEn: text('body_en').notNull(),
    variables: text('variables').array().notNull().default(sql`'{}'::text[]`),
    /** Channels used when a sender names none (in-app is always included). */
    channels: text('channels').array().notNull().default(sql`'{in_app}'::text[]`),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('templates_code_uq').on(t.communityId, t.code)],
);

/** Who a broadcast goes to: the whole community, a compound, some buildings of a compound, or people with a tag. */
export type Audience =
  | { kind: 'community' }
  | { kind: 'compound'; compound: string }
  | { kind: 'building'; compound: string; buildings: string[] }
  | { kind: 'tag'; tag: string };

export const broadcasts = messageSchema.table(
  'broadcasts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    audience: jsonb('audience').$type<Audience>().notNull(),
    templateCode: text('template_code'),
    titleZh: text('title_zh').notNull(),
    titleEn: text('title_en').notNull(),
    bodyZh: text('body_zh').notNull(),
    bodyEn: text('body_en').notNull(),
    channels: text('channels').array().notNull(),
    /** Urgent broadcasts (a water cut, a safety warning) are not held back by quiet hours. */
    urgent: boolean('urgent').notNull().default(false),
    audienceCount: integer('audience_count').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('broadcasts_community_idx').on(t.communityId, t.createdAt)],
);

export const inbox = messageSchema.table(
  'inbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    userId: uuid('user_id').notNull(),
    titleZh: text('title_zh').notNull(),
    titleEn: text('title_en').notNull(),
    bodyZh: text('body_zh').notNull(),
    bodyEn: text('body_en').notNull(),
    templateCode: text('template_code'),
    broadcastId: uuid('broadcast_id').references(() => broadcasts.id),
    /** Who sent it: a user id, `plugin:<id>`, `system`. */
    sender: text('sender').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [index('inbox_user_idx').on(t.userId, t.createdAt)],
);

export const deliveries = messageSchema.table(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => inbox.id),
    userId: uuid('user_id').notNull(),
    channel: text('channel').$type<MessageChannelKind>().notNull(),
    status: text('status').$type<DeliveryState>().notNull(),
    /** When a queued or deferred delivery may go out (quiet hours move it to their end). */
    dueAt: timestamp('due_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** The adapter's reference for the sent message (the development sink's own id). */
    providerRef: text('provider_ref'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('deliveries_due_idx').on(t.dueAt).where(sql`status in ('queued','deferred')`),
    index('deliveries_user_channel_idx').on(t.userId, t.channel, t.createdAt),
    index('deliveries_message_idx').on(t.messageId),
    check('deliveries_channel', sql`${t.channel} in ('in_app','sms','app_push','provincial_push')`),
    check('deliveries_status', sql`${t.status} in ('queued','deferred','sent','delivered','failed','rate_limited')`),
  ],
);
