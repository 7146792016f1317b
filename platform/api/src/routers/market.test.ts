import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { generatePublisherKey, openPluginRuntime, type PluginRuntime, packPlugin, signPackage } from '@shequ/runtime';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

const manifest = (version: string) => ({
  id: 'org.acme.hello',
  version,
  name: { zh: '问候', en: 'Hello' },
  description: { zh: '问候应用', en: 'Says hello' },
  scenario: 'services',
  sdk: '^0.1.0',
  handlers: { hello: { roles: ['resident', 'operator'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '问候', en: 'Hello' },
      source: { handler: 'hello' },
      columns: [{ field: 'text', title: { zh: '内容', en: 'Text' } }],
    },
  },
});
const bundle = 'globalThis.__shequPlugin = { plugin: { handlers: { hello: () => [{ text: "你好" }] } } };';

/** Streams `total` bytes as a chunked body (no content-length) and answers the status and body. */
function streamUpload(port: number, token: string, total: number) {
  return new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    let sent = 0;
    const req = request(
      {
        port,
        method: 'POST',
        path: '/api/market/packages',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024);
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('market API', () => {
  let dir: string;
  let platform: Platform;
  let runtime: PluginRuntime;
  let app: FastifyInstance;
  const adminToken = 'test-admin-token-market-0123456789ab';
  const client = apiTestClient(() => app, adminToken);
  const key = generatePublisherKey();
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };
  const upload = async (who: string, body: Buffer) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/market/packages',
      payload: body,
      headers: {
        authorization: `Bearer ${who === 'cli' ? adminToken : 'x'}`,
        'content-type': 'application/octet-stream',
      },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const archive = (v: string) =>
    packPlugin(
      signPackage({ 'shequ.plugin.json': JSON.stringify(manifest(v)), 'bundle.js': bundle }, key.privateKeyPem),
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-market-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    runtime = await openPluginRuntime(platform);
    app = await buildServer(platform, { adminToken, plugins: runtime.host });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await client.login('provider', 'reviewer', 'operator', 'resident');
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('publish → review → shelf → install → resident sees it → disable → kill, each by the right role', async () => {
    const pub = await call('provider', 'market.createPublisher', {
      slug: 'org.acme',
      name: { zh: '顶点', en: 'Acme' },
    });
    assert.equal(pub.data.slug, 'org.acme');
    assert.equal(
      (await call('reviewer', 'market.createPublisher', { slug: 'org.x', name: { zh: 'x', en: 'x' } })).error.appCode,
      'FORBIDDEN',
    );
    await call('provider', 'market.addKey', { publisher: 'org.acme', publicKey: key.publicKeyPem, keyId: key.keyId });
    const up = await upload('cli', archive('1.0.0'));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.state, 'submitted');
    const id = up.body.submissionId;
    const mine = await call('provider', 'market.mySubmissions', undefined, 'GET');
    assert.deepEqual(
      mine.data.map((s: { id: string }) => s.id),
      [id],
    );
    const report = await call('provider', 'market.report', { id }, 'GET');
    assert.equal(report.data.passed, true);
    assert.ok(report.data.platformPublicKey);
    // Publishers do not review; reviewers do not publish.
    assert.equal((await call('provider', 'market.claim', { id })).error.appCode, 'FORBIDDEN');
    assert.equal((await call('reviewer', 'market.withdraw', { id })).error.appCode, 'FORBIDDEN');
    const queue = await call('reviewer', 'market.queue', {}, 'GET');
    assert.ok(queue.data.some((s: { id: string }) => s.id === id));
    for (const step of ['claim', 'approve', 'shelve'])
      assert.equal((await call('reviewer', `market.${step}`, { id })).status, 200, step);
    const shelf = await call('operator', 'market.browse', { q: 'hello' }, 'GET');
    assert.deepEqual(
      shelf.data.apps.map((a: { pluginId: string }) => a.pluginId),
      ['org.acme.hello'],
    );
    assert.equal((await call('resident', 'market.browse', {}, 'GET')).error.appCode, 'FORBIDDEN');
    const detail = await call('operator', 'market.app', { pluginId: 'org.acme.hello' }, 'GET');
    assert.equal(detail.data.version, '1.0.0');
    const inst = await call('operator', 'market.install', { pluginId: 'org.acme.hello', communities: ['demo'] });
    assert.equal(inst.data.communities, 1, JSON.stringify(inst.error));
    const seen = await call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'GET');
    assert.ok(seen.data.some((a: { pluginId: string }) => a.pluginId === 'org.acme.hello'));
    // Ratings and reviews, each by the right role: operators rate for their community, the publisher replies,
    // reviewers hide; residents do none of it.
    const rate = { community: 'demo', pluginId: 'org.acme.hello', rating: 4, body: '好用' };
    assert.equal((await call('resident', 'market.rate', rate)).error.appCode, 'FORBIDDEN');
    assert.equal((await call('operator', 'market.rate', { ...rate, rating: 6 })).error.appCode, 'INVALID_INPUT');
    const rated = await call('operator', 'market.rate', rate);
    assert.equal(rated.data.rating, 4, JSON.stringify(rated.error));
    const reviews = await call('operator', 'market.reviews', { pluginId: 'org.acme.hello', community: 'demo' }, 'GET');
    assert.deepEqual(
      reviews.data.map((r: { rating: number; own: boolean }) => [r.rating, r.own]),
      [[4, true]],
    );
    const reviewId = reviews.data[0].id;
    assert.equal(
      (await call('reviewer', 'market.replyReview', { id: reviewId, reply: '谢谢' })).error.appCode,
      'FORBIDDEN',
    );
    assert.equal((await call('provider', 'market.replyReview', { id: reviewId, reply: '谢谢' })).status, 200);
    assert.equal(
      (await call('provider', 'market.hideReview', { id: reviewId, reason: '广告' })).error.appCode,
      'FORBIDDEN',
    );
    const rated4 = await call('operator', 'market.browse', { sort: 'rating' }, 'GET');
    assert.deepEqual(rated4.data.apps[0].rating, { average: 4, count: 1 });
    assert.equal((await call('reviewer', 'market.hideReview', { id: reviewId, reason: '广告' })).status, 200);
    const after = await call('operator', 'market.app', { pluginId: 'org.acme.hello' }, 'GET');
    assert.deepEqual([after.data.rating.average, after.data.rating.count], [null, 0]);
    const shot = await app.inject({ method: 'GET', url: '/api/market/screenshots/org.acme.hello/1.0.0/0' });
    assert.equal(shot.statusCode, 404, 'the app has no screenshots');
    const bad = await app.inject({ method: 'GET', url: '/api/market/screenshots/org.acme.hello/1.0.0/..%2fx' });
    assert.equal(bad.statusCode, 400);
    await call('operator', 'market.setEnabled', { community: 'demo', pluginId: 'org.acme.hello', enabled: false });
    const hidden = await call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'GET');
    assert.ok(!hidden.data.some((a: { pluginId: string }) => a.pluginId === 'org.acme.hello'));
    await call('operator', 'market.setEnabled', { community: 'demo', pluginId: 'org.acme.hello', enabled: true });
    assert.equal(
      (await call('operator', 'market.kill', { pluginId: 'org.acme.hello', version: '1.0.0', reason: 'x' })).error
        .appCode,
      'FORBIDDEN',
    );
    const kill = await call('reviewer', 'market.kill', {
      pluginId: 'org.acme.hello',
      version: '1.0.0',
      reason: '安全问题',
    });
    assert.equal(kill.data.disabledInstalls, 1);
    const gone = await call('resident', 'plugins.apps', { community: 'demo', audience: 'resident' }, 'GET');
    assert.ok(!gone.data.some((a: { pluginId: string }) => a.pluginId === 'org.acme.hello'));
    const again = await call('operator', 'market.setEnabled', {
      community: 'demo',
      pluginId: 'org.acme.hello',
      enabled: true,
    });
    assert.equal(again.error.appCode, 'CONFLICT');
  });

  test('uploads: unauthenticated, wrong role, declared-oversize and streamed-oversize bodies are refused early', async () => {
    assert.equal((await upload('nobody', archive('2.0.0'))).status, 401);
    const port = (app.server.address() as AddressInfo).port;
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          port,
          method: 'POST',
          path: '/api/market/packages',
          headers: {
            authorization: `Bearer ${adminToken}`,
            'content-type': 'application/octet-stream',
            'content-length': String(500 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    assert.equal(declared, 400);
    const streamed = await streamUpload(port, adminToken, 64 * 1024 * 1024).catch((err: Error) => ({
      status: -1,
      body: err.message,
      sent: 0,
    }));
    // Either the answer arrives (400, naming the limit) or the server closes the connection mid-stream.
    if (streamed.status !== -1) {
      assert.equal(streamed.status, 400);
      assert.match(JSON.parse(streamed.body).error.messageEn, /refused while streaming|over the 8 MB limit/);
    }
  });

  test('shequ-plugin publish uploads; shequ market review|approve|kill act on it', async () => {
    const run = (script: string, args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--no-node-snapshot', fileURLToPath(new URL(script, import.meta.url)), ...args],
          { env: { ...process.env, SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' } },
          (err, out, errText) => resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errText }),
        );
      });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const file = join(dir, 'hello-2.0.0.shequ');
    writeFileSync(file, archive('2.0.0'));
    const pub = await run('../../../../sdk/plugin/src/cli/main.ts', [
      'publish',
      file,
      '--url',
      url,
      '--token',
      adminToken,
    ]);
    assert.equal(pub.code, 0, pub.err);
    const id = pub.out.match(/submission ([0-9a-f-]{36})/)?.[1];
    assert.ok(id, pub.out);
    const shequ = (...args: string[]) => run('../../../cli/src/bin.ts', [...args, '--url', url, '--token', adminToken]);
    const queue = await shequ('market', 'review');
    assert.equal(queue.code, 0, queue.err);
    assert.match(queue.out, new RegExp(`${id}\\s+org\\.acme\\.hello@2\\.0\\.0`));
    const ok = await shequ('market', 'approve', id as string, '--shelve');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /on_shelf/);
    const kill = await shequ('market', 'kill', 'org.acme.hello@2.0.0', '--reason', 'test');
    assert.equal(kill.code, 0, kill.err);
    assert.match(kill.out, /killed org\.acme\.hello@2\.0\.0: 0 install/);
    const again = await run('../../../../sdk/plugin/src/cli/main.ts', [
      'publish',
      file,
      '--url',
      url,
      '--token',
      adminToken,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already submitted/);
  });
  test('staged upgrade and handler metrics for the operator of the community; others are refused', async () => {
    for (const v of ['3.0.0', '3.1.0']) {
      const up = await upload('cli', archive(v));
      assert.equal(up.status, 200, JSON.stringify(up.body));
      for (const step of ['claim', 'approve', 'shelve'])
        assert.equal((await call('reviewer', `market.${step}`, { id: up.body.submissionId })).status, 200, step);
    }
    const base = { pluginId: 'org.acme.hello', toVersion: '3.0.0', pilots: ['demo'], threshold: 0.1, minCalls: 5 };
    assert.equal((await call('operator', 'market.rollouts.start', { ...base, threshold: 2 })).status, 400);
    assert.equal(
      (await call('operator', 'market.rollouts.start', { ...base, pilots: ['nowhere'] })).error.appCode,
      'NOT_FOUND',
    );
    assert.equal((await call('resident', 'market.rollouts.start', base)).error.appCode, 'FORBIDDEN');
    const started = await call('operator', 'market.rollouts.start', base);
    assert.equal(started.data?.stage, 'pilot', JSON.stringify(started.error));
    assert.equal(
      (await call('resident', 'market.rollouts.overview', { pluginId: 'org.acme.hello' }, 'GET')).error.appCode,
      'FORBIDDEN',
    );
    const overview = await call('operator', 'market.rollouts.overview', { pluginId: 'org.acme.hello' }, 'GET');
    assert.equal(overview.data.active.toVersion, '3.0.0');
    assert.deepEqual(
      overview.data.communities.map((c: { code: string; version: string }) => [c.code, c.version]),
      [['demo', '3.0.0']],
    );
    await call('operator', 'market.setEnabled', { community: 'demo', pluginId: 'org.acme.hello', enabled: true });
    const said = await call('resident', 'plugins.invoke', {
      community: 'demo',
      pluginId: 'org.acme.hello',
      handler: 'hello',
      input: {},
    });
    assert.ok(said.data, JSON.stringify(said.error));
    const metrics = await call('operator', 'market.metrics', { pluginId: 'org.acme.hello', community: 'demo' }, 'GET');
    const row = metrics.data.find((m: { version: string }) => m.version === '3.0.0');
    assert.deepEqual([row?.community, row?.calls, row?.errors], ['demo', 1, 0]);
    assert.equal(
      (await call('operator', 'market.metrics', { pluginId: 'org.acme.hello', hours: 0 }, 'GET')).status,
      400,
    );
    const promoted = await call('operator', 'market.rollouts.promote', { id: started.data.id });
    assert.equal(promoted.data.stage, 'full');
    assert.equal(
      (await call('operator', 'market.rollouts.complete', { id: started.data.id })).data.status,
      'completed',
    );
    assert.equal((await call('operator', 'market.rollouts.abort', { id: started.data.id })).error.appCode, 'CONFLICT');
  });
});
