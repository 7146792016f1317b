// Houses take the Beidou grid location code of their building's outline on the map: when the building is drawn, when
// a house is created in a building already drawn, and when houses are imported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compounds, type Database, type DataScope, houses, testEngines } from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { beidouGridCell, beidouGridCode } from './beidou-grid.ts';
import { createHouse } from './houses-service.ts';
import { importBatch } from './import/import-service.ts';
import { createMapFeature } from './map-service.ts';
import { demoFixture } from './testing.ts';

const actor = { subject: 'tester', role: 'community_admin' };
// 3幢 of 示范小区: a 40 m × 20 m block by the West Lake.
const outline = (x: number, y: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, y],
      [x + 0.0004, y],
      [x + 0.0004, y + 0.0002],
      [x, y + 0.0002],
      [x, y],
    ] as [number, number][],
  ],
});

for (const engine of testEngines()) {
  describe(`Beidou grid codes of houses [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let scope: DataScope;
    let d: Parameters<typeof createHouse>[0];
    let compound: string;
    const codeOf = async (building: string) =>
      (
        await database.db
          .select({ room: houses.room, grid: houses.gridCode })
          .from(houses)
          .where(and(eq(houses.compoundId, compound), eq(houses.building, building)))
      ).map((r) => r.grid);

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      [{ id: compound }] = await database.db.select().from(compounds).where(eq(compounds.name, '示范小区'));
    });
    after(() => database.close());

    test('drawing a building codes the houses already in it, and a house added later is coded at creation', async () => {
      await createHouse(
        d,
        scope,
        demo,
        { compound: '示范小区', building: '3', unit: '1', floor: '5', room: '501' },
        actor,
      );
      await createHouse(
        d,
        scope,
        demo,
        { compound: '示范小区', building: '4', unit: '1', floor: '2', room: '201' },
        actor,
      );
      assert.deepEqual(await codeOf('3'), [null]);

      await createMapFeature(
        d,
        scope,
        demo,
        { kind: 'building', name: '3', refId: compound, geometry: outline(120.1502, 30.2601) },
        actor,
      );
      const expected = beidouGridCode(120.1504, 30.2602);
      assert.equal(expected.length, 20);
      assert.deepEqual(await codeOf('3'), [expected]);
      assert.deepEqual(await codeOf('4'), [null], 'a building not on the map keeps no code');
      const cell = beidouGridCell(expected);
      assert.ok(cell.west <= 120.1504 && 120.1504 < cell.west + cell.width);

      await createHouse(
        d,
        scope,
        demo,
        { compound: '示范小区', building: '3', unit: '2', floor: '7', room: '702' },
        actor,
      );
      assert.deepEqual(await codeOf('3'), [expected, expected]);
    });

    test('imported houses of a drawn building are coded in the import transaction', async () => {
      await createMapFeature(
        d,
        scope,
        demo,
        { kind: 'building', name: '9', refId: compound, geometry: outline(120.152, 30.262) },
        actor,
      );
      const csv = '小区,楼栋,单元,楼层,房号\n示范小区,9,1,1,101\n示范小区,9,1,2,201\n示范小区,10,1,1,101\n';
      const r = await importBatch(d, scope, {
        kind: 'houses',
        communityId: demo,
        fileName: 'houses.csv',
        data: Buffer.from(csv),
        dryRun: false,
        actor,
      });
      assert.equal(r.committed, true);
      const code9 = beidouGridCode(120.1522, 30.2621);
      assert.deepEqual(await codeOf('9'), [code9, code9]);
      assert.deepEqual(await codeOf('10'), [null]);
    });

    test('a building feature must name a compound of this community; nothing is written when it does not', async () => {
      await assert.rejects(
        createMapFeature(
          d,
          scope,
          demo,
          {
            kind: 'building',
            name: '4',
            refId: '00000000-0000-4000-8000-000000000000',
            geometry: outline(120.16, 30.27),
          },
          actor,
        ),
        (e) => e instanceof AppError && !!e.fieldErrors?.refId,
      );
      assert.deepEqual(await codeOf('4'), [null]);
    });
  });
}
