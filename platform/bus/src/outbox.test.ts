import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type Database, queryRows, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import {
  type Bus,
  type EventEnvelope,
  enqueue,
  handleOnce,
  MemoryBus,
  NatsBus,
  OutboxRelay,
  outboxInsert,
  type SubscribeOptions,
  subjectMatches,
} from './index.ts';

const natsUrl = process.env.SHEQU_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const buses = process.env.SHEQU_TEST_NATS === 'off' ? (['memory'] as const) : (['memory', 'nats'] as const);

/** Accepts events until `crashAt`, then delivers that one and throws, as a process dying before it marks the row. */
class CrashingBus implements Bus {
  readonly kind: Bus['kind'];
  readonly inner: Bus;
  readonly crashAt: number;
  #n = 0;
  constructor(inner: Bus, crashAt: number) {
    this.kind = inner.kind;
    this.inner = inner;
    this.crashAt = crashAt;
  }
  async publish(e: EventEnvelope) {
    this.#n++;
    await this.inner.publish(e);
    if (this.#n === this.crashAt) throw new Error('simulated crash after publish, before mark');
  }
  subscribe(d: string, s: string, h: (e: EventEnvelope) => Promise<void>, o?: SubscribeOptions) {
    return this.inner.subscribe(d, s, h, o);
  }
  close() {
    return this.inner.close();
  }
}

async function until(cond: () => Promise<boolean> | boolean, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(25);
  }
  throw new Error('timed out waiting');
}

test('subject wildcards follow NATS rules', () => {
  assert.ok(subjectMatches('shequ.iot.>', 'shequ.iot.alarm.smoke'));
  assert.ok(subjectMatches('shequ.*.created', 'shequ.person.created'));
  assert.ok(!subjectMatches('shequ.*.created', 'shequ.person.x.created'));
  assert.ok(!subjectMatches('shequ.iot.>', 'shequ.iot'));
});

if ((buses as readonly string[]).includes('nats')) {
  describe('NATS consumers that start with new events', () => {
    let bus: NatsBus;
    const ev = (n: number): EventEnvelope => ({
      id: `e-${randomBytes(6).toString('hex')}`,
      subject: 'shequ.test.listen',
      time: new Date().toISOString(),
      communityId: null,
      data: { n },
    });
    const stream = `T${randomBytes(4).toString('hex')}`;
    const prefix = `t${randomBytes(4).toString('hex')}.`;
    before(async () => {
      bus = await NatsBus.connect(natsUrl, { stream, prefix });
    });
    after(async () => {
      await bus.destroy();
      await bus.close();
    });

    test('the stream keeps events a week by default; a configured age applies when the stream exists already', async () => {
      assert.equal(await bus.maxAgeSeconds(), 7 * 86_400);
      const again = await NatsBus.connect(natsUrl, { stream, prefix, maxAgeSeconds: 3600 });
      try {
        assert.equal(await again.maxAgeSeconds(), 3600);
      } finally {
        await again.close();
      }
      // Back to the default for the tests that follow.
      await (await NatsBus.connect(natsUrl, { stream, prefix })).close();
    });

    test('from "new" skips the history a first subscription would replay; a default durable gets it all', async () => {
      for (let n = 0; n < 5; n++) await bus.publish(ev(n));
      const all: number[] = [];
      const fresh: number[] = [];
      const subAll = await bus.subscribe(
        'history',
        'shequ.test.>',
        async (e) => void all.push((e.data as { n: number }).n),
      );
      const subNew = await bus.subscribe(
        'listener',
        'shequ.test.>',
        async (e) => void fresh.push((e.data as { n: number }).n),
        { from: 'new', idleSeconds: 60 },
      );
      await bus.publish(ev(5));
      await until(() => all.length >= 6 && fresh.length >= 1);
      await sleep(200);
      assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(fresh, [5], 'the new-events listener saw only what came after it');
      // A listener that resumes under its name gets what was published while it was away.
      await subNew.stop();
      await bus.publish(ev(6));
      const resumed: number[] = [];
      const again = await bus.subscribe(
        'listener',
        'shequ.test.>',
        async (e) => void resumed.push((e.data as { n: number }).n),
        { from: 'new', idleSeconds: 60 },
      );
      await until(() => resumed.length >= 1);
      assert.deepEqual(resumed, [6]);
      await again.stop();
      await subAll.stop();
    });

    test('a per-process listener is removed by the server once it has been idle for its idleSeconds', async () => {
      const sub = await bus.subscribe('short_lived', 'shequ.test.>', async () => {}, { from: 'new', idleSeconds: 1 });
      const names = () => bus.consumerNames();
      assert.ok((await names()).includes('short_lived'));
      await sub.stop();
      await until(async () => !(await names()).includes('short_lived'), 15000);
    });
  });
}

