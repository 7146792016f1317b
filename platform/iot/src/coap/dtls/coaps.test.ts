// CoAP over DTLS 1.2 with PSK (DB33 9.3.2.3 TLS/DTLS transport; 7.3.2.2.4 CoAP access; 9.3.2.5 topic isolation):
// OpenSSL's client completes the handshake with both suites and posts CoAP through it; our client's posts are
// stored end to end; a wrong PSK, an unknown, disabled or certificate-only device fail the handshake; replayed
// records and bad cookies are ignored.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { queryRows, testEngines } from '@shequ/db';
import { coapOption, coapType, encodeCoap, parseCoap } from '@shequ/device-sdk/coap-message';
import { DtlsClient } from '@shequ/device-sdk/dtls';
import { sql } from 'drizzle-orm';
import { iotFixture } from '../../testing.ts';
import { dtlsIdentity, dtlsPsk } from '../coap-crypto.ts';
import { CoapIngest } from '../coap-ingest.ts';
import { encodeClientHello, encodeHandshake, hsType, parseRecords } from './index.ts';

const noOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return {};
  } catch {
    return { skip: 'openssl is not installed' };
  }
})();

type Dev = { productKey: string; deviceName: string; deviceSecret: string };

let mid = 1;
/** A CoAP POST (CON) to `/topic{topic}` with the JSON body. */
function post(topic: string, body: unknown, messageId = mid++): Buffer {
  const path = `topic${topic}`.split('/').filter(Boolean);
  return encodeCoap({
    type: coapType.con,
    code: 0x02,
    messageId,
    token: Buffer.from([messageId & 255, 7]),
    options: path.map((p) => ({ number: coapOption.uriPath, value: Buffer.from(p) })),
    payload: Buffer.from(JSON.stringify(body)),
  });
}

