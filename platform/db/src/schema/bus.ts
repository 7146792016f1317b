import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const busSchema = pgSchema('bus');

/** Written in the same transaction as the change that caused the event; the relay publishes from here. */
export const outbox = busSchema.table(
  'outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    subject: text('subject').notNull(),
    communityId: uuid('community_id'),
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A relay's lease on the row while it publishes outside any transaction; an expired lease is taken over. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'string' }),
    /**
     * A packed row carries many events in `data` (an array of `{id, subject, communityId, data}`, in order): the
     * telemetry writer puts one batch's events in one row, so the outbox writes one row per batch, not per message.
     * The view `bus.outbox_events` lists packed and single events alike.
     */
    packed: boolean('packed').notNull().default(false),
  },
  (t) => [index('outbox_pending_idx').on(t.seq).where(sql`published_at is null`)],
);

/** Consumers record each event id they processed, in the same transaction as the effect: duplicates are skipped. */
export const processed = busSchema.table(
  'processed',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);
