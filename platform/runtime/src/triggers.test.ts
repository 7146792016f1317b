import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { MemoryBus } from '@shequ/bus';
import { type AppError, createLogger, MemoryChannel } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { pluginRecords, testEngines } from '@shequ/db';
import type { PluginManifest } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import {
  coreCapabilities,
  installPlugin,
  PluginHost,
  registerPackage,
  runDueJobs,
  SandboxPool,
  setPluginEnabled,
  startSubscriptions,
} from './index.ts';

const manifest = (extra: Partial<PluginManifest> = {}): PluginManifest => ({
  id: 'org.test.triggers',
  version: '1.0.0',
  name: { zh: '触发', en: 'Triggers' },
  description: { zh: '测试', en: 'Test' },
  scenario: 'governance',
  sdk: '^0.1.0',
  collections: {
    seen: { schema: { type: 'object', properties: { kind: { type: 'string' }, ref: { type: 'string' } } } },
  },
  handlers: { onPerson: {}, nightly: {} },
  subscriptions: [{ subject: 'shequ.base.person.*', handler: 'onPerson' }],
  jobs: [{ name: 'nightly', cron: '0 3 * * *', handler: 'nightly' }],
  ...extra,
});

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  onPerson: (input, ctx) => ctx.collections.seen.insert({ kind: 'event', ref: input.event.subject }),
  nightly: (input, ctx) => ctx.collections.seen.insert({ kind: 'job', ref: input.scheduledFor }),
} } };`;

for (const engine of testEngines()) {
  describe(`app events and jobs (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    const bus = new MemoryBus();
    const log = createLogger(tmpdir(), 'silent');
    const seen = async (kind: string) =>
      (await fx.database.db.select().from(pluginRecords).where(eq(pluginRecords.pluginId, 'org.test.triggers')))
        .map((r) => r.data as { kind: string; ref: string })
        .filter((d) => d.kind === kind);

    before(async () => {
      fx = await demoFixture(engine);
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(fx.database, pool, coreCapabilities({ ...fx.d, channel: new MemoryChannel() }), log, {
        installTtlMs: 0,
      });
      await registerPackage(host, manifest(), bundle);
      await installPlugin(host, fx.demo, 'org.test.triggers', '1.0.0', { subject: 'admin' });
      await startSubscriptions(host, bus, log);
    });
    after(async () => {
      await bus.close();
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('a bad cron expression is refused at registration, naming the pointer', async () => {
      await assert.rejects(
        registerPackage(
          host,
          manifest({ version: '1.0.1', jobs: [{ name: 'x', cron: '61 * * * *', handler: 'nightly' }] }),
          bundle,
        ),
        (e: AppError) => e.code === 'INVALID_INPUT' && /#\/jobs\/0\/cron/.test(e.messageEn),
      );
    });

    test('a subscribed event in the community reaches the app once; other subjects and communities do not', async () => {
      const event = {
        id: randomUUID(),
        subject: 'shequ.base.person.created',
        time: new Date().toISOString(),
        communityId: fx.demo,
        data: {},
      };
      await bus.publish(event);
      await bus.publish(event);
      await bus.publish({ ...event, id: randomUUID(), subject: 'shequ.base.house.created' });
      await bus.publish({ ...event, id: randomUUID(), communityId: randomUUID() });
      assert.deepEqual(
        (await seen('event')).map((d) => d.ref),
        ['shequ.base.person.created'],
      );
    });

    test('a job runs at its minute in Beijing time, once across repeated ticks, and not when disabled', async () => {
      const three = new Date('2026-11-28T19:00:20Z'); // 03:00 on 29 November in Asia/Shanghai
      assert.equal(await runDueJobs(host, new Date('2026-11-28T03:00:00Z'), log), 0);
      assert.equal(await runDueJobs(host, three, log), 1);
      assert.equal(await runDueJobs(host, three, log), 0);
      assert.deepEqual(
        (await seen('job')).map((d) => d.ref),
        ['2026-11-28T19:00:00.000Z'],
      );
      await setPluginEnabled(host, fx.demo, 'org.test.triggers', false, { subject: 'admin' });
      assert.equal(await runDueJobs(host, new Date('2026-11-29T19:00:00Z'), log), 0);
    });
  });
}
