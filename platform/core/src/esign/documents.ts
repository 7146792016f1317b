import { randomInt, timingSafeEqual } from 'node:crypto';
import { enqueue } from '@shequ/bus';
import {
  type DocumentState,
  type Executor,
  esignCodes,
  esignDocuments,
  esignTrail,
  queryRows,
  type Tx,
  withScope,
} from '@shequ/db';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { type MessageDeps, sendMessages } from '../messaging/send.ts';
import { organisationCert, type PlatformCa } from './ca.ts';
import { sha256 } from './pki.ts';
import { renderContract } from './render.ts';
import { signPdf } from './sign.ts';
import { contractTemplateIn, esignScope } from './templates.ts';
import { verifyPdf } from './verify.ts';

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

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
/** A new code may be requested at most once a minute per document. */
export const CODE_RESEND_MS = 60_000;

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

async function trail(
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

async function audit(tx: Tx, actor: Actor, action: string, d: DocumentRow, detail: Record<string, unknown> = {}) {
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

async function documentIn(tx: Tx, communityId: string, id: string, lock = false): Promise<DocumentRow> {
  const q = tx
    .select()
    .from(esignDocuments)
    .where(and(eq(esignDocuments.id, id), eq(esignDocuments.communityId, communityId)));
  const [d] = lock ? await q.for('update') : await q;
  if (!d) throw notFound('Contract', '合同');
  return d;
}

const notSignable = (d: DocumentRow, now: Date) => {
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
    await audit(tx, actor, send ? 'sent' : 'created', row);
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
      bodyZh: `请在「我的 · 待签合同」中阅读并签署，截止 ${doc.expiresAt?.toISOString().slice(0, 10)}。`,
      bodyEn: `Read and sign it under "Me · Contracts to sign" before ${doc.expiresAt?.toISOString().slice(0, 10)}.`,
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
    await audit(tx, actor, 'sent', row);
    return row;
  });
  await notifySent(d, doc);
  return documentView(doc, now);
}

const codeHash = (crypto: FieldCrypto, codeId: string, code: string) =>
  crypto.blindIndex('esign.code', `${codeId}:${code}`);

/**
 * Sends the signer a 6-digit one-time code (SMS and in-app, through the message service). Only its keyed hash is
 * stored; a new code replaces the previous one. Returns when it expires (and, for development sinks only, nothing
 * more: the code itself never leaves this function except in the message).
 */
export async function requestCode(d: EsignDeps, communityId: string, id: string, signer: Signer) {
  const now = d.now?.() ?? new Date();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const issued = await withScope(d.db, esignScope(communityId), async (tx) => {
    const doc = await documentIn(tx, communityId, id, true);
    if (doc.signerUserId !== signer.userId) throw forbidden('signing this contract');
    const bad = notSignable(doc, now);
    if (bad) throw bad;
    const [last] = await tx
      .select({ createdAt: esignCodes.createdAt })
      .from(esignCodes)
      .where(eq(esignCodes.documentId, id))
      .orderBy(desc(esignCodes.createdAt))
      .limit(1);
    if (last && now.getTime() - last.createdAt.getTime() < CODE_RESEND_MS) {
      throw new AppError('RATE_LIMITED', {
        zh: '验证码已发送，请一分钟后再试',
        en: 'A code was just sent; try again in a minute',
      });
    }
    await tx
      .update(esignCodes)
      .set({ consumedAt: now })
      .where(and(eq(esignCodes.documentId, id), isNull(esignCodes.consumedAt)));
    const codeId = crypto.randomUUID();
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
    await tx.insert(esignCodes).values({
      id: codeId,
      communityId,
      documentId: id,
      codeHash: codeHash(d.crypto, codeId, code),
      maxAttempts: CODE_MAX_ATTEMPTS,
      expiresAt,
      createdAt: now,
    });
    await trail(tx, doc, signer.subject, 'code_sent', { channel: 'sms' }, signer.ip);
    await audit(tx, signer, 'code_sent', doc);
    return { doc, expiresAt };
  });
  await sendMessages(d.messages, {
    communityId,
    userIds: [signer.userId],
    channels: ['in_app', 'sms'],
    sender: 'esign',
    urgent: true,
    content: {
      titleZh: '合同签署验证码',
      titleEn: 'Contract signing code',
      bodyZh: `您正在签署《${issued.doc.title}》，验证码 ${code}，10 分钟内有效。请勿告诉他人。`,
      bodyEn: `You are signing "${issued.doc.title}". Your code is ${code}, valid for 10 minutes. Do not share it.`,
    },
  });
  return { expiresAt: issued.expiresAt.toISOString() };
}

