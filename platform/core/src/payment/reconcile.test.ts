import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { type Database, intents, testEngines, withScope } from '@shequ/db';
import JSZip from 'jszip';
import { DateTime } from 'luxon';
import { demoFixture } from '../basedata/testing.ts';
import { ManualClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { handleNotification, payOrder } from './intents.ts';
import { captureLines, post, refundLines } from './ledger.ts';
import { createOrder } from './orders.ts';
import { AlipayProvider } from './providers/alipay.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import { UnionPayProvider } from './providers/unionpay.ts';
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

    test("UnionPay's INN file, fetched by the configured adapter, reconciles against the ledger", async () => {
      const inn = readFileSync(new URL('./providers/fixtures/INN26030188ZM_777290058110097', import.meta.url));
      const zip = new JSZip();
      zip.file('INN26030188ZM_777290058110097', inn);
      const fileContent = deflateSync(await zip.generateAsync({ type: 'uint8array' })).toString('base64');
      const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }).toString();
      const unionpay = new UnionPayProvider(
        {
          merId: '777290058110097',
          certId: '69629715588',
          privateKeyPem: pem(keys.privateKey, 'pkcs8'),
          unionPayPublicKeyPem: pem(keys.publicKey, 'spki'),
        },
        async () => ({ status: 200, body: new URLSearchParams({ respCode: '00', fileContent }).toString() }),
      );
      const up: PaymentDeps = { ...deps, providers: { ...deps.providers, unionpay } };
      // The ledger knows the first consume and its refund (as a UnionPay payment would have posted them).
      const o = await createOrder(deps, demo, { userId: payer.userId, subject: '银联', amountFen: 2_000 }, payer);
      const at = (t: string) => DateTime.fromISO(`2026-03-01T${t}`, { zone: 'Asia/Shanghai' }).toJSDate();
      await withScope(database.db, { kind: 'communities', ids: [demo] }, async (tx) => {
        const [i] = await tx
          .insert(intents)
          .values({
            communityId: demo,
            orderId: o.id,
            provider: 'unionpay',
            amountFen: 2_000,
            outTradeNo: 'SQ20260301cccc',
          })
          .returning();
        await post(tx, {
          communityId: demo,
          kind: 'capture',
          intentId: i.id,
          reference: '752603011015000012345',
          at: at('10:15:00'),
          lines: captureLines('unionpay', 2_000),
        });
        await post(tx, {
          communityId: demo,
          kind: 'refund',
          intentId: i.id,
          reference: 'RF0301cccc01',
          at: at('16:30:00'),
          lines: refundLines('unionpay', 500),
        });
      });
      const r = await reconcileDay(up, 'unionpay', '2026-03-01');
      assert.deepEqual(r.bill, { lines: 3, capturedFen: 90_888, refundedFen: 500 });
      assert.deepEqual(
        r.differences.map((d) => [d.kind, d.entry, d.reference, d.billFen, d.ledgerFen]),
        [['missing_in_ledger', 'capture', '752603011200000054321', 88_888, null]],
      );
      // Unconfigured providers refuse, naming what to set; the job skips them.
      await assert.rejects(
        reconcileDay({ ...deps, providers: { alipay: new AlipayProvider() } }, 'alipay', '2026-03-01'),
        /appId/,
      );
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
