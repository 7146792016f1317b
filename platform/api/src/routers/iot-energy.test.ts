// 低碳能耗库 through the API (DB33 7.2.2.5.1, 6.2.4.1): a real lighting meter connects over MQTT with the device SDK,
// posts its counter readings; once rolled up they are the month's public-facility consumption the operator reads.
// Who may read what: operators and property staff everything; street officials the community comparison only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { queryRows } from '@shequ/db';
import { connectDevice } from '@shequ/device-sdk';
import { IotEngine, rollUpTelemetry } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('tRPC iot.energy: a metered device through MQTT into the energy summary; permissions', () => {
  let dir: string;
  let platform: Platform;
  let iot: IotEngine;
  let port: number;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = client.send;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-energy-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    iot = new IotEngine({
      database: platform.database,
      crypto: platform.crypto,
      onCommit: () => platform.relay.kick(),
    });
    ({ port } = await iot.start({ port: 0, host: '127.0.0.1' }));
    app = await buildServer(platform, { iot });
    await client.login('operator', 'property', 'gov', 'resident');
  });
  after(async () => {
    await app.close();
    await iot.stop();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('meter readings posted over MQTT end in the month summary and the daily figures after roll-up', async () => {
    const made = await call('operator', 'iot.products.create', {
      community: 'demo',
      name: '公共照明电表',
      thingModel: standardThingModels()['energy-meter-lighting'],
    });
    assert.equal(made.statusCode, 200, made.body);
    const { productKey } = made.json().result.data;
    const dev = await call('operator', 'iot.devices.create', { productKey, deviceName: 'light-01' });
    const { deviceSecret } = dev.json().result.data;
    const device = await connectDevice({
      url: `mqtt://127.0.0.1:${port}`,
      device: { productKey, deviceName: 'light-01', deviceSecret },
      timestamp: true,
    });
    try {
      // 30 Oct 10:00, 31 Oct 10:00 and 1 Nov 00:30 in Hangzhou (the last is still 31 October in UTC).
      for (const [iso, value] of [
        ['2026-10-30T02:00:00Z', 100],
        ['2026-10-31T02:00:00Z', 112.5],
        ['2026-10-31T16:30:00Z', 115],
      ] as const) {
        const r = await device.postProperties({ energyTotal: { value, time: Date.parse(iso) }, activePower: 1.2 });
        assert.equal(r.code, 200);
      }
    } finally {
      await device.close();
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [{ n }] = await queryRows<{ n: number }>(
        platform.database.db,
        sql`select count(*)::int as n from iot.telemetry where identifier = 'energyTotal'`,
      );
      if (n === 3) break;
      assert.ok(Date.now() < deadline, `telemetry written (${n} of 3)`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await rollUpTelemetry(platform.database.db, new Date('2026-10-29T00:00:00Z'), new Date('2026-11-02T00:00:00Z'));

    const oct = await call('operator', 'iot.energy.summary', { community: 'demo', month: '2026-10' }, 'query');
    assert.equal(oct.statusCode, 200, oct.body);
    assert.deepEqual([oct.json().result.data.current.lighting, oct.json().result.data.current.public], [12.5, 12.5]);
    const nov = (await call('property', 'iot.energy.summary', { community: 'demo', month: '2026-11' }, 'query')).json()
      .result.data;
    assert.deepEqual([nov.current.lighting, nov.previous.lighting], [2.5, 12.5]);
    const daily = await call(
      'operator',
      'iot.energy.daily',
      { community: 'demo', from: '2026-10-30', to: '2026-11-01' },
      'query',
    );
    assert.deepEqual(
      daily.json().result.data.days.map((d: { day: string; lighting: number }) => [d.day, d.lighting]),
      [
        ['2026-10-30', 0],
        ['2026-10-31', 12.5],
        ['2026-11-01', 2.5],
      ],
    );
  });

  test('permissions: government reads the comparison, not per-meter household figures; residents nothing', async () => {
    const cmp = await call('gov', 'iot.energy.compare', { month: '2026-11' }, 'query');
    assert.equal(cmp.statusCode, 200, cmp.body);
    const demo = cmp.json().result.data.communities.find((c: { name: string }) => c.name === '示范社区');
    assert.equal(demo.current.lighting, 2.5);
    assert.equal(
      (await call('gov', 'iot.energy.households', { community: 'demo', month: '2026-11' }, 'query')).statusCode,
      403,
    );
    assert.equal(
      (await call('property', 'iot.energy.households', { community: 'demo', month: '2026-11' }, 'query')).statusCode,
      200,
    );
    assert.equal(
      (await call('resident', 'iot.energy.summary', { community: 'demo', month: '2026-11' }, 'query')).statusCode,
      403,
    );
    assert.equal(
      (await call('operator', 'iot.energy.summary', { community: 'demo', month: '2026-13' }, 'query')).statusCode,
      400,
    );
  });
});
