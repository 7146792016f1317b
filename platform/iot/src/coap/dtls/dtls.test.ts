// The DTLS 1.2 layer on its own (no database): the PRF, the replay window, handshake reassembly, retransmission of
// the last flight when a flight is lost, and the DoS bounds (handshake and session caps, timeouts).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { encodeCoap, parseCoap } from '@shequ/device-sdk/coap-message';
import {
  alert,
  contentType,
  DtlsClient,
  type DtlsRecord,
  encodeClientHello,
  encodeHandshake,
  encodeRecord,
  fragmentHandshake,
  hsType,
  parseHelloVerify,
  parseRecords,
  prf,
  Reassembler,
  ReplayWindow,
  suites,
} from '@shequ/device-sdk/dtls';
import { DtlsServer } from './server.ts';

const PSK = Buffer.from('secret-psk-bytes');

function server(o: Partial<ConstructorParameters<typeof DtlsServer<string>>[0]> = {}) {
  return new DtlsServer<string>({
    psk: async (identity) =>
      identity === 'dev&pk'
        ? { ok: true, psks: [PSK], context: identity }
        : { ok: false, alert: 40, reason: 'unknown' },
    onData: (c, d) => c.send(Buffer.concat([Buffer.from('echo:'), d])),
    ...o,
  });
}

const bound = async () => {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
};

/** A datagram rebuilt from records (fragments as they are, nothing sealed again). */
const datagram = (records: DtlsRecord[]) =>
  Buffer.concat(records.map((r) => encodeRecord(r.type, r.epoch, r.seq, r.fragment, undefined, r.version)));

/** A copy of a record's fragment with its last byte (inside the AEAD tag) flipped. */
const flipLast = (f: Buffer) => {
  const b = Buffer.from(f);
  b[b.length - 1] ^= 0x40;
  return b;
};

const echo = (c: DtlsClient, text: string) =>
  new Promise<string>((resolve) => {
    c.onData((d) => resolve(d.toString()));
    c.send(Buffer.from(text));
  });

