import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '@shequ/db';
import { connectAsync } from 'mqtt';
import { deviceCredentials, iotFixture } from '../testing.ts';
import { ConnectLimiter, NegativeCache } from './rate-limit.ts';

test('connect limiter: a burst per address, then the sustained rate; other addresses are not affected', () => {
  const l = new ConnectLimiter({ burst: 2, perSecond: 1 }, { burst: 100, perSecond: 100 });
  assert.deepEqual([l.allow('a', 0), l.allow('a', 0), l.allow('a', 0)], [true, true, false]);
  assert.ok(l.allow('b', 0));
  assert.ok(l.allow('a', 1000), 'one token back after a second');
  const g = new ConnectLimiter({ burst: 10, perSecond: 10 }, { burst: 1, perSecond: 0 });
  assert.deepEqual([g.allow('a', 0), g.allow('b', 0)], [true, false], 'the global bucket caps everyone');
});

test('negative cache entries expire and the cache stays bounded', () => {
  const c = new NegativeCache(1000, 2);
  c.add('x', 0);
  assert.ok(c.has('x', 500));
  assert.ok(!c.has('x', 1500));
  c.add('a', 0);
  c.add('b', 0);
  c.add('c', 0);
  assert.ok(!c.has('a', 1) && c.has('c', 1));
});

const code = (p: Promise<{ endAsync(): Promise<void> }>) =>
  p.then(
    async (c) => {
      await c.endAsync();
      return 0;
    },
    (e: { code?: number }) => e.code,
  );

for (const engine of testEngines()) {
  describe(`gateway limits: clock skew and connect storms (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine, {
        gateway: { maxTimestampSkewMs: 60_000, connectLimit: { burst: 4, perSecond: 0.01 } },
      });
    });
    after(async () => {
      await f?.close();
    });

    test('a signed timestamp far from the clock is refused when skew checking is on; a storm gets CONNACK 3', async () => {
      const [d] = f.devices;
      const url = `mqtt://127.0.0.1:${f.port}`;
      const opts = { protocolVersion: 4 as const, reconnectPeriod: 0 };
      assert.equal(
        await code(connectAsync(url, { ...opts, ...deviceCredentials(d, { timestamp: String(Date.now()) }) })),
        0,
      );
      const stale = deviceCredentials(d, { timestamp: String(Date.now() - 3_600_000) });
      assert.equal(await code(connectAsync(url, { ...opts, ...stale })), 4);
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await code(connectAsync(url, { ...opts, ...deviceCredentials(d) })));
      assert.deepEqual(results, [0, 0, 3, 3], 'the burst of 4 is spent; the rest are told the server is unavailable');
    });
  });
}
