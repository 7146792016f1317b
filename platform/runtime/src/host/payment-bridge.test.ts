import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import {
  type AppError,
  createLogger,
  handleNotification,
  ManualClock,
  MemoryChannel,
  type PaymentDeps,
  payOrder,
  refundOrder,
  SandboxProvider,
} from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { testEngines } from '@shequ/db';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  order: (input, ctx) => ctx.services.payment.createOrder(input),
  status: (input, ctx) => ctx.services.payment.status(input),
} } };`;

const manifest = (id: string) => ({
  id,
  version: '1.0.0',
  name: { zh: '报名缴费', en: 'Sign-up fees' },
  description: { zh: '活动报名费', en: 'Activity fees' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  permissions: { services: { payment: ['createOrder', 'status'] } },
  handlers: { order: { roles: ['resident'] }, status: { roles: ['resident'] } },
});

for (const engine of testEngines()) {
  describe(`payment through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    let payment: PaymentDeps;
    let sandbox: SandboxProvider;
    const clock = new ManualClock(Date.now());
    const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const call = (pluginId: string, handler: string, input: unknown, user: typeof alice | null = alice) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId,
        handler,
        input,
        user,
        via: user ? 'page' : 'system',
      });

    before(async () => {
      fx = await demoFixture(engine);
      sandbox = new SandboxProvider({ clock });
      payment = { db: fx.database.db, providers: { sandbox }, clock };
      sandbox.connect(async (req) => (await handleNotification(payment, 'sandbox', req)).reply);
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(
        fx.database,
        pool,
        coreCapabilities({ ...fx.d, channel: new MemoryChannel(), payment }),
        createLogger(tmpdir(), 'silent'),
      );
      for (const id of ['org.test.fees', 'org.test.other']) {
        await registerPackage(host, manifest(id), bundle);
        await installPlugin(host, fx.demo, id, '1.0.0', { subject: 'admin' });
      }
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app raises an order for the calling resident, once per reference, and reads its state', async () => {
      const args = { subject: '亲子活动报名费', amountFen: 3_000, reference: 'signup-42' };
      const o = (await call('org.test.fees', 'order', args)) as { orderId: string; status: string };
      assert.equal(o.status, 'open');
      assert.equal(((await call('org.test.fees', 'order', args)) as { orderId: string }).orderId, o.orderId);
      await assert.rejects(
        call('org.test.fees', 'order', { ...args, amountFen: -1 }),
        (e: AppError) => e.code === 'INVALID_INPUT',
      );
      await assert.rejects(
        call('org.test.fees', 'order', { ...args, amountFen: 1.5 }),
        (e: AppError) => e.code === 'INVALID_INPUT',
      );
      await assert.rejects(call('org.test.fees', 'order', args, null), (e: AppError) => /own call/.test(e.messageEn));

      const payer = { subject: alice.id, userId: alice.id };
      const { intent } = await payOrder(payment, fx.demo, o.orderId, { provider: 'sandbox' }, payer);
      sandbox.pay(intent.outTradeNo);
      await clock.advance(0);
      await refundOrder(payment, fx.demo, o.orderId, { amountFen: 1_000 }, { ...payer, staff: true });
      const s = (await call('org.test.fees', 'status', { orderId: o.orderId })) as Record<string, unknown>;
      assert.deepEqual(
        { status: s.status, paidFen: s.paidFen, refundedFen: s.refundedFen },
        { status: 'partially_refunded', paidFen: 3_000, refundedFen: 1_000 },
      );
      // Another app cannot read it.
      await assert.rejects(
        call('org.test.other', 'status', { orderId: o.orderId }),
        (e: AppError) => e.code === 'NOT_FOUND',
      );
    });
  });
}
