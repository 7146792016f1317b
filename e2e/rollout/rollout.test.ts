// Staged upgrades end to end: an app runs version 1.0.0 in three communities; the operator (platform administrator)
// starts a rollout of 1.1.0 on /market/rollouts with one pilot community, sees the pilot upgraded and the others
// waiting, promotes it to the rest in one step, then rolls one community back to the previous version mid-rollout
// (that community leaves the rollout). Each step is checked against the API as well as on screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generatePublisherKey, packPlugin, signPackage } from '@shequ/runtime';
import type { Page } from 'playwright-core';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { seedCommunities } from '../support/communities.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const APP = 'org.rollout.notes';
const key = generatePublisherKey();
const manifest = (version: string) => ({
  id: APP,
  version,
  name: { zh: '便签', en: 'Notes' },
  description: { zh: '社区便签', en: 'Community notes' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  handlers: { hello: { roles: ['resident', 'operator'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '便签', en: 'Notes' },
      source: { handler: 'hello' },
      columns: [{ field: 'text', title: { zh: '内容', en: 'Text' } }],
    },
  },
});
const bundle = (v: string) =>
  `globalThis.__shequPlugin = { plugin: { handlers: { hello: () => [{ text: "你好 ${v}" }] } } };`;

let platform: RunningPlatform;
let admin: AdminApi;
let session: Awaited<ReturnType<typeof signIn>>['session'] | undefined;
let page: Page;

async function publish(version: string) {
  const archive = packPlugin(
    signPackage(
      { 'shequ.plugin.json': JSON.stringify(manifest(version)), 'bundle.js': bundle(version) },
      key.privateKeyPem,
    ),
  );
  const res = await fetch(new URL('/api/market/packages', platform.apiUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/octet-stream' },
    body: archive,
  });
  const body = (await res.json()) as { submissionId: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  for (const step of ['claim', 'approve', 'shelve']) await admin.mutate(`market.${step}`, { id: body.submissionId });
}

/** An option of the open antd Select dropdown (the selected value shows the same title). */
const option = (p: Page, title: string) => p.locator(`.ant-select-item-option[title="${title}"]`);

const versionIn = async (community: string) =>
  (await admin.query<Array<{ pluginId: string; version: string }>>('market.installs', { community })).find(
    (i) => i.pluginId === APP,
  )?.version;

before(
  async () => {
    platform = await startPlatform({
      prepare: seedCommunities([
        { code: 'east', name: '东园社区', nameEn: 'East Garden' },
        { code: 'west', name: '西溪社区', nameEn: 'West Creek' },
      ]),
    });
    admin = adminApi(platform);
    await admin.mutate('market.createPublisher', { slug: 'org.rollout', name: { zh: '升级示例', en: 'Rollout demo' } });
    await admin.mutate('market.addKey', { publisher: 'org.rollout', publicKey: key.publicKeyPem, keyId: key.keyId });
    await publish('1.0.0');
    await publish('1.1.0');
    await admin.mutate('market.install', { pluginId: APP, version: '1.0.0', communities: ['demo', 'east', 'west'] });
    ({ session, page } = await signIn(platform, 'admin', /\/(console|gov|designer|market)/));
    await page.goto(`${platform.webUrl}/market/rollouts`);
    await page.getByTestId('rollout-app').click();
    await option(page, `便签 (${APP})`).click();
    await page.getByTestId('rollout-count-1.0.0').getByText('1.0.0：3 个社区').waitFor();
  },
  { timeout: 600_000 },
);

after(async () => {
  await session?.close();
  await platform?.stop();
});

test('the operator starts a rollout of 1.1.0 with one pilot community: only the pilot is upgraded', async () => {
  const form = page.getByTestId('rollout-start-form');
  await form.getByTestId('rollout-pilots').click();
  await option(page, '东园社区 (east) · 1.0.0').click();
  await page.keyboard.press('Escape');
  await form.getByTestId('rollout-start').click();
  const active = page.getByTestId('rollout-active');
  await active.getByTestId('rollout-stage').getByText('试点阶段').waitFor();
  await active.getByTestId('rollout-state-east').getByText('已升级').waitFor();
  await active.getByTestId('rollout-state-demo').getByText('等待推广').waitFor();
  await active.getByTestId('rollout-state-west').getByText('等待推广').waitFor();
  await page.screenshot({ path: '/tmp/shequ-rollout-pilot.png', fullPage: true });
  assert.deepEqual(
    [await versionIn('east'), await versionIn('demo'), await versionIn('west')],
    ['1.1.0', '1.0.0', '1.0.0'],
  );
});

test('one step promotes it to the remaining communities', async () => {
  const active = page.getByTestId('rollout-active');
  await active.getByTestId('rollout-promote').click();
  await active.getByTestId('rollout-stage').getByText('已全面推广').waitFor();
  await active.getByTestId('rollout-state-demo').getByText('已升级').waitFor();
  await active.getByTestId('rollout-state-west').getByText('已升级').waitFor();
  await page.getByTestId('rollout-count-1.1.0').getByText('1.1.0：3 个社区').waitFor();
  assert.deepEqual(
    [await versionIn('east'), await versionIn('demo'), await versionIn('west')],
    ['1.1.0', '1.1.0', '1.1.0'],
  );
});

test('a community rolls back to the previous version mid-rollout and leaves it; the others stay on 1.1.0', async () => {
  await page.getByTestId('rollout-rollback-west').click();
  await page.getByRole('menuitem', { name: '回退到 1.0.0' }).click();
  await page.getByText('已回退到 1.0.0').waitFor();
  await page.getByTestId('rollout-version-west').getByText('1.0.0').waitFor();
  await page.getByTestId('rollout-active').getByTestId('rollout-state-west').getByText('已手动回退').waitFor();
  await page.screenshot({ path: '/tmp/shequ-rollout-rollback.png', fullPage: true });
  assert.deepEqual(
    [await versionIn('east'), await versionIn('demo'), await versionIn('west')],
    ['1.1.0', '1.1.0', '1.0.0'],
  );
  const overview = await admin.query<{
    active: { stage: string; communities: Array<{ code: string; state: string }> };
  }>('market.rollouts.overview', { pluginId: APP });
  assert.equal(overview.active.stage, 'full');
  assert.equal(overview.active.communities.find((c) => c.code === 'west')?.state, 'left');
});
