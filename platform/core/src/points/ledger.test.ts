import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, pointTransfers, queryRows, testEngines, withScope } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { AppError } from '../errors.ts';
import { leaderboard, ledgerCheck, pointsOf, reverseTransfer, type TransferRequest, transferPoints } from './ledger.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const pool = { type: 'pool' as const, id: 'community' };
const user = (id: string) => ({ type: 'user' as const, id });

for (const engine of testEngines()) {
  describe(`points ledger [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const req = (over: Partial<TransferRequest>): TransferRequest => ({
      communityId: demo,
      kind: 'points',
      from: pool,
      to: user('alice'),
      amount: 10,
      reason: '参加社区义诊志愿服务',
      idempotencyKey: `k-${Math.random()}`,
      ...over,
    });

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
    });
    after(() => database.close());

    test('the pool awards points; balances and history follow; the ledger balances', async () => {
      const r = await transferPoints(database.db, req({ amount: 30 }), 'operator');
      assert.deepEqual([r.fromBalance, r.toBalance, r.replayed], [-30, 30, false]);
      await transferPoints(
        database.db,
        req({ from: user('alice'), to: user('bob'), amount: 12, reason: '赠送' }),
        'alice',
      );
      const alice = await pointsOf(database.db, demo, 'points', user('alice'));
      assert.equal(alice.balance, 18);
      assert.deepEqual(
        alice.entries.map((e) => e.amount),
        [-12, 30],
      );
      assert.deepEqual(await ledgerCheck(database.db, demo), {
        balancesSum: 0,
        unbalancedTransfers: 0,
        overdrawnAccounts: 0,
        driftedAccounts: 0,
      });
    });

    test('spending points not held is refused and changes nothing', async () => {
      await assert.rejects(
        transferPoints(database.db, req({ from: user('bob'), to: user('alice'), amount: 13 }), 'bob'),
        (e) => code(e) === 'CONFLICT',
      );
      assert.equal((await pointsOf(database.db, demo, 'points', user('bob'))).balance, 12);
    });

    test('bad amounts are input errors: zero, negative, fractional, overflowing', async () => {
      for (const amount of [0, -5, 1.5, 2 ** 60]) {
        await assert.rejects(
          transferPoints(database.db, req({ amount }), 'x'),
          (e) => code(e) === 'INVALID_INPUT',
          String(amount),
        );
      }
    });

    test('a retried request replays the first result; the same key with other parameters is a conflict', async () => {
      const first = await transferPoints(
        database.db,
        req({ to: user('carol'), idempotencyKey: 'award-1' }),
        'operator',
      );
      const again = await transferPoints(
        database.db,
        req({ to: user('carol'), idempotencyKey: 'award-1' }),
        'operator',
      );
      assert.deepEqual({ ...again, replayed: false }, first);
      assert.equal(again.replayed, true);
      await assert.rejects(
        transferPoints(database.db, req({ to: user('carol'), amount: 99, idempotencyKey: 'award-1' }), 'operator'),
        (e) => code(e) === 'CONFLICT',
      );
      assert.equal((await pointsOf(database.db, demo, 'points', user('carol'))).balance, 10);
    });

    test('a reversal corrects a transfer once; the original stays; transfers cannot be edited', async () => {
      const t = await transferPoints(database.db, req({ to: user('dave'), amount: 7 }), 'operator');
      await reverseTransfer(database.db, demo, t.id, '误发', 'operator');
      await assert.rejects(reverseTransfer(database.db, demo, t.id, '再次', 'operator'), (e) => code(e) === 'CONFLICT');
      assert.equal((await pointsOf(database.db, demo, 'points', user('dave'))).balance, 0);
      const appendOnly = (e: unknown) => /append-only/.test(String((e as Error).cause ?? e));
      await assert.rejects(
        database.db.update(pointTransfers).set({ amount: 1 }).where(eq(pointTransfers.id, t.id)),
        appendOnly,
      );
      await assert.rejects(database.db.execute(sql`delete from points.entries`), appendOnly);
    });

    test('the time bank is a separate ledger; the leaderboard ranks people', async () => {
      await transferPoints(
        database.db,
        req({ kind: 'time', from: pool, to: user('erin'), amount: 120, reason: '陪伴老人两小时' }),
        'operator',
      );
      assert.equal((await pointsOf(database.db, demo, 'time', user('erin'))).balance, 120);
      assert.equal((await pointsOf(database.db, demo, 'points', user('erin'))).balance, 0);
      const top = await leaderboard(database.db, demo, 'points', 3);
      assert.equal(top[0].userId, 'alice');
    });

    test('a transfer inside a platform-wide transaction leaves that transaction its role and scope', async () => {
      const seen = await withScope(database.db, { kind: 'all' }, async (tx) => {
        const who = async () => (await queryRows<{ u: string }>(tx, sql`select current_user as u`))[0].u;
        const before = await who();
        await transferPoints(tx, req({ to: user('gina'), amount: 3 }), 'operator');
        return [before, await who()];
      });
      assert.notEqual(seen[1], 'shequ_app');
      assert.equal(seen[0], seen[1]);
      assert.equal((await pointsOf(database.db, demo, 'points', user('gina'))).balance, 3);
    });

    test('concurrent spends never overdraw: exactly what the balance allows succeeds', async () => {
      await transferPoints(database.db, req({ to: user('frank'), amount: 10 }), 'operator');
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          transferPoints(
            database.db,
            req({ from: user('frank'), to: user(`shop-${i % 3}`), amount: 1, idempotencyKey: `spend-${i}` }),
            'frank',
          ),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
      assert.equal((await pointsOf(database.db, demo, 'points', user('frank'))).balance, 0);
      assert.deepEqual(await ledgerCheck(database.db, demo), {
        balancesSum: 0,
        unbalancedTransfers: 0,
        overdrawnAccounts: 0,
        driftedAccounts: 0,
      });
    });

    if (engine === 'postgres')
      test('one key sent ten times at once makes one transfer; the others replay it', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            transferPoints(database.db, req({ to: user('hana'), amount: 5, idempotencyKey: 'same-key' }), 'operator'),
          ),
        );
        assert.equal(new Set(results.map((r) => r.id)).size, 1);
        assert.equal(results.filter((r) => !r.replayed).length, 1);
        assert.equal((await pointsOf(database.db, demo, 'points', user('hana'))).balance, 5);
      });
  });
}
