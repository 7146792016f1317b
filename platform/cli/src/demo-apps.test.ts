import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, openPlatform, type Platform } from '@shequ/core';
import { regions } from '@shequ/db';
import { listInstalls, openPluginRuntime, type PluginRuntime } from '@shequ/runtime';
import { eq } from 'drizzle-orm';
import { installDemoApps } from './demo-apps.ts';

let dir: string;
let platform: Platform;
let runtime: PluginRuntime;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shequ-demo-apps-'));
  platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
  runtime = await openPluginRuntime(platform);
});
after(async () => {
  await runtime?.close();
  await platform?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the example noticeboard is built, installed in the demo community with its grants and a few posts, once', async () => {
  await installDemoApps(platform, runtime.host);
  await installDemoApps(platform, runtime.host);
  const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
  const installs = await listInstalls(runtime.host, demo.id);
  assert.deepEqual(
    installs.map((i) => [i.pluginId, i.state, i.grants.services]),
    [['org.shequ.noticeboard', 'enabled', { message: ['send'], audit: ['record'], events: ['report'] }]],
  );
  const posts = (await runtime.host.invoke({
    community: { id: demo.id, code: 'demo' },
    pluginId: 'org.shequ.noticeboard',
    handler: 'listPosts',
    input: {},
    user: { id: '00000000-0000-4000-8000-000000000001', role: 'resident' },
    via: 'page',
  })) as { items: { title: string; pinned: boolean }[]; total: number };
  assert.equal(posts.total, 2);
  assert.deepEqual(posts.items[0], { ...posts.items[0], title: '本周六上午社区健康义诊', pinned: true });
});
