import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
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
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The marketplace catalog (DB33 7.3.4.3, 7.5.2.3): publishers and their signing keys, app listings, immutable
 * versions, submissions through review onto the shelf, signed review reports and kill switches. The catalog is
 * platform-wide (not community data); per-community install preferences (pins) are community data under RLS.
 */
export const market = pgSchema('market');

interface Text {
  zh: string;
  en: string;
}

/** A service-provider organisation that publishes apps. */
export const marketPublishers = market.table('publishers', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Short stable name, e.g. `org.example`; app ids of the publisher start with it. */
  slug: text('slug').notNull().unique(),
  name: jsonb('name').$type<Text>().notNull(),
  /** Platform accounts that may publish for it (user ids, or `cli`). */
  members: jsonb('members').$type<string[]>().notNull().default([]),
  /** `local`, or the id of the upstream catalog the publisher was learned from (federation, DB33 8.1.1). */
  source: text('source').notNull().default('local'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Publisher ed25519 keys. Rotation adds a key; revocation stops the key from signing new submissions. */
export const marketPublisherKeys = market.table(
  'publisher_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    publisherId: uuid('publisher_id')
      .notNull()
      .references(() => marketPublishers.id),
    keyId: text('key_id').notNull(),
    /** SPKI DER, base64. */
    publicKey: text('public_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [unique('publisher_keys_key_uq').on(t.keyId), unique('publisher_keys_public_uq').on(t.publicKey)],
);

/** One app in the catalog, owned by one publisher. `source` is `local` or, later, an upstream catalog's id. */
export const marketListings = market.table('listings', {
  pluginId: text('plugin_id').primaryKey(),
  publisherId: uuid('publisher_id')
    .notNull()
    .references(() => marketPublishers.id),
  name: jsonb('name').$type<Text>().notNull(),
  description: jsonb('description').$type<Text>().notNull(),
  scenario: text('scenario').notNull(),
  source: text('source').notNull().default('local'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Immutable versions: the signed archive as uploaded. A trigger refuses updates, deletes and any version not above
 * every earlier version of the app (no overwrite, no downgrade).
 */
export const marketVersions = market.table(
  'versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pluginId: text('plugin_id')
      .notNull()
      .references(() => marketListings.pluginId),
    version: text('version').notNull(),
    major: integer('major').notNull(),
    minor: integer('minor').notNull(),
    patch: integer('patch').notNull(),
    prerelease: text('prerelease'),
    /** `json`: the author's key order matters (pages, menus). */
    manifest: json('manifest').notNull(),
    /** The `.shequ` archive, base64. */
    archive: text('archive').notNull(),
    archiveSha256: text('archive_sha256').notNull(),
    archiveBytes: integer('archive_bytes').notNull(),
    keyId: text('key_id').notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('versions_plugin_version_uq').on(t.pluginId, t.version),
    check('versions_parts_nonnegative', sql`${t.major} >= 0 and ${t.minor} >= 0 and ${t.patch} >= 0`),
    check(
      'versions_text_matches_parts',
      sql`${t.version} = ${t.major}::text || '.' || ${t.minor}::text || '.' || ${t.patch}::text || coalesce('-' || ${t.prerelease}, '')`,
    ),
  ],
);

export const submissionStates = [
  'submitted',
  'in_review',
  'approved',
  'rejected',
  'on_shelf',
  'off_shelf',
  'withdrawn',
] as const;
export type SubmissionState = (typeof submissionStates)[number];

/** A version's way through review and the shelf. A version has at most one live submission; resubmitting opens a new one. */
export const marketSubmissions = market.table(
  'submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => marketVersions.id),
    pluginId: text('plugin_id').notNull(),
    version: text('version').notNull(),
    state: text('state').$type<SubmissionState>().notNull().default('submitted'),
    submittedBy: text('submitted_by').notNull(),
    reviewer: text('reviewer'),
    reasons: jsonb('reasons').$type<Text[]>().notNull().default([]),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    check(
      'submissions_state_check',
      sql`${t.state} in ('submitted','in_review','approved','rejected','on_shelf','off_shelf','withdrawn')`,
    ),
    check('submissions_rejected_has_reasons', sql`${t.state} <> 'rejected' or jsonb_array_length(${t.reasons}) > 0`),
    uniqueIndex('submissions_live_uq').on(t.versionId).where(sql`${t.state} not in ('rejected','withdrawn')`),
    index('submissions_state_idx').on(t.state, t.createdAt),
    index('submissions_plugin_idx').on(t.pluginId, t.createdAt),
  ],
);

export interface ReviewItem {
  id: string;
  level: 'pass' | 'warn' | 'fail';
  zh: string;
  en: string;
}

/** The automated review of a version, signed by the platform review key (ed25519 over the canonical JSON). */
export const marketReviewReports = market.table(
  'review_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => marketVersions.id),
    passed: boolean('passed').notNull(),
    items: jsonb('items').$type<ReviewItem[]>().notNull(),
    escalation: jsonb('escalation').$type<string[]>().notNull().default([]),
    body: text('body').notNull(),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('review_reports_version_idx').on(t.versionId, t.createdAt)],
);

/** A killed version: every install disabled everywhere; it never goes back on the shelf. */
export const marketKills = market.table('kills', {
  versionId: uuid('version_id')
    .primaryKey()
    .references(() => marketVersions.id),
  pluginId: text('plugin_id').notNull(),
  version: text('version').notNull(),
  reason: text('reason').notNull(),
  killedBy: text('killed_by').notNull(),
  disabledInstalls: integer('disabled_installs').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The platform's own signing keys (review reports), the private key encrypted with the field key. */
export const marketPlatformKeys = market.table('platform_keys', {
  keyId: text('key_id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKeyEnc: text('private_key_enc').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Community choices about a marketplace app: a pinned version is left alone by bulk upgrades. Community data (RLS). */
export const marketInstallPrefs = market.table(
  'install_prefs',
  {
    communityId: uuid('community_id').notNull(),
    pluginId: text('plugin_id').notNull(),
    pinnedVersion: text('pinned_version'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.pluginId], name: 'install_prefs_pk' })],
);

/**
 * Federation (DB33 8.1.1): this catalog's own index serial. Every issued index takes the next serial, so followers can
 * refuse replayed older indexes. One row (`id` = `self`).
 */
export const marketCatalogState = market.table('catalog_state', {
  id: text('id').primaryKey(),
  serial: bigint('serial', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Upstream catalogs this catalog follows. The operator pins the upstream's catalog key (its fingerprint, or the full
 * key) when adding it: no trust on first use. `lastSerial` only goes up; `lastError` says why the last sync failed.
 */
export const marketUpstreams = market.table(
  'upstreams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    /** The upstream's catalog id, learned from its first verified index (then fixed). */
    catalogId: text('catalog_id'),
    /** The pinned key fingerprint (first 16 hex digits of SHA-256 over the SPKI DER). */
    keyFingerprint: text('key_fingerprint').notNull(),
    /** The pinned key itself (SPKI DER base64): given by the operator, or taken from the first index matching the fingerprint. */
    publicKey: text('public_key'),
    active: boolean('active').notNull().default(true),
    lastSerial: bigint('last_serial', { mode: 'number' }).notNull().default(0),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastError: jsonb('last_error').$type<Text>(),
    addedBy: text('added_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('upstreams_url_uq').on(t.url), unique('upstreams_catalog_uq').on(t.catalogId)],
);

/**
 * Versions taken from an upstream: what the upstream last said about each (shelf state, kill) and the local hold (a
 * local administrator took it off this shelf; upstream listing it again does not put it back).
 */
export const marketFederatedVersions = market.table(
  'federated_versions',
  {
    versionId: uuid('version_id')
      .primaryKey()
      .references(() => marketVersions.id),
    upstreamId: uuid('upstream_id')
      .notNull()
      .references(() => marketUpstreams.id),
    /** The publisher key the upstream's signed index named for this version (SPKI DER base64). */
    publisherKey: text('publisher_key').notNull(),
    upstreamState: text('upstream_state').$type<'on_shelf' | 'off_shelf'>().notNull(),
    upstreamKilled: boolean('upstream_killed').notNull().default(false),
    localHold: boolean('local_hold').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('federated_versions_state_check', sql`${t.upstreamState} in ('on_shelf','off_shelf')`),
    index('federated_versions_upstream_idx').on(t.upstreamId),
  ],
);

export const rolloutStages = ['pilot', 'full'] as const;
export type RolloutStage = (typeof rolloutStages)[number];
export const rolloutStatuses = ['active', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];

/**
 * A staged upgrade (DB33 7.5.2.3): one app from one version to a newer one, pilot communities first, then the rest.
 * While active, the checker rolls every upgraded community back when the new version's handler error rate passes
 * `threshold` over at least `minCalls` calls. At most one active rollout per app. Platform-wide like the catalog:
 * written by platform-scoped work; who may start one is checked per community by the service.
 */
export const marketRollouts = market.table(
  'rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pluginId: text('plugin_id').notNull(),
    fromVersion: text('from_version').notNull(),
    toVersion: text('to_version').notNull(),
    stage: text('stage').$type<RolloutStage>().notNull().default('pilot'),
    status: text('status').$type<RolloutStatus>().notNull().default('active'),
    /** Error rate (0–1) of the new version above which the checker rolls back. */
    threshold: doublePrecision('threshold').notNull(),
    /** Calls of the new version needed before its error rate counts. */
    minCalls: integer('min_calls').notNull(),
    /** The operator's answer to a permission escalation (as `upgradePlugin`'s `grantNew`), or null when none was asked. */
    grantNew: jsonb('grant_new').$type<string[]>(),
    reason: jsonb('reason').$type<Text>(),
    startedBy: text('started_by').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    promotedAt: timestamp('promoted_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    check('rollouts_stage_check', sql`${t.stage} in ('pilot','full')`),
    check('rollouts_status_check', sql`${t.status} in ('active','completed','rolled_back','aborted')`),
    check('rollouts_threshold_check', sql`${t.threshold} > 0 and ${t.threshold} <= 1 and ${t.minCalls} >= 1`),
    uniqueIndex('rollouts_active_uq').on(t.pluginId).where(sql`${t.status} = 'active'`),
    index('rollouts_plugin_idx').on(t.pluginId, t.startedAt),
  ],
);

export const rolloutCommunityStates = ['pending', 'upgraded', 'failed', 'skipped', 'rolled_back', 'left'] as const;
export type RolloutCommunityState = (typeof rolloutCommunityStates)[number];

/** The communities of a rollout: pilot or the rest, and where each one is. */
export const marketRolloutCommunities = market.table(
  'rollout_communities',
  {
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => marketRollouts.id),
    communityId: uuid('community_id').notNull(),
    pilot: boolean('pilot').notNull(),
    state: text('state').$type<RolloutCommunityState>().notNull().default('pending'),
    /** Why it failed or was skipped (pinned, migration failure, escalation not granted). */
    note: jsonb('note').$type<Text>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.communityId], name: 'rollout_communities_pk' }),
    check(
      'rollout_communities_state_check',
      sql`${t.state} in ('pending','upgraded','failed','skipped','rolled_back','left')`,
    ),
    index('rollout_communities_community_idx').on(t.communityId),
  ],
);

/** Longest review text (characters) and publisher reply. */
export const appReviewMaxChars = 2000;

/**
 * Ratings and reviews of catalog apps (DB33 7.5.2.3 browse): one per community and app, written by the community's
 * operators while the app is installed there, editable; the publisher may reply once; a reviewer or administrator may
 * hide one with a reason. Community data (RLS on writes); every operator browsing the catalog reads them.
 */
export const marketAppReviews = market.table(
  'app_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pluginId: text('plugin_id')
      .notNull()
      .references(() => marketListings.pluginId),
    communityId: uuid('community_id').notNull(),
    rating: integer('rating').notNull(),
    body: text('body').notNull().default(''),
    /** The version installed when the review was last written. */
    version: text('version').notNull(),
    author: text('author').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    reply: text('reply'),
    repliedBy: text('replied_by'),
    repliedAt: timestamp('replied_at', { withTimezone: true }),
    hiddenAt: timestamp('hidden_at', { withTimezone: true }),
    hiddenBy: text('hidden_by'),
    hiddenReason: text('hidden_reason'),
  },
  (t) => [
    unique('app_reviews_community_uq').on(t.pluginId, t.communityId),
    check('app_reviews_rating_range', sql`${t.rating} between 1 and 5`),
    check('app_reviews_body_length', sql`char_length(${t.body}) <= 2000`),
    check('app_reviews_reply_length', sql`${t.reply} is null or char_length(${t.reply}) between 1 and 2000`),
    check('app_reviews_hidden_reason', sql`${t.hiddenAt} is null or char_length(${t.hiddenReason}) > 0`),
    index('app_reviews_plugin_idx').on(t.pluginId, t.updatedAt),
  ],
);

/**
 * Each app's rating totals over its visible reviews, kept by a trigger on `app_reviews` (deltas under the row lock),
 * so browsing the catalog joins one row per app instead of aggregating every review.
 */
export const marketAppRatings = market.table(
  'app_ratings',
  {
    pluginId: text('plugin_id')
      .primaryKey()
      .references(() => marketListings.pluginId),
    ratings: integer('ratings').notNull().default(0),
    ratingSum: integer('rating_sum').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('app_ratings_nonnegative', sql`${t.ratings} >= 0 and ${t.ratingSum} >= 0`)],
);

/**
 * The daily operations report (DB33 8.1.2): the previous community day's aggregate figures per app and community,
 * signed with the platform key, kept for an upstream (the supervising platform) to fetch. Aggregates only.
 */
export const marketOperationsReports = market.table('operations_reports', {
  day: date('day', { mode: 'string' }).primaryKey(),
  report: jsonb('report').$type<Record<string, unknown>>().notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Downstream catalogs whose daily operations reports (DB33 8.1.2) this catalog accepts. An administrator registers each
 * follower with its catalog id and pins its catalog key (the key its own followers pin), as followers pin upstreams:
 * no trust on first use. `regionPath` places it in this platform's region tree for jurisdiction (null: platform-wide
 * roles only).
 */
export const marketDownstreams = market.table(
  'downstreams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    catalogId: text('catalog_id').notNull(),
    name: text('name').notNull(),
    keyFingerprint: text('key_fingerprint').notNull(),
    publicKey: text('public_key'),
    regionId: uuid('region_id'),
    regionPath: text('region_path'),
    active: boolean('active').notNull().default(true),
    lastReportAt: timestamp('last_report_at', { withTimezone: true }),
    addedBy: text('added_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('downstreams_catalog_uq').on(t.catalogId)],
);

/**
 * Operations reports received from downstream catalogs, as signed by them. One row per downstream, day and report hash:
 * a resend of the same report stores nothing twice.
 */
export const marketDownstreamReports = market.table(
  'downstream_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    downstreamId: uuid('downstream_id')
      .notNull()
      .references(() => marketDownstreams.id),
    catalogId: text('catalog_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    reportHash: text('report_hash').notNull(),
    report: jsonb('report').$type<Record<string, unknown>>().notNull(),
    signature: text('signature').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('downstream_reports_uq').on(t.downstreamId, t.day, t.reportHash),
    index('downstream_reports_day_idx').on(t.day),
  ],
);

/**
 * Each attempt to push a daily operations report to a followed upstream: `delivered` (stored there), `duplicate` (the
 * upstream had it already) or `failed` with the error; failures are retried with backoff.
 */
export const marketReportDeliveries = market.table(
  'report_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    upstreamId: uuid('upstream_id')
      .notNull()
      .references(() => marketUpstreams.id),
    day: date('day', { mode: 'string' }).notNull(),
    status: text('status').notNull(),
    httpStatus: integer('http_status'),
    error: jsonb('error').$type<Text>(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('report_deliveries_upstream_day_idx').on(t.upstreamId, t.day),
    check('report_deliveries_status', sql`${t.status} in ('delivered', 'duplicate', 'failed')`),
  ],
);
