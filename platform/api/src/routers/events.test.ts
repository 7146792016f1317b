import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('events API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const ids: Record<string, string> = {};
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const body = (await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation')).json();
    return { data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-events-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property', 'grid', 'gov');
    for (const u of ['resident', 'operator', 'property', 'grid']) {
      [{ id: ids[u] }] = await platform.database.db.select({ id: users.id }).from(users).where(eq(users.username, u));
    }
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a resident reports; the desk accepts and assigns; the worker resolves; the resident rates; closed', async () => {
    const r = await call('resident', 'events.report', {
      community: 'demo',
      type: 'repair',
      title: '楼道灯坏了',
      location: { lon: 120.12, lat: 30.28, text: '3 幢 2 单元' },
      photos: [png],
    });
    assert.equal(r.data.state, 'reported');
    const id = r.data.id;
    assert.equal(r.data.source, 'resident');
    const desk = await call('operator', 'events.list', { community: 'demo', states: ['reported'] }, 'GET');
    assert.ok(
      desk.data.items.some((e: { id: string; reporterName: string }) => e.id === id && e.reporterName === '王秀英'),
    );
    assert.equal((await call('resident', 'events.list', { community: 'demo' }, 'GET')).error.appCode, 'FORBIDDEN');
    const workers = await call('operator', 'events.workers', { community: 'demo' }, 'GET');
    assert.ok(workers.data.some((w: { id: string }) => w.id === ids.grid));
    let v = (await call('property', 'events.transition', { community: 'demo', id, event: 'accept', version: 0 })).data;
    v = (
      await call('operator', 'events.transition', {
        community: 'demo',
        id,
        event: 'assign',
        version: v.version,
        assigneeId: ids.grid,
      })
    ).data;
    const queue = await call('grid', 'events.list', { community: 'demo', assignedToMe: true }, 'GET');
    assert.deepEqual(
      queue.data.items.map((e: { id: string }) => e.id),
      [id],
    );
    v = (await call('grid', 'events.transition', { community: 'demo', id, event: 'start', version: v.version })).data;
    v = (await call('grid', 'events.transition', { community: 'demo', id, event: 'resolve', version: v.version })).data;
    const notMine = await call('grid', 'events.transition', {
      community: 'demo',
      id,
      event: 'rate',
      version: v.version,
      rating: 4,
    });
    assert.equal(notMine.error.appCode, 'FORBIDDEN');
    assert.match(notMine.error.messageZh, /只有上报人可以评价/);
    v = (
      await call('resident', 'events.transition', {
        community: 'demo',
        id,
        event: 'rate',
        version: v.version,
        rating: 4,
        comment: '及时',
      })
    ).data;
    v = (await call('operator', 'events.transition', { community: 'demo', id, event: 'close', version: v.version }))
      .data;
    assert.equal(v.state, 'closed');
    const detail = await call('resident', 'events.get', { community: 'demo', id }, 'GET');
    assert.deepEqual(
      detail.data.history.map((h: { action: string }) => h.action),
      ['report', 'accept', 'assign', 'start', 'resolve', 'rate', 'close'],
    );
    assert.equal(detail.data.names[ids.grid], '钱网格');
    const mine = await call('resident', 'events.mine', { community: 'demo' }, 'GET');
    assert.equal(mine.data.items[0].id, id);
  });

  test('an illegal transition, a stale version and an oversize photo are clear errors', async () => {
    const r = await call('resident', 'events.report', { community: 'demo', type: 'noise', title: '夜间噪音' });
    const id = r.data.id;
    const illegal = await call('operator', 'events.transition', { community: 'demo', id, event: 'close', version: 0 });
    assert.equal(illegal.error.appCode, 'CONFLICT');
    assert.equal(illegal.error.messageZh, '事件当前为“已上报”，不能关闭');
    assert.match(illegal.error.messageEn, /cannot be given "close"/);
    await call('property', 'events.transition', { community: 'demo', id, event: 'accept', version: 0 });
    const stale = await call('operator', 'events.transition', {
      community: 'demo',
      id,
      event: 'assign',
      version: 0,
      assigneeId: ids.grid,
    });
    assert.equal(stale.error.appCode, 'CONFLICT');
    assert.match(stale.error.messageZh, /已被他人更新/);
    const big = `data:image/jpeg;base64,${Buffer.alloc(2 * 1024 * 1024 + 1, 0xff).toString('base64')}`;
    const over = await call('resident', 'events.report', {
      community: 'demo',
      type: 'repair',
      title: '大照片',
      photos: [big],
    });
    assert.equal(over.error.appCode, 'INVALID_INPUT');
    assert.match(over.error.messageZh, /超过 2 MB/);
    // Someone else's event is invisible to a resident; a government official has no desk.
    const other = await call('grid', 'events.report', { community: 'demo', type: 'patrol', title: '巡查发现' });
    assert.equal(other.data.source, 'grid');
    assert.equal(
      (await call('resident', 'events.get', { community: 'demo', id: other.data.id }, 'GET')).error.appCode,
      'NOT_FOUND',
    );
    assert.equal((await call('gov', 'events.sla', { community: 'demo' }, 'GET')).error.appCode, 'FORBIDDEN');
    const board = await call('operator', 'events.sla', { community: 'demo' }, 'GET');
    assert.ok(board.data.counts.ok >= 2);
  });

  test('public-health and work-safety emergencies (DB33 6.2.2.3) no device saw are reported at the desk', async () => {
    const health = await call('grid', 'events.report', {
      community: 'demo',
      type: 'public-health',
      title: '社区食堂疑似集体食物中毒',
      severity: 'critical',
      location: { text: '社区食堂' },
    });
    const safety = await call('property', 'events.report', {
      community: 'demo',
      type: 'work-safety',
      title: '地下车库改造动火作业无监护',
      severity: 'high',
    });
    assert.deepEqual(
      [health.data.state, health.data.type, health.data.severity],
      ['reported', 'public-health', 'critical'],
    );
    assert.equal(safety.data.type, 'work-safety');
    const desk = await call('operator', 'events.list', { community: 'demo', severities: ['critical'] }, 'GET');
    assert.ok(
      desk.data.items.some((e: { id: string; type: string }) => e.id === health.data.id && e.type === 'public-health'),
    );
    const accepted = await call('property', 'events.transition', {
      community: 'demo',
      id: health.data.id,
      event: 'accept',
      version: 0,
    });
    assert.equal(accepted.data.state, 'accepted');
  });
});
