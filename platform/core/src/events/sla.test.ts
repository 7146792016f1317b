import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryBus } from '@shequ/bus';
import { type Database, eventHistory, events, eventTimers, outbox, testEngines, users } from '@shequ/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import type { AppError } from '../errors.ts';
import {
  declareWorkflow,
  type EventActor,
  eventHistoryOf,
  fireDueTimers,
  followAlarms,
  listEvents,
  reportEvent,
  shiftTimers,
  slaBoard,
  transitionEvent,
} from './index.ts';

for (const engine of testEngines()) {
  describe(`event SLA timers, alarms and plugin workflows [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const u: Record<string, EventActor> = {};
    const report = (title: string) =>
      reportEvent(database.db, { communityId: demo, type: 'repair', title, source: 'resident' }, u.resident);

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      for (const [name, role] of [
        ['resident', 'resident'],
        ['operator', 'community_admin'],
        ['grid', 'grid_worker'],
      ]) {
        const [row] = await database.db.select({ id: users.id }).from(users).where(eq(users.username, name));
        u[name] = { id: row.id, roles: [role] };
      }
    });
    after(() => database.close());

    test('a warning at 80% of the SLA, an escalation at 100%, each once, in history and on the bus', async () => {
      const e = await report('井盖松动');
      assert.deepEqual(await fireDueTimers(database.db), []);
      // reported has a 30-minute SLA: 25 minutes in, only the warning (24 min) is due.
      await shiftTimers(database.db, e.id, 25 * 60_000);
      const first = await fireDueTimers(database.db);
      assert.deepEqual(
        first.map((f) => [f.eventId, f.kind]),
        [[e.id, 'warning']],
      );
      assert.equal((await slaBoard(database.db, demo)).items.find((i) => i.id === e.id)?.status, 'ok');
      await shiftTimers(database.db, e.id, 10 * 60_000);
      const second = await fireDueTimers(database.db);
      assert.deepEqual(
        second.map((f) => f.kind),
        ['escalation'],
      );
      assert.deepEqual(await fireDueTimers(database.db), []);
      const h = await eventHistoryOf(database.db, demo, e.id);
      assert.deepEqual(
        h.map((x) => x.action),
        ['report', 'sla.warning', 'sla.escalated'],
      );
      const subjects = await database.db
        .select({ s: outbox.subject })
        .from(outbox)
        .where(sql`${outbox.data}->>'eventId' = ${e.id}`);
      assert.ok(subjects.some((x) => x.s === 'shequ.events.escalated'));
      assert.ok(subjects.some((x) => x.s === 'shequ.events.sla_warning'));
      // The event is past its deadline once its row says so (the desk filter reads sla_due_at).
      await database.db
        .update(events)
        .set({ slaDueAt: sql`now() - interval '1 minute'`, version: sql`${events.version} + 1` })
        .where(eq(events.id, e.id));
      const overdue = await listEvents(database.db, demo, { overdue: true });
      assert.ok(overdue.items.some((x) => x.id === e.id));
    });

    test('leaving a state cancels its timers: no warning for a state the event already left', async () => {
      const e = await report('垃圾未清运');
      await transitionEvent(
        database.db,
        { communityId: demo, eventId: e.id, event: 'accept', expectedVersion: 0 },
        u.operator,
      );
      const timers = await database.db.select().from(eventTimers).where(eq(eventTimers.eventId, e.id));
      assert.equal(timers.filter((t) => t.state === 'reported' && t.cancelledAt).length, 2);
      assert.equal(timers.filter((t) => t.state === 'accepted' && !t.cancelledAt).length, 2);
    });

    test('an IoT alarm on the bus opens one event, even when delivered twice', async () => {
      const bus = new MemoryBus();
      const sub = await followAlarms(bus, database);
      const alarm = {
        id: '7d6c1c53-1f8e-4a57-9d7e-2b1b4e0f9a01',
        subject: 'shequ.alarms.raised',
        time: new Date().toISOString(),
        communityId: demo,
        data: {
          alarmId: '0b9e8a55-4c1d-4f3e-9d26-7a7c0f6b1e42',
          severity: 'critical',
          title: '3 幢烟感报警',
          rule: { id: 'a3f1e7c2-5b8d-4e6f-9a0b-1c2d3e4f5a6b', name: '烟感联动' },
          deviceName: 'smoke-3-1',
          productKey: 'smoke',
          event: 'smoke',
        },
      };
      await bus.publish(alarm);
      await bus.publish({ ...alarm, id: '7d6c1c53-1f8e-4a57-9d7e-2b1b4e0f9a02' });
      await new Promise((r) => setTimeout(r, 300));
      await sub.stop();
      await bus.close();
      const rows = await database.db
        .select()
        .from(events)
        .where(and(eq(events.source, 'iot'), eq(events.sourceRef, alarm.data.alarmId)));
      assert.equal(rows.length, 1);
      assert.deepEqual(
        [rows[0].severity, rows[0].type, rows[0].state, rows[0].title],
        ['critical', 'iot.smoke', 'reported', '3 幢烟感报警'],
      );
    });

    test('a plugin declares its own workflow (data) and events follow it; a broken workflow is refused', async () => {
      const wf = await declareWorkflow(
        database.db,
        demo,
        'org.test.parcel',
        'lost-parcel',
        { zh: '快递丢失', en: 'Lost parcel' },
        {
          initial: 'open',
          states: [
            { name: 'open', zh: '待处理', en: 'Open', slaMinutes: 60 },
            { name: 'found', zh: '已找到', en: 'Found', final: true },
          ],
          transitions: [{ event: 'find', from: ['open'], to: 'found', roles: ['property_staff', 'reporter'] }],
        },
      );
      const again = await declareWorkflow(
        database.db,
        demo,
        'org.test.parcel',
        'lost-parcel',
        { zh: '快递丢失', en: 'Lost parcel' },
        {
          initial: 'open',
          states: [
            { name: 'open', zh: '待处理', en: 'Open', slaMinutes: 60 },
            { name: 'found', zh: '已找到', en: 'Found', final: true },
          ],
          transitions: [{ event: 'find', from: ['open'], to: 'found', roles: ['property_staff', 'reporter'] }],
        },
      );
      assert.equal(again.id, wf.id);
      const e = await reportEvent(
        database.db,
        { communityId: demo, type: 'parcel', title: '快递丢了', source: 'plugin', workflowId: wf.id },
        u.resident,
      );
      assert.equal(e.state, 'open');
      await assert.rejects(
        transitionEvent(
          database.db,
          { communityId: demo, eventId: e.id, event: 'accept', expectedVersion: 0 },
          u.operator,
        ),
        (err: AppError) => err.code === 'CONFLICT',
      );
      const done = await transitionEvent(
        database.db,
        { communityId: demo, eventId: e.id, event: 'find', expectedVersion: 0 },
        u.resident,
      );
      assert.deepEqual([done.state, done.slaDueAt], ['found', null]);
      await assert.rejects(
        declareWorkflow(
          database.db,
          demo,
          'org.test.parcel',
          'bad',
          { zh: '坏', en: 'Bad' },
          {
            initial: 'nowhere',
            states: [{ name: 'a', zh: 'a', en: 'a', final: true }],
            transitions: [],
          },
        ),
        (err: AppError) => err.code === 'INVALID_INPUT',
      );
    });

    if (engine === 'postgres') {
      test('two workers transition the same event at once: one wins, the other gets a clear conflict', async () => {
        for (let round = 0; round < 5; round++) {
          const e = await report(`并发 ${round}`);
          const results = await Promise.allSettled(
            [u.operator, u.grid].map((actor) =>
              transitionEvent(
                database.db,
                { communityId: demo, eventId: e.id, event: 'accept', expectedVersion: 0 },
                actor,
              ),
            ),
          );
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
          assert.equal(won.length, 1);
          assert.equal(lost.length, 1);
          assert.equal((lost[0].reason as AppError).code, 'CONFLICT');
          // Either it read the old version and lost the update, or it read after the winner committed.
          assert.match((lost[0].reason as AppError).messageZh, /已被他人更新|当前为“已受理”，不能受理/);
          const h = await eventHistoryOf(database.db, demo, e.id);
          assert.deepEqual(
            h.map((x) => x.action),
            ['report', 'accept'],
          );
        }
      });

      test('two pollers with SKIP LOCKED: every due timer fires exactly once', async () => {
        const created = [];
        for (let i = 0; i < 30; i++) created.push(await report(`超时 ${i}`));
        const ids = created.map((e) => e.id);
        for (const id of ids) await shiftTimers(database.db, id, 31 * 60_000);
        const poll = async () => {
          const fired: string[] = [];
          for (;;) {
            const batch = await fireDueTimers(database.db, 7);
            if (batch.length === 0) return fired;
            fired.push(...batch.map((b) => b.timerId));
          }
        };
        const [a, b] = await Promise.all([poll(), poll()]);
        const all = [...a, ...b];
        assert.equal(all.length, 60);
        assert.equal(new Set(all).size, 60);
        assert.ok(a.length > 0 && b.length > 0, `both pollers worked (${a.length}/${b.length})`);
        const sla = await database.db
          .select({ n: sql<number>`count(*)::int` })
          .from(eventHistory)
          .where(and(inArray(eventHistory.eventId, ids), sql`${eventHistory.action} like 'sla.%'`));
        assert.equal(Number(sla[0].n), 60);
      });
    }
  });
}
