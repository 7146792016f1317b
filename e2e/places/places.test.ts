// The operator keeps the community's facilities and public spaces in the console (DB33 6.3.4, 6.3.5, 7.2.3.5–7.2.3.6):
// registers a facility from its schema (a missing type and a taken name are marked on their fields, nothing saved),
// opens it, reports it faulty through an edit that shows up in its history and in the status filter, and registers a
// public space; then registers a vehicle by hand (线下登记, 6.3.3.1), an impossible plate marked first. Chromium, zh-CN.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { BrowserSession } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

let platform: RunningPlatform;
let session: BrowserSession | undefined;

before(
  async () => {
    platform = await startPlatform();
  },
  { timeout: 240_000 },
);
after(async () => {
  await session?.close();
  await platform?.stop();
});

const rows = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr.ant-table-row');
// The innermost form item holding the input (the root object's item holds every field).
const fieldError = (scope: Locator, id: string) =>
  scope.locator(`.ant-form-item:has(#${id}):not(:has(.ant-form-item))`).locator('.ant-form-item-explain-error');

async function choose(page: Page, form: Locator, id: string, label: string) {
  await form.locator(`#${id}`).click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }).first().click();
}

/** The undertaking is asked before the first entry; accept it if it is shown, then the drawer opens. */
async function openDrawer(page: Page, button: string, drawer: Locator) {
  await page.getByTestId(button).click();
  const modal = page.getByTestId('entry-undertaking');
  await modal.or(drawer).first().waitFor();
  if (await modal.isVisible()) {
    await modal.getByText('我已阅读并同意').click();
    await page.locator('[data-testid="entry-accept"]:enabled').waitFor();
    await page.getByTestId('entry-accept').click();
    await modal.waitFor({ state: 'detached' });
  }
  await drawer.waitFor();
}

test('设施设备: a facility registered, corrected on its fields, reported faulty and found by status; a public space registered', async () => {
  const signed = await signIn(platform, 'operator', /\/console$/);
  session = signed.session;
  const page = signed.page;

  await page.getByRole('menuitem', { name: '设施设备' }).click();
  await page.waitForURL(/\/console\/facilities$/);
  await page.getByTestId('facility-table').getByText('还没有设施').waitFor();

  const drawer = page.getByTestId('facility-create-drawer');
  await openDrawer(page, 'facility-new', drawer);
  // The type is left out: the form marks it and nothing is saved.
  await drawer.locator('#root_name').fill('3幢电梯旁烟感');
  await drawer.locator('#root_subtype').fill('烟感');
  await choose(page, drawer, 'root_status', '正常');
  await drawer.locator('#root_lng').fill('120.16');
  await drawer.locator('#root_lat').fill('30.25');
  await page.getByTestId('facility-save').click();
  await fieldError(drawer, 'root_type').first().waitFor();
  assert.equal(page.url().endsWith('/console/facilities'), true, 'nothing saved, still on the list');

  await choose(page, drawer, 'root_type', '安防消防设备');
  await page.getByTestId('facility-save').click();
  await page.waitForURL(/\/console\/facilities\/[0-9a-f-]{36}$/);
  await page.getByTestId('facility-name').getByText('3幢电梯旁烟感').waitFor();
  await page.getByTestId('facility-field-type').getByText('安防消防设备').waitFor();
  await page.getByTestId('facility-field-status').getByText('正常').waitFor();
  assert.equal(await page.getByTestId('facility-history-entry').count(), 1);

  // Reported faulty: the edit is versioned and the history names the field.
  const edit = page.getByTestId('facility-edit-drawer');
  await openDrawer(page, 'facility-edit', edit);
  assert.equal(await edit.locator('#root_name').count(), 0, 'the name is the identity, not editable');
  await choose(page, edit, 'root_status', '故障');
  await page.getByTestId('facility-save').click();
  await edit.waitFor({ state: 'detached' });
  await page.getByTestId('facility-field-status').getByText('故障').waitFor();
  await page.getByTestId('facility-history-entry').nth(1).waitFor();
  assert.match((await page.getByTestId('facility-history').textContent()) ?? '', /状态/);

  // A second facility under the same name: the server marks the name, nothing is saved.
  await page.getByRole('menuitem', { name: '设施设备' }).click();
  await page.waitForURL(/\/console\/facilities$/);
  await openDrawer(page, 'facility-new', drawer);
  await drawer.locator('#root_name').fill('3幢电梯旁烟感');
  await choose(page, drawer, 'root_type', '安防消防设备');
  await choose(page, drawer, 'root_status', '正常');
  await page.getByTestId('facility-save').click();
  await fieldError(drawer, 'root_name')
    .getByText(/名称已被使用/)
    .waitFor();
  await drawer.locator('.ant-drawer-close').click();
  await drawer.waitFor({ state: 'hidden' });

  await page.getByTestId('facility-filter-status').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '故障' }).first().click();
  await rows(page, 'facility-table').filter({ hasText: '3幢电梯旁烟感' }).waitFor();
  await page.getByTestId('facility-status').getByText('故障').first().waitFor();
  assert.equal(await rows(page, 'facility-table').count(), 1);
  await page.screenshot({ path: '/tmp/shequ-facilities.png', fullPage: true });

  // A public space, registered the same way.
  await page.getByRole('menuitem', { name: '公共空间' }).click();
  await page.waitForURL(/\/console\/places$/);
  const spaceDrawer = page.getByTestId('space-create-drawer');
  await openDrawer(page, 'space-new', spaceDrawer);
  await spaceDrawer.locator('#root_name').fill('共享书房');
  await choose(page, spaceDrawer, 'root_useType', '共享书房');
  await spaceDrawer.locator('#root_area').fill('80');
  await page.getByTestId('space-save').click();
  await page.waitForURL(/\/console\/places\/[0-9a-f-]{36}$/);
  await page.getByTestId('space-field-area').getByText('80').waitFor();
  await page.getByRole('menuitem', { name: '公共空间' }).click();
  await rows(page, 'space-table').filter({ hasText: '共享书房' }).waitFor();
});

test('车辆管理: a vehicle registered by hand; a plate with the letter I is marked and nothing is saved', async () => {
  const signed = await signIn(platform, 'operator', /\/console$/);
  await session?.close();
  session = signed.session;
  const page = signed.page;
  await page.getByRole('menuitem', { name: '车辆管理' }).click();
  await page.waitForURL(/\/console\/vehicles$/);
  const drawer = page.getByTestId('vehicle-create-drawer');
  await openDrawer(page, 'vehicles-new', drawer);
  await drawer.locator('#root_plate').fill('浙AI1234');
  await choose(page, drawer, 'root_kind', '居民');
  await drawer.locator('#root_compound').fill('示范小区');
  await drawer.locator('#root_parkingSpace').fill('E-18');
  await page.getByTestId('vehicle-save').click();
  await fieldError(drawer, 'root_plate').first().waitFor();
  assert.equal(page.url().endsWith('/console/vehicles'), true, 'nothing saved, still on the list');

  await drawer.locator('#root_plate').fill('浙A1K234');
  await page.getByTestId('vehicle-save').click();
  await page.waitForURL(/\/console\/vehicles\/[0-9a-f-]{36}$/);
  await page.getByTestId('vehicle-plate').getByText('浙A1K234').waitFor();
  await page.getByTestId('vehicle-parking').getByText('E-18').waitFor();
  await page.getByTestId('vehicle-history-entry').first().waitFor();
});
