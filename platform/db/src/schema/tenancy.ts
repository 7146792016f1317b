import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

export const tenancy = pgSchema('tenancy');

/** The region levels of the provincial tree, top to bottom. Compounds live in their own table. */
export const regionLevels = ['province', 'city', 'district', 'street', 'community'] as const;
export type RegionLevel = (typeof regionLevels)[number];

/** Province › city › district › street › community. A community's region id is its community id. */
export const regions = tenancy.table(
  'regions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parentId: uuid('parent_id'),
    level: text('level').$type<RegionLevel>().notNull(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    /** Materialised path of ids from the root, e.g. `/<province>/<city>/…/<self>/`: jurisdiction checks are prefix matches. */
    path: text('path').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('regions_parent_idx').on(t.parentId),
    index('regions_path_idx').on(t.path),
    check('regions_level_check', sql`${t.level} in ('province','city','district','street','community')`),
  ],
);

/** 小区: a compound belongs to exactly one community; row-level security keys on community_id. */
export const compounds = tenancy.table(
  'compounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    buildingCount: integer('building_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('compounds_code_uq').on(t.communityId, t.code), index('compounds_community_idx').on(t.communityId)],
);

/** Scopes an open-API client may be granted (DB33 9.3.1.5, 6.3.1.4). */
export const apiScopes = [
  'people.tenants.write',
  'people.visitors.write',
  'houses.read',
  'people.read-masked',
  // Provincial exchange (DB33 6.3.1.2–6.3.4.2): authorised updates from the shared application and 基层智治.
  'people.occupants.write',
  'people.roles.write',
  'houses.write',
  'vehicles.read',
  'vehicles.write',
  'spaces.read',
  'spaces.write',
] as const;
export type ApiScope = (typeof apiScopes)[number];

/**
 * A business system (e.g. a property management system) calling the signed open API `/open/v1`. The key id is
 * public; the secret is shown once and kept encrypted (FieldCrypto, context bound to the key id). After a rotation
 * the previous secret stays valid until `previousValidUntil`.
 */
export const apiClients = tenancy.table(
  'api_clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    keyId: text('key_id').notNull().unique(),
    secretCipher: text('secret_cipher').notNull(),
    previousSecretCipher: text('previous_secret_cipher'),
    previousValidUntil: timestamp('previous_valid_until', { withTimezone: true }),
    scopes: text('scopes').array().$type<ApiScope[]>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Requests per minute for this key. */
    rateLimit: integer('rate_limit').notNull().default(120),
    createdBy: uuid('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('api_clients_community_idx').on(t.communityId, t.createdAt)],
);

/** Nonces seen per key within the timestamp window: the primary key's unique violation is the replay check. */
export const apiNonces = tenancy.table(
  'api_nonces',
  {
    keyId: text('key_id').notNull(),
    nonce: text('nonce').notNull(),
    communityId: uuid('community_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.nonce] }), index('api_nonces_expiry_idx').on(t.expiresAt)],
);

/**
 * Requests per key in fixed one-minute windows (`window_start` on the minute), counted by every API process alike:
 * one upsert per request increments the row, and its row lock makes concurrent processes count exactly. Windows
 * are pruned a minute after they end.
 */
export const apiRateWindows = tenancy.table(
  'api_rate_windows',
  {
    keyId: text('key_id').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    communityId: uuid('community_id').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.windowStart] })],
);
