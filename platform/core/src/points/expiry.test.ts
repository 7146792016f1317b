// Points lapse when unspent past their validity: spending counts against the oldest points, the lapse goes back to
// the community pool as an ordinary transfer, a second run changes nothing, and the ledger stays balanced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, testEngines } from '@shequ/db';
import { demoFixture } from '../basedata/testing.ts';
import { expirePoints, expiryCutoff } from './expiry.ts';
import { ledgerCheck, pointsOf, transferPoints } from './ledger.ts';

const pool = { type: 'pool' as const, id: 'community' };
const user = (id: string) => ({ type: 'user' as const, id });

for (const engine of testEngines()) {
  describe(`points expiry [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let n = 0;
    const move = (
      from: typeof pool | ReturnType<typeof user>,
      to: typeof pool | ReturnType<typeof user>,
      amount: number,
    ) =>
      transferPoints(
        database.db,
        { communityId: demo, kind: 'points', from, to, amount, reason: '测试', idempotencyKey: `x-${n++}` },
        'test',
      );
    before(async () => {
      ({ database, demo } = await demoFixture(engine));
    });
    after(() => database.close());

    test('what was earned before the cutoff and not spent lapses to the pool, once', async () => {
      await move(pool, user('wang'), 100);
      await move(pool, user('li'), 20);
      await move(user('li'), user('wang'), 20);
      await sleep(20);
      const cutoff = new Date();
      await sleep(20);
      await move(user('wang'), pool, 30);
      await move(pool, user('wang'), 50);
      // wang: earned 120 before the cutoff, spent 30 since → 90 lapse; the 50 earned after stays.
      // li: earned 20 before, gave 20 away → nothing lapses (and nothing is below zero).
      assert.deepEqual(await expirePoints(database.db, demo, cutoff), { accounts: 1, points: 90 });
      const wang = await pointsOf(database.db, demo, 'points', user('wang'));
      assert.equal(wang.balance, 50);
      assert.match(wang.entries[0].reason, /^积分过期（\d{4}-\d{2}-\d{2} 前获得）$/);
      assert.equal((await pointsOf(database.db, demo, 'points', user('li'))).balance, 0);
      assert.deepEqual(await expirePoints(database.db, demo, cutoff), { accounts: 0, points: 0 });
      assert.equal((await pointsOf(database.db, demo, 'points', user('wang'))).balance, 50);
      assert.deepEqual(await ledgerCheck(database.db, demo), {
        balancesSum: 0,
        unbalancedTransfers: 0,
        overdrawnAccounts: 0,
        driftedAccounts: 0,
      });
    });

    test('the cutoff is the start of the day, months back, in Hangzhou', () => {
      assert.equal(expiryCutoff(24, new Date('2026-11-28T20:00:00Z')).toISOString(), '2024-11-28T16:00:00.000Z');
      assert.equal(expiryCutoff(12, new Date('2026-03-01T01:00:00Z')).toISOString(), '2025-02-28T16:00:00.000Z');
    });
  });
}
