import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditLog, devices, queryRows, testEngines } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { eq, like, sql } from 'drizzle-orm';
import { connectAsync } from 'mqtt';
import { actor, closed, deviceCredentials, iotFixture } from '../testing.ts';
import { readDeviceCsv, registerDevicesFromCsv } from './csv-register.ts';
import { getDeviceDetail } from './device-detail.ts';
import {
  changeDevice,
  countDevices,
  createDevice,
  linkSubDevice,
  listDevices,
  secretContext,
} from './devices-service.ts';
import { createProduct, getProduct, listProducts } from './products-service.ts';

test('device CSV: every bad row is reported with its row number', () => {
  const r = readDeviceCsv('deviceName,nickname\nmeter-0101,一号表\nbad name,x\nmeter-0101,dup\n,\n');
  assert.deepEqual(
    r.errors.map((e) => `${e.row}:${e.column}`),
    ['3:deviceName', '4:deviceName', '5:deviceName'],
  );
  assert.deepEqual(readDeviceCsv('name\nx').errors[0].column, 'deviceName');
  // LoRaWAN devices carry their DevEUI in the optional devEui column.
  const lora = readDeviceCsv('deviceName,devEui\nlora-0001,70-B3-D5-7E-D0-00-00-01\nlora-0002,xyz\n');
  assert.deepEqual(lora.devices[0], {
    deviceName: 'lora-0001',
    nickname: undefined,
    devEui: '70-B3-D5-7E-D0-00-00-01',
  });
  assert.deepEqual(
    lora.errors.map((e) => `${e.row}:${e.column}`),
    ['3:devEui'],
  );
});

