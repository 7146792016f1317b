import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { regions, spaces } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('booking API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  let spaceId: string;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };
  // Tomorrow in Asia/Shanghai (UTC+8, no daylight saving).
  const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
  const settings = {
    enabled: true,
    openingHours: Array.from({ length: 7 }, () => [{ open: '09:00', close: '11:00' }]),
    slotMinutes: 60,
    capacity: 1,
    allowedRoles: [],
    maxPerWeek: 3,
    holdMinutes: 10,
    cancelBeforeMinutes: 60,
    advanceDays: 7,
    feeFen: 0,
    rules: '请保持场地整洁',
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-booking-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property');
    const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
    [{ id: spaceId }] = await platform.database.db
      .insert(spaces)
      .values({ communityId: demo.id, name: '邻里活动室', useType: '活动室', createdBy: 't', updatedBy: 't' })
      .returning();
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('staff make a space bookable; a resident books; the same slot is refused with 409; she cancels', async () => {
    const save = { community: 'demo', spaceId, settings };
    assert.equal((await call('resident', 'booking.saveSpace', save)).error.appCode, 'FORBIDDEN');
    const bad = await call('operator', 'booking.saveSpace', { ...save, settings: { ...settings, feeFen: -5 } });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.equal((await call('operator', 'booking.saveSpace', save)).data.version, 1);

    const list = await call('resident', 'booking.spaces', { community: 'demo' }, 'GET');
    assert.deepEqual(
      list.data.map((s: { name: string }) => s.name),
      ['邻里活动室'],
    );
    const avail = await call('resident', 'booking.availability', { community: 'demo', spaceId, day: tomorrow }, 'GET');
    assert.deepEqual(
      avail.data.slots.map((s: { label: string; status: string }) => `${s.label} ${s.status}`),
      ['09:00–10:00 free', '10:00–11:00 free'],
    );
    const start = avail.data.slots[0].start;
    const booked = await call('resident', 'booking.book', { community: 'demo', spaceId, start });
    assert.equal(booked.data.status, 'confirmed');
    assert.match(booked.data.checkInToken, /^SQB1\./);
    const inbox = await call('resident', 'message.inbox', { community: 'demo' }, 'GET');
    assert.equal(inbox.data.items[0].titleZh, '预约成功');
    assert.match(inbox.data.items[0].bodyZh, /邻里活动室/);

    const second = await call('property', 'booking.book', { community: 'demo', spaceId, start });
    assert.equal(second.status, 409);
    assert.equal(second.error.appCode, 'CONFLICT');
    assert.match(second.error.messageZh, /已被预约/);

    const mine = await call('resident', 'booking.mine', { community: 'demo' }, 'GET');
    assert.equal(mine.data[0].id, booked.data.id);
    assert.match(mine.data[0].checkInCode, /^[0-9A-Z]{6}-[0-9A-Z]{6}$/);
    const staffList = await call('operator', 'booking.list', { community: 'demo', spaceId }, 'GET');
    assert.equal(staffList.data.length, 1);
    // Tomorrow's booking cannot be checked in yet.
    const early = await call('operator', 'booking.checkIn', { community: 'demo', token: booked.data.checkInToken });
    assert.match(early.error.messageZh, /还未到签到时间/);

    assert.equal((await call('property', 'booking.cancel', { community: 'demo', id: booked.data.id })).status, 403);
    const cancelled = await call('resident', 'booking.cancel', { community: 'demo', id: booked.data.id });
    assert.equal(cancelled.data.status, 'cancelled');
    assert.equal(
      (await call('property', 'booking.book', { community: 'demo', spaceId, start })).data.status,
      'confirmed',
    );

    // Hold, then confirm (what a resident does after an app held a slot for her); a repeated confirm sends no second notice.
    const later = avail.data.slots[1].start;
    const held = await call('resident', 'booking.hold', { community: 'demo', spaceId, start: later });
    assert.equal(held.data.status, 'held');
    assert.equal((await call('property', 'booking.confirm', { community: 'demo', id: held.data.id })).status, 403);
    assert.equal(
      (await call('resident', 'booking.confirm', { community: 'demo', id: held.data.id })).data.status,
      'confirmed',
    );
    await call('resident', 'booking.confirm', { community: 'demo', id: held.data.id });
    const box = await call('resident', 'message.inbox', { community: 'demo' }, 'GET');
    assert.equal(box.data.items.filter((m: { titleZh: string }) => m.titleZh === '预约成功').length, 2);
  });
});
