// Points ledger throughput on hot accounts (PostgreSQL at 127.0.0.1:5432): ten funded accounts, 64 concurrent callers
// moving 1 point between random pairs of them for 5 s, then the ledger invariants (balances sum to zero, every
// transfer balanced, nothing overdrawn, balances equal to their entries). Goal (issue 7): ≥ 2,000 transfers/s.
// Usage: node --no-node-snapshot bench/points.ts
import { randomBytes } from 'node:crypto';
import { FieldCrypto, ledgerCheck, parseKeyring, seedDemo, transferPoints } from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { emit, round } from './common.ts';

const HOT = 10;
const CALLERS = 64;
const SECONDS = 5;

// The platform's own pool size (openPostgres default, 10 connections), not the smaller pool of the test helpers.
const target = await createTestDatabaseUrl();
const database = await openPostgres(target.url, { max: Number(process.env.BENCH_POOL ?? 10) });
await migrate(database);
await seedDemo(database.db, new FieldCrypto(parseKeyring(randomBytes(32).toString('base64'))));
const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
const fx = { demo: demo.id };
const db = database.db;
const user = (i: number) => ({ type: 'user' as const, id: `hot-${i}` });
for (let i = 0; i < HOT; i++) {
  await transferPoints(
    db,
    {
      communityId: fx.demo,
      kind: 'points',
      from: { type: 'pool', id: 'community' },
      to: user(i),
      amount: 1_000_000,
      reason: 'bench funding',
      idempotencyKey: `fund-${i}`,
    },
    'bench',
  );
}
let n = 0;
let refused = 0;
const latencies: number[] = [];
const until = performance.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CALLERS }, async (_, c) => {
    let k = 0;
    while (performance.now() < until) {
      const a = Math.floor(Math.random() * HOT);
      const b = (a + 1 + Math.floor(Math.random() * (HOT - 1))) % HOT;
      const t = performance.now();
      try {
        await transferPoints(
          db,
          {
            communityId: fx.demo,
            kind: 'points',
            from: user(a),
            to: user(b),
            amount: 1,
            reason: 'bench',
            idempotencyKey: `c${c}-${k++}`,
          },
          'bench',
        );
        n++;
        latencies.push(performance.now() - t);
      } catch {
        refused++;
      }
    }
  }),
);
const perSec = n / SECONDS;
const sorted = latencies.sort((x, y) => x - y);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const check = await ledgerCheck(db, fx.demo);
console.log(
  `points transfers on ${HOT} hot accounts, ${CALLERS} callers, ${SECONDS} s (PostgreSQL): ${Math.round(perSec)} transfers/s, p50 ${round(pct(50))} ms, p99 ${round(pct(99))} ms, ${refused} refused`,
);
console.log(
  `ledger after: balances sum ${check.balancesSum}, unbalanced transfers ${check.unbalancedTransfers}, overdrawn ${check.overdrawnAccounts}, drifted ${check.driftedAccounts}`,
);
emit('points', {
  transfersPerSec: Math.round(perSec),
  p50Ms: round(pct(50)),
  p99Ms: round(pct(99)),
  refused,
  ...check,
});
await database.close();
await target.drop();
process.exit(
  check.balancesSum === 0 &&
    check.unbalancedTransfers === 0 &&
    check.overdrawnAccounts === 0 &&
    check.driftedAccounts === 0
    ? 0
    : 1,
);
