import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, ledgerCheck, MemoryChannel, pointsOf } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { testEngines } from '@shequ/db';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  checkIn: (input, ctx) => ctx.services.points.award({ userId: ctx.user.id, amount: 5, reason: '志愿签到', key: 'checkin-' + input.day }),
  redeem: (input, ctx) => ctx.services.points.spend({ userId: input.userId, amount: input.amount, reason: '兑换', key: 'redeem-' + input.n }),
  balance: (input, ctx) => ctx.services.points.balance({ userId: ctx.user.id }),
} } };`;

for (const engine of testEngines()) {
  describe(`points through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const bob = { id: '00000000-0000-4000-8000-000000000b0b', role: 'resident' as const };
    const call = (handler: string, input: unknown, user = alice) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId: 'org.test.volunteer',
        handler,
        input,
        user,
        via: 'page',
      });

    before(async () => {
      fx = await demoFixture(engine);
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(
        fx.database,
        pool,
        coreCapabilities({ ...fx.d, channel: new MemoryChannel() }),
        createLogger(tmpdir(), 'silent'),
      );
      await registerPackage(
        host,
        {
          id: 'org.test.volunteer',
          version: '1.0.0',
          name: { zh: '志愿服务', en: 'Volunteering' },
          description: { zh: '签到得积分', en: 'Points for attendance' },
          scenario: 'neighbourhood',
          sdk: '^0.1.0',
          permissions: { services: { points: ['award', 'spend', 'balance'] } },
          handlers: {
            checkIn: { roles: ['resident'] },
            redeem: { roles: ['resident'] },
            balance: { roles: ['resident'] },
          },
        },
        bundle,
      );
      await installPlugin(host, fx.demo, 'org.test.volunteer', '1.0.0', { subject: 'admin' });
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app awards points once per key and a resident spends her own, never below zero or someone else’s', async () => {
      await call('checkIn', { day: '2026-11-28' });
      const again = (await call('checkIn', { day: '2026-11-28' })) as { replayed: boolean; balance: number };
      assert.deepEqual([again.replayed, again.balance], [true, 5]);
      await call('redeem', { userId: alice.id, amount: 3, n: 1 });
      assert.deepEqual(await call('balance', {}), { balance: 2 });
      await assert.rejects(
        call('redeem', { userId: alice.id, amount: 3, n: 2 }),
        (e: AppError) => e.code === 'CONFLICT',
      );
      await assert.rejects(
        call('redeem', { userId: alice.id, amount: 1, n: 3 }, bob),
        (e: AppError) => e.code === 'PLUGIN_FAILED' && /own call/.test(e.messageEn),
      );
      assert.equal((await pointsOf(fx.database.db, fx.demo, 'points', { type: 'user', id: alice.id })).balance, 2);
      assert.equal((await ledgerCheck(fx.database.db, fx.demo)).balancesSum, 0);
    });
  });
}
