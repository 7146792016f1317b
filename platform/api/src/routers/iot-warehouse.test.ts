// The IoT warehouse procedures: who reads what (government roles the statistics only, vital signs the community's
// staff only) and zod-checked input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('IoT warehouse API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const get = async (who: string, path: string, input: unknown) => {
    const res = await client.send(who, path, input, 'query');
    const body = res.json();
    return { data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-warehouse-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property', 'gov');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('staff read records and vital signs; government reads statistics only; residents nothing', async () => {
    const c = { community: 'demo' };
    for (const who of ['operator', 'property']) {
      const s = await get(who, 'iot.warehouse.parcels.stats', c);
      assert.deepEqual([s.data.waiting, s.data.deposits, s.data.days], [0, 0, []], who);
      assert.deepEqual((await get(who, 'iot.warehouse.parcels.list', c)).data, { items: [], nextCursor: null });
      assert.equal((await get(who, 'iot.warehouse.garbage.stats', c)).data.drops, 0);
      assert.deepEqual((await get(who, 'iot.warehouse.vitals.list', c)).data, []);
    }
    assert.equal((await get('gov', 'iot.warehouse.parcels.stats', c)).data.overdue, 0);
    assert.equal((await get('gov', 'iot.warehouse.garbage.stats', c)).data.collectedKg, 0);
    for (const path of ['iot.warehouse.parcels.list', 'iot.warehouse.garbage.list', 'iot.warehouse.vitals.list']) {
      assert.equal((await get('gov', path, c)).error?.appCode, 'FORBIDDEN', `gov ${path}`);
    }
    for (const path of ['iot.warehouse.parcels.stats', 'iot.warehouse.garbage.stats', 'iot.warehouse.vitals.events']) {
      assert.equal((await get('resident', path, c)).error?.appCode, 'FORBIDDEN', `resident ${path}`);
    }
  });

  test('input is checked: ranges, ids, cursors and statuses', async () => {
    const bad = async (path: string, input: unknown) => {
      const r = await get('operator', path, input);
      assert.ok(r.error, `${path} ${JSON.stringify(input)} is refused`);
      assert.notEqual(r.error.appCode, 'INTERNAL', JSON.stringify(r.error));
    };
    await bad('iot.warehouse.parcels.stats', {
      community: 'demo',
      from: '2026-01-01T00:00:00+08:00',
      to: '2026-06-01T00:00:00+08:00',
    });
    await bad('iot.warehouse.parcels.stats', {
      community: 'demo',
      from: '2026-02-01T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
    });
    await bad('iot.warehouse.parcels.list', { community: 'demo', status: 'lost' });
    await bad('iot.warehouse.parcels.list', { community: 'demo', cursor: 'not-a-cursor' });
    await bad('iot.warehouse.garbage.list', { community: 'demo', category: 'kitchen' });
    await bad('iot.warehouse.vitals.get', { community: 'demo', deviceId: 'monitor-1' });
    const none = await get('operator', 'iot.warehouse.vitals.get', {
      community: 'demo',
      deviceId: '00000000-0000-4000-8000-000000000001',
    });
    assert.equal(none.error?.appCode, 'NOT_FOUND');
  });
});
