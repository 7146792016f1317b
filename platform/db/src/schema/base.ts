import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** The base warehouse (DB33 7.2.3): people, houses, occupancy; every row carries its community for RLS. */
export const base = pgSchema('base');

const audit = {
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  updatedBy: text('updated_by').notNull(),
};

export const people = base.table(
  'people',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    idType: text('id_type').notNull(),
    /** L4: encrypted; exact search through the blind index; lists show the stored mask. */
    idNumberCipher: text('id_number_cipher').notNull(),
    idNumberIndex: text('id_number_index').notNull(),
    idNumberMasked: text('id_number_masked').notNull(),
    gender: text('gender').notNull().default('unknown'),
    birthDate: date('birth_date'),
    phoneCipher: text('phone_cipher'),
    phoneIndex: text('phone_index'),
    phoneMasked: text('phone_masked'),
    category: text('category').notNull(),
    occupation: text('occupation'),
    partyMember: boolean('party_member').notNull().default(false),
    healthStatusCipher: text('health_status_cipher'),
    keyCareTags: text('key_care_tags').array().notNull().default(sql`'{}'::text[]`),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    ...audit,
  },
  (t) => [
    unique('people_id_number_uq').on(t.communityId, t.idNumberIndex),
    // Byte order (COLLATE "C") lets a name-prefix LIKE and the list's ORDER BY use this index in any database locale.
    index('people_name_idx').on(t.communityId, sql`${t.name} collate "C"`, t.id),
    index('people_phone_idx').on(t.phoneIndex),
    index('people_tags_idx').using('gin', t.tags),
  ],
);

export const houses = base.table(
  'houses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    compoundId: uuid('compound_id').notNull(),
    building: text('building').notNull(),
    unit: text('unit').notNull(),
    floor: text('floor').notNull(),
    room: text('room').notNull(),
    layout: text('layout'),
    area: numeric('area', { precision: 10, scale: 2, mode: 'number' }),
    ownership: text('ownership'),
    buildingCode: text('building_code'),
    gridCode: text('grid_code'),
    ...audit,
  },
  (t) => [
    unique('houses_key_uq').on(t.compoundId, t.building, t.unit, t.floor, t.room),
    index('houses_community_idx').on(t.communityId, t.compoundId, t.building),
  ],
);

export const occupancies = base.table(
  'occupancies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    houseId: uuid('house_id')
      .notNull()
      .references(() => houses.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    validFrom: date('valid_from').notNull().defaultNow(),
    validTo: date('valid_to'),
    ...audit,
  },
  (t) => [
    unique('occupancies_uq').on(t.personId, t.houseId, t.role, t.validFrom),
    index('occupancies_house_idx').on(t.houseId),
    check('occupancies_role_check', sql`${t.role} in ('owner','family','tenant','other')`),
    check('occupancies_window_check', sql`${t.validTo} is null or ${t.validTo} >= ${t.validFrom}`),
  ],
);

/** Change history per record: who changed which fields when; values of L3+ fields are never written here. */
export const changes = base.table(
  'changes',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    communityId: uuid('community_id').notNull(),
    entity: text('entity').notNull(),
    entityId: uuid('entity_id').notNull(),
    version: integer('version').notNull(),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    diff: jsonb('diff').notNull(),
  },
  (t) => [index('changes_entity_idx').on(t.entity, t.entityId, t.seq)],
);

/**
 * Clean-layer deduplication (DB33 7.2.1): an import row that names a stored record (same ID number, same house key,
 * same plate + colour) with different data becomes a proposal an operator accepts or rejects; the stored record is
 * never overwritten silently. The incoming values may be L3/L4 data, so they are kept encrypted; their blind index
 * stops the same file from proposing the same change twice.
 */
