// CoAP device access with the symmetric-encryption mode (7.3.2.2.4/7.3.2.2.5 CoAP access; 7.3.2.4.2 and 9.3.2.3
// encryption and integrity of the channel — AES-GCM in place of DTLS, replay refused; 9.3.2.5 topic isolation).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { queryRows, testEngines } from '@shequ/db';
import { Agent, request } from 'coap';
import { sql } from 'drizzle-orm';
import { authBody } from '../http/test-auth.ts';
import { iotFixture } from '../testing.ts';
import { coapSessionKey, sealEnvelope } from './coap-crypto.ts';
import { CoapIngest } from './coap-ingest.ts';

for (const engine of testEngines()) {
  describe(`CoAP device ingest (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let coap: CoapIngest;
    let port: number;
    const socket = createSocket('udp4');
    const agent = new Agent({ socket });
    before(async () => {
      f = await iotFixture(engine);
      coap = new CoapIngest({ database: f.database, crypto: f.crypto, writer: f.iot.writer, tokenTtlMs: 60_000 });
      port = (await coap.listen({ port: 0, host: '127.0.0.1' })).port;
    });
    after(async () => {
      agent.close();
      socket.close();
      await coap?.close();
      await f?.close();
    });
    const send = (pathname: string, payload: string | Buffer) =>
      new Promise<{ code: string; body: Record<string, unknown> & { code: number } }>((resolve, reject) => {
        const req = request({ hostname: '127.0.0.1', port, pathname, method: 'POST', agent });
        req.on('response', (res) => resolve({ code: res.code, body: JSON.parse(res.payload.toString('utf8')) }));
        req.on('error', reject);
        req.end(payload);
      });
    const auth = async (d: (typeof f.devices)[0]) => {
      const r = await send('/auth', JSON.stringify(authBody(d)));
      assert.equal(r.code, '2.05', JSON.stringify(r.body));
      const info = r.body.info as { token: string; random: string; seqOffset: number };
      return { ...info, key: coapSessionKey(d.deviceSecret, info.random) };
    };
    const rows = async () =>
      Number(
        (await queryRows<{ n: number | string }>(f.database.db, sql`select count(*) as n from iot.telemetry`))[0].n,
      );
    const sealed = (s: Awaited<ReturnType<typeof auth>>, seq: number, topic: string, body: unknown, key = s.key) =>
      JSON.stringify(sealEnvelope(key, s.token, seq, topic, Buffer.from(JSON.stringify(body))));

    test('auth, then sealed property and event posts are stored and answered like the MQTT _reply', async () => {
      const [d] = f.devices;
      const s = await auth(d);
      const before = await rows();
      const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const r = await send(
        `/topic${topic}`,
        sealed(s, s.seqOffset + 1, topic, { id: '1', params: { activePower: 21 } }),
      );
      assert.deepEqual(r, { code: '2.05', body: { id: '1', code: 200, message: 'success', data: {} } });
      const evTopic = `/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post`;
      const ev = await send(
        `/topic${evTopic}`,
        sealed(s, s.seqOffset + 2, evTopic, { id: '2', params: { value: { activePower: 50 }, time: Date.now() } }),
      );
      assert.equal(ev.body.code, 200);
      assert.equal(await rows(), before + 2);
    });

    test('a replayed request or sequence number is refused; numbers within the window may arrive out of order', async () => {
      const [d] = f.devices;
      const s = await auth(d);
      const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const before = await rows();
      const third = sealed(s, s.seqOffset + 3, topic, { id: '3', params: { activePower: 22 } });
      assert.equal((await send(`/topic${topic}`, third)).body.code, 200);
      const replay = await send(`/topic${topic}`, third);
      assert.deepEqual([replay.code, replay.body.code], ['4.01', 20005]);
      const late = await send(
        `/topic${topic}`,
        sealed(s, s.seqOffset + 1, topic, { id: '4', params: { activePower: 23 } }),
      );
      assert.equal(late.body.code, 200, 'UDP reorders: an unseen number inside the window passes');
      const old = await send(`/topic${topic}`, sealed(s, s.seqOffset, topic, { id: '5', params: { activePower: 24 } }));
      assert.deepEqual([old.code, old.body.code], ['4.01', 20005]);
      assert.equal(await rows(), before + 2);
    });

    test('bad signatures, wrong keys, swapped topics, foreign topics and bad payloads: refused, nothing stored', async () => {
      const [d, other] = f.devices;
      const before = await rows();
      const bad = await send('/auth', JSON.stringify(authBody(d, { secret: 'wrong' })));
      assert.deepEqual([bad.code, bad.body.code], ['4.01', 20000]);
      assert.deepEqual((await send('/auth', 'nope')).code, '4.00');
      const s = await auth(d);
      const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const body = { id: '9', params: { activePower: 20 } };
      let seq = s.seqOffset;
      const wrongKey = await send(`/topic${topic}`, sealed(s, ++seq, topic, body, Buffer.alloc(16, 7)));
      assert.deepEqual([wrongKey.code, wrongKey.body.code], ['4.01', 20003]);
      const evTopic = `/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post`;
      const swapped = await send(`/topic${evTopic}`, sealed(s, ++seq, topic, body));
      assert.deepEqual([swapped.code, swapped.body.code], ['4.01', 20003], 'the topic is sealed with the payload');
      const forged = JSON.stringify({ ...JSON.parse(sealed(s, ++seq, topic, body)), token: 'forged' });
      assert.deepEqual((await send(`/topic${topic}`, forged)).body.code, 20003);
      assert.deepEqual((await send(`/topic${topic}`, '{"plain":true}')).code, '4.00');
      const foreign = `/sys/${other.productKey}/${other.deviceName}/thing/event/property/post`;
      const denied = await send(`/topic${foreign}`, sealed(s, ++seq, foreign, body));
      assert.deepEqual([denied.code, denied.body.code], ['4.03', 30001]);
      for (const [params, code] of [
        [{ activePower: 'high' }, 460],
        [{ activePower: 1000 }, 460],
        [{ colour: 1 }, 460],
      ] as const) {
        const r = await send(`/topic${topic}`, sealed(s, ++seq, topic, { id: '10', params }));
        assert.deepEqual([r.code, r.body.code], ['4.00', code], JSON.stringify(r.body));
      }
      const notJson = JSON.stringify(sealEnvelope(s.key, s.token, ++seq, topic, Buffer.from('not json')));
      assert.equal((await send(`/topic${topic}`, notJson)).body.code, 400);
      await f.iot.writer.drain();
      assert.equal(await rows(), before);
    });
  });
}
