// LoRaWAN through a ChirpStack v4 network server (DB33 7.3.2.2.4): a command to a device with a DevEUI and no MQTT
// session is encoded by the product codec and queued on the community's network server (a fake ChirpStack on loopback
// here); accepted uplinks keep such a device online, silence past the window takes it offline.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppError } from '@shequ/core';
import { auditLog, devices, networkServers, outbox, products, testEngines } from '@shequ/db';
import {
  actor,
  changeDevice,
  createAccount,
  followDeviceLifecycle,
  getDeviceDetail,
  getNetworkServer,
  HttpIngest,
  iotFixture,
  queueCommand,
  queueDownlink,
  removeNetworkServer,
  setDevEui,
  setNetworkServer,
  setProductCodec,
  TOKEN_MASK,
} from '@shequ/iot';
import type { ThingModel } from '@shequ/schemas';
import { and, eq, like } from 'drizzle-orm';
import { SandboxPool } from '../sandbox/pool.ts';
import { CodecSandbox } from './codec-sandbox.ts';

/** A property set names its frame port (10); the async service answers plain bytes (the default port, 1). */
const lorawanCodec = `
function rawDataToProtocol(bytes) { return { method: 'thing.event.property.post', id: '1', params: { relay: bytes[0] } }; }
function protocolToRawData(json) {
  if (json.method === 'thing.service.property.set') return { fPort: 10, bytes: [0x20, json.params.relay ? 1 : 0] };
  if (json.method === 'thing.service.blink') return [0x22, json.params.times];
  if (json.method === 'thing.service.badPort') return { fPort: 0, bytes: [1] };
  return null;
}
`;

interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A ChirpStack REST API stand-in: records each request and answers `status` (200 with a queue id by default). */
async function fakeChirpstack() {
  const requests: Recorded[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"id":"0b4f3a3e-3c7b-4ad6-8a5e-4d6c1b2a9f10"}' : '{"error":"denied","code":16}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer(s: number) {
      status = s;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

for (const engine of testEngines()) {
  describe(`LoRaWAN through a network server (${engine})`, () => {
    let pool: SandboxPool;
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let cs: Awaited<ReturnType<typeof fakeChirpstack>>;
    let model: ThingModel;
    let http: HttpIngest;
    let url: string;
    let basic: string;
    const devEui = '70b3d57ed0001234';
    const token = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.test-api-token';
    const connect = async (enabled = true, baseUrl = cs.url) => {
      await setNetworkServer(
        f.iot.deps,
        f.scope,
        f.communityId,
        { kind: 'chirpstack', baseUrl, token, enabled },
        actor,
      );
      f.iot.networkServers.forget();
    };
    const set = (deviceName: string, relay: number) =>
      f.iot.command(f.scope, f.productKey, deviceName, { kind: 'set', params: { relay } }, actor);

    before(async () => {
      pool = new SandboxPool({ size: 1 });
      const runner = new CodecSandbox(pool);
      f = await iotFixture(engine, { codecRunner: runner });
      await setProductCodec(f.iot.deps, f.scope, f.productKey, lorawanCodec, actor, runner);
      const [d1] = f.devices;
      await setDevEui(f.iot.deps, f.scope, d1.productKey, d1.deviceName, devEui, actor);
      cs = await fakeChirpstack();
      const [row] = await f.database.db.select().from(networkServers);
      assert.equal(row, undefined);
      model = (await f.database.db.select().from(products).where(eq(products.productKey, f.productKey)))[0]
        .thingModel as ThingModel;
    });
    after(async () => {
      await http?.close();
      await cs?.close();
      await f?.close();
      await pool?.close();
    });
    beforeEach(() => {
      cs.requests.length = 0;
      cs.answer(200);
    });

    test('the connection is validated, its token stored encrypted and never read back', async () => {
      await assert.rejects(
        setNetworkServer(
          f.iot.deps,
          f.scope,
          f.communityId,
          { kind: 'chirpstack', baseUrl: 'ftp://ns.example', token, enabled: true },
          actor,
        ),
        (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && /http\(s\)/.test(e.message),
      );
      await assert.rejects(
        setNetworkServer(
          f.iot.deps,
          f.scope,
          f.communityId,
          { kind: 'chirpstack', baseUrl: cs.url, token: '  ', enabled: true },
          actor,
        ),
        (e: Error & { code?: string }) => e.code === 'INVALID_INPUT',
      );
      await connect();
      const view = await getNetworkServer(f.iot.deps, f.scope, f.communityId);
      assert.equal(view?.token, TOKEN_MASK);
      assert.equal(view?.baseUrl, cs.url);
      assert.equal(view?.offlineAfterSeconds, 1800);
      const [row] = await f.database.db.select().from(networkServers);
      assert.ok(!row.tokenCipher.includes(token));
      assert.equal(f.crypto.decrypt(row.tokenCipher, `iot.network_server.${f.communityId}`), token);
      // An update without a token keeps the stored one.
      await setNetworkServer(
        f.iot.deps,
        f.scope,
        f.communityId,
        { kind: 'chirpstack', baseUrl: `${cs.url}/`, enabled: true, offlineAfterSeconds: 3600 },
        actor,
      );
      const [again] = await f.database.db.select().from(networkServers);
      assert.equal(f.crypto.decrypt(again.tokenCipher, `iot.network_server.${f.communityId}`), token);
      assert.equal(again.baseUrl, cs.url);
      const audits = await f.database.db.select().from(auditLog).where(eq(auditLog.objectType, 'iot.network_server'));
      assert.deepEqual(audits.map((a) => a.action).sort(), ['iot.network_server.create', 'iot.network_server.update']);
      assert.ok(audits.every((a) => !JSON.stringify(a.detail).includes(token)));
      f.iot.networkServers.forget();
    });

    test('a property set is encoded by the codec and queued on ChirpStack with the token and the codec fPort', async () => {
      const r = await set(f.devices[0].deviceName, 1);
      assert.equal(r.delivered, true);
      assert.equal(r.via, 'chirpstack');
      assert.equal(cs.requests.length, 1);
      const [req] = cs.requests;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `/api/devices/${devEui}/queue`);
      assert.equal(req.headers['grpc-metadata-authorization'], `Bearer ${token}`);
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        queueItem: { confirmed: false, fPort: 10, data: Buffer.from([0x20, 1]).toString('base64') },
      });
      const [audit] = await f.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'iot.lorawan.downlink'), eq(auditLog.result, 'success')));
      assert.equal((audit.detail as { status: number }).status, 200);
    });

    test('an async service call without an fPort from the codec goes to port 1; a sync call is refused up front', async () => {
      const [d1] = f.devices;
      const withBlink: ThingModel = {
        ...model,
        services: [
          ...model.services,
          {
            identifier: 'blink',
            name: '闪灯',
            callType: 'async',
            inputData: [
              { identifier: 'times', name: '次数', dataType: { type: 'int', specs: { min: '1', max: '9' } } },
            ],
            outputData: [],
          } as ThingModel['services'][number],
        ],
      };
      const device = { ...d1, id: await deviceId(d1.deviceName), communityId: f.communityId };
      const r = await f.iot.downlink.callService(device, withBlink, 'blink', { times: 3 });
      assert.equal(r.delivered, true);
      assert.deepEqual(JSON.parse(cs.requests[0].body), {
        queueItem: { confirmed: false, fPort: 1, data: Buffer.from([0x22, 3]).toString('base64') },
      });
      await assert.rejects(
        f.iot.command(
          f.scope,
          d1.productKey,
          d1.deviceName,
          { kind: 'service', service: 'setRelay', params: { closed: 1 } },
          actor,
        ),
        (e: Error & { code?: string }) => e.code === 'CONFLICT' && /cannot answer a sync call/.test(e.message),
      );
      assert.equal(cs.requests.length, 1);
    });

    test('a 401 or a 500 from ChirpStack is a clear error naming the status and the server, audited', async () => {
      for (const status of [401, 500]) {
        cs.answer(status);
        await assert.rejects(
          set(f.devices[0].deviceName, 0),
          (e: Error & { code?: string }) =>
            e.code === 'UNAVAILABLE' &&
            e.message.includes(`HTTP ${status}`) &&
            e.message.includes(cs.url) &&
            /refused the downlink/.test(e.message),
        );
      }
      assert.equal(cs.requests.length, 2);
      const failures = await f.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'iot.lorawan.downlink'), eq(auditLog.result, 'failure')));
      const reasons = failures.map((a) => (a.detail as { reason: string }).reason);
      assert.ok(reasons.some((r) => r.includes('HTTP 401')));
      assert.ok(reasons.some((r) => r.includes('HTTP 500')));
    });

    test('an unreachable server is a clear error; nothing is sent for a device without DevEUI or when disabled', async () => {
      // A port nothing listens on (a server opened and closed).
      const gone = await fakeChirpstack();
      await gone.close();
      await connect(true, gone.url);
      await assert.rejects(
        set(f.devices[0].deviceName, 1),
        (e: Error & { code?: string }) => e.code === 'UNAVAILABLE' && e.message.includes(`${gone.url} unreachable`),
      );
      await connect();
      // The second device has no DevEUI: offline as before, the set waits in the shadow.
      const r = await set(f.devices[1].deviceName, 1);
      assert.deepEqual([r.delivered, r.via], [false, undefined]);
      await connect(false);
      const off = await set(f.devices[0].deviceName, 1);
      assert.deepEqual([off.delivered, off.via], [false, undefined]);
      await removeNetworkServer(f.iot.deps, f.scope, f.communityId, actor);
      f.iot.networkServers.forget();
      assert.equal((await set(f.devices[0].deviceName, 1)).delivered, false);
      assert.equal(cs.requests.length, 0);
      await connect();
    });

    test('a command queued by a process without a gateway is queued on ChirpStack once', async () => {
      const r = await queueCommand(
        f.iot.deps,
        f.scope,
        f.productKey,
        f.devices[0].deviceName,
        { kind: 'set', params: { relay: 1 } },
        actor,
      );
      assert.equal(r.queued, true);
      const end = Date.now() + 5000;
      while (cs.requests.length === 0 && Date.now() < end) await sleep(25);
      await sleep(300);
      // The per-gateway follower (MQTT sessions) and the shared one (network servers) both hear it; one sends it.
      assert.equal(cs.requests.length, 1);
      assert.equal(cs.requests[0].url, `/api/devices/${devEui}/queue`);
      assert.equal(JSON.parse(cs.requests[0].body).queueItem.fPort, 10);
    });

    test('a codec that names an invalid fPort is refused before anything is sent', async () => {
      const [d1] = f.devices;
      const withBad: ThingModel = {
        ...model,
        services: [
          ...model.services,
          {
            identifier: 'badPort',
            name: '坏端口',
            callType: 'async',
            inputData: [],
            outputData: [],
          } as ThingModel['services'][number],
        ],
      };
      const device = { ...d1, id: await deviceId(d1.deviceName), communityId: f.communityId };
      await assert.rejects(
        f.iot.downlink.callService(device, withBad, 'badPort', {}),
        (e: Error & { code?: string }) =>
          e.code === 'PLUGIN_FAILED' && /fPort must be an integer 1–223/.test(e.message),
      );
      assert.equal(cs.requests.length, 0);
    });

    test('an accepted uplink marks the device online; silence past the window takes it offline', async () => {
      const WINDOW = 700;
      http = new HttpIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        codecs: f.iot.codecs,
        networkServers: f.iot.networkServers,
        offlineAfterMs: WINDOW,
        onStateCommitted: () => f.relay.kick(),
      });
      url = `http://127.0.0.1:${(await http.listen({ port: 0, host: '127.0.0.1' })).port}`;
      await followDeviceLifecycle(f.bus, 'lorawan-presence-lifecycle', f.database, [http.ingest], undefined, [
        http.lorawan!,
      ]);
      const [d1] = f.devices;
      const account = await createAccount(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: 'ChirpStack', topics: [`/sys/${d1.productKey}/+/thing/model/up_raw`] },
        actor,
      );
      basic = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
      const uplink = async (bytes: number[]) =>
        (
          await fetch(`${url}/lorawan/chirpstack?event=up`, {
            method: 'POST',
            headers: { authorization: basic, 'content-type': 'application/json' },
            body: JSON.stringify({ deviceInfo: { devEui }, fPort: 2, data: Buffer.from(bytes).toString('base64') }),
          })
        ).status;
      const detail = () => getDeviceDetail(f.iot.deps, f.scope, f.productKey, d1.deviceName);
      const events = async () =>
        (
          await f.database.db
            .select({ data: outbox.data })
            .from(outbox)
            .where(like(outbox.subject, 'shequ.iot.%.state'))
            .orderBy(outbox.seq)
        )
          .map((r) => r.data as { state: string; deviceName: string; reason?: string })
          .filter((e) => e.deviceName === d1.deviceName)
          .map((e) => (e.reason ? `${e.state}:${e.reason}` : e.state));
      const until = async (status: string) => {
        const end = Date.now() + 10_000;
        while ((await detail()).status !== status) {
          if (Date.now() > end) throw new Error(`device never became ${status}`);
          await sleep(25);
        }
      };

      assert.equal((await detail()).status, 'inactive');
      // An uplink the thing model refuses (relay 7) is not a sign of an accepted device: still inactive.
      assert.equal(await uplink([7]), 422);
      assert.equal((await detail()).status, 'inactive');
      assert.equal(await uplink([1]), 200);
      assert.equal((await detail()).status, 'online');
      // Uplinks within the window keep it online in the same session: no new history row, no new event.
      for (let i = 0; i < 3; i++) {
        await sleep(WINDOW / 2);
        assert.equal(await uplink([0]), 200);
      }
      assert.equal((await detail()).status, 'online');
      await until('offline');
      const d = await detail();
      assert.deepEqual(
        d.history.map((h) => [h.state, h.epoch, h.reason]),
        [
          ['offline', 1, 'silence'],
          ['online', 1, null],
        ],
      );
      assert.deepEqual(await events(), ['online', 'offline:silence']);
      // The next uplink brings it back under a new epoch; disabling it ends the presence at once.
      assert.equal(await uplink([1]), 200);
      assert.equal((await detail()).history[0].epoch, 2);
      await changeDevice(f.iot.deps, f.scope, d1.productKey, d1.deviceName, 'disable', actor);
      const end = Date.now() + 10_000;
      while ((await detail()).history[0].state !== 'offline' && Date.now() < end) await sleep(25);
      assert.deepEqual(
        [(await detail()).history[0].state, (await detail()).history[0].reason],
        ['offline', 'device disabled'],
      );
      await changeDevice(f.iot.deps, f.scope, d1.productKey, d1.deviceName, 'enable', actor);
    });

    test('The Things Stack: webhook uplinks take the same path; downlink is pushed with the API key', async () => {
      const [d1] = f.devices;
      await assert.rejects(
        setNetworkServer(
          f.iot.deps,
          f.scope,
          f.communityId,
          { kind: 'tts', baseUrl: cs.url, token, enabled: true, ttsWebhookId: 'shequ' },
          actor,
        ),
        (e: AppError) => e.code === 'INVALID_INPUT' && Object.keys(e.fieldErrors ?? {}).join() === 'ttsApplicationId',
      );
      await setNetworkServer(
        f.iot.deps,
        f.scope,
        f.communityId,
        { kind: 'tts', baseUrl: cs.url, token, enabled: true, ttsApplicationId: 'meters', ttsWebhookId: 'shequ' },
        actor,
      );
      f.iot.networkServers.forget();
      const r = await set(d1.deviceName, 1);
      assert.deepEqual([r.delivered, r.via], [true, 'tts']);
      assert.equal(cs.requests.length, 1);
      const [req] = cs.requests;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `/api/v3/as/applications/meters/webhooks/shequ/devices/eui-${devEui}/down/push`);
      assert.equal(req.headers.authorization, `Bearer ${token}`);
      assert.equal(req.headers['grpc-metadata-authorization'], undefined);
      assert.deepEqual(JSON.parse(req.body), {
        downlinks: [{ f_port: 10, frm_payload: Buffer.from([0x20, 1]).toString('base64'), priority: 'NORMAL' }],
      });
      cs.answer(403);
      await assert.rejects(set(d1.deviceName, 0), /refused the downlink \(HTTP 403\)/);

      const message = (dev_eui: string, frm_payload?: string) => ({
        end_device_ids: {
          device_id: `eui-${dev_eui.toLowerCase()}`,
          application_ids: { application_id: 'meters' },
          dev_eui,
          dev_addr: '260B1234',
        },
        received_at: new Date().toISOString(),
        uplink_message: { f_port: 7, f_cnt: 42, frm_payload, rx_metadata: [{ gateway_ids: { gateway_id: 'gw-1' } }] },
      });
      const send = async (body: unknown, authorization = basic) => {
        const res = await fetch(`${url}/lorawan/tts`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as { code: number; message: string } };
      };
      const ok = await send(message(devEui.toUpperCase(), Buffer.from([0]).toString('base64')));
      assert.deepEqual(ok, { status: 200, body: { id: '1', code: 200, message: 'success', data: {} } });
      const props = (await getDeviceDetail(f.iot.deps, f.scope, f.productKey, d1.deviceName)).properties;
      assert.equal(props.relay.value, 0);
      assert.equal((await getDeviceDetail(f.iot.deps, f.scope, f.productKey, d1.deviceName)).status, 'online');
      const wrong = `Basic ${Buffer.from('app_nobody:nope').toString('base64')}`;
      assert.equal((await send(message(devEui, 'AA=='), wrong)).status, 401);
      assert.equal((await send(message('70B3D57ED0009999', 'AA=='))).status, 404);
      const empty = await send(message(devEui));
      assert.equal(empty.status, 400);
      assert.match(empty.body.message, /uplink_message.frm_payload/);
      const join = await send({ end_device_ids: { dev_eui: devEui }, join_accept: { session_key_id: 'x' } });
      assert.deepEqual(join, { status: 200, body: { code: 0, message: 'not an uplink message, ignored' } });
      const audits = await f.database.db.select().from(auditLog).where(eq(auditLog.action, 'iot.lorawan.uplink'));
      assert.ok(audits.some((a) => (a.detail as { server: string; reason: string }).server === 'tts'));
    });

    test('a network server that does not answer is given up after the timeout', async () => {
      const silent = createServer(() => {});
      await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
      const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      try {
        const started = Date.now();
        await assert.rejects(
          queueDownlink(
            { kind: 'chirpstack', baseUrl, token, ttsApplicationId: null, ttsWebhookId: null },
            devEui,
            1,
            Buffer.from([1]),
            300,
          ),
          (e: AppError) =>
            e.code === 'UNAVAILABLE' && e.message.includes(`${baseUrl} unreachable: no answer within 300 ms`),
        );
        assert.ok(Date.now() - started < 3000);
      } finally {
        silent.closeAllConnections();
        await new Promise<void>((ok) => silent.close(() => ok()));
      }
    });

    async function deviceId(deviceName: string) {
      const [row] = await f.database.db.select().from(devices).where(eq(devices.deviceName, deviceName));
      return row.id;
    }
  });
}
