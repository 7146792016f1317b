import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, inboxOf, listAudit, MemoryChannel } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import {
  outbox,
  pluginPackages,
  pluginRecords,
  regions,
  roleAssignments,
  testEngines,
  users,
  withScope,
} from '@shequ/db';
import type { PluginManifest } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import {
  coreCapabilities,
  installPlugin,
  listInstalls,
  missingCapabilities,
  PluginHost,
  purgeUninstalled,
  registerPackage,
  SandboxPool,
  setPluginEnabled,
  uninstallPlugin,
  updatePluginSettings,
  upgradePlugin,
} from '../index.ts';

const manifest = (version = '1.0.0', extra: Partial<PluginManifest> = {}): PluginManifest => ({
  id: 'org.test.board',
  version,
  name: { zh: '测试公告', en: 'Test board' },
  description: { zh: '测试', en: 'Test' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  permissions: { services: { message: ['send'] }, data: ['stats:read'] },
  http: { hosts: [] },
  collections: {
    posts: {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['title'],
        properties: { title: { type: 'string', minLength: 1, maxLength: 20 }, likes: { type: 'integer' } },
      },
      indexes: ['title'],
    },
  },
  handlers: {
    create: { roles: ['operator'] },
    list: { roles: ['resident', 'operator'] },
    stats: { roles: ['operator'] },
    notify: { roles: ['operator'] },
    emitIt: { roles: ['operator'] },
    call: { roles: ['operator'] },
    peek: { roles: ['operator'] },
  },
  ...extra,
});

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  create: (input, ctx) => ctx.collections.posts.insert(input),
  list: (input, ctx) => ctx.collections.posts.find(input),
  stats: (input, ctx) => ctx.data['stats:read'].list({}),
  notify: (input, ctx) => ctx.services.message.send({ userId: input.userId, text: { zh: '通知', en: 'Notice' } }),
  emitIt: (input, ctx) => ctx.emit('post.created', { n: 1 }),
  call: async (input, ctx) => (await ctx.http.fetch(input.url)).body,
  peek: (input, ctx) => ctx.collections.secrets.find({}),
  upgradeTitle: ({ record }) => ({ title: record.title.toUpperCase(), likes: 0 }),
  settingsOf: (input, ctx) => ctx.settings,
} } };`;

for (const engine of testEngines()) {
  describe(`plugin host (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let host: PluginHost;
    let pool: SandboxPool;
    let otherCommunity: string;
    const channel = new MemoryChannel();
    const actor = { subject: 'admin' };
    const operator = { id: '00000000-0000-4000-8000-000000000001', role: 'operator' as const };
    const community = () => ({ id: fx.demo, code: 'demo' });
    const call = (handler: string, input: unknown = {}, c = community()) =>
      host.invoke({ community: c, pluginId: 'org.test.board', handler, input, user: operator, via: 'page' });

    before(async () => {
      fx = await demoFixture(engine);
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(
        fx.database,
        pool,
        coreCapabilities({ ...fx.d, channel }),
        createLogger(tmpdir(), 'silent'),
        { installTtlMs: 0 },
      );
      const [demo] = await fx.database.db.select().from(regions).where(eq(regions.id, fx.demo));
      const [other] = await fx.database.db
        .insert(regions)
        .values({ parentId: demo.parentId, level: 'community', code: 'other', name: '另一社区', path: 'pending' })
        .returning();
      otherCommunity = other.id;
      await fx.database.db
        .update(regions)
        .set({ path: `${demo.path.split(demo.id)[0]}${other.id}/` })
        .where(eq(regions.id, other.id));
      await registerPackage(host, manifest(), bundle);
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('every capability in the catalog is implemented', () => {
      assert.deepEqual(missingCapabilities(coreCapabilities({ ...fx.d, channel })), []);
    });

    test('a package whose bundle lacks a declared handler is refused, and versions are immutable', async () => {
      await assert.rejects(
        registerPackage(host, manifest('1.0.1', { handlers: { ...manifest().handlers, ghost: {} } }), bundle),
        (e: AppError) => e.code === 'INVALID_INPUT' && /ghost/.test(e.message),
      );
      await registerPackage(host, manifest(), bundle);
      await assert.rejects(
        registerPackage(host, manifest(), `${bundle}\n// changed`),
        (e: AppError) => e.code === 'CONFLICT',
      );
      await assert.rejects(
        registerPackage(host, { ...manifest('1.0.2'), colour: 'red' }, bundle),
        (e: AppError) => e.code === 'INVALID_INPUT' && /#\/colour: unknown field/.test(e.message),
      );
    });

    test("a stored manifest keeps the author's order of pages (the first menu page is the app's home)", async () => {
      const page = (title: string) => ({
        type: 'list' as const,
        audience: 'resident' as const,
        menu: true,
        title: { zh: title, en: title },
        source: { handler: 'list' },
        columns: [{ field: 'title', title: { zh: '标题', en: 'Title' } }],
      });
      await registerPackage(host, manifest('0.9.0', { pages: { 'list-all': page('全部'), new: page('新') } }), bundle);
      const [row] = await fx.database.db
        .select({ manifest: pluginPackages.manifest })
        .from(pluginPackages)
        .where(eq(pluginPackages.version, '0.9.0'));
      assert.deepEqual(Object.keys((row.manifest as PluginManifest).pages ?? {}), ['list-all', 'new']);
    });

    test('install, then records are written, validated and scoped to the community', async () => {
      await installPlugin(host, fx.demo, 'org.test.board', '1.0.0', actor, {
        grants: { services: {}, data: ['stats:read'], hosts: [] },
      });
      const post = (await call('create', { title: '停水通知' })) as { id: string; title: string };
      assert.equal(post.title, '停水通知');
      await assert.rejects(
        call('create', { title: '' }),
        (e: AppError) => e.code === 'INVALID_INPUT' && !!e.fieldErrors?.title,
      );
      await assert.rejects(call('create', { title: 'x', id: 'mine' }), (e: AppError) => e.code === 'INVALID_INPUT');
      const list = (await call('list', { where: { title: '停水通知' } })) as { items: unknown[]; total: number };
      assert.equal(list.total, 1);
      const byRange = (await call('list', {
        where: { title: { contains: '停水' } },
        orderBy: [{ field: 'title' }],
      })) as {
        total: number;
      };
      assert.equal(byRange.total, 1);
      await assert.rejects(call('list', { where: { nope: 1 } }), (e: AppError) => e.code === 'INVALID_INPUT');
      // The other community has no install, and under its scope the record does not exist.
      await assert.rejects(
        call('list', {}, { id: otherCommunity, code: 'other' }),
        (e: AppError) => e.code === 'NOT_FOUND',
      );
      const seen = await withScope(fx.database.db, { kind: 'communities', ids: [otherCommunity] }, (tx) =>
        tx.select().from(pluginRecords),
      );
      assert.equal(seen.length, 0);
      // An undeclared collection is another plugin's or nobody's: refused.
      await assert.rejects(call('peek'), (e: AppError) => e.code === 'NOT_FOUND' && /secrets/.test(e.messageEn));
    });

    test('a service not granted is refused with PLUGIN_FAILED and audited as denied; a granted scope works', async () => {
      await assert.rejects(
        call('notify', { userId: operator.id }),
        (e: AppError) => e.code === 'PLUGIN_FAILED' && /org\.test\.board@1\.0\.0/.test(e.messageEn),
      );
      const stats = (await call('stats')) as Record<string, unknown>;
      assert.ok(stats && typeof stats === 'object');
      await host.flushAudit();
      const audit = await listAudit(fx.database.db, { objectId: 'services.call:message.send', limit: 50 });
      const denied = audit.find((a) => a.action === 'plugin.bridge');
      assert.equal(denied?.result, 'denied');
      assert.equal((denied?.detail as { plugin?: string } | undefined)?.plugin, 'org.test.board');
    });

    test('residents may call only handlers open to residents', async () => {
      const resident = { id: operator.id, role: 'resident' as const };
      await host.invoke({
        community: community(),
        pluginId: 'org.test.board',
        handler: 'list',
        input: {},
        user: resident,
        via: 'page',
      });
      await assert.rejects(
        host.invoke({
          community: community(),
          pluginId: 'org.test.board',
          handler: 'create',
          input: { title: 'x' },
          user: resident,
          via: 'page',
        }),
        (e: AppError) => e.code === 'FORBIDDEN',
      );
    });

    test('events go to the outbox under the app subject', async () => {
      await call('emitIt');
      const rows = await fx.database.db
        .select()
        .from(outbox)
        .where(eq(outbox.subject, 'shequ.app.org_test_board.post.created'));
      assert.equal(rows.length, 1);
    });

    test('disable stops calls; enable brings them back; lifecycle is on the bus', async () => {
      await setPluginEnabled(host, fx.demo, 'org.test.board', false, actor);
      await assert.rejects(call('list'), (e: AppError) => e.code === 'NOT_FOUND');
      await setPluginEnabled(host, fx.demo, 'org.test.board', true, actor);
      await call('list');
      const events = await fx.database.db.select().from(outbox).where(eq(outbox.subject, 'shequ.plugins.disabled'));
      assert.equal(events.length, 1);
      const [install] = await listInstalls(host, fx.demo);
      assert.deepEqual([install.pluginId, install.state, install.name.zh], ['org.test.board', 'enabled', '测试公告']);
    });

    test('upgrade: escalation needs a grant, a dry run changes nothing, migrations run in the sandbox', async () => {
      const next = manifest('1.1.0', {
        permissions: { services: { message: ['send'], audit: ['record'] }, data: ['stats:read'] },
        handlers: { ...manifest().handlers, upgradeTitle: {} },
        migrations: [{ collection: 'posts', from: '<1.1.0', handler: 'upgradeTitle' }],
        collections: {
          posts: {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'likes'],
              properties: { title: { type: 'string' }, likes: { type: 'integer' } },
            },
          },
        },
      });
      await registerPackage(host, next, bundle);
      await assert.rejects(
        upgradePlugin(host, fx.demo, 'org.test.board', '1.1.0', actor),
        (e: AppError) => e.code === 'CONFLICT',
      );
      const dry = await upgradePlugin(host, fx.demo, 'org.test.board', '1.1.0', actor, { dryRun: true });
      assert.deepEqual([dry.checked, dry.migrated, dry.failures, dry.escalation], [1, 1, [], ['audit.record']]);
      const before = (await call('list')) as { items: { title: string }[] };
      assert.equal(before.items[0].title, '停水通知');
      const done = await upgradePlugin(host, fx.demo, 'org.test.board', '1.1.0', actor, {
        grants: { services: { audit: ['record'] }, data: ['stats:read'], hosts: [] },
      });
      assert.equal(done.migrated, 1);
      const afterList = (await call('list')) as { items: { title: string; likes: number }[] };
      assert.deepEqual([afterList.items[0].title, afterList.items[0].likes], ['停水通知'.toUpperCase(), 0]);
      await assert.rejects(
        upgradePlugin(host, fx.demo, 'org.test.board', '1.0.0', actor),
        (e: AppError) => e.code === 'INVALID_INPUT',
      );
    });

    test('a failing migration rolls everything back', async () => {
      const broken = manifest('1.2.0', {
        handlers: { ...manifest().handlers, upgradeTitle: {} },
        collections: {
          posts: { schema: { type: 'object', required: ['body'], properties: { body: { type: 'string' } } } },
        },
      });
      await registerPackage(host, broken, bundle);
      await assert.rejects(
        upgradePlugin(host, fx.demo, 'org.test.board', '1.2.0', actor, {
          grants: { services: {}, data: [], hosts: [] },
        }),
        (e: AppError) => e.code === 'INVALID_INPUT' && /nothing was changed/.test(e.messageEn),
      );
      const [install] = await listInstalls(host, fx.demo);
      assert.equal(install.version, '1.1.0');
    });

    test('http.fetch reaches only declared and approved hosts', async () => {
      const server = createServer((_, res) => res.end('pong'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const host2 = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const m = manifest('1.3.0', { http: { hosts: [host2] } });
        await registerPackage(host, m, bundle);
        await upgradePlugin(host, fx.demo, 'org.test.board', '1.3.0', actor, {
          grants: { services: {}, data: [], hosts: [] },
        });
        await assert.rejects(
          call('call', { url: `http://${host2}/ping` }),
          (e: AppError) => e.code === 'PLUGIN_FAILED' && /approved/.test(e.messageEn),
        );
        await assert.rejects(
          call('call', { url: 'http://127.0.0.2:1/x' }),
          (e: AppError) => e.code === 'PLUGIN_FAILED' && /does not declare/.test(e.messageEn),
        );
        await uninstallPlugin(host, fx.demo, 'org.test.board', actor);
        await installPlugin(host, fx.demo, 'org.test.board', '1.3.0', actor, {
          grants: { services: {}, data: [], hosts: [host2] },
        });
        assert.equal(await call('call', { url: `http://${host2}/ping` }), 'pong');
      } finally {
        server.close();
      }
    });

    test('message.send reaches members of the community only', async () => {
      const m = manifest('1.4.0');
      await registerPackage(host, m, bundle);
      await upgradePlugin(host, fx.demo, 'org.test.board', '1.4.0', actor, {
        grants: { services: { message: ['send'] }, data: [], hosts: [] },
      });
      const [member] = await fx.database.db
        .select({ id: users.id })
        .from(users)
        .innerJoin(roleAssignments, eq(roleAssignments.userId, users.id))
        .where(eq(roleAssignments.regionId, fx.demo))
        .limit(1);
      assert.ok(member, 'the demo seed has users in the demo community');
      await call('notify', { userId: member.id });
      // Through the message service: it is in the member's inbox, sent by the app.
      const box = await inboxOf(fx.database.db, fx.demo, member.id);
      assert.deepEqual([box.items[0].bodyZh, box.items[0].sender], ['通知', 'plugin:org.test.board']);
      await assert.rejects(
        call('notify', { userId: '00000000-0000-4000-8000-00000000dead' }),
        (e: AppError) => e.code === 'NOT_FOUND',
      );
    });

    test('an upgrade grants just the new permissions ticked; settings are checked and reach ctx.settings', async () => {
      const m = manifest('1.5.0', {
        permissions: { services: { message: ['send'], points: ['balance'] }, data: ['stats:read'] },
        handlers: { ...manifest().handlers, settingsOf: { roles: ['operator'] } },
        settings: {
          type: 'object',
          additionalProperties: false,
          properties: { reminderHours: { type: 'integer', minimum: 1, maximum: 72 } },
        },
      });
      await registerPackage(host, m, bundle);
      const dry = await upgradePlugin(host, fx.demo, 'org.test.board', '1.5.0', actor, { dryRun: true });
      assert.deepEqual(dry.escalation, ['points.balance']);
      await assert.rejects(
        upgradePlugin(host, fx.demo, 'org.test.board', '1.5.0', actor, { grantNew: ['audit.record'] }),
        (e: AppError) => e.code === 'INVALID_INPUT' && /audit\.record/.test(e.messageEn),
      );
      await upgradePlugin(host, fx.demo, 'org.test.board', '1.5.0', actor, { grantNew: ['points.balance'] });
      const [install] = await listInstalls(host, fx.demo);
      assert.equal(install.version, '1.5.0');
      assert.deepEqual(install.grants, { services: { message: ['send'], points: ['balance'] }, data: [], hosts: [] });
      assert.equal((install.settingsSchema as { type: string } | null)?.type, 'object');

      await assert.rejects(
        updatePluginSettings(host, fx.demo, 'org.test.board', { reminderHours: 100 }, actor),
        (e: AppError) =>
          e.code === 'INVALID_INPUT' && Object.keys(e.fieldErrors ?? {}).some((k) => k.includes('reminderHours')),
      );
      assert.deepEqual(await call('settingsOf'), {}, 'a refused change leaves the settings as they were');
      await updatePluginSettings(host, fx.demo, 'org.test.board', { reminderHours: 12 }, actor);
      assert.deepEqual(await call('settingsOf'), { reminderHours: 12 });
      const audit = await listAudit(fx.database.db, { objectId: 'org.test.board', limit: 200 });
      assert.equal(audit.filter((a) => a.action === 'plugin.settings-changed').length, 1);
    });

    test('uninstall keeps the data until the purge date, then the purge job deletes it', async () => {
      const before = await fx.database.db
        .select()
        .from(pluginRecords)
        .where(eq(pluginRecords.pluginId, 'org.test.board'));
      assert.ok(before.length > 0);
      const r = await uninstallPlugin(host, fx.demo, 'org.test.board', actor);
      assert.deepEqual(await purgeUninstalled(host), { installs: 0, records: 0 });
      const purged = await purgeUninstalled(host, new Date(Date.parse(r.purgeAfter) + 1000));
      assert.deepEqual(purged, { installs: 1, records: before.length });
      assert.equal((await fx.database.db.select().from(pluginRecords)).length, 0);
    });
  });
}
