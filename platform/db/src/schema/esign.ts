import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Electronic signature: the platform certificate authority, contract templates, documents with their signer, one-time
 * codes and the per-document audit trail. Private keys are never stored in clear: `key_envelope` is a FieldCrypto
 * envelope bound to the row's purpose. Signed documents are immutable (trigger in the security migration).
 */
export const esignSchema = pgSchema('esign');

/** bytea read as a Buffer on both engines (PGlite returns a Uint8Array). */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array | string }>({
  dataType: () => 'bytea',
  fromDriver: (v) =>
    typeof v === 'string' ? Buffer.from(v.startsWith('\\x') ? v.slice(2) : v, 'hex') : Buffer.from(v),
  toDriver: (v) => v,
});

export const caKinds = ['root', 'issuing', 'tsa', 'organisation', 'device_ca'] as const;
export type CaKind = (typeof caKinds)[number];

/**
 * Certificates and keys of the platform CA: one root, one issuing CA, one time-stamp authority and one device CA
 * (which issues devices' MQTT client certificates) platform-wide
 * (community_id null, invisible to the application role), and one organisation certificate per community.
 */
export const esignCertificates = esignSchema.table(
  'certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').$type<CaKind>().notNull(),
    communityId: uuid('community_id'),
    subject: text('subject').notNull(),
    serial: text('serial').notNull(),
    certDer: bytea('cert_der').notNull(),
    /** PKCS#8 private key, encrypted by the platform field crypto (context `esign.key.<kind>`). */
    keyEnvelope: text('key_envelope').notNull(),
    notBefore: timestamp('not_before', { withTimezone: true }).notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('certificates_platform_kind').on(t.kind).where(sql`community_id is null`),
    uniqueIndex('certificates_org').on(t.communityId, t.kind).where(sql`community_id is not null`),
    check('certificates_kind', sql`${t.kind} in ('root','issuing','tsa','organisation','device_ca')`),
    check('certificates_scope', sql`(${t.kind} = 'organisation') = (${t.communityId} is not null)`),
  ],
);

/** A template variable: `{{key}}` in the body is replaced by the document's value. */
export interface TemplateVariable {
  key: string;
  label: string;
  required: boolean;
}

export const esignTemplates = esignSchema.table(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    body: text('body').notNull(),
    variables: jsonb('variables').$type<TemplateVariable[]>().notNull().default(sql`'[]'::jsonb`),
    /** Days a sent document waits for its signer before it expires. */
    validDays: integer('valid_days').notNull().default(14),
    status: text('status').$type<'active' | 'archived'>().notNull().default('active'),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('templates_community_idx').on(t.communityId),
    check('templates_status', sql`${t.status} in ('active','archived')`),
    check('templates_valid_days', sql`${t.validDays} between 1 and 365`),
    check('templates_name', sql`length(${t.name}) between 1 and 200`),
  ],
);

export const documentStates = ['draft', 'sent', 'signed', 'declined', 'expired'] as const;
export type DocumentState = (typeof documentStates)[number];

export const esignDocuments = esignSchema.table(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    templateId: uuid('template_id')
      .notNull()
      .references(() => esignTemplates.id),
    templateVersion: integer('template_version').notNull(),
    title: text('title').notNull(),
    values: jsonb('values').$type<Record<string, string>>().notNull(),
    status: text('status').$type<DocumentState>().notNull().default('draft'),
    signerUserId: uuid('signer_user_id').notNull(),
    signerName: text('signer_name').notNull(),
    /** The rendered, unsigned contract (what the signer reads). */
    draftPdf: bytea('draft_pdf').notNull(),
    draftSha256: text('draft_sha256').notNull(),
    signedPdf: bytea('signed_pdf'),
    signedSha256: text('signed_sha256'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    signedAt: timestamp('signed_at', { withTimezone: true }),
    declinedAt: timestamp('declined_at', { withTimezone: true }),
    declineReason: text('decline_reason'),
  },
  (t) => [
    index('documents_community_idx').on(t.communityId, t.createdAt),
    index('documents_signer_idx').on(t.signerUserId, t.createdAt),
    check('documents_status', sql`${t.status} in ('draft','sent','signed','declined','expired')`),
    check('documents_signed_pdf', sql`(${t.status} = 'signed') = (${t.signedPdf} is not null)`),
  ],
);

/** One-time codes: only a salted hash is kept; a code dies after its expiry, its attempts or its use. */
export const esignCodes = esignSchema.table(
  'codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => esignDocuments.id),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('codes_document_idx').on(t.documentId, t.createdAt),
    check('codes_attempts', sql`${t.attempts} between 0 and ${t.maxAttempts}`),
  ],
);

/** The document's audit trail, printed on the certificate-of-completion page. Append-only. */
export const esignTrail = esignSchema.table(
  'trail',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communityId: uuid('community_id').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => esignDocuments.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    sourceIp: text('source_ip'),
  },
  (t) => [index('trail_document_idx').on(t.documentId, t.id)],
);
