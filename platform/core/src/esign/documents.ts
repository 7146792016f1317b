import { enqueue } from '@shequ/bus';
import { type Executor, esignDocuments, esignTrail, queryRows, withScope } from '@shequ/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { sendMessages } from '../messaging/send.ts';
import { communityDate } from '../time.ts';
import {
  auditDocument,
  type DocumentRow,
  documentIn,
  documentView,
  type EsignDeps,
  notSignable,
  type Signer,
  trail,
} from './document-rows.ts';
import { sha256 } from './pki.ts';
import { renderContract } from './render.ts';
import { contractTemplateIn, esignScope } from './templates.ts';
import { verifyPdf } from './verify.ts';

export { type DocumentRow, type DocumentView, documentView, type EsignDeps, type Signer } from './document-rows.ts';

export interface CreateDocumentInput {
  templateId: string;
  signerUserId: string;
  signerName: string;
  values: Record<string, string>;
  title?: string;
  /** Send at once (the default) or keep as a draft. */
  send?: boolean;
}

/** Renders the template for one resident signer; sends it (in-app notice) unless `send` is false. */
export async function createDocument(d: EsignDeps, communityId: string, input: CreateDocumentInput, actor: Actor) {
  const now = d.now?.() ?? new Date();
  const doc = await withScope(d.db, esignScope(communityId), async (tx) => {
    const t = await contractTemplateIn(tx, communityId, input.templateId);
    if (t.status !== 'active')
      throw new AppError('CONFLICT', { zh: '模板已归档，不能再使用', en: 'The template is archived' });
    const missing = t.variables.filter((v) => v.required && !input.values[v.key]?.trim()).map((v) => v.label);
    if (missing.length) {
      throw new AppError('INVALID_INPUT', {
        zh: `请填写：${missing.join('、')}`,
        en: `Please fill in: ${missing.join(', ')}`,
        fieldErrors: { values: missing },
      });
    }
    const values = Object.fromEntries(t.variables.map((v) => [v.key, (input.values[v.key] ?? '').trim()]));
    const title = (input.title ?? t.name).trim().slice(0, 200) || t.name;
    const id = crypto.randomUUID();
    const pdf = await renderContract({ title, body: t.body, values, footer: `合同编号 Document ${id}` });
    const send = input.send ?? true;
    const [row] = await tx
      .insert(esignDocuments)
      .values({
        id,
        communityId,
        templateId: t.id,
        templateVersion: t.version,
        title,
        values,
        status: send ? 'sent' : 'draft',
        signerUserId: input.signerUserId,
        signerName: input.signerName.trim(),
        draftPdf: pdf,
        draftSha256: sha256(pdf).toString('hex'),
        createdBy: actor.subject,
        sentAt: send ? now : null,
        expiresAt: send ? new Date(now.getTime() + t.validDays * 86_400_000) : null,
      })
      .returning();
    await trail(
      tx,
      row,
      actor.subject,
      'created',
      { template: t.name, version: t.version, sha256: row.draftSha256 },
      actor.ip,
    );
    if (send) await trail(tx, row, actor.subject, 'sent', { to: row.signerName }, actor.ip);
    await auditDocument(tx, actor, send ? 'sent' : 'created', row);
    return row;
  });
  if (doc.status === 'sent') await notifySent(d, doc);
  return documentView(doc, now);
}

async function notifySent(d: EsignDeps, doc: DocumentRow) {
  await sendMessages(d.messages, {
    communityId: doc.communityId,
    userIds: [doc.signerUserId],
    channels: ['in_app'],
    sender: 'esign',
    content: {
      titleZh: `待签合同：${doc.title}`,
      titleEn: `Contract to sign: ${doc.title}`,
      bodyZh: `请在「我的 · 待签合同」中阅读并签署，截止 ${doc.expiresAt ? communityDate(doc.expiresAt) : ''}。`,
      bodyEn: `Read and sign it under "Me · Contracts to sign" before ${doc.expiresAt ? communityDate(doc.expiresAt) : ''}.`,
    },
  });
}

/** Sends a draft to its signer. */
export async function sendDocument(d: EsignDeps, communityId: string, id: string, actor: Actor) {
  const now = d.now?.() ?? new Date();
  const doc = await withScope(d.db, esignScope(communityId), async (tx) => {
    const cur = await documentIn(tx, communityId, id, true);
    if (cur.status !== 'draft')
      throw new AppError('CONFLICT', { zh: '只有草稿可以发送', en: 'Only a draft can be sent' });
    const t = await contractTemplateIn(tx, communityId, cur.templateId);
    const [row] = await tx
      .update(esignDocuments)
      .set({ status: 'sent', sentAt: now, expiresAt: new Date(now.getTime() + t.validDays * 86_400_000) })
      .where(eq(esignDocuments.id, id))
      .returning();
    await trail(tx, row, actor.subject, 'sent', { to: row.signerName }, actor.ip);
    await auditDocument(tx, actor, 'sent', row);
    return row;
  });
  await notifySent(d, doc);
  return documentView(doc, now);
}

