import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  auditLog,
  type Database,
  intents,
  ledgerEntries,
  orders,
  queryRows,
  refunds,
  testEngines,
  withScope,
} from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { AppError } from '../errors.ts';
import { ManualClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { captureIntent, handleNotification, payOrder, syncIntent } from './intents.ts';
import { cancelOrder, createOrder, getOrder, myOrders, type Payer } from './orders.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import { refundOrder } from './refunds.ts';
import { canMove, intentTransitions } from './states.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const user = (n: number): Payer => ({
  subject: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  role: 'resident',
});
const staff: Payer = { ...user(999), role: 'community_admin', staff: true };

for (const engine of testEngines()) {
  describe(`payment [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let clock: ManualClock;
    let sandbox: SandboxProvider;
    let deps: PaymentDeps;

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      clock = new ManualClock(Date.now());
      sandbox = new SandboxProvider({ clock });
      deps = { db: database.db, providers: { sandbox }, clock };
      sandbox.connect(async (req) => {
        try {
          return (await handleNotification(deps, 'sandbox', req)).reply;
        } catch (err) {
          return sandbox.reply(req, false, String(err));
        }
      });
    });
    after(() => database.close());

    const ledgerSums = async () =>
      queryRows<{ txn_id: string; total: string | number }>(
        database.db,
        sql`select txn_id, sum(amount_fen) as total from payment.ledger_entries group by txn_id`,
      );
    const snapshot = async () => ({
      ledger: (await database.db.select().from(ledgerEntries)).length,
      refunds: (await database.db.select().from(refunds)).length,
      orders: await database.db.select().from(orders).orderBy(orders.id),
      intents: await database.db.select().from(intents).orderBy(intents.id),
    });
    /** Creates an order and pays it in the sandbox; the payment notification arrives after `clock.advance`. */
    const paid = async (amountFen: number, who = user(1)) => {
      const o = await createOrder(deps, demo, { userId: who.userId, subject: '活动室预约费', amountFen }, who);
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, who);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      return { order: o, intent };
    };

    test('the state machine is data: every move is listed and terminal states go nowhere', () => {
      assert.ok(canMove('created', 'pending'));
      assert.ok(canMove('succeeded', 'partially_refunded'));
      assert.ok(!canMove('refunded', 'succeeded'));
      assert.ok(!canMove('created', 'succeeded'));
      for (const t of ['refunded', 'cancelled', 'failed'] as const) assert.deepEqual(intentTransitions[t], []);
    });

    test('the database holds the same state machine and refuses a status change it does not list', async () => {
      const rows = await queryRows<{ from_state: string; to_state: string }>(
        database.db,
        sql`select from_state, to_state from payment.intent_transitions order by 1, 2`,
      );
      const fromCode = Object.entries(intentTransitions)
        .flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`))
        .sort();
      assert.deepEqual(rows.map((r) => `${r.from_state}>${r.to_state}`).sort(), fromCode);
      const { intent } = await paid(300);
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.update(intents).set({ status: 'pending' }).where(eq(intents.id, intent.id)),
        ),
      );
      const [row] = await database.db.select().from(intents).where(eq(intents.id, intent.id));
      assert.equal(row.status, 'succeeded');
    });

    test('pay in the sandbox: the signed, encrypted notification captures; the ledger balances', async () => {
      const { order, intent } = await paid(1234);
      assert.equal(intent.status, 'pending');
      const o = await getOrder(deps, demo, order.id, user(1));
      assert.equal(o.status, 'paid');
      assert.equal(o.paidFen, 1234);
      assert.equal(o.intents[0].status, 'succeeded');
      assert.equal(o.intents[0].capturedFen, 1234);
      const n = sandbox.sent.find((x) => x.outTradeNo === intent.outTradeNo);
      assert.ok(n?.done);
      assert.ok(n.request.headers['wechatpay-signature']);
      assert.ok(!n.request.body.includes(intent.outTradeNo), 'the resource is encrypted');
      const entries = await database.db.select().from(ledgerEntries).where(eq(ledgerEntries.intentId, intent.id));
      assert.equal(entries.length, 2);
      assert.equal(
        entries.reduce((a, e) => a + e.amountFen, 0),
        0,
      );
      assert.ok((await ledgerSums()).every((r) => Number(r.total) === 0));
    });

    test('each step is audited and published through the outbox', async () => {
      const { order } = await paid(4_321);
      await refundOrder(deps, demo, order.id, { amountFen: 321 }, staff);
      const audited = await database.db
        .select({ action: auditLog.action })
        .from(auditLog)
        .where(eq(auditLog.objectId, order.id));
      assert.deepEqual(audited.map((a) => a.action).sort(), [
        'payment.intent_created',
        'payment.order_created',
        'payment.paid',
        'payment.refund_requested',
        'payment.refunded',
      ]);
      const events = await queryRows<{ subject: string }>(
        database.db,
        sql`select subject from bus.outbox where data->>'orderId' = ${order.id} order by subject`,
      );
      assert.deepEqual(
        events.map((e) => e.subject),
        [
          'shequ.payment.intent_created',
          'shequ.payment.order_created',
          'shequ.payment.paid',
          'shequ.payment.refund_requested',
          'shequ.payment.refunded',
        ],
      );
    });

    test('an unacknowledged notification is resent on the whole WeChat schedule, then given up', async () => {
      sandbox.connect(async (req) => sandbox.reply(req, false));
      const o = await createOrder(
        deps,
        demo,
        { userId: user(12).userId, subject: '无人应答', amountFen: 100 },
        user(12),
      );
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, user(12));
      sandbox.pay(intent.outTradeNo);
      const start = clock.now();
      await clock.advance(2 * 24 * 3600_000);
      const n = sandbox.sent.find((x) => x.outTradeNo === intent.outTradeNo);
      assert.ok(n);
      const gaps = n.attempts.slice(1).map((a, i) => (a.at - n.attempts[i].at) / 1000);
      assert.deepEqual(gaps, [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]);
      assert.equal(n.attempts[0].at, start);
      assert.ok(!n.done);
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
    });

    test('bad amounts are refused with a clear error and nothing is stored', async () => {
      const before = await snapshot();
      for (const amountFen of [0, -100, 12.5, 10_000_000_001, Number.MAX_SAFE_INTEGER + 2]) {
        await assert.rejects(
          createOrder(deps, demo, { userId: user(1).userId, subject: 'x', amountFen }, user(1)),
          (e) => code(e) === 'INVALID_INPUT' && /金额/.test((e as AppError).messageZh),
        );
      }
      assert.deepEqual(await snapshot(), before);
    });

    test('the database itself refuses a non-positive amount and a refund total above the capture', async () => {
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx
            .insert(orders)
            .values({ communityId: demo, userId: user(1).userId, subject: 'x', amountFen: -1, createdBy: 't' }),
        ),
      );
      const { intent } = await paid(500);
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.update(intents).set({ refundedFen: 501 }).where(eq(intents.id, intent.id)),
        ),
      );
      // An unbalanced ledger transaction cannot commit.
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.insert(ledgerEntries).values({
            communityId: demo,
            txnId: intent.id,
            kind: 'capture',
            account: 'provider:sandbox',
            amountFen: 100,
            intentId: intent.id,
            reference: 'x',
          }),
        ),
      );
    });

    test('idempotency: a double submit answers the first response; other parameters are refused', async () => {
      const input = { userId: user(2).userId, subject: '停车费', amountFen: 800 };
      const a = await createOrder(deps, demo, input, user(2), 'key-order-0001');
      const b = await createOrder(deps, demo, input, user(2), 'key-order-0001');
      assert.equal(b.id, a.id);
      assert.equal(b.replayed, true);
      const before = await snapshot();
      await assert.rejects(
        createOrder(deps, demo, { ...input, amountFen: 900 }, user(2), 'key-order-0001'),
        (e) => code(e) === 'CONFLICT' && /幂等键/.test((e as AppError).messageZh),
      );
      assert.deepEqual(await snapshot(), before);
      const p1 = await payOrder(deps, demo, a.id, { provider: 'sandbox' }, user(2), 'key-pay-0001');
      const p2 = await payOrder(deps, demo, a.id, { provider: 'sandbox' }, user(2), 'key-pay-0001');
      assert.equal(p2.intent.id, p1.intent.id);
    });

    test('full and partial refunds; a refund above what was paid is refused and changes nothing', async () => {
      const { order } = await paid(10_000);
      const r1 = await refundOrder(deps, demo, order.id, { amountFen: 3_000, reason: '部分退款' }, staff);
      assert.equal(r1.order.status, 'partially_refunded');
      assert.equal(r1.intent.status, 'partially_refunded');
      const before = await snapshot();
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 7_001 }, staff),
        (e) => code(e) === 'INVALID_INPUT' && /超过可退金额/.test((e as AppError).messageZh),
      );
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: -5 }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.deepEqual(await snapshot(), before);
      const r2 = await refundOrder(deps, demo, order.id, {}, staff);
      assert.equal(r2.refund.amountFen, 7_000);
      assert.equal(r2.order.status, 'refunded');
      await assert.rejects(refundOrder(deps, demo, order.id, { amountFen: 1 }, staff), (e) => code(e) === 'CONFLICT');
      await clock.advance(0);
      const n = sandbox.sent.filter((x) => x.kind === 'refunded' && x.outTradeNo === r2.intent.outTradeNo);
      assert.equal(n.length, 2);
      assert.ok(n.every((x) => x.done));
      assert.ok((await ledgerSums()).every((r) => Number(r.total) === 0));
    });

    test('a forged, tampered, stale or replayed notification is refused; the ledger is unchanged', async () => {
      const o = await createOrder(deps, demo, { userId: user(3).userId, subject: '物业费', amountFen: 2_000 }, user(3));
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, user(3));
      // Nobody acknowledges for now: the sandbox keeps the request so it can be tampered with.
      sandbox.connect(async () => ({ status: 500, contentType: 'application/json', body: '{}' }));
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      const n = sandbox.sent.find((x) => x.outTradeNo === intent.outTradeNo);
      assert.ok(n);
      const before = await snapshot();
      const tampered = { ...n.request, body: n.request.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.CLOSED"') };
      await assert.rejects(handleNotification(deps, 'sandbox', tampered), (e) => code(e) === 'FORBIDDEN');
      const otherKey = new SandboxProvider({ clock });
      await assert.rejects(
        handleNotification({ ...deps, providers: { sandbox: otherKey } }, 'sandbox', n.request),
        (e) => code(e) === 'FORBIDDEN',
      );
      assert.deepEqual(await snapshot(), before);
      // The genuine delivery applies once; the very same request again is a replay.
      const first = await handleNotification(deps, 'sandbox', n.request);
      assert.equal(first.outcome, 'applied');
      assert.equal(first.reply.status, 204);
      const afterPay = await snapshot();
      await assert.rejects(
        handleNotification(deps, 'sandbox', n.request),
        (e) => code(e) === 'FORBIDDEN' && /重放/.test((e as AppError).messageZh),
      );
      // A provider resend (same id, new nonce) is acknowledged and changes nothing.
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
      const resent = await sandbox.resend(n.notificationId);
      assert.equal(resent.status, 204);
      assert.deepEqual(await snapshot(), afterPay);
      // Outside the five-minute window.
      await clock.advance(6 * 60_000);
      await assert.rejects(handleNotification(deps, 'sandbox', n.request), (e) => code(e) === 'FORBIDDEN');
    });

    test('resends follow the WeChat schedule on the injected clock until acknowledged', async () => {
      let accept = false;
      sandbox.connect(async (req) =>
        accept ? (await handleNotification(deps, 'sandbox', req)).reply : sandbox.reply(req, false),
      );
      const o = await createOrder(deps, demo, { userId: user(4).userId, subject: '场地费', amountFen: 300 }, user(4));
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, user(4));
      sandbox.pay(intent.outTradeNo);
      const start = clock.now();
      await clock.advance(0);
      await clock.advance(15_000 + 15_000 + 30_000 + 180_000);
      const n = sandbox.sent.find((x) => x.outTradeNo === intent.outTradeNo);
      assert.ok(n);
      assert.deepEqual(
        n.attempts.map((a) => (a.at - start) / 1000),
        [0, 15, 30, 60, 240],
      );
      accept = true;
      await clock.advance(600_000);
      assert.equal(n.attempts.length, 6);
      assert.ok(n.done);
      assert.equal((await getOrder(deps, demo, o.id, user(4))).status, 'paid');
      await clock.advance(24 * 3600_000);
      assert.equal(n.attempts.length, 6, 'no resend after the acknowledgement');
    });

    test('Alipay style: form RSA2 notifications, only the exact `success` stops the 4m/10m/10m/1h… resends', async () => {
      const ali = new SandboxProvider({ clock, style: 'alipay' });
      const d: PaymentDeps = { ...deps, providers: { sandbox: ali } };
      let replies: string[] = [];
      let accept = false;
      ali.connect(async (req) => {
        const r = accept
          ? (await handleNotification(d, 'sandbox', req)).reply
          : { status: 200, contentType: 'text/plain', body: 'SUCCESS ' };
        replies.push(r.body);
        return r;
      });
      const o = await createOrder(d, demo, { userId: user(5).userId, subject: '维修费', amountFen: 12_345 }, user(5));
      const { intent } = await payOrder(d, demo, o.id, { provider: 'sandbox' }, user(5));
      ali.pay(intent.outTradeNo);
      const start = clock.now();
      await clock.advance(0);
      await clock.advance((4 + 10 + 10) * 60_000);
      const n = ali.sent[0];
      assert.ok(n.request.body.includes('sign_type=RSA2'));
      assert.deepEqual(
        n.attempts.map((a) => (a.at - start) / 60_000),
        [0, 4, 14, 24],
      );
      accept = true;
      replies = [];
      await clock.advance(3600_000);
      assert.deepEqual(replies, ['success']);
      const got = await getOrder(d, demo, o.id, user(5));
      assert.equal(got.paidFen, 12_345);
    });

    test('duplicate and out-of-order notifications: a late payment notice after the refund changes nothing', async () => {
      const slow = new SandboxProvider({ clock, copies: 2, delayMs: { paid: 120_000, refunded: 0 } });
      const d: PaymentDeps = { ...deps, providers: { sandbox: slow } };
      const outcomes: string[] = [];
      slow.connect(async (req) => {
        try {
          const r = await handleNotification(d, 'sandbox', req);
          outcomes.push(r.outcome);
          return r.reply;
        } catch (err) {
          outcomes.push(code(err));
          return slow.reply(req, false);
        }
      });
      const o = await createOrder(d, demo, { userId: user(6).userId, subject: '押金', amountFen: 5_000 }, user(6));
      const { intent } = await payOrder(d, demo, o.id, { provider: 'sandbox' }, user(6));
      slow.pay(intent.outTradeNo);
      // The notification is late: the status query settles the payment first.
      assert.equal((await syncIntent(d, demo, intent.id, user(6))).status, 'succeeded');
      await refundOrder(d, demo, o.id, { amountFen: 1_000 }, staff);
      await clock.advance(0);
      const mid = await snapshot();
      await clock.advance(120_000);
      assert.deepEqual(outcomes, ['applied', 'duplicate', 'duplicate', 'duplicate']);
      assert.deepEqual(await snapshot(), mid);
      assert.equal((await getOrder(d, demo, o.id, user(6))).status, 'partially_refunded');
    });

    test('manual capture: authorised first, captured later; cancel only before payment', async () => {
      const o = await createOrder(deps, demo, { userId: user(7).userId, subject: '押金', amountFen: 700 }, user(7));
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox', capture: 'manual' }, user(7));
      sandbox.pay(intent.outTradeNo);
      assert.equal((await syncIntent(deps, demo, intent.id, staff)).status, 'authorized');
      assert.equal((await captureIntent(deps, demo, intent.id, staff)).status, 'succeeded');
      await assert.rejects(cancelOrder(deps, demo, o.id, user(7)), (e) => code(e) === 'CONFLICT');
      const o2 = await createOrder(deps, demo, { userId: user(7).userId, subject: '取消', amountFen: 100 }, user(7));
      assert.equal((await cancelOrder(deps, demo, o2.id, user(7))).status, 'cancelled');
      const mine = await myOrders(deps, demo, user(7).userId);
      assert.equal(mine.length, 2);
      await assert.rejects(getOrder(deps, demo, o.id, user(8)), (e) => code(e) === 'NOT_FOUND');
    });

    test('row-level security: another community sees none of these rows and cannot write into this one', async () => {
      const other = '00000000-0000-4000-8000-0000000c0de2';
      const seen = await withScope(database.db, { kind: 'communities', ids: [other] }, async (tx) => ({
        orders: (await tx.select().from(orders)).length,
        intents: (await tx.select().from(intents)).length,
        ledger: (await tx.select().from(ledgerEntries)).length,
      }));
      assert.deepEqual(seen, { orders: 0, intents: 0, ledger: 0 });
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [other] }, (tx) =>
          tx
            .insert(orders)
            .values({ communityId: demo, userId: user(1).userId, subject: 'x', amountFen: 1, createdBy: 't' }),
        ),
      );
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) => tx.delete(ledgerEntries)),
      );
    });

    if (engine === 'postgres') {
      test('20 parallel submits with one idempotency key create one order and one intent', async () => {
        const input = { userId: user(10).userId, subject: '并发', amountFen: 4_200 };
        const made = await Promise.all(
          Array.from({ length: 20 }, () => createOrder(deps, demo, input, user(10), 'key-parallel-order')),
        );
        assert.equal(new Set(made.map((m) => m.id)).size, 1);
        const pays = await Promise.all(
          Array.from({ length: 20 }, () =>
            payOrder(deps, demo, made[0].id, { provider: 'sandbox' }, user(10), 'key-parallel-pay'),
          ),
        );
        assert.equal(new Set(pays.map((p) => p.intent.id)).size, 1);
        const rows = await database.db.select().from(intents).where(eq(intents.orderId, made[0].id));
        assert.equal(rows.length, 1);
      });

      test('20 parallel partial refunds never exceed the captured amount', async () => {
        const { order, intent } = await paid(10_000, user(11));
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () => refundOrder(deps, demo, order.id, { amountFen: 700 }, staff)),
        );
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        assert.equal(ok, 14);
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        assert.ok(lost.every((r) => code(r.reason) === 'INVALID_INPUT'));
        const [row] = await database.db.select().from(intents).where(eq(intents.id, intent.id));
        assert.equal(row.refundedFen, 9_800);
        const rs = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
        assert.equal(
          rs.reduce((a, r) => a + r.amountFen, 0),
          9_800,
        );
        assert.ok((await ledgerSums()).every((r) => Number(r.total) === 0));
      });
    }
  });
}
