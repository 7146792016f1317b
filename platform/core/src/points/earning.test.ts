import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryBus } from '@shequ/bus';
import { auditLog, type Database, earningAwards, spaces, testEngines, withScope } from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import { saveSpaceSettings } from '../booking/settings.ts';
import { AppError } from '../errors.ts';
import { applyEarningRules, earningSourceOf, followEarnings, listEarningRules, saveEarningRule } from './earning.ts';
import { ledgerCheck, pointsOf } from './ledger.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const staff = { userId: '00000000-0000-4000-8000-000000000999', role: 'community_admin' };
const resident = () => randomUUID();
const balance = async (db: Database, demo: string, userId: string, kind: 'points' | 'time' = 'points') =>
  (await pointsOf(db.db, demo, kind, { type: 'user', id: userId })).balance;

for (const engine of testEngines()) {
  describe(`points earning rules [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let hall: string;
    let station: string;
    const space = async (name: string) => {
      const [s] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx
          .insert(spaces)
          .values({ communityId: demo, name, useType: '活动室', createdBy: 'test', updatedBy: 'test' })
          .returning(),
      );
      await saveSpaceSettings(
        database.db,
        demo,
        s.id,
        {
          enabled: true,
          openingHours: Array.from({ length: 7 }, () => [{ open: '08:00', close: '20:00' }]),
          slotMinutes: 60,
          capacity: 10,
          allowedRoles: [],
          maxPerWeek: null,
          holdMinutes: 10,
          cancelBeforeMinutes: 60,
          advanceDays: 14,
          feeFen: 0,
          rules: null,
        },
        { subject: staff.userId, role: staff.role },
      );
      return s.id;
    };

    before(async () => {
      ({ database, demo } = await demoFixture(engine));
      hall = await space('文化礼堂');
      station = await space('志愿者服务站');
    });
    after(() => database.close());

    test('rules are validated: amount, cap, filters that fit the trigger, spaces of this community', async () => {
      const bad = (over: object) =>
        saveEarningRule(
          database.db,
          demo,
          { name: '参加活动', trigger: 'booking.checked_in', amount: 10, ...over } as never,
          staff,
        );
      for (const over of [
        { amount: 0 },
        { amount: 10_001 },
        { amount: 1.5 },
        { dailyCap: 0 },
        { name: ' ' },
        { trigger: 'payment.paid' },
        { kind: 'coins' },
        { eventTypes: ['repair'] },
        { spaceIds: [randomUUID()] },
      ]) {
        await assert.rejects(bad(over), (e) => code(e) === 'INVALID_INPUT', JSON.stringify(over));
      }
      await assert.rejects(
        saveEarningRule(
          database.db,
          demo,
          { name: '随手拍', trigger: 'events.closed', amount: 5, spaceIds: [hall] },
          staff,
        ),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.equal((await listEarningRules(database.db, demo)).length, 0);
    });

    test('an activity check-in pays the rule once per booking, up to the daily cap; time-bank rules pay minutes', async () => {
      const attend = await saveEarningRule(
        database.db,
        demo,
        { name: '参加文化礼堂活动', trigger: 'booking.checked_in', spaceIds: [hall], amount: 10, dailyCap: 2 },
        staff,
      );
      const volunteer = await saveEarningRule(
        database.db,
        demo,
        { name: '志愿服务', trigger: 'booking.checked_in', spaceIds: [station], kind: 'time', amount: 60 },
        staff,
      );
      const amy = resident();
      const checkIn = (spaceId: string, id = randomUUID()) =>
        applyEarningRules(database.db, demo, { trigger: 'booking.checked_in', sourceId: id, userId: amy, spaceId });
      const b1 = randomUUID();
      const first = await checkIn(hall, b1);
      assert.deepEqual(
        first.map((r) => [r.ruleId, r.outcome]),
        [[attend.id, 'paid']],
      );
      // The same check-in delivered again pays nothing.
      assert.deepEqual(
        (await checkIn(hall, b1)).map((r) => r.outcome),
        ['already'],
      );
      await checkIn(hall);
      assert.deepEqual(
        (await checkIn(hall)).map((r) => r.outcome),
        ['capped'],
      );
      assert.equal(await balance(database, demo, amy), 20);
      await checkIn(station);
      assert.equal(await balance(database, demo, amy, 'time'), 60);
      assert.equal(await balance(database, demo, amy), 20);
      // A space no rule names earns nothing.
      assert.deepEqual(await checkIn(randomUUID()), []);
      const listed = await listEarningRules(database.db, demo);
      const a = listed.find((r) => r.id === attend.id);
      assert.deepEqual(a?.awards, { total: 2, today: 2, capped: 1 });
      assert.equal(listed.find((r) => r.id === volunteer.id)?.awards.total, 1);
      assert.deepEqual(await ledgerCheck(database.db, demo), {
        balancesSum: 0,
        unbalancedTransfers: 0,
        overdrawnAccounts: 0,
        driftedAccounts: 0,
      });
    });

    test('a disabled rule pays nothing; an edit with a stale version is refused; both are audited', async () => {
      const r = await saveEarningRule(
        database.db,
        demo,
        { name: '参加讲座', trigger: 'booking.checked_in', spaceIds: [hall], amount: 3 },
        staff,
      );
      const off = await saveEarningRule(
        database.db,
        demo,
        {
          id: r.id,
          version: r.version,
          name: '参加讲座',
          trigger: 'booking.checked_in',
          spaceIds: [hall],
          amount: 3,
          enabled: false,
        },
        staff,
      );
      assert.equal(off.enabled, false);
      await assert.rejects(
        saveEarningRule(
          database.db,
          demo,
          { id: r.id, version: r.version, name: '参加讲座', trigger: 'booking.checked_in', amount: 4 },
          staff,
        ),
        (e) => code(e) === 'CONFLICT',
      );
      const ben = resident();
      const out = await applyEarningRules(database.db, demo, {
        trigger: 'booking.checked_in',
        sourceId: randomUUID(),
        userId: ben,
        spaceId: hall,
      });
      assert.ok(!out.some((o) => o.ruleId === r.id));
      const audits = await database.db
        .select({ action: auditLog.action })
        .from(auditLog)
        .where(and(eq(auditLog.objectId, r.id)));
      assert.deepEqual(audits.map((a) => a.action).sort(), ['points.rule_created', 'points.rule_updated']);
    });

    test('the bus consumer pays a reporter when their event is closed, and only then, once', async () => {
      const rule = await saveEarningRule(
        database.db,
        demo,
        { name: '随手拍上报办结', trigger: 'events.closed', eventTypes: ['repair'], amount: 5 },
        staff,
      );
      const bus = new MemoryBus();
      const sub = await followEarnings(bus, database, { durable: 'test-earnings' });
      const carol = resident();
      const eventId = randomUUID();
      const transitioned = (state: string, type = 'repair', id = eventId) =>
        bus.publish({
          id: randomUUID(),
          subject: 'shequ.events.transitioned',
          communityId: demo,
          time: new Date().toISOString(),
          data: { eventId: id, type, state, reporterId: carol },
        } as never);
      await transitioned('resolved');
      await transitioned('closed');
      await transitioned('closed');
      await transitioned('closed', 'noise', randomUUID());
      await sub.stop();
      assert.equal(await balance(database, demo, carol), 5);
      const awards = await database.db.select().from(earningAwards).where(eq(earningAwards.ruleId, rule.id));
      assert.equal(awards.length, 1);
      assert.equal(awards[0].sourceId, eventId);
    });

    test('bus events that carry no resident or are malformed earn nothing', () => {
      const env = (subject: string, data: unknown) =>
        ({ id: 'x', subject, communityId: demo, time: '', data }) as never;
      assert.equal(earningSourceOf(env('shequ.booking.checked_in', { id: 'b' })), null);
      assert.equal(earningSourceOf(env('shequ.events.transitioned', { eventId: 'e', state: 'closed' })), null);
      assert.equal(earningSourceOf(env('shequ.booking.created', { id: 'b', userId: 'u' })), null);
      assert.equal(earningSourceOf(env('shequ.booking.checked_in', null)), null);
    });

    if (engine === 'postgres') {
      test('twenty check-ins at once for one resident stay within the daily cap of 3', async () => {
        await saveEarningRule(
          database.db,
          demo,
          { name: '礼堂打卡', trigger: 'booking.checked_in', spaceIds: [hall], amount: 7, dailyCap: 3 },
          staff,
        );
        const dan = resident();
        const before = await balance(database, demo, dan);
        await Promise.all(
          Array.from({ length: 20 }, () =>
            applyEarningRules(database.db, demo, {
              trigger: 'booking.checked_in',
              sourceId: randomUUID(),
              userId: dan,
              spaceId: hall,
            }),
          ),
        );
        // The hall's other rule (cap 2, 10 points) still applies alongside: 2 × 10 + 3 × 7.
        assert.equal((await balance(database, demo, dan)) - before, 2 * 10 + 3 * 7);
      });
    }
  });
}
