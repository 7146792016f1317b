// Apps end to end: the suite registers a small repairs app; the operator installs it from the console (granting
// permissions), records repairs through its form (a bad value first comes back as a field error), closes one after
// a confirm; a resident on a phone with large text finds it under its scenario, lists and opens a record; the
// operator disables it and the resident no longer sees it; uninstalling explains how long the data is kept.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PASSWORD } from '@shequ/core';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.ts';
import type { RunningPlatform } from '../support/platform.ts';
import { type AdminApi, startWithAdmin } from './admin-api.ts';
import { bundle, manifest, PLUGIN_ID } from './test-plugin.ts';

const UI_TIMEOUT = 20_000;
const PHONE = { width: 390, height: 844 };
const LIGHT = '三楼楼道灯不亮';
const DOOR = '单元门禁失灵';
const LIGHT_NOTE = '晚上七点以后灯不亮，老人上下楼不便';
const esc = PLUGIN_ID.replace(/\./g, '\\.');

let platform: RunningPlatform;
let admin: AdminApi;
let cleanup: (() => Promise<void>) | undefined;

before(
  async () => {
    ({ platform, admin, cleanup } = await startWithAdmin());
    assert.deepEqual(await admin.mutate('plugins.register', { manifest, bundle }), {
      pluginId: PLUGIN_ID,
      version: '1.0.0',
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await cleanup?.();
});

async function as(username: string, fn: (page: Page) => Promise<void>, viewport?: { width: number; height: number }) {
  const session = await openBrowser({ viewport });
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    const page = session.page;
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('login-identifier').fill(username);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(username === 'resident' ? /\/app$/ : /\/console$/);
    await page.getByTestId('shell-title').waitFor();
    await fn(page);
  } finally {
    await session.close();
  }
}

const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).first().textContent()) ?? '').trim();
// The innermost form item holding the input (the root object's item holds every field).
const fieldError = (page: Page, id: string) =>
  page.locator(`.ant-form-item:has(#${id}):not(:has(.ant-form-item))`).locator('.ant-form-item-explain-error');

async function openAppsAdmin(page: Page) {
  await page.getByRole('menuitem', { name: '应用' }).click();
  await page.waitForURL(/\/console\/apps$/);
  await page.getByTestId('installed-table').waitFor();
}

