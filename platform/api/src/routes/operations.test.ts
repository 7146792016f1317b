// Operations metrics (DB33 8.1.2) over the API: a resident's calls reach the government figures, the CSV export and
// the signed daily report for upstreams.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { communityDate, DEMO_PASSWORD, loadConfig, openPlatform, type Platform } from '@shequ/core';
import { issueOperationsReport, loadPlatformKey, verifyOperationsReport } from '@shequ/marketplace';
import { openPluginRuntime, type PluginRuntime } from '@shequ/runtime';
import { operationsReportProblems } from '@shequ/schemas';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

const manifest = {
  id: 'org.test.ops',
  version: '1.0.0',
  name: { zh: '运营测试', en: 'Ops test' },
  description: { zh: '运营指标测试应用', en: 'Operations metrics test app' },
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
};
const bundle = 'globalThis.__shequPlugin = { plugin: { handlers: { hello: () => [{ text: "你好" }] } } };';

describe('operations metrics API', () => {
  let dir: string;
  let platform: Platform;
  let runtime: PluginRuntime;
  let app: FastifyInstance;
  const adminToken = 'test-admin-token-operations-0123456789';
  const client = apiTestClient(() => app, adminToken);
  const call = async (who: string, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => {
    const res = await client.send(who, path, input, kind);
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };
  const today = communityDate();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-operations-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    runtime = await openPluginRuntime(platform);
    app = await buildServer(platform, { adminToken, plugins: runtime.host });
    await client.login('resident', 'operator', 'gov');
    assert.equal((await call('cli', 'plugins.register', { manifest, bundle })).status, 200);
    const installed = await call('operator', 'plugins.install', {
      community: 'demo',
      pluginId: 'org.test.ops',
      version: '1.0.0',
    });
    assert.equal(installed.data.state, 'enabled');
    for (let i = 0; i < 3; i++) {
      const r = await call('resident', 'plugins.invoke', {
        community: 'demo',
        pluginId: 'org.test.ops',
        handler: 'hello',
        input: {},
      });
      assert.deepEqual(r.data, [{ text: '你好' }]);
    }
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the street official sees a resident’s calls as figures; others may not ask; windows are checked', async () => {
    const r = await call('gov', 'market.operations', { from: today, to: today }, 'query');
    assert.equal(r.status, 200, JSON.stringify(r.error));
    const ops = r.data.apps.find((a: { pluginId: string }) => a.pluginId === 'org.test.ops');
    assert.ok(ops, JSON.stringify(r.data));
    assert.deepEqual(
      [ops.installs, ops.enabled, ops.calls, ops.errors, ops.activeUsers],
      [1, 1, 3, 0, 1],
      JSON.stringify(ops),
    );
    assert.deepEqual(
      ops.communities.map((c: { code: string; version: string; calls: number }) => [c.code, c.version, c.calls]),
      [['demo', '1.0.0', 3]],
    );
    for (const who of ['resident', 'operator'])
      assert.equal((await call(who, 'market.operations', { from: today, to: today }, 'query')).status, 403, who);
    const long = await call('gov', 'market.operations', { from: '2026-01-01', to: '2026-04-03' }, 'query');
    assert.equal(long.error.appCode, 'INVALID_INPUT');
    const bad = await call('gov', 'market.operations', { from: '2026-1-1', to: '2026-01-02' }, 'query');
    assert.equal(bad.status, 400);
  });

  test('CSV export: BOM, Chinese headers, the app’s rows; government roles only', async () => {
    const cookieOf = async (who: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/trpc/auth.login',
        payload: { identifier: who, password: DEMO_PASSWORD },
      });
      return res.cookies.find((c) => c.name === 'shequ_session')?.value as string;
    };
    const url = `/api/gov/operations.csv?from=${today}&to=${today}`;
    const csv = await app.inject({ url, cookies: { shequ_session: await cookieOf('gov') } });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf');
    const lines = csv.rawPayload.subarray(3).toString('utf8').trim().split('\r\n');
    assert.equal(
      lines[0],
      '应用标识,应用名称,社区编码,社区名称,版本,状态,活跃用户,调用次数,错误次数,错误率,P95时延(毫秒),评分人数,平均评分',
    );
    assert.ok(
      lines.some((l) => /^org\.test\.ops,运营测试,demo,[^,]+,1\.0\.0,enabled,1,3,0,0,/.test(l)),
      lines.join('\n'),
    );
    const resident = await app.inject({ url, cookies: { shequ_session: await cookieOf('resident') } });
    assert.equal(resident.statusCode, 403);
    assert.equal((await app.inject({ url })).statusCode, 401);
    const tooLong = await app.inject({
      url: '/api/gov/operations.csv?from=2026-01-01&to=2026-12-31',
      cookies: { shequ_session: await cookieOf('gov') },
    });
    assert.equal(tooLong.statusCode, 400);
  });

  test('the daily report is served signed; it verifies with the platform key and fails when tampered', async () => {
    await runtime.host.flushMetrics();
    const market = { database: platform.database, crypto: platform.crypto };
    await issueOperationsReport(market, today);
    const res = await app.inject({ url: `/api/market/operations-report?day=${today}` });
    assert.equal(res.statusCode, 200, res.body);
    const signed = res.json();
    const key = await loadPlatformKey(platform.database.db, platform.crypto);
    assert.equal(signed.report.publicKey, key.publicKey);
    assert.equal(verifyOperationsReport(signed, key.publicKey), true);
    // What goes over the wire is what upstreams check it against (schemas/market/operations-report.schema.json).
    assert.deepEqual(operationsReportProblems(signed), []);
    const ops = signed.report.apps.find((a: { pluginId: string }) => a.pluginId === 'org.test.ops');
    assert.equal(ops.calls, 3);
    ops.calls = 30;
    assert.equal(verifyOperationsReport(signed, key.publicKey), false);
    ops.calls = 2.5;
    assert.deepEqual(
      operationsReportProblems(signed).map((p) => p.pointer),
      [`/report/apps/${signed.report.apps.indexOf(ops)}/calls`],
    );
    assert.equal((await app.inject({ url: '/api/market/operations-report' })).json().report.day, today);
    assert.equal((await app.inject({ url: '/api/market/operations-report?day=1999-01-01' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/market/operations-report?day=yesterday' })).statusCode, 400);
  });
});
