import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PluginManifest } from '@shequ/schemas';
import { createTestHost, type TestHost, testUsers } from './index.ts';

const manifest: PluginManifest = {
  id: 'org.test.host',
  version: '0.2.0',
  name: { zh: '测试', en: 'Test' },
  description: { zh: '测试', en: 'Test' },
  scenario: 'services',
  sdk: '^0.1.0',
  permissions: { services: { message: ['send'] }, data: ['stats:read', 'people:read-masked'] },
  http: { hosts: ['api.example.com'] },
  collections: {
    notes: {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: { text: { type: 'string', maxLength: 10 }, n: { type: 'integer' } },
      },
    },
  },
  handlers: {
    add: { roles: ['resident'], input: { type: 'object', required: ['text'] } },
    list: { roles: ['resident', 'operator'] },
    whoami: { roles: ['resident', 'operator'] },
    notify: { roles: ['operator'] },
    people: { roles: ['operator'] },
    stats: { roles: ['operator'] },
    call: { roles: ['operator'] },
    emit: {},
    loop: { roles: ['operator'] },
  },
};

const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  add: (input, ctx) => ctx.collections.notes.insert({ text: input.text }),
  list: (input, ctx) => ctx.collections.notes.find(input),
  whoami: (input, ctx) => ({ user: ctx.user, community: ctx.community, plugin: ctx.plugin, settings: ctx.settings }),
  notify: (input, ctx) => ctx.services.message.send(input),
  people: (input, ctx) => ctx.data['people:read-masked'].list({}),
  stats: (input, ctx) => ctx.data['stats:read'].list({}),
  call: async (input, ctx) => { ctx.log.info('calling', input.url); return ctx.http.fetch(input.url, { method: 'POST', body: 'hi' }); },
  emit: (input, ctx) => ctx.emit(input.event, { ok: true }),
  loop: () => { for (;;) {} },
} } };`;

let host: TestHost;
const seen: string[] = [];
before(async () => {
  host = await createTestHost({
    manifest,
    bundle,
    settings: { greeting: '你好' },
    fixtures: {
      notes: [{ id: '00000000-0000-4000-8000-000000000001', text: 'seed', createdAt: '2026-01-01T00:00:00.000Z' }],
    },
    grants: { data: ['stats:read'] },
    data: { 'stats:read': () => ({ totals: { people: 7 } }) },
    fetch: async (url, init) => {
      seen.push(`${init.method} ${url}`);
      return { status: 200, headers: {}, body: 'pong' };
    },
    limits: { cpuMs: 100 },
  });
});
after(() => host.close());

test('handlers see the test community, user and settings', async () => {
  const who = await host.call<Record<string, unknown>>('whoami', {}, { user: 'operator' });
  assert.deepEqual(who.user, testUsers.operator);
  assert.deepEqual(who.plugin, { id: 'org.test.host', version: '0.2.0' });
  assert.deepEqual(who.settings, { greeting: '你好' });
});

test('fixtures are stored with their ids; writes are validated against the collection schema', async () => {
  assert.equal(host.records('notes')[0].id, '00000000-0000-4000-8000-000000000001');
  await host.call('add', { text: 'ok' });
  await assert.rejects(host.call('add', { text: 'far too long' }), { code: 'INVALID_INPUT' });
  await assert.rejects(host.call('add', {}), { code: 'INVALID_INPUT' });
  await assert.rejects(host.call('list', { where: { nope: 1 } }), { code: 'INVALID_INPUT' });
  assert.equal((await host.call<{ total: number }>('list', {})).total, 2);
  await assert.rejects(
    createTestHost({ manifest, bundle, fixtures: { notes: [{ text: 42 }] } }),
    /does not match the collection schema/,
  );
});

test('roles are checked for page calls; a null user is a system call', async () => {
  await assert.rejects(host.call('add', { text: 'x' }, { user: 'operator' }), { code: 'FORBIDDEN' });
  await assert.rejects(host.call('emit', { event: 'x.done' }), { code: 'FORBIDDEN' });
  await host.call('emit', { event: 'note.added' }, { user: null });
  assert.deepEqual(host.events.at(-1), { event: 'note.added', payload: { ok: true } });
  await assert.rejects(host.call('nothing'), { code: 'NOT_FOUND' });
});

test('service calls are checked by the bridge and recorded; bad arguments are refused like the platform does', async () => {
  await host.call('notify', { userId: testUsers.resident.id, text: { zh: '你好', en: 'Hello' } }, { user: 'operator' });
  assert.deepEqual(host.calls.at(-1), {
    service: 'message',
    action: 'send',
    args: { userId: testUsers.resident.id, text: { zh: '你好', en: 'Hello' } },
    user: testUsers.operator,
  });
  await assert.rejects(host.call('notify', { userId: 'me' }, { user: 'operator' }), { code: 'INVALID_INPUT' });
});

test('data scopes need the grant; fakes answer granted ones', async () => {
  assert.deepEqual(await host.call('stats', {}, { user: 'operator' }), { totals: { people: 7 } });
  await assert.rejects(host.call('people', {}, { user: 'operator' }), { code: 'PLUGIN_FAILED' });
  assert.equal(host.audit.at(-1)?.result, 'denied');
});

test('outbound calls reach the fake only for declared hosts; logs are kept', async () => {
  const res = await host.call<{ body: string }>('call', { url: 'https://api.example.com/ping' }, { user: 'operator' });
  assert.equal(res.body, 'pong');
  assert.deepEqual(seen, ['POST https://api.example.com/ping']);
  await assert.rejects(host.call('call', { url: 'https://evil.example.net/' }, { user: 'operator' }), {
    code: 'PLUGIN_FAILED',
  });
  assert.deepEqual(host.logs.at(-1), ['info', 'calling https://evil.example.net/']);
});

test('sandbox limits apply as in production', async () => {
  await assert.rejects(host.call('loop', {}, { user: 'operator' }), (e: { code: string; message: string }) => {
    assert.equal(e.code, 'PLUGIN_FAILED');
    assert.match(e.message, /CPU budget/);
    return true;
  });
});
