// The IoT warehouse procedures: who reads what (government roles the statistics only, vital signs the community's
// staff only, a resident's health checkups the community admin only) and zod-checked input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('IoT warehouse API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const get = async (who: string, path: string, input: unknown) => {
    const res = await client.send(who, path, input, 'query');
    const body = res.json();
    return { data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-warehouse-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property', 'gov');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('staff read records and vital signs; government reads statistics only; residents nothing', async () => {
    const c = { community: 'demo' };
    for (const who of ['operator', 'property']) {
      const s = await get(who, 'iot.warehouse.parcels.stats', c);
      assert.deepEqual([s.data.waiting, s.data.deposits, s.data.days], [0, 0, []], who);
      assert.deepEqual((await get(who, 'iot.warehouse.parcels.list', c)).data, { items: [], nextCursor: null });
      assert.equal((await get(who, 'iot.warehouse.garbage.stats', c)).data.drops, 0);
      assert.deepEqual((await get(who, 'iot.warehouse.vitals.list', c)).data, []);
    }
    assert.equal((await get('gov', 'iot.warehouse.parcels.stats', c)).data.overdue, 0);
    assert.equal((await get('gov', 'iot.warehouse.garbage.stats', c)).data.collectedKg, 0);
    for (const path of ['iot.warehouse.parcels.list', 'iot.warehouse.garbage.list', 'iot.warehouse.vitals.list']) {
      assert.equal((await get('gov', path, c)).error?.appCode, 'FORBIDDEN', `gov ${path}`);
    }
    for (const path of ['iot.warehouse.parcels.stats', 'iot.warehouse.garbage.stats', 'iot.warehouse.vitals.events']) {
      assert.equal((await get('resident', path, c)).error?.appCode, 'FORBIDDEN', `resident ${path}`);
    }
  });

  test('a resident’s checkups need iot.warehouse.health (community admin); others read health aggregates only', async () => {
    const c = { community: 'demo' };
    const who = { ...c, subject: { ref: 'CARD-1' } };
    // The community admin (operator) reads checkups and a profile.
    assert.deepEqual((await get('operator', 'iot.warehouse.health.checkups', c)).data, { items: [], nextCursor: null });
    const p = (await get('operator', 'iot.warehouse.health.profile', who)).data;
    assert.deepEqual([p.person, p.refs, p.checkups, p.tags], [null, ['CARD-1'], 0, []]);
    assert.deepEqual([p.exercise.workouts, p.exercise.minutes, p.exercise.recent], [0, 0, []]);
    assert.deepEqual((await get('operator', 'iot.warehouse.health.workouts', c)).data, { items: [], nextCursor: null });
    // Property staff (who may see the vital-signs monitors) and government roles do not.
    for (const w of ['property', 'gov', 'resident']) {
      assert.equal((await get(w, 'iot.warehouse.health.checkups', c)).error?.appCode, 'FORBIDDEN', w);
      assert.equal((await get(w, 'iot.warehouse.health.workouts', c)).error?.appCode, 'FORBIDDEN', w);
      assert.equal((await get(w, 'iot.warehouse.health.profile', who)).error?.appCode, 'FORBIDDEN', w);
    }
    for (const w of ['operator', 'property', 'gov']) {
      const s = (await get(w, 'iot.warehouse.health.stats', c)).data;
      assert.deepEqual(
        [s.checkups, s.tags.map((t: { tag: string }) => t.tag)],
        [0, ['hypertension', 'glucose', 'obesity', 'fever']],
        w,
      );
      // Only the community admin reads exact health figures; the others get none of a group under five people.
      assert.deepEqual([s.minGroup, s.flagged, s.withheld], w === 'operator' ? [null, 0, false] : [5, null, true], w);
      // Exercise minutes are health figures too: none for fewer than five people unless exact.
      assert.deepEqual(
        [s.exercise.workouts, s.exercise.minutes, s.exercise.withheld],
        w === 'operator' ? [0, 0, false] : [0, null, true],
        w,
      );
      assert.equal((await get(w, 'iot.warehouse.meals.stats', c)).data.delivery.deliveries, 0, w);
      const lib = (await get(w, 'iot.warehouse.library.stats', c)).data;
      assert.deepEqual(
        [lib.outNow, lib.reading, lib.training, lib.timeDays],
        [0, { sessions: 0, readers: 0, minutes: 0 }, { checkIns: 0, sessions: 0, trainees: 0, minutes: 0 }, []],
        w,
      );
    }
    for (const path of ['iot.warehouse.meals.list', 'iot.warehouse.library.list', 'iot.warehouse.library.loans']) {
      assert.equal((await get('gov', path, c)).error?.appCode, 'FORBIDDEN', `gov ${path}`);
      assert.deepEqual((await get('property', path, c)).error, undefined, `property ${path}`);
    }
    assert.equal((await get('gov', 'iot.warehouse.library.reader', who)).error?.appCode, 'FORBIDDEN');
    const r = (await get('property', 'iot.warehouse.library.reader', { ...who, days: 7 })).data;
    assert.deepEqual([r.time.total.reading.minutes, r.time.total.training.minutes, r.time.days], [0, 0, []]);
    const readings = await get('property', 'iot.warehouse.library.list', { ...c, event: 'reading' });
    assert.deepEqual(readings.data, { items: [], nextCursor: null });
    assert.equal((await get('resident', 'iot.warehouse.meals.stats', c)).error?.appCode, 'FORBIDDEN');
  });

  test('input is checked: ranges, ids, cursors and statuses', async () => {
    const bad = async (path: string, input: unknown) => {
      const r = await get('operator', path, input);
      assert.ok(r.error, `${path} ${JSON.stringify(input)} is refused`);
      assert.notEqual(r.error.appCode, 'INTERNAL', JSON.stringify(r.error));
    };
    await bad('iot.warehouse.parcels.stats', {
      community: 'demo',
      from: '2026-01-01T00:00:00+08:00',
      to: '2026-06-01T00:00:00+08:00',
    });
    await bad('iot.warehouse.parcels.stats', {
      community: 'demo',
      from: '2026-02-01T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
    });
    await bad('iot.warehouse.parcels.list', { community: 'demo', status: 'lost' });
    await bad('iot.warehouse.parcels.list', { community: 'demo', cursor: 'not-a-cursor' });
    await bad('iot.warehouse.garbage.list', { community: 'demo', category: 'kitchen' });
    await bad('iot.warehouse.vitals.get', { community: 'demo', deviceId: 'monitor-1' });
    await bad('iot.warehouse.health.profile', { community: 'demo' });
    await bad('iot.warehouse.health.profile', { community: 'demo', subject: { personId: 'nobody' } });
    await bad('iot.warehouse.health.profile', { community: 'demo', subject: { ref: '' } });
    await bad('iot.warehouse.meals.list', { community: 'demo', mealType: '5' });
    await bad('iot.warehouse.library.list', { community: 'demo', event: 'lost' });
    await bad('iot.warehouse.library.loans', { community: 'demo', subject: { ref: 'x', personId: 'y' } });
    await bad('iot.warehouse.library.reader', { community: 'demo', subject: { ref: 'x' }, days: 0 });
    await bad('iot.warehouse.library.reader', { community: 'demo', subject: { ref: 'x' }, days: 93 });
    await bad('iot.warehouse.health.profile', { community: 'demo', subject: { ref: 'x' }, days: 1.5 });
    await bad('iot.warehouse.health.workouts', { community: 'demo', kind: '9' });
    await bad('iot.warehouse.library.list', { community: 'demo', event: 'workout' });
    const nobody = await get('operator', 'iot.warehouse.health.profile', {
      community: 'demo',
      subject: { personId: '00000000-0000-4000-8000-000000000001' },
    });
    assert.equal(nobody.error?.appCode, 'NOT_FOUND');
    const none = await get('operator', 'iot.warehouse.vitals.get', {
      community: 'demo',
      deviceId: '00000000-0000-4000-8000-000000000001',
    });
    assert.equal(none.error?.appCode, 'NOT_FOUND');
  });
});
