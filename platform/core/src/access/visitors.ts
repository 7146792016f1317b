import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { enqueue } from '@shequ/bus';
import { type Executor, type Tx, visitorPasses, withScope } from '@shequ/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { maskPhone } from '../crypto/mask.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';

/** Who invites: a signed-in resident. */
export interface Inviter extends Actor {
  userId: string;
}

export interface AccessDeps {
  db: Executor;
  crypto: FieldCrypto;
}

export type VisitorPassRow = typeof visitorPasses.$inferSelect;

export const accessScope = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

const prefix = 'SQV1';
const macField = 'access.visitor';
/** Fits the people gate's 64-character `personRef`: prefix, the id (22 base64url) and 16 characters of HMAC. */
const tokenRe = /^SQV1\.([\w-]{22})\.([\w-]{16})$/;
const codeRe = /^\d{8}$/;
/** A visitor pass is valid for at most a week and may be issued at most 30 days ahead. */
export const maxWindowDays = 7;
export const maxAdvanceDays = 30;

const idToB64 = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url');
const b64ToId = (s: string) => {
  const h = Buffer.from(s, 'base64url').toString('hex');
  return h.length === 32
    ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
    : '';
};
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The QR token of a visitor pass: its id signed with the platform HMAC key (its own domain). */
export function visitorToken(crypto: FieldCrypto, id: string) {
  const body = `${prefix}.${idToB64(id)}`;
  return `${body}.${crypto.blindIndex(macField, body).slice(0, 16)}`;
}

/** A pass as its inviter and the console see it; the state reads `expired` once the window has passed. */
export function visitorPassView(p: VisitorPassRow, now = Date.now()) {
  return {
    id: p.id,
    inviterUserId: p.inviterUserId,
    houseId: p.houseId,
    visitorName: p.visitorName,
    visitorPhoneMasked: p.visitorPhoneMasked,
    validFrom: p.validFrom.toISOString(),
    validUntil: p.validUntil.toISOString(),
    maxEntries: p.maxEntries,
    entries: p.entries,
    status: p.status === 'active' && p.validUntil.getTime() <= now ? ('expired' as const) : p.status,
    code: p.code,
    note: p.note,
    createdAt: p.createdAt.toISOString(),
    revokedAt: p.revokedAt?.toISOString() ?? null,
  };
}
export type VisitorPassView = ReturnType<typeof visitorPassView>;

async function audit(tx: Tx, actor: Actor, action: string, p: VisitorPassRow, detail: Record<string, unknown> = {}) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `access.visitor.${action}`,
    objectType: 'access.visitor_pass',
    objectId: p.id,
    communityId: p.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { validFrom: p.validFrom.toISOString(), validUntil: p.validUntil.toISOString(), ...detail },
  });
  await enqueue(tx, {
    subject: `shequ.access.visitor.${action}`,
    communityId: p.communityId,
    data: { id: p.id, inviterUserId: p.inviterUserId, validUntil: p.validUntil.toISOString(), status: p.status },
  });
}

export interface InviteInput {
  visitorName: string;
  visitorPhone?: string | null;
  houseId?: string | null;
  validFrom: Date;
  validUntil: Date;
  maxEntries?: number;
  note?: string | null;
}

const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });

/** A resident invites a visitor: a pass with a validity window, a signed QR token and an 8-digit code. */
export async function inviteVisitor(d: AccessDeps, communityId: string, inviter: Inviter, input: InviteInput) {
  const now = Date.now();
  const from = input.validFrom.getTime();
  const until = input.validUntil.getTime();
  if (!(until > from)) throw invalid('结束时间须晚于开始时间', 'The end must be after the start');
  if (until <= now) throw invalid('有效期已过，请选择将来的时间', 'The validity window has already passed');
  if (until - from > maxWindowDays * 86_400_000) {
    throw invalid(
      `访客通行证最长有效 ${maxWindowDays} 天`,
      `A visitor pass is valid for at most ${maxWindowDays} days`,
    );
  }
  if (from > now + maxAdvanceDays * 86_400_000) {
    throw invalid(`最多提前 ${maxAdvanceDays} 天邀请`, `Invitations open at most ${maxAdvanceDays} days ahead`);
  }
  const phone = input.visitorPhone?.replace(/\s/g, '') || null;
  if (phone && !/^1\d{10}$/.test(phone)) throw invalid('手机号格式不正确', 'The phone number is not valid');
  return withScope(d.db, accessScope(communityId), async (tx) => {
    for (let attempt = 0; ; attempt++) {
      const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
      const taken = await tx
        .select({ id: visitorPasses.id })
        .from(visitorPasses)
        .where(
          and(
            eq(visitorPasses.communityId, communityId),
            eq(visitorPasses.code, code),
            eq(visitorPasses.status, 'active'),
          ),
        );
      if (taken.length && attempt < 5) continue;
      const id = randomUUID();
      const token = visitorToken(d.crypto, id);
      const [row] = await tx
        .insert(visitorPasses)
        .values({
          id,
          communityId,
          inviterUserId: inviter.userId,
          houseId: input.houseId ?? null,
          visitorName: input.visitorName.trim(),
          visitorPhoneMasked: phone ? maskPhone(phone) : null,
          validFrom: input.validFrom,
          validUntil: input.validUntil,
          maxEntries: input.maxEntries ?? 1,
          code,
          tokenDigest: digest(token),
          note: input.note ?? null,
        })
        .returning();
      await audit(tx, inviter, 'invited', row, { maxEntries: row.maxEntries });
      return { ...visitorPassView(row), token };
    }
  });
}

