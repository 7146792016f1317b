import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { queueCommand } from '../queued-command.ts';
import { createAccount, setAccountEnabled } from '../registry/accounts-service.ts';
import { getDeviceDetail } from '../registry/device-detail.ts';
import { updateThingModel } from '../registry/products-service.ts';
import { actor, closed, iotFixture, nextMessage } from '../testing.ts';

for (const engine of testEngines()) {
  describe(`live control: shadow, flow control, model updates, queued commands, account lifecycle (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
    });
    after(async () => {
      await f?.close();
    });

    test('a shadow update stores reported state; get answers reported and desired; bad state is an error', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const get = `/shadow/get/${d.productKey}/${d.deviceName}`;
      const update = `/shadow/update/${d.productKey}/${d.deviceName}`;
      await c.subscribeAsync(get);
      let r = nextMessage(c, get);
      c.publish(update, JSON.stringify({ method: 'update', state: { reported: { activePower: 12.5 } }, version: 3 }));
      assert.deepEqual(((await r) as { payload: unknown }).payload, { status: 'success', version: 3 });
      assert.equal(
        (await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName)).properties.activePower.value,
        12.5,
      );
      await f.iot.command(f.scope, d.productKey, d.deviceName, { kind: 'set', params: { relay: 1 } }, actor);
      r = nextMessage(c, get);
      c.publish(update, JSON.stringify({ method: 'get' }));
      const state = ((await r) as { payload: { state: { reported: unknown; desired: unknown } } }).payload.state;
      assert.deepEqual(state.desired, { relay: 1 });
      assert.equal((state.reported as { activePower: number }).activePower, 12.5);
      r = nextMessage(c, get);
      c.publish(update, JSON.stringify({ method: 'update', state: { reported: { activePower: 'lots' } } }));
      assert.equal(((await r) as { payload: { status: string } }).payload.status, 'error');
    });

    test('when the write queue is full, uplinks are answered 503 and not stored', async () => {
      const [, d2] = f.devices;
      const c = await f.device(d2);
      const post = `/sys/${d2.productKey}/${d2.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`${post}_reply`);
      // Hold the writer: a queue at its limit is what a burst of QoS 0 posts would leave behind.
      const limit = f.iot.writer.pending;
      Object.defineProperty(f.iot.writer, 'pending', { get: () => limit + 1_000_000, configurable: true });
      try {
        const r = nextMessage(c, `${post}_reply`);
        c.publish(post, JSON.stringify({ id: '77', params: { activePower: 1 } }));
        assert.deepEqual(await r, { id: '77', code: 503, message: 'busy, retry later', data: {} });
      } finally {
        delete (f.iot.writer as unknown as Record<string, unknown>).pending;
      }
      const detail = await getDeviceDetail(f.iot.deps, f.scope, d2.productKey, d2.deviceName);
      assert.equal(detail.properties.activePower, undefined);
    });

    test('a new thing model applies to live sessions at once', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const post = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
      await c.subscribeAsync(`${post}_reply`);
      const model = structuredClone(standardThingModels()['power-meter']);
      const prop = model.properties.find((p) => p.identifier === 'activePower')!;
      prop.dataType = { type: 'float', specs: { min: '0', max: '10' } };
      const r = await updateThingModel(f.iot.deps, f.scope, d.productKey, model, actor);
      assert.ok(f.iot.gateway.updateModel(r.productKey, r.thingModel) >= 1);
      const reply = nextMessage(c, `${post}_reply`);
      c.publish(post, JSON.stringify({ id: '88', params: { activePower: 50 } }));
      assert.equal((await reply).code, 460);
    });

    test('a command queued by a process without a gateway reaches the device through the bus', async () => {
      const [d] = f.devices;
      const c = await f.device(d);
      const setTopic = `/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`;
      await c.subscribeAsync(setTopic);
      // The desired state left by an earlier test may arrive first, on reconnect: wait for this command's set.
      const got = nextMessage(c, setTopic, 5000, (b) => (b.params as { relay?: number }).relay === 0);
      const r = await queueCommand(
        f.iot.deps,
        f.scope,
        d.productKey,
        d.deviceName,
        { kind: 'set', params: { relay: 0 } },
        actor,
      );
      assert.equal(r.queued, true);
      assert.deepEqual((await got).params, { relay: 0 });
      await assert.rejects(
        queueCommand(
          f.iot.deps,
          f.scope,
          d.productKey,
          d.deviceName,
          { kind: 'service', service: 'setRelay', params: { closed: 1 } },
          actor,
        ),
        /sync service call/,
      );
    });

    test('disabling an application account ends its sessions and refuses it', async () => {
      const acc = await createAccount(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '驾驶舱', topics: ['/cockpit/#'] },
        actor,
      );
      const app = await f.account(acc.username, acc.password);
      const gone = closed(app);
      await setAccountEnabled(f.iot.deps, f.scope, acc.username, false, actor);
      await gone;
      await assert.rejects(f.account(acc.username, acc.password), (e: { code?: number }) => e.code === 5);
    });
  });
}
