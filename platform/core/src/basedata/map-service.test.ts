import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { createMapFeature, geometryProblem, mapOf } from './map-service.ts';
import { demoFixture } from './testing.ts';

test('GeoJSON geometry is checked: closed rings, lon/lat ranges, known types', () => {
  assert.equal(geometryProblem({ type: 'Point', coordinates: [120.12, 30.25] }), null);
  assert.match(geometryProblem({ type: 'Point', coordinates: [220, 30] }) ?? '', /Point/);
  const ring = [
    [120.1, 30.2],
    [120.2, 30.2],
    [120.2, 30.3],
    [120.1, 30.2],
  ];
  assert.equal(geometryProblem({ type: 'Polygon', coordinates: [ring] }), null);
  assert.match(geometryProblem({ type: 'Polygon', coordinates: [ring.slice(0, 3)] }) ?? '', /closed/);
  assert.match(geometryProblem({ type: 'Circle', coordinates: [] }) ?? '', /unsupported/);
});

test('map features are stored per community and read back as a FeatureCollection', async () => {
  const { database, demo, scope, d } = await demoFixture('pglite');
  try {
    const actor = { subject: 'system:test' };
    const ring: [number, number][] = [
      [120.1, 30.2],
      [120.101, 30.2],
      [120.101, 30.201],
      [120.1, 30.2],
    ];
    await createMapFeature(
      d,
      scope,
      demo,
      {
        kind: 'building',
        name: '3幢',
        geometry: { type: 'Polygon', coordinates: [ring] },
        properties: { floors: 18, height: 54 },
      },
      actor,
    );
    await createMapFeature(
      d,
      scope,
      demo,
      {
        kind: 'road',
        name: '北山路',
        geometry: {
          type: 'LineString',
          coordinates: [
            [120.09, 30.2],
            [120.11, 30.21],
          ],
        },
      },
      actor,
    );
    await assert.rejects(
      createMapFeature(
        d,
        scope,
        demo,
        { kind: 'road', name: '坏路', geometry: { type: 'LineString', coordinates: [[120.09, 30.2]] } },
        actor,
      ),
      (e) => e instanceof AppError && !!e.fieldErrors?.geometry,
    );
    const all = await mapOf(d, scope, demo);
    assert.equal(all.type, 'FeatureCollection');
    assert.deepEqual(
      all.features.map((f) => f.properties.name),
      ['3幢', '北山路'],
    );
    assert.equal((all.features[0].properties as unknown as { floors: number }).floors, 18);
    assert.equal((await mapOf(d, scope, demo, 'road')).features.length, 1);
    assert.equal(
      (await mapOf(d, { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] }, demo)).features.length,
      0,
    );
  } finally {
    await database.close();
  }
});
