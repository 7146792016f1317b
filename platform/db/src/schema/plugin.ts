import { sql } from 'drizzle-orm';
import {
  check,
  date,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/** The application capability center (DB33 7.3.4): plugin packages, their installs per community and their records. */
export const plugin = pgSchema('plugin');

/** Installed-able plugin versions held by this instance. Immutable: a version is never overwritten. */
export const pluginPackages = plugin.table(
  'packages',
  {
    pluginId: text('plugin_id').notNull(),
    version: text('version').notNull(),
    /** `json`, not `jsonb`: the author's key order is meaning (the order of pages and menu entries). */
    manifest: json('manifest').notNull(),
    bundle: text('bundle').notNull(),
    bundleSha256: text('bundle_sha256').notNull(),
    /** Where it came from: `local` (CLI or seed) or a marketplace. */
    source: text('source').notNull().default('local'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.pluginId, t.version], name: 'packages_pk' })],
);

export const installStates = ['enabled', 'disabled', 'uninstalled'] as const;
export type InstallState = (typeof installStates)[number];

/** What the operator granted at install, per community: a subset of what the manifest asks for. */
export interface PluginGrants {
  services: Record<string, string[]>;
  data: string[];
  hosts: string[];
}

/** One plugin in one community. Uninstalled rows keep the data until `purge_after`. */
export const pluginInstalls = plugin.table(
  'installs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    pluginId: text('plugin_id').notNull(),
    version: text('version').notNull(),
    state: text('state').$type<InstallState>().notNull(),
    grants: jsonb('grants').$type<PluginGrants>().notNull(),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    installedBy: text('installed_by').notNull(),
    installedAt: timestamp('installed_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    uninstalledAt: timestamp('uninstalled_at', { withTimezone: true }),
    purgeAfter: timestamp('purge_after', { withTimezone: true }),
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    unique('installs_community_plugin_uq').on(t.communityId, t.pluginId),
    index('installs_plugin_idx').on(t.pluginId),
    check('installs_state_check', sql`${t.state} in ('enabled','disabled','uninstalled')`),
  ],
);

/** Records of plugin collections, validated against the collection's schema on every write. */
export const pluginRecords = plugin.table(
  'records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    pluginId: text('plugin_id').notNull(),
    collection: text('collection').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** The plugin version that last wrote the record: upgrades migrate by it. */
    writtenBy: text('written_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by'),
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    index('records_scope_idx').on(t.communityId, t.pluginId, t.collection, t.createdAt),
    index('records_data_idx').using('gin', sql`${t.data} jsonb_path_ops`),
  ],
);

/**
 * Handler metrics (DB33 8.1.2 operations metrics; the signal staged upgrades roll back on): calls, errors and latency
 * of every handler of every app version in every community, per hour. The host aggregates in memory and adds its
 * counts here in batches, so several API processes sum into the same row. `buckets` counts calls per latency bucket
 * (upper bounds in `latencyBounds` of the runtime, the last one open), from which p95/p99 are read.
 */
export const pluginHandlerMetrics = plugin.table(
  'handler_metrics',
  {
    communityId: uuid('community_id').notNull(),
    pluginId: text('plugin_id').notNull(),
    version: text('version').notNull(),
    handler: text('handler').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    calls: integer('calls').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    totalMs: doublePrecision('total_ms').notNull().default(0),
    maxMs: doublePrecision('max_ms').notNull().default(0),
    buckets: integer('buckets').array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.communityId, t.pluginId, t.version, t.handler, t.hour], name: 'handler_metrics_pk' }),
    index('handler_metrics_plugin_idx').on(t.pluginId, t.hour),
    check('handler_metrics_counts', sql`${t.calls} >= 0 and ${t.errors} >= 0 and ${t.errors} <= ${t.calls}`),
  ],
);

/**
 * Active users of an app (DB33 8.1.2): one row per day (Asia/Shanghai), community, app and user, the user as a keyed
 * hash (never the id), written with the handler metrics flush and counted, never exported row by row.
 */
export const pluginActiveUsers = plugin.table(
  'active_users',
  {
    day: date('day', { mode: 'string' }).notNull(),
    communityId: uuid('community_id').notNull(),
    pluginId: text('plugin_id').notNull(),
    userHash: text('user_hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.communityId, t.pluginId, t.userHash], name: 'active_users_pk' }),
    index('active_users_plugin_idx').on(t.pluginId, t.day),
  ],
);
