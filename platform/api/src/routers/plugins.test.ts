import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { generatePublisherKey, openPluginRuntime, type PluginRuntime, packPlugin, signPackage } from '@shequ/runtime';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

const manifest = {
  id: 'org.test.hello',
  version: '1.0.0',
  name: { zh: '问候', en: 'Hello' },
  description: { zh: '问候应用', en: 'Says hello' },
  scenario: 'services',
  sdk: '^0.1.0',
  collections: {
    notes: { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 10 } } } },
  },
  handlers: {
    hello: { roles: ['resident', 'operator'] },
    note: { roles: ['operator'] },
    notes: { roles: ['resident', 'operator'] },
  },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '留言', en: 'Notes' },
      source: { handler: 'notes' },
      columns: [{ field: 'text', title: { zh: '内容', en: 'Text' } }],
    },
    write: {
      type: 'form',
      audience: 'operator',
      menu: true,
      title: { zh: '写留言', en: 'Write' },
      schema: { type: 'object', properties: { text: { type: 'string' } } },
      submit: { handler: 'note' },
    },
  },
};
const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  hello: (input, ctx) => ({ greeting: '你好，' + ctx.community.code, role: ctx.user.role }),
  note: (input, ctx) => ctx.collections.notes.insert({ text: input.text }),
  notes: (input, ctx) => ctx.collections.notes.find({}),
} } };`;

/** Renames an entry inside a packed archive (fixing the header checksum): how a hostile archive is made. */
function renameEntry(archive: Buffer, from: string, to: string): Buffer {
  const tar = Buffer.from(gunzipSync(archive));
  for (let off = 0; off + 512 <= tar.length; off += 512) {
    if (tar.subarray(off, off + from.length + 1).equals(Buffer.from(`${from}\0`))) {
      tar.fill(0, off, off + 100);
      tar.write(to, off);
      tar.fill(0x20, off + 148, off + 156);
      let sum = 0;
      for (let i = off; i < off + 512; i++) sum += tar[i];
      tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148);
      return tar;
    }
  }
  throw new Error(`no entry ${from}`);
}

describe('plugins API', () => {
  let dir: string;
  let platform: Platform;
  let runtime: PluginRuntime;
  let app: FastifyInstance;
  const adminToken = 'test-admin-token-plugins-0123456789';
  const client = apiTestClient(() => app, adminToken);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-plugins-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    runtime = await openPluginRuntime(platform);
    app = await buildServer(platform, { adminToken, plugins: runtime.host });
    await client.login('resident', 'operator', 'property', 'gov');
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('register needs plugins.publish; a bad manifest names the pointer', async () => {
    assert.equal((await call('operator', 'plugins.register', { manifest, bundle })).error.appCode, 'FORBIDDEN');
    const bad = await call('cli', 'plugins.register', { manifest: { ...manifest, extra: 1 }, bundle });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.match(bad.error.messageEn, /shequ\.plugin\.json#\/extra: unknown field "extra"/);
    const ok = await call('cli', 'plugins.register', { manifest, bundle });
    assert.deepEqual(ok.data, { pluginId: 'org.test.hello', version: '1.0.0' });
  });

  test('a .shequ archive uploads; tampered, traversing and unsigned-when-required archives store nothing', async () => {
    const upload = (body: Buffer, query = '') =>
      app.inject({
        method: 'POST',
        url: `/api/plugins/packages${query}`,
        payload: body,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
      });
    const files = { 'shequ.plugin.json': JSON.stringify({ ...manifest, version: '1.0.1' }), 'bundle.js': bundle };
    const key = generatePublisherKey();
    const signed = signPackage(files, key.privateKeyPem);
    const tampered = packPlugin({ ...signed, 'bundle.js': `${bundle}\n// changed after signing` });
    const t = await upload(tampered);
    assert.equal(t.statusCode, 400);
    assert.match(t.json().error.messageEn, /"bundle.js" was changed after signing/);
    const traversal = await upload(renameEntry(packPlugin(files), 'bundle.js', '../bun.js'));
    assert.match(traversal.json().error.messageEn, /"\.\.\/bun\.js" has a "\.\." segment/);
    const unsigned = await upload(packPlugin(files), '?signed=required');
    assert.match(unsigned.json().error.messageEn, /not signed/);
    const versions = (await call('cli', 'plugins.packages', undefined, 'GET')).data.map(
      (p: { version: string }) => p.version,
    );
    assert.deepEqual(versions, ['1.0.0']);
    const ok = await upload(packPlugin(signed), '?signed=required');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(
      [ok.json().pluginId, ok.json().version, ok.json().signedBy.keyId],
      ['org.test.hello', '1.0.1', key.keyId],
    );
  });

  test('the community admin installs; property staff may not', async () => {
    const input = { community: 'demo', pluginId: 'org.test.hello', version: '1.0.0' };
    assert.equal((await call('property', 'plugins.install', input)).error.appCode, 'FORBIDDEN');
    assert.equal((await call('operator', 'plugins.install', input)).data.state, 'enabled');
    const installed = await call('property', 'plugins.installed', { community: 'demo' }, 'GET');
    assert.deepEqual(
      installed.data.map((i: { pluginId: string }) => i.pluginId),
      ['org.test.hello'],
    );
  });

  test('residents see resident pages and call resident handlers; operators see console pages', async () => {
    const apps = await call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'GET');
    assert.deepEqual(
      apps.data.map((a: { pluginId: string; home: string }) => [a.pluginId, a.home]),
      [['org.test.hello', 'home']],
    );
    const forbidden = await call('resident', 'plugins.apps', { community: 'demo', audience: 'operator' }, 'GET');
    assert.equal(forbidden.error.appCode, 'FORBIDDEN');
    const app1 = await call(
      'operator',
      'plugins.app',
      { community: 'demo', pluginId: 'org.test.hello', audience: 'operator' },
      'GET',
    );
    assert.deepEqual(Object.keys(app1.data.pages), ['write']);
    const hello = await call('resident', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'hello',
      input: {},
    });
    assert.deepEqual(hello.data, { greeting: '你好，demo', role: 'resident' });
    const denied = await call('resident', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'note',
      input: { text: 'x' },
    });
    assert.equal(denied.error.appCode, 'FORBIDDEN');
  });

  test('a write breaking the collection schema comes back as field errors; a good one is listed', async () => {
    const bad = await call('operator', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'note',
      input: { text: '这段文字明显超过了十个字的限制' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.ok(bad.error.fieldErrors.text);
    await call('operator', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'note',
      input: { text: '停水通知' },
    });
    const list = await call('resident', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'notes',
      input: {},
    });
    assert.deepEqual(
      list.data.items.map((n: { text: string }) => n.text),
      ['停水通知'],
    );
  });

  test('a government official outside the community cannot call apps; disabling hides the app', async () => {
    const gov = await call('gov', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.test.hello',
      handler: 'hello',
      input: {},
    });
    assert.equal(gov.error.appCode, 'FORBIDDEN');
    await call('operator', 'plugins.setEnabled', { community: 'demo', pluginId: 'org.test.hello', enabled: false });
    const apps = await call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'GET');
    assert.deepEqual(apps.data, []);
  });
});
