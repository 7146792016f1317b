import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { IotEngine, sign } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import type { FastifyInstance } from 'fastify';
import { connectAsync } from 'mqtt';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('tRPC iot router: RBAC, jurisdiction and a command through the API', () => {
  let dir: string;
  let platform: Platform;
  let iot: IotEngine;
  let port: number;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = client.send;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-iot-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    iot = new IotEngine({
      database: platform.database,
      crypto: platform.crypto,
      onCommit: () => platform.relay.kick(),
    });
    ({ port } = await iot.start({ port: 0, host: '127.0.0.1' }));
    app = await buildServer(platform, { iot });
    await client.login(...['operator', 'property', 'gov']);
  });
  after(async () => {
    await app.close();
    await iot.stop();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('operators register products and devices; property staff may not; street officials see no device', async () => {
    const thingModel = standardThingModels()['people-gate'];
    const catalog = (await call('operator', 'iot.products.standardModels', undefined, 'query')).json().result.data;
    assert.equal(catalog.length, Object.keys(standardThingModels()).length);
    assert.deepEqual(
      catalog.find((m: { id: string }) => m.id === 'people-gate').model.properties,
      thingModel.properties,
    );
    const denied = await call('property', 'iot.products.create', { community: 'demo', name: '人行道闸', thingModel });
    assert.equal(denied.statusCode, 403);
    const bad = await call('operator', 'iot.products.create', {
      community: 'demo',
      name: '坏模型',
      thingModel: { properties: 'x' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.data.appCode, 'INVALID_INPUT');
    assert.ok(bad.json().error.data.fieldErrors);
    const made = await call('operator', 'iot.products.create', { community: 'demo', name: '人行道闸', thingModel });
    assert.equal(made.statusCode, 200, made.body);
    const { productKey } = made.json().result.data;
    const dev = await call('operator', 'iot.devices.create', { productKey, deviceName: 'gate-east-01' });
    const { deviceSecret } = dev.json().result.data;
    assert.match(deviceSecret, /^[0-9a-f]{32}$/);
    const seen = await call('property', 'iot.devices.get', { productKey, deviceName: 'gate-east-01' }, 'query');
    assert.equal(seen.json().result.data.status, 'inactive');
    assert.ok(!JSON.stringify(seen.json()).includes(deviceSecret), 'the secret is never read back');
    const gov = await call('gov', 'iot.devices.get', { productKey, deviceName: 'gate-east-01' }, 'query');
    assert.equal(gov.statusCode, 404);

    const c = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'gate|securemode=3,signmethod=hmacsha256|',
      username: `gate-east-01&${productKey}`,
      password: sign(deviceSecret, 'hmacsha256', { id: 'gate', deviceName: 'gate-east-01', productKey }),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      const svc = `/sys/${productKey}/gate-east-01/thing/service/open`;
      await c.subscribeAsync(svc);
      c.on('message', (_t, p) => {
        const { id, params } = JSON.parse(p.toString());
        c.publish(
          `${svc}_reply`,
          JSON.stringify({ id, code: 200, data: { result: params.durationSeconds >= 0 ? 1 : 0 } }),
        );
      });
      const opened = await call('property', 'iot.devices.command', {
        productKey,
        deviceName: 'gate-east-01',
        command: { kind: 'service', service: 'open', params: { durationSeconds: 5 }, timeoutMs: 3000 },
      });
      assert.equal(opened.statusCode, 200, opened.body);
      assert.deepEqual(opened.json().result.data.reply.data, { result: 1 });
      const wrong = await call('property', 'iot.devices.command', {
        productKey,
        deviceName: 'gate-east-01',
        command: { kind: 'service', service: 'open', params: { durationSeconds: 99999 } },
      });
      assert.equal(wrong.statusCode, 400, 'parameters are checked against the thing model before sending');
    } finally {
      await c.endAsync();
    }
  });

  test('the network-server connection: operators only, validated, the token never read back', async () => {
    const input = {
      community: 'demo',
      kind: 'chirpstack',
      baseUrl: 'http://127.0.0.1:1/',
      token: 'secret-token',
      enabled: true,
    };
    assert.equal((await call('property', 'iot.networkServer.set', input)).statusCode, 403);
    assert.equal((await call('gov', 'iot.networkServer.get', { community: 'demo' }, 'query')).statusCode, 403);
    const bad = await call('operator', 'iot.networkServer.set', { ...input, baseUrl: 'file:///etc/passwd' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(Object.keys(bad.json().error.data.fieldErrors), ['baseUrl']);
    const ok = await call('operator', 'iot.networkServer.set', input);
    assert.equal(ok.statusCode, 200, ok.body);
    const got = await call('operator', 'iot.networkServer.get', { community: 'demo' }, 'query');
    assert.equal(got.json().result.data.baseUrl, 'http://127.0.0.1:1');
    assert.ok(!got.body.includes('secret-token') && !ok.body.includes('secret-token'), 'the token is never read back');
    assert.equal((await call('property', 'iot.networkServer.remove', { community: 'demo' })).statusCode, 403);
    assert.equal((await call('operator', 'iot.networkServer.remove', { community: 'demo' })).statusCode, 200);
    const gone = await call('operator', 'iot.networkServer.get', { community: 'demo' }, 'query');
    assert.equal(gone.json().result.data, null);
  });
});
