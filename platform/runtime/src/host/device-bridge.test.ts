// The device service through the app bridge (DB33 7.3.4.2): an app reads the community's products, devices and
// latest values, and queues commands checked against the thing model; never on a resident's call, never outside its
// community, never without the grant; the command is on the bus and audited with the app's name.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, MemoryChannel } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { auditLog, deviceProperties, outbox, shadows, testEngines } from '@shequ/db';
import { createDevice, createProduct } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { and, eq, like } from 'drizzle-orm';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  products: (input, ctx) => ctx.services.device.products(input),
  list: (input, ctx) => ctx.services.device.list(input),
  properties: (input, ctx) => ctx.services.device.properties(input),
  invoke: (input, ctx) => ctx.services.device.invoke(input),
} } };`;

const manifest = (id: string, actions: string[]) => ({
  id,
  version: '1.0.0',
  name: { zh: '门禁看板', en: 'Gate board' },
  description: { zh: '门禁状态与控制', en: 'Gate state and control' },
  scenario: 'governance' as const,
  sdk: '^0.1.0',
  permissions: { services: { device: actions } },
  handlers: {
    products: { roles: ['operator'] },
    list: { roles: ['operator', 'resident'] },
    properties: { roles: ['operator', 'resident'] },
    invoke: { roles: ['operator', 'resident'] },
  },
});

for (const engine of testEngines()) {
  describe(`devices through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    let productKey: string;
    const resident = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
    const staff = { id: '00000000-0000-4000-8000-0000000000ff', role: 'operator' as const };
    const call = (
      pluginId: string,
      handler: string,
      input: unknown,
      user: typeof resident | typeof staff | null = staff,
    ) =>
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
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(
        fx.database,
        pool,
        coreCapabilities({ ...fx.d, channel: new MemoryChannel() }),
        createLogger(tmpdir(), 'silent'),
      );
      const scope = { kind: 'communities' as const, ids: [fx.demo] };
      const admin = { subject: 'admin', role: 'platform_admin' };
      ({ productKey } = await createProduct(
        fx.d,
        scope,
        fx.demo,
        { name: '人行道闸', thingModel: standardThingModels()['people-gate'] },
        admin,
      ));
      const gate = await createDevice(fx.d, scope, productKey, { deviceName: 'east-1', nickname: '东门' }, admin);
      await fx.database.db.insert(deviceProperties).values({
        deviceId: gate.id,
        communityId: fx.demo,
        identifier: 'passCountToday',
        value: 42,
        time: new Date().toISOString(),
      });
      await registerPackage(host, manifest('org.test.gates', ['products', 'list', 'properties', 'invoke']), bundle);
      await installPlugin(host, fx.demo, 'org.test.gates', '1.0.0', { subject: 'admin' });
      // The same app without the invoke grant: asked for in its manifest, left unticked by the operator.
      await registerPackage(host, manifest('org.test.readonly', ['list', 'invoke']), bundle);
      await installPlugin(
        host,
        fx.demo,
        'org.test.readonly',
        '1.0.0',
        { subject: 'admin' },
        { grants: { services: { device: ['list'] }, data: [], hosts: [] } },
      );
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app reads the products, devices and latest values of its community, nothing secret', async () => {
      const products = (await call('org.test.gates', 'products', {})) as {
        productKey: string;
        model: { properties: { identifier: string }[]; services: { identifier: string; callType: string }[] };
      }[];
      const mine = products.find((p) => p.productKey === productKey);
      assert.ok(mine, 'the demo community’s product is listed');
      assert.ok(mine.model.properties.some((p) => p.identifier === 'gateState'));
      assert.deepEqual(
        mine.model.services.map((s) => [s.identifier, s.callType]),
        [
          ['open', 'sync'],
          ['setMode', 'async'],
        ],
      );
      const devices = (await call('org.test.gates', 'list', { productKey }, resident)) as Record<string, unknown>[];
      assert.deepEqual(
        devices.map((d) => [d.deviceName, d.nickname, d.online]),
        [['east-1', '东门', false]],
      );
      for (const secret of ['id', 'communityId', 'lastIp', 'deviceSecret', 'gatewayId'])
        assert.ok(!(secret in devices[0]), `${secret} does not reach the app`);
      const props = (await call('org.test.gates', 'properties', { productKey, deviceName: 'east-1' })) as {
        properties: Record<string, { value: unknown }>;
      };
      assert.equal(props.properties.passCountToday.value, 42);
      await assert.rejects(
        call('org.test.gates', 'properties', { productKey, deviceName: 'west-9' }),
        (e: AppError) => e.code === 'NOT_FOUND' && /west-9 not found/.test(e.messageEn),
      );
    });

    test('commands are checked against the thing model, queued and audited; residents and ungranted apps are refused', async () => {
      const queued = (await call('org.test.gates', 'invoke', {
        productKey,
        deviceName: 'east-1',
        service: 'setMode',
        params: { mode: 1 },
      })) as { commandId: string; queued: boolean };
      assert.equal(queued.queued, true);
      const [event] = await fx.database.db.select().from(outbox).where(eq(outbox.id, queued.commandId));
      assert.match(event.subject, /\.command$/);
      assert.deepEqual((event.data as { params: unknown }).params, { mode: 1 });
      // A job of the app (no user) may set a property; it lands in the shadow's desired state.
      await call('org.test.gates', 'invoke', { productKey, deviceName: 'east-1', set: { gateState: 2 } }, null);
      const [shadow] = await fx.database.db.select().from(shadows);
      assert.deepEqual(shadow.desired, { gateState: 2 });
      const audits = await fx.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.objectType, 'iot.device'), like(auditLog.subject, '%plugin:org.test.gates%')));
      assert.deepEqual(audits.map((a) => a.action).sort(), ['iot.device.call_service', 'iot.device.set_properties']);

      const refused = async (p: Promise<unknown>, re: RegExp) =>
        assert.rejects(p, (e: AppError) =>
          re.test(`${e.messageZh} ${e.messageEn} ${JSON.stringify(e.fieldErrors ?? {})}`),
        );
      await refused(
        call('org.test.gates', 'invoke', { productKey, deviceName: 'east-1', set: { gateState: 1 } }, resident),
        /operator/,
      );
      // A value the model does not allow, a sync call (needs an answer), unknown arguments.
      await refused(
        call('org.test.gates', 'invoke', { productKey, deviceName: 'east-1', set: { gateState: 9 } }),
        /gateState/,
      );
      await refused(
        call('org.test.gates', 'invoke', { productKey, deviceName: 'east-1', service: 'open', params: {} }),
        /sync|同步/,
      );
      await refused(
        call('org.test.gates', 'invoke', { productKey, deviceName: 'east-1', set: {}, extra: true }),
        /device\.invoke/,
      );
      await refused(
        call('org.test.readonly', 'invoke', { productKey, deviceName: 'east-1', set: { gateState: 1 } }),
        /device\.invoke|grant|授权/,
      );
      assert.equal(
        ((await call('org.test.readonly', 'list', { productKey })) as unknown[]).length,
        1,
        'the granted action still works',
      );
    });
  });
}
