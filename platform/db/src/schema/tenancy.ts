import { sql } from 'drizzle-orm';
import { check, index, integer, pgSchema, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

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