for (const engine of testEngines()) {
  for (const busKind of buses) {
    describe(`outbox relay [${engine} + ${busKind}]`, () => {
      let database: Database;
      let bus: Bus;
      before(async () => {
        database = await createTestDatabase(engine);
        bus =
          busKind === 'memory'
            ? new MemoryBus()
            : await NatsBus.connect(natsUrl, {
                stream: `T${randomBytes(4).toString('hex')}`,
                prefix: `t${randomBytes(4).toString('hex')}.`,
              });
      });
      after(async () => {
        if (bus instanceof NatsBus) await bus.destroy();
        await bus.close();
        await database.close();
      });

      test('an event enqueued in a rolled-back transaction never exists', async () => {
        await assert.rejects(
          database.db.transaction(async (tx) => {
            await enqueue(tx, { subject: 'shequ.test.rolled_back', data: {} });
            throw new Error('boom');
          }),
        );
        const rows = await queryRows(
          database.db,
          sql`select id from bus.outbox where subject = 'shequ.test.rolled_back'`,
        );
        assert.equal(rows.length, 0);
        await assert.rejects(enqueue(database.db, { subject: 'Bad Subject', data: {} }), /invalid event subject/);
      });

      test('packed events go out one by one in order with their own ids; a crash inside the row republishes it', async () => {
        const got: number[] = [];
        const applied: number[] = [];
        const sub = await bus.subscribe(`p_${engine}`, 'shequ.packed.>', async (e) => {
          got.push((e.data as { n: number }).n);
          await handleOnce(database.db, 'packed-counter', e, async () => {
            applied.push((e.data as { n: number }).n);
          });
        });
        const ids = await database.db.transaction((tx) =>
          enqueue(
            tx,
            Array.from({ length: 6 }, (_, n) => ({ subject: `shequ.packed.d${n % 2}`, data: { n } })),
            { packed: true },
          ),
        );
        assert.equal(new Set(ids).size, 6);
        const listed = await queryRows<{ id: string; subject: string; n: unknown }>(
          database.db,
          sql`select id, subject, (data->>'n')::int as n from bus.outbox_events
               where subject like 'shequ.packed.%' order by seq, pos`,
        );
        assert.deepEqual(
          listed.map((r) => [r.id, r.subject, Number(r.n)]),
          ids.map((id, n) => [id, `shequ.packed.d${n % 2}`, n]),
          'the view lists each packed event once, in order, with its own id',
        );
        const [{ rows: packedRows }] = await queryRows<{ rows: unknown }>(
          database.db,
          sql`select count(*) as rows from bus.outbox where packed and published_at is null`,
        );
        assert.equal(Number(packedRows), 1, 'one row for the six events');
        // The bus fails on the fourth event: the row stays pending and goes out whole next time.
        const crashing = new OutboxRelay(database, new CrashingBus(bus, 3), { batch: 10 });
        assert.equal(await crashing.drainOnce(), 2, 'two went out before the crash on the third');
        const relay = new OutboxRelay(database, bus, { batch: 10 });
        assert.equal(await relay.drainOnce(), 6);
        await sleep(100);
        await sub.stop();
        assert.deepEqual(applied, [0, 1, 2, 3, 4, 5], 'each applied once, in order');
        assert.ok(got.length >= 6);
      });

      test('a claimed packed row is published from memory once and marked; a refused one goes back to the scan', async () => {
        const got: string[] = [];
        const sub = await bus.subscribe(`h_${engine}`, 'shequ.handover.>', async (e) => {
          got.push(e.id);
        });
        const file = async (n: number) => {
          const row = outboxInsert(
            Array.from({ length: n }, (_, i) => ({ subject: `shequ.handover.d${i}`, data: { i } })),
            { packed: true, claimSeconds: 30 },
          );
          await database.db.execute(row.statement);
          assert.ok(row.packed, 'a claimed insert is packed, even for one event');
          const time = new Date().toISOString();
          return { rowId: row.packed.rowId, events: row.packed.events.map((e) => ({ ...e, time })), ids: row.ids };
        };
        const state = async (rowId: string) => {
          const [r] = await queryRows<{ published: boolean; claimed: boolean; attempts: unknown }>(
            database.db,
            sql`select published_at is not null as published, claimed_until is not null as claimed, attempts
                from bus.outbox where id = ${rowId}`,
          );
          return { published: r.published, claimed: r.claimed, attempts: Number(r.attempts) };
        };
        const relay = new OutboxRelay(database, bus, { batch: 50 });
        // Filed claimed: the scan leaves it alone.
        const a = await file(3);
        const b = await file(1);
        assert.equal(await relay.drainOnce(), 0, 'the scan does not take claimed rows');
        await relay.publishCommitted(a.rowId, a.events);
        await relay.publishCommitted(b.rowId, b.events);
        await until(async () => (await state(a.rowId)).published && (await state(b.rowId)).published);
        assert.deepEqual(await state(a.rowId), { published: true, claimed: false, attempts: 0 });
        // Refused by the bus: the claim is released and the scan publishes the row whole.
        const c = await file(2);
        const refusing = new OutboxRelay(database, new CrashingBus(bus, 1), { batch: 50 });
        await refusing.publishCommitted(c.rowId, c.events);
        assert.deepEqual(await state(c.rowId), { published: false, claimed: false, attempts: 1 });
        assert.equal(await relay.drainOnce(), 2, 'the scan republishes the released row');
        assert.equal((await state(c.rowId)).published, true);
        await relay.stop();
        const all = [...a.ids, ...b.ids, ...c.ids];
        await until(() => all.every((id) => got.includes(id)));
        await sleep(100);
        await sub.stop();
        assert.deepEqual(
          got.filter((id) => !c.ids.includes(id)).sort(),
          [...a.ids, ...b.ids].sort(),
          'each handed-over event published once',
        );
        // The refused row's first event went out twice (JetStream drops the repeat by its message id).
        assert.ok(got.filter((id) => id === c.ids[0]).length >= 1);
      });

      test('a relay that crashes mid-stream loses nothing; consumers apply each event once', async () => {
        const raw: string[] = [];
        const applied: number[] = [];
        const sub = await bus.subscribe(`c_${engine}`, 'shequ.test.>', async (e) => {
          raw.push(e.id);
          await handleOnce(database.db, 'counter', e, async () => {
            applied.push((e.data as { n: number }).n);
          });
        });
        for (let batch = 0; batch < 3; batch++) {
          await database.db.transaction(async (tx) => {
            await enqueue(
              tx,
              Array.from({ length: 20 }, (_, i) => ({ subject: 'shequ.test.tick', data: { n: batch * 20 + i } })),
            );
          });
        }
        const first = new OutboxRelay(database, new CrashingBus(bus, 25), { batch: 10 });
        // Drain batch by batch until the crash; the relay then "dies" (is never called again).
        let moved = 0;
        for (let i = 0; i < 10; i++) {
          const n = await first.drainOnce();
          moved += n;
          if (n < 10) break;
        }
        assert.equal(moved, 24, 'the relay stopped at the crash');
        const second = new OutboxRelay(database, bus, { batch: 7, idleMs: 20 });
        second.start();
        await until(async () => {
          const [r] = await queryRows<{ n: unknown }>(
            database.db,
            sql`select count(*) as n from bus.outbox where published_at is null`,
          );
          return Number(r.n) === 0 && applied.length >= 60;
        });
        await second.stop();
        await sleep(100);
        await sub.stop();
        assert.deepEqual(
          [...applied].sort((a, b) => a - b),
          Array.from({ length: 60 }, (_, i) => i),
        );
        assert.ok(raw.length >= 60);
        const [p] = await queryRows<{ n: unknown }>(
          database.db,
          sql`select count(*) as n from bus.processed where consumer = 'counter'`,
        );
        assert.equal(Number(p.n), 60);
      });
    });
  }
}

