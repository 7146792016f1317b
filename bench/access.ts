// Gate passes into access records (PostgreSQL at 127.0.0.1:5432): N device `pass` events of the IoT engine, as the
// bus consumer (`passFromDeviceEvent`) gets them, from 4 people gates and 2 vehicle gates — faces, temporary cars
// entering and leaving (parking sessions with fees) and visitor QR codes (checked, counted and answered with the
// gate's open command) — with C consumers at once. Reports records per second, p50/p99 per event, and the
// cockpit's day statistics query time over the result. Usage: node --no-node-snapshot bench/access.ts
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@shequ/bus';
import {
  FieldCrypto,
  type GateKind,
  inviteVisitor,
  parseKeyring,
  passFromDeviceEvent,
  seedDemo,
  trafficStats,
} from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres, queryRows, regions } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { emit, round } from './common.ts';

const N = 6000;
const C = 8;
const VISITORS = 300;

const target = await createTestDatabaseUrl();
const database = await openPostgres(target.url, { max: 10 });
await migrate(database);
const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
await seedDemo(database.db, crypto);
const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));

const peopleGates = Array.from({ length: 4 }, (_, i) => ({
  productKey: 'benchpgate',
  deviceName: `p-${i}`,
  deviceId: randomUUID(),
}));
const carGates = Array.from({ length: 2 }, (_, i) => ({
  productKey: 'benchvgate',
  deviceName: `v-${i}`,
  deviceId: randomUUID(),
}));
const tokens: string[] = [];
for (let i = 0; i < VISITORS; i++) {
  const id = `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
  const p = await inviteVisitor(
    { db: database.db, crypto },
    demo.id,
    { subject: id, userId: id },
    {
      visitorName: `访客${i}`,
      validFrom: new Date(Date.now() - 4 * 3_600_000),
      validUntil: new Date(Date.now() + 6 * 3_600_000),
      maxEntries: 5,
    },
  );
  tokens.push(p.token);
}
const kindOf = async (_c: string, pk: string): Promise<GateKind | null> => (pk === 'benchvgate' ? 'vehicle' : 'people');

let seq = 0;
const base = Date.now() - 3 * 3_600_000;
/** The i-th event: 70 % faces, 20 % cars (each plate enters then leaves), 10 % visitor QR codes. */
function eventOf(i: number): EventEnvelope {
  const r = i % 10;
  let gate = peopleGates[i % peopleGates.length];
  let value: Record<string, unknown>;
  if (r < 7) value = { personRef: `face-${i % 2000}`, direction: i % 2, mode: 0 };
  else if (r < 9) {
    gate = carGates[i % carGates.length];
    const car = Math.floor(i / 20);
    value = { plate: { number: `浙B${String(car % 10000).padStart(5, '0')}` }, direction: r === 7 ? 0 : 1 };
  } else value = { personRef: tokens[Math.floor(i / 10) % tokens.length], direction: 0, mode: 2 };
  return {
    id: randomUUID(),
    subject: `shequ.iot.${demo.id}.${gate.productKey}.${gate.deviceId}.event`,
    communityId: demo.id,
    time: new Date().toISOString(),
    data: { ...gate, messageId: `b${++seq}`, event: 'pass', type: 'info', value, time: base + i * 1000 },
  } as EventEnvelope;
}

const latencies: number[] = [];
let next = 0;
let errors = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    for (let i = next++; i < N; i = next++) {
      const t = performance.now();
      try {
        await passFromDeviceEvent({ database, crypto }, kindOf, eventOf(i));
      } catch (err) {
        errors++;
        if (errors < 5) console.error(err);
      }
      latencies.push(performance.now() - t);
    }
  }),
);
const wallMs = performance.now() - t0;
const sorted = latencies.sort((x, y) => x - y);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const [counts] = await queryRows<{ records: number; sessions: number; open: number; opens: number }>(
  database.db,
  sql`select (select count(*) from access.pass_records)::int as records,
             (select count(*) from access.parking_sessions)::int as sessions,
             (select count(*) from access.parking_sessions where exited_at is null)::int as open,
             (select count(*) from bus.outbox where subject like '%.command')::int as opens`,
);
const day = new Date(base + 8 * 3_600_000).toISOString().slice(0, 10);
const s0 = performance.now();
const stats = await trafficStats(database.db, demo.id, day);
const statsMs = performance.now() - s0;
const perSecond = Math.round((N / wallMs) * 1000);
console.log(
  `access: ${N} gate pass events with ${C} consumers (PostgreSQL): ${perSecond} records/s, p50 ${round(pct(50))} ms, p99 ${round(pct(99))} ms, ${errors} errors`,
);
console.log(
  `database after: ${counts.records} pass records, ${counts.sessions} parking sessions (${counts.open} open), ${counts.opens} gate open commands; day stats ${round(statsMs)} ms (${stats.hours.length} rows, ${stats.vehiclesInside} vehicles inside)`,
);
emit('access', {
  events: N,
  concurrency: C,
  recordsPerSecond: perSecond,
  p50Ms: round(pct(50)),
  p99Ms: round(pct(99)),
  errors,
  records: Number(counts.records),
  sessions: Number(counts.sessions),
  gateOpens: Number(counts.opens),
  statsMs: round(statsMs),
});
await database.close();
await target.drop();
process.exit(errors === 0 && Number(counts.records) === N ? 0 : 1);