/** The inviter's passes, newest first, each with its QR token while it can still be used. */
export async function myInvitations(d: AccessDeps, communityId: string, userId: string) {
  return withScope(d.db, accessScope(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(visitorPasses)
      .where(and(eq(visitorPasses.communityId, communityId), eq(visitorPasses.inviterUserId, userId)))
      .orderBy(desc(visitorPasses.createdAt))
      .limit(200);
    return rows.map((r) => {
      const v = visitorPassView(r);
      return { ...v, token: v.status === 'active' ? visitorToken(d.crypto, r.id) : null };
    });
  });
}

/** The inviter (or staff, `asStaff`) revokes an active pass; its code stops opening the gate at once. */
export async function revokeInvitation(
  d: AccessDeps,
  communityId: string,
  id: string,
  actor: Inviter,
  opts: { asStaff?: boolean } = {},
) {
  return withScope(d.db, accessScope(communityId), async (tx) => {
    const [p] = await tx.select().from(visitorPasses).where(eq(visitorPasses.id, id)).for('update');
    if (!p || p.communityId !== communityId) throw notFound('visitor pass', '访客邀请');
    if (!opts.asStaff && p.inviterUserId !== actor.userId) throw forbidden();
    if (p.status !== 'active') {
      throw new AppError('CONFLICT', { zh: '该邀请已失效，无需撤销', en: 'This invitation is no longer active' });
    }
    const [row] = await tx
      .update(visitorPasses)
      .set({ status: 'revoked', revokedAt: new Date(), revokedBy: actor.subject })
      .where(eq(visitorPasses.id, id))
      .returning();
    await audit(tx, actor, 'revoked', row);
    return visitorPassView(row);
  });
}

/** Why a code does not open the gate, for the gate record and for the caller. */
export type Refusal = 'invalid' | 'revoked' | 'used_up' | 'not_yet_valid' | 'expired';

export const refusalText: Record<Refusal, { zh: string; en: string }> = {
  invalid: { zh: '通行码无效或已被篡改', en: 'The pass code is not valid or was altered' },
  revoked: { zh: '该访客邀请已被撤销', en: 'This visitor invitation was revoked' },
  used_up: { zh: '该通行码的可用次数已用完', en: 'This pass code has no entries left' },
  not_yet_valid: { zh: '通行码尚未到生效时间', en: 'This pass code is not valid yet' },
  expired: { zh: '通行码已过期', en: 'This pass code has expired' },
};

/** The refusal as an AppError a caller sees (the gate records the same reason). */
export const refusalError = (r: Refusal) => new AppError(r === 'invalid' ? 'NOT_FOUND' : 'CONFLICT', refusalText[r]);

/**
 * Checks a scanned QR token or a typed 8-digit code inside the caller's transaction and, for an entry that is
 * admitted, counts it (the pass becomes `used_up` at its last entry). A refusal changes nothing. Leaving is always
 * allowed to a pass that is not revoked: nobody is kept inside by an expired code.
 */
export async function checkVisitorCode(
  tx: Tx,
  crypto: FieldCrypto,
  communityId: string,
  credential: string,
  direction: 'in' | 'out',
  now: Date,
): Promise<{ pass: VisitorPassRow | null; refusal: Refusal | null }> {
  const c = credential.trim();
  let rows: VisitorPassRow[] = [];
  const m = tokenRe.exec(c);
  if (m) {
    const body = `${prefix}.${m[1]}`;
    const id = b64ToId(m[1]);
    if (!id || !same(crypto.blindIndex(macField, body).slice(0, 16), m[2])) return { pass: null, refusal: 'invalid' };
    rows = await tx
      .select()
      .from(visitorPasses)
      .where(and(eq(visitorPasses.id, id), eq(visitorPasses.tokenDigest, digest(c))))
      .for('update');
  } else if (codeRe.test(c)) {
    // A code is unique among active passes; a used one may repeat, so the newest holder answers.
    rows = await tx
      .select()
      .from(visitorPasses)
      .where(and(eq(visitorPasses.communityId, communityId), eq(visitorPasses.code, c)))
      .orderBy(sql`(status = 'active') desc`, desc(visitorPasses.createdAt))
      .limit(1)
      .for('update');
  }
  const p = rows[0];
  if (!p || p.communityId !== communityId) return { pass: null, refusal: 'invalid' };
  if (p.status === 'revoked') return { pass: p, refusal: 'revoked' };
  if (direction === 'out') return { pass: p, refusal: null };
  if (p.status === 'used_up' || p.entries >= p.maxEntries) return { pass: p, refusal: 'used_up' };
  if (now.getTime() < p.validFrom.getTime()) return { pass: p, refusal: 'not_yet_valid' };
  if (now.getTime() >= p.validUntil.getTime()) return { pass: p, refusal: 'expired' };
  const entries = p.entries + 1;
  const [row] = await tx
    .update(visitorPasses)
    .set({ entries, status: entries >= p.maxEntries ? 'used_up' : 'active' })
    .where(eq(visitorPasses.id, p.id))
    .returning();
  return { pass: row, refusal: null };
}

/**
 * Staff at a manned gate check a visitor's QR token or code: an admitted entry is counted and audited; a refused
 * one throws its reason and changes nothing.
 */
export async function verifyVisitorCode(d: AccessDeps, communityId: string, credential: string, actor: Actor) {
  return withScope(d.db, accessScope(communityId), async (tx) => {
    const r = await checkVisitorCode(tx, d.crypto, communityId, credential, 'in', new Date());
    if (r.refusal || !r.pass) throw refusalError(r.refusal ?? 'invalid');
    await audit(tx, actor, 'admitted', r.pass, { entries: r.pass.entries, by: 'staff' });
    return visitorPassView(r.pass);
  });
}
