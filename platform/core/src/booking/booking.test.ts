import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bookings, type Database, spaces, testEngines, withScope } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { demoFixture } from '../basedata/testing.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import {
  availability,
  type Booker,
  bookSlot,
  cancelBooking,
  confirmBooking,
  expireHolds,
  holdSlot,
  myBookings,
  settleBookingPayment,
} from './bookings.ts';
import { checkIn, checkInCode, checkInToken } from './checkin.ts';
import { listBookableSpaces, type SpaceSettingsInput, saveSpaceSettings } from './settings.ts';
import { bookingZone } from './slots.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const week = (open: string, close: string) => Array.from({ length: 7 }, () => [{ open, close }]);
const settings = (over: Partial<SpaceSettingsInput> = {}): SpaceSettingsInput => ({
  enabled: true,
  openingHours: week('08:00', '12:00'),
  slotMinutes: 60,
  capacity: 1,
  allowedRoles: [],
  maxPerWeek: null,
  holdMinutes: 10,
  cancelBeforeMinutes: 60,
  advanceDays: 14,
  feeFen: 0,
  rules: null,
  ...over,
});
const user = (n: number, roles = ['resident']): Booker => ({
  subject: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  roles,
});
const staff: Booker = { ...user(999, ['community_admin']) };
/** Tomorrow (Asia/Shanghai) at hh:00, as a Date. */
const at = (hour: number, days = 1) =>
  DateTime.now().setZone(bookingZone).startOf('day').plus({ days, hours: hour }).toJSDate();
const tomorrow = () => DateTime.now().setZone(bookingZone).plus({ days: 1 }).toFormat('yyyy-MM-dd');

