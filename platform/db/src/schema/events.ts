import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The event closed loop (DB33 7.4.6, 8.4.2): residents' reports, IoT alarms, grid workers' findings and plugins'
 * events move through a workflow that is data (states, transitions with roles, an SLA per state). History is
 * append-only; SLA timers live in their own table and are fired by a poller.
 */
export const eventsSchema = pgSchema('events');

export const eventSources = ['resident', 'iot', 'grid', 'plugin'] as const;
export type EventSource = (typeof eventSources)[number];
export const eventSeverities = ['low', 'normal', 'high', 'critical'] as const;
export type EventSeverity = (typeof eventSeverities)[number];

/** One transition of a workflow: an event name, where it may start, where it leads and who may take it. */
export interface WorkflowTransition {
  event: string;
  from: string[];
  to: string;
  /** Role names, or `reporter` / `assignee` for the event's own reporter and assigned worker. */
  roles: string[];
  /** The transition names an assignee (assign). */
  needsAssignee?: boolean;
  /** The transition carries a 1–5 score and a comment (rate). */
  needsRating?: boolean;
}

export interface WorkflowDefinition {
  initial: string;
  states: { name: string; zh: string; en: string; final?: boolean; slaMinutes?: number | null }[];
  transitions: WorkflowTransition[];
}

/**
 * Workflows as data. The platform's default has `community_id` and `plugin_id` null; a plugin declares its own per
 * community (`plugin_id` set). A workflow row never changes once events use it: a new version is a new row.
 */
export const eventWorkflows = eventsSchema.table(
  'workflows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Null: available in every community (the platform default). */
    communityId: uuid('community_id'),
    pluginId: text('plugin_id'),
    key: text('key').notNull(),
    version: integer('version').notNull().default(1),
    name: jsonb('name').$type<{ zh: string; en: string }>().notNull(),
    definition: jsonb('definition').$type<WorkflowDefinition>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('workflows_key_uq').on(t.communityId, t.key, t.version).nullsNotDistinct(),
    check('workflows_key_format', sql`${t.key} ~ '^[a-z0-9][a-z0-9._:-]{0,99}$'`),
  ],
);

/** Where an event happened: a house, a public space, a facility, or a point (WGS-84 lon/lat). */
export interface EventLocation {
  houseId?: string;
  spaceId?: string;
  facilityId?: string;
  lon?: number;
  lat?: number;
  text?: string;
}

export const events = eventsSchema.table(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => eventWorkflows.id),
    type: text('type').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    houseId: uuid('house_id'),
    spaceId: uuid('space_id'),
    facilityId: uuid('facility_id'),
    lon: doublePrecision('lon'),
    lat: doublePrecision('lat'),
    locationText: text('location_text'),
    severity: text('severity').$type<EventSeverity>().notNull().default('normal'),
    source: text('source').$type<EventSource>().notNull(),
    /** The alarm, device event or plugin record the event came from; unique per source so a redelivery opens none. */
    sourceRef: text('source_ref'),
    reporterId: text('reporter_id').notNull(),
    assigneeId: uuid('assignee_id'),
    state: text('state').notNull(),
    stateSince: timestamp('state_since', { withTimezone: true }).notNull().defaultNow(),
    /** When the current state's SLA runs out (null: the state has none); the desk's overdue filter reads it. */
    slaDueAt: timestamp('sla_due_at', { withTimezone: true }),
    rating: smallint('rating'),
    ratingComment: text('rating_comment'),
    version: integer('version').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('events_source_ref_uq').on(t.communityId, t.source, t.sourceRef),
    index('events_community_state_idx').on(t.communityId, t.state, t.createdAt),
    index('events_reporter_idx').on(t.reporterId, t.createdAt),
    index('events_assignee_idx').on(t.assigneeId, t.state),
    index('events_sla_idx').on(t.communityId, t.slaDueAt),
    check('events_source_check', sql`${t.source} in ('resident','iot','grid','plugin')`),
    check('events_severity_check', sql`${t.severity} in ('low','normal','high','critical')`),
    check('events_rating_range', sql`${t.rating} is null or ${t.rating} between 1 and 5`),
    check('events_title_length', sql`char_length(${t.title}) between 1 and 100`),
    check('events_description_length', sql`char_length(${t.description}) <= 2000`),
    check(
      'events_point_valid',
      sql`(${t.lon} is null) = (${t.lat} is null) and (${t.lon} is null or (${t.lon} between -180 and 180 and ${t.lat} between -90 and 90))`,
    ),
  ],
);

/** Photos of an event, stored as bytes with their type; at most 2 MB each, 6 per event (checked here too). */
export const eventPhotos = eventsSchema.table(
  'photos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    communityId: uuid('community_id').notNull(),
    contentType: text('content_type').notNull(),
    /** Base64 of the image (the bytes, not a data URL). */
    data: text('data').notNull(),
    size: integer('size').notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('photos_event_idx').on(t.eventId),
    check('photos_type_check', sql`${t.contentType} in ('image/jpeg','image/png','image/webp')`),
    check('photos_size_check', sql`${t.size} between 1 and 2097152`),
  ],
);

/** Every change of an event, in order; append-only (a trigger refuses updates and deletes). */
export const eventHistory = eventsSchema.table(
  'history',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    communityId: uuid('community_id').notNull(),
    /** `report`, a workflow transition, or `sla.warning` / `sla.escalated`. */
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    actor: text('actor').notNull(),
    actorRole: text('actor_role'),
    /** The event's version after this entry. */
    version: integer('version').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('history_event_idx').on(t.eventId, t.seq)],
);

/**
 * SLA timers: one row per event and state entry, due at 80% (warning) and 100% (escalation) of the state's SLA. A
 * poller locks due rows with SKIP LOCKED so several pollers fire each timer once.
 */
export const eventTimers = eventsSchema.table(
  'timers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    communityId: uuid('community_id').notNull(),
    state: text('state').notNull(),
    /** `warning` (80%) or `escalation` (100%). */
    kind: text('kind').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    /** Set when the event left the state before the timer was due. */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('timers_due_idx').on(t.dueAt).where(sql`fired_at is null and cancelled_at is null`),
    index('timers_event_idx').on(t.eventId),
    check('timers_kind_check', sql`${t.kind} in ('warning','escalation')`),
  ],
);
