import { randomInt, timingSafeEqual } from 'node:crypto';
import { esignCodes, esignDocuments, esignTrail, withScope } from '@shequ/db';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, forbidden } from '../errors.ts';
import { sendMessages } from '../messaging/send.ts';
import { organisationCert } from './ca.ts';
import {
  auditDocument,
  documentIn,
  documentView,
  type EsignDeps,
  notSignable,
  type Signer,
  trail,
} from './document-rows.ts';
import { sha256 } from './pki.ts';
import { signPdf } from './sign.ts';
import { esignScope } from './templates.ts';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
/** A new code may be requested at most once a minute per document. */
export const CODE_RESEND_MS = 60_000;

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
    await auditDocument(tx, signer, 'code_sent', doc);
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
    await auditDocument(tx, signer, 'signed', row, { sha256: signedSha256 });
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