for (const engine of testEngines()) {
  describe(`space booking [${engine}]`, () => {
    let database: Database;
    let crypto: FieldCrypto;
    let demo: string;
    const space = async (name: string, over: Partial<SpaceSettingsInput> = {}) => {
      const [s] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx
          .insert(spaces)
          .values({ communityId: demo, name, useType: '活动室', createdBy: 'test', updatedBy: 'test' })
          .returning(),
      );
      await saveSpaceSettings(database.db, demo, s.id, settings(over), staff);
      return s.id;
    };

    before(async () => {
      ({ database, demo, crypto } = await demoFixture(engine));
    });
    after(() => database.close());

    test('settings are validated and list the base warehouse spaces', async () => {
      const id = await space('多功能活动室');
      await assert.rejects(
        saveSpaceSettings(
          database.db,
          demo,
          id,
          settings({ openingHours: [[{ open: '09:00', close: '09:30' }], [], [], [], [], [], []] }),
          staff,
        ),
        (e) => code(e) === 'INVALID_INPUT' && /不足一个时段/.test((e as AppError).messageZh),
      );
      await assert.rejects(
        saveSpaceSettings(database.db, demo, id, settings({ feeFen: -1, capacity: 0 }), staff),
        (e) => code(e) === 'INVALID_INPUT' && !!(e as AppError).fieldErrors?.feeFen,
      );
      await assert.rejects(
        saveSpaceSettings(database.db, demo, id, settings(), staff, 5),
        (e) => code(e) === 'CONFLICT',
      );
      const list = await listBookableSpaces(database.db, demo, true);
      assert.ok(list.some((s) => s.spaceId === id && s.settings?.slotMinutes === 60));
    });

    test('a slot is held, confirmed and then refused to a second booker with a clear 409', async () => {
      const id = await space('羽毛球场');
      const day = await availability(database.db, demo, id, tomorrow());
      assert.deepEqual(
        day.slots.map((s) => s.label),
        ['08:00–09:00', '09:00–10:00', '10:00–11:00', '11:00–12:00'],
      );
      const held = await holdSlot(database.db, demo, id, at(9), user(1));
      assert.equal(held.status, 'held');
      const confirmed = await confirmBooking(database.db, demo, held.id, user(1));
      assert.equal(confirmed.status, 'confirmed');
      const err = await holdSlot(database.db, demo, id, at(9), user(2)).catch((e) => e);
      assert.equal(code(err), 'CONFLICT');
      assert.equal((err as AppError).status, 409);
      assert.match((err as AppError).messageZh, /已被预约/);
      assert.match((err as AppError).messageEn, /already booked/);
      const after = await availability(database.db, demo, id, tomorrow());
      assert.deepEqual(
        after.slots.map((s) => s.status),
        ['free', 'taken', 'free', 'free'],
      );
      // A slot start that is not a slot, and a past slot, are bad input.
      await assert.rejects(
        holdSlot(database.db, demo, id, new Date(at(9).getTime() + 15 * 60_000), user(2)),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(holdSlot(database.db, demo, id, at(9, -1), user(2)), (e) => code(e) === 'INVALID_INPUT');
      assert.equal((await myBookings(database.db, demo, user(1).userId))[0].id, held.id);
    });

    test('the database itself refuses an overlapping active booking (exclusion constraint, 23P01)', async () => {
      const id = await space('会议室');
      await bookSlot(database.db, demo, id, at(10), user(1));
      const err = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx.insert(bookings).values({
          communityId: demo,
          spaceId: id,
          userId: user(3).userId,
          startsAt: new Date(at(10).getTime() + 30 * 60_000),
          endsAt: at(12),
          status: 'confirmed',
        }),
      ).catch((e) => e);
      const e = err as { code?: string; cause?: { code?: string } };
      assert.equal(e.code ?? e.cause?.code, '23P01');
      // A cancelled booking does not occupy the slot.
      const [{ n }] = (await database.db
        .execute(sql`select count(*)::int as n from booking.bookings where space_id = ${id}`)
        .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))) as { n: number }[];
      assert.equal(Number(n), 1);
    });

    test('capacity: each booking takes one unit; the next is refused when all are taken', async () => {
      const id = await space('共享书房', { capacity: 2 });
      const a = await bookSlot(database.db, demo, id, at(8), user(1));
      const b = await bookSlot(database.db, demo, id, at(8), user(2));
      assert.deepEqual([a.unit, b.unit].sort(), [1, 2]);
      await assert.rejects(bookSlot(database.db, demo, id, at(8), user(3)), (e) => code(e) === 'CONFLICT');
      await assert.rejects(bookSlot(database.db, demo, id, at(8), user(1)), (e) =>
        /已预约过/.test((e as AppError).messageZh),
      );
      const day = await availability(database.db, demo, id, tomorrow());
      assert.deepEqual([day.slots[0].taken, day.slots[0].free, day.slots[0].status], [2, 0, 'taken']);
    });

    test('rules: who may book and how often a week', async () => {
      const id = await space('老年活动室', { allowedRoles: ['community_admin'], maxPerWeek: 1 });
      await assert.rejects(bookSlot(database.db, demo, id, at(8), user(1)), (e) => code(e) === 'FORBIDDEN');
      await bookSlot(database.db, demo, id, at(8, 7), staff);
      await assert.rejects(
        bookSlot(database.db, demo, id, at(9, 7), staff),
        (e) => code(e) === 'CONFLICT' && /每周最多/.test((e as AppError).messageZh),
      );
      await assert.rejects(bookSlot(database.db, demo, id, at(8, 30), staff), (e) => code(e) === 'INVALID_INPUT');
    });

    test('holds expire by the polled job; an expired hold frees the slot and cannot be confirmed', async () => {
      const id = await space('儿童游乐室');
      const held = await holdSlot(database.db, demo, id, at(11), user(1));
      await database.db.execute(
        sql`update booking.bookings set hold_expires_at = now() - interval '1 minute' where id = ${held.id}`,
      );
      assert.ok((await expireHolds(database.db)) >= 1);
      const [row] = await database.db.select().from(bookings).where(eq(bookings.id, held.id));
      assert.equal(row.status, 'expired');
      await assert.rejects(confirmBooking(database.db, demo, held.id, user(1)), (e) =>
        /保留时间已过/.test((e as AppError).messageZh),
      );
      const again = await holdSlot(database.db, demo, id, at(11), user(2));
      assert.equal(again.status, 'held');
      // An unswept expired hold does not block either.
      await database.db.execute(
        sql`update booking.bookings set hold_expires_at = now() - interval '1 minute' where id = ${again.id}`,
      );
      assert.equal((await holdSlot(database.db, demo, id, at(11), user(3))).status, 'held');
    });

    test('cancellation policy: the booker until the deadline, staff any time; cancelling frees the slot', async () => {
      const late = await space('舞蹈室', { cancelBeforeMinutes: 10080 });
      const b = await bookSlot(database.db, demo, late, at(8), user(1));
      await assert.rejects(
        cancelBooking(database.db, demo, b.id, user(1)),
        (e) => code(e) === 'CONFLICT' && /取消期限/.test((e as AppError).messageZh),
      );
      await assert.rejects(cancelBooking(database.db, demo, b.id, user(2)), (e) => code(e) === 'FORBIDDEN');
      const c = await cancelBooking(database.db, demo, b.id, staff, { asStaff: true, reason: '场地维修' });
      assert.equal(c.status, 'cancelled');
      await assert.rejects(
        cancelBooking(database.db, demo, b.id, staff, { asStaff: true }),
        (e) => code(e) === 'CONFLICT',
      );
      assert.equal((await bookSlot(database.db, demo, late, at(8), user(2))).status, 'confirmed');
      const free = await space('棋牌室');
      const mine = await bookSlot(database.db, demo, free, at(8), user(1));
      assert.equal((await cancelBooking(database.db, demo, mine.id, user(1))).status, 'cancelled');
    });

    test('a fee is stored and the booking waits for payment; the payment seam settles it (pending → paid → refunded)', async () => {
      const id = await space('篮球场', { feeFen: 2000 });
      const b = await bookSlot(database.db, demo, id, at(9), user(1));
      assert.deepEqual([b.feeFen, b.paymentStatus], [2000, 'pending']);
      await assert.rejects(
        settleBookingPayment(database.db, demo, b.id, 'refunded', staff),
        (e) => code(e) === 'CONFLICT',
      );
      assert.equal((await settleBookingPayment(database.db, demo, b.id, 'paid', staff)).paymentStatus, 'paid');
      assert.equal((await settleBookingPayment(database.db, demo, b.id, 'refunded', staff)).paymentStatus, 'refunded');
    });

    test('check-in by signed QR token or short code, inside the window, once', async () => {
      const id = await space('健身房');
      const b = await bookSlot(database.db, demo, id, at(10), user(1));
      const row = { id: b.id, startsAt: new Date(b.start), endsAt: new Date(b.end) };
      const token = checkInToken(crypto, row);
      const d = { db: database.db, crypto };
      const early = new Date(row.startsAt.getTime() - 60 * 60_000);
      const during = new Date(row.startsAt.getTime() + 5 * 60_000);
      await assert.rejects(checkIn(d, demo, { token }, staff, early), (e) =>
        /还未到签到时间/.test((e as AppError).messageZh),
      );
      await assert.rejects(checkIn(d, demo, { token }, staff, new Date(row.endsAt.getTime() + 60_000)), (e) =>
        /已过期/.test((e as AppError).messageZh),
      );
      // Moving the window or the id breaks the signature.
      const parts = token.split('.');
      const forged = [parts[0], parts[1], (Number.parseInt(parts[2], 36) - 7200).toString(36), parts[3], parts[4]].join(
        '.',
      );
      await assert.rejects(checkIn(d, demo, { token: forged }, staff, early), (e) => code(e) === 'INVALID_INPUT');
      await assert.rejects(
        checkIn(d, demo, { token: `${token.slice(0, -2)}xx` }, staff, during),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.equal((await checkIn(d, demo, { token }, staff, during)).status, 'checked_in');
      await assert.rejects(checkIn(d, demo, { token }, staff, during), (e) =>
        /重复使用/.test((e as AppError).messageZh),
      );
      const other = await bookSlot(database.db, demo, id, at(11), user(2));
      const orow = { id: other.id, startsAt: new Date(other.start), endsAt: new Date(other.end) };
      const short = checkInCode(crypto, orow);
      assert.match(short, /^[0-9A-Z]{6}-[0-9A-Z]{6}$/);
      await assert.rejects(
        checkIn(d, demo, { bookingId: other.id, code: 'AAAAAA-AAAAAA' }, staff, new Date(orow.startsAt)),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const done = await checkIn(d, demo, { code: short.replace('-', '') }, staff, orow.startsAt);
      assert.equal(done.status, 'checked_in');
    });

    if (engine === 'postgres') {
      test('many concurrent attempts on one slot: exactly one wins, the others get the clear conflict', async () => {
        const id = await space('篮球场 B');
        const attempts = Array.from({ length: 24 }, (_, i) => bookSlot(database.db, demo, id, at(8), user(100 + i)));
        const results = await Promise.allSettled(attempts);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        assert.equal(won.length, 1);
        assert.ok(lost.every((r) => code(r.reason) === 'CONFLICT' && /已被预约/.test(r.reason.messageZh)));
        const rows = await database.db.select().from(bookings).where(eq(bookings.spaceId, id));
        assert.equal(rows.filter((r) => r.status === 'confirmed').length, 1);
      });
    }
  });
}
