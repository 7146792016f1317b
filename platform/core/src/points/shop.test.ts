import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, pointRedemptions, testEngines } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { AppError } from '../errors.ts';
import { ledgerCheck, pointsOf, transferPoints } from './ledger.ts';
import { closeRedemption, listShopItems, myRedemptions, redeemItem, saveShopItem } from './shop.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const zh = (e: unknown) => (e instanceof AppError ? e.messageZh : String(e));
const staff = { userId: 'staff-1', role: 'community_admin' };
const user = (id: string) => ({ type: 'user' as const, id });

for (const engine of testEngines()) {
  describe(`points shop [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const fund = (id: string, amount: number) =>
      transferPoints(
        database.db,
        {
          communityId: demo,
          kind: 'points',
          from: { type: 'pool', id: 'community' },
          to: user(id),
          amount,
          reason: '垃圾分类积分',
          idempotencyKey: `fund-${id}-${amount}-${Math.random()}`,
        },
        'staff-1',
      );
    const redeem = (userId: string, itemId: string, key: string, quantity = 1) =>
      redeemItem(database.db, { communityId: demo, userId, itemId, quantity, idempotencyKey: key });

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
    });
    after(() => database.close());

    test('a resident redeems: stock and points go down together; a retry answers the same redemption', async () => {
      const bag = await saveShopItem(database.db, demo, { name: '环保购物袋', price: 50, stock: 2 }, staff);
      await fund('amy', 120);
      const r = await redeem('amy', bag.id, 'r1');
      assert.equal(r.amount, 50);
      assert.match(r.pickupCode, /^\d{6}$/);
      const again = await redeem('amy', bag.id, 'r1');
      assert.deepEqual([again.id, again.replayed], [r.id, true]);
      assert.equal((await pointsOf(database.db, demo, 'points', user('amy'))).balance, 70);
      const [item] = (await listShopItems(database.db, demo)).filter((i) => i.id === bag.id);
      assert.equal(item.stock, 1);
      assert.equal((await myRedemptions(database.db, demo, 'amy')).length, 1);
      await assert.rejects(redeem('amy', bag.id, 'r1', 2), (e) => code(e) === 'CONFLICT');
    });

    test('sold out, too few points, an item off sale, a bad quantity: refused, nothing changes', async () => {
      const kettle = await saveShopItem(database.db, demo, { name: '电水壶', price: 300, stock: 1 }, staff);
      await fund('ben', 100);
      await assert.rejects(redeem('ben', kettle.id, 'k1'), (e) => code(e) === 'CONFLICT' && /余额不足/.test(zh(e)));
      assert.equal((await listShopItems(database.db, demo)).find((i) => i.id === kettle.id)?.stock, 1);
      assert.equal((await pointsOf(database.db, demo, 'points', user('ben'))).balance, 100);
      await assert.rejects(redeem('ben', kettle.id, 'k2', 0), (e) => code(e) === 'INVALID_INPUT');
      await fund('cai', 400);
      await redeem('cai', kettle.id, 'k3');
      await assert.rejects(redeem('cai', kettle.id, 'k4'), (e) => code(e) === 'CONFLICT' && /已兑完/.test(zh(e)));
      assert.equal((await pointsOf(database.db, demo, 'points', user('cai'))).balance, 100);
      const off = await saveShopItem(
        database.db,
        demo,
        { id: kettle.id, version: kettle.version, name: '电水壶', price: 300, stock: 5, active: false },
        staff,
      );
      assert.equal(off.active, false);
      await assert.rejects(redeem('cai', kettle.id, 'k5'), (e) => code(e) === 'NOT_FOUND');
      assert.ok(!(await listShopItems(database.db, demo)).some((i) => i.id === kettle.id));
      assert.ok((await listShopItems(database.db, demo, { all: true })).some((i) => i.id === kettle.id));
      // A stale editor (old version) is refused.
      await assert.rejects(
        saveShopItem(database.db, demo, { id: kettle.id, version: 0, name: 'x', price: 1, stock: 1 }, staff),
        (e) => code(e) === 'CONFLICT',
      );
      await assert.rejects(
        saveShopItem(database.db, demo, { name: '坏价格', price: -5, stock: 1 }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('the desk hands over by pickup code once; a cancellation refunds and restocks; the ledger balances', async () => {
      const soap = await saveShopItem(database.db, demo, { name: '洗衣液', price: 40, stock: 3 }, staff);
      await fund('dai', 100);
      const a = await redeem('dai', soap.id, 's1');
      const b = await redeem('dai', soap.id, 's2');
      assert.equal((await pointsOf(database.db, demo, 'points', user('dai'))).balance, 20);
      const done = await closeRedemption(database.db, demo, a.pickupCode, 'fulfilled', staff);
      assert.equal(done.state, 'fulfilled');
      await assert.rejects(
        closeRedemption(database.db, demo, a.pickupCode, 'cancelled', staff),
        (e) => code(e) === 'CONFLICT' && /已领取/.test(zh(e)),
      );
      await closeRedemption(database.db, demo, b.pickupCode, 'cancelled', staff);
      assert.equal((await pointsOf(database.db, demo, 'points', user('dai'))).balance, 60);
      assert.equal((await listShopItems(database.db, demo)).find((i) => i.id === soap.id)?.stock, 2);
      await assert.rejects(closeRedemption(database.db, demo, '12ab56', 'fulfilled', staff), (e) =>
        /6 位数字/.test(zh(e)),
      );
      assert.deepEqual(await ledgerCheck(database.db, demo), {
        balancesSum: 0,
        unbalancedTransfers: 0,
        overdrawnAccounts: 0,
        driftedAccounts: 0,
      });
      // The database keeps a closed redemption closed, whatever a service does.
      await assert.rejects(database.db.execute(sql`update points.redemptions set state = 'placed' where id = ${a.id}`));
      const [still] = await database.db.select().from(pointRedemptions).where(eq(pointRedemptions.id, a.id));
      assert.equal(still.state, 'fulfilled');
    });

    if (engine === 'postgres')
      test('ten residents race for the last three: exactly three win, the stock ends at zero', async () => {
        const tea = await saveShopItem(database.db, demo, { name: '龙井茶', price: 10, stock: 3 }, staff);
        for (let i = 0; i < 10; i++) await fund(`racer-${i}`, 10);
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => redeem(`racer-${i}`, tea.id, `tea-${i}`)),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
        assert.equal((await listShopItems(database.db, demo)).find((i) => i.id === tea.id)?.stock, 0);
        const paid = await Promise.all(
          Array.from(
            { length: 10 },
            async (_, i) => (await pointsOf(database.db, demo, 'points', user(`racer-${i}`))).balance,
          ),
        );
        assert.equal(paid.filter((b) => b === 0).length, 3);
      });
  });
}
