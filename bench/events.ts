// Event closed loop latency (PostgreSQL at 127.0.0.1:5432; the in-process bus, then NATS JetStream at 127.0.0.1:4222
// when it answers): 200 events, 4 reporters at a time. For each event a resident reports it and the desk dispatches it
// to a grid worker at once. Measured from the start of the report call:
//  - cockpit: until the cockpit feed's bus consumer receives `shequ.events.reported`;
//  - worker: until the worker's consumer receives the `assign` transition naming him, and his queue (the list query
//    the event desk makes with "assigned to me") shows the event.
// Goal (issue 7): visible to the assigned worker and on the cockpit feed within 1 s.
// Usage: node --no-node-snapshot bench/events.ts
import { randomBytes } from 'node:crypto';
import { type Bus, type EventEnvelope, MemoryBus, NatsBus, OutboxRelay } from '@shequ/bus';
import { FieldCrypto, listEvents, parseKeyring, reportEvent, seedDemo, transitionEvent } from '@shequ/core';
import { createTestDatabaseUrl, migrate, openPostgres, regions, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { emit, round } from './common.ts';

const EVENTS = 200;
const PARALLEL = 4;

const target = await createTestDatabaseUrl();
const database = await openPostgres(target.url, { max: 10 });
await migrate(database);
await seedDemo(database.db, new FieldCrypto(parseKeyring(randomBytes(32).toString('base64'))));
const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
const idOf = async (username: string) =>
  (await database.db.select({ id: users.id }).from(users).where(eq(users.username, username)))[0].id;
const resident = { id: await idOf('resident'), roles: ['resident'] };
const operator = { id: await idOf('operator'), roles: ['community_admin'] };
const worker = await idOf('grid');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function run(bus: Bus, label: string) {
  const relay = new OutboxRelay(database, bus, { idleMs: 250 });
  relay.start();
  const waiters = new Map<string, () => void>();
  const wait = (key: string) => new Promise<void>((resolve) => waiters.set(key, resolve));
  const fire = (key: string) => {
    waiters.get(key)?.();
    waiters.delete(key);
  };
  const seen = (e: EventEnvelope) => e.data as { eventId: string; assigneeId: string | null; transition?: string };
  const cockpit = await bus.subscribe(`bench-cockpit-${label}`, 'shequ.events.reported', async (e) =>
    fire(`reported:${seen(e).eventId}`),
  );
  const feed = await bus.subscribe(`bench-worker-${label}`, 'shequ.events.transitioned', async (e) => {
    const d = seen(e);
    if (d.transition === 'assign' && d.assigneeId === worker) fire(`assigned:${d.eventId}`);
  });
  const toCockpit: number[] = [];
  const toWorker: number[] = [];
  let over = 0;
  const one = async (n: number) => {
    const t0 = performance.now();
    const e = await reportEvent(
      database.db,
      { communityId: demo.id, type: 'repair', title: `bench ${label} ${n}`, source: 'resident' },
      resident,
    );
    const reported = wait(`reported:${e.id}`);
    const assigned = wait(`assigned:${e.id}`);
    relay.kick();
    const cockpitSeen = reported.then(() => performance.now() - t0);
    await transitionEvent(
      database.db,
      { communityId: demo.id, eventId: e.id, event: 'assign', expectedVersion: 0, assigneeId: worker },
      operator,
    );
    relay.kick();
    await assigned;
    const queue = await listEvents(database.db, demo.id, { assigneeId: worker, states: ['assigned'], limit: 200 });
    if (!queue.items.some((x) => x.id === e.id)) throw new Error(`event ${e.id} not in the worker's queue`);
    const w = performance.now() - t0;
    const c = await cockpitSeen;
    toCockpit.push(c);
    toWorker.push(w);
    if (c > 1000 || w > 1000) over++;
  };
  // Events that wait for a bus message that never comes would hang: bound the run.
  const deadline = setTimeout(() => {
    console.error(`${label}: not finished after 120 s`);
    process.exit(1);
  }, 120_000);
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < EVENTS) await one(next++);
    }),
  );
  clearTimeout(deadline);
  await cockpit.stop();
  await feed.stop();
  await relay.stop();
  const r = {
    events: EVENTS,
    cockpitP50Ms: round(pct(toCockpit, 50)),
    cockpitP99Ms: round(pct(toCockpit, 99)),
    workerP50Ms: round(pct(toWorker, 50)),
    workerP99Ms: round(pct(toWorker, 99)),
    over1s: over,
  };
  console.log(
    `events (${label} bus, PostgreSQL), ${EVENTS} events, ${PARALLEL} at a time: created → cockpit feed p50 ${r.cockpitP50Ms} ms, p99 ${r.cockpitP99Ms} ms; created + dispatched → worker's feed and queue p50 ${r.workerP50Ms} ms, p99 ${r.workerP99Ms} ms; ${over} over 1 s`,
  );
  return r;
}

const results: Record<string, unknown> = {};
let failed = false;
const memory = new MemoryBus();
const m = await run(memory, 'memory');
await memory.close();
results.memory = m;
failed ||= m.over1s > 0;
let nats: NatsBus | undefined;
try {
  nats = await NatsBus.connect('nats://127.0.0.1:4222', {
    stream: 'SHEQU_BENCH_EVENTS',
    prefix: `bench${process.pid}.`,
  });
} catch (err) {
  console.log(`NATS not reachable, skipped: ${(err as Error).message}`);
}
if (nats) {
  const n = await run(nats, 'nats');
  await nats.close();
  results.nats = n;
  failed ||= n.over1s > 0;
}
emit('events', results);
await database.close();
await target.drop();
process.exit(failed ? 1 : 0);
