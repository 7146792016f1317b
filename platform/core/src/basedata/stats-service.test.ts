import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestDatabase, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { seedSample } from '../tenancy/sample-data.ts';
import { seedDemo } from '../tenancy/seed.ts';
import { communityStats } from './stats-service.ts';

test('the aggregate layer counts what the clean layer holds, by compound, category, age band and energy', async () => {
  const database = await createTestDatabase('pglite');
  try {
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    const size = { households: 40, people: 100, vehicles: 30 };
    await seedSample(database.db, crypto, size);
    const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
    const d = { db: database.db, crypto };
    const s = await communityStats(d, { kind: 'communities', ids: [demo.id] }, [demo.id]);
    assert.deepEqual([s.totals.people, s.totals.houses, s.totals.vehicles], [100, 40, 30]);
    assert.deepEqual(
      s.byCompound.map((c) => [c.compound, c.houses, c.residents]),
      [
        ['和园', 20, 50],
        ['示范小区', 20, 50],
      ],
    );
    assert.equal(
      s.ageBands.reduce((a, b) => a + b.count, 0),
      100,
    );
    assert.equal(
      s.vehiclesByEnergy.reduce((a, b) => a + b.count, 0),
      30,
    );
    assert.deepEqual(s.byCategory, [{ key: 'resident', count: 100 }]);
    const other = await communityStats(d, { kind: 'communities', ids: ['00000000-0000-4000-8000-000000000000'] }, [
      demo.id,
    ]);
    assert.equal(other.totals.people, 0, 'row-level security applies to aggregates too');
  } finally {
    await database.close();
  }
});
