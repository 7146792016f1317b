import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Database, orders, outbox, parkingSessions, people, testEngines, users, vehicles } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { parkingFee } from '../access/fees.ts';
import { type DeviceEvent, recordGatePass } from '../access/gate.ts';
import { listParkingSessions } from '../access/records.ts';
import { getFeeRule } from '../access/settings.ts';
import { demoFixture } from '../basedata/testing.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { ManualClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { handleNotification, payOrder } from './intents.ts';
import { myOrders, type Payer } from './orders.ts';
import { collectParkingFee, waiveParkingFee } from './parking-orders.ts';
import { SandboxProvider } from './providers/sandbox.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const h = 3_600_000;
const staff: Payer = {
  subject: '00000000-0000-4000-8000-000000000999',
  userId: '00000000-0000-4000-8000-000000000999',
  role: 'property_staff',
  staff: true,
};
const carGate = { productKey: 'vgate', deviceName: 'car-9', deviceId: randomUUID() };
let seq = 0;
const pass = (plate: string, direction: 0 | 1, time: number): DeviceEvent => ({
  ...carGate,
  messageId: `pf${++seq}`,
  event: 'pass',
  value: { plate: { number: plate }, direction },
  time,
});

for (const engine of testEngines()) {
  describe(`parking fees through the payment service [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let crypto: FieldCrypto;
    const clock = new ManualClock(Date.now());
    const sandbox = new SandboxProvider({ clock });
    let deps: PaymentDeps;
    const gate = (e: DeviceEvent) => recordGatePass({ db: database.db, crypto }, demo, 'vehicle', e);
    const session = async (plate: string) =>
      (await listParkingSessions(database.db, demo)).find((s) => s.plate === plate);
    const gateCommands = async () =>
      (await database.db.select().from(outbox)).filter((o) => o.subject.endsWith('.command')).length;

    before(async () => {
      ({ database, demo, crypto } = await demoFixture(engine));
      deps = { db: database.db, providers: { sandbox }, clock };
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
    });
    after(() => database.close());

    test('a paid stay raises an order of the fee; the operator collects it and the session is paid', async () => {
      const exit = Date.now() - 60_000;
      const entered = exit - 2 * h - 5 * 60_000;
      await gate(pass('沪C10001', 0, entered));
      await gate(pass('沪C10001', 1, exit));
      const s = await session('沪C10001');
      assert.ok(s?.order);
      // One source of truth: the order carries exactly what fees.ts computed at exit.
      const rule = await getFeeRule(database.db, demo);
      const fee = parkingFee(rule, new Date(entered), new Date(exit));
      assert.ok(fee > 0);
      assert.equal(s.feeFen, fee);
      const [o] = await database.db.select().from(orders).where(eq(orders.id, s.order.id));
      assert.deepEqual(
        [o.amountFen, o.sourceType, o.sourceId, o.userId, o.status],
        [fee, 'parking', s.id, null, 'open'],
      );
      assert.equal(s.order.residentPays, false);
      assert.match(o.subject, /^停车费 沪C10001 /);

      const before = await gateCommands();
      const { intent } = await collectParkingFee(deps, demo, s.id, 'sandbox', staff);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      const paid = await session('沪C10001');
      assert.equal(paid?.paymentStatus, 'paid');
      assert.equal(paid?.order?.status, 'paid');
      // Paid within ten minutes of the exit: the exit gate is told to open.
      assert.equal(await gateCommands(), before + 1);
      await assert.rejects(collectParkingFee(deps, demo, s.id, 'sandbox', staff), (e) => code(e) === 'CONFLICT');
    });

    test('a stay within the free minutes raises no order', async () => {
      const exit = Date.now() - 2 * h;
      await gate(pass('沪C10002', 0, exit - 5 * 60_000));
      await gate(pass('沪C10002', 1, exit));
      const s = await session('沪C10002');
      assert.equal(s?.paymentStatus, 'not_required');
      assert.equal(s?.order, null);
    });

    test("a resident's linked temporary vehicle: the order is theirs in 我的订单 and paying it settles the session", async () => {
      const phone = '13900001111';
      const [u] = await database.db
        .insert(users)
        .values({ displayName: '王五', phoneIndex: crypto.blindIndex('phone', phone) })
        .returning();
      const idNumber = '330106199001010077';
      const [p] = await database.db
        .insert(people)
        .values({
          communityId: demo,
          name: '王五',
          idType: 'resident_id',
          idNumberCipher: crypto.encrypt(idNumber, 'base.people.id_number'),
          idNumberIndex: crypto.blindIndex('base.people.id_number', idNumber),
          idNumberMasked: '3301**********0077',
          phoneIndex: crypto.blindIndex('phone', phone),
          category: 'registered',
          createdBy: 't',
          updatedBy: 't',
        })
        .returning();
      await database.db.insert(vehicles).values({
        communityId: demo,
        plate: '浙B77777',
        plateColour: 'blue',
        kind: 'temporary',
        energy: 'fuel',
        ownerPersonId: p.id,
        createdBy: 't',
        updatedBy: 't',
      });
      const exit = Date.now() - 3 * h;
      await gate(pass('浙B77777', 0, exit - 3 * h));
      await gate(pass('浙B77777', 1, exit));
      const s = await session('浙B77777');
      assert.equal(s?.order?.residentPays, true);
      const resident: Payer = { subject: u.id, userId: u.id, role: 'resident' };
      const mine = await myOrders(deps, demo, u.id);
      const o = mine.find((x) => x.id === s?.order?.id);
      assert.ok(o);
      assert.equal(o.amountFen, s?.feeFen);
      const before = await gateCommands();
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, resident);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      assert.equal((await session('浙B77777'))?.paymentStatus, 'paid');
      // Paid hours after leaving: no gate opens.
      assert.equal(await gateCommands(), before);
      // Another resident cannot pay it.
      const other: Payer = { subject: randomUUID(), userId: randomUUID(), role: 'resident' };
      await assert.rejects(payOrder(deps, demo, o.id, { provider: 'sandbox' }, other), (e) => code(e) === 'FORBIDDEN');
    });

    test('waiving a fee cancels its unpaid order, so the waived fee cannot be paid', async () => {
      const exit = Date.now() - 4 * h;
      await gate(pass('沪C10003', 0, exit - h));
      await gate(pass('沪C10003', 1, exit));
      const s = await session('沪C10003');
      assert.ok(s?.order);
      const waived = await waiveParkingFee(deps, demo, s.id, staff);
      assert.equal(waived.paymentStatus, 'waived');
      const [o] = await database.db.select().from(orders).where(eq(orders.id, s.order.id));
      assert.equal(o.status, 'cancelled');
      await assert.rejects(payOrder(deps, demo, o.id, { provider: 'sandbox' }, staff), (e) => code(e) === 'CONFLICT');
      assert.equal((await session('沪C10003'))?.order, null);
      // A paid fee cannot be waived.
      const paid = (await listParkingSessions(database.db, demo)).find((x) => x.plate === '沪C10001');
      await assert.rejects(waiveParkingFee(deps, demo, paid?.id as string, staff), (e) => code(e) === 'CONFLICT');
      const rows = await database.db.select().from(parkingSessions).where(eq(parkingSessions.plate, '沪C10001'));
      assert.equal(rows[0].paymentStatus, 'paid');
    });
  });
}
