import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('points API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const ids: Record<string, string> = {};
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const body = (await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation')).json();
    return { data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-points-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property');
    for (const u of ['resident', 'operator', 'property']) {
      [{ id: ids[u] }] = await platform.database.db.select({ id: users.id }).from(users).where(eq(users.username, u));
    }
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the community admin awards, property staff may not; the resident sees her balance and gives some away', async () => {
    const award = {
      community: 'demo',
      userId: ids.resident,
      amount: 20,
      reason: '垃圾分类积分',
      idempotencyKey: 'sort-1128',
    };
    assert.equal((await call('property', 'points.award', award)).error.appCode, 'FORBIDDEN');
    assert.equal((await call('operator', 'points.award', award)).data.toBalance, 20);
    assert.equal((await call('operator', 'points.award', award)).data.replayed, true);
    const give = {
      community: 'demo',
      toUserId: ids.property,
      amount: 5,
      reason: '感谢帮忙',
      idempotencyKey: 'thanks-1',
    };
    assert.equal((await call('resident', 'points.give', give)).data.fromBalance, 15);
    const over = await call('resident', 'points.give', { ...give, amount: 100, idempotencyKey: 'thanks-2' });
    assert.equal(over.error.appCode, 'CONFLICT');
    assert.match(over.error.messageZh, /余额不足/);
    const mine = await call('resident', 'points.mine', { community: 'demo' }, 'GET');
    assert.deepEqual([mine.data.balance, mine.data.entries.map((e: { amount: number }) => e.amount)], [15, [-5, 20]]);
    const check = await call('operator', 'points.check', { community: 'demo' }, 'GET');
    assert.deepEqual(check.data, { balancesSum: 0, unbalancedTransfers: 0, overdrawnAccounts: 0, driftedAccounts: 0 });
  });

  test('the shop: staff stock it, the resident redeems and shows her code, the desk hands it over', async () => {
    const item = { community: 'demo', name: '环保购物袋', price: 10, stock: 1 };
    assert.equal((await call('resident', 'points.shop.save', item)).error.appCode, 'FORBIDDEN');
    const bad = await call('operator', 'points.shop.save', { ...item, price: 0 });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    const saved = (await call('operator', 'points.shop.save', item)).data;
    const items = (await call('resident', 'points.shop.items', { community: 'demo' }, 'GET')).data;
    assert.deepEqual(
      items.map((i: { name: string; stock: number }) => [i.name, i.stock]),
      [['环保购物袋', 1]],
    );
    const r = (
      await call('resident', 'points.shop.redeem', { community: 'demo', itemId: saved.id, idempotencyKey: 'bag-1' })
    ).data;
    assert.match(r.pickupCode, /^\d{6}$/);
    const soldOut = await call('resident', 'points.shop.redeem', {
      community: 'demo',
      itemId: saved.id,
      idempotencyKey: 'bag-2',
    });
    assert.match(soldOut.error.messageZh, /已兑完/);
    assert.equal((await call('resident', 'points.shop.mine', { community: 'demo' }, 'GET')).data[0].state, 'placed');
    const close = { community: 'demo', pickupCode: r.pickupCode, outcome: 'fulfilled' };
    assert.equal((await call('resident', 'points.shop.close', close)).error.appCode, 'FORBIDDEN');
    assert.equal((await call('operator', 'points.shop.close', close)).data.state, 'fulfilled');
    const desk = (await call('operator', 'points.shop.redemptions', { community: 'demo' }, 'GET')).data;
    assert.deepEqual(
      desk.map((x: { state: string; userId: string }) => [x.state, x.userId]),
      [['fulfilled', ids.resident]],
    );
  });

  test('积分规则: the community admin sets earning rules; property staff and residents may not; bad rules are refused', async () => {
    const rule = { community: 'demo', name: '随手拍上报办结', trigger: 'events.closed', amount: 5, dailyCap: 2 };
    assert.equal((await call('property', 'points.rules.save', rule)).error.appCode, 'FORBIDDEN');
    assert.equal(
      (await call('resident', 'points.rules.list', { community: 'demo' }, 'GET')).error.appCode,
      'FORBIDDEN',
    );
    const saved = (await call('operator', 'points.rules.save', rule)).data;
    assert.equal(saved.trigger, 'events.closed');
    const bad = await call('operator', 'points.rules.save', { ...rule, amount: 0, trigger: 'payment.paid' });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    const wrongFilter = await call('operator', 'points.rules.save', { ...rule, spaceIds: [saved.id] });
    assert.equal(wrongFilter.error.appCode, 'INVALID_INPUT');
    const stale = await call('operator', 'points.rules.save', { ...rule, id: saved.id, version: saved.version + 1 });
    assert.equal(stale.error.appCode, 'CONFLICT');
    const listed = (await call('operator', 'points.rules.list', { community: 'demo' }, 'GET')).data;
    assert.deepEqual(
      listed.map((r: { name: string; awards: unknown }) => [r.name, r.awards]),
      [['随手拍上报办结', { total: 0, today: 0, capped: 0 }]],
    );
  });
});
