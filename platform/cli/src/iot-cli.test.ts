import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabaseUrl, testEngines } from '@shequ/db';
import { sign } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { connectAsync } from 'mqtt';
import { bin, freePort, runCli, stopChild } from './test-support.ts';

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = runCli(env, ...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const engine of testEngines())
  describe(`shequ CLI: products, devices and MQTT accounts against a running api,iot process (${engine})`, () => {
    let dir: string;
    let child: ChildProcess;
    let env: NodeJS.ProcessEnv;
    let mqttPort: number;
    let httpPort: number;
    let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>> | undefined;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'shequ-iot-cli-'));
      const apiPort = await freePort();
      httpPort = await freePort();
      pg = engine === 'postgres' ? await createTestDatabaseUrl() : undefined;
      env = { SHEQU_DATA_DIR: dir, DATABASE_URL: pg?.url ?? '' };
      child = spawn(process.execPath, ['--no-node-snapshot', bin, 'start', '--role', 'api,iot'], {
        env: {
          ...process.env,
          ...env,
          SHEQU_API_PORT: String(apiPort),
          SHEQU_MQTT_PORT: '0',
          SHEQU_IOT_HTTP_PORT: String(httpPort),
          SHEQU_COAP_PORT: 'off',
          SHEQU_LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      });
      const runtime = join(dir, 'runtime.json');
      const end = Date.now() + 90_000;
      while (Date.now() < end && !existsSync(runtime)) await sleep(200);
      mqttPort = JSON.parse(readFileSync(runtime, 'utf8')).mqttPort;
      assert.ok(mqttPort > 0);
    });
    after(async () => {
      await stopChild(child);
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('product create → device create → a signed device posts → device show has it online with the value', async () => {
      const tsl = join(dir, 'smoke.json');
      writeFileSync(tsl, JSON.stringify(standardThingModels()['smoke-detector']));
      const { productKey } = cli(
        env,
        'product',
        'create',
        '--name',
        '烟感',
        '--tsl',
        tsl,
        '--community',
        'demo',
        '--json',
      );
      assert.match(productKey, /^[a-z0-9]+$/);
      const dev = cli(
        env,
        'device',
        'create',
        '--product',
        productKey,
        '--name',
        'smoke-0001',
        '--location',
        '1幢大堂',
        '--json',
      );
      assert.deepEqual(Object.keys(dev).sort(), ['deviceName', 'deviceSecret', 'productKey']);
      const c = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: 'smoke-0001|securemode=3,signmethod=hmacsha1|',
        username: `smoke-0001&${productKey}`,
        password: sign(dev.deviceSecret, 'hmacsha1', { id: 'smoke-0001', deviceName: 'smoke-0001', productKey }),
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      try {
        const topic = `/sys/${productKey}/smoke-0001/thing/event/property/post`;
        await c.subscribeAsync(`${topic}_reply`);
        const reply = new Promise<{ code: number }>((resolve) =>
          c.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
        );
        c.publish(topic, JSON.stringify({ id: '1', version: '1.0', params: { smokeDensity: 1.5, battery: 87 } }));
        assert.equal((await reply).code, 200);
        const shown = cli(env, 'device', 'show', productKey, 'smoke-0001', '--json');
        assert.equal(shown.online, true);
        assert.equal(shown.location, '1幢大堂');
        assert.equal(shown.properties.smokeDensity.value, 1.5);
        assert.equal(typeof shown.properties.battery.time, 'number');
      } finally {
        await c.endAsync();
      }
      const csv = join(dir, 'smoke.csv');
      writeFileSync(csv, 'deviceName,nickname\nsmoke-0101,一号楼\nsmoke-0102,二号楼\n');
      const imported = cli(env, 'device', 'import', '--product', productKey, csv, '--json');
      assert.deepEqual(
        imported.map((d: { deviceName: string }) => d.deviceName),
        ['smoke-0101', 'smoke-0102'],
      );
      const acc = cli(
        env,
        'mqtt-account',
        'create',
        '--name',
        'cockpit',
        '--community',
        'demo',
        '--topics',
        `/sys/${productKey}/+/thing/event/#,/cockpit/#`,
        '--json',
      );
      assert.deepEqual(Object.keys(acc).sort(), ['password', 'username']);
      const app = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: 'cockpit-1',
        username: acc.username,
        password: acc.password,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      const granted = await app.subscribeAsync(`/sys/${productKey}/+/thing/event/#`);
      assert.equal(granted[0].qos, 0);
      await app.endAsync();

      // A client certificate from the device CA (DB33 9.2.1.1): files written, the chain verifies with openssl,
      // the list shows it, a revoke marks it, and a second revoke or an unknown serial fails with a reason.
      const out = join(dir, 'certs');
      const issued = cli(
        env,
        'device',
        'cert',
        'issue',
        productKey,
        'smoke-0101',
        '--out',
        out,
        '--days',
        '30',
        '--json',
      );
      assert.match(issued.serial, /^[0-9A-F]+$/);
      assert.equal(issued.privateKeyPem, undefined, 'the key goes to a file, not to stdout');
      for (const f of ['smoke-0101.crt', 'smoke-0101.key', 'device-ca.crt']) assert.ok(existsSync(join(out, f)), f);
      const verified = spawnSync('openssl', ['verify', '-CAfile', 'device-ca.crt', 'smoke-0101.crt'], {
        cwd: out,
        encoding: 'utf8',
      });
      assert.match(verified.stdout, /smoke-0101\.crt: OK/);
      const listed = cli(env, 'device', 'cert', 'list', productKey, 'smoke-0101', '--json');
      assert.deepEqual(
        listed.certificates.map((c: { serial: string; status: string }) => [c.serial, c.status]),
        [[issued.serial, 'valid']],
      );
      const revoked = cli(env, 'device', 'cert', 'revoke', productKey, 'smoke-0101', issued.serial, '--json');
      assert.ok(revoked.revokedAt);
      const again = runCli(env, 'device', 'cert', 'revoke', productKey, 'smoke-0101', issued.serial);
      assert.notEqual(again.status, 0);
      assert.match(again.stderr, /已于|revoked/);
      const requireNone = runCli(env, 'device', 'cert', 'require', productKey, 'smoke-0101', 'on');
      assert.notEqual(requireNone.status, 0, 'certificate-only needs a valid certificate');
      assert.notEqual(runCli(env, 'device', 'cert', 'issue', productKey).status, 0, 'usage on missing arguments');
    });

    test('product codec set → codec test decodes hex → a device posts up_raw and a ChirpStack uplink is stored', async () => {
      const tsl = join(dir, 'meter.json');
      writeFileSync(tsl, JSON.stringify(standardThingModels()['power-meter']));
      const { productKey } = cli(
        env,
        'product',
        'create',
        '--name',
        'NB-IoT 电表',
        '--tsl',
        tsl,
        '--community',
        'demo',
        '--json',
      );
      const codec = join(dir, 'codec.js');
      writeFileSync(
        codec,
        `function rawDataToProtocol(bytes) {
           return { method: 'thing.event.property.post', id: String(bytes[2]), params: { activePower: ((bytes[0] << 8) | bytes[1]) / 100 } };
         }`,
      );
      assert.deepEqual(cli(env, 'product', 'codec', 'set', productKey, '--file', codec, '--json'), {
        productKey,
        hasCodec: true,
        decode: true,
        encode: false,
      });
      const tried = cli(env, 'product', 'codec', 'test', productKey, '01 5e 07', '--json');
      assert.deepEqual(tried.value, { method: 'thing.event.property.post', id: '7', params: { activePower: 3.5 } });
      const broken = join(dir, 'broken.js');
      writeFileSync(broken, 'function rawDataToProtocol( {');
      const refused = runCli(env, 'product', 'codec', 'set', productKey, '--file', broken);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /SyntaxError|语法|does not load|无法加载/);

      const dev = cli(
        env,
        'device',
        'create',
        '--product',
        productKey,
        '--name',
        'nb-0001',
        '--dev-eui',
        '70B3D57ED0000001',
        '--json',
      );
      assert.equal(
        cli(env, 'device', 'deveui', productKey, 'nb-0001', '70-b3-d5-7e-d0-00-00-02', '--json').devEui,
        '70b3d57ed0000002',
      );
      const c = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: 'nb-0001|securemode=3,signmethod=hmacsha256|',
        username: `nb-0001&${productKey}`,
        password: sign(dev.deviceSecret, 'hmacsha256', { id: 'nb-0001', deviceName: 'nb-0001', productKey }),
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      try {
        const topic = `/sys/${productKey}/nb-0001/thing/model/up_raw`;
        await c.subscribeAsync(`${topic}_reply`);
        const reply = new Promise<{ code: number }>((resolve) =>
          c.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
        );
        c.publish(topic, Buffer.from([0x00, 0x7b, 1]));
        assert.deepEqual(await reply, { id: '1', code: 200, message: 'success', data: {} });
        assert.equal(cli(env, 'device', 'show', productKey, 'nb-0001', '--json').properties.activePower.value, 1.23);
      } finally {
        await c.endAsync();
      }
      const acc = cli(
        env,
        'mqtt-account',
        'create',
        '--name',
        'chirpstack',
        '--community',
        'demo',
        '--topics',
        `/sys/${productKey}/+/thing/model/up_raw`,
        '--json',
      );
      const r = await fetch(`http://127.0.0.1:${httpPort}/lorawan/chirpstack?event=up`, {
        method: 'POST',
        headers: { 'x-shequ-token': `${acc.username}:${acc.password}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          deviceInfo: { devEui: '70b3d57ed0000002', deviceName: 'nb-0001' },
          fCnt: 3,
          fPort: 2,
          data: Buffer.from([0x01, 0x00, 2]).toString('base64'),
          rxInfo: [{ gatewayId: '0016c001f153a14c', rssi: -80, snr: 7 }],
        }),
      });
      assert.equal(r.status, 200);
      assert.equal(cli(env, 'device', 'show', productKey, 'nb-0001', '--json').properties.activePower.value, 2.56);
    });
  });
