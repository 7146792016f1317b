import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  loadConfig,
  openPlatform,
  type Platform,
  recordFlowCount,
  recordGatePass,
  recordSpaceEvent,
} from '@shequ/core';
import { regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('access API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };
  const h = 3_600_000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-access-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a resident invites a visitor, sees the QR token, and revokes; staff verify codes', async () => {
    const now = Date.now();
    const invite = {
      community: 'demo',
      visitorName: '王五',
      visitorPhone: '13800138000',
      validFrom: new Date(now - h).toISOString(),
      validUntil: new Date(now + 2 * h).toISOString(),
      maxEntries: 2,
    };
    const p = await call('resident', 'access.invite', invite);
    assert.match(p.data.token, /^SQV1\./);
    assert.equal(p.data.visitorPhoneMasked, '138****8000');
    const bad = await call('resident', 'access.invite', { ...invite, validUntil: new Date(now - 2 * h).toISOString() });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    const mine = await call('resident', 'access.myInvitations', { community: 'demo' }, 'GET');
    assert.equal(mine.data.length, 1);
    assert.equal(mine.data[0].token, p.data.token);
    // Residents do not read the gate records or check codes.
    assert.equal((await call('resident', 'access.passes', { community: 'demo' }, 'GET')).error.appCode, 'FORBIDDEN');
    assert.equal(
      (await call('resident', 'access.verify', { community: 'demo', credential: p.data.code })).error.appCode,
      'FORBIDDEN',
    );
    const ok = await call('operator', 'access.verify', { community: 'demo', credential: p.data.token });
    assert.equal(ok.data.entries, 1);
    assert.equal(
      (await call('resident', 'access.revoke', { community: 'demo', id: p.data.id })).data.status,
      'revoked',
    );
    const refused = await call('operator', 'access.verify', { community: 'demo', credential: p.data.code });
    assert.equal(refused.error.appCode, 'CONFLICT');
    assert.match(refused.error.messageZh ?? JSON.stringify(refused.error), /撤销|revoked/);
  });

  test('staff keep the fee rule and parking spaces; stats and pages answer', async () => {
    const rule = await call('operator', 'access.saveFeeRule', {
      community: 'demo',
      freeMinutes: 20,
      perHourFen: 400,
      dailyCapFen: 3000,
      expectedVersion: 0,
    });
    assert.equal(rule.data.version, 1);
    const neg = await call('operator', 'access.saveFeeRule', {
      community: 'demo',
      freeMinutes: -1,
      perHourFen: 400,
      dailyCapFen: 3000,
    });
    assert.equal(neg.error.appCode, 'INVALID_INPUT');
    const s = await call('operator', 'access.saveParkingSpace', { community: 'demo', code: 'A-001', kind: 'public' });
    assert.equal(s.data.code, 'A-001');
    const list = await call('operator', 'access.parkingSpaces', { community: 'demo' }, 'GET');
    assert.equal(list.data.length, 1);
    const day = new Date(Date.now() + 8 * h).toISOString().slice(0, 10);
    const stats = await call('operator', 'access.stats', { community: 'demo', day }, 'GET');
    assert.equal(stats.data.vehiclesInside, 0);
    const passes = await call('operator', 'access.passes', { community: 'demo', limit: 10, cursor: null }, 'GET');
    assert.deepEqual(passes.data, { items: [], nextCursor: null, healthWithheld: false });
    const unknown = await call('operator', 'access.waiveParkingFee', {
      community: 'demo',
      id: '00000000-0000-4000-8000-000000000001',
    });
    assert.equal(unknown.error.appCode, 'NOT_FOUND');
    const badPerson = await call('operator', 'access.linkPersonRef', {
      community: 'demo',
      ref: 'card-1',
      personId: '00000000-0000-4000-8000-000000000001',
    });
    assert.equal(badPerson.error.appCode, 'INVALID_INPUT');
  });

  test('防疫信息: the admin sees a gate temperature and fever; property staff get the pass without health fields', async () => {
    const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
    const gate = { productKey: 'pgate', deviceName: 'api-health-1', deviceId: randomUUID() };
    const day = '2026-03-03';
    const time = Date.parse(`${day}T02:00:00Z`);
    const rec = await recordGatePass({ db: platform.database.db, crypto: platform.crypto }, demo.id, 'people', {
      ...gate,
      messageId: 'api-h1',
      event: 'pass',
      value: { personRef: 'api-face', direction: 0, mode: 0, temperature: 37.8 },
      time,
    });
    const input = { community: 'demo', deviceId: gate.deviceId };
    const admin = (await call('operator', 'access.passes', input, 'GET')).data;
    assert.equal(admin.healthWithheld, false);
    assert.deepEqual(
      admin.items.map((i: { id: string; temperature: number; fever: boolean }) => [i.id, i.temperature, i.fever]),
      [[rec.id, 37.8, true]],
    );
    const staff = (await call('property', 'access.passes', input, 'GET')).data;
    assert.equal(staff.healthWithheld, true);
    assert.equal(staff.items.length, 1);
    assert.equal(staff.items[0].id, rec.id);
    assert.ok(!('temperature' in staff.items[0]) && !('fever' in staff.items[0]), 'no health field for staff');
    // The day's fever count: exact for the admin, withheld for staff (one person measured, fewer than five).
    const exact = (await call('operator', 'access.stats', { community: 'demo', day }, 'GET')).data.health;
    assert.deepEqual(exact, { measured: 1, people: 1, fever: 1, minGroup: null, withheld: false });
    const guarded = (await call('property', 'access.stats', { community: 'demo', day }, 'GET')).data.health;
    assert.deepEqual(guarded, { measured: 1, people: 1, fever: null, minGroup: 5, withheld: true });
  });

  test('counted people flow by area and parking-space occupancy are read through access.stats and access.space*', async () => {
    const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
    const day = new Date(Date.now() + 8 * h).toISOString().slice(0, 10);
    // 02:00 local of that day, whatever time the test runs.
    const t = Date.parse(`${day}T02:00:00+08:00`);
    const counter = { productKey: 'pcount', deviceName: 'radar-1', deviceId: randomUUID() };
    for (const [area, inCount, outCount] of [
      ['中心广场', 7, 2],
      ['健身步道', 4, 4],
    ] as const) {
      await recordFlowCount(platform.database.db, demo.id, {
        ...counter,
        messageId: randomUUID(),
        event: 'count',
        value: { area, inCount, outCount, occupancy: 5, periodSeconds: 900 },
        time: t,
      });
    }
    const all = await call('operator', 'access.stats', { community: 'demo', day }, 'GET');
    assert.deepEqual(all.data.flow.counted, { in: 11, out: 6 });
    const one = await call('operator', 'access.stats', { community: 'demo', day, area: '健身步道' }, 'GET');
    assert.deepEqual(one.data.flow.areas, [{ hour: 1, area: '健身步道', in: 4, out: 4 }]);
    const blank = await call('operator', 'access.stats', { community: 'demo', day, area: ' ' }, 'GET');
    assert.equal(blank.error.appCode, 'INVALID_INPUT');

    await call('operator', 'access.saveParkingSpace', { community: 'demo', code: 'P-009', kind: 'public' });
    const magnet = { productKey: 'pmag', deviceName: 'mag-9', deviceId: randomUUID() };
    const arrived = Date.now() - 90_000;
    await recordSpaceEvent(platform.database.db, demo.id, {
      ...magnet,
      messageId: 'a1',
      event: 'arrive',
      value: { spaceCode: 'P-009' },
      time: arrived,
    });
    const occ = await call('operator', 'access.spaceOccupancy', { community: 'demo', day }, 'GET');
    const p9 = occ.data.spaces.find((s: { code: string }) => s.code === 'P-009');
    assert.equal(p9.occupied, true);
    assert.equal(p9.since, new Date(arrived).toISOString());
    const sessions = await call(
      'operator',
      'access.spaceOccupancies',
      { community: 'demo', spaceCode: 'P-009' },
      'GET',
    );
    assert.equal(sessions.data.length, 1);
    assert.ok(sessions.data[0].durationSeconds >= 89);
    assert.equal(
      (await call('operator', 'access.spaceOccupancy', { community: 'demo', day: '28.11.2026' }, 'GET')).error.appCode,
      'INVALID_INPUT',
    );
    assert.equal(
      (await call('resident', 'access.spaceOccupancy', { community: 'demo', day }, 'GET')).error.appCode,
      'FORBIDDEN',
    );
  });
});
