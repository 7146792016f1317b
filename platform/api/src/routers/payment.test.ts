import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type NotifyRequest, openPlatform, type Platform, payOrder, SandboxProvider } from '@shequ/core';
import { ledgerEntries, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('payment API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  let demo: string;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-payment-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator');
    [{ id: demo }] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a resident pays in the sandbox; staff refund part; an over-refund is a clear 400', async () => {
    const order = await call('resident', 'payment.createOrder', {
      community: 'demo',
      subject: '活动室使用费',
      amountFen: 5_000,
      idempotencyKey: 'api-order-0001',
    });
    assert.equal(order.data.status, 'open');
    const again = await call('resident', 'payment.createOrder', {
      community: 'demo',
      subject: '活动室使用费',
      amountFen: 5_000,
      idempotencyKey: 'api-order-0001',
    });
    assert.equal(again.data.id, order.data.id);
    const neg = await call('resident', 'payment.createOrder', { community: 'demo', subject: 'x', amountFen: -1 });
    assert.equal(neg.error.appCode, 'INVALID_INPUT');

    const paid = await call('resident', 'payment.pay', { community: 'demo', orderId: order.data.id });
    assert.equal(paid.data.status, 'paid');
    assert.equal(
      (await call('resident', 'payment.refund', { community: 'demo', orderId: order.data.id })).error.appCode,
      'FORBIDDEN',
    );

    const part = await call('operator', 'payment.refund', {
      community: 'demo',
      orderId: order.data.id,
      amountFen: 1_500,
      reason: '部分时段未使用',
    });
    assert.equal(part.data.order.status, 'partially_refunded');
    const over = await call('operator', 'payment.refund', {
      community: 'demo',
      orderId: order.data.id,
      amountFen: 3_501,
    });
    assert.equal(over.status, 400);
    assert.match(over.error.messageZh, /超过可退金额 ¥35\.00/);
    const mine = await call('resident', 'payment.mine', { community: 'demo' }, 'GET');
    assert.equal(mine.data[0].status, 'partially_refunded');
    assert.equal(mine.data[0].refunds[0].amountFen, 1_500);
    const list = await call('operator', 'payment.list', { community: 'demo' }, 'GET');
    assert.ok(list.data.some((o: { id: string }) => o.id === order.data.id));
    const inbox = await call('resident', 'message.inbox', { community: 'demo' }, 'GET');
    assert.equal(inbox.data.items[0].titleZh, '退款通知');

    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const rec = await call('operator', 'payment.reconciliation', { community: 'demo', day }, 'GET');
    assert.equal(rec.data.balanced, true);
    assert.equal(rec.data.bill.capturedFen, 5_000);
    assert.equal(rec.data.bill.refundedFen, 1_500);
    const denied = await call('resident', 'payment.reconciliation', { community: 'demo', day }, 'GET');
    assert.equal(denied.error.appCode, 'FORBIDDEN');
  });

  test('WeChat Pay without credentials refuses clearly and stores nothing', async () => {
    const order = await call('resident', 'payment.createOrder', {
      community: 'demo',
      subject: '物业费',
      amountFen: 100,
    });
    const before = (await platform.database.db.select().from(ledgerEntries)).length;
    const res = await call('resident', 'payment.pay', {
      community: 'demo',
      orderId: order.data.id,
      provider: 'wechat',
    });
    assert.equal(res.error.appCode, 'UNAVAILABLE');
    assert.match(res.error.messageZh, /微信支付未配置/);
    const status = await call('resident', 'payment.status', { community: 'demo', orderId: order.data.id }, 'GET');
    assert.deepEqual(status.data.intents, []);
    assert.equal((await platform.database.db.select().from(ledgerEntries)).length, before);
  });

  test('POST /api/payment/notify/sandbox: a signed notification applies once; forged and replayed ones are refused', async () => {
    const sent: NotifyRequest[] = [];
    platform.payment.sandbox.connect(async (req) => {
      sent.push(req);
      return { status: 500, contentType: 'application/json', body: '{}' };
    });
    const order = await call('resident', 'payment.createOrder', {
      community: 'demo',
      subject: '停车费',
      amountFen: 600,
    });
    // Start the payment without the router's immediate status query, so only the notification can settle it.
    const started = await payOrder(
      platform.payment,
      demo,
      order.data.id,
      { provider: 'sandbox' },
      {
        subject: order.data.userId,
        userId: order.data.userId,
      },
    );
    platform.payment.sandbox.pay(started.intent.outTradeNo);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sent.length, 1);
    const post = (req: NotifyRequest) =>
      app.inject({
        method: 'POST',
        url: '/api/payment/notify/sandbox',
        headers: req.headers as Record<string, string>,
        payload: req.body,
      });
    const forged = await post({ ...sent[0], body: sent[0].body.replace('"id":"', '"id":"x') });
    assert.equal(forged.statusCode, 403, forged.body);
    assert.equal(forged.json().code, 'FAIL');
    const ok = await post(sent[0]);
    assert.equal(ok.statusCode, 204);
    const replay = await post(sent[0]);
    assert.equal(replay.statusCode, 403);
    assert.match(replay.json().message, /重放/);
    const status = await call('resident', 'payment.status', { community: 'demo', orderId: order.data.id }, 'GET');
    assert.equal(status.data.status, 'paid');
    assert.equal(
      (await app.inject({ method: 'POST', url: '/api/payment/notify/nobody', payload: 'x' })).statusCode,
      404,
    );
  });

  test('an Alipay-style form notification through the route is answered with exactly `success`', async () => {
    const ali = new SandboxProvider({ style: 'alipay' });
    const sent: NotifyRequest[] = [];
    ali.connect(async (req) => {
      sent.push(req);
      return { status: 200, contentType: 'text/plain', body: 'fail' };
    });
    const original = platform.payment.providers.sandbox;
    platform.payment.providers.sandbox = ali;
    try {
      const order = await call('resident', 'payment.createOrder', {
        community: 'demo',
        subject: '维修费',
        amountFen: 1_234,
      });
      const started = await payOrder(
        platform.payment,
        demo,
        order.data.id,
        { provider: 'sandbox' },
        {
          subject: order.data.userId,
          userId: order.data.userId,
        },
      );
      ali.pay(started.intent.outTradeNo);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(sent.length, 1);
      const post = (body: string) =>
        app.inject({
          method: 'POST',
          url: '/api/payment/notify/sandbox',
          headers: { 'content-type': sent[0].headers['content-type'] as string },
          payload: body,
        });
      const forged = await post(sent[0].body.replace('total_amount=12.34', 'total_amount=0.01'));
      assert.notEqual(forged.body, 'success');
      const ok = await post(sent[0].body);
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.body, 'success');
      const status = await call('resident', 'payment.status', { community: 'demo', orderId: order.data.id }, 'GET');
      assert.equal(status.data.paidFen, 1_234);
    } finally {
      platform.payment.providers.sandbox = original;
    }
  });
});
