import { enqueue } from '@shequ/bus';
import { type DocumentState, type Executor, esignDocuments, esignTrail, type Tx } from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import type { MessageDeps } from '../messaging/send.ts';
import type { PlatformCa } from './ca.ts';

// Rows and helpers shared by documents.ts (lifecycle) and signing.ts (one-time codes, signing).

export interface EsignDeps {
  db: Executor;
  crypto: FieldCrypto;
  /** The platform CA, loaded (or created) once at start. */
  ca: () => Promise<PlatformCa>;
  messages: MessageDeps;
  now?: () => Date;
}

/** The signer: a resident acting for themself. */
export interface Signer extends Actor {
  userId: string;
}

export type DocumentRow = typeof esignDocuments.$inferSelect;

export function documentView(d: DocumentRow, now = new Date()) {
  return {
    id: d.id,
    title: d.title,
    templateId: d.templateId,
    templateVersion: d.templateVersion,
    values: d.values,
    // A sent document past its expiry is expired even before the job has swept it.
    status: (d.status === 'sent' && d.expiresAt && d.expiresAt <= now ? 'expired' : d.status) as DocumentState,
    signerUserId: d.signerUserId,
    signerName: d.signerName,
    draftSha256: d.draftSha256,
    signedSha256: d.signedSha256,
    createdAt: d.createdAt.toISOString(),
    sentAt: d.sentAt?.toISOString() ?? null,
    expiresAt: d.expiresAt?.toISOString() ?? null,
    signedAt: d.signedAt?.toISOString() ?? null,
    declinedAt: d.declinedAt?.toISOString() ?? null,
    declineReason: d.declineReason,
  };
}
export type DocumentView = ReturnType<typeof documentView>;

export async function trail(
  tx: Tx,
  d: DocumentRow,
  actor: string,
  action: string,
  detail: Record<string, unknown>,
  ip?: string | null,
) {
  await tx
    .insert(esignTrail)
    .values({ communityId: d.communityId, documentId: d.id, actor, action, detail, sourceIp: ip ?? null });
}

export async function auditDocument(
  tx: Tx,
  actor: Actor,
  action: string,
  d: DocumentRow,
  detail: Record<string, unknown> = {},
) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `esign.document.${action}`,
    objectType: 'esign_document',
    objectId: d.id,
    communityId: d.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { title: d.title, signer: d.signerUserId, ...detail },
  });
  await enqueue(tx, {
    subject: `shequ.esign.${action}`,
    communityId: d.communityId,
    data: {
      id: d.id,
      templateId: d.templateId,
      signerUserId: d.signerUserId,
      status: d.status,
      signedSha256: d.signedSha256,
    },
  });
}

export async function documentIn(tx: Tx, communityId: string, id: string, lock = false): Promise<DocumentRow> {
  const q = tx
    .select()
    .from(esignDocuments)
    .where(and(eq(esignDocuments.id, id), eq(esignDocuments.communityId, communityId)));
  const [d] = lock ? await q.for('update') : await q;
  if (!d) throw notFound('Contract', '合同');
  return d;
}

export const notSignable = (d: DocumentRow, now: Date) => {
  if (d.status === 'sent' && d.expiresAt && d.expiresAt <= now) {
    return new AppError('CONFLICT', { zh: '合同已过签署期限', en: 'The contract has passed its signing deadline' });
  }
  if (d.status !== 'sent') {
    return new AppError('CONFLICT', {
      zh: `合同当前状态为「${d.status}」，不能签署`,
      en: `The contract is ${d.status} and cannot be signed`,
    });
  }
  return null;
};
