import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, MemoryChannel, recordGatePass } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { testEngines } from '@shequ/db';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  invite: (input, ctx) => ctx.services.access.invite(input),
  passes: (input, ctx) => ctx.services.access.passes(input),
} } };`;

for (const engine of testEngines()) {
  describe(`access through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const bob = { id: '00000000-0000-4000-8000-000000000b0b', role: 'resident' as const };
    const staff = { id: '00000000-0000-4000-8000-0000000000ff', role: 'operator' as const };
    const call = (handler: string, input: unknown, user: typeof alice | typeof staff | null = alice) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId: 'org.test.visitors',
        handler,
        input,
        user,
        via: user ? 'page' : 'system',
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
          id: 'org.test.visitors',
          version: '1.0.0',
          name: { zh: '访客登记', en: 'Visitors' },
          description: { zh: '邀请访客', en: 'Invite visitors' },
          scenario: 'neighbourhood',
          sdk: '^0.1.0',
          permissions: { services: { access: ['invite', 'passes'] } },
          handlers: { invite: { roles: ['resident'] }, passes: { roles: ['resident', 'operator'] } },
        },
        bundle,
      );
      await installPlugin(host, fx.demo, 'org.test.visitors', '1.0.0', { subject: 'admin' });
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app invites a visitor for the calling resident; she alone reads her visitor’s gate pass', async () => {
      const now = Date.now();
      const window = { validFrom: new Date(now).toISOString(), validUntil: new Date(now + 3_600_000).toISOString() };
      const p = (await call('invite', { visitorName: '王五', ...window })) as { passId: string; token: string };
      assert.match(p.token, /^SQV1\./);
      await assert.rejects(call('invite', { visitorName: '王五', ...window }, null), (e: AppError) =>
        /own call/.test(e.messageEn),
      );
      await assert.rejects(
        call('invite', { visitorName: '王五', validFrom: window.validFrom, validUntil: window.validFrom }),
        (e: AppError) => e.code === 'INVALID_INPUT',
      );
      await recordGatePass(fx.d, fx.demo, 'people', {
        productKey: 'pgate',
        deviceName: 'east-1',
        deviceId: '00000000-0000-4000-8000-00000000ea57',
        messageId: '1',
        event: 'pass',
        value: { personRef: p.token, direction: 0, mode: 2 },
        time: Date.now(),
      });
      const mine = (await call('passes', {})) as { items: { visitorName: string; admitted: boolean }[] };
      assert.deepEqual(
        mine.items.map((i) => [i.visitorName, i.admitted]),
        [['王五', true]],
      );
      assert.ok(!('personId' in (mine.items[0] as object)), 'no base-warehouse ids reach the app');
      assert.deepEqual(((await call('passes', {}, bob)) as { items: unknown[] }).items, []);
      assert.equal(((await call('passes', {}, staff)) as { items: unknown[] }).items.length, 1);
    });
  });
}