export const mergeProposals = base.table(
  'merge_proposals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    entity: text('entity').notNull(),
    targetId: uuid('target_id').notNull(),
    /** The stored record's version when the proposal was made: accepting it after another change is a conflict. */
    targetVersion: integer('target_version').notNull(),
    fields: text('fields').array().notNull(),
    incomingCipher: text('incoming_cipher').notNull(),
    incomingIndex: text('incoming_index').notNull(),
    source: text('source').notNull(),
    sourceRow: integer('source_row'),
    status: text('status').notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    note: text('note'),
  },
  (t) => [
    index('merge_proposals_pending_idx').on(t.communityId, t.status, t.createdAt),
    uniqueIndex('merge_proposals_once_uq').on(t.targetId, t.incomingIndex).where(sql`${t.status} = 'pending'`),
    check('merge_proposals_entity_check', sql`${t.entity} in ('person','house','vehicle')`),
    check('merge_proposals_status_check', sql`${t.status} in ('pending','accepted','rejected','superseded')`),
    check('merge_proposals_decided_check', sql`(${t.status} = 'pending') = (${t.decidedAt} is null)`),
  ],
);

/** The raw layer: an import batch kept as received, with its row-level report. */
export const importBatches = base.table(
  'import_batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    kind: text('kind').notNull(),
    fileName: text('file_name').notNull(),
    fileSha256: text('file_sha256').notNull(),
    rowCount: integer('row_count').notNull(),
    /** The file exactly as received, gzipped and encrypted (it holds L3+ data): the raw layer's lineage. */
    fileCipher: text('file_cipher').notNull(),
    report: jsonb('report').notNull(),
    status: text('status').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('import_batches_sha_idx').on(t.communityId, t.fileSha256)],
);

/** Consent ledger (DB33 9.2.2.4): who agreed to which purpose and data categories, when, how; withdrawal kept. */
export const consents = base.table(
  'consents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    categories: text('categories').array().notNull(),
    channel: text('channel').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull().defaultNow(),
    grantedBy: text('granted_by').notNull(),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawnBy: text('withdrawn_by'),
    withdrawChannel: text('withdraw_channel'),
  },
  (t) => [index('consents_person_idx').on(t.personId, t.purpose)],
);

/** Vehicles (DB33 7.2.3.4): plate + plate colour unique per community; resident or temporary. */
export const vehicles = base.table(
  'vehicles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    plate: text('plate').notNull(),
    plateColour: text('plate_colour').notNull(),
    kind: text('kind').notNull(),
    energy: text('energy').notNull(),
    ownerPersonId: uuid('owner_person_id').references(() => people.id, { onDelete: 'set null' }),
    compoundId: uuid('compound_id'),
    parkingSpace: text('parking_space'),
    brand: text('brand'),
    bodyColour: text('body_colour'),
    parkingMinutes: integer('parking_minutes'),
    ...audit,
  },
  (t) => [
    unique('vehicles_plate_uq').on(t.communityId, t.plate, t.plateColour),
    index('vehicles_owner_idx').on(t.ownerPersonId),
    check('vehicles_kind_check', sql`${t.kind} in ('resident','temporary')`),
  ],
);

/** Public spaces (DB33 7.2.3.5). */
export const spaces = base.table(
  'spaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    useType: text('use_type').notNull(),
    useTypeDetail: text('use_type_detail'),
    location: text('location'),
    lng: doublePrecision('lng'),
    lat: doublePrecision('lat'),
    buildingCode: text('building_code'),
    area: numeric('area', { precision: 12, scale: 2, mode: 'number' }),
    ownership: text('ownership'),
    ...audit,
  },
  (t) => [unique('spaces_name_uq').on(t.communityId, t.name)],
);

/** Facilities and devices (DB33 7.2.3.6). */
export const facilities = base.table(
  'facilities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    subtype: text('subtype'),
    location: text('location'),
    lng: doublePrecision('lng'),
    lat: doublePrecision('lat'),
    status: text('status').notNull(),
    ...audit,
  },
  (t) => [
    unique('facilities_name_uq').on(t.communityId, t.name),
    index('facilities_type_idx').on(t.communityId, t.type),
  ],
);

/** Map features (DB33 7.2.3.7): GeoJSON geometry (WGS 84) of buildings, spaces, facilities, roads and boundaries. */
export const mapFeatures = base.table(
  'map_features',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    refId: uuid('ref_id'),
    geometry: jsonb('geometry').notNull(),
    properties: jsonb('properties').notNull().default({}),
    ...audit,
  },
  (t) => [
    index('map_features_kind_idx').on(t.communityId, t.kind),
    check('map_features_kind_check', sql`${t.kind} in ('building','space','facility','road','boundary')`),
  ],
);
