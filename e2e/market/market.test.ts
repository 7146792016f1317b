// Marketplace end to end: the example noticeboard is built, signed and uploaded by the service provider in the
// publisher console (automated checks pass); the reviewer claims, approves and shelves it in the review queue; the
// operator finds it in the catalog (permissions in plain Chinese) and installs it into the demo community; a resident
// sees it; the operator disables it and the resident no longer sees it; re-enabled, a kill switch on the version
// takes it away again, everywhere.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from '@shequ/core';
import { buildPlugin, packageFiles } from '@shequ/plugin-sdk/build';
import { generatePublisherKey, packPlugin, signPackage } from '@shequ/runtime';
import type { Page } from 'playwright-core';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { openBrowser } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';

const UI_TIMEOUT = 30_000;
const PLUGIN_ID = 'org.shequ.noticeboard';
const key = generatePublisherKey();
const archivePath = join(tmpdir(), `noticeboard-${process.pid}.shequ`);

let platform: RunningPlatform;
let admin: AdminApi;

before(
  async () => {
    const built = await buildPlugin(fileURLToPath(new URL('../../examples/noticeboard', import.meta.url)));
    // The package as `shequ-plugin pack` makes it: manifest, bundle, tests, README and the declared screenshots.
    const files = signPackage(packageFiles(built), key.privateKeyPem);
    await writeFile(archivePath, packPlugin(files));
    platform = await startPlatform();
    admin = adminApi(platform);
    // The demo community runs the example from its folder at start; the suite takes it out so it comes from the shelf.
    await admin.mutate('plugins.uninstall', { community: 'demo', pluginId: PLUGIN_ID });
  },
  { timeout: 400_000 },
);

after(async () => {
  await platform?.stop();
});

async function as(username: string, path: string, fn: (page: Page) => Promise<void>) {
  const session = await openBrowser();
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    const page = session.page;
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('login-identifier').fill(username);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`${platform.webUrl}${path}`);
    await page.getByTestId('shell-title').waitFor();
    await fn(page);
  } finally {
    await session.close();
  }
}

async function residentSees(expect: boolean) {
  await as('resident', '/app', async (page) => {
    const tile = page.getByTestId(`my-app-${PLUGIN_ID}`);
    if (expect) await tile.first().waitFor();
    else {
      // The home has loaded its app list (some other app's tile, or the empty state) before we look for the tile.
      const mine = page.getByTestId('my-apps');
      await mine.getByText('本社区还没有启用应用').or(mine.locator('[data-testid^="my-app-"]')).first().waitFor();
      assert.equal(await tile.count(), 0, 'the resident does not see the app');
    }
  });
}

let submissionId = '';

test('the provider registers a publisher and key, uploads the signed noticeboard; automated checks pass', async () => {
  await as('provider', '/market/publish', async (page) => {
    await page.getByPlaceholder('发布者标识（如 org.example）').fill('org.shequ');
    await page.getByPlaceholder('中文名称').fill('社区平台示例');
    await page.getByPlaceholder('英文名称').fill('Shequ examples');
    await page.getByRole('button', { name: '登记发布者' }).click();
    const pubs = page.getByTestId('market-publishers');
    await pubs.getByText('社区平台示例 (org.shequ)').waitFor();
    await pubs.getByPlaceholder('ed25519 公钥（PEM）').fill(key.publicKeyPem);
    await pubs.getByRole('button', { name: '登记签名公钥' }).click();
    await pubs.getByText(key.keyId).waitFor();
    await page.getByTestId('market-upload').setInputFiles(archivePath);
    const result = page.getByTestId('market-upload-result');
    await result.waitFor();
    await result.getByText('自动审核通过').waitFor();
    assert.equal(await result.getByTestId('report-item-signature').getAttribute('data-level'), 'pass');
    assert.equal(await result.getByTestId('report-item-elder.labels').getAttribute('data-level'), 'pass');
    // The noticeboard's own tests, shipped in the package, ran in the sandbox during the review.
    const tests = result.getByTestId('report-item-tests');
    await tests.getByText(/应用自带测试在沙箱中通过：通过 11，失败 0，共 11/).waitFor();
    assert.equal(await tests.getAttribute('data-level'), 'pass');
    await page.screenshot({ path: '/tmp/shequ-market-publish.png', fullPage: true });
    submissionId = /已提交 ([0-9a-f-]{36})/.exec((await result.textContent()) ?? '')?.[1] ?? '';
  });
  assert.ok(submissionId, 'the upload answered a submission id');
});

test('the reviewer claims, approves and shelves it from the queue', async () => {
  await as('reviewer', '/market/review', async (page) => {
    await page.getByTestId(`claim-${submissionId}`).click();
    await page.getByTestId(`approve-${submissionId}`).click();
    await page.getByTestId(`shelve-${submissionId}`).click();
    await page.getByTestId(`submission-state-${submissionId}`).getByText('已上架').waitFor();
  });
});

test('the operator finds it in the catalog and installs it into the demo community; the resident sees it', async () => {
  await as('operator', '/market', async (page) => {
    await page.getByTestId('market-search').locator('input').fill('公告');
    await page.getByTestId('market-search').locator('input').press('Enter');
    await page.getByTestId(`market-app-${PLUGIN_ID}`).click();
    const drawer = page.getByTestId('market-app-drawer');
    await drawer.getByTestId('market-permissions').getByText('message.send').waitFor();
    await page.screenshot({ path: '/tmp/shequ-market-detail.png', fullPage: true });
    await drawer.getByTestId('market-install').click();
    await page.getByText('已安装到 1 个社区').waitFor();
  });
  await residentSees(true);
});

test('the operator disables it: the resident no longer sees it', async () => {
  await as('operator', '/market/installs', async (page) => {
    await page.getByTestId(`market-state-${PLUGIN_ID}`).getByText('已启用').waitFor();
    await page.getByTestId(`market-toggle-${PLUGIN_ID}`).click();
    await page.getByTestId(`market-state-${PLUGIN_ID}`).getByText('已停用').waitFor();
  });
  await residentSees(false);
});

test('re-enabled, the kill switch on the version disables it everywhere; it cannot be enabled again', async () => {
  await admin.mutate('market.setEnabled', { community: 'demo', pluginId: PLUGIN_ID, enabled: true });
  await residentSees(true);
  await as('reviewer', '/market/review', async (page) => {
    await page.getByTestId(`kill-${submissionId}`).click();
    await page.getByTestId('kill-reason').fill('发现严重缺陷，紧急停用');
    await page.getByTestId('kill-confirm').click();
    await page.getByText('已停用 1 个社区中的安装').waitFor();
  });
  await residentSees(false);
  await assert.rejects(
    admin.mutate('market.setEnabled', { community: 'demo', pluginId: PLUGIN_ID, enabled: true }),
    /CONFLICT/,
  );
});
