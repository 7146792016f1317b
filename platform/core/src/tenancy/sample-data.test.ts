import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestDatabase, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { sampleSizes, seedSample } from './sample-data.ts';
import { seedDemo } from './seed.ts';

test('the small sample imports through the validating import path and re-seeding changes nothing', async () => {
  const database = await createTestDatabase('pglite');
  try {
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    const size = sampleSizes.small;
    const r = await seedSample(database.db, crypto, size);
    assert.deepEqual(
      [r.houses.created, r.people.created, r.vehicles.created],
      [size.households, size.people, size.vehicles],
    );
    const again = await seedSample(database.db, crypto, size);
    assert.deepEqual([again.houses.created, again.people.created, again.vehicles.created], [0, 0, 0]);
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
  } finally {
    await database.close();
  }
});
