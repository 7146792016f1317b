// Smoke test: the simulated community provisions itself through the platform's services and its devices' data
// arrives over MQTT, HTTP and CoAP (7.3.2.2.5 several device protocols; 7.3.2.4.2 CoAP's encrypted channel).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queryRows, testEngines } from '@shequ/db';
import { CoapIngest, HttpIngest, iotFixture } from '@shequ/iot';
import { sql } from 'drizzle-orm';
import { startDemoSimulator } from '../src/index.ts';

for (const engine of testEngines()) {
  describe(`simulator (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let http: HttpIngest;
    let coap: CoapIngest;
    const dataDir = mkdtempSync(join(tmpdir(), 'shequ-sim-'));
    before(async () => {
      f = await iotFixture(engine);
      const o = { database: f.database, crypto: f.crypto, writer: f.iot.writer };
      http = new HttpIngest(o);
      coap = new CoapIngest(o);
    });
    after(async () => {
      await http?.close();
      await coap?.close();
      await f?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const rowsByProduct = async () =>
      queryRows<{ name: string; n: number | string }>(
        f.database.db,
        sql`select p.name, count(*) as n from iot.telemetry t join iot.devices d on d.id = t.device_id
            join iot.products p on p.id = d.product_id where p.name like '模拟·%' group by p.name`,
      );

    test('runs a few seconds, stores data from every kind of device over all three protocols, restarts cleanly', async () => {
      const endpoints = {
        mqttUrl: `mqtt://127.0.0.1:${f.port}`,
        httpUrl: `http://127.0.0.1:${(await http.listen({ port: 0, host: '127.0.0.1' })).port}`,
        coap: { host: '127.0.0.1', port: (await coap.listen({ port: 0, host: '127.0.0.1' })).port },
      };
      const run = { database: f.database, deps: f.iot.deps, dataDir, rate: 40, endpoints };
      const sim = await startDemoSimulator(run);
      assert.ok(sim);
      await new Promise((r) => setTimeout(r, 2500));
      await sim.stop();
      await f.iot.writer.drain();
      assert.equal(sim.stats.refused, 0, 'every generated message fits its thing model');
      assert.equal(sim.stats.failed, 0);
      assert.ok(sim.stats.byProtocol.mqtt > 0 && sim.stats.byProtocol.http > 0 && sim.stats.byProtocol.coap > 0);
      const rows = await rowsByProduct();
      assert.equal(rows.length, 6, JSON.stringify(rows));
      assert.equal(statSync(join(dataDir, 'simulator', 'devices.json')).mode & 0o777, 0o600);
      // A second run reuses the products, devices and kept secrets.
      const again = await startDemoSimulator({ ...run, rate: 20 });
      await new Promise((r) => setTimeout(r, 600));
      await again!.stop();
      assert.ok(again!.stats.accepted > 0);
      assert.equal(again!.stats.refused + again!.stats.failed, 0);
      const products = await queryRows<{ n: number | string }>(
        f.database.db,
        sql`select count(*) as n from iot.products where name like '模拟·%'`,
      );
      assert.equal(Number(products[0].n), 6);
    });

    test('a lost state file: devices get new secrets by rotation and keep sending', async () => {
      rmSync(join(dataDir, 'simulator'), { recursive: true, force: true });
      const sim = await startDemoSimulator({
        database: f.database,
        deps: f.iot.deps,
        dataDir,
        rate: 30,
        endpoints: { mqttUrl: `mqtt://127.0.0.1:${f.port}` },
      });
      await new Promise((r) => setTimeout(r, 1200));
      await sim!.stop();
      assert.ok(sim!.stats.accepted > 0);
      assert.equal(sim!.stats.refused + sim!.stats.failed, 0, 'MQTT stands in for listeners that are off');
      assert.equal(sim!.stats.byProtocol.mqtt, sim!.stats.sent);
    });
  });
}
