import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditLog, testEngines } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import {
  createMapFeature,
  deleteMapFeature,
  geometryProblem,
  importMapFeatures,
  mapOf,
  updateMapFeature,
} from './map-service.ts';
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

const square = (x: number, y: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + 0.001, y],
      [x + 0.001, y + 0.001],
      [x, y],
    ],
  ],
});

for (const engine of testEngines())
  test(`map features are edited with a version check and deleted, each audited (6.3.6.2) [${engine}]`, async () => {
    const { database, demo, scope, d } = await demoFixture(engine);
    try {
      const actor = { subject: 'system:test' };
      const { id } = await createMapFeature(
        d,
        scope,
        demo,
        { kind: 'space', name: '小广场', geometry: square(120.1, 30.2) as never },
        actor,
      );
      const moved = await updateMapFeature(
        d,
        scope,
        demo,
        id,
        1,
        { name: '中心广场', geometry: square(120.2, 30.3) as never },
        actor,
      );
      assert.equal(moved.version, 2);
      const [f] = (await mapOf(d, scope, demo)).features;
      assert.equal(f.properties.name, '中心广场');
      assert.equal(f.properties.version, 2);
      assert.deepEqual((f.geometry.coordinates as number[][][])[0][0], [120.2, 30.3]);
      // Someone else's edit came first: the stale version is refused.
      await assert.rejects(
        updateMapFeature(d, scope, demo, id, 1, { name: '旧名' }, actor),
        (e) => e instanceof AppError && e.code === 'CONFLICT',
      );
      await assert.rejects(
        updateMapFeature(d, scope, demo, id, 2, { geometry: { type: 'Point', coordinates: [200, 0] } as never }, actor),
        (e) => e instanceof AppError && !!e.fieldErrors?.geometry,
      );
      await assert.rejects(
        updateMapFeature(
          d,
          scope,
          demo,
          id,
          2,
          { kind: 'building', refId: '00000000-0000-4000-8000-000000000000' },
          actor,
        ),
        (e) => e instanceof AppError && !!e.fieldErrors?.refId,
      );
      // Another community's scope does not see it.
      await assert.rejects(
        deleteMapFeature(d, { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] }, demo, id, 2, actor),
        (e) => e instanceof AppError && e.code === 'NOT_FOUND',
      );
      await assert.rejects(
        deleteMapFeature(d, scope, demo, id, 1, actor),
        (e) => e instanceof AppError && e.code === 'CONFLICT',
      );
      await deleteMapFeature(d, scope, demo, id, 2, actor);
      assert.equal((await mapOf(d, scope, demo)).features.length, 0);
      const actions = (await database.db.select().from(auditLog).where(eq(auditLog.objectId, id))).map((r) => r.action);
      assert.deepEqual(actions.sort(), ['base.map.create', 'base.map.delete', 'base.map.update']);
    } finally {
      await database.close();
    }
  });

for (const engine of testEngines())
  test(`GeoJSON import: dry-run report by feature index, all-or-nothing, re-import creates nothing (6.3.6.1) [${engine}]`, async () => {
    const { database, demo, scope, d } = await demoFixture(engine);
    try {
      const actor = { subject: 'system:test' };
      const good = [
        {
          type: 'Feature',
          id: 'ZJ-001',
          geometry: square(120.1, 30.2),
          properties: { kind: 'space', name: '文化广场', area: 900 },
        },
        {
          type: 'Feature',
          id: 'ZJ-002',
          geometry: { type: 'Point', coordinates: [120.1, 30.2] },
          properties: { kind: 'facility', name: '消防栓' },
        },
        {
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [120.1, 30.2],
              [120.11, 30.21],
            ],
          },
          properties: { kind: 'road', name: '文三路' },
        },
      ];
      const bad = {
        type: 'Feature',
        id: 'ZJ-004',
        geometry: { type: 'Point', coordinates: [999, 30] },
        properties: { kind: 'tree', name: '' },
      };
      const withBad = { type: 'FeatureCollection', features: [...good, bad] };
      const dry = await importMapFeatures(d, scope, demo, { collection: withBad, dryRun: true }, actor);
      assert.deepEqual([dry.total, dry.created, dry.invalid, dry.committed], [4, 3, 1, false]);
      assert.equal(dry.items[3].status, 'invalid');
      assert.deepEqual(Object.keys(dry.items[3].errors ?? {}).sort(), ['geometry', 'kind', 'name']);
      // Not a dry run, but one feature is invalid: nothing is written.
      const refused = await importMapFeatures(d, scope, demo, { collection: withBad, dryRun: false }, actor);
      assert.equal(refused.committed, false);
      assert.equal((await mapOf(d, scope, demo)).features.length, 0);
      // Fixed, it imports.
      const fixed = { type: 'FeatureCollection', features: good };
      const done = await importMapFeatures(d, scope, demo, { collection: fixed, dryRun: false }, actor);
      assert.deepEqual([done.created, done.unchanged, done.committed], [3, 0, true]);
      const map = await mapOf(d, scope, demo);
      assert.equal(map.features.length, 3);
      const square1 = map.features.find((f) => f.properties.name === '文化广场');
      const p1 = (square1?.properties ?? {}) as Record<string, unknown>;
      assert.deepEqual([p1.sourceId, p1.area], ['ZJ-001', 900]);
      // Re-importing the same file creates nothing; a renamed feature with the same id is still the same feature.
      const again = await importMapFeatures(d, scope, demo, { collection: fixed, dryRun: false }, actor);
      assert.deepEqual([again.created, again.unchanged, again.committed], [0, 3, true]);
      const renamed = structuredClone(good);
      (renamed[1].properties as { name: string }).name = '消防栓 1';
      const third = await importMapFeatures(
        d,
        scope,
        demo,
        { collection: { type: 'FeatureCollection', features: renamed }, dryRun: true },
        actor,
      );
      assert.equal(third.created, 0);
      assert.equal((await mapOf(d, scope, demo)).features.length, 3);
      // Duplicates inside one file, and a file that is not a FeatureCollection.
      const dup = await importMapFeatures(
        d,
        scope,
        demo,
        { collection: { type: 'FeatureCollection', features: [bad, good[0], good[0]] }, dryRun: true },
        actor,
      );
      assert.ok(dup.items[2].errors?.id);
      await assert.rejects(
        importMapFeatures(d, scope, demo, { collection: { type: 'Feature' }, dryRun: true }, actor),
        (e) => e instanceof AppError && !!e.fieldErrors?.file,
      );
    } finally {
      await database.close();
    }
  });
