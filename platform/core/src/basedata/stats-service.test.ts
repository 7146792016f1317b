import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedSample } from '../tenancy/sample-data.ts';
import { communityStats } from './stats-service.ts';
import { demoFixture } from './testing.ts';

test('the aggregate layer counts what the clean layer holds, by compound, category, age band and energy', async () => {
  const { database, crypto, demo, scope, d } = await demoFixture('pglite');
  try {
    const size = { households: 40, people: 100, vehicles: 30 };
    await seedSample(database.db, crypto, size);
    const s = await communityStats(d, scope, [demo]);
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
      demo,
    ]);
    assert.equal(other.totals.people, 0, 'row-level security applies to aggregates too');
  } finally {
    await database.close();
  }
});
