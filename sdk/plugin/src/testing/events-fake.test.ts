import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PluginManifest } from '@shequ/schemas';
import { createTestHost } from './index.ts';

const manifest: PluginManifest = {
  id: 'org.test.events',
  version: '0.1.0',
  name: { zh: '事件', en: 'Events' },
  description: { zh: '事件上报', en: 'Event reports' },
  scenario: 'services',
  sdk: '^0.1.0',
  permissions: { services: { events: ['report', 'get'] } },
  handlers: { report: { roles: ['resident'] }, read: { roles: ['resident'] } },
};

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  report: (input, ctx) => ctx.services.events.report(input),
  read: (input, ctx) => ctx.services.events.get(input),
} } };`;

test('the events fake opens an event once per key, reads it back and refuses bad photos like the platform', async () => {
  const host = await createTestHost({ manifest, bundle });
  try {
    const args = { key: 'k1', type: 'repair', title: '水管漏水', severity: 'high' };
    const first = (await host.call('report', args, { user: 'resident' })) as { id: string; state: string };
    assert.equal(first.state, 'reported');
    assert.equal(((await host.call('report', args, { user: 'resident' })) as { id: string }).id, first.id);
    const read = (await host.call('read', { id: first.id }, { user: 'resident' })) as { title: string };
    assert.equal(read.title, '水管漏水');
    await assert.rejects(
      host.call('report', { ...args, key: 'k2', photos: ['data:text/plain;base64,aGk='] }, { user: 'resident' }),
    );
    await assert.rejects(host.call('read', { id: '00000000-0000-4000-8000-000000000999' }, { user: 'resident' }));
    assert.deepEqual(host.calls.map((c) => `${c.service}.${c.action}`).slice(0, 3), [
      'events.report',
      'events.report',
      'events.get',
    ]);
  } finally {
    await host.close();
  }
});
