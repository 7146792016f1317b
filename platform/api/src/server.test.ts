import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './server.ts';

describe('API server', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const adminToken = 'test-admin-token-0123456789abcdef';
  const login = (identifier: string, password: string, ip = '10.1.1.1') =>
    app.inject({ method: 'POST', url: '/api/trpc/auth.login', payload: { identifier, password }, remoteAddress: ip });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform, { adminToken, loginRateLimit: 8 });
  });
  after(async () => {
    await app.close();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('GET /api/health names the database and bus', async () => {
    const res = await app.inject('/api/health');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(
      { ...body, version: typeof body.version },
      { status: 'ok', db: 'pglite', bus: 'memory', version: 'string' },
    );
    assert.ok(res.headers['x-request-id']);
  });

  test('unified identity sign-in answers 404 with a clear message when no provider is configured', async () => {
    const res = await app.inject('/api/auth/oidc/start?returnTo=/app');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.appCode, 'NOT_FOUND');
    assert.match(res.json().error.messageZh, /未配置/);
  });

  test('malformed input is INVALID_INPUT with field paths, in Chinese and English', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/trpc/auth.login',
      payload: { identifier: '', password: 42 },
    });
    assert.equal(res.statusCode, 400);
    const { data } = res.json().error;
    assert.equal(data.appCode, 'INVALID_INPUT');
    assert.ok(data.fieldErrors.identifier.length);
    assert.ok(data.fieldErrors.password.length);
    assert.match(data.messageZh, /输入有误/);
    assert.equal(data.stack, undefined);
  });

  test('a wrong password is 401 with a clear message; a right one sets an httpOnly cookie that me accepts', async () => {
    const bad = await login('resident', 'not-it-123');
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.data.messageZh, '账号或密码错误');
    const ok = await login('resident', 'Shequ@2026');
    assert.equal(ok.statusCode, 200);
    const cookie = ok.cookies.find((c) => c.name === 'shequ_session');
    assert.ok(cookie?.httpOnly);
    const me = await app.inject({ url: '/api/trpc/auth.me', cookies: { shequ_session: cookie!.value } });
    assert.equal(me.json().result.data.user.displayName, '王秀英');
    assert.deepEqual(me.json().result.data.shells, ['app']);
  });

  test('no session is UNAUTHENTICATED; a resident calling an admin procedure is FORBIDDEN', async () => {
    const anon = await app.inject('/api/trpc/auth.me');
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().error.data.appCode, 'UNAUTHENTICATED');
    const ok = await login('resident', 'Shequ@2026', '10.2.2.2');
    const cookie = ok.cookies.find((c) => c.name === 'shequ_session')!.value;
    const res = await app.inject({ url: '/api/trpc/admin.auditVerify', cookies: { shequ_session: cookie } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.data.appCode, 'FORBIDDEN');
  });

  test('tRPC over HTTP: a batch answers each call in order (207 when they differ), JSON in one piece', async () => {
    const headers = { authorization: `Bearer ${adminToken}` };
    const one = await app.inject({ url: '/api/trpc/admin.auditVerify', headers });
    assert.equal(one.statusCode, 200);
    assert.match(String(one.headers['content-type']), /^application\/json/);
    assert.equal(one.headers['content-length'], String(Buffer.byteLength(one.body)));
    assert.equal(one.json().result.data.ok, true);
    const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: {} }));
    const batch = await app.inject({ url: `/api/trpc/admin.auditVerify,auth.nope?batch=1&input=${input}`, headers });
    assert.equal(batch.statusCode, 207);
    const [ok, missing] = batch.json();
    assert.equal(ok.result.data.ok, true);
    assert.equal(missing.error.data.code, 'NOT_FOUND');
    // A query sent as POST is a malformed request, in both languages.
    const wrongMethod = await app.inject({ method: 'POST', url: '/api/trpc/admin.auditVerify', headers, payload: {} });
    assert.equal(wrongMethod.statusCode, 400);
    assert.equal(wrongMethod.json().error.data.appCode, 'INVALID_INPUT');
    assert.ok(wrongMethod.json().error.data.messageZh);
  });

  test('the CLI bearer token verifies the audit chain, which logins have been writing to', async () => {
    const res = await app.inject({
      url: '/api/trpc/admin.auditVerify',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const r = res.json().result.data;
    assert.equal(r.ok, true);
    assert.ok(r.checked >= 12, `seed and logins are audited (${r.checked})`);
    const wrong = await app.inject({ url: '/api/trpc/admin.auditVerify', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
  });

  test('base data: the operator creates and lists people masked; the street official and residents may not read them', async () => {
    const cookieOf = async (who: string, ip: string) =>
      (await login(who, 'Shequ@2026', ip)).cookies.find((c) => c.name === 'shequ_session')!.value;
    const op = await cookieOf('operator', '10.3.3.3');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/trpc/base.people.create',
      cookies: { shequ_session: op },
      payload: {
        community: 'demo',
        person: { name: '赵大爷', idType: 'id_card', idNumber: '11010519491231002X', category: 'resident' },
      },
    });
    assert.equal(refused.statusCode, 403, 'no entry before the confidentiality undertaking');
    const ack = await app.inject({
      method: 'POST',
      url: '/api/trpc/base.entry.acknowledge',
      cookies: { shequ_session: op },
      payload: {},
    });
    assert.equal(ack.statusCode, 200, ack.body);
    const create = await app.inject({
      method: 'POST',
      url: '/api/trpc/base.people.create',
      cookies: { shequ_session: op },
      payload: {
        community: 'demo',
        person: { name: '赵大爷', idType: 'id_card', idNumber: '11010519491231002X', category: 'resident' },
      },
    });
    assert.equal(create.statusCode, 200, create.body);
    const list = await app.inject({
      url: `/api/trpc/base.people.list?input=${encodeURIComponent(JSON.stringify({ community: 'demo' }))}`,
      cookies: { shequ_session: op },
    });
    assert.equal(list.json().result.data.items[0].idNumber, '110105********002X');
    const bad = await app.inject({
      method: 'POST',
      url: '/api/trpc/base.people.create',
      cookies: { shequ_session: op },
      payload: {
        community: 'demo',
        person: { name: '错', idType: 'id_card', idNumber: '110105194912310021', category: 'resident' },
      },
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.data.fieldErrors.idNumber);
    for (const who of ['gov', 'resident']) {
      const c = await cookieOf(who, '10.4.4.4');
      const res = await app.inject({
        url: `/api/trpc/base.people.list?input=${encodeURIComponent(JSON.stringify({ community: 'demo' }))}`,
        cookies: { shequ_session: c },
      });
      assert.equal(res.statusCode, 403, who);
    }
    const csv = await app.inject({
      url: '/api/base/export/people?community=demo&format=csv',
      cookies: { shequ_session: op },
    });
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf');
    const lines = csv.rawPayload.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines[0], '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系');
    assert.ok(lines.some((l) => l.startsWith('赵大爷,居民身份证,110105********002X')));
    assert.ok(!csv.body.includes('11010519491231002X'), 'the export never carries a full ID number');
    const xlsx = await app.inject({
      url: '/api/base/export/people?community=demo&format=xlsx',
      cookies: { shequ_session: op },
    });
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');
    const nowhere = await app.inject({
      url: `/api/trpc/base.people.count?input=${encodeURIComponent(JSON.stringify({ community: 'nowhere' }))}`,
      cookies: { shequ_session: op },
    });
    assert.equal(nowhere.statusCode, 404);
  });

  test('sign-in attempts from one address are rate limited', async () => {
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await login('nobody', 'x', '10.9.9.9')).statusCode;
    assert.equal(last, 429);
    const other = await login('nobody2', 'x', '10.9.9.8');
    assert.equal(other.statusCode, 401);
  });
});

describe('API server on PostgreSQL + NATS', {
  skip: process.env.SHEQU_TEST_POSTGRES === 'off' || process.env.SHEQU_TEST_NATS === 'off',
}, () => {
  test('the same code runs distributed: health reports postgres and nats, login works', async () => {
    const { createTestDatabaseUrl } = await import('@shequ/db');
    const pg = await createTestDatabaseUrl();
    const dir = mkdtempSync(join(tmpdir(), 'shequ-api-pg-'));
    const platform = await openPlatform(
      loadConfig({
        SHEQU_DATA_DIR: dir,
        SHEQU_LOG_LEVEL: 'silent',
        DATABASE_URL: pg.url,
        NATS_URL: process.env.SHEQU_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
      }),
      { role: 'test' },
    );
    const app = await buildServer(platform);
    try {
      assert.deepEqual((await app.inject('/api/health')).json().db, 'postgres');
      assert.deepEqual((await app.inject('/api/health')).json().bus, 'nats');
      const res = await app.inject({
        method: 'POST',
        url: '/api/trpc/auth.login',
        payload: { identifier: 'gov', password: 'Shequ@2026' },
      });
      assert.equal(res.statusCode, 200);
    } finally {
      await app.close();
      await platform.close();
      await pg.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
