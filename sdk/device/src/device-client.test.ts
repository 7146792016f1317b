import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '@shequ/db';
import { getDeviceDetail, iotFixture } from '@shequ/iot';
import { connectDevice } from './index.ts';
import { selfSigned } from './testing.ts';

for (const engine of testEngines()) {
  describe(`device SDK against the gateway, plain and TLS (${engine})`, () => {
    const tls = selfSigned();
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine, {}, { tls: { port: 0, options: { cert: tls.cert, key: tls.key } } });
    });
    after(async () => {
      await f?.close();
    });

    test('posts properties and events, and answers property sets and service calls', async () => {
      const [d] = f.devices;
      const dev = await connectDevice({
        url: `mqtt://127.0.0.1:${f.port}`,
        device: d,
        signMethod: 'hmacmd5',
        timestamp: true,
      });
      try {
        assert.equal((await dev.postProperties({ activePower: 2.5 })).code, 200);
        assert.equal((await dev.postProperties({ activePower: -1 })).code, 460);
        assert.equal((await dev.postEvent('overload', { activePower: 99 })).code, 200);
        const sets: unknown[] = [];
        await dev.onPropertySet((p) => {
          sets.push(p);
          return {};
        });
        await dev.onService('setRelay', (p) => ({ result: p.closed === 1 ? 1 : 0 }));
        const set = await f.iot.command(
          f.scope,
          d.productKey,
          d.deviceName,
          { kind: 'set', params: { relay: 1 }, waitMs: 3000 },
          {
            subject: 'test',
          },
        );
        assert.equal(set.reply?.code, 200);
        assert.deepEqual(sets, [{ relay: 1 }]);
        const call = await f.iot.command(
          f.scope,
          d.productKey,
          d.deviceName,
          { kind: 'service', service: 'setRelay', params: { closed: 1 } },
          { subject: 'test' },
        );
        assert.deepEqual(call.reply?.data, { result: 1 });
        const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.equal(detail.properties.activePower.value, 2.5);
      } finally {
        await dev.close();
      }
    });

    test('connects over TLS (mqtts) with the platform certificate', async () => {
      const [, d2] = f.devices;
      assert.ok(f.tlsPort);
      const dev = await connectDevice({ url: `mqtts://127.0.0.1:${f.tlsPort}`, device: d2, ca: tls.cert });
      try {
        assert.equal((await dev.postProperties({ energyTotal: 10 })).code, 200);
      } finally {
        await dev.close();
      }
      await assert.rejects(
        connectDevice({ url: `mqtts://127.0.0.1:${f.tlsPort}`, device: d2 }),
        /self.signed|certificate/i,
        'an untrusted certificate is refused by the client',
      );
    });
  });
}
