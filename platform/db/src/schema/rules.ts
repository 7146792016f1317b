import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { iot } from './iot.ts';

/**
 * The IoT rule engine (DB33 7.3.2.5): rules are data — a trigger, a condition in the safe expression language and a
 * list of actions — evaluated by a bus consumer. Everything is keyed by community for row-level security.
 */
export const rules = iot.table(
  'rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    enabled: boolean('enabled').notNull().default(true),
    /** `{kind: property|event|state, productKey, deviceName?, identifier?, state?}`. */
    trigger: jsonb('trigger').notNull(),
    /** An expression of the rule language; empty means always. */
    condition: text('condition').notNull().default(''),
    /** Fire at most once per this many seconds per device (0: every matching event). */
    debounceSeconds: integer('debounce_seconds').notNull().default(0),
    actions: jsonb('actions').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [unique('rules_name_uq').on(t.communityId, t.name), index('rules_community_idx').on(t.communityId, t.enabled)],
);

/** When a rule last fired for a device: the debounce window is claimed here atomically. */
export const ruleFirings = iot.table(
  'rule_firings',
  {
    ruleId: uuid('rule_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    communityId: uuid('community_id').notNull(),
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.deviceId] })],
);

/** Counters per rule, bumped by the consumer. */
export const ruleMetrics = iot.table('rule_metrics', {
  ruleId: uuid('rule_id').primaryKey(),
  communityId: uuid('community_id').notNull(),
  evaluated: integer('evaluated').notNull().default(0),
  matched: integer('matched').notNull().default(0),
  fired: integer('fired').notNull().default(0),
  debounced: integer('debounced').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  lastFiredAt: timestamp('last_fired_at', { withTimezone: true, mode: 'string' }),
  lastError: text('last_error'),
});

/** The last evaluations of each rule and why they fired or not (trimmed to the newest few per rule). */
export const ruleTraces = iot.table(
  'rule_traces',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    ruleId: uuid('rule_id').notNull(),
    communityId: uuid('community_id').notNull(),
    eventId: uuid('event_id'),
    subject: text('subject'),
    outcome: text('outcome')
      .$type<'trigger_mismatch' | 'condition_false' | 'condition_error' | 'debounced' | 'fired'>()
      .notNull(),
    detail: jsonb('detail').notNull().default({}),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('rule_traces_rule_idx').on(t.ruleId, t.seq)],
);

/** The warehouse tables of `store` actions: one row per firing, keyed by rule and table name. */
export const ruleRecords = iot.table(
  'rule_records',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    ruleId: uuid('rule_id').notNull(),
    communityId: uuid('community_id').notNull(),
    tableName: text('table_name').notNull(),
    deviceId: uuid('device_id'),
    eventId: uuid('event_id'),
    data: jsonb('data').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    index('rule_records_table_idx').on(t.communityId, t.tableName, t.seq),
    index('rule_records_rule_idx').on(t.ruleId),
  ],
);

/** Platform alarms raised by rules (also published on the bus as `shequ.alarms.raised`). */
export const alarms = iot.table(
  'alarms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    ruleId: uuid('rule_id'),
    deviceId: uuid('device_id'),
    severity: text('severity').$type<'info' | 'minor' | 'major' | 'critical'>().notNull(),
    title: text('title').notNull(),
    detail: jsonb('detail').notNull().default({}),
    status: text('status').$type<'open' | 'closed'>().notNull().default('open'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    index('alarms_community_idx').on(t.communityId, t.createdAt),
    check('alarms_severity_check', sql`${t.severity} in ('info','minor','major','critical')`),
  ],
);

/** Actions that failed, with what is needed to run them again. */
export const ruleDeadLetters = iot.table(
  'rule_dead_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    ruleId: uuid('rule_id').notNull(),
    eventId: uuid('event_id'),
    actionIndex: integer('action_index').notNull(),
    action: jsonb('action').notNull(),
    /** The evaluation context the action ran with (device, params, event). */
    context: jsonb('context').notNull(),
    error: text('error').notNull(),
    attempts: integer('attempts').notNull().default(1),
    status: text('status').$type<'pending' | 'resolved'>().notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('rule_dead_letters_rule_idx').on(t.ruleId, t.status)],
);

/** Attributes of devices (building, entrance, floor…) that rules select targets by. */
export const deviceTags = iot.table(
  'device_tags',
  {
    deviceId: uuid('device_id').notNull(),
    communityId: uuid('community_id').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.deviceId, t.key] }),
    index('device_tags_lookup_idx').on(t.communityId, t.key, t.value),
  ],
);
