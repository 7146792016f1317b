// The base.map procedures of the CIM maintenance component (6.3.6.1, 6.3.6.2): who may write, the data-entry
// undertaking first, field errors, an edit and a delete with the version read, and a GeoJSON import, over HTTP as the
// console 社区地图 calls them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('community map API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const body = (await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation')).json();
    return { data: body.result?.data, error: body.error?.data };
  };
  const square = {
    type: 'Polygon',
    coordinates: [
      [
        [120.1, 30.2],
        [120.101, 30.2],
        [120.101, 30.201],
        [120.1, 30.2],
      ],
    ],
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-map-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('residents may not write the map; the operator draws, edits with the version, deletes', async () => {
    const space = { community: 'demo', kind: 'space', name: '中心广场', geometry: square };
    assert.equal((await call('resident', 'base.map.create', space)).error.appCode, 'FORBIDDEN');
    const first = await call('operator', 'base.map.create', space);
    assert.equal(first.error.appCode, 'FORBIDDEN', 'no entry before the confidentiality undertaking');
    assert.equal((await call('operator', 'base.entry.acknowledge', {})).data?.ok, true);
    const made = await call('operator', 'base.map.create', space);
    assert.equal(made.error, undefined, JSON.stringify(made.error));
    const id = made.data.id as string;
    const open = { community: 'demo', type: 'FeatureCollection', features: [] };
    assert.equal(
      (await call('resident', 'base.map.update', { community: 'demo', id, version: 1, name: 'x' })).error.appCode,
      'FORBIDDEN',
    );
    assert.equal(
      (await call('resident', 'base.map.delete', { community: 'demo', id, version: 1 })).error.appCode,
      'FORBIDDEN',
    );
    assert.equal(
      (await call('resident', 'base.map.import', { community: 'demo', collection: open, dryRun: true })).error.appCode,
      'FORBIDDEN',
    );
    const bad = await call('operator', 'base.map.update', {
      community: 'demo',
      id,
      version: 1,
      geometry: { type: 'Polygon', coordinates: [[[120.1, 30.2]]] },
    });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.deepEqual(Object.keys(bad.error.fieldErrors), ['geometry']);
    const renamed = await call('operator', 'base.map.update', { community: 'demo', id, version: 1, name: '文化广场' });
    assert.equal(renamed.data.version, 2);
    const stale = await call('operator', 'base.map.update', { community: 'demo', id, version: 1, name: '旧' });
    assert.equal(stale.error.appCode, 'CONFLICT');
    const features = await call('operator', 'base.map.features', { community: 'demo' }, 'GET');
    assert.deepEqual(
      features.data.features.map((f: { properties: { name: string; version: number } }) => [
        f.properties.name,
        f.properties.version,
      ]),
      [['文化广场', 2]],
    );
    assert.equal(
      (await call('operator', 'base.map.delete', { community: 'demo', id, version: 1 })).error.appCode,
      'CONFLICT',
    );
    assert.deepEqual((await call('operator', 'base.map.delete', { community: 'demo', id, version: 2 })).data, { id });
  });

  test('a GeoJSON file is checked by feature, then imported whole, and only once', async () => {
    const collection = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'A1', geometry: square, properties: { kind: 'space', name: '健身角' } },
        {
          type: 'Feature',
          id: 'A2',
          geometry: { type: 'Point', coordinates: [120.1, 30.2] },
          properties: { kind: 'well' },
        },
      ],
    };
    const dry = await call('operator', 'base.map.import', { community: 'demo', collection, dryRun: false });
    assert.equal(dry.data.committed, false);
    assert.deepEqual(Object.keys(dry.data.items[1].errors).sort(), ['kind', 'name']);
    collection.features[1].properties = { kind: 'facility', name: '井盖' };
    const done = await call('operator', 'base.map.import', { community: 'demo', collection, dryRun: false });
    assert.deepEqual([done.data.created, done.data.committed], [2, true]);
    const again = await call('operator', 'base.map.import', { community: 'demo', collection, dryRun: false });
    assert.deepEqual([again.data.created, again.data.unchanged], [0, 2]);
    const notGeoJson = await call('operator', 'base.map.import', { community: 'demo', collection: [1], dryRun: true });
    assert.equal(notGeoJson.error.appCode, 'INVALID_INPUT');
  });
});
