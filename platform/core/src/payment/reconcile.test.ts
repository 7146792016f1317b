import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, testEngines } from '@shequ/db';
import { DateTime } from 'luxon';
import { demoFixture } from '../basedata/testing.ts';
import { ManualClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { handleNotification, payOrder } from './intents.ts';
import { createOrder } from './orders.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import { type ReconciliationReport, reconcileDay, startReconciliationJob } from './reconcile.ts';
import { refundOrder } from './refunds.ts';

const payer = {
  subject: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000001',
  staff: true,
};

for (const engine of testEngines()) {
  describe(`payment reconciliation [${engine}]`, () => {
    let database: Database;
    let demo: string;
    // 2026-03-01 14:00 Beijing time.
    const clock = new ManualClock(DateTime.fromISO('2026-03-01T14:00:00', { zone: 'Asia/Shanghai' }).toMillis());
    const sandbox = new SandboxProvider({ clock });
    let deps: PaymentDeps;

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      deps = { db: database.db, providers: { sandbox }, clock };
      sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
    });
    after(() => database.close());

    const pay = async (amountFen: number) => {
      const o = await createOrder(deps, demo, { userId: payer.userId, subject: '对账', amountFen }, payer);
      const { intent } = await payOrder(deps, demo, o.id, { provider: 'sandbox' }, payer);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      return o;
    };

    test('a day whose bill matches the ledger is balanced; injected differences are all reported', async () => {
      const a = await pay(1_000);
      await pay(2_000);
      await refundOrder(deps, demo, a.id, { amountFen: 400 }, payer);
      const clean = await reconcileDay(deps, 'sandbox', '2026-03-01');
      assert.equal(clean.balanced, true);
      assert.deepEqual(clean.bill, { lines: 3, capturedFen: 3_000, refundedFen: 400 });
      assert.deepEqual(clean.ledger, clean.bill);
      assert.equal((await reconcileDay(deps, 'sandbox', '2026-02-28')).bill.lines, 0);

      // The provider's bill has a payment we never recorded, and one refund at another amount.
      const refundRef = (await sandbox.bill('2026-03-01')).find((l) => l.kind === 'refund')?.reference ?? '';
      sandbox.addBillLine({
        kind: 'capture',
        reference: 'SBX-UNKNOWN',
        outTradeNo: 'SQX',
        amountFen: 777,
        at: new Date(clock.now()).toISOString(),
      });
      sandbox.addBillLine({
        kind: 'refund',
        reference: refundRef,
        outTradeNo: 'SQX',
        amountFen: 1,
        at: new Date(clock.now()).toISOString(),
      });
      const diff = await reconcileDay(deps, 'sandbox', '2026-03-01');
      assert.equal(diff.balanced, false);
      assert.deepEqual(
        diff.differences.map((d) => [d.kind, d.reference, d.billFen, d.ledgerFen]),
        [
          ['amount_mismatch', refundRef, 401, 400],
          ['missing_in_ledger', 'SBX-UNKNOWN', 777, null],
        ].sort((x, y) => (x[0] as string).localeCompare(y[0] as string)),
      );
      await assert.rejects(reconcileDay(deps, 'sandbox', '2026-3-1'));
    });

    test('the daily job runs at 10:00 Beijing time for yesterday, on the injected clock', async () => {
      const reports: ReconciliationReport[] = [];
      const stop = startReconciliationJob(deps, (r) => {
        reports.push(r);
      });
      await clock.advance(12 * 3600_000); // → 2026-03-02 02:00
      assert.equal(reports.length, 0);
      await clock.advance(8 * 3600_000 + 1); // → past 10:00
      assert.equal(reports.length, 1);
      assert.equal(reports[0].day, '2026-03-01');
      assert.equal(reports[0].balanced, false);
      stop();
      await clock.advance(48 * 3600_000);
      assert.equal(reports.length, 1);
    });
  });
}
