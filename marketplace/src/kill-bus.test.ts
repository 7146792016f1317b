import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { NatsBus, OutboxRelay } from '@shequ/bus';
import { createLogger } from '@shequ/core';
import { testEngines } from '@shequ/db';
import { generatePublisherKey, type PluginHost } from '@shequ/runtime';
import { installFromShelf } from './installs.ts';
import { killVersion, listenForKills } from './kill.ts';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { submitPackage } from './submit.ts';
import { marketFixture, signedArchive } from './testing.ts';
import { moveSubmission } from './workflow.ts';

const natsUrl = process.env.SHEQU_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

for (const engine of testEngines()) {
  describe(`kill switch over NATS to three API processes [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const buses: NatsBus[] = [];
    let relay: OutboxRelay;
    const heard: Array<Map<string, number>> = [new Map(), new Map(), new Map()];
    const stream = `T${randomBytes(4).toString('hex')}`;
    const prefix = `t${randomBytes(4).toString('hex')}.`;

    before(async () => {
      fx = await marketFixture(engine);
      // Three connections stand for three API processes, each with its own listener and its own install cache.
      for (let i = 0; i < 3; i++) buses.push(await NatsBus.connect(natsUrl, { stream, prefix }));
      const log = createLogger(tmpdir(), 'silent');
      for (const [i, bus] of buses.entries()) {
        const host = {
          forget: (community: string, pluginId: string) => heard[i].set(`${community}/${pluginId}`, performance.now()),
        } as unknown as PluginHost;
        await listenForKills(bus, host, log, `api-${i}`);
      }
      relay = new OutboxRelay(fx.database, buses[0], { idleMs: 20 });
      relay.start();
      const publisher = { subject: 'provider-user' };
      const key = generatePublisherKey();
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
      const s = await submitPackage(fx.market, publisher, signedArchive(key.privateKeyPem, '1.0.0'));
      for (const m of ['claim', 'approve', 'shelve'] as const)
        await moveSubmission(fx.market, publisher, s.submissionId, m);
      await installFromShelf(fx.market, publisher, { pluginId: 'org.acme.board', communityIds: [fx.demo, fx.other] });
    });
    after(async () => {
      await relay?.stop();
      await buses[0]?.destroy();
      for (const b of buses) await b.close();
      await fx?.close();
    });

    test('every process drops the killed installs within 2 s', async () => {
      const t0 = performance.now();
      const k = await killVersion(fx.market, { subject: 'reviewer' }, 'org.acme.board', '1.0.0', 'test');
      assert.equal(k.disabledInstalls, 2);
      const want = [`${fx.demo}/org.acme.board`, `${fx.other}/org.acme.board`];
      while (performance.now() - t0 < 5000 && !heard.every((h) => want.every((w) => h.has(w))))
        await new Promise((r) => setTimeout(r, 10));
      for (const [i, h] of heard.entries()) for (const w of want) assert.ok(h.has(w), `process ${i} heard ${w}`);
      const slowest = Math.max(...heard.flatMap((h) => want.map((w) => (h.get(w) ?? Number.POSITIVE_INFINITY) - t0)));
      console.log(`kill switch reached 3 processes in ${Math.round(slowest)} ms`);
      assert.ok(slowest <= 2000, `reached every process in ${Math.round(slowest)} ms`);
    });
  });
}