test('TLS 1.2 PRF (SHA-256) matches the published test vector', () => {
  const out = prf(
    Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'),
    'test label',
    Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'),
    100,
  );
  assert.equal(
    out.toString('hex'),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('the replay window: each record number once, reordering within 64 allowed, older refused', () => {
  const w = new ReplayWindow();
  for (const n of [5, 3, 7]) {
    assert.ok(w.check(n));
    w.mark(n);
  }
  assert.equal(w.check(5), false);
  assert.ok(w.check(4));
  w.mark(200);
  assert.equal(w.check(136), false, 'older than the window');
  assert.ok(w.check(137));
  assert.equal(w.check(200), false);
});

test('reassembly: out-of-order and overlapping fragments make one message; old and oversized ones are told', () => {
  const whole = encodeHandshake(hsType.clientKeyExchange, 0, Buffer.from('0123456789abcdefghij'));
  const parts = fragmentHandshake(whole, 6);
  assert.equal(parts.length, 4);
  const r = new Reassembler();
  assert.deepEqual(r.add(parts[3]), []);
  assert.deepEqual(r.add(Buffer.concat([parts[1], parts[0]])), []);
  assert.deepEqual(r.add(parts[1]), [], 'a duplicate fragment changes nothing');
  const [m] = r.add(parts[2]) as { body: Buffer }[];
  assert.equal(m.body.toString(), '0123456789abcdefghij');
  assert.equal(r.add(parts[0]), 'old', 'a fragment of a delivered message: the peer retransmitted');
  const big = Buffer.from(encodeHandshake(1, 1, Buffer.alloc(8)));
  big.writeUIntBE(100_000, 1, 3);
  assert.equal(r.add(big), 'bad');
});

const installed = (bin: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`]);
    return true;
  } catch {
    return false;
  }
};

describe('DtlsServer', () => {
  const stops: (() => unknown)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });
  const start = async (o: Parameters<typeof server>[0] = {}) => {
    const s = server(o);
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' });
    stops.push(() => s.close());
    return { s, port };
  };
  const connect = async (port: number, o: Partial<Parameters<typeof DtlsClient.connect>[0]> = {}) => {
    const c = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'dev&pk', psk: PSK, ...o });
    stops.push(() => c.close());
    return c;
  };

  test('without the extended master secret too; an unknown identity or no common suite gets handshake_failure', async () => {
    const { port } = await start();
    assert.equal(await echo(await connect(port, { extendedMasterSecret: false }), 'a'), 'echo:a');
    await assert.rejects(connect(port, { identity: 'x&y' }), /DTLS alert 40/);
    // TLS_PSK_WITH_AES_128_CBC_SHA only: no suite in common.
    await assert.rejects(connect(port, { suite: 0x008c }), /DTLS alert 40/);
  });

  /**
   * A UDP proxy between a client and the server: `tamper` turns each client datagram into the datagrams forwarded
   * (in order); every server datagram is kept in `fromServer` and passed on.
   */
  const proxy = async (port: number, tamper: (m: Buffer) => Buffer[] = (m) => [m]) => {
    const p = await bound();
    stops.push(() => p.close());
    let client: { port: number; address: string } | null = null;
    const fromServer: Buffer[] = [];
    p.on('message', (m, from) => {
      if (from.port !== port) {
        client = from;
        for (const d of tamper(m)) p.send(d, port, '127.0.0.1');
        return;
      }
      fromServer.push(m);
      if (client) p.send(m, client.port, client.address);
    });
    return {
      port: p.address().port,
      fromServer,
      /** Passes a datagram on to the server, as if the client had just sent it. */
      send: (m: Buffer) => p.send(m, port, '127.0.0.1'),
    };
  };

  test('a client Finished that fails to authenticate is discarded without an alert; the retransmitted one completes the handshake', async () => {
    const { port } = await start();
    let corrupted = 0;
    const p = await proxy(port, (m) => {
      const records = parseRecords(m);
      const fin = records.find((r) => r.epoch === 1 && r.type === contentType.handshake);
      if (!fin || corrupted++) return [m];
      return [datagram(records.map((r) => (r === fin ? { ...r, fragment: flipLast(r.fragment) } : r)))];
    });
    const c = await connect(p.port);
    assert.equal(corrupted, 2, 'the first flight carried the corrupted Finished, the second the good one');
    const alerts = p.fromServer.flatMap(parseRecords).filter((r) => r.type === contentType.alert);
    assert.deepEqual(alerts, [], 'no alert for the corrupted Finished');
    assert.equal(await echo(c, 'f'), 'echo:f');
    // A wrong PSK fails each flight's Finished alike: after FINISHED_ATTEMPTS flights, decrypt_error.
    await assert.rejects(connect(port, { psk: Buffer.from('not-the-psk') }), /DTLS alert 51/);
  });

  test('an established session drops bad-tag, truncated, wrong-key, unknown-epoch, replayed and unauthenticated records silently', async () => {
    let received = 0;
    const { s, port } = await start({
      onData: (c, d) => {
        received++;
        c.send(Buffer.concat([Buffer.from('echo:'), d]));
      },
    });
    let tampering = false;
    const p = await proxy(port, (m) => {
      if (!tampering) return [m];
      const [r] = parseRecords(m);
      const wrongKey = { suite: suites[0], keys: { key: randomBytes(16), salt: randomBytes(4) } };
      const badHandshake = encodeHandshake(hsType.finished, 9, Buffer.alloc(4));
      badHandshake.writeUIntBE(100_000, 1, 3); // longer than any handshake message: malformed
      return [
        datagram([{ ...r, fragment: flipLast(r.fragment) }]), // bad tag, the original's record number
        datagram([{ ...r, fragment: r.fragment.subarray(0, 5) }]), // truncated below nonce and tag
        datagram([{ ...r, fragment: r.fragment.subarray(0, r.fragment.length - 3) }]), // tag cut short
        encodeRecord(contentType.applicationData, 1, r.seq, Buffer.from('forged'), wrongKey), // another key
        datagram([{ ...r, epoch: 2 }]), // an epoch that does not exist
        m, // the original: accepted, since none of the above moved the replay window
        m, // replayed
        encodeRecord(contentType.handshake, 0, 1000, badHandshake), // unauthenticated, malformed
        encodeRecord(contentType.alert, 0, 1001, Buffer.from([2, alert.handshakeFailure])), // unauthenticated alert
      ];
    });
    const c = await connect(p.port);
    const before = p.fromServer.length;
    tampering = true;
    assert.equal(await echo(c, 'one'), 'echo:one');
    await new Promise((r) => setTimeout(r, 300));
    tampering = false;
    assert.equal(received, 1, 'only the authentic record reached the application, once');
    const answers = p.fromServer.slice(before).flatMap(parseRecords);
    assert.deepEqual(
      answers.map((r) => [r.type, r.epoch]),
      [[contentType.applicationData, 1]],
      'the one answer, no alert',
    );
    assert.deepEqual(s.size, { handshakes: 0, sessions: 1 });
    assert.equal(c.alert, null);
    assert.equal(await echo(c, 'two'), 'echo:two');
  });

  test('an authentic record delayed within the 64-record window is accepted once; one older than the window is dropped', async () => {
    const received: string[] = [];
    const { port } = await start({ onData: (_c, d) => void received.push(d.toString()) });
    const held: Buffer[] = [];
    let hold = 0;
    const p = await proxy(port, (m) => {
      if (hold > 0 && parseRecords(m)[0]?.type === contentType.applicationData) {
        hold--;
        held.push(m);
        return [];
      }
      return [m];
    });
    const c = await connect(p.port);
    const arrived = async (n: number) => {
      for (let i = 0; i < 200 && received.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, n);
    };
    hold = 2;
    c.send(Buffer.from('far')); // record n, held back
    c.send(Buffer.from('near')); // record n+1, held back
    for (let i = 0; i < 3; i++) c.send(Buffer.from(`x${i}`));
    await arrived(3);
    const [far, near] = held;
    p.send(near);
    await arrived(4);
    assert.equal(received[3], 'near', 'three records late: inside the window');
    p.send(near);
    for (let i = 3; i < 70; i++) c.send(Buffer.from(`x${i}`));
    await arrived(71);
    p.send(far);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(received.length, 71, 'the record 71 behind the newest was dropped, and the repeated one too');
    assert.ok(!received.includes('far'));
    c.send(Buffer.from('still'));
    await arrived(72);
    assert.equal(received.at(-1), 'still', 'the session goes on');
  });

  test('a lost ServerHello flight and a lost Finished flight are sent again when the client repeats its flight', async () => {
    const { port } = await start();
    // A lossy path: the first server datagram with a ServerHello and the first with ChangeCipherSpec are dropped.
    const proxy = await bound();
    stops.push(() => proxy.close());
    let client: { port: number; address: string } | null = null;
    const dropped = { hello: 0, finished: 0 };
    proxy.on('message', (m, from) => {
      if (from.port !== port) {
        client = from;
        return proxy.send(m, port, '127.0.0.1');
      }
      const records = parseRecords(m);
      if (
        records.some(
          (r) => r.type === contentType.handshake && r.epoch === 0 && r.fragment[0] === hsType.serverHello,
        ) &&
        !dropped.hello++
      )
        return;
      if (records.some((r) => r.type === contentType.changeCipherSpec) && !dropped.finished++) return;
      if (client) proxy.send(m, client.port, client.address);
    });
    const c = await connect(proxy.address().port);
    assert.deepEqual(dropped, { hello: 2, finished: 2 }, 'each flight was lost once and sent again');
    assert.equal(await echo(c, 'b'), 'echo:b');
  });

  test('caps: handshakes beyond maxHandshakes are ignored, sessions beyond maxSessions refused; timeouts free them', async () => {
    const { s, port } = await start({
      maxHandshakes: 1,
      maxSessions: 1,
      handshakeTimeoutMs: 60_000,
      idleTimeoutMs: 60_000,
    });
    // A peer that answers the cookie and then goes silent holds the only handshake slot.
    let raw: Socket = await bound();
    stops.push(() => {
      try {
        raw.close();
      } catch {}
    });
    const hello = (cookie: Buffer, seq: number) =>
      encodeRecord(
        contentType.handshake,
        0,
        seq,
        encodeHandshake(
          hsType.clientHello,
          seq,
          encodeClientHello({ random: Buffer.alloc(32, 1), cookie, suites: [0xc0a8], extensions: [] }),
        ),
      );
    const next = () => new Promise<Buffer>((resolve) => raw.once('message', (m) => resolve(m)));
    raw.send(hello(Buffer.alloc(0), 0), port, '127.0.0.1');
    const hvr = parseRecords(await next())[0];
    raw.send(hello(parseHelloVerify(hvr.fragment.subarray(12)), 1), port, '127.0.0.1');
    assert.equal(parseRecords(await next())[0].fragment[0], hsType.serverHello);
    assert.deepEqual(s.size, { handshakes: 1, sessions: 0 });
    await assert.rejects(connect(port, { timeoutMs: 1500 }), /timed out/);
    // The same peer restarting (another random from the same port) replaces its stalled handshake at once.
    const localPort = raw.address().port;
    raw.close();
    const restarted = await connect(port, { localPort });
    assert.deepEqual(s.size, { handshakes: 0, sessions: 1 });
    await restarted.close();
    for (let i = 0; i < 50 && s.size.sessions; i++) await new Promise((r) => setTimeout(r, 20));
    // A stalled handshake times out.
    raw = await bound();
    raw.send(hello(Buffer.alloc(0), 0), port, '127.0.0.1');
    const hvr2 = parseRecords(await next())[0];
    raw.send(hello(parseHelloVerify(hvr2.fragment.subarray(12)), 1), port, '127.0.0.1');
    await next();
    assert.deepEqual(s.size, { handshakes: 1, sessions: 0 });
    s.sweep(Date.now() + 61_000);
    assert.deepEqual(s.size, { handshakes: 0, sessions: 0 }, 'the stalled handshake timed out');
    const first = await connect(port);
    await assert.rejects(connect(port), /DTLS alert 40/, 'maxSessions reached');
    s.sweep(Date.now() + 61_000);
    for (let i = 0; i < 50 && first.alert === null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(first.alert, 0, 'the idle session ended with close_notify');
    assert.equal(await echo(await connect(port), 'c'), 'echo:c');
  });

  // libcoap's CoAP client over its OpenSSL and GnuTLS DTLS backends (two independent DTLS stacks). Its `-k` takes the
  // key as text, so this runs against the bare server with a text PSK (the platform's PSKs are binary: coaps.test.ts
  // drives it with openssl s_client).
  for (const backend of ['openssl', 'gnutls'])
    test(`libcoap coap-client (${backend}) posts CoAP over DTLS and gets the answer`, {
      skip: !installed(`coap-client-${backend}`) && 'libcoap3-bin is not installed',
    }, async () => {
      const { port } = await start({
        onData: (c, d) => {
          const m = parseCoap(d);
          if (!m) return;
          const payload = Buffer.from(`got:${m.payload.toString()}`);
          c.send(encodeCoap({ type: 2, code: 0x45, messageId: m.messageId, token: m.token, options: [], payload }));
        },
      });
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          `coap-client-${backend}`,
          [
            '-m',
            'post',
            '-u',
            'dev&pk',
            '-k',
            PSK.toString(),
            '-e',
            'hello',
            '-B',
            '5',
            `coaps://127.0.0.1:${port}/topic/x`,
          ],
          { timeout: 15_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      assert.equal(out.trim(), 'got:hello');
    });
});
