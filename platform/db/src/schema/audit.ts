import { bigserial, index, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Audit lives in its own schema, apart from business data; triggers make it append-only. */
export const auditSchema = pgSchema('audit');

export const auditLog = auditSchema.table(
  'log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    subject: text('subject').notNull(),
    subjectRole: text('subject_role'),
    action: text('action').notNull(),
    objectType: text('object_type'),
    objectId: text('object_id'),
    communityId: uuid('community_id'),
    result: text('result').notNull(),
    sourceIp: text('source_ip'),
    requestId: text('request_id'),
    detail: jsonb('detail'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_subject_idx').on(t.subject, t.at),
    index('audit_log_object_idx').on(t.objectType, t.objectId),
  ],
);
