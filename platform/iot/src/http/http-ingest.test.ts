// HTTP device access (7.3.2.2.4/7.3.2.2.5 HTTP access; 9.3.2.2 one secret per device signs /auth; 9.3.2.5 topic
// isolation). HTTPS itself (7.3.2.4.2, 9.3.2.3) is exercised in sdk/device/src/http-coap-clients.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@shequ/bus';
import { auditLog, queryRows, testEngines } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { getDeviceDetail } from '../registry/device-detail.ts';
import { changeDevice } from '../registry/devices-service.ts';
import { actor, iotFixture } from '../testing.ts';
import { DeviceIngest } from './device-ingest.ts';
import { followDeviceLifecycle } from './device-lifecycle.ts';
import { HttpIngest } from './http-ingest.ts';
import { authBody, type Dev } from './test-auth.ts';

for (const engine of testEngines()) {
  describe(`HTTP device ingest (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let http: HttpIngest;
    let url: string;
    const events: EventEnvelope[] = [];
    before(async () => {
      f = await iotFixture(engine);
      http = new HttpIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        tokenTtlMs: 60_000,
        maxTimestampSkewMs: 600_000,
        authLimit: { burst: 30, perSecond: 1 },
      });
      url = `http://127.0.0.1:${(await http.listen({ port: 0, host: '127.0.0.1' })).port}`;
      await followDeviceLifecycle(f.bus, 'http-test-lifecycle', f.database, [http.ingest]);
      await f.bus.subscribe('http-test', 'shequ.iot.>', async (e) => {
        events.push(e);
      });
    });
    after(async () => {
      await http?.close();
      await f?.close();
    });
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> & { code: number } };
    };
    const token = async (d: Dev) => {
      const r = await post('/auth', authBody(d));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.info as { token: string }).token;
    };
    const rows = async () =>
      Number(
        (await queryRows<{ n: number | string }>(f.database.db, sql`select count(*) as n from iot.telemetry`))[0].n,
      );

    test('auth then a property post is stored, published on the bus and answered like the MQTT _reply', async () => {
      const [d] = f.devices;
      const t = await token(d);
      const topic = `/topic/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const r = await post(topic, { id: '11', params: { activePower: 2.5 } }, { password: t });
      assert.deepEqual(r, { status: 200, body: { id: '11', code: 200, message: 'success', data: {} } });
      const ev = await post(
        `/topic/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post`,
        { id: '12', params: { value: { activePower: 99 }, time: Date.now() } },
        { authorization: `Bearer ${t}` },
      );
      assert.equal(ev.body.code, 200);
      const until = Date.now() + 5000;
      while (!events.some((e) => e.subject === `shequ.iot.${f.communityId}.${d.productKey}.${d.id}.event`)) {
        assert.ok(Date.now() < until, 'event reached the bus');
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(events.some((e) => e.subject.endsWith(`${d.id}.property`)));
    });

    test('a device holding a token is online; it goes offline when the token ends', async () => {
      const [, d] = f.devices;
      const t = await token(d);
      let detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(detail.online, true);
      const s = http.ingest.tokens.check(t);
      assert.ok(s.ok);
      s.session.expiresAt = Date.now() - 1;
      http.ingest.tokens.sweep();
      const until = Date.now() + 5000;
      do {
        await new Promise((res) => setTimeout(res, 20));
        detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.ok(Date.now() < until, 'the device goes offline');
      } while (detail.online);
      assert.deepEqual(
        detail.history.slice(0, 2).map((h) => [h.state, h.reason]),
        [
          ['offline', 'token expired'],
          ['online', null],
        ],
      );
    });

    test('bad signature, unknown device, malformed auth and skewed timestamps get clear codes', async () => {
      const [d] = f.devices;
      const bad = await post('/auth', authBody(d, { secret: 'wrong' }));
      assert.deepEqual([bad.status, bad.body.code], [401, 20000]);
      const unknown = await post('/auth', authBody({ ...d, deviceName: 'nobody' }));
      assert.deepEqual([unknown.status, unknown.body.code], [401, 20000]);
      const skewed = await post('/auth', authBody(d, { timestamp: Date.now() - 3_600_000 }));
      assert.deepEqual([skewed.status, skewed.body.code], [401, 20000]);
      assert.equal((await post('/auth', 'not json')).body.code, 10001);
      const noSign = await post('/auth', { ...authBody(d), sign: undefined });
      assert.deepEqual([noSign.status, noSign.body.code], [400, 10001]);
      const pipe = await post('/auth', authBody(d, { clientId: 'a|securemode=2' }));
      assert.deepEqual([pipe.status, pipe.body.code], [400, 10001]);
      assert.equal((await fetch(`${url}/auth`)).status, 405);
      assert.equal((await post('/elsewhere', {})).status, 404);
    });

    test('missing, forged and expired tokens, other devices’ topics and bad bodies: refused, nothing stored', async () => {
      const [d, other] = f.devices;
      const before = await rows();
      const topic = `/topic/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const body = { id: '1', params: { activePower: 1 } };
      assert.deepEqual((await post(topic, body)).body.code, 20002);
      const forged = await post(topic, body, { password: 'Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbg' });
      assert.deepEqual([forged.status, forged.body.code], [401, 20003]);
      const t = await token(d);
      const foreign = await post(`/topic/sys/${other.productKey}/${other.deviceName}/thing/event/property/post`, body, {
        password: t,
      });
      assert.deepEqual([foreign.status, foreign.body.code], [403, 30001]);
      // An escaped '/' stays part of one topic level: never another device's topic in disguise.
      const escaped = await post(`/topic/sys/${d.productKey}%2F${d.deviceName}/thing/event/property/post`, body, {
        password: t,
      });
      assert.deepEqual([escaped.status, escaped.body.code], [403, 30001]);
      const denied = await f.database.db.select().from(auditLog).where(eq(auditLog.action, 'iot.http.publish'));
      assert.deepEqual(
        denied.map((a) => a.result),
        ['denied', 'denied'],
      );
      const setTopic = await post(`/topic/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`, body, {
        password: t,
      });
      assert.equal(setTopic.status, 403, 'a device never calls its own downlink');
      const cases: Array<[string | Buffer | object, number, number]> = [
        ['not json', 400, 400],
        [{ id: '2', params: { activePower: 'high' } }, 400, 460],
        [{ id: '3', params: { activePower: 1000 } }, 400, 460],
        [{ id: '4', params: { colour: 1 } }, 400, 460],
        [{ id: '5', params: { activePower: { value: 1, time: Date.now() + 86_400_000 } } }, 400, 460],
        [Buffer.alloc(1024 * 1024, 0x20), 413, 413],
      ];
      for (const [b, status, code] of cases) {
        const r = await post(topic, b, { password: t });
        assert.deepEqual([r.status, r.body.code], [status, code], JSON.stringify(r.body));
      }
      await f.iot.writer.drain();
      assert.equal(await rows(), before);
    });

    test('an /auth storm from one address is answered 429 before it reaches the database', async () => {
      const [d] = f.devices;
      const small = new HttpIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        authLimit: { burst: 3, perSecond: 0.1 },
      });
      const port = (await small.listen({ port: 0, host: '127.0.0.1' })).port;
      try {
        const codes: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await fetch(`http://127.0.0.1:${port}/auth`, {
            method: 'POST',
            body: JSON.stringify(authBody(d, { secret: 'storm' })),
          });
          codes.push(((await r.json()) as { code: number }).code);
        }
        assert.deepEqual(codes, [20000, 20000, 20000, 40000, 40000]);
      } finally {
        await small.close();
      }
    });

    test('an expired token is refused with its own code; a disabled device loses its tokens', async () => {
      const [, d] = f.devices;
      const t = await token(d);
      const s = http.ingest.tokens.check(t);
      assert.ok(s.ok);
      s.session.expiresAt = Date.now() - 1;
      const topic = `/topic/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const r = await post(topic, { id: '1', params: { activePower: 1 } }, { password: t });
      assert.deepEqual([r.status, r.body.code], [401, 20001]);
      const t2 = await token(d);
      // A listener without the lifecycle follower still notices at its next re-check of the device.
      const unfollowed = new DeviceIngest({
        database: f.database,
        crypto: f.crypto,
        writer: f.iot.writer,
        transport: 'http',
      });
      const t3 = (await unfollowed.authenticate(authBody(d), '127.0.0.1')).session!.token;
      await changeDevice(f.iot.deps, f.scope, d.productKey, d.deviceName, 'disable', actor);
      // The follower ends the token as soon as the disable is on the bus.
      const until = Date.now() + 5000;
      while (http.ingest.tokens.check(t2).ok) {
        assert.ok(Date.now() < until, 'the token of a disabled device ends');
        await new Promise((res) => setTimeout(res, 20));
      }
      const gone = await post(topic, { id: '2', params: { activePower: 1 } }, { password: t2 });
      assert.deepEqual([gone.status, gone.body.code], [401, 20003]);
      const s3 = unfollowed.tokens.check(t3);
      assert.ok(s3.ok);
      s3.session.checkedAt = 0; // as if the re-check interval had passed
      const rechecked = await unfollowed.session(t3);
      assert.ok(!('ok' in rechecked));
      assert.equal(rechecked.status, 403);
      const again = await post('/auth', authBody(d));
      assert.deepEqual([again.status, again.body.code], [403, 20004]);
      await changeDevice(f.iot.deps, f.scope, d.productKey, d.deviceName, 'enable', actor);
    });
  });
}
