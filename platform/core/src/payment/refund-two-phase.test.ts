import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, intents, ledgerEntries, refunds, testEngines, withScope } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { AppError } from '../errors.ts';
import { ManualClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { handleNotification, payOrder } from './intents.ts';
import { createOrder, getOrder, type Payer } from './orders.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import type { PaymentProvider } from './providers/types.ts';
import { refundOrder, resumePendingRefunds, startRefundPoll } from './refunds.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const staff: Payer = {
  subject: '00000000-0000-4000-8000-000000000999',
  userId: '00000000-0000-4000-8000-000000000999',
  role: 'community_admin',
  staff: true,
};

type RefundReq = Parameters<PaymentProvider['refund']>[0];

for (const engine of testEngines()) {
  describe(`two-phase refunds [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const clock = new ManualClock(Date.now());
    const sandbox = new SandboxProvider({ clock });
    /** What the provider does on a refund, before (or instead of) the sandbox: set per test. */
    let around:
      | ((
          req: RefundReq,
          real: () => Promise<Awaited<ReturnType<PaymentProvider['refund']>>>,
        ) => Promise<Awaited<ReturnType<PaymentProvider['refund']>>>)
      | null = null;
    const provider = new Proxy(sandbox, {
      get(target, prop, receiver) {
        if (prop === 'refund') {
          return (req: RefundReq) => (around ? around(req, () => target.refund(req)) : target.refund(req));
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    let deps: PaymentDeps;

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      deps = { db: database.db, providers: { sandbox: provider }, clock };
      sandbox.connect(async (req) => {
        try {
          return (await handleNotification(deps, 'sandbox', req)).reply;
        } catch (err) {
          return sandbox.reply(req, false, String(err));
        }
      });
    });
    after(() => database.close());

    const paid = async (amountFen: number) => {
      const o = await createOrder(deps, demo, { userId: staff.userId, subject: '两阶段退款', amountFen }, staff);
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, staff);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      return { order: o, intent };
    };
    const intentRow = async (id: string) => (await database.db.select().from(intents).where(eq(intents.id, id)))[0];
    const refundTxns = async (intentId: string) =>
      new Set(
        (
          await database.db
            .select({ txn: ledgerEntries.txnId })
            .from(ledgerEntries)
            .where(and(eq(ledgerEntries.intentId, intentId), eq(ledgerEntries.kind, 'refund')))
        ).map((r) => r.txn),
      ).size;
    const crashAfterProvider = () => {
      around = async (_req, real) => {
        await real();
        throw new Error('ECONNRESET: the process lost the answer');
      };
    };

    test('the provider is called with no transaction open: the intent can be locked meanwhile', async () => {
      const { order, intent } = await paid(1_000);
      let lockedDuringCall = false;
      around = async (req, real) => {
        // Under a lock held by refundOrder this would wait (PGlite: one connection) or fail (NOWAIT on PostgreSQL).
        const lock = withScope(deps.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.execute(sql`select id from payment.intents where id = ${intent.id} for update nowait`),
        );
        await Promise.race([
          lock,
          new Promise((_, reject) => setTimeout(() => reject(new Error('intent locked during provider call')), 3_000)),
        ]);
        lockedDuringCall = true;
        // The reservation is visible (committed) before the provider is asked.
        const [r] = await database.db.select().from(refunds).where(eq(refunds.outRefundNo, req.outRefundNo));
        assert.equal(r.status, 'pending');
        assert.equal((await intentRow(intent.id)).refundingFen, 400);
        return real();
      };
      const res = await refundOrder(deps, demo, order.id, { amountFen: 400 }, staff);
      around = null;
      assert.ok(lockedDuringCall);
      assert.equal(res.refund.status, 'succeeded');
      assert.equal(res.intent.refundedFen, 400);
      assert.equal(res.intent.refundingFen, 0);
      assert.equal(await refundTxns(intent.id), 1);
    });

    test("a provider's refusal releases the reservation and keeps its reason; the key replays the refusal", async () => {
      const { order, intent } = await paid(2_000);
      sandbox.refuseRefunds = '商户余额不足';
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 1_500 }, staff, 'refuse-key-0001'),
        (e) => code(e) === 'CONFLICT' && /商户余额不足/.test((e as AppError).messageZh),
      );
      sandbox.refuseRefunds = null;
      const [r] = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
      assert.equal(r.status, 'failed');
      assert.match(r.failureReason ?? '', /商户余额不足/);
      const i = await intentRow(intent.id);
      assert.deepEqual([i.refundedFen, i.refundingFen, i.status], [0, 0, 'succeeded']);
      assert.equal(await refundTxns(intent.id), 0);
      // The same key answers the same refusal, without asking the provider again.
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 1_500 }, staff, 'refuse-key-0001'),
        (e) => code(e) === 'CONFLICT' && /商户余额不足/.test((e as AppError).messageZh),
      );
      // The whole amount can be refunded again.
      const ok = await refundOrder(deps, demo, order.id, {}, staff);
      assert.equal(ok.intent.refundedFen, 2_000);
      assert.equal(ok.order.status, 'refunded');
    });

    test('a crash after the provider refunded leaves a pending refund; a retry with the key completes it once', async () => {
      const { order, intent } = await paid(3_000);
      crashAfterProvider();
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 1_000 }, staff, 'crash-key-0001'),
        (e) => code(e) === 'UNAVAILABLE',
      );
      around = null;
      const [pending] = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
      assert.equal(pending.status, 'pending');
      let i = await intentRow(intent.id);
      assert.deepEqual([i.refundedFen, i.refundingFen], [0, 1_000]);
      // The console's order shows the pending refund and what can still be refunded net of it.
      const shown = await getOrder(deps, demo, order.id, staff);
      assert.equal(shown.refundableFen, 2_000);
      assert.deepEqual(
        shown.refunds.map((r) => r.status),
        ['pending'],
      );
      // The reservation counts: 2,500 more would pass what was captured.
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 2_500 }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const done = await refundOrder(deps, demo, order.id, { amountFen: 1_000 }, staff, 'crash-key-0001');
      assert.equal(done.refund.id, pending.id);
      assert.equal(done.refund.status, 'succeeded');
      i = await intentRow(intent.id);
      assert.deepEqual([i.refundedFen, i.refundingFen, i.status], [1_000, 0, 'partially_refunded']);
      const again = await refundOrder(deps, demo, order.id, { amountFen: 1_000 }, staff, 'crash-key-0001');
      assert.equal(again.replayed, true);
      assert.equal(again.refund.id, pending.id);
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 999 }, staff, 'crash-key-0001'),
        (e) => code(e) === 'CONFLICT',
      );
      // The sandbox's notification for it arrives later and changes nothing.
      await clock.advance(0);
      assert.equal(await refundTxns(intent.id), 1);
      assert.equal((await intentRow(intent.id)).refundedFen, 1_000);
    });

    test("a pending refund is completed by the provider's notification", async () => {
      const { order, intent } = await paid(5_000);
      // The provider accepted but its notification is delayed until after the crash.
      sandbox.connect(async (req) => sandbox.reply(req, false));
      crashAfterProvider();
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 2_000 }, staff),
        (e) => code(e) === 'UNAVAILABLE',
      );
      around = null;
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
      await clock.advance(60 * 60_000);
      const [r] = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
      assert.equal(r.status, 'succeeded');
      const i = await intentRow(intent.id);
      assert.deepEqual([i.refundedFen, i.refundingFen], [2_000, 0]);
      assert.equal(await refundTxns(intent.id), 1);
    });

    test('the status poll completes pending refunds and leaves fresh ones alone', async () => {
      const { order, intent } = await paid(4_000);
      sandbox.connect(async (req) => sandbox.reply(req, false));
      crashAfterProvider();
      await assert.rejects(
        refundOrder(deps, demo, order.id, { amountFen: 4_000 }, staff),
        (e) => code(e) === 'UNAVAILABLE',
      );
      around = null;
      // Too young for the poll (it might still be in flight).
      assert.equal((await resumePendingRefunds(deps, { olderThanMs: 60 * 60_000 })).succeeded, 0);
      const tally = await resumePendingRefunds(deps, { olderThanMs: 0 });
      assert.ok(tally.succeeded >= 1);
      const [r] = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
      assert.equal(r.status, 'succeeded');
      const i = await intentRow(intent.id);
      assert.deepEqual([i.refundedFen, i.refundingFen, i.status], [4_000, 0, 'refunded']);
      assert.equal(await refundTxns(intent.id), 1);
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
      await clock.advance(60 * 60_000);
      assert.equal(await refundTxns(intent.id), 1);
    });

    test('the periodic refund poll of the running platform completes a pending refund', async () => {
      const { order, intent } = await paid(1_200);
      sandbox.connect(async (req) => sandbox.reply(req, false));
      crashAfterProvider();
      await assert.rejects(refundOrder(deps, demo, order.id, {}, staff), (e) => code(e) === 'UNAVAILABLE');
      around = null;
      const tallies: unknown[] = [];
      const stop = startRefundPoll(deps, (t) => tallies.push(t), { everyMs: 30_000, olderThanMs: 0 });
      await clock.advance(30_000);
      stop();
      const [r] = await database.db.select().from(refunds).where(eq(refunds.intentId, intent.id));
      assert.equal(r.status, 'succeeded');
      assert.equal(tallies.length, 1);
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
      await clock.advance(60 * 60_000);
      assert.equal(await refundTxns(intent.id), 1);
    });

    test('the database refuses reservations that would pass what was captured', async () => {
      const { intent } = await paid(800);
      await assert.rejects(
        withScope(deps.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.update(intents).set({ refundingFen: 900 }).where(eq(intents.id, intent.id)),
        ),
      );
    });

    if (engine === 'postgres') {
      test('parallel retries of a crashed refund with one key settle it once and answer alike', async () => {
        const { order, intent } = await paid(1_500);
        crashAfterProvider();
        await assert.rejects(
          refundOrder(deps, demo, order.id, { amountFen: 700 }, staff, 'par-retry-0001'),
          (e) => code(e) === 'UNAVAILABLE',
        );
        around = null;
        const all = await Promise.all(
          Array.from({ length: 5 }, () =>
            refundOrder(deps, demo, order.id, { amountFen: 700 }, staff, 'par-retry-0001'),
          ),
        );
        assert.equal(new Set(all.map((a) => a.refund.id)).size, 1);
        assert.ok(all.every((a) => a.refund.status === 'succeeded'));
        const i = await intentRow(intent.id);
        assert.deepEqual([i.refundedFen, i.refundingFen], [700, 0]);
        assert.equal(await refundTxns(intent.id), 1);
      });

      test('two concurrent refunds that together exceed the captured amount: exactly one succeeds', async () => {
        const { order, intent } = await paid(1_000);
        // A slow provider: both requests are in flight together, and the second reserves while the first waits.
        around = async (_req, real) => {
          await new Promise((r) => setTimeout(r, 300));
          return real();
        };
        const results = await Promise.allSettled([
          refundOrder(deps, demo, order.id, { amountFen: 600 }, staff),
          refundOrder(deps, demo, order.id, { amountFen: 600 }, staff),
        ]);
        around = null;
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal(code(lost.reason), 'INVALID_INPUT');
        const i = await intentRow(intent.id);
        assert.deepEqual([i.refundedFen, i.refundingFen], [600, 0]);
        assert.equal(await refundTxns(intent.id), 1);
      });
    }
  });
}
