import { sql } from 'drizzle-orm';
import {
  check,
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
