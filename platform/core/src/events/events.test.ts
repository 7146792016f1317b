import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, eventHistory, events, outbox, testEngines, users } from '@shequ/db';
import { and, eq, like, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { AppError } from '../errors.ts';
import {
  type EventActor,
  eventHistoryOf,
  getEvent,
  listEvents,
  reportEvent,
  slaBoard,
  transitionEvent,
} from './index.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
// A 1×1 PNG.
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

for (const engine of testEngines()) {
  describe(`event closed loop [${engine}]`, () => {
    let database: Database;
    let demo: string;
    const u: Record<string, EventActor> = {};

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      for (const [name, role] of [
        ['resident', 'resident'],
        ['operator', 'community_admin'],
        ['property', 'property_staff'],
        ['grid', 'grid_worker'],
        ['gov', 'gov_street'],
      ]) {
        const [row] = await database.db.select({ id: users.id }).from(users).where(eq(users.username, name));
        u[name] = { id: row.id, roles: [role] };
      }
    });
    after(() => database.close());

    const report = (over: Partial<Parameters<typeof reportEvent>[1]> = {}) =>
      reportEvent(
        database.db,
        {
          communityId: demo,
          type: 'repair',
          title: '3 幢楼道灯不亮',
          description: '晚上很黑',
          location: { lon: 120.1, lat: 30.2, text: '3 幢 1 单元' },
          source: 'resident',
          photos: [png],
          ...over,
        },
        u.resident,
      );
    const step = (id: string, event: string, version: number, actor: EventActor, extra = {}) =>
      transitionEvent(
        database.db,
        { communityId: demo, eventId: id, event, expectedVersion: version, ...extra },
        actor,
      );

    test('report → accept → assign → start → resolve → rate → close, with complete history and bus events', async () => {
      const e = await report();
      assert.deepEqual([e.state, e.version, e.source, e.reporterId], ['reported', 0, 'resident', u.resident.id]);
      assert.ok(e.slaDueAt);
      let v = await step(e.id, 'accept', 0, u.property);
      v = await step(e.id, 'assign', v.version, u.operator, { assigneeId: u.grid.id });
      assert.equal(v.assigneeId, u.grid.id);
      v = await step(e.id, 'start', v.version, u.grid);
      v = await step(e.id, 'resolve', v.version, u.grid, { note: '已更换灯泡' });
      v = await step(e.id, 'rate', v.version, u.resident, { rating: 5, comment: '很快' });
      v = await step(e.id, 'close', v.version, u.operator);
      assert.deepEqual([v.state, v.version, v.rating, v.slaDueAt], ['closed', 6, 5, null]);
      const h = await eventHistoryOf(database.db, demo, e.id);
      assert.deepEqual(
        h.map((x) => x.action),
        ['report', 'accept', 'assign', 'start', 'resolve', 'rate', 'close'],
      );
      assert.deepEqual(
        h.map((x) => x.version),
        [0, 1, 2, 3, 4, 5, 6],
      );
      const detail = await getEvent(database.db, demo, e.id, u.resident);
      assert.equal(detail.photos.length, 1);
      assert.match(detail.photos[0].url, /^data:image\/png;base64,/);
      assert.deepEqual(detail.allowed, []);
      const bus = await database.db
        .select({ subject: outbox.subject })
        .from(outbox)
        .where(sql`${outbox.data}->>'eventId' = ${e.id}`);
      assert.equal(bus.filter((b) => b.subject === 'shequ.events.reported').length, 1);
      assert.equal(bus.filter((b) => b.subject === 'shequ.events.transitioned').length, 6);
    });

    test('reopen from resolved goes back to the worker; the resident lists her own events', async () => {
      const e = await report({ title: '电梯异响' });
      let v = await step(e.id, 'assign', 0, u.property, { assigneeId: u.property.id });
      v = await step(e.id, 'start', v.version, u.property);
      v = await step(e.id, 'resolve', v.version, u.property);
      v = await step(e.id, 'reopen', v.version, u.resident, { note: '还在响' });
      assert.deepEqual([v.state, v.assigneeId], ['assigned', u.property.id]);
      const mine = await listEvents(database.db, demo, { reporterId: u.resident.id });
      assert.ok(mine.items.some((x) => x.id === e.id));
      const queue = await listEvents(database.db, demo, { assigneeId: u.property.id, states: ['assigned'] });
      assert.deepEqual(
        queue.items.map((x) => x.id),
        [e.id],
      );
    });

    test('bad transitions are refused with clear errors and change nothing', async () => {
      const e = await report({ title: '垃圾桶满了' });
      const unchanged = async () => {
        const [row] = await database.db.select().from(events).where(eq(events.id, e.id));
        assert.deepEqual([row.state, row.version], ['reported', 0]);
        assert.equal((await eventHistoryOf(database.db, demo, e.id)).length, 1);
      };
      // Not in the workflow from this state.
      await assert.rejects(step(e.id, 'resolve', 0, u.grid), (err: AppError) => {
        assert.equal(err.code, 'CONFLICT');
        assert.match(err.messageZh, /当前为“已上报”，不能办结/);
        assert.match(err.messageEn, /cannot be given "resolve"/);
        return true;
      });
      await assert.rejects(step(e.id, 'fly', 0, u.grid), (err) => code(err) === 'CONFLICT');
      // Wrong role: a resident cannot accept.
      await assert.rejects(step(e.id, 'accept', 0, u.resident), (err: AppError) => {
        assert.equal(err.code, 'FORBIDDEN');
        assert.match(err.messageZh, /您的角色不能受理/);
        return true;
      });
      // Stale version.
      await assert.rejects(step(e.id, 'accept', 3, u.property), (err: AppError) => {
        assert.equal(err.code, 'CONFLICT');
        assert.match(err.messageZh, /已被他人更新/);
        return true;
      });
      // Assignment outside the jurisdiction: a street official is not a handler of the community.
      await assert.rejects(
        step(e.id, 'assign', 0, u.operator, { assigneeId: u.gov.id }),
        (err: AppError) => err.code === 'INVALID_INPUT' && /管辖范围/.test(err.messageZh),
      );
      await assert.rejects(step(e.id, 'assign', 0, u.operator), (err) => code(err) === 'INVALID_INPUT');
      await unchanged();
    });

    test('only the reporter rates, with a score of 1 to 5', async () => {
      const e = await report({ title: '路灯坏了' });
      let v = await step(e.id, 'assign', 0, u.operator, { assigneeId: u.grid.id });
      v = await step(e.id, 'start', v.version, u.grid);
      await assert.rejects(step(e.id, 'resolve', v.version, u.property), (err: AppError) => {
        assert.match(err.messageZh, /只有被派单的处理人/);
        return err.code === 'FORBIDDEN';
      });
      v = await step(e.id, 'resolve', v.version, u.grid);
      await assert.rejects(step(e.id, 'rate', v.version, u.grid, { rating: 5 }), (err: AppError) => {
        assert.equal(err.code, 'FORBIDDEN');
        assert.match(err.messageZh, /只有上报人可以评价/);
        assert.match(err.messageEn, /Only the reporter may rate/);
        return true;
      });
      for (const rating of [0, 6, 2.5])
        await assert.rejects(
          step(e.id, 'rate', v.version, u.resident, { rating }),
          (err) => code(err) === 'INVALID_INPUT',
        );
      const [row] = await database.db.select().from(events).where(eq(events.id, e.id));
      assert.deepEqual([row.state, row.rating], ['resolved', null]);
    });

    test('oversize, fake or too many photos are refused and nothing is stored', async () => {
      const before = (await listEvents(database.db, demo, { limit: 200 })).items.length;
      const big = `data:image/jpeg;base64,${Buffer.alloc(2 * 1024 * 1024 + 10, 0xff).toString('base64')}`;
      await assert.rejects(report({ photos: [big] }), (err: AppError) => {
        assert.equal(err.code, 'INVALID_INPUT');
        assert.match(err.messageZh, /超过 2 MB/);
        assert.match(err.messageEn, /larger than 2 MB/);
        return true;
      });
      const fake = `data:image/png;base64,${Buffer.from('not an image').toString('base64')}`;
      await assert.rejects(report({ photos: [fake] }), (err: AppError) => /内容与类型不符/.test(err.messageZh));
      await assert.rejects(report({ photos: Array(4).fill(png) }), (err) => code(err) === 'INVALID_INPUT');
      await assert.rejects(report({ title: '  ' }), (err) => code(err) === 'INVALID_INPUT');
      await assert.rejects(report({ location: { lon: 200, lat: 10 } }), (err) => code(err) === 'INVALID_INPUT');
      assert.equal((await listEvents(database.db, demo, { limit: 200 })).items.length, before);
    });

    test('history is append-only in the database', async () => {
      const [h] = await database.db.select().from(eventHistory).limit(1);
      const appendOnly = (err: Error) => /append-only/.test(`${err.message} ${(err.cause as Error)?.message}`);
      await assert.rejects(
        database.db.update(eventHistory).set({ actor: 'x' }).where(eq(eventHistory.seq, h.seq)),
        appendOnly,
      );
      await assert.rejects(database.db.delete(eventHistory).where(eq(eventHistory.seq, h.seq)), appendOnly);
    });

    test('a source ref opens one event only; the SLA board lists open events', async () => {
      const a = await report({ source: 'iot', sourceRef: 'alarm-1', title: '烟感报警', photos: [] });
      const b = await report({ source: 'iot', sourceRef: 'alarm-1', title: '烟感报警', photos: [] });
      assert.equal(a.id, b.id);
      const board = await slaBoard(database.db, demo);
      assert.ok(board.items.some((i) => i.id === a.id && i.status === 'ok'));
      const n = await database.db
        .select({ id: events.id })
        .from(events)
        .where(and(eq(events.sourceRef, 'alarm-1'), like(events.source, 'iot')));
      assert.equal(n.length, 1);
    });
  });
}
