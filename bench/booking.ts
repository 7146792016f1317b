// Space booking under contention (PostgreSQL at 127.0.0.1:5432): 50 slots (5 spaces × 10 hourly slots tomorrow),
// 500 concurrent attempts (10 different residents per slot, all at once), each a hold and a confirm. Goal
// (issue 7): exactly 50 succeed, the rest get the clear conflict; p50/p99 latency of an attempt reported.
// Usage: node --no-node-snapshot bench/booking.ts
import { randomBytes } from 'node:crypto';
import { AppError, availability, bookSlot, FieldCrypto, parseKeyring, saveSpaceSettings, seedDemo } from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres, queryRows, regions, spaces, withScope } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { emit, round } from './common.ts';

const SPACES = 5;
const PER_SLOT = 10;

const target = await createTestDatabaseUrl();
// The platform's own pool size (openPostgres default, 10 connections).
const database = await openPostgres(target.url, { max: Number(process.env.BENCH_POOL ?? 10) });
await migrate(database);
await seedDemo(database.db, new FieldCrypto(parseKeyring(randomBytes(32).toString('base64'))));
const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
const db = database.db;
const day = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
const slots: { spaceId: string; start: Date }[] = [];
for (let s = 0; s < SPACES; s++) {
  const [row] = await withScope(db, { kind: 'communities', ids: [demo.id] }, (tx) =>
    tx
      .insert(spaces)
      .values({
        communityId: demo.id,
        name: `压测场地 ${s + 1}`,
        useType: '活动室',
        createdBy: 'bench',
        updatedBy: 'bench',
      })
      .returning(),
  );
  await saveSpaceSettings(
    db,
    demo.id,
    row.id,
    {
      enabled: true,
      openingHours: Array.from({ length: 7 }, () => [{ open: '08:00', close: '18:00' }]),
      slotMinutes: 60,
      capacity: 1,
      allowedRoles: [],
      maxPerWeek: null,
      holdMinutes: 10,
      cancelBeforeMinutes: 60,
      advanceDays: 7,
      feeFen: 0,
      rules: null,
    },
    { subject: 'bench' },
  );
  const a = await availability(db, demo.id, row.id, day);
  for (const slot of a.slots) slots.push({ spaceId: row.id, start: new Date(slot.start) });
}
const user = (i: number) => {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return { subject: id, userId: id, roles: ['resident'] };
};
const attempts = slots.flatMap((slot, s) =>
  Array.from({ length: PER_SLOT }, (_, k) => ({ ...slot, who: s * PER_SLOT + k })),
);
// Interleave so neighbouring attempts go to different slots, as real traffic would.
attempts.sort((a, b) => (a.who % PER_SLOT) - (b.who % PER_SLOT));
let won = 0;
let conflicts = 0;
let otherErrors = 0;
const latencies: number[] = [];
const t0 = performance.now();
await Promise.all(
  attempts.map(async (a) => {
    const t = performance.now();
    try {
      await bookSlot(db, demo.id, a.spaceId, a.start, user(a.who));
      won++;
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONFLICT') conflicts++;
      else {
        otherErrors++;
        console.error(err);
      }
    }
    latencies.push(performance.now() - t);
  }),
);
const wallMs = performance.now() - t0;
const sorted = latencies.sort((x, y) => x - y);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const [check] = await queryRows<{ confirmed: number; overlaps: number }>(
  db,
  sql`select
        (select count(*) from booking.bookings where status = 'confirmed')::int as confirmed,
        (select count(*) from booking.bookings a join booking.bookings b
           on a.space_id = b.space_id and a.unit = b.unit and a.id < b.id and a.during && b.during
          where a.status in ('held','confirmed','checked_in') and b.status in ('held','confirmed','checked_in'))::int as overlaps`,
);
console.log(
  `booking: ${attempts.length} concurrent attempts on ${slots.length} slots (PostgreSQL): ${won} succeeded, ${conflicts} refused with CONFLICT, ${otherErrors} other errors; p50 ${round(pct(50))} ms, p99 ${round(pct(99))} ms, all done in ${Math.round(wallMs)} ms`,
);
console.log(`database after: ${check.confirmed} confirmed bookings, ${check.overlaps} overlapping pairs`);
emit('booking', {
  attempts: attempts.length,
  slots: slots.length,
  succeeded: won,
  conflicts,
  otherErrors,
  p50Ms: round(pct(50)),
  p99Ms: round(pct(99)),
  wallMs: Math.round(wallMs),
  confirmed: Number(check.confirmed),
  overlaps: Number(check.overlaps),
});
await database.close();
await target.drop();
process.exit(won === slots.length && Number(check.confirmed) === slots.length && Number(check.overlaps) === 0 ? 0 : 1);