for (const engine of testEngines()) {
  describe(`IoT registry and lifecycle (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
    });
    after(async () => {
      await f?.close();
    });

    test('a product keeps its thing model; a malformed one is refused with field errors', async () => {
      const p = await getProduct(f.iot.deps, f.scope, f.productKey);
      assert.equal(p.thingModel.profile?.clause, '6.2.4.5');
      assert.ok(!('productSecretCipher' in p), 'the product secret never leaves the service');
      await assert.rejects(
        createProduct(
          f.iot.deps,
          f.scope,
          f.communityId,
          { name: 'x', thingModel: { properties: [{ identifier: 'a' }], events: [], services: [] } },
          actor,
        ),
        (e: { code: string; fieldErrors: Record<string, string[]> }) =>
          e.code === 'INVALID_INPUT' && Object.keys(e.fieldErrors).length > 0,
      );
      const m = standardThingModels()['smoke-detector'];
      await assert.rejects(
        createProduct(
          f.iot.deps,
          f.scope,
          f.communityId,
          { name: 'dup', thingModel: { ...m, properties: [m.properties[0], m.properties[0]] } },
          actor,
        ),
        /Duplicate/,
      );
    });

    test('CSV registration is all or nothing; secrets are stored encrypted and shown once', async () => {
      await assert.rejects(
        registerDevicesFromCsv(f.iot.deps, f.scope, f.productKey, 'deviceName\nmeter-0101\nmeter-0001\n', actor),
        (e: { code: string }) => e.code === 'CONFLICT',
        'meter-0001 exists: the whole file is refused',
      );
      assert.equal((await listDevices(f.iot.deps, f.scope, f.productKey)).length, 2);
      const made = await registerDevicesFromCsv(
        f.iot.deps,
        f.scope,
        f.productKey,
        '\uFEFFdeviceName,nickname\nmeter-0101,一号表\nmeter-0102,\n',
        actor,
      );
      assert.deepEqual(
        made.map((m) => m.deviceName),
        ['meter-0101', 'meter-0102'],
      );
      const [row] = await f.database.db.select().from(devices).where(eq(devices.deviceName, 'meter-0101'));
      assert.ok(!row.secretCipher.includes(made[0].deviceSecret));
      assert.equal(f.crypto.decrypt(row.secretCipher, secretContext(f.productKey, 'meter-0101')), made[0].deviceSecret);
      assert.equal(row.state, 'inactive');
      const audits = await f.database.db.select().from(auditLog).where(eq(auditLog.action, 'iot.device.create'));
      assert.ok(audits.length >= 4);
    });

    test('devices come a page at a time by name, filtered by a name prefix; the count covers the product', async () => {
      const names = async (page: Parameters<typeof listDevices>[3]) =>
        (await listDevices(f.iot.deps, f.scope, f.productKey, page)).map((x) => x.deviceName);
      const all = await names({});
      assert.ok(all.length >= 4);
      const first = await names({ limit: 2 });
      assert.deepEqual(first, all.slice(0, 2));
      assert.deepEqual(await names({ limit: 2, after: first[1] }), all.slice(2, 4));
      assert.deepEqual(await names({ prefix: 'meter-01' }), ['meter-0101', 'meter-0102']);
      assert.deepEqual(await names({ prefix: 'meter-_1' }), [], 'LIKE wildcards in a prefix are literal');
      const c = await countDevices(f.iot.deps, f.scope, f.productKey);
      assert.equal(c.total, all.length);
      assert.ok(c.online >= 0 && c.online <= c.total);
    });

    test('another community sees no product or device of this one (row-level security)', async () => {
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };
      assert.deepEqual(await listProducts(f.iot.deps, other), []);
      await assert.rejects(getDeviceDetail(f.iot.deps, other, f.productKey, 'meter-0001'), /not found/);
      assert.deepEqual(await listDevices(f.iot.deps, other, f.productKey), []);
    });

    test('a disabled device is refused with CONNACK 5 and its live session ends; enabling lets it back', async () => {
      const d = await createDevice(f.iot.deps, f.scope, f.productKey, { deviceName: 'meter-0200' }, actor);
      const c = await f.device(d);
      const gone = closed(c);
      // No direct call to the gateway: the lifecycle event on the bus ends the session, as it would in another process.
      await changeDevice(f.iot.deps, f.scope, f.productKey, d.deviceName, 'disable', actor);
      await gone;
      const refused = await connectAsync(`mqtt://127.0.0.1:${f.port}`, {
        ...deviceCredentials(d),
        protocolVersion: 4,
        reconnectPeriod: 0,
      }).then(
        () => 0,
        (e: { code?: number }) => e.code,
      );
      assert.equal(refused, 5);
      assert.equal((await getDeviceDetail(f.iot.deps, f.scope, f.productKey, d.deviceName)).status, 'disabled');
      await changeDevice(f.iot.deps, f.scope, f.productKey, d.deviceName, 'enable', actor);
      await (await f.device(d)).endAsync();
      await f.iot.gateway.states.settle();
      const detail = await getDeviceDetail(f.iot.deps, f.scope, f.productKey, d.deviceName);
      assert.equal(detail.status, 'offline');
      assert.deepEqual(
        detail.history.map((h) => h.state),
        ['offline', 'online', 'offline', 'online'],
        'online history, newest first, with epochs',
      );
      assert.deepEqual(
        detail.history.map((h) => h.epoch),
        [2, 2, 1, 1],
      );
      const lifecycle = await f.database.db.select().from(auditLog).where(like(auditLog.action, 'iot.device.%able'));
      assert.deepEqual(lifecycle.map((a) => a.action).sort(), ['iot.device.disable', 'iot.device.enable']);
    });

    test('dynamic registration: allow-listed names register once with the product secret and get their own secret', async () => {
      const p = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        {
          name: '门磁',
          thingModel: { properties: [], events: [], services: [] },
          dynamicRegister: true,
          registerAllowList: ['door-0001', 'door-0002'],
        },
        actor,
      );
      assert.match(p.productSecret ?? '', /^[0-9a-f]{32}$/);
      const register = (deviceName: string, secret = p.productSecret!) => {
        const random = String(Math.floor(Math.random() * 1e9));
        const password = createHmac('sha256', secret)
          .update(`deviceName${deviceName}productKey${p.productKey}random${random}`)
          .digest('hex');
        return connectAsync(`mqtt://127.0.0.1:${f.port}`, {
          clientId: `${deviceName}|securemode=2,authType=register,random=${random},signmethod=hmacsha256|`,
          username: `${deviceName}&${p.productKey}`,
          password,
          protocolVersion: 4,
          reconnectPeriod: 0,
        });
      };
      const code = (x: Promise<unknown>) =>
        x.then(
          async (c) => {
            await (c as { endAsync(): Promise<void> }).endAsync();
            return 0;
          },
          (e: { code?: number }) => e.code,
        );
      const c = await register('door-0001');
      const msg = await new Promise<{
        topic: string;
        body: { productKey: string; deviceName: string; deviceSecret: string };
      }>((resolve) => c.once('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString()) })));
      assert.equal(msg.topic, '/ext/register');
      assert.equal(msg.body.deviceName, 'door-0001');
      await closed(c);
      await (await f.device(msg.body)).endAsync();
      assert.equal(await code(register('door-0001')), 5, 'a second registration is refused');
      assert.equal(await code(register('door-0009')), 5, 'not on the allow-list');
      assert.equal(await code(register('door-0002', 'f'.repeat(32))), 4, 'wrong product secret');
    });

    test('deleting a device removes its secret, latest values and shadow; gateways link sub-devices', async () => {
      const d = await createDevice(f.iot.deps, f.scope, f.productKey, { deviceName: 'meter-0300' }, actor);
      await changeDevice(f.iot.deps, f.scope, f.productKey, d.deviceName, 'delete', actor);
      await assert.rejects(getDeviceDetail(f.iot.deps, f.scope, f.productKey, d.deviceName), /not found/);
      const gwProduct = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '楼宇网关', nodeType: 'gateway', thingModel: { properties: [], events: [], services: [] } },
        actor,
      );
      const gw = await createDevice(f.iot.deps, f.scope, gwProduct.productKey, { deviceName: 'gw-building-1' }, actor);
      const linked = await linkSubDevice(
        f.iot.deps,
        f.scope,
        gw,
        { productKey: f.productKey, deviceName: 'meter-0001' },
        actor,
      );
      const rows = await queryRows<{ gateway_id: string }>(
        f.database.db,
        sql`select gateway_id from iot.devices where id = ${linked.deviceId}`,
      );
      assert.equal(rows[0].gateway_id, linked.gatewayId);
      await assert.rejects(
        linkSubDevice(f.iot.deps, f.scope, { productKey: f.productKey, deviceName: 'meter-0002' }, gw, actor),
        /gateway product/,
      );
    });
  });
}
