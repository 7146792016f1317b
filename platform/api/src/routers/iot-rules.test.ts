import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { standardThingModels } from '@shequ/schemas';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('tRPC iot.rules router: RBAC, validation, dry run, metrics and trace', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  const client = apiTestClient(() => app);
  const call = client.send;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-rules-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform, {});
    await client.login(...['operator', 'property', 'gov']);
  });
  after(async () => {
    await app.close();
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('operators write rules, property staff read them, street officials see none', async () => {
    const made = await call('operator', 'iot.products.create', {
      community: 'demo',
      name: '烟感',
      thingModel: standardThingModels()['smoke-detector'],
    });
    const { productKey } = made.json().result.data;
    await call('operator', 'iot.devices.create', { productKey, deviceName: 'smoke-b7' });
    const tagged = await call('operator', 'iot.rules.setDeviceTags', {
      productKey,
      deviceName: 'smoke-b7',
      tags: { building: '7' },
    });
    assert.equal(tagged.statusCode, 200, tagged.body);
    const rule = {
      name: '烟感告警',
      trigger: { kind: 'event', productKey, identifier: 'smokeAlarm' },
      condition: 'params.smokeDensity >= 0.1 && tags.building == "7"',
      debounceSeconds: 60,
      actions: [{ kind: 'alarm', severity: 'critical', title: '{tags.building}栋烟雾报警' }],
    };
    const denied = await call('property', 'iot.rules.create', { community: 'demo', rule });
    assert.equal(denied.statusCode, 403);
    const bad = await call('operator', 'iot.rules.create', {
      community: 'demo',
      rule: { ...rule, condition: 'params.__proto__', actions: [{ kind: 'alarm', severity: 'x', title: 't' }] },
    });
    assert.equal(bad.statusCode, 400);
    const fields = bad.json().error.data.fieldErrors;
    assert.ok(fields['rule.condition'] && fields['rule.actions.0.severity'], JSON.stringify(fields));
    assert.ok(bad.json().error.data.messageZh);
    const created = await call('operator', 'iot.rules.create', { community: 'demo', rule });
    assert.equal(created.statusCode, 200, created.body);
    const { id } = created.json().result.data;
    const listed = await call('property', 'iot.rules.list', { community: 'demo' }, 'query');
    assert.deepEqual(
      listed.json().result.data.map((r: { name: string }) => r.name),
      ['烟感告警'],
    );
    assert.equal((await call('gov', 'iot.rules.get', { id }, 'query')).statusCode, 404);
    assert.equal((await call('gov', 'iot.rules.list', { community: 'demo' }, 'query')).statusCode, 403);

    const dry = await call('property', 'iot.rules.dryRun', {
      community: 'demo',
      rule,
      sample: {
        kind: 'event',
        productKey,
        deviceName: 'smoke-b7',
        event: 'smokeAlarm',
        params: { smokeDensity: 0.2 },
        tags: { building: '7' },
      },
    });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal(dry.json().result.data.wouldFire, true);
    const dryNo = await call('property', 'iot.rules.dryRun', {
      community: 'demo',
      rule,
      sample: { kind: 'event', productKey, deviceName: 'smoke-b7', event: 'smokeAlarm', params: { smokeDensity: 0 } },
    });
    assert.equal(dryNo.json().result.data.outcome, 'condition_false');

    const disabled = await call('operator', 'iot.rules.disable', { id });
    assert.equal(disabled.json().result.data.enabled, false);
    assert.equal((await call('property', 'iot.rules.disable', { id })).statusCode, 404);
    const metrics = await call('property', 'iot.rules.metrics', { id }, 'query');
    assert.deepEqual(metrics.json().result.data.fired, 0);
    assert.deepEqual((await call('property', 'iot.rules.trace', { id }, 'query')).json().result.data, []);
    assert.deepEqual((await call('property', 'iot.rules.deadLetters', { id }, 'query')).json().result.data, []);
    const alarmList = await call('property', 'iot.rules.alarms', { community: 'demo' }, 'query');
    assert.deepEqual(alarmList.json().result.data, []);
    assert.equal((await call('gov', 'iot.rules.alarms', { community: 'demo' }, 'query')).statusCode, 403);
    const records = await call('property', 'iot.rules.records', { community: 'demo', table: 'smoke_events' }, 'query');
    assert.deepEqual(records.json().result.data, []);
    const gone = await call('operator', 'iot.rules.delete', { id });
    assert.equal(gone.statusCode, 200);
  });
});
