import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@shequ/bus';
import { queryRows, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { createAccount } from '../registry/accounts-service.ts';
import { getDeviceDetail } from '../registry/device-detail.ts';
import { queryTelemetry } from '../registry/telemetry-query.ts';
import { actor, closed, iotFixture, nextMessage, subackCodes } from '../testing.ts';
import { shadowState } from './shadow.ts';

for (const engine of testEngines()) {
  describe(`IoT ingest, downlink and application accounts (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    const events: EventEnvelope[] = [];
    before(async () => {
      f = await iotFixture(engine);
      await f.bus.subscribe('test', 'shequ.iot.>', async (e) => {
        events.push(e);
      });
    });
    after(async () => {
      await f?.close();
    });
    const telemetryCount = async () =>
      Number(
        (await queryRows<{ n: number | string }>(f.database.db, sql`select count(*) as n from iot.telemetry`))[0].n,
      );
    const waitFor = async (pred: () => boolean, ms = 5000) => {
      const until = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > until) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    test('a valid property post is answered 200, kept as latest value and shadow, and published on the bus', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const base = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`${base}_reply`);
      const replied = nextMessage(c, `${base}_reply`);
      const t = Date.now() - 1000;
      c.publish(
        base,
        JSON.stringify({
          id: '101',
          version: '1.0',
          params: { activePower: 3.5, energyTotal: { value: 1024.25, time: t } },
          method: 'thing.event.property.post',
        }),
        { qos: 1 },
      );
      assert.deepEqual(await replied, { id: '101', code: 200, message: 'success', data: {} });
      const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(detail.online, true);
      assert.deepEqual(detail.properties.energyTotal, { value: 1024.25, time: t });
      assert.equal(detail.properties.activePower.value, 3.5);
      assert.equal(detail.shadow.reported.activePower, 3.5);
      const history = await queryTelemetry(f.iot.deps, f.scope, d.productKey, d.deviceName, {
        identifier: 'energyTotal',
        from: new Date(t - 1),
        to: new Date(t + 1),
      });
      assert.deepEqual(history, [{ kind: 'property', identifier: 'energyTotal', value: 1024.25, time: t }]);
      await waitFor(() => events.some((e) => e.subject.endsWith('.property')));
      const ev = events.find((e) => e.subject.endsWith('.property'))!;
      assert.equal(ev.subject, `shequ.iot.${f.communityId}.${d.productKey}.${d.id}.property`);
      assert.deepEqual((ev.data as { properties: Record<string, unknown> }).properties.activePower, {
        value: 3.5,
        time: (ev.data as { properties: { activePower: { time: number } } }).properties.activePower.time,
      });
      assert.ok(events.some((e) => e.subject.endsWith('.state') && (e.data as { state: string }).state === 'online'));
    });

    test('bad JSON, wrong types, out-of-range values, unknown events and oversized payloads are refused, nothing stored', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const prop = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`/sys/${d.productKey}/${d.deviceName}/thing/event/+/post_reply`);
      const before = await telemetryCount();
      const cases: Array<[string, string | Buffer, number]> = [
        [prop, 'not json', 400],
        [prop, JSON.stringify({ id: '1', params: { activePower: 'high' } }), 460],
        [prop, JSON.stringify({ id: '2', params: { activePower: 1000 } }), 460],
        [prop, JSON.stringify({ id: '3', params: { colour: 1 } }), 460],
        [prop, JSON.stringify({ id: '4', params: { activePower: { value: 1, time: Date.now() + 86_400_000 } } }), 460],
        [`/sys/${d.productKey}/${d.deviceName}/thing/event/nope/post`, JSON.stringify({ id: '5', params: {} }), 460],
        [
          `/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post`,
          JSON.stringify({ id: '6', params: { value: { activePower: -1 } } }),
          460,
        ],
        [prop, Buffer.alloc(1024 * 1024, 0x20), 413],
      ];
      for (const [topic, payload, code] of cases) {
        const r = nextMessage(c, `${topic}_reply`);
        c.publish(topic, payload, { qos: 1 });
        assert.equal((await r).code, code, `${topic} ${String(payload).slice(0, 60)}`);
      }
      await f.iot.writer.drain();
      assert.equal(await telemetryCount(), before);
      assert.ok(c.connected, 'a bad payload is answered, not punished with a disconnect');
      const ok = nextMessage(c, `/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post_reply`);
      c.publish(
        `/sys/${d.productKey}/${d.deviceName}/thing/event/overload/post`,
        JSON.stringify({ id: '7', params: { value: { activePower: 99.5 }, time: Date.now() } }),
        { qos: 1 },
      );
      assert.equal((await ok).code, 200);
      assert.equal(await telemetryCount(), before + 1);
      await waitFor(() => events.some((e) => e.subject.endsWith('.event')));
      const stored = await queryTelemetry(f.iot.deps, f.scope, d.productKey, d.deviceName, { kind: 'event' });
      assert.deepEqual(
        stored.map((r) => [r.identifier, r.value]),
        [['overload', { activePower: 99.5 }]],
      );
    });

    test('a property set reaches the device; a report of the wanted value clears desired', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const setTopic = `/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`;
      await c.subscribeAsync(setTopic);
      const got = nextMessage(c, setTopic);
      const r = await f.iot.command(f.scope, d.productKey, d.deviceName, { kind: 'set', params: { relay: 0 } }, actor);
      assert.equal(r.delivered, true);
      const msg = await got;
      assert.deepEqual(msg.params, { relay: 0 });
      assert.equal(msg.method, 'thing.service.property.set');
      let detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.deepEqual(detail.shadow.desired, { relay: 0 });
      const post = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`${post}_reply`);
      const ok = nextMessage(c, `${post}_reply`);
      c.publish(post, JSON.stringify({ id: '9', params: { relay: 0 } }), { qos: 1 });
      assert.equal((await ok).code, 200);
      detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.deepEqual(detail.shadow.desired, {});
      await assert.rejects(
        f.iot.command(f.scope, d.productKey, d.deviceName, { kind: 'set', params: { energyTotal: 1 } }, actor),
        /thing model/,
        'a read-only property cannot be set',
      );
    });

    test('the shadow: reported is the newest value by device time, its version counts every change, desired leaves only at the wanted value', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const post = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`${post}_reply`);
      const send = async (id: string, params: Record<string, unknown>) => {
        const ok = nextMessage(c, `${post}_reply`);
        c.publish(post, JSON.stringify({ id, params }), { qos: 1 });
        assert.equal((await ok).code, 200);
      };
      const shadow = async () => (await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName)).shadow;
      const got = await shadowState(f.database, d.id);
      const start = await shadow();
      assert.equal(got.payload.version, start.version, 'the gateway and the detail page tell the same version');
      assert.deepEqual(got.payload.state, { reported: start.reported, desired: start.desired });

      const t = Date.now();
      await send('s1', { activePower: { value: 7.25, time: t } });
      const afterPost = await shadow();
      assert.equal(afterPost.reported.activePower, 7.25);
      assert.equal(afterPost.version, start.version + 1, 'one changed value, one more version');
      // A value stamped earlier than the one kept is stored as telemetry but changes neither reported nor version.
      await send('s2', { activePower: { value: 1.5, time: t - 60_000 } });
      assert.deepEqual(await shadow(), afterPost);

      await f.iot.command(f.scope, d.productKey, d.deviceName, { kind: 'set', params: { relay: 1 } }, actor);
      const wanted = await shadow();
      assert.deepEqual(wanted.desired, { relay: 1 });
      assert.equal(wanted.version, afterPost.version + 1, 'a desired change is a version too');
      await send('s3', { relay: 0 });
      const notYet = await shadow();
      assert.deepEqual(notYet.desired, { relay: 1 }, 'another value does not fulfil the wish');
      assert.equal(notYet.reported.relay, 0);
      assert.equal(notYet.version, wanted.version + 1);
      await send('s4', { relay: 1 });
      const done = await shadow();
      assert.deepEqual(done.desired, {});
      assert.equal(done.reported.relay, 1);
      assert.equal(done.version, notYet.version + 2, 'the reported change and the fulfilled wish');
      const [waiting] = await queryRows<{ n: number | string }>(
        f.database.db,
        sql`select count(*) as n from iot.shadows where desired <> '{}'::jsonb`,
      );
      assert.equal(Number(waiting.n), 0);
    });

    test('a sync service call waits for the reply; a device offline gets desired state when it reconnects', async () => {
      const [, d2] = f.devices;
      const svc = `/sys/${d2.productKey}/${d2.deviceName}/thing/service/setRelay`;
      let c = await f.device(d2);
      await c.subscribeAsync(svc);
      c.on('message', (topic, payload) => {
        if (topic !== svc) return;
        const { id } = JSON.parse(payload.toString());
        c.publish(`${svc}_reply`, JSON.stringify({ id, code: 200, data: { result: 1 } }));
      });
      const r = await f.iot.command(
        f.scope,
        d2.productKey,
        d2.deviceName,
        { kind: 'service', service: 'setRelay', params: { closed: 1 }, timeoutMs: 3000 },
        actor,
      );
      assert.deepEqual(r.reply, { code: 200, message: undefined, data: { result: 1 } });
      await c.endAsync();
      await f.iot.gateway.states.settle();
      const offline = await f.iot.command(
        f.scope,
        d2.productKey,
        d2.deviceName,
        { kind: 'set', params: { relay: 1 } },
        actor,
      );
      assert.equal(offline.delivered, false);
      const setTopic = `/sys/${d2.productKey}/${d2.deviceName}/thing/service/property/set`;
      // A persistent session keeps the subscription, so the set sent right after the reconnect is not missed.
      c = await f.device(d2, { id: 'persist' }, { clean: false });
      await c.subscribeAsync(setTopic, { qos: 1 });
      await c.endAsync();
      await f.iot.gateway.states.settle();
      const again = await f.device(d2, { id: 'persist' }, { clean: false });
      const msg = await nextMessage(again, setTopic);
      assert.deepEqual(msg.params, { relay: 1 });
    });

    test('an application account reads device data inside its ACL and is refused outside it', async () => {
      const [d] = f.devices;
      const acc = await createAccount(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '物业系统', topics: [`/sys/${d.productKey}/+/thing/event/#`, '/app/property/#'] },
        actor,
      );
      const app = await f.account(acc.username, acc.password);
      assert.deepEqual(await subackCodes(app, `/sys/${d.productKey}/+/thing/event/property/post`), [1]);
      assert.deepEqual(await subackCodes(app, '/sys/#'), [128]);
      assert.deepEqual(await subackCodes(app, `/sys/${d.productKey}/+/thing/service/#`), [128]);
      const dev = await f.device(d);
      const post = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      const seen = nextMessage(app, post);
      dev.publish(post, JSON.stringify({ id: '31', params: { activePower: 7 } }), { qos: 1 });
      assert.deepEqual(((await seen) as { params: unknown }).params, { activePower: 7 });
      // An invalid post is answered to the device and never forwarded.
      const invalid = nextMessage(app, post, 500);
      dev.publish(post, JSON.stringify({ id: '32', params: { activePower: 'x' } }), { qos: 1 });
      await assert.rejects(invalid, /no message/);
      // Its own topics inside the granted prefix work; a publish outside the ACL ends the session.
      await app.subscribeAsync('/app/property/#');
      const own = nextMessage(app, '/app/property/notice');
      app.publish('/app/property/notice', JSON.stringify({ hello: 1 }));
      assert.deepEqual(await own, { hello: 1 });
      app.publish(`/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`, '{}', { qos: 1 });
      await closed(app);
    });
  });
}
