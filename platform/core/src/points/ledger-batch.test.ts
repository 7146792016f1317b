// Group commit on PostgreSQL: transfers that arrive while a batch is in the database share the next commit. Two
// connection pools stand for two API processes moving points across the same hot accounts in opposite directions:
// no deadlock, each caller gets its own answer, and the ledger stays balanced with nothing overdrawn.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabaseUrl, type Database, migrate, openPostgres, queryRows, regions } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { AppError } from '../errors.ts';
import { seedDemo } from '../tenancy/seed.ts';
import { ledgerCheck, pointsOf, transferPoints } from './ledger.ts';

const user = (i: number) => ({ type: 'user' as const, id: `hot-${i}` });
let target: { url: string; drop(): Promise<void> };
let a: Database;
let b: Database;
let demo: string;

before(async () => {
  target = await createTestDatabaseUrl();
  a = await openPostgres(target.url, { max: 5 });
  b = await openPostgres(target.url, { max: 5 });
  await migrate(a);
  await seedDemo(a.db, new FieldCrypto(parseKeyring(randomBytes(32).toString('base64'))));
  [{ id: demo }] = await a.db.select({ id: regions.id }).from(regions).where(eq(regions.code, 'demo'));
});

after(async () => {
  await a?.close();
  await b?.close();
  await target?.drop();
});

test('two processes cross transfers on six hot accounts: shared commits, no deadlock, exact outcomes', async () => {
  const ACCOUNTS = 6;
  for (let i = 0; i < ACCOUNTS; i++) {
    await transferPoints(
      a.db,
      {
        communityId: demo,
        kind: 'points',
        from: { type: 'pool', id: 'community' },
        to: user(i),
        amount: 20,
        reason: '测试资金',
        idempotencyKey: `fund-${i}`,
      },
      'test',
    );
  }
  // 600 transfers of 1 point: each process sends around the ring in its own direction, and hot-0 pays out 60 times
  // though it holds 20 plus what it receives, so some of its spends must be refused.
  const jobs = Array.from({ length: 600 }, (_, n) => {
    const db = n % 2 === 0 ? a.db : b.db;
    const from = n % 10 === 0 ? 0 : n % ACCOUNTS;
    const to = n % 2 === 0 ? (from + 1) % ACCOUNTS : (from + ACCOUNTS - 1) % ACCOUNTS;
    return transferPoints(
      db,
      {
        communityId: demo,
        kind: 'points',
        from: user(from),
        to: user(to),
        amount: 1,
        reason: '热点账户',
        idempotencyKey: `x-${n}`,
      },
      'test',
    );
  });
  const results = await Promise.allSettled(jobs);
  const refused = results.filter((r) => r.status === 'rejected');
  for (const r of refused) {
    const e = (r as PromiseRejectedResult).reason;
    assert.ok(e instanceof AppError && e.code === 'CONFLICT' && /余额不足/.test(e.messageZh), String(e));
  }
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  assert.equal(ok + refused.length, 600);

  const [{ transfers, commits }] = await queryRows<{ transfers: number; commits: number }>(
    a.db,
    sql`select count(*)::int as transfers, count(distinct xmin::text)::int as commits
          from points.transfers where idempotency_key like 'x-%'`,
  );
  assert.equal(transfers, ok, 'every answered transfer is in the ledger, once');
  assert.ok(commits < transfers / 2, `${transfers} transfers should share far fewer commits, got ${commits}`);

  let total = 0;
  for (let i = 0; i < ACCOUNTS; i++) {
    const { balance } = await pointsOf(a.db, demo, 'points', user(i));
    assert.ok(balance >= 0);
    total += balance;
  }
  assert.equal(total, ACCOUNTS * 20, 'points only moved between the hot accounts');
  assert.deepEqual(await ledgerCheck(a.db, demo), {
    balancesSum: 0,
    unbalancedTransfers: 0,
    overdrawnAccounts: 0,
    driftedAccounts: 0,
  });
});