export async function declineDocument(d: EsignDeps, communityId: string, id: string, reason: string, signer: Signer) {
  const now = d.now?.() ?? new Date();
  return withScope(d.db, esignScope(communityId), async (tx) => {
    const doc = await documentIn(tx, communityId, id, true);
    if (doc.signerUserId !== signer.userId) throw forbidden('declining this contract');
    const bad = notSignable(doc, now);
    if (bad) throw bad;
    const [row] = await tx
      .update(esignDocuments)
      .set({ status: 'declined', declinedAt: now, declineReason: reason.trim().slice(0, 500) || null })
      .where(eq(esignDocuments.id, id))
      .returning();
    await trail(tx, row, signer.subject, 'declined', { reason: row.declineReason }, signer.ip);
    await auditDocument(tx, signer, 'declined', row);
    return documentView(row, now);
  });
}

/**
 * Marks sent contracts past their deadline `expired`, across communities, a batch at a time (SKIP LOCKED: several
 * processes may sweep at once), with a trail entry and a `shequ.esign.expired` event each.
 */
export async function expireDueDocuments(db: Executor, limit = 500): Promise<number> {
  return withScope(db, { kind: 'all' }, async (tx) => {
    const rows = await queryRows<{ id: string; community_id: string; template_id: string; signer_user_id: string }>(
      tx,
      sql`with due as (
            select id from esign.documents
            where status = 'sent' and expires_at <= now()
            order by expires_at
            limit ${limit}
            for update skip locked
          )
          update esign.documents d set status = 'expired'
          from due where d.id = due.id
          returning d.id, d.community_id, d.template_id, d.signer_user_id`,
    );
    if (rows.length === 0) return 0;
    await tx.insert(esignTrail).values(
      rows.map((r) => ({
        communityId: r.community_id,
        documentId: r.id,
        actor: 'system',
        action: 'expired',
        detail: {},
      })),
    );
    await enqueue(
      tx,
      rows.map((r) => ({
        subject: 'shequ.esign.expired',
        communityId: r.community_id,
        data: { id: r.id, templateId: r.template_id, signerUserId: r.signer_user_id, status: 'expired' },
      })),
    );
    return rows.length;
  });
}

/** Polls for contracts past their deadline every `intervalMs` until stopped. */
export function startContractExpiry(
  db: Executor,
  opts: { intervalMs?: number; onError?: (err: unknown) => void } = {},
) {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(() => expireDueDocuments(db).catch((err) => opts.onError?.(err)));
  }, opts.intervalMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

export async function listDocuments(
  db: Executor,
  communityId: string,
  opts: { signerUserId?: string; limit?: number } = {},
) {
  return withScope(db, esignScope(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(esignDocuments)
      .where(
        opts.signerUserId
          ? and(eq(esignDocuments.communityId, communityId), eq(esignDocuments.signerUserId, opts.signerUserId))
          : eq(esignDocuments.communityId, communityId),
      )
      .orderBy(desc(esignDocuments.createdAt))
      .limit(Math.min(opts.limit ?? 100, 500));
    return rows.map((r) => documentView(r));
  });
}

/** A document with its trail; a signer sees only their own. */
export async function getDocument(db: Executor, communityId: string, id: string, signerUserId?: string) {
  return withScope(db, esignScope(communityId), async (tx) => {
    const doc = await documentIn(tx, communityId, id);
    if (signerUserId && doc.signerUserId !== signerUserId) throw notFound('Contract', '合同');
    const entries = await tx.select().from(esignTrail).where(eq(esignTrail.documentId, id)).orderBy(esignTrail.id);
    return {
      ...documentView(doc),
      trail: entries.map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, detail: e.detail })),
    };
  });
}

/** The PDF to download: the signed one once signed, else the draft. */
export async function documentPdf(db: Executor, communityId: string, id: string, signerUserId?: string) {
  return withScope(db, esignScope(communityId), async (tx) => {
    const doc = await documentIn(tx, communityId, id);
    if (signerUserId && doc.signerUserId !== signerUserId) throw notFound('Contract', '合同');
    const pdf = doc.signedPdf ?? doc.draftPdf;
    return { filename: `${doc.title}${doc.signedPdf ? '-signed' : ''}.pdf`, pdf, signed: !!doc.signedPdf };
  });
}

/** Verifies an uploaded PDF against the platform root (no database row needed: anyone may check a contract). */
export async function verifyUpload(d: Pick<EsignDeps, 'ca'>, pdf: Uint8Array) {
  if (pdf.length === 0 || pdf.length > 20 * 1024 * 1024) {
    throw new AppError('INVALID_INPUT', { zh: '请上传 20 MB 以内的 PDF 文件', en: 'Upload a PDF of at most 20 MB' });
  }
  const ca = await d.ca();
  return verifyPdf(pdf, ca.root.cert);
}
