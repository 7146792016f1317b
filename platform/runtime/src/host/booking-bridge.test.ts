import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, MemoryChannel, saveSpaceSettings } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { spaces, testEngines, withScope } from '@shequ/db';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  spaces: (input, ctx) => ctx.services.booking.spaces({}),
  day: (input, ctx) => ctx.services.booking.availability(input),
  hold: (input, ctx) => ctx.services.booking.hold(input),
} } };`;

for (const engine of testEngines()) {
  describe(`booking through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    let spaceId: string;
    const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const bob = { id: '00000000-0000-4000-8000-000000000b0b', role: 'resident' as const };
    const call = (handler: string, input: unknown, user: typeof alice | null = alice) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId: 'org.test.rooms',
        handler,
        input,
        user,
        via: user ? 'page' : 'system',
      });
    // Tomorrow in Asia/Shanghai (UTC+8).
    const day = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

    before(async () => {
      fx = await demoFixture(engine);
      [{ id: spaceId }] = await withScope(fx.database.db, fx.scope, (tx) =>
        tx
          .insert(spaces)
          .values({ communityId: fx.demo, name: '睦邻会客厅', useType: '活动室', createdBy: 't', updatedBy: 't' })
          .returning(),
      );
      await saveSpaceSettings(
        fx.database.db,
        fx.demo,
        spaceId,
        {
          enabled: true,
          openingHours: Array.from({ length: 7 }, () => [{ open: '14:00', close: '16:00' }]),
          slotMinutes: 60,
          capacity: 1,
          allowedRoles: [],
          maxPerWeek: null,
          holdMinutes: 10,
          cancelBeforeMinutes: 60,
          advanceDays: 7,
          feeFen: 0,
          rules: null,
        },
        { subject: 'admin' },
      );
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
          id: 'org.test.rooms',
          version: '1.0.0',
          name: { zh: '活动室预约', en: 'Rooms' },
          description: { zh: '预约活动室', en: 'Book a room' },
          scenario: 'neighbourhood',
          sdk: '^0.1.0',
          permissions: { services: { booking: ['spaces', 'availability', 'hold'] } },
          handlers: { spaces: { roles: ['resident'] }, day: { roles: ['resident'] }, hold: { roles: ['resident'] } },
        },
        bundle,
      );
      await installPlugin(host, fx.demo, 'org.test.rooms', '1.0.0', { subject: 'admin' });
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app lists spaces, reads a day and holds a slot for the calling resident; the slot is then taken', async () => {
      const list = (await call('spaces', {})) as { spaceId: string; name: string }[];
      assert.deepEqual(
        list.map((s) => s.name),
        ['睦邻会客厅'],
      );
      const d = (await call('day', { spaceId, day })) as { slots: { start: string; status: string }[] };
      assert.deepEqual(
        d.slots.map((s) => s.status),
        ['free', 'free'],
      );
      const held = (await call('hold', { spaceId, start: d.slots[0].start })) as { bookingId: string };
      assert.ok(held.bookingId);
      await assert.rejects(call('hold', { spaceId, start: d.slots[0].start }, bob), (e: AppError) =>
        /already booked/.test(e.messageEn),
      );
      await assert.rejects(call('hold', { spaceId, start: d.slots[1].start }, null), (e: AppError) =>
        /own call/.test(e.messageEn),
      );
      const after = (await call('day', { spaceId, day })) as { slots: { status: string }[] };
      assert.deepEqual(
        after.slots.map((s) => s.status),
        ['taken', 'free'],
      );
    });
  });
}
