import { timingSafeEqual } from 'node:crypto';
import { enqueue } from '@shequ/bus';
import { bookings, type Executor, spaces, withScope } from '@shequ/db';
import { and, eq, gte, inArray, lte } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { type BookingRow, bookingView } from './bookings.ts';

/** Check-in opens this long before the start and closes at the end of the slot. */
export const checkInEarlyMinutes = 30;

const prefix = 'SQB1';
const macField = 'booking.checkin';
const tokenRe = /^SQB1\.([0-9a-f-]{36})\.([0-9a-z]{1,10})\.([0-9a-z]{1,10})\.([\w-]{43})$/;
const codeRe = /^([0-9A-Z]{6})-?([0-9A-Z]{6})$/;

const invalidCode = () =>
  new AppError('INVALID_INPUT', { zh: '签到码无效或已被篡改', en: 'The check-in code is not valid or was altered' });

const macOf = (crypto: FieldCrypto, body: string) => crypto.blindIndex(macField, body);

const window = (b: Pick<BookingRow, 'startsAt' | 'endsAt'>) => ({
  from: Math.floor(b.startsAt.getTime() / 1000) - checkInEarlyMinutes * 60,
  to: Math.floor(b.endsAt.getTime() / 1000),
});

/**
 * The QR code of a booking: its id and validity window, signed with the platform's HMAC key (the field-crypto
 * blind-index key, with its own domain), so a changed id or window fails verification.
 */
export function checkInToken(crypto: FieldCrypto, b: Pick<BookingRow, 'id' | 'startsAt' | 'endsAt'>) {
  const w = window(b);
  const body = `${prefix}.${b.id}.${w.from.toString(36)}.${w.to.toString(36)}`;
  return `${body}.${macOf(crypto, body)}`;
}

/** A short code for typing in when the QR code cannot be scanned: 12 characters derived from the same signature. */
export function checkInCode(crypto: FieldCrypto, b: Pick<BookingRow, 'id' | 'startsAt' | 'endsAt'>) {
  const mac = macOf(crypto, `code.${b.id}`);
  const digits = BigInt(`0x${Buffer.from(mac, 'base64url').subarray(0, 8).toString('hex')}`).toString(36);
  const c = digits.toUpperCase().padStart(12, '0').slice(-12);
  return `${c.slice(0, 6)}-${c.slice(6)}`;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Finds the confirmed booking, open for check-in now, whose short code this is (a typed code needs no id). */
async function bookingByCode(d: { db: Executor; crypto: FieldCrypto }, communityId: string, code: string, now: Date) {
  const early = new Date(now.getTime() + checkInEarlyMinutes * 60_000);
  const candidates = await withScope(d.db, { kind: 'communities', ids: [communityId] }, (tx) =>
    tx
      .select({ id: bookings.id, startsAt: bookings.startsAt, endsAt: bookings.endsAt })
      .from(bookings)
      .where(
        and(
          eq(bookings.communityId, communityId),
          inArray(bookings.status, ['confirmed', 'checked_in']),
          lte(bookings.startsAt, early),
          gte(bookings.endsAt, now),
        ),
      )
      .limit(5000),
  );
  const hit = candidates.find((b) => same(checkInCode(d.crypto, b), code));
  if (!hit) {
    throw new AppError('NOT_FOUND', {
      zh: '没有找到此签到码对应的、当前可签到的预约',
      en: 'No booking open for check-in now has this code',
    });
  }
  return hit.id;
}

/**
 * Checks a booker in by the QR token (or the short code with the booking id): the signature, the validity window
 * and the state are verified; a used code is refused.
 */
export async function checkIn(
  d: { db: Executor; crypto: FieldCrypto },
  communityId: string,
  input: { token?: string; code?: string; bookingId?: string },
  actor: Actor,
  now = new Date(),
) {
  let id: string;
  const token = input.token?.trim();
  if (token) {
    const m = tokenRe.exec(token);
    if (!m) throw invalidCode();
    const body = token.slice(0, token.lastIndexOf('.'));
    if (!same(macOf(d.crypto, body), m[4])) throw invalidCode();
    id = m[1];
    const from = Number.parseInt(m[2], 36);
    const to = Number.parseInt(m[3], 36);
    const t = Math.floor(now.getTime() / 1000);
    if (t < from) {
      throw new AppError('CONFLICT', {
        zh: `还未到签到时间（开始前 ${checkInEarlyMinutes} 分钟起可签到）`,
        en: `Too early: check-in opens ${checkInEarlyMinutes} minutes before the start`,
      });
    }
    if (t > to) throw new AppError('CONFLICT', { zh: '签到码已过期', en: 'The check-in code has expired' });
  } else {
    const m = codeRe.exec((input.code ?? '').trim().toUpperCase());
    if (!m) throw invalidCode();
    id = input.bookingId ?? (await bookingByCode(d, communityId, `${m[1]}-${m[2]}`, now));
  }
  const { db } = d;
  return withScope(db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const [b] = await tx.select().from(bookings).where(eq(bookings.id, id)).for('update');
    if (!b) throw notFound('Booking', '预约');
    if (!token) {
      const expected = checkInCode(d.crypto, b);
      if (
        !same(
          expected,
          (input.code ?? '')
            .trim()
            .toUpperCase()
            .replace(/^(.{6})(.{6})$/, '$1-$2'),
        )
      )
        throw invalidCode();
      const w = window(b);
      const t = Math.floor(now.getTime() / 1000);
      if (t < w.from || t > w.to) {
        throw new AppError('CONFLICT', {
          zh: '不在签到时间内（开始前 30 分钟至结束）',
          en: 'Outside the check-in window (30 minutes before the start until the end)',
        });
      }
    } else {
      // The token must still describe this booking's time (a moved booking gets a new code).
      if (checkInToken(d.crypto, b) !== token) throw invalidCode();
    }
    if (b.status === 'checked_in') {
      throw new AppError('CONFLICT', {
        zh: '该预约已签到，签到码不能重复使用',
        en: 'Already checked in: the code was used',
      });
    }
    if (b.status !== 'confirmed') {
      throw new AppError('CONFLICT', {
        zh: '该预约未确认或已取消，不能签到',
        en: `A booking that is ${b.status} cannot be checked in`,
      });
    }
    const [row] = await tx
      .update(bookings)
      .set({ status: 'checked_in', checkedInAt: now })
      .where(eq(bookings.id, id))
      .returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'booking.checked_in',
      objectType: 'booking',
      objectId: id,
      communityId: b.communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { spaceId: b.spaceId, via: token ? 'qr' : 'code', paymentStatus: b.paymentStatus },
    });
    await enqueue(tx, {
      subject: 'shequ.booking.checked_in',
      communityId: b.communityId,
      data: { id, spaceId: b.spaceId, userId: b.userId },
    });
    const [space] = await tx.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, b.spaceId));
    return bookingView(row, space?.name);
  });
}
