import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@shequ/bus';
import { MemoryChannel, pointsOf } from '@shequ/core';
import { alarms, deviceProperties, ruleRecords, testEngines, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { actor, iotFixture } from '../testing.ts';
import { deadLetters, ruleMetricsOf, ruleTrace } from './observe.ts';
import { RuleEngine } from './rule-engine.ts';
import { createRule, deleteRule, listRules, setDeviceTags, setRuleEnabled, updateRule } from './rules-service.ts';
import { listAlarms, listRecords } from './warehouse.ts';

for (const engine of testEngines()) {
  describe(`IoT rules: triggers, conditions, debounce, actions, dead letters, dry run (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let rulesEngine: RuleEngine;
    const channel = new MemoryChannel();
    const busSeen: EventEnvelope[] = [];
    before(async () => {
      f = await iotFixture(engine);
      rulesEngine = new RuleEngine({
        database: f.database,
        channel,
        iot: f.iot,
        onCommit: () => f.relay.kick(),
        mismatchSampleMs: 0,
      });
      await f.bus.subscribe('test-rules', 'shequ.>', async (e) => {
        if (!e.subject.startsWith('shequ.iot.')) busSeen.push(e);
      });
    });
    after(async () => {
      await f?.close();
    });

    /** A bus event as the ingest writer publishes it. */
    const post = (d: { id: string; deviceName: string }, properties: Record<string, unknown>): EventEnvelope => ({
      id: randomUUID(),
      subject: `shequ.iot.${f.communityId}.${f.productKey}.${d.id}.property`,
      time: new Date().toISOString(),
      communityId: f.communityId,
      data: {
        productKey: f.productKey,
        deviceName: d.deviceName,
        deviceId: d.id,
        messageId: '1',
        properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, { value: v, time: Date.now() }])),
      },
    });
    const waitFor = async (pred: () => boolean, ms = 5000) => {
      const until = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > until) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const create = (def: Record<string, unknown>) =>
      createRule(f.iot.deps, f.scope, f.communityId, def, actor).finally(() => rulesEngine.invalidate());

    test('rules are validated at the boundary with errors naming the field', async () => {
      const bad = await create({
        name: 'bad',
        trigger: { kind: 'property', productKey: f.productKey },
        condition: 'params.constructor',
        actions: [{ kind: 'alarm', severity: 'apocalyptic', title: 'x' }],
      }).catch((e) => e);
      assert.equal(bad.code, 'INVALID_INPUT');
      assert.ok(bad.fieldErrors.condition[0].includes('not allowed'), JSON.stringify(bad.fieldErrors));
      assert.ok(bad.fieldErrors['actions.0.severity'], JSON.stringify(bad.fieldErrors));
      assert.match(bad.messageZh, /规则有误/);
      const noAction = await create({
        name: 'x',
        trigger: { kind: 'event', productKey: f.productKey },
        actions: [],
      }).catch((e) => e);
      assert.ok(noAction.fieldErrors.actions);
    });

    test('trigger matching, condition, store and forward; a redelivered event is evaluated once', async () => {
      const [d1, d2] = f.devices;
      const rule = await create({
        name: '功率过高入库',
        trigger: { kind: 'property', productKey: f.productKey, deviceName: d1.deviceName, identifier: 'activePower' },
        condition: 'params.activePower > 50',
        actions: [
          { kind: 'store', table: 'high_power', fields: { kw: 'params.activePower', who: 'deviceName' } },
          { kind: 'forward', subject: 'power.high' },
        ],
      });
      const hit = post(d1, { activePower: 80 });
      assert.equal(await rulesEngine.handle(hit), 1);
      assert.equal(await rulesEngine.handle(hit), 0, 'the same event id is not evaluated twice');
      assert.equal(await rulesEngine.handle(post(d1, { activePower: 10 })), 0);
      assert.equal(await rulesEngine.handle(post(d1, { energyTotal: 10 })), 0);
      assert.equal(await rulesEngine.handle(post(d2, { activePower: 99 })), 0);
      const rows = await f.database.db.select().from(ruleRecords).where(eq(ruleRecords.ruleId, rule.id));
      assert.deepEqual(
        rows.map((r) => [r.tableName, r.data]),
        [['high_power', { kw: 80, who: d1.deviceName }]],
      );
      const stored = await listRecords(f.iot.deps, f.scope, f.communityId, 'high_power');
      assert.deepEqual(
        stored.map((r) => r.data),
        [{ kw: 80, who: d1.deviceName }],
      );
      await waitFor(() => busSeen.some((e) => e.subject === 'shequ.rules.power.high'));
      const fwd = busSeen.find((e) => e.subject === 'shequ.rules.power.high')!;
      assert.equal((fwd.data as { params: { activePower: number } }).params.activePower, 80);
      const trace = await ruleTrace(f.iot.deps, f.scope, rule.id);
      assert.deepEqual(
        trace.map((t) => t.outcome),
        ['trigger_mismatch', 'trigger_mismatch', 'condition_false', 'fired'],
      );
      assert.match(JSON.stringify(trace[0].detail), /is not meter-0001/);
      assert.match(JSON.stringify(trace[1].detail), /carries no activePower/);
      const m = await ruleMetricsOf(f.iot.deps, f.scope, rule.id);
      assert.deepEqual([m.evaluated, m.matched, m.fired, m.failed], [4, 2, 1, 0]);
      assert.ok(m.lastFiredAt);
      await setRuleEnabled(f.iot.deps, f.scope, rule.id, false, actor);
      rulesEngine.invalidate();
      assert.equal(await rulesEngine.handle(post(d1, { activePower: 80 })), 0, 'a disabled rule never fires');
    });

    test('debounce: at most once per window per device; alarm raised, stored and published', async () => {
      const [d1, d2] = f.devices;
      const rule = await create({
        name: '过载告警',
        trigger: { kind: 'property', productKey: f.productKey },
        condition: 'params.activePower >= 90',
        debounceSeconds: 60,
        actions: [{ kind: 'alarm', severity: 'major', title: '{deviceName} 功率过高' }],
      });
      assert.equal(await rulesEngine.handle(post(d1, { activePower: 95 })), 1);
      assert.equal(await rulesEngine.handle(post(d1, { activePower: 96 })), 0, 'debounced');
      assert.equal(await rulesEngine.handle(post(d2, { activePower: 97 })), 1, 'another device has its own window');
      const raised = await f.database.db.select().from(alarms).where(eq(alarms.ruleId, rule.id));
      assert.deepEqual(raised.map((a) => [a.severity, a.title]).sort(), [
        ['major', `${d1.deviceName} 功率过高`],
        ['major', `${d2.deviceName} 功率过高`],
      ]);
      const open = await listAlarms(f.iot.deps, f.scope, f.communityId, { status: 'open' });
      assert.equal(open.filter((a) => a.ruleId === rule.id).length, 2);
      await waitFor(() => busSeen.filter((e) => e.subject === 'shequ.alarms.raised').length >= 2);
      const m = await ruleMetricsOf(f.iot.deps, f.scope, rule.id);
      assert.deepEqual([m.fired, m.debounced], [2, 1]);
      assert.equal((await ruleTrace(f.iot.deps, f.scope, rule.id))[1].outcome, 'debounced');
      await deleteRule(f.iot.deps, f.scope, rule.id, actor);
    });

    test('device and notify actions; a failed action is dead-lettered and can be retried', async () => {
      const [d1, d2] = f.devices;
      await setDeviceTags(f.iot.deps, f.scope, f.productKey, d2.deviceName, { building: '3' }, actor);
      await setDeviceTags(f.iot.deps, f.scope, f.productKey, d1.deviceName, { building: '3' }, actor);
      const rule = await create({
        name: '同楼断电',
        trigger: { kind: 'event', productKey: f.productKey, identifier: 'overload' },
        actions: [
          {
            kind: 'device',
            target: { productKey: f.productKey, sameTags: ['building'] },
            command: { kind: 'service', service: 'setRelay', params: { closed: 0 } },
          },
          { kind: 'notify', roles: ['property_staff'], text: '{tags.building}栋 {deviceName} 过载，已断电' },
        ],
      });
      const overload: EventEnvelope = {
        id: randomUUID(),
        subject: `shequ.iot.${f.communityId}.${f.productKey}.${d1.id}.event`,
        time: new Date().toISOString(),
        communityId: f.communityId,
        data: {
          deviceName: d1.deviceName,
          deviceId: d1.id,
          event: 'overload',
          value: { activePower: 99 },
          time: Date.now(),
        },
      };
      // Both meters are offline: the service call cannot be delivered; the notification still goes out.
      assert.equal(await rulesEngine.handle(overload), 1);
      assert.equal(channel.sent.length, 1);
      assert.equal(channel.sent[0].text, `3栋 ${d1.deviceName} 过载，已断电`);
      const [dl] = await deadLetters(f.iot.deps, f.scope, rule.id);
      assert.equal(dl.status, 'pending');
      assert.equal(dl.actionIndex, 0);
      assert.match(dl.error, /not delivered.*offline/);
      assert.equal((await ruleMetricsOf(f.iot.deps, f.scope, rule.id)).failed, 1);
      // The meters come online and listen: the retry reaches both.
      const got: string[] = [];
      for (const d of [d1, d2]) {
        const c = await f.device(d);
        const topic = `/sys/${d.productKey}/${d.deviceName}/thing/service/setRelay`;
        await c.subscribeAsync(topic);
        c.on('message', (t) => t === topic && got.push(d.deviceName));
      }
      const retried = await rulesEngine.retry(f.scope, dl.id);
      assert.equal(retried.status, 'resolved', String(retried.error));
      await waitFor(() => got.length === 2);
      assert.deepEqual(got.sort(), [d1.deviceName, d2.deviceName]);
      assert.equal((await deadLetters(f.iot.deps, f.scope, rule.id))[0].attempts, 2);
      await assert.rejects(rulesEngine.retry(f.scope, dl.id), /resolved already/);
      await deleteRule(f.iot.deps, f.scope, rule.id, actor);
    });

    test('plugin action: an app handler receives the rule and the event; without apps it is dead-lettered', async () => {
      const [d1] = f.devices;
      const calls: unknown[] = [];
      const withApps = new RuleEngine({
        database: f.database,
        invokePlugin: async (req) => {
          calls.push(req);
          return { ok: true };
        },
      });
      const rule = await create({
        name: '交给应用',
        trigger: { kind: 'property', productKey: f.productKey, identifier: 'energyTotal' },
        actions: [{ kind: 'plugin', pluginId: 'org.shequ.energy', handler: 'onReading' }],
      });
      assert.equal(await withApps.handle(post(d1, { energyTotal: 5 })), 1);
      assert.deepEqual(calls.length, 1);
      const req = calls[0] as { pluginId: string; handler: string; input: { event: { params: unknown } } };
      assert.deepEqual(
        [req.pluginId, req.handler, req.input.event.params],
        ['org.shequ.energy', 'onReading', { energyTotal: 5 }],
      );
      assert.equal(await rulesEngine.handle(post(d1, { energyTotal: 6 })), 1);
      const [dl] = await deadLetters(f.iot.deps, f.scope, rule.id);
      assert.match(dl.error, /Apps do not run/);
      await deleteRule(f.iot.deps, f.scope, rule.id, actor);
    });

    test('earning rule: a correct waste-sorting drop awards the resident it names, once per event', async () => {
      const [d1] = f.devices;
      const [resident] = await f.database.db.select({ id: users.id }).from(users).where(eq(users.username, 'resident'));
      const rule = await create({
        name: '垃圾分类积分',
        trigger: { kind: 'event', productKey: f.productKey, identifier: 'drop' },
        condition: 'params.correct == true',
        actions: [
          { kind: 'points', user: 'params.personRef', amount: 'params.weight * 5', reason: '垃圾分类投放正确' },
        ],
      });
      const drop = (value: Record<string, unknown>): EventEnvelope => ({
        id: randomUUID(),
        subject: `shequ.iot.${f.communityId}.${f.productKey}.${d1.id}.event`,
        time: new Date().toISOString(),
        communityId: f.communityId,
        data: { deviceName: d1.deviceName, deviceId: d1.id, event: 'drop', value, time: Date.now() },
      });
      const good = drop({ personRef: resident.id, weight: 2, correct: true });
      assert.equal(await rulesEngine.handle(good), 1);
      const balance = () => pointsOf(f.database.db, f.communityId, 'points', { type: 'user', id: resident.id });
      assert.equal((await balance()).balance, 10);
      assert.equal((await balance()).entries[0].reason, '垃圾分类投放正确');
      // The same event again (a redelivery) is evaluated once; a wrong drop earns nothing.
      await rulesEngine.handle(good);
      await rulesEngine.handle(drop({ personRef: resident.id, weight: 3, correct: false }));
      assert.equal((await balance()).balance, 10);
      // A person the community does not know, or no person at all, is a dead letter; nothing is paid.
      await rulesEngine.handle(drop({ personRef: randomUUID(), weight: 1, correct: true }));
      await rulesEngine.handle(drop({ weight: 1, correct: true }));
      const letters = await deadLetters(f.iot.deps, f.scope, rule.id);
      assert.deepEqual(
        letters.map((l) => /not a member|names no resident/.test(l.error)),
        [true, true],
      );
      assert.equal((await balance()).balance, 10);
      await deleteRule(f.iot.deps, f.scope, rule.id, actor);
    });

    test('schedule trigger: at 08:00 each device is judged on its latest values, once per minute', async () => {
      const [d1, d2] = f.devices;
      for (const [d, v] of [
        [d1, 42],
        [d2, 3],
      ] as const) {
        await f.database.db
          .insert(deviceProperties)
          .values({
            deviceId: d.id,
            communityId: f.communityId,
            identifier: 'energyTotal',
            value: v,
            time: new Date().toISOString(),
          })
          .onConflictDoUpdate({
            target: [deviceProperties.deviceId, deviceProperties.identifier],
            set: { value: v },
          });
      }
      const field = async (trigger: Record<string, unknown>) =>
        (
          await create({ name: 'x', trigger, actions: [{ kind: 'forward', subject: 'x' }] }).catch((e) => e.fieldErrors)
        )['trigger.cron']?.[0] ?? null;
      assert.match(await field({ kind: 'schedule', productKey: f.productKey }), /needs a cron/);
      assert.match(await field({ kind: 'schedule', productKey: f.productKey, cron: '61 * * * *' }), /.+/);
      assert.match(
        await field({ kind: 'schedule', productKey: f.productKey, cron: '0 0 8 * * *' }),
        /five cron fields/,
      );
      assert.match(await field({ kind: 'event', productKey: f.productKey, cron: '0 8 * * *' }), /only a schedule/);

      const rule = await create({
        name: '早八巡检',
        trigger: { kind: 'schedule', productKey: f.productKey, cron: '0 8 * * *' },
        condition: 'params.energyTotal > 10',
        actions: [{ kind: 'store', table: 'morning_check' }],
      });
      // 08:00:30 in Hangzhou is 00:00:30 UTC.
      const eight = new Date('2026-11-29T00:00:30Z');
      assert.equal(await rulesEngine.runSchedules(eight), 1);
      const stored = await listRecords(f.iot.deps, f.scope, f.communityId, 'morning_check');
      assert.deepEqual(
        stored.map((r) => [(r.data as { deviceName: string }).deviceName, (r.data as { params: object }).params]),
        [[d1.deviceName, { energyTotal: 42 }]],
      );
      assert.equal(await rulesEngine.runSchedules(new Date('2026-11-29T00:00:59Z')), 0, 'the minute is claimed');
      assert.equal(await rulesEngine.runSchedules(new Date('2026-11-29T00:01:00Z')), 0, '08:01 is not due');
      // A live post of the product does not set off a schedule rule.
      assert.equal(await rulesEngine.handle(post(d1, { energyTotal: 50 })), 0);
      await deleteRule(f.iot.deps, f.scope, rule.id, actor);
    });

    test('dry run answers why without running actions; updates are versioned', async () => {
      const [d1] = f.devices;
      const def = {
        name: '试运行',
        trigger: { kind: 'property', productKey: f.productKey, identifier: 'activePower' },
        condition: 'params.activePower > 50 && tags.building == "3"',
        actions: [
          { kind: 'store', table: 'dry' },
          {
            kind: 'device',
            target: { productKey: f.productKey, sameTags: ['building'] },
            command: { kind: 'set', params: { relay: 0 } },
          },
        ],
      };
      const sample = { kind: 'property' as const, productKey: f.productKey, deviceName: d1.deviceName };
      const yes = await rulesEngine.dryRun(f.communityId, def, {
        ...sample,
        params: { activePower: 60 },
        tags: { building: '3' },
      });
      assert.equal(yes.wouldFire, true);
      assert.deepEqual((yes.actions[1] as unknown as { targets: string[] }).targets.length, 2);
      const no = await rulesEngine.dryRun(f.communityId, def, { ...sample, params: { activePower: 60 } });
      assert.deepEqual([no.wouldFire, no.outcome], [false, 'condition_false']);
      const other = await rulesEngine.dryRun(f.communityId, def, { ...sample, kind: 'event', event: 'overload' });
      assert.equal(other.outcome, 'trigger_mismatch');
      const records = await f.database.db.select().from(ruleRecords).where(eq(ruleRecords.tableName, 'dry'));
      assert.equal(records.length, 0, 'a dry run stores nothing');
      const saved = await create(def);
      const changed = await updateRule(f.iot.deps, f.scope, saved.id, { ...def, debounceSeconds: 30 }, actor);
      assert.deepEqual([changed.version, changed.debounceSeconds], [2, 30]);
      await create({ ...def, name: '另一条' });
      await assert.rejects(create({ ...def, name: '另一条' }), /exists/, 'names are unique on create');
      await assert.rejects(updateRule(f.iot.deps, f.scope, saved.id, { ...def, name: '另一条' }, actor), /exists/);
      assert.ok((await listRules(f.iot.deps, f.scope, f.communityId)).some((r) => r.id === saved.id));
      // Row-level security: a scope over another community sees none of these rules, traces or dead letters.
      const elsewhere = { kind: 'communities' as const, ids: [randomUUID()] };
      assert.deepEqual(await listRules(f.iot.deps, elsewhere, f.communityId), []);
      await assert.rejects(updateRule(f.iot.deps, elsewhere, saved.id, def, actor), /No rule/);
    });
  });
}
