import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@shequ/bus';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { auditLog, regions } from '@shequ/db';
import { recordSituationDetection, situationProfiles } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('tRPC iot.situations: who reads, who closes, device location', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = client.send;
  const data = <T>(r: { json(): { result: { data: unknown } } }) => r.json().result.data as T;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-situations-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform, {});
    await client.login('operator', 'property', 'grid', 'gov', 'resident');
  });
  after(async () => {
    await app.close();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a camera alert becomes a situation operators list, officials count and property staff close', async () => {
    const made = await call('operator', 'iot.products.create', {
      community: 'demo',
      name: 'AI 摄像机',
      thingModel: standardThingModels()['ai-camera'],
    });
    const { productKey } = data<{ productKey: string }>(made);
    const dev = await call('operator', 'iot.devices.create', {
      productKey,
      deviceName: 'cam-lobby-01',
      location: '7幢2单元电梯',
    });
    assert.equal(dev.statusCode, 200, dev.body);
    const { id: deviceId } = data<{ id: string }>(dev);
    const denied = await call('property', 'iot.devices.setLocation', {
      productKey,
      deviceName: 'cam-lobby-01',
      location: 'x',
    });
    assert.equal(denied.statusCode, 404, 'property staff do not edit devices');
    const moved = await call('operator', 'iot.devices.setLocation', {
      productKey,
      deviceName: 'cam-lobby-01',
      location: '7幢2单元电梯轿厢',
      expected: '7幢2单元电梯',
    });
    assert.equal(moved.statusCode, 200, moved.body);
    const detail = await call('property', 'iot.devices.get', { productKey, deviceName: 'cam-lobby-01' }, 'query');
    assert.equal(data<{ location: string }>(detail).location, '7幢2单元电梯轿厢');

    const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
    const env = {
      id: randomUUID(),
      subject: `shequ.iot.${demo.id}.${productKey}.${deviceId}.event`,
      communityId: demo.id,
      time: new Date().toISOString(),
      data: {
        productKey,
        deviceName: 'cam-lobby-01',
        deviceId,
        messageId: '1',
        event: 'ebikeInLift',
        type: 'alert',
        value: { liftId: 'L7-2' },
        time: Date.now(),
      },
    } as EventEnvelope;
    const r = await recordSituationDetection(platform.database.db, situationProfiles(platform.database.db), env);
    assert.ok(r?.opened);

    const list = await call('grid', 'iot.situations.list', { community: 'demo', kind: 'abnormal' }, 'query');
    assert.equal(list.statusCode, 200, list.body);
    const [s] = data<{ items: { id: string; location: string; category: string; version: number }[] }>(list).items;
    assert.equal(s.category, 'ebikeInLift');
    assert.equal(s.location, '7幢2单元电梯轿厢');
    assert.equal((await call('gov', 'iot.situations.list', { community: 'demo' }, 'query')).statusCode, 403);
    assert.equal((await call('resident', 'iot.situations.list', { community: 'demo' }, 'query')).statusCode, 403);
    const stats = await call('gov', 'iot.situations.stats', { community: 'demo' }, 'query');
    assert.equal(stats.statusCode, 200, stats.body);
    assert.equal(data<{ byKind: { kind: string; open: number }[] }>(stats).byKind[0].open, 1);
    const bad = await call('property', 'iot.situations.stats', { community: 'demo', from: '2026-1-1' }, 'query');
    assert.equal(bad.statusCode, 400);

    assert.equal(
      (await call('grid', 'iot.situations.close', { community: 'demo', id: s.id, result: '已劝离' })).statusCode,
      403,
      'grid workers read, they do not close',
    );
    const empty = await call('property', 'iot.situations.close', { community: 'demo', id: s.id, result: '  ' });
    assert.equal(empty.statusCode, 400);
    const closed = await call('property', 'iot.situations.close', {
      community: 'demo',
      id: s.id,
      result: '已劝离电瓶车主人',
      expectedVersion: s.version,
    });
    assert.equal(closed.statusCode, 200, closed.body);
    const got = data<{ status: string; result: string; handledByName: string }>(
      await call('operator', 'iot.situations.get', { community: 'demo', id: s.id }, 'query'),
    );
    assert.deepEqual([got.status, got.result, got.handledByName], ['closed', '已劝离电瓶车主人', '赵物业']);
    const audits = await platform.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'iot.situation.close'), eq(auditLog.objectId, s.id)));
    assert.equal(audits.length, 1);
  });
});
