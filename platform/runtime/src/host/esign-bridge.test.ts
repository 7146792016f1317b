import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type AppError, createLogger, MemoryChannel, saveContractTemplate } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { testEngines, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { coreCapabilities, installPlugin, PluginHost, registerPackage, SandboxPool } from '../index.ts';

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  lease: (input, ctx) => ctx.services.esign.createDocument(input),
  status: (input, ctx) => ctx.services.esign.status(input),
} } };`;

for (const engine of testEngines()) {
  describe(`e-signature through the app bridge (${engine})`, () => {
    let fx: Awaited<ReturnType<typeof demoFixture>>;
    let pool: SandboxPool;
    let host: PluginHost;
    let templateId: string;
    let resident: { id: string; role: 'resident' };
    const call = (
      handler: string,
      input: unknown,
      user: { id: string; role: 'resident' | 'operator' } | null,
      pluginId = 'org.test.lease',
    ) =>
      host.invoke({
        community: { id: fx.demo, code: 'demo' },
        pluginId,
        handler,
        input,
        user,
        via: user ? 'page' : 'system',
      });

    before(async () => {
      fx = await demoFixture(engine);
      const [u] = await fx.database.db.select().from(users).where(eq(users.username, 'resident'));
      resident = { id: u.id, role: 'resident' };
      templateId = (
        await saveContractTemplate(
          fx.database.db,
          fx.demo,
          {
            name: '车位租赁合同',
            body: '承租方：{{name}}\n车位：{{slot}}',
            variables: [
              { key: 'name', label: '承租人', required: true },
              { key: 'slot', label: '车位', required: true },
            ],
            validDays: 7,
          },
          { subject: 'admin' },
        )
      ).id;
      pool = new SandboxPool({ size: 1 });
      host = new PluginHost(
        fx.database,
        pool,
        coreCapabilities({ ...fx.d, channel: new MemoryChannel() }),
        createLogger(tmpdir(), 'silent'),
      );
      for (const [id, actions] of [
        ['org.test.lease', ['createDocument', 'status']],
        ['org.test.nosy', ['status']],
      ] as const) {
        await registerPackage(
          host,
          {
            id,
            version: '1.0.0',
            name: { zh: '车位租赁', en: 'Parking lease' },
            description: { zh: '线上签车位合同', en: 'Sign a parking lease online' },
            scenario: 'neighbourhood',
            sdk: '^0.1.0',
            permissions: { services: { esign: [...actions] } },
            handlers: { lease: { roles: ['resident', 'operator'] }, status: { roles: ['resident', 'operator'] } },
          },
          bundle,
        );
        await installPlugin(host, fx.demo, id, '1.0.0', { subject: 'admin' });
      }
    });
    after(async () => {
      await host?.close();
      await pool?.close();
      await fx?.database.close();
    });

    test('an app sends a contract to the calling resident and reads its status; others are refused', async () => {
      const sent = (await call(
        'lease',
        { templateId, signerUserId: resident.id, values: { name: '王秀英', slot: 'B2-017' } },
        resident,
      )) as {
        documentId: string;
        status: string;
      };
      assert.equal(sent.status, 'sent');
      const st = (await call('status', { documentId: sent.documentId }, null)) as {
        status: string;
        signedAt: string | null;
      };
      assert.deepEqual([st.status, st.signedAt], ['sent', null]);

      const stranger = { id: '00000000-0000-4000-8000-000000000b0b', role: 'resident' as const };
      await assert.rejects(
        call('lease', { templateId, signerUserId: resident.id, values: { name: 'x', slot: 'y' } }, stranger),
        (e: AppError) => /operator’s call/.test(e.messageEn),
      );
      await assert.rejects(
        call('lease', { templateId, signerUserId: resident.id, values: { name: '王秀英' } }, resident),
        (e: AppError) => /Please fill in: 车位/.test(e.messageEn),
      );
      // An app without the createDocument permission is stopped by the bridge; another app's contract is NOT_FOUND.
      await assert.rejects(
        call('lease', { templateId, signerUserId: resident.id, values: {} }, resident, 'org.test.nosy'),
      );
      await assert.rejects(
        call('status', { documentId: sent.documentId }, null, 'org.test.nosy'),
        (e: AppError) => e.code === 'NOT_FOUND',
      );
    });
  });
}
