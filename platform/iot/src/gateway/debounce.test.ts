// Offline debounce (7.3.2.3.2): a device that drops and reconnects within the window never went offline — no history
// rows, no state events; one that stays away is offline, stamped with the time it left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { outbox, queryRows, testEngines } from '@shequ/db';
import { like, sql } from 'drizzle-orm';
import { getDeviceDetail } from '../registry/device-detail.ts';
import { iotFixture } from '../testing.ts';

const WINDOW = 600;

for (const engine of testEngines()) {
  describe(`offline debounce (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine, { gateway: { offlineDebounceMs: WINDOW } });
    });
    after(async () => {
      await f?.close();
    });

    const detail = () => getDeviceDetail(f.iot.deps, f.scope, f.productKey, f.devices[0].deviceName);
    const stateEvents = async () =>
      (
        await f.database.db
          .select({ data: outbox.data })
          .from(outbox)
          .where(like(outbox.subject, 'shequ.iot.%.state'))
          .orderBy(outbox.seq)
      )
        .map((r) => r.data as { state: string; deviceName: string })
        .filter((e) => e.deviceName === f.devices[0].deviceName)
        .map((e) => e.state);
    const until = async (ok: () => Promise<boolean>, what: string) => {
      const end = Date.now() + 10_000;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(25);
      }
    };

    test('a reconnect within the window leaves the device online with one history row and one event', async () => {
      const first = await f.device(f.devices[0]);
      await until(async () => (await detail()).status === 'online', 'online');
      await first.endAsync(true);
      await sleep(100);
      const second = await f.device(f.devices[0]);
      await sleep(WINDOW + 300);
      const d = await detail();
      assert.equal(d.status, 'online');
      assert.deepEqual(
        d.history.map((h) => [h.state, h.epoch]),
        [['online', 1]],
      );
      assert.deepEqual(await stateEvents(), ['online']);
      const [{ epoch }] = await queryRows<{ epoch: number }>(
        f.database.db,
        sql`select epoch from iot.devices where device_name = ${f.devices[0].deviceName}`,
      );
      assert.equal(Number(epoch), 2, 'the new session has its own epoch');

      // Gone for good: offline after the window, dated when it left.
      const left = Date.now();
      await second.endAsync(true);
      await sleep(WINDOW / 3);
      assert.equal((await detail()).status, 'online', 'held back during the window');
      await until(async () => (await detail()).status === 'offline', 'offline');
      const after = await detail();
      assert.deepEqual(
        after.history.map((h) => [h.state, h.epoch]),
        [
          ['offline', 2],
          ['online', 1],
        ],
      );
      const offAt = new Date(after.history[0].at).getTime();
      assert.ok(offAt - left < WINDOW / 2, `stamped at the disconnect (${offAt - left} ms after), not after the wait`);
      assert.deepEqual(await stateEvents(), ['online', 'offline']);
    });
  });
}
