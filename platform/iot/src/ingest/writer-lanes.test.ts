// The telemetry writer in lanes: uplinks of many devices written by several batches at once, each device in one lane,
// so every uplink is stored once, its latest value is its last, and its bus events keep their order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryBus, OutboxRelay } from '@shequ/bus';
import { createTestDatabase, type Database, queryRows, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { TelemetryWriter } from './writer.ts';

/** `n` devices of one new community, named `<prefix>-0`…. */
function sendersOf(n: number, prefix: string) {
  const communityId = randomUUID();
  return Array.from({ length: n }, (_, i) => ({
    deviceId: randomUUID(),
    communityId,
    productKey: 'pk',
    deviceName: `${prefix}-${i}`,
  }));
}

for (const engine of testEngines()) {
  describe(`telemetry writer lanes (${engine})`, () => {
    let database: Database;
    before(async () => {
      database = await createTestDatabase(engine);
    });
    after(() => database.close());

    test('1,200 uplinks of 12 devices through 4 lanes: all stored, the last value wins, events in order', async () => {
      const writer = new TelemetryWriter(database, { lanes: 4, maxBatch: 50, maxDelayMs: 1 });
      const devices = sendersOf(12, 'd');
      const t0 = Date.now() - 60_000;
      const writes: Promise<void>[] = [];
      for (let n = 0; n < 100; n++) {
        for (const d of devices) {
          writes.push(
            writer.write(d, { kind: 'property', id: `${n}`, values: [{ identifier: 'n', value: n, time: t0 + n }] }),
          );
        }
      }
      await Promise.all(writes);
      await writer.drain();
      assert.equal(writer.pending, 0);
      assert.equal(writer.written, 1200);
      const [count] = await queryRows<{ n: string | number }>(
        database.db,
        sql`select count(*) as n from iot.telemetry`,
      );
      assert.equal(Number(count.n), 1200);
      const latest = await queryRows<{ value: unknown }>(
        database.db,
        sql`select value from iot.device_properties where identifier = 'n'`,
      );
      assert.equal(latest.length, 12);
      assert.ok(
        latest.every((r) => Number(r.value) === 99),
        'every device ends at its last value',
      );
      // Each device's events entered the outbox in the order its uplinks came (one lane per device).
      const rows = await queryRows<{ device: string; n: number }>(
        database.db,
        sql`select data->>'deviceId' as device, (data->'properties'->'n'->>'value')::int as n
            from bus.outbox_events where subject like 'shequ.iot.%' order by seq, pos`,
      );
      const seen = new Map<string, number>();
      for (const r of rows) {
        assert.ok((seen.get(r.device) ?? -1) < r.n, `device ${r.device} out of order at ${r.n}`);
        seen.set(r.device, r.n);
      }
      assert.equal(rows.length, 1200);
    });

    test("batches handed to the relay: published from memory in each device's order, marked, never scanned again", async () => {
      const bus = new MemoryBus();
      const got: Array<{ device: string; n: number }> = [];
      await bus.subscribe('lanes', 'shequ.iot.>', async (e) => {
        const d = e.data as { deviceId: string; properties: { n: { value: number } } };
        got.push({ device: d.deviceId, n: d.properties.n.value });
      });
      const relay = new OutboxRelay(database, bus);
      const unpublished = async () => {
        const [r] = await queryRows<{ n: unknown }>(
          database.db,
          sql`select count(*) as n from bus.outbox where published_at is null`,
        );
        return Number(r.n);
      };
      const before = await unpublished(); // the test above's rows, which no relay published
      let kicks = 0;
      const writer = new TelemetryWriter(database, {
        lanes: 4,
        maxBatch: 20,
        maxDelayMs: 1,
        onCommit: () => kicks++,
        publish: (rowId, events) => relay.publishCommitted(rowId, events),
      });
      const devices = sendersOf(6, 'h');
      const writes: Promise<void>[] = [];
      for (let n = 0; n < 50; n++)
        for (const d of devices)
          writes.push(
            writer.write(d, {
              kind: 'property',
              id: `${n}`,
              values: [{ identifier: 'n', value: n, time: Date.now() }],
            }),
          );
      await Promise.all(writes);
      await writer.drain();
      await relay.stop();
      assert.equal(kicks, 0, 'handed-over batches do not wake the scan');
      const mine = got.filter((g) => devices.some((d) => d.deviceId === g.device));
      assert.equal(mine.length, 300, 'each event published once');
      for (const d of devices)
        assert.deepEqual(
          mine.filter((g) => g.device === d.deviceId).map((g) => g.n),
          Array.from({ length: 50 }, (_, n) => n),
          'in the order the device sent them',
        );
      assert.equal(await unpublished(), before, 'every handed-over row is marked published');
    });

    test('a bus that does not keep up stops the lane after 32 batches waiting, then it goes on', async () => {
      const waiting: Array<() => void> = [];
      const writer = new TelemetryWriter(database, {
        lanes: 1,
        maxBatch: 1,
        maxDelayMs: 0,
        publish: () => new Promise<void>((resolve) => waiting.push(resolve)),
      });
      const device = { deviceId: randomUUID(), communityId: randomUUID(), productKey: 'pk', deviceName: 'slow-bus' };
      let answered = 0;
      const writes = Array.from({ length: 40 }, (_, n) =>
        writer
          .write(device, { kind: 'property', id: `${n}`, values: [{ identifier: 'n', value: n, time: Date.now() }] })
          .then(() => answered++),
      );
      const until = async (cond: () => boolean) => {
        for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
      };
      // The chain publishes one batch at a time: the first waits in `publish`, 31 more behind it.
      await until(() => writer.written >= 32);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(writer.written, 32, 'the lane stopped writing with 32 batches waiting for the bus');
      assert.equal(answered, 32);
      while (answered < 40 || waiting.length) {
        waiting.shift()?.();
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(writes);
      await writer.drain();
      assert.equal(writer.written, 40);
    });
  });
}
