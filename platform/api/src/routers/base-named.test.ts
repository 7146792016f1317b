// The base.spaces and base.facilities procedures: who may read and write, the data-entry undertaking first, field
// errors from the exchange schema, and an edit with its version, over HTTP as the console calls them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('public spaces and facilities API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const body = (await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation')).json();
    return { data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-named-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('property staff keep facilities but not spaces; residents neither; entry needs the undertaking', async () => {
    const lamp = {
      community: 'demo',
      record: { name: '中心广场路灯', type: 'lighting_environment', status: 'normal' },
    };
    assert.equal((await call('resident', 'base.facilities.create', lamp)).error.appCode, 'FORBIDDEN');
    assert.equal(
      (await call('resident', 'base.facilities.list', { community: 'demo' }, 'GET')).error.appCode,
      'FORBIDDEN',
    );
    const first = await call('property', 'base.facilities.create', lamp);
    assert.equal(first.error.appCode, 'FORBIDDEN', 'no entry before the confidentiality undertaking');
    assert.match(first.error.messageZh, /保密/);
    assert.equal((await call('property', 'base.entry.acknowledge', {})).data?.ok, true);
    const made = await call('property', 'base.facilities.create', lamp);
    assert.equal(made.error, undefined, JSON.stringify(made.error));
    assert.equal(made.data.version, 1);
    const hall = { community: 'demo', record: { name: '邻里中心', useType: 'neighbourhood_center' } };
    assert.equal((await call('property', 'base.spaces.create', hall)).error.appCode, 'FORBIDDEN');
    const list = await call('property', 'base.spaces.list', { community: 'demo' }, 'GET');
    assert.ok(Array.isArray(list.data.items), 'property staff read spaces');
  });

  test('bad input is named field by field; an edit needs the version it saw', async () => {
    assert.equal((await call('operator', 'base.entry.acknowledge', {})).data?.ok, true);
    const bad = await call('operator', 'base.spaces.create', {
      community: 'demo',
      record: { name: '共享活动室', useType: 'ballroom', area: 0 },
    });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.deepEqual(Object.keys(bad.error.fieldErrors).sort(), ['area', 'useType']);
    const notObject = await call('operator', 'base.spaces.create', { community: 'demo', record: 'x' });
    assert.equal(notObject.error.appCode, 'INVALID_INPUT');
    const made = await call('operator', 'base.spaces.create', {
      community: 'demo',
      record: { name: '共享活动室', useType: 'shared_activity_room', area: 60 },
    });
    const edit = { community: 'demo', id: made.data.id, version: 1, patch: { area: 75 } };
    assert.equal((await call('operator', 'base.spaces.update', edit)).data.version, 2);
    assert.equal((await call('operator', 'base.spaces.update', edit)).error.appCode, 'CONFLICT');
    const got = await call('operator', 'base.spaces.get', { community: 'demo', id: made.data.id }, 'GET');
    assert.equal(got.data.fields.area, 75);
    assert.deepEqual(
      got.data.history.map((h: { action: string }) => h.action),
      ['create', 'update'],
    );
  });
});