const propTopic = (d: Dev) => `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
const credentials = (d: Dev) => {
  const identity = dtlsIdentity(d.productKey, d.deviceName);
  return { identity, psk: dtlsPsk(d.deviceSecret, identity) };
};

/** Runs `openssl s_client`, writes `input` once connected, and answers its output when `until` shows up. */
function opensslClient(port: number, identity: string, psk: Buffer, cipher: string, input: Buffer, until: string) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-psk_identity',
      identity,
      '-psk',
      psk.toString('hex'),
      '-cipher',
      cipher,
      '-noservername',
    ]);
    let out = '';
    let err = '';
    let wrote = false;
    const kill = setTimeout(() => p.kill(), 15_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (!wrote && out.includes('Cipher is')) {
        wrote = true;
        p.stdin.write(input);
      }
      if (out.includes(until)) p.stdin.end();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err });
    });
  });
}

for (const engine of testEngines()) {
  describe(`CoAP over DTLS (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let coap: CoapIngest;
    let port: number;
    const clients: DtlsClient[] = [];
    before(async () => {
      f = await iotFixture(engine);
      coap = new CoapIngest({ database: f.database, crypto: f.crypto, writer: f.iot.writer, tokenTtlMs: 60_000 });
      port = (await coap.listenDtls({ port: 0, host: '127.0.0.1' })).port;
    });
    after(async () => {
      for (const c of clients) await c.close();
      await coap?.close();
      await f?.close();
    });
    const rows = async () => {
      await f.iot.writer.drain();
      return Number(
        (await queryRows<{ n: number | string }>(f.database.db, sql`select count(*) as n from iot.telemetry`))[0].n,
      );
    };
    const connect = async (d: Dev, o: { suite?: number; fragmentSize?: number; psk?: Buffer } = {}) => {
      const c = await DtlsClient.connect({ host: '127.0.0.1', port, ...credentials(d), ...o });
      clients.push(c);
      return c;
    };
    /** Sends a CoAP message and waits for the answer (or null after `ms`). */
    const ask = (c: DtlsClient, msg: Buffer, ms = 5000, raw?: Buffer) =>
      new Promise<{ code: number; body: Record<string, unknown> } | null>((resolve) => {
        const t = setTimeout(() => resolve(null), ms);
        c.onData((d) => {
          const m = parseCoap(d);
          if (!m || m.messageId !== msg.readUInt16BE(2)) return;
          clearTimeout(t);
          resolve({ code: m.code, body: JSON.parse(m.payload.toString('utf8')) });
        });
        if (raw) c.sendRaw(raw);
        else c.send(msg);
      });

    for (const cipher of ['PSK-AES128-CCM8', 'PSK-AES128-GCM-SHA256'])
      test(
        `openssl s_client -dtls1_2 ${cipher}: the handshake completes and a CoAP post through it is stored`,
        noOpenssl,
        async () => {
          const [d] = f.devices;
          const { identity, psk } = credentials(d);
          const before = await rows();
          const r = await opensslClient(
            port,
            identity,
            psk,
            cipher,
            post(propTopic(d), { id: '1', params: { activePower: 11 } }),
            '"message":"success"',
          );
          assert.equal(r.code, 0, r.err);
          assert.match(r.out, new RegExp(`Cipher is ${cipher}`));
          assert.match(r.out, /Extended master secret: yes/);
          assert.match(r.out, /\{"id":"1","code":200,"message":"success","data":\{\}\}/);
          assert.equal(await rows(), before + 1);
        },
      );

    test('openssl s_client with a wrong PSK: decrypt_error alert, nothing stored', noOpenssl, async () => {
      const [d] = f.devices;
      const before = await rows();
      const r = await opensslClient(
        port,
        credentials(d).identity,
        Buffer.alloc(32, 1),
        'PSK-AES128-CCM8',
        post(propTopic(d), { id: '2', params: { activePower: 12 } }),
        'never',
      );
      assert.notEqual(r.code, 0);
      assert.match(r.err, /alert decrypt error/);
      assert.equal(await rows(), before);
    });

    test('a property post over our client (CCM_8) is stored, answered like the _reply, the device is online', async () => {
      const [d] = f.devices;
      const c = await connect(d);
      const before = await rows();
      const r = await ask(c, post(propTopic(d), { id: '3', params: { activePower: 21 } }));
      assert.deepEqual(r, { code: 0x45, body: { id: '3', code: 200, message: 'success', data: {} } });
      assert.equal(await rows(), before + 1);
      const [dev] = await queryRows<{ state: string }>(
        f.database.db,
        sql`select state from iot.devices where device_name = ${d.deviceName}`,
      );
      assert.equal(dev.state, 'online');
    });

    test('fragmented handshake messages are reassembled (GCM suite)', async () => {
      const [d] = f.devices;
      const c = await connect(d, { suite: 0x00a8, fragmentSize: 7 });
      const r = await ask(c, post(propTopic(d), { id: '4', params: { activePower: 22 } }));
      assert.equal(r?.body.code, 200);
    });

    test('a replayed record is ignored; a CoAP retransmission (same message id) is answered once, stored once', async () => {
      const [d] = f.devices;
      const c = await connect(d);
      const before = await rows();
      const msg = post(propTopic(d), { id: '5', params: { activePower: 23 } });
      assert.equal((await ask(c, msg))?.body.code, 200);
      const record = c.sent.at(-1) as Buffer;
      assert.equal(await ask(c, msg, 600, record), null, 'the same record again: dropped by the replay window');
      assert.equal((await ask(c, msg))?.body.code, 200, 'a new record with the same message id: the stored answer');
      assert.equal(await rows(), before + 1);
    });

    test("another device's topic is refused (4.03, 30001) and nothing stored", async () => {
      const [d, other] = f.devices;
      const c = await connect(d);
      const before = await rows();
      const r = await ask(c, post(propTopic(other), { id: '6', params: { activePower: 24 } }));
      assert.deepEqual([r?.code, r?.body.code], [0x83, 30001]);
      assert.equal(await rows(), before);
    });

    test('wrong PSK, unknown, disabled and certificate-only devices fail the handshake; nothing stored', async () => {
      const [d, other] = f.devices;
      const before = await rows();
      await assert.rejects(connect(d, { psk: Buffer.alloc(32, 9) }), /DTLS alert 51/);
      await assert.rejects(
        DtlsClient.connect({ host: '127.0.0.1', port, identity: 'nobody&nothing', psk: Buffer.alloc(32) }),
        /DTLS alert 40/,
      );
      await f.database.db.execute(sql`update iot.devices set enabled = false where device_name = ${other.deviceName}`);
      await assert.rejects(connect(other), /DTLS alert 40/);
      await f.database.db.execute(
        sql`update iot.devices set enabled = true, require_certificate = true where device_name = ${other.deviceName}`,
      );
      await assert.rejects(connect(other), /DTLS alert 40/);
      await f.database.db.execute(
        sql`update iot.devices set require_certificate = false where device_name = ${other.deviceName}`,
      );
      const c = await connect(other);
      assert.ok(c.established);
      assert.equal(await rows(), before);
      const audits = await queryRows<{ n: number | string }>(
        f.database.db,
        sql`select count(*) as n from audit.log where action = 'iot.coap.auth' and result = 'failure'`,
      );
      assert.ok(Number(audits[0].n) >= 3, 'failed handshakes are audited');
    });

    test('a ClientHello with a bad cookie gets a fresh HelloVerifyRequest and no state is kept', async () => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
      const before = coap.dtls?.server.size;
      const body = encodeClientHello({
        random: Buffer.alloc(32, 3),
        cookie: Buffer.alloc(16, 0xab),
        suites: [0xc0a8],
        extensions: [],
      });
      const hello = Buffer.concat([
        Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1]),
        Buffer.from([0, 12 + body.length]),
        encodeHandshake(hsType.clientHello, 1, body),
      ]);
      hello.writeUInt16BE(12 + body.length, 11);
      const answer = await new Promise<Buffer>((resolve) => {
        s.once('message', (m) => resolve(m));
        s.send(hello, port, '127.0.0.1');
      });
      s.close();
      const [r] = parseRecords(answer);
      assert.equal(r.fragment[0], hsType.helloVerifyRequest);
      assert.deepEqual(coap.dtls?.server.size, before);
    });

    test('a CoAP ping gets a reset; a device whose session is revoked (disable, delete) is sent close_notify', async () => {
      const [, other] = f.devices;
      const c = await connect(other);
      const ping = Buffer.from([0x40, 0x00, 0x12, 0x34]);
      const rst = await new Promise<Buffer>((resolve) => {
        c.onData((d) => resolve(d));
        c.send(ping);
      });
      assert.deepEqual(rst, Buffer.from([0x70, 0x00, 0x12, 0x34]));
      const [row] = await queryRows<{ id: string }>(
        f.database.db,
        sql`select id from iot.devices where device_name = ${other.deviceName}`,
      );
      coap.ingest.tokens.revokeDevice(row.id);
      for (let i = 0; i < 100 && c.alert === null; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(c.alert, 0, 'close_notify');
    });

    test('close_notify ends the session and the device session with it', async () => {
      const [d] = f.devices;
      const c = await connect(d);
      assert.equal((await ask(c, post(propTopic(d), { id: '7', params: { activePower: 25 } })))?.body.code, 200);
      const sessions = coap.dtls?.server.size.sessions ?? 0;
      const tokens = coap.ingest.tokens.size;
      await c.close();
      for (let i = 0; i < 50 && coap.dtls?.server.size.sessions === sessions; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(coap.dtls?.server.size.sessions, sessions - 1);
      assert.equal(coap.ingest.tokens.size, tokens - 1);
    });
  });
}