test('the operator installs the app from the console, granting the permissions ticked', async () => {
  await as('operator', async (page) => {
    await openAppsAdmin(page);
    await page.getByRole('tab', { name: '安装新应用' }).click();
    await page.getByTestId(`install-${PLUGIN_ID}`).click();
    const dialog = page.getByTestId('install-dialog');
    await dialog.waitFor();
    const send = dialog.getByRole('checkbox', { name: /给社区居民发送消息/ });
    const audit = dialog.getByRole('checkbox', { name: /写入审计记录/ });
    const stats = dialog.getByRole('checkbox', { name: /读取社区统计数字/ });
    for (const box of [send, audit, stats]) assert.equal(await box.isChecked(), true, 'every permission starts ticked');
    await send.setChecked(false);
    // The app's settings are asked for at install, from its settings schema.
    await dialog.getByTestId('app-settings-form').locator('#root_contact').fill('0571-88880000');
    await dialog.getByTestId('app-settings-form').locator('#root_reminderHours').fill('12');
    await page.screenshot({ path: '/tmp/shequ-apps-install.png' });
    await page.getByTestId('install-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: '已安装' }).click();
    await page.getByTestId(`app-state-${PLUGIN_ID}`).getByText('已启用').waitFor();
  });
  const mine = await installedApp();
  assert.equal(mine?.state, 'enabled');
  assert.deepEqual(mine?.grants, { services: { audit: ['record'] }, data: ['stats:read'], hosts: [] });
  assert.deepEqual(mine?.settings, { contact: '0571-88880000', reminderHours: 12 });
});

async function installedApp() {
  const installed = await admin.query<
    Array<{ pluginId: string; state: string; version: string; grants: unknown; settings: unknown }>
  >('plugins.installed', { community: 'demo' });
  return installed.find((i) => i.pluginId === PLUGIN_ID);
}

test('the operator records repairs through the app form: a bad value is a field error; closing one asks first', async () => {
  await as('operator', async (page) => {
    await openAppsAdmin(page);
    await page.getByTestId(`app-open-${PLUGIN_ID}`).click();
    // The app's home is one of its menu pages; the menu leads to the others.
    await page.waitForURL(new RegExp(`/console/apps/${esc}/[a-z-]+$`));
    await page.getByRole('tab', { name: '报修台账' }).click();
    await page.waitForURL(new RegExp(`/console/apps/${esc}/board$`));
    await page.getByTestId('app-list').waitFor();
    await page.getByTestId('app-action-add').click();
    await page.waitForURL(new RegExp(`/console/apps/${esc}/new$`));

    // The form validates in Chinese before anything is sent.
    await page.getByTestId('app-form-submit').click();
    assert.match(((await fieldError(page, 'root_title').first().textContent()) ?? '').trim(), /应当|必填|必需/);

    // The form lets building 99 through; the collection schema (1–30) refuses it, under the field.
    await page.locator('#root_title').fill(LIGHT);
    await page.locator('#root_building').fill('99');
    await page.locator('#root_note').fill(LIGHT_NOTE);
    await page.getByTestId('app-form-submit').click();
    await page.getByTestId('app-form-error').waitFor();
    await fieldError(page, 'root_building').first().waitFor();
    // Only the bad field is marked: the title's earlier "required" message goes away.
    await fieldError(page, 'root_title').first().waitFor({ state: 'detached' });
    assert.match(page.url(), /\/new$/, 'nothing was saved: the form stays');

    await page.locator('#root_building').fill('3');
    await page.getByTestId('app-form-submit').click();
    await page.waitForURL(new RegExp(`/console/apps/${esc}/board$`));
    const rows = page.getByTestId('app-list').locator('tbody tr.ant-table-row');
    await rows.filter({ hasText: LIGHT }).getByText('处理中').waitFor();

    await page.getByTestId('app-action-add').click();
    await page.locator('#root_title').fill(DOOR);
    await page.locator('#root_building').fill('5');
    await page.getByTestId('app-form-submit').click();
    await page.waitForURL(new RegExp(`/console/apps/${esc}/board$`));
    const door = rows.filter({ hasText: DOOR });
    await door.getByTestId('app-action-close').click();
    await page.locator('.ant-modal-confirm-title').getByText('确认该报修已处理完毕？').waitFor();
    await page.getByTestId('app-confirm-ok').click();
    await door.getByText('已完成').waitFor();
    assert.match(await text(page, 'app-list-total'), /共 2 条/);

    // The dashboard reads its cards and chart from the stats handler.
    await page.getByRole('tab', { name: '统计' }).click();
    await page.waitForURL(new RegExp(`/console/apps/${esc}/stats$`));
    assert.match(await text(page, 'app-card-open'), /1/);
    assert.match(await text(page, 'app-card-done'), /1/);
    await page.getByTestId('app-chart-bar').waitFor();
    await page.screenshot({ path: '/tmp/shequ-apps-dashboard.png', fullPage: true });
  });
});

test('a resident on a phone with large text finds the app under its scenario, lists and opens a record', async () => {
  await as(
    'resident',
    async (page) => {
      await page.getByRole('switch').click();
      await page.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
      const building = page.getByTestId('scenario-building');
      await building.getByText('建筑').waitFor();
      await page.screenshot({ path: '/tmp/shequ-apps-home.png', fullPage: true });
      await building.getByTestId(`my-app-${PLUGIN_ID}`).getByText('楼道报修').click();
      await page.waitForURL(new RegExp(`/app/apps/${esc}/home$`));

      const items = page.getByTestId('app-list-item');
      await items.filter({ hasText: LIGHT }).waitFor();
      assert.equal(await items.count(), 2);
      await page.screenshot({ path: '/tmp/shequ-apps-list.png', fullPage: true });
      const size = await page.evaluate<number>(
        "parseFloat(getComputedStyle(document.querySelector('[data-testid=app-list-item]')).fontSize)",
      );
      assert.ok(size >= 20, `list text is ${size}px in large-text mode`);
      const box = await items.first().boundingBox();
      assert.ok(box && box.height >= 48, 'each record is a big touch target');

      // Filter by status: only the open repair is left.
      await page.getByTestId('app-filter-status').click();
      await page.locator('.ant-select-item-option').filter({ hasText: '处理中' }).click();
      await items.filter({ hasText: DOOR }).waitFor({ state: 'detached' });
      await page.waitForFunction("document.querySelectorAll('[data-testid=app-list-item]').length === 1");
      await items.filter({ hasText: LIGHT }).waitFor();

      await items.filter({ hasText: LIGHT }).click();
      await page.waitForURL(new RegExp(`/app/apps/${esc}/view\\?id=`));
      const detail = page.getByTestId('app-detail');
      await detail.getByText(LIGHT_NOTE).waitFor();
      await detail.getByText('处理中').waitFor();
      await page.screenshot({ path: '/tmp/shequ-apps-resident.png', fullPage: true });
    },
    PHONE,
  );
});

test('a new version: the operator tries the upgrade, grants its new permission, then changes a setting', async () => {
  const next = {
    ...manifest,
    version: '1.1.0',
    permissions: { ...manifest.permissions, services: { ...manifest.permissions.services, points: ['balance'] } },
  };
  assert.deepEqual(await admin.mutate('plugins.register', { manifest: next, bundle }), {
    pluginId: PLUGIN_ID,
    version: '1.1.0',
  });
  await as('operator', async (page) => {
    await openAppsAdmin(page);
    await page.getByTestId(`app-upgrade-${PLUGIN_ID}`).getByText('升级到 1.1.0').click();
    const dialog = page.getByTestId('upgrade-dialog');
    // The dry run first: the repairs recorded earlier are checked against the new version, nothing changes yet.
    assert.match(await text(page, 'upgrade-report'), /试运行：检查了 [1-9]\d* 条记录，其中 0 条将按新版本迁移/);
    const points = dialog.getByRole('checkbox', { name: /查询居民的积分余额/ });
    assert.equal(await points.isChecked(), true);
    await page.screenshot({ path: '/tmp/shequ-apps-upgrade.png' });
    await page.getByTestId('upgrade-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('installed-table').getByRole('cell', { name: '1.1.0', exact: true }).waitFor();
    assert.equal(await page.getByTestId(`app-upgrade-${PLUGIN_ID}`).count(), 0, 'nothing newer to offer');

    await page.getByTestId(`app-settings-${PLUGIN_ID}`).click();
    const settings = page.getByTestId('settings-dialog');
    const hours = settings.locator('#root_reminderHours');
    const contact = settings.locator('#root_contact');
    // The dialog fills in the saved settings when they arrive: wait for the value, don't read it at once.
    await page.waitForFunction(
      "document.querySelector('[data-testid=settings-dialog] #root_reminderHours')?.value === '12'",
      undefined,
      { timeout: 15_000 },
    );
    assert.equal(await hours.inputValue(), '12');
    // The server checks the settings against the app's schema: a bad phone number stays in the dialog, marked.
    await contact.fill('物业办公室');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-error').waitFor();
    await fieldError(page, 'root_contact').first().waitFor();
    await contact.fill('0571-88881111');
    await hours.fill('6');
    await page.getByTestId('settings-save').click();
    await settings.waitFor({ state: 'detached' });
  });
  const mine = await installedApp();
  assert.equal(mine?.version, '1.1.0');
  assert.deepEqual(mine?.grants, {
    services: { audit: ['record'], points: ['balance'] },
    data: ['stats:read'],
    hosts: [],
  });
  assert.deepEqual(mine?.settings, { contact: '0571-88881111', reminderHours: 6 });
});

test('the operator disables the app; the resident no longer sees it', async () => {
  await as('operator', async (page) => {
    await openAppsAdmin(page);
    await page.getByTestId(`app-toggle-${PLUGIN_ID}`).click();
    await page.getByTestId(`app-state-${PLUGIN_ID}`).getByText('已停用').waitFor();
    assert.equal(await page.getByTestId(`app-open-${PLUGIN_ID}`).count(), 0, 'no console pages while disabled');
  });
  await as(
    'resident',
    async (page) => {
      await page.getByTestId('my-apps').waitFor();
      await page.getByTestId('app-loading').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId(`my-app-${PLUGIN_ID}`).count(), 0);
      await page.goto(`${platform.webUrl}/app/apps/${PLUGIN_ID}/home`);
      await page.getByTestId('app-error').getByText('本社区没有启用该应用').waitFor();
    },
    PHONE,
  );
});

test('uninstalling explains the 30-day data retention and shows until when the data is kept', async () => {
  await as('operator', async (page) => {
    await openAppsAdmin(page);
    await page.getByTestId(`app-uninstall-${PLUGIN_ID}`).click();
    assert.match(await text(page, 'uninstall-explain'), /保留 30 天/);
    await page.getByTestId('uninstall-confirm').click();
    await page.getByTestId(`app-state-${PLUGIN_ID}`).getByText('已卸载').waitFor();
    await page
      .getByText(/数据保留至/)
      .first()
      .waitFor();
    // It can be installed again from the packages list.
    await page.getByRole('tab', { name: '安装新应用' }).click();
    await page.getByTestId(`install-${PLUGIN_ID}`).waitFor();
  });
});

test('the example noticeboard renders for a resident (home in both languages); a comment form opened from a post comments on it', async () => {
  const board = 'org.shequ.noticeboard';
  const count = (page: Page) =>
    page
      .getByTestId('app-detail')
      .locator('tr', { has: page.getByText('评论数', { exact: true }) })
      .locator('.ant-descriptions-item-content');
  await as(
    'resident',
    async (page) => {
      // In English the same page reads "My apps" with English scenario names; back to Chinese for the rest.
      await page.getByTestId('lang-switch').getByText('English').click();
      await page.getByTestId('my-apps').getByText('My apps').waitFor();
      await page.getByTestId('scenario-neighbourhood').getByText('Neighbourhood', { exact: true }).waitFor();
      await page.getByTestId('lang-switch').getByText('中文').click();
      await page.getByTestId('my-apps').getByText('我的应用').waitFor();
      await page.getByTestId('scenario-neighbourhood').getByTestId(`my-app-${board}`).click();
      await page.waitForURL(/\/app\/apps\/org\.shequ\.noticeboard\/board$/);
      await page.getByTestId('app-list-item').first().click();
      await page.waitForURL(/\/post\?id=/);
      const before = Number(((await count(page).textContent()) ?? '').trim());
      const post = page.url();
      await page.getByTestId('app-action-comment').click();
      await page.waitForURL(/\/comment\?id=/);
      await page.locator('#root_body').fill('楼道灯已经修好了，谢谢！');
      await page.getByTestId('app-form-submit').click();
      await page.waitForURL(/\/board$/);
      await page.goto(post);
      await count(page)
        .getByText(String(before + 1), { exact: true })
        .waitFor();
    },
    PHONE,
  );
});
