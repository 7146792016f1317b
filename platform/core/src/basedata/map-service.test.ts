import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testEngines } from '@shequ/db';
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

for (const engine of testEngines())
  test(`map features are stored per community and read back as a FeatureCollection [${engine}]`, async () => {
    const { database, demo, scope, d } = await demoFixture(engine);
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
      // 7.2.3.7.1: public spaces and facilities as well as houses and roads.
      await createMapFeature(
        d,
        scope,
        demo,
        {
          kind: 'space',
          name: '中心广场',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [120.102, 30.2],
                [120.103, 30.2],
                [120.103, 30.201],
                [120.102, 30.2],
              ],
            ],
          },
        },
        actor,
      );
      await createMapFeature(
        d,
        scope,
        demo,
        { kind: 'facility', name: '7幢配电房', geometry: { type: 'Point', coordinates: [120.1005, 30.2005] } },
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
      assert.deepEqual(all.features.map((f) => [f.properties.kind, f.properties.name, f.geometry.type]).sort(), [
        ['building', '3幢', 'Polygon'],
        ['facility', '7幢配电房', 'Point'],
        ['road', '北山路', 'LineString'],
        ['space', '中心广场', 'Polygon'],
      ]);
      const building = all.features.find((f) => f.properties.name === '3幢');
      assert.equal((building?.properties as unknown as { floors?: number } | undefined)?.floors, 18);
      assert.equal((await mapOf(d, scope, demo, 'road')).features.length, 1);
      assert.deepEqual(
        (await mapOf(d, scope, demo, 'facility')).features.map((f) => f.properties.name),
        ['7幢配电房'],
      );
      assert.equal(
        (await mapOf(d, { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] }, demo)).features.length,
        0,
      );
    } finally {
      await database.close();
    }
  });
