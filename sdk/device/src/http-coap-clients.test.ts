// The SDK's HTTPS and CoAP clients against the platform's real listeners (7.3.2.2.3/7.3.2.2.5 device SDK for MQTT,
// CoAP and HTTPS; 7.3.2.4.2 and 9.3.2.3 encrypted, integrity-protected channels: TLS, CoAP's AES-GCM mode, and CoAP
// over DTLS 1.2 with the device's PSK).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '@shequ/db';
import { CoapIngest, getDeviceDetail, HttpIngest, iotFixture } from '@shequ/iot';
import { coapDevice, coapsDevice, DtlsAlertError, httpDevice, PlatformError } from './index.ts';
import { selfSigned } from './testing.ts';

for (const engine of testEngines()) {
  describe(`device SDK over HTTPS and CoAP (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let https: HttpIngest;
    let coap: CoapIngest;
    let httpsUrl: string;
    let coapPort: number;
    let coapsPort: number;
    const tls = selfSigned();
    before(async () => {
      f = await iotFixture(engine);
      const o = { database: f.database, crypto: f.crypto, writer: f.iot.writer };
      https = new HttpIngest(o);
      coap = new CoapIngest(o);
      const h = await https.listen({ port: 0, host: '127.0.0.1', tls });
      assert.equal(h.tls, true);
      httpsUrl = `https://127.0.0.1:${h.port}`;
      coapPort = (await coap.listen({ port: 0, host: '127.0.0.1' })).port;
      coapsPort = (await coap.listenDtls({ port: 0, host: '127.0.0.1' })).port;
    });
    after(async () => {
      await https?.close();
      await coap?.close();
      await f?.close();
    });

    test('the HTTPS client signs, gets a token, posts properties and events, and renews a lost token', async () => {
      const [d] = f.devices;
      const dev = httpDevice({ url: httpsUrl, device: d, ca: tls.cert });
      assert.deepEqual(await dev.postProperties({ activePower: 4.25 }), {
        id: '1',
        code: 200,
        message: 'success',
        data: {},
      });
      assert.equal((await dev.postEvent('overload', { activePower: 88 })).code, 200);
      const bad = await dev.postProperties({ activePower: 'lots' });
      assert.equal(bad.code, 460);
      // The platform forgets tokens on restart; the client authenticates again by itself.
      https.ingest.tokens.revoke(dev.token!);
      assert.equal((await dev.postProperties({ relay: 1 })).code, 200);
      const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(detail.properties.activePower.value, 4.25);
      assert.equal(detail.properties.relay.value, 1);
    });

    test('the HTTPS client reports a wrong secret and refuses an untrusted certificate', async () => {
      const [d] = f.devices;
      const wrong = httpDevice({ url: httpsUrl, device: { ...d, deviceSecret: 'nope' }, ca: tls.cert });
      await assert.rejects(
        wrong.postProperties({ activePower: 1 }),
        (e) => e instanceof PlatformError && e.code === 20000,
      );
      const untrusting = httpDevice({ url: httpsUrl, device: d });
      await assert.rejects(untrusting.authenticate(), /self-signed|certificate/);
    });

    test('the CoAP client seals posts; a replayed sequence number and a wrong secret are refused', async () => {
      const [, d] = f.devices;
      const dev = coapDevice({ host: '127.0.0.1', port: coapPort, device: d });
      try {
        assert.equal((await dev.postProperties({ energyTotal: 12.5 })).code, 200);
        assert.equal((await dev.postEvent('overload', { activePower: 77 })).code, 200);
        const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
        const body = JSON.stringify({ id: 'r', params: { activePower: 1 } });
        const used = await dev.postRaw(topic, body);
        assert.equal(used.body.code, 200);
        const replay = await dev.postRaw(topic, body, dev.seq);
        assert.deepEqual([replay.code, replay.body.code], ['4.01', 20005]);
        const plain = await dev.sendUnsealed(`/topic${topic}`, body);
        assert.equal(plain.code, '4.00');
        const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.equal(detail.properties.energyTotal.value, 12.5);
      } finally {
        await dev.close();
      }
      const wrong = coapDevice({ host: '127.0.0.1', port: coapPort, device: { ...d, deviceSecret: 'nope' } });
      try {
        await assert.rejects(wrong.authenticate(), (e) => e instanceof PlatformError && e.code === 20000);
      } finally {
        await wrong.close();
      }
    });

    test('the coaps client (DTLS 1.2 PSK) posts properties and events that are stored; a wrong PSK fails the handshake clearly', async () => {
      const [, d] = f.devices;
      const dev = coapsDevice({ host: '127.0.0.1', port: coapsPort, device: d });
      try {
        assert.deepEqual(await dev.postProperties({ energyTotal: 31.5 }), {
          id: '1',
          code: 200,
          message: 'success',
          data: {},
        });
        assert.ok(dev.connected);
        assert.equal((await dev.postEvent('overload', { activePower: 66 })).code, 200);
        assert.equal((await dev.postProperties({ energyTotal: 'lots' })).code, 460);
        const other = f.devices[0];
        const refused = await dev.postRaw(
          `/sys/${other.productKey}/${other.deviceName}/thing/event/property/post`,
          JSON.stringify({ id: 'x', params: { energyTotal: 1 } }),
        );
        assert.deepEqual([refused.code, refused.body.code], ['4.03', 30001], "another device's topic");
        const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.equal(detail.properties.energyTotal.value, 31.5);
        // The platform ends the session (as after the token lifetime): the next post sets up a new one.
        for (const c of coap.dtls?.server.sessions() ?? []) c.close('test');
        for (let i = 0; i < 50 && dev.connected; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(dev.connected, false);
        assert.equal((await dev.postProperties({ energyTotal: 32 })).code, 200);
        const again = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.equal(again.properties.energyTotal.value, 32);
      } finally {
        await dev.close();
      }
      const wrong = coapsDevice({ host: '127.0.0.1', port: coapsPort, device: { ...d, deviceSecret: 'nope' } });
      try {
        await assert.rejects(
          wrong.postProperties({ energyTotal: 1 }),
          (e) => e instanceof DtlsAlertError && e.alert === 51 && /the PSK is wrong/.test(e.message),
        );
        assert.equal(wrong.connected, false);
      } finally {
        await wrong.close();
      }
    });
  });
}
