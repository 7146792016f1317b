// Raw-data codecs (DB33 7.3.2.2.4: NB-IoT / LoRaWAN devices that send compact binary): MQTT up_raw decoded through
// the product codec in the sandbox and stored like a JSON post, hostile codecs contained, downlink encoded to
// down_raw, HTTP raw posts, and ChirpStack v4 HTTP-integration uplinks. The codec sandbox keeps a bounded set of
// warm isolates (least recently used products unloaded, replaced or removed codecs unloaded at once).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { auditLog, queryRows, testEngines } from '@shequ/db';
import {
  actor,
  CoapIngest,
  coapSessionKey,
  codecScript,
  createAccount,
  followDeviceLifecycle,
  getDeviceDetail,
  HttpIngest,
  iotFixture,
  sealEnvelope,
  setAccountEnabled,
  setDevEui,
  setProductCodec,
  sign,
} from '@shequ/iot';
import { Agent, request } from 'coap';
import { eq, sql } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { SandboxPool } from '../sandbox/pool.ts';
import { CodecSandbox } from './codec-sandbox.ts';
import { meterCodec } from './test-codec.ts';

/** The next message on a topic, as bytes. */
function nextRaw(c: MqttClient, topic: string, ms = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      c.off('message', on);
      reject(new Error(`no message on ${topic} within ${ms} ms`));
    }, ms);
    const on = (tp: string, payload: Buffer) => {
      if (tp !== topic) return;
      clearTimeout(t);
      c.off('message', on);
      resolve(payload);
    };
    c.on('message', on);
  });
}

const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as Record<string, unknown> & { code: number };

