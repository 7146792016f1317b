import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Subscription } from '@shequ/bus';
import { followAlarms, MemoryChannel } from '@shequ/core';
import { alarms, events, testEngines } from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { actor, iotFixture } from '../testing.ts';
import { RuleEngine } from './rule-engine.ts';
import { createRule } from './rules-service.ts';

// The closed loop from the IoT engine to the event desk: a rule's `alarm` action raises an alarm, the outbox relay
// publishes `shequ.alarms.raised`, and the event service's consumer opens an event (source iot) for it.
for (const engine of testEngines()) {
  describe(`IoT alarm → event (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let rules: RuleEngine;
    let sub: Subscription;
    before(async () => {
      f = await iotFixture(engine);
      rules = new RuleEngine({
        database: f.database,
        channel: new MemoryChannel(),
        iot: f.iot,
        onCommit: () => f.relay.kick(),
      });
      sub = await followAlarms(f.bus, f.database, { onCommit: () => f.relay.kick() });
    });
    after(async () => {
      await sub?.stop();
      await f?.close();
    });

    test('an alarm raised by a rule opens one event on the desk, with its severity and device', async () => {
      const [d1] = f.devices;
      const rule = await createRule(
        f.iot.deps,
        f.scope,
        f.communityId,
        {
          name: '过载告警',
          trigger: { kind: 'property', productKey: f.productKey },
          condition: 'params.activePower >= 90',
          actions: [{ kind: 'alarm', severity: 'critical', title: '{deviceName} 功率过高' }],
        },
        actor,
      );
      rules.invalidate();
      const fired = await rules.handle({
        id: randomUUID(),
        subject: `shequ.iot.${f.communityId}.${f.productKey}.${d1.id}.property`,
        time: new Date().toISOString(),
        communityId: f.communityId,
        data: {
          productKey: f.productKey,
          deviceName: d1.deviceName,
          deviceId: d1.id,
          messageId: '1',
          properties: { activePower: { value: 99, time: Date.now() } },
        },
      });
      assert.equal(fired, 1);
      const [alarm] = await f.database.db.select().from(alarms).where(eq(alarms.ruleId, rule.id));
      const until = Date.now() + 5000;
      let opened: (typeof events.$inferSelect)[] = [];
      while (Date.now() < until) {
        opened = await f.database.db
          .select()
          .from(events)
          .where(and(eq(events.source, 'iot'), eq(events.sourceRef, alarm.id)));
        if (opened.length) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(opened.length, 1);
      const e = opened[0];
      assert.deepEqual(
        [e.severity, e.state, e.title, e.reporterId, e.communityId],
        ['critical', 'reported', `${d1.deviceName} 功率过高`, `rule:${rule.id}`, f.communityId],
      );
      assert.match(e.locationText ?? '', new RegExp(d1.deviceName));
    });
  });
}
