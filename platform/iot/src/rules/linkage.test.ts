// The street official's journey (JOURNEYS.md): a smoke alarm in building 7 opens the people gates of building 7 and
// notifies the property staff. Real MQTT clients on both ends; the rule consumer follows the bus.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Subscription } from '@shequ/bus';
import { MemoryChannel } from '@shequ/core';
import { alarms, testEngines } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { createDevices } from '../registry/devices-service.ts';
import { createProduct } from '../registry/products-service.ts';
import { actor, iotFixture, nextMessage } from '../testing.ts';
import { ruleMetricsOf, ruleTrace } from './observe.ts';
import { RuleEngine } from './rule-engine.ts';
import { createRule, setDeviceTags } from './rules-service.ts';

for (const engine of testEngines()) {
  describe(`IoT linkage across devices: smoke alarm opens the building's gates (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let sub: Subscription;
    let rules: RuleEngine;
    const channel = new MemoryChannel();
    before(async () => {
      f = await iotFixture(engine);
      // No IoT engine handed to the rules: device commands take the queued path through the bus to the gateway,
      // as in a deployment where the rule consumer and the gateway run in different processes.
      rules = new RuleEngine({ database: f.database, channel, onCommit: () => f.relay.kick() });
      sub = await rules.start(f.bus, 'iot-rules-test');
    });
    after(async () => {
      await sub?.stop();
      await f?.close();
    });

    test('the smoke sensor of building 7 alarms; gates of building 7 get "open", building 8 stays shut', async () => {
      const models = standardThingModels();
      const smoke = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '烟感', thingModel: models['smoke-detector'] },
        actor,
      );
      const gate = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '人行闸机', thingModel: models['people-gate'] },
        actor,
      );
      const [sensor] = await createDevices(
        f.iot.deps,
        f.scope,
        smoke.productKey,
        [{ deviceName: 'smoke-b7-3f' }],
        actor,
      );
      const gates = await createDevices(
        f.iot.deps,
        f.scope,
        gate.productKey,
        [{ deviceName: 'gate-b7-east' }, { deviceName: 'gate-b7-west' }, { deviceName: 'gate-b8-east' }],
        actor,
      );
      await setDeviceTags(
        f.iot.deps,
        f.scope,
        smoke.productKey,
        sensor.deviceName,
        { building: '7', floor: '3' },
        actor,
      );
      for (const g of gates)
        await setDeviceTags(
          f.iot.deps,
          f.scope,
          gate.productKey,
          g.deviceName,
          { building: g.deviceName.slice(6, 7) },
          actor,
        );
      const rule = await createRule(
        f.iot.deps,
        f.scope,
        f.communityId,
        {
          name: '烟感联动开闸',
          trigger: { kind: 'event', productKey: smoke.productKey, identifier: 'smokeAlarm' },
          condition: 'params.smokeDensity >= 0.1',
          debounceSeconds: 300,
          actions: [
            {
              kind: 'device',
              target: { productKey: gate.productKey, sameTags: ['building'] },
              command: { kind: 'service', service: 'open', params: { durationSeconds: 600 } },
            },
            { kind: 'alarm', severity: 'critical', title: '{tags.building}栋烟雾报警' },
            {
              kind: 'notify',
              roles: ['property_staff'],
              text: '{tags.building}栋{params.location}烟雾报警，已打开本栋人行闸机',
            },
          ],
        },
        actor,
      );
      const clients = new Map<string, MqttClient>();
      for (const g of gates) {
        const c = await f.device(g);
        await c.subscribeAsync(`/sys/${g.productKey}/${g.deviceName}/thing/service/open`, { qos: 1 });
        clients.set(g.deviceName, c);
      }
      const opened = ['gate-b7-east', 'gate-b7-west'].map((n) =>
        nextMessage(clients.get(n)!, `/sys/${gate.productKey}/${n}/thing/service/open`, 8000),
      );
      const stayShut = nextMessage(
        clients.get('gate-b8-east')!,
        `/sys/${gate.productKey}/gate-b8-east/thing/service/open`,
        1500,
      );

      const s = await f.device(sensor);
      const topic = `/sys/${sensor.productKey}/${sensor.deviceName}/thing/event/smokeAlarm/post`;
      await s.subscribeAsync(`${topic}_reply`);
      const replied = nextMessage(s, `${topic}_reply`);
      s.publish(
        topic,
        JSON.stringify({ id: '1', params: { value: { smokeDensity: 0.35, location: '3楼走廊' }, time: Date.now() } }),
        { qos: 1 },
      );
      assert.equal((await replied).code, 200);
      for (const m of await Promise.all(opened)) {
        assert.equal(m.method, 'thing.service.open');
        assert.deepEqual(m.params, { durationSeconds: 600 });
      }
      await assert.rejects(stayShut, /no message/, 'a gate of another building is not opened');

      assert.equal(channel.sent.length, 1, 'the property staff of the community are notified');
      assert.equal(channel.sent[0].text, '7栋3楼走廊烟雾报警，已打开本栋人行闸机');
      const raised = await f.database.db.select().from(alarms).where(eq(alarms.ruleId, rule.id));
      assert.deepEqual(
        raised.map((a) => [a.severity, a.title]),
        [['critical', '7栋烟雾报警']],
      );
      const [last] = await ruleTrace(f.iot.deps, f.scope, rule.id);
      assert.equal(last.outcome, 'fired');
      assert.match(JSON.stringify(last.detail), /gate-b7-east/);

      // The sensor repeats itself within the debounce window: nothing fires again.
      const again = nextMessage(s, `${topic}_reply`);
      s.publish(topic, JSON.stringify({ id: '2', params: { value: { smokeDensity: 0.4 }, time: Date.now() } }), {
        qos: 1,
      });
      assert.equal((await again).code, 200);
      const until = Date.now() + 5000;
      while ((await ruleMetricsOf(f.iot.deps, f.scope, rule.id)).debounced < 1) {
        if (Date.now() > until) throw new Error('the second alarm was not evaluated');
        await new Promise((r) => setTimeout(r, 30));
      }
      const m = await ruleMetricsOf(f.iot.deps, f.scope, rule.id);
      assert.deepEqual([m.matched, m.fired, m.debounced, m.failed], [2, 1, 1, 0]);
      assert.equal(channel.sent.length, 1);
    });

    test('an online-state trigger: a meter that drops off raises an alarm for that meter only', async () => {
      const [d1, d2] = f.devices;
      const rule = await createRule(
        f.iot.deps,
        f.scope,
        f.communityId,
        {
          name: '电表离线告警',
          trigger: { kind: 'state', productKey: f.productKey, deviceName: d1.deviceName, state: 'offline' },
          actions: [{ kind: 'alarm', severity: 'minor', title: '{deviceName} 离线' }],
        },
        actor,
      );
      rules.invalidate(f.communityId);
      const c1 = await f.device(d1);
      const c2 = await f.device(d2);
      await c2.endAsync();
      await c1.endAsync();
      await f.iot.gateway.states.settle();
      const until = Date.now() + 5000;
      let raised: Array<{ title: string }> = [];
      while (raised.length === 0) {
        if (Date.now() > until) throw new Error('no alarm for the offline meter');
        await new Promise((r) => setTimeout(r, 30));
        raised = await f.database.db.select().from(alarms).where(eq(alarms.ruleId, rule.id));
      }
      assert.deepEqual(
        raised.map((a) => a.title),
        [`${d1.deviceName} 离线`],
      );
      const outcomes = (await ruleTrace(f.iot.deps, f.scope, rule.id)).map((t) => t.outcome);
      assert.ok(outcomes.includes('fired'), outcomes.join());
    });
  });
}