const wrongCode = (left: number) =>
  new AppError('INVALID_INPUT', {
    zh: left > 0 ? `验证码错误，还可尝试 ${left} 次` : '验证码错误次数过多，请重新获取',
    en: left > 0 ? `Wrong code; ${left} attempts left` : 'Too many wrong codes; request a new one',
    fieldErrors: { code: ['wrong'] },
  });

/**
 * Signs with the one-time code: checks the code (a wrong one costs an attempt, recorded even though the call fails),
 * appends the certificate-of-completion page with the trail, signs with the community's organisation certificate
 * and a timestamp from the built-in TSA, and stores the signed PDF. A signed document can no longer change.
 */
export async function signDocument(d: EsignDeps, communityId: string, id: string, code: string, signer: Signer) {
  const now = d.now?.() ?? new Date();
  const ca = await d.ca();
  const outcome = await withScope(d.db, esignScope(communityId), async (tx) => {
    const doc = await documentIn(tx, communityId, id, true);
    if (doc.signerUserId !== signer.userId) throw forbidden('signing this contract');
    const bad = notSignable(doc, now);
    if (bad) throw bad;
    const [c] = await tx
      .select()
      .from(esignCodes)
      .where(and(eq(esignCodes.documentId, id), isNull(esignCodes.consumedAt)))
      .orderBy(desc(esignCodes.createdAt))
      .limit(1);
    if (!c || c.expiresAt <= now || c.attempts >= c.maxAttempts) {
      throw new AppError('INVALID_INPUT', {
        zh: '验证码已失效，请重新获取',
        en: 'The code has expired; request a new one',
        fieldErrors: { code: ['expired'] },
      });
    }
    const expected = Buffer.from(c.codeHash);
    const given = Buffer.from(codeHash(d.crypto, c.id, code.trim()));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      // Count the attempt and commit it; the caller gets the error after the transaction.
      await tx
        .update(esignCodes)
        .set({ attempts: sql`${esignCodes.attempts} + 1` })
        .where(eq(esignCodes.id, c.id));
      await trail(tx, doc, signer.subject, 'code_failed', { attempt: c.attempts + 1 }, signer.ip);
      return { error: wrongCode(c.maxAttempts - c.attempts - 1) };
    }
    await tx.update(esignCodes).set({ consumedAt: now }).where(eq(esignCodes.id, c.id));
    await trail(tx, doc, signer.subject, 'code_verified', { method: 'one_time_code' }, signer.ip);
    const entries = await tx.select().from(esignTrail).where(eq(esignTrail.documentId, id)).orderBy(esignTrail.id);
    const org = await organisationCert(tx, d.crypto, ca, communityId);
    const orgName = org.cert.subject.typesAndValues.find((t) => t.type === '2.5.4.3')?.value.valueBlock.value ?? '';
    const pdf = await signPdf({
      pdf: doc.draftPdf,
      signer: org,
      chain: [ca.issuing.cert],
      timestamp: (req) => ca.tsa.respond(req),
      completion: {
        documentId: doc.id,
        title: doc.title,
        signerName: doc.signerName,
        signerId: doc.signerUserId,
        organisation: String(orgName),
        contractSha256: doc.draftSha256,
        signedAt: now,
        trail: entries.map((e) => ({
          at: e.at,
          actor: e.actor === doc.signerUserId ? doc.signerName : e.actor,
          action: actionText[e.action] ?? e.action,
        })),
      },
    });
    const signedSha256 = sha256(pdf).toString('hex');
    const [row] = await tx
      .update(esignDocuments)
      .set({ status: 'signed', signedAt: now, signedPdf: pdf, signedSha256 })
      .where(eq(esignDocuments.id, id))
      .returning();
    await trail(tx, row, signer.subject, 'signed', { sha256: signedSha256, method: 'one_time_code' }, signer.ip);
    await audit(tx, signer, 'signed', row, { sha256: signedSha256 });
    return { row };
  });
  if ('error' in outcome) throw outcome.error;
  return documentView(outcome.row, now);
}

const actionText: Record<string, string> = {
  created: '创建合同 created',
  sent: '发送给签署人 sent to signer',
  code_sent: '发送验证码 code sent',
  code_failed: '验证码错误 wrong code',
  code_verified: '验证码确认身份 identity confirmed by one-time code',
};

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
    await audit(tx, signer, 'declined', row);
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