for (const engine of testEngines()) {
  test(`published events older than the retention are pruned; pending and recent ones stay (${engine})`, async () => {
    const database = await createTestDatabase(engine);
    try {
      const bus = new MemoryBus();
      await enqueue(
        database.db,
        Array.from({ length: 12 }, (_, n) => ({ subject: 'shequ.test.prune', data: { n } })),
      );
      const relay = new OutboxRelay(database, bus, { batch: 100, retentionHours: 24 });
      assert.equal(await relay.drainOnce(), 12);
      // Eight were published two days ago, four just now; two more are still pending, one of them old.
      await database.db.execute(
        sql`update bus.outbox set published_at = now() - interval '2 days'
             where seq in (select seq from bus.outbox order by seq limit 8)`,
      );
      await enqueue(database.db, [
        { subject: 'shequ.test.prune', data: { n: 12 } },
        { subject: 'shequ.test.prune', data: { n: 13 } },
      ]);
      await database.db.execute(
        sql`update bus.outbox set created_at = now() - interval '3 days' where (data->>'n')::int = 12`,
      );
      assert.equal(await relay.prune(), 8);
      const left = await queryRows<{ n: unknown; published: boolean }>(
        database.db,
        sql`select (data->>'n')::int as n, published_at is not null as published from bus.outbox order by seq`,
      );
      assert.deepEqual(
        left.map((r) => [Number(r.n), r.published]),
        [
          [8, true],
          [9, true],
          [10, true],
          [11, true],
          [12, false],
          [13, false],
        ],
      );
      assert.equal(await relay.prune(), 0, 'nothing more is old enough');
      assert.equal(await new OutboxRelay(database, bus, { retentionHours: 0 }).prune(), 0, '0 keeps everything');
    } finally {
      await database.close();
    }
  });

  test(`a bulk enqueue stores every event with its data (${engine})`, async () => {
    const database = await createTestDatabase(engine);
    try {
      const ids = await database.db.transaction((tx) =>
        enqueue(
          tx,
          Array.from({ length: 120 }, (_, i) => ({ subject: 'shequ.test.bulk', data: i % 2 ? { i } : null })),
        ),
      );
      assert.equal(new Set(ids).size, 120);
      const rows = await queryRows<{ n: number | string; objects: number | string }>(
        database.db,
        sql`select count(*) as n, count(*) filter (where jsonb_typeof(data) = 'object') as objects from bus.outbox`,
      );
      assert.deepEqual([Number(rows[0].n), Number(rows[0].objects)], [120, 60]);
    } finally {
      await database.close();
    }
  });
}
