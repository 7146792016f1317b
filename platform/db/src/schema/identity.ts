import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgSchema, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export const identity = pgSchema('identity');

export const users = identity.table(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').unique(),
    displayName: text('display_name').notNull(),
    /** L3 field: encrypted envelope; looked up through phone_index (HMAC blind index). */
    phoneCipher: text('phone_cipher'),
    phoneIndex: text('phone_index').unique(),
    passwordHash: text('password_hash'),
    status: text('status').notNull().default('active'),
    locale: text('locale').notNull().default('zh-CN'),
    totpSecretCipher: text('totp_secret_cipher'),
    totpEnabled: boolean('totp_enabled').notNull().default(false),
    oidcIssuer: text('oidc_issuer'),
    oidcSubject: text('oidc_subject'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('users_oidc_uq').on(t.oidcIssuer, t.oidcSubject),
    check('users_status_check', sql`${t.status} in ('active','disabled')`),
  ],
);

/** A role held over a jurisdiction: a community, a street/district/city region, or the whole platform (null). */
export const roleAssignments = identity.table(
  'role_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    regionId: uuid('region_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('role_assignments_uq').on(t.userId, t.role, t.regionId).nullsNotDistinct()],
);

export const sessions = identity.table(
  'sessions',
  {
    /** sha256 of the cookie token: a leaked table does not yield usable cookies. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    method: text('method').notNull(),
    mfaPending: boolean('mfa_pending').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const loginAttempts = identity.table(
  'login_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** HMAC of the identifier typed, so unknown accounts are throttled too without storing what was typed. */
    identifierIndex: text('identifier_index').notNull(),
    userId: uuid('user_id'),
    success: boolean('success').notNull(),
    ip: text('ip'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('login_attempts_ident_idx').on(t.identifierIndex, t.at)],
);

export const oneTimeCodes = identity.table(
  'one_time_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('one_time_codes_user_idx').on(t.userId, t.purpose)],
);

export const oidcFlows = identity.table('oidc_flows', {
  state: text('state').primaryKey(),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  returnTo: text('return_to').notNull().default('/'),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/**
 * Data-entry governance (DB33 9.2.2.1–9.2.2.2): the highest grade a person may enter, and the confidentiality
 * undertaking they accepted before their first entry.
 */
export const dataEntryProfiles = identity.table('data_entry_profiles', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  maxGrade: text('max_grade').notNull().default('L4'),
  ackVersion: text('ack_version'),
  acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
  acknowledgedIp: text('acknowledged_ip'),
});
