import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestDatabase, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { sampleCommunityCode, sampleFiles, sampleSizes, seedSample } from './sample-data.ts';
import { seedDemo } from './seed.ts';

test('the small sample imports through the validating import path and re-seeding changes nothing', async () => {
  const database = await createTestDatabase('pglite');
  try {
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    const size = sampleSizes.small;
    const r = await seedSample(database.db, crypto, size);
    assert.deepEqual(
      [r.houses.created, r.people.created, r.vehicles.created, r.spaces.created, r.facilities.created],
      [size.households, size.people, size.vehicles, 12, 12],
    );
    const again = await seedSample(database.db, crypto, size);
    assert.deepEqual(
      [
        again.houses.created,
        again.people.created,
        again.vehicles.created,
        again.spaces.created,
        again.facilities.created,
      ],
      [0, 0, 0, 0, 0],
    );
    // Public spaces and facilities cover the standard's types, with a facility out of order among them.
    const kinds = await queryRows<{ uses: unknown; types: unknown; faulty: unknown }>(
      database.db,
      sql`select (select count(distinct use_type) from base.spaces) as uses,
                 (select count(distinct type) from base.facilities) as types,
                 (select count(*) from base.facilities where status <> 'normal') as faulty`,
    );
    assert.deepEqual([Number(kinds[0].uses), Number(kinds[0].types), Number(kinds[0].faulty)], [12, 8, 2]);
    const [{ n }] = await queryRows<{ n: unknown }>(database.db, sql`select count(*) as n from base.occupancies`);
    assert.equal(Number(n), size.people);
    // Every sample house stands in a building on the demo map, so each has a level-10 Beidou grid code in sheet H51.
    const grid = await queryRows<{ buildings: unknown; coded: unknown; codes: unknown }>(
      database.db,
      sql`select (select count(*) from base.map_features where kind = 'building') as buildings,
                 count(*) filter (where grid_code ~ '^N51H[0-9A-F]{16}$') as coded,
                 count(distinct grid_code) as codes
            from base.houses`,
    );
    assert.deepEqual(
      [Number(grid[0].buildings), Number(grid[0].coded), Number(grid[0].codes)],
      [20, size.households, 20],
    );
    // The rest of the demo map (社区地图): boundary, roads, a green and a substation beside the buildings.
    const kinds2 = await queryRows<{ kind: string; n: unknown }>(
      database.db,
      sql`select kind, count(*) as n from base.map_features group by kind order by kind`,
    );
    assert.deepEqual(
      kinds2.map((k) => [k.kind, Number(k.n)]),
      [
        ['boundary', 1],
        ['building', 20],
        ['facility', 1],
        ['road', 2],
        ['space', 1],
      ],
    );
  } finally {
    await database.close();
  }
});

test('the large set: every one of its 200 communities gets its own ID numbers, none repeated within one', () => {
  const { large } = sampleSizes;
  assert.equal(large.people * large.communities, 1_000_000);
  for (let n = 0; n < large.communities; n++) {
    const files = sampleFiles(large, n === 0 ? 20261128 : 20261128 + n);
    const ids = files.people
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[2]);
    assert.equal(new Set(ids).size, large.people, `community ${n} repeats an ID number`);
  }
});

test('a multi-community sample adds communities under the demo street, each loaded once', async () => {
  const database = await createTestDatabase('pglite');
  try {
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    const size = { households: 20, people: 50, vehicles: 10, communities: 3 };
    const seen: number[] = [];
    const r = await seedSample(database.db, crypto, size, (n) => seen.push(n));
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(r.people.created, 150);
    const rows = await queryRows<{ code: string; parent: string; people: number }>(
      database.db,
      sql`select r.code, p.code as parent, (select count(*)::int from base.people x where x.community_id = r.id) as people
            from tenancy.regions r join tenancy.regions p on p.id = r.parent_id
           where r.level = 'community' order by r.code`,
    );
    assert.deepEqual(
      rows.map((x) => [x.code, x.parent, x.people]),
      [0, 1, 2].map((n) => [sampleCommunityCode(n), '330106001', 50]).sort(),
    );
    const again = await seedSample(database.db, crypto, size);
    assert.equal(again.people.created, 0);
  } finally {
    await database.close();
  }
});
