import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, MemoryChannel, transitionEvent } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { testEngines } from '@shequ/db';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const workflow = {
  key: 'lost-parcel',
  name: { zh: '快递丢失', en: 'Lost parcel' },
  initial: 'open',
  states: [
    { name: 'open', zh: '待查找', en: 'Open', slaMinutes: 120 },
    { name: 'found', zh: '已找到', en: 'Found', final: true },
  ],
  transitions: [{ event: 'find', from: ['open'], to: 'found', roles: ['property_staff'] }],
};

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  lost: (input, ctx) => ctx.services.events.report({ key: 'parcel-' + input.n, type: 'parcel', title: '快递丢失 ' + input.n,
    workflow: ${JSON.stringify(workflow)} }),
  plain: (input, ctx) => ctx.services.events.report({ key: 'plain-' + input.n, type: 'repair', title: '报修', severity: 'high' }),
  read: (input, ctx) => ctx.services.events.get({ id: input.id }),
} } };`;

for (const engine of testEngines()) {
  describe(`events through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const call = (handler: string, input: unknown) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId: 'org.test.parcels',
        handler,
        input,
        user: alice,
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
          id: 'org.test.parcels',
          version: '1.0.0',
          name: { zh: '快递', en: 'Parcels' },
          description: { zh: '快递丢失上报', en: 'Report lost parcels' },
          scenario: 'neighbourhood',
          sdk: '^0.1.0',
          permissions: { services: { events: ['report', 'get'] } },
          handlers: { lost: { roles: ['resident'] }, plain: { roles: ['resident'] }, read: { roles: ['resident'] } },
        },
        bundle,
      );
      await installPlugin(host, fx.demo, 'org.test.parcels', '1.0.0', { subject: 'admin' });
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app opens events in its own workflow, once per key, and reads only its own', async () => {
      const a = (await call('lost', { n: 1 })) as { id: string; state: string };
      assert.equal(a.state, 'open');
      assert.equal(((await call('lost', { n: 1 })) as { id: string }).id, a.id);
      const b = (await call('plain', { n: 1 })) as { id: string; state: string };
      assert.equal(b.state, 'reported');
      await transitionEvent(
        fx.database.db,
        { communityId: fx.demo, eventId: a.id, event: 'find', expectedVersion: 0 },
        { id: 'staff', roles: ['property_staff'] },
      );
      const read = (await call('read', { id: a.id })) as { state: string; history: { action: string }[] };
      assert.equal(read.state, 'found');
      assert.deepEqual(
        read.history.map((h) => h.action),
        ['report', 'find'],
      );
      await assert.rejects(call('read', { id: '00000000-0000-4000-8000-000000000000' }), (e: AppError) =>
        /No such event of this app/.test(e.messageEn),
      );
    });
  });
}
