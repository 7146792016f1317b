import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DevSinkChannel, loadConfig, openPlatform, type Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('message API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const sms = new DevSinkChannel('sms');
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-message-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), {
      role: 'test',
      messageAdapters: {
        sms,
        app_push: new DevSinkChannel('app_push'),
        provincial_push: new DevSinkChannel('provincial_push'),
      },
    });
    app = await buildServer(platform);
    await client.login('resident', 'operator', 'property');
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the office saves a template, previews the audience, broadcasts; the resident reads it in her inbox', async () => {
    const template = {
      code: 'notice.meeting',
      name: '居民议事会',
      titleZh: '居民议事会通知',
      titleEn: 'Residents’ meeting',
      bodyZh: '{{date}} 在邻里中心召开居民议事会，欢迎参加。',
      bodyEn: 'Residents’ meeting at the neighbourhood centre on {{date}}. All welcome.',
      variables: ['date'],
      channels: ['in_app'],
    };
    assert.equal(
      (await call('resident', 'message.saveTemplate', { community: 'demo', template })).error.appCode,
      'FORBIDDEN',
    );
    const bad = await call('operator', 'message.saveTemplate', {
      community: 'demo',
      template: { ...template, bodyEn: 'Meeting on {{day}}' },
    });
    assert.equal(bad.error.appCode, 'INVALID_INPUT');
    assert.equal((await call('operator', 'message.saveTemplate', { community: 'demo', template })).data.version, 1);

    const preview = await call(
      'operator',
      'message.preview',
      { community: 'demo', audience: { kind: 'community' } },
      'GET',
    );
    assert.ok(preview.data.count >= 4);
    const send = {
      community: 'demo',
      audience: { kind: 'community' },
      template: { code: 'notice.meeting', vars: { date: '12月1日 19:00' } },
      channels: ['in_app', 'sms'],
    };
    const stale = await call('operator', 'message.broadcast', { ...send, expectedCount: preview.data.count + 1 });
    assert.equal(stale.status, 409);
    assert.match(stale.error.messageZh, /接收人数已变化/);
    const sent = await call('operator', 'message.broadcast', { ...send, expectedCount: preview.data.count });
    assert.equal(sent.data.recipients, preview.data.count);

    const inbox = await call('resident', 'message.inbox', { community: 'demo' }, 'GET');
    assert.equal(inbox.data.unread, 1);
    assert.equal(inbox.data.items[0].bodyZh, '12月1日 19:00 在邻里中心召开居民议事会，欢迎参加。');
    await call('resident', 'message.markRead', { community: 'demo', ids: [inbox.data.items[0].id] });
    assert.equal((await call('resident', 'message.inbox', { community: 'demo' }, 'GET')).data.unread, 0);
    const list = await call('operator', 'message.broadcasts', { community: 'demo' }, 'GET');
    assert.equal(list.data[0].audienceCount, preview.data.count);
    assert.ok(list.data[0].deliveries.some((d: { channel: string }) => d.channel === 'sms'));
  });
});
