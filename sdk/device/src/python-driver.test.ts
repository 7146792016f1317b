// The Python driver (sdk/device/python/shequ_device.py, standard library only) against the platform's real MQTT,
// MQTT-over-TLS and HTTP listeners: the same Alink signing and replies as the Node SDK, from another platform
// (DB33 7.3.2.2.2 device-side drivers for several platforms).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testEngines } from '@shequ/db';
import { getDeviceDetail, HttpIngest, iotFixture, issueDeviceCertificate } from '@shequ/iot';
import { selfSigned } from './testing.ts';

const driver = fileURLToPath(new URL('../python/shequ_device.py', import.meta.url));
const actor = { subject: 'test', role: 'platform_admin' };

/**
 * Runs the driver's command line (asynchronously: the gateway answering it runs in this process); answers its exit
 * status, stdout JSON and stderr.
 */
async function run(args: string[]) {
  const child = spawn('python3', [driver, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const kill = setTimeout(() => child.kill(), 30_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(kill);
  let out: Record<string, unknown> = {};
  try {
    out = JSON.parse(stdout || '{}');
  } catch {
    out = { raw: stdout };
  }
  return { status, out, err };
}

test('python3 is on the machine (the driver needs nothing else)', () => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'True', 'the Python driver targets Python 3.8 or later');
});

for (const engine of testEngines()) {
  describe(`the Python device driver (${engine})`, () => {
    const tls = selfSigned();
    const dir = mkdtempSync(join(tmpdir(), 'shequ-py-'));
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let http: HttpIngest;
    let httpUrl: string;
    before(async () => {
      f = await iotFixture(engine, {}, { tls: { port: 0, options: { cert: tls.cert, key: tls.key } } });
      http = new HttpIngest({ database: f.database, crypto: f.crypto, writer: f.iot.writer });
      httpUrl = `http://127.0.0.1:${(await http.listen({ port: 0, host: '127.0.0.1' })).port}`;
      writeFileSync(join(dir, 'server-ca.pem'), tls.cert);
    });
    after(async () => {
      await http?.close();
      await f?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const ids = (d: { productKey: string; deviceName: string; deviceSecret: string }) => [
      '--product',
      d.productKey,
      '--name',
      d.deviceName,
      '--secret',
      d.deviceSecret,
    ];

    test('posts properties over MQTT and an event over HTTP; the platform stores both', async () => {
      const [d] = f.devices;
      const mqtt = await run([
        '--url',
        `mqtt://127.0.0.1:${f.port}`,
        ...ids(d),
        '--properties',
        '{"activePower": 7.5}',
      ]);
      assert.equal(mqtt.status, 0, mqtt.err);
      assert.equal(mqtt.out.code, 200);
      const bad = await run(['--url', `mqtt://127.0.0.1:${f.port}`, ...ids(d), '--properties', '{"activePower": -1}']);
      assert.equal(bad.status, 1, 'a value out of range is answered with an error code');
      assert.equal(bad.out.code, 460);
      const ev = await run(['--url', httpUrl, ...ids(d), '--event', 'overload', '--value', '{"activePower": 99}']);
      assert.equal(ev.status, 0, ev.err);
      assert.equal(ev.out.code, 200);
      const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(detail.properties.activePower.value, 7.5);
    });

    test('a wrong secret is refused with CONNACK 4 and, over HTTP, with the auth error', async () => {
      const [d] = f.devices;
      const wrong = { ...d, deviceSecret: 'f'.repeat(32) };
      const mqtt = await run([
        '--url',
        `mqtt://127.0.0.1:${f.port}`,
        ...ids(wrong),
        '--properties',
        '{"activePower": 1}',
      ]);
      assert.equal(mqtt.status, 1);
      assert.match(mqtt.err, /bad user name or password/);
      const http = await run(['--url', httpUrl, ...ids(wrong), '--properties', '{"activePower": 1}']);
      assert.equal(http.status, 1);
      assert.match(http.err, /auth/i);
    });

    test('answers a service call from the platform through its handler', async () => {
      const [, d] = f.devices;
      const script = [
        'import json, sys, time',
        `sys.path.insert(0, ${JSON.stringify(join(driver, '..'))})`,
        'from shequ_device import MqttDevice',
        `dev = MqttDevice("mqtt://127.0.0.1:${f.port}", ${JSON.stringify(d.productKey)}, ${JSON.stringify(d.deviceName)}, ${JSON.stringify(d.deviceSecret)})`,
        'dev.connect()',
        'dev.on_service("setRelay", lambda p: {"result": 1 if p.get("closed") == 1 else 0})',
        'print("ready", flush=True)',
        'time.sleep(20)',
      ].join('\n');
      const child: ChildProcess = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const lines = createInterface({ input: child.stdout! });
        for await (const line of lines) if (line === 'ready') break;
        const call = await f.iot.command(
          f.scope,
          d.productKey,
          d.deviceName,
          { kind: 'service', service: 'setRelay', params: { closed: 1 } },
          actor,
        );
        assert.deepEqual(call.reply?.data, { result: 1 });
      } finally {
        child.kill();
      }
    });

    test('signs in over TLS with an X.509 certificate from the device CA, without the secret', async () => {
      const [, d] = f.devices;
      const issued = await issueDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, {}, actor);
      writeFileSync(join(dir, 'dev.crt'), issued.certificatePem);
      writeFileSync(join(dir, 'dev.key'), issued.privateKeyPem ?? '');
      const r = await run([
        '--url',
        `mqtts://127.0.0.1:${f.tlsPort}`,
        '--product',
        d.productKey,
        '--name',
        d.deviceName,
        '--cafile',
        join(dir, 'server-ca.pem'),
        '--cert',
        join(dir, 'dev.crt'),
        '--key',
        join(dir, 'dev.key'),
        '--properties',
        '{"energyTotal": 12.5}',
      ]);
      assert.equal(r.status, 0, r.err);
      assert.equal(r.out.code, 200);
      const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(detail.properties.energyTotal.value, 12.5);
    });
  });
}