for (const engine of testEngines()) {
  describe(`raw-data codecs (${engine})`, () => {
    let pool: SandboxPool;
    let runner: CodecSandbox;
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let http: HttpIngest;
    let url: string;
    before(async () => {
      pool = new SandboxPool({ size: 1 });
      runner = new CodecSandbox(pool);
      f = await iotFixture(engine, { codecRunner: runner });
      const r = await setProductCodec(f.iot.deps, f.scope, f.productKey, meterCodec, actor, runner);
      assert.deepEqual(r, { productKey: f.productKey, hasCodec: true, decode: true, encode: true });
      http = new HttpIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        codecs: f.iot.codecs,
        maxTimestampSkewMs: 600_000,
      });
      url = `http://127.0.0.1:${(await http.listen({ port: 0, host: '127.0.0.1' })).port}`;
      await followDeviceLifecycle(f.bus, 'raw-codec-lifecycle', f.database, [http.ingest], undefined, [http.lorawan!]);
    });
    after(async () => {
      await http?.close();
      await f?.close();
      await pool?.close();
    });
    const telemetryCount = async () =>
      Number(
        (await queryRows<{ n: number | string }>(f.database.db, sql`select count(*) as n from iot.telemetry`))[0].n,
      );
    const latest = async (deviceName: string) =>
      (await getDeviceDetail(f.iot.deps, f.scope, f.productKey, deviceName)).properties;

    test('a binary up_raw over MQTT is decoded, stored as latest values, and answered through the codec', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const base = `/sys/${d.productKey}/${d.deviceName}/thing/model/up_raw`;
      await c.subscribeAsync(`${base}_reply`);
      const replied = nextRaw(c, `${base}_reply`);
      c.publish(base, Buffer.from([0x01, 0x01, 0x5e, 1, 0, 42]), { qos: 1 });
      assert.deepEqual([...(await replied)], [0x30, 0]);
      const p = await latest(d.deviceName);
      assert.equal(p.activePower.value, 3.5);
      assert.equal(p.relay.value, 1);
    });

    test('a decoded post that does not fit the thing model is refused and nothing is stored', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const base = `/sys/${d.productKey}/${d.deviceName}/thing/model/up_raw`;
      await c.subscribeAsync(`${base}_reply`);
      const before = await telemetryCount();
      const replied = nextRaw(c, `${base}_reply`);
      // 200 kW is above the model's maximum of 100.
      c.publish(base, Buffer.from([0x01, 0x4e, 0x20, 0, 0, 43]), { qos: 1 });
      assert.deepEqual([...(await replied)], [0x30, 1]);
      assert.equal(await telemetryCount(), before);
      assert.equal((await latest(d.deviceName)).activePower.value, 3.5);
    });

    test('a hostile codec (endless loop, huge allocation, throw) is contained and answered 422', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const base = `/sys/${d.productKey}/${d.deviceName}/thing/model/up_raw`;
      await c.subscribeAsync(`${base}_reply`);
      const before = await telemetryCount();
      const ask = async (frame: number[]) => {
        const replied = nextRaw(c, `${base}_reply`, 10_000);
        c.publish(base, Buffer.from(frame), { qos: 1 });
        return json(await replied);
      };
      const loop = await ask([0xff]);
      assert.equal(loop.code, 422);
      assert.match(String(loop.message), /codec failed \(cpu\)/);
      const alloc = await ask([0xfe]);
      assert.equal(alloc.code, 422);
      assert.match(String(alloc.message), /codec failed \((memory|cpu)\)/);
      const thrown = await ask([0xfd]);
      assert.equal(thrown.code, 422);
      assert.match(String(thrown.message), /codec failed \(script\).*not for us/);
      assert.equal(await telemetryCount(), before);
      // The gateway and the sandbox are still there: the next good frame is stored.
      const replied = nextRaw(c, `${base}_reply`);
      c.publish(base, Buffer.from([0x01, 0x00, 0xc8, 0, 0, 44]), { qos: 1 });
      assert.deepEqual([...(await replied)], [0x30, 0]);
      assert.equal((await latest(d.deviceName)).activePower.value, 2);
    });

    test('a script that loops at load time or defines no decoder is refused when saved', async () => {
      await assert.rejects(
        setProductCodec(f.iot.deps, f.scope, f.productKey, 'for(;;){}', actor, runner),
        /does not load \(cpu\)/,
      );
      await assert.rejects(
        setProductCodec(f.iot.deps, f.scope, f.productKey, 'function protocolToRawData(){return []}', actor, runner),
        /defines no rawDataToProtocol/,
      );
    });

    test('a property set and a sync service call reach the device as bytes on down_raw', async () => {
      const [, d] = f.devices;
      const c = await f.device(d);
      const down = `/sys/${d.productKey}/${d.deviceName}/thing/model/down_raw`;
      await c.subscribeAsync(down);
      // The device has just come online, so the gateway may also hand it the desired state it stored (the same set,
      // under an earlier id) when its shadow is read after the set was written: wait for the frame with our id.
      const frames: Buffer[] = [];
      c.on('message', (tp, payload) => {
        if (tp === down) frames.push(payload);
      });
      const r = await f.iot.command(f.scope, d.productKey, d.deviceName, { kind: 'set', params: { relay: 1 } }, actor);
      assert.equal(r.delivered, true);
      const ours = (b: Buffer) => b.subarray(2).toString('latin1') === r.id;
      for (let i = 0; i < 100 && !frames.some(ours); i++) await new Promise((ok) => setTimeout(ok, 50));
      const bytes = frames.find(ours);
      assert.ok(bytes, `no down_raw frame carries id ${r.id}`);
      assert.deepEqual([...bytes.subarray(0, 2)], [0x20, 1]);
      // Whatever else arrived is the same set (the delivered desired state), never another command.
      for (const b of frames) assert.deepEqual([...b.subarray(0, 2)], [0x20, 1]);
      // The device answers a sync call in bytes on down_raw_reply; the codec turns them into the reply.
      c.on('message', (tp, payload) => {
        if (tp === down && payload[0] === 0x21)
          c.publish(`${down}_reply`, Buffer.concat([Buffer.from([0x10, 0]), payload.subarray(2)]));
      });
      const call = await f.iot.command(
        f.scope,
        d.productKey,
        d.deviceName,
        { kind: 'service', service: 'setRelay', params: { closed: 1 }, timeoutMs: 5000 },
        actor,
      );
      assert.equal(call.reply?.code, 200);
    });

    test('an HTTP device posts raw bytes on /topic/…/thing/model/up_raw', async () => {
      const [, d] = f.devices;
      const timestamp = String(Date.now());
      const auth = await fetch(`${url}/auth`, {
        method: 'POST',
        body: JSON.stringify({
          productKey: d.productKey,
          deviceName: d.deviceName,
          clientId: 'h1',
          timestamp,
          signmethod: 'hmacsha256',
          sign: sign(d.deviceSecret, 'hmacsha256', {
            id: 'h1',
            deviceName: d.deviceName,
            productKey: d.productKey,
            timestamp,
          }),
        }),
      });
      const token = ((await auth.json()) as { info: { token: string } }).info.token;
      const r = await fetch(`${url}/topic/sys/${d.productKey}/${d.deviceName}/thing/model/up_raw`, {
        method: 'POST',
        headers: { password: token, 'content-type': 'application/octet-stream' },
        body: Buffer.from([0x01, 0x00, 0x7b, 0, 0, 9]),
      });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { id: '9', code: 200, message: 'success', data: {} });
      assert.equal((await latest(d.deviceName)).activePower.value, 1.23);
    });

    test('a CoAP device (NB-IoT) posts sealed raw bytes on thing/model/up_raw', async () => {
      const [d] = f.devices;
      const coap = new CoapIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        codecs: f.iot.codecs,
      });
      const port = (await coap.listen({ port: 0, host: '127.0.0.1' })).port;
      const socket = createSocket('udp4');
      const agent = new Agent({ socket });
      const send = (pathname: string, payload: string) =>
        new Promise<{ code: string; body: Record<string, unknown> }>((resolve, reject) => {
          const req = request({ hostname: '127.0.0.1', port, pathname, method: 'POST', agent });
          req.on('response', (res) => resolve({ code: res.code, body: JSON.parse(res.payload.toString('utf8')) }));
          req.on('error', reject);
          req.end(payload);
        });
      try {
        const timestamp = String(Date.now());
        const a = await send(
          '/auth',
          JSON.stringify({
            productKey: d.productKey,
            deviceName: d.deviceName,
            clientId: 'nb1',
            timestamp,
            signmethod: 'hmacsha256',
            sign: sign(d.deviceSecret, 'hmacsha256', {
              id: 'nb1',
              deviceName: d.deviceName,
              productKey: d.productKey,
              timestamp,
            }),
          }),
        );
        const info = a.body.info as { token: string; random: string; seqOffset: number };
        const key = coapSessionKey(d.deviceSecret, info.random);
        const topic = `/sys/${d.productKey}/${d.deviceName}/thing/model/up_raw`;
        const frame = Buffer.from([0x01, 0x01, 0xf4, 0, 0, 11]);
        const r = await send(
          `/topic${topic}`,
          JSON.stringify(sealEnvelope(key, info.token, info.seqOffset + 1, topic, frame)),
        );
        assert.deepEqual(r, { code: '2.05', body: { id: '11', code: 200, message: 'success', data: {} } });
        assert.equal((await latest(d.deviceName)).activePower.value, 5);
      } finally {
        agent.close();
        socket.close();
        await coap.close();
      }
    });

    test('a ChirpStack v4 uplink is stored; bad credentials, unknown DevEUI and undecodable data are 4xx and audited', async () => {
      const [, d] = f.devices;
      await setDevEui(f.iot.deps, f.scope, d.productKey, d.deviceName, '70-B3-D5-7E-D0-00-12-34', actor);
      const account = await createAccount(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: 'ChirpStack', topics: [`/sys/${d.productKey}/+/thing/model/up_raw`] },
        actor,
      );
      const basic = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
      const uplink = (devEui: string, data: number[]) => ({
        deduplicationId: '3f9f4d1c-6f5b-4a51-9a8e-1b2c3d4e5f60',
        time: new Date().toISOString(),
        deviceInfo: {
          tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
          tenantName: 'ChirpStack',
          applicationId: '17c82e96-be03-4f38-aef3-f83d48582d97',
          applicationName: 'meters',
          deviceProfileId: '14855bf7-d10d-4aee-b618-ebfcb64dc7ad',
          deviceProfileName: 'meter-class-a',
          deviceName: 'meter-east',
          devEui,
          tags: {},
        },
        devAddr: '00189440',
        adr: true,
        dr: 1,
        fCnt: 10,
        fPort: 5,
        confirmed: false,
        data: Buffer.from(data).toString('base64'),
        rxInfo: [
          {
            gatewayId: '0016c001f153a14c',
            uplinkId: 4217106255,
            rssi: -36,
            snr: 10.5,
            context: 'E3OWOQ==',
            metadata: { region_name: 'eu868' },
          },
        ],
        txInfo: { frequency: 868100000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 7 } } },
      });
      const send = async (body: unknown, authorization = basic, event = 'up') => {
        const r = await fetch(`${url}/lorawan/chirpstack?event=${event}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: r.status, body: (await r.json()) as { code: number; message: string } };
      };
      const ok = await send(uplink('70b3d57ed0001234', [0x01, 0x02, 0x9a, 0, 0, 77]));
      assert.deepEqual(ok, { status: 200, body: { id: '77', code: 200, message: 'success', data: {} } });
      assert.equal((await latest(d.deviceName)).activePower.value, 6.66);
      // The frame port reaches the codec (it numbers the event with it).
      const ev = await send(uplink('70b3d57ed0001234', [0x02, 90]));
      assert.equal(ev.status, 200);
      assert.equal((ev.body as unknown as { id: string }).id, '5');

      const before = await telemetryCount();
      const wrong = `Basic ${Buffer.from(`${account.username}:not-the-password`).toString('base64')}`;
      assert.equal((await send(uplink('70b3d57ed0001234', [0x01, 0, 1, 0, 0, 1]), wrong)).status, 401);
      assert.equal((await send(uplink('70b3d57ed0009999', [0x01, 0, 1, 0, 0, 1]))).status, 404);
      const bad = await send(uplink('70b3d57ed0001234', [0xfd]));
      assert.equal(bad.status, 422);
      assert.match(bad.body.message, /not for us/);
      assert.equal((await send({ deviceInfo: { devEui: 'zz' } })).status, 400);
      assert.equal((await send(uplink('70b3d57ed0001234', [0x01, 0, 1, 0, 0, 1]), basic, 'join')).status, 200);
      assert.equal(await telemetryCount(), before);
      const audits = await f.database.db.select().from(auditLog).where(eq(auditLog.action, 'iot.lorawan.uplink'));
      const reasons = audits.map((a) => (a.detail as { reason: string }).reason);
      assert.ok(reasons.includes('bad credentials'));
      assert.ok(reasons.includes('unknown DevEUI'));
      assert.ok(reasons.some((r) => /not for us/.test(r)));
      assert.ok(audits.every((a) => a.result !== 'success'));
      // Disabling the account ends its verified credentials at once (the lifecycle event on the bus).
      await setAccountEnabled(f.iot.deps, f.scope, account.username, false, actor);
      const until = Date.now() + 5000;
      let status = 200;
      while (status !== 401 && Date.now() < until) {
        status = (await send(uplink('70b3d57ed0001234', [0x01, 0, 1, 0, 0, 2]))).status;
        if (status !== 401) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 401);
    });
  });
}

describe('codec isolates stay bounded', () => {
  let pool: SandboxPool;
  before(async () => {
    pool = new SandboxPool({ size: 1 });
    await pool.ready();
  });
  after(async () => {
    await pool?.close();
  });
  /** The isolates loaded in the sandbox process, as it counts them. */
  const isolates = async () => (await pool.stats()).reduce((n, s) => n + s.isolates, 0);
  const codec = (tag: string) =>
    `function rawDataToProtocol(bytes) { return { method: 'thing.event.property.post', id: '${tag}', params: { n: bytes[0] } }; }`;
  const decoded = (tag: string, n: number) => ({
    ok: true,
    value: { method: 'thing.event.property.post', id: tag, params: { n } },
  });

  test('with a cap of N, N+k products all decode (reloaded on demand), never more than N warm; a replaced codec runs at once, a removed one is unloaded', async () => {
    const N = 3;
    const k = 4;
    const sandbox = new CodecSandbox(pool, { maxWarm: N });
    const scripts = Array.from({ length: N + k }, (_, i) => codecScript(`pk${i}`, codec(`v1-${i}`)));
    for (let round = 0; round < 2; round++)
      for (const [i, s] of scripts.entries()) {
        assert.deepEqual(await sandbox.decode(s, Uint8Array.of(i), { transport: 'mqtt' }), decoded(`v1-${i}`, i));
        assert.ok(sandbox.warm.length <= N, `warm: ${sandbox.warm}`);
        const n = await isolates();
        assert.ok(n <= N, `${n} isolates loaded with a cap of ${N}`);
      }
    assert.deepEqual(sandbox.warm, ['pk4', 'pk5', 'pk6'], 'the most recently used, oldest first');

    // Calls at once for every product: each answered by its own script, none cut off by an eviction.
    const all = await Promise.all(
      [...scripts, ...scripts].map((s, i) => sandbox.decode(s, Uint8Array.of(i), { transport: 'http' })),
    );
    assert.deepEqual(
      all,
      [...scripts, ...scripts].map((_, i) => decoded(`v1-${i % (N + k)}`, i)),
    );
    assert.ok((await isolates()) <= N, 'bounded again once the calls ended');

    // A replaced codec: the new script answers at once, and the old version's isolate is gone.
    const before = await isolates();
    const v2 = codecScript('pk6', codec('v2-6'));
    assert.deepEqual(await sandbox.decode(v2, Uint8Array.of(9), { transport: 'mqtt' }), decoded('v2-6', 9));
    assert.equal(await isolates(), before, 'the previous version of pk6 was unloaded');
    assert.equal(sandbox.warm.filter((p) => p === 'pk6').length, 1);

    // A removed codec is unloaded.
    sandbox.forget('pk6');
    assert.ok(!sandbox.warm.includes('pk6'));
    assert.equal(await isolates(), before - 1);
  });
});
