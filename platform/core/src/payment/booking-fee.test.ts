import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bookings, type Database, spaces, testEngines, withScope } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { demoFixture } from '../basedata/testing.ts';
import { type Booker, bookSlot } from '../booking/bookings.ts';
import { saveSpaceSettings } from '../booking/settings.ts';
import { bookingZone } from '../booking/slots.ts';
import { AppError } from '../errors.ts';
import { orderForBooking } from './booking-orders.ts';
import { ManualClock } from './clock.ts';
import { handleNotification, payOrder } from './intents.ts';
import { getOrder } from './orders.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import { refundOrder } from './refunds.ts';

const who = (n: number, roles = ['resident']): Booker & { staff?: boolean } => ({
  subject: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  roles,
});

for (const engine of testEngines()) {
  describe(`booking fee through payment [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const clock = new ManualClock(Date.now());
    const sandbox = new SandboxProvider({ clock });
    let deps: { db: Database['db']; providers: { sandbox: SandboxProvider }; clock: ManualClock };

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      deps = { db: database.db, providers: { sandbox }, clock };
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
    });
    after(() => database.close());

    test('a booking with a fee gets an order; paying marks it paid; a full refund marks it refunded', async () => {
      const staff = { ...who(900, ['community_admin']), staff: true };
      const [s] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx
          .insert(spaces)
          .values({ communityId: demo, name: '羽毛球场', useType: '运动场', createdBy: 't', updatedBy: 't' })
          .returning(),
      );
      await saveSpaceSettings(
        database.db,
        demo,
        s.id,
        {
          enabled: true,
          openingHours: Array.from({ length: 7 }, () => [{ open: '08:00', close: '12:00' }]),
          slotMinutes: 60,
          capacity: 1,
          allowedRoles: [],
          maxPerWeek: null,
          holdMinutes: 10,
          cancelBeforeMinutes: 60,
          advanceDays: 14,
          feeFen: 2_500,
          rules: null,
        },
        staff,
      );
      const start = DateTime.now().setZone(bookingZone).startOf('day').plus({ days: 1, hours: 9 }).toJSDate();
      const resident = who(1);
      const b = await bookSlot(database.db, demo, s.id, start, resident);
      assert.equal(b.paymentStatus, 'pending');
      const order = await orderForBooking(deps, demo, b.id, resident);
      assert.equal(order.amountFen, 2_500);
      assert.equal((await orderForBooking(deps, demo, b.id, resident)).id, order.id, 'one order per booking');
      await assert.rejects(
        orderForBooking(deps, demo, b.id, who(2)),
        (e) => e instanceof AppError && e.code === 'NOT_FOUND',
      );

      const { intent } = await payOrder(deps, demo, order.id, { provider: 'sandbox' }, resident);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      const status = async () =>
        (await database.db.select().from(bookings).where(eq(bookings.id, b.id)))[0].paymentStatus;
      assert.equal(await status(), 'paid');

      await refundOrder(deps, demo, order.id, { amountFen: 500 }, staff);
      assert.equal(await status(), 'paid', 'a partial refund leaves the booking paid');
      await refundOrder(deps, demo, order.id, {}, staff);
      assert.equal(await status(), 'refunded');
      assert.equal((await getOrder(deps, demo, order.id, resident)).status, 'refunded');
    });
  });
}
