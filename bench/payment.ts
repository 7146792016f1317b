// Payment throughput on PGlite (in-process, one connection) and PostgreSQL (pool of 10): N orders each created,
// paid in the sandbox (intent → pending), settled by the signed, encrypted notification (verify, decrypt, capture,
// balanced ledger transaction, audit, outbox), then a partial refund. Reports orders/s for the whole cycle and the
// ledger's balance check after. Usage: node --no-node-snapshot bench/payment.ts [N]
import { randomBytes } from 'node:crypto';
import {
  createOrder,
  FieldCrypto,
  handleNotification,
  ManualClock,
  type PaymentDeps,
  parseKeyring,
  payOrder,
  refundOrder,
  SandboxProvider,
  seedDemo,
} from '@shequ/core';
import { createTestDatabaseUrl, type Database, migrate, openPglite, openPostgres, queryRows, regions } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { emit, round } from './common.ts';

const N = Number(process.argv[2] ?? 300);

async function run(engine: 'pglite' | 'postgres') {
  let database: Database;
  let drop = async () => {};
  if (engine === 'pglite') {
    database = await openPglite();
  } else {
    const t = await createTestDatabaseUrl();
    database = await openPostgres(t.url, { max: 10 });
    drop = t.drop;
  }
  await migrate(database);
  await seedDemo(database.db, new FieldCrypto(parseKeyring(randomBytes(32).toString('base64'))));
  const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
  const clock = new ManualClock(Date.now());
  const sandbox = new SandboxProvider({ clock });
  const deps: PaymentDeps = { db: database.db, providers: { sandbox }, clock };
  sandbox.connect(async (req) => (await handleNotification(deps, 'sandbox', req)).reply);
  const payer = (i: number) => {
    const id = `00000000-0000-4000-8000-${String(i % 1000).padStart(12, '0')}`;
    return { subject: id, userId: id, staff: true };
  };
  const one = async (i: number) => {
    const o = await createOrder(
      deps,
      demo.id,
      { userId: payer(i).userId, subject: `压测订单 ${i}`, amountFen: 1_000 + i },
      payer(i),
    );
    const { intent } = await payOrder(deps, demo.id, o.id, { provider: 'sandbox' }, payer(i), `bench-pay-${i}`);
    sandbox.pay(intent.outTradeNo);
    return o.id;
  };
  // Create + pay: concurrently on PostgreSQL (pool-bound), sequentially on PGlite (one connection anyway).
  const t0 = performance.now();
  const ids: string[] = [];
  if (engine === 'postgres') ids.push(...(await Promise.all(Array.from({ length: N }, (_, i) => one(i)))));
  else for (let i = 0; i < N; i++) ids.push(await one(i));
  const tPay = performance.now();
  // The notifications: each verified (RSA-SHA256), decrypted (AES-256-GCM) and applied in its own transaction.
  await clock.advance(0);
  const tNotify = performance.now();
  if (engine === 'postgres')
    await Promise.all(ids.map((id) => refundOrder(deps, demo.id, id, { amountFen: 100 }, payer(0))));
  else for (const id of ids) await refundOrder(deps, demo.id, id, { amountFen: 100 }, payer(0));
  const tRefund = performance.now();
  const [check] = await queryRows<{ paid: number; unbalanced: number; entries: number }>(
    database.db,
    sql`select (select count(*)::int from payment.orders where status = 'partially_refunded') as paid,
               (select count(*)::int from (select txn_id from payment.ledger_entries group by txn_id having sum(amount_fen) <> 0) u) as unbalanced,
               (select count(*)::int from payment.ledger_entries) as entries`,
  );
  const total = tRefund - t0;
  const result = {
    engine,
    orders: N,
    createPayPerSec: round((N / (tPay - t0)) * 1000),
    notificationsPerSec: round((N / (tNotify - tPay)) * 1000),
    refundsPerSec: round((N / (tRefund - tNotify)) * 1000),
    cyclePerSec: round((N / total) * 1000),
    settled: Number(check.paid),
    ledgerEntries: Number(check.entries),
    unbalancedTxns: Number(check.unbalanced),
  };
  console.log(
    `payment [${engine}]: ${N} orders — create+pay ${result.createPayPerSec}/s, notification capture ${result.notificationsPerSec}/s, partial refund ${result.refundsPerSec}/s; whole cycle ${result.cyclePerSec} orders/s; ${result.settled} settled, ${result.ledgerEntries} ledger entries, ${result.unbalancedTxns} unbalanced`,
  );
  await database.close();
  await drop();
  return result;
}

const results = [await run('pglite'), await run('postgres')];
emit('payment', results);
process.exit(results.every((r) => r.settled === N && r.unbalancedTxns === 0) ? 0 : 1);
