// The operator's base-data journey: accept the confidentiality undertaking at the first entry, add a person with
// field-level errors, import houses and people through the dry-run wizard (row errors, then the fixed file), reveal
// a sensitive value (audited with its reason), record and withdraw a consent, edit a person, export people masked.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import {
  acceptUndertakingIfShown,
  commitImport,
  importFile,
  openMenu,
  openPerson,
  searchPeople,
  tableRows,
  text,
  uploadAndCheck,
} from './console-steps.ts';
import { housesCsv, importedName, peopleCsv, vehiclesCsv } from './import-files.ts';
import { addArrayItem, csvText, downloadExport, openEdit } from './person-steps.ts';

const PASSWORD = 'Shequ@2026';
const UI_TIMEOUT = 20_000;

let platform: RunningPlatform;
let filesDir: string;

before(
  async () => {
    filesDir = await mkdtemp(join(tmpdir(), 'shequ-import-'));
    platform = await startPlatform();
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
});

async function asOperator(fn: (page: Page) => Promise<void>) {
  const session = await openBrowser();
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    const page = session.page;
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('login-identifier').fill('operator');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/console$/);
    await page.getByTestId('shell-title').waitFor();
    await fn(page);
  } finally {
    await session.close();
  }
}

test('the first entry asks for the undertaking; a wrong check digit is a field error, the right one saves', async () => {
  await asOperator(async (page) => {
    await openMenu(page, '人员管理', /\/console\/people$/);
    await page.getByTestId('people-table').waitFor();
    const form = page.getByTestId('person-form');
    const modal = page.getByTestId('entry-undertaking');
    await page.getByTestId('people-add').click();
    if (process.env.SHEQU_E2E_WEB_URL) {
      // An external platform may already know this operator's acceptance.
      await acceptUndertakingIfShown(page, form);
    } else {
      await modal.waitFor();
      assert.match(await text(page.getByTestId('entry-text')), /本人承诺/);
      const accept = page.getByTestId('entry-accept');
      assert.equal(await accept.isDisabled(), true, 'no tick, no acceptance');
      // Cancelling drops the action: no form opens, and the next attempt asks again.
      await page.getByTestId('entry-cancel').click();
      await modal.waitFor({ state: 'detached' });
      assert.equal(await form.count(), 0, 'the form did not open');
      await page.getByTestId('people-add').click();
      await modal.waitFor();
      assert.equal(await accept.isDisabled(), true, 'the tick is not remembered');
      await modal.getByText('我已阅读并同意').click();
      // The tick enables the button on the next render: wait for it (an immediate read raced it on a loaded machine).
      await page.locator('[data-testid="entry-accept"]:enabled').waitFor();
      await accept.click();
      await modal.waitFor({ state: 'detached' });
    }
    await form.waitFor();
    await form.locator('#root_name').fill('测试老人');
    await form.locator('#root_idType').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option', { hasText: '居民身份证' }).first().click();
    await form.locator('#root_idNumber').fill('110105194912310021');
    await form.locator('button[type=submit]').click();

    await form
      .getByText(/校验位/)
      .first()
      .waitFor();
    assert.equal(await tableRows(page, 'people-table').count(), 0, 'nothing was saved');

    await form.locator('#root_idNumber').fill('11010519491231002X');
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached' });
    const row = tableRows(page, 'people-table').filter({ hasText: '测试老人' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /110105\*{8}002X/);
    assert.doesNotMatch((await row.textContent()) ?? '', /11010519491231002X/);
  });
});

test('importing houses, then people: bad rows are pinpointed, the fixed file commits', async () => {
  const houses = join(filesDir, '房屋.csv');
  const badPeople = join(filesDir, '人员-有误.csv');
  const goodPeople = join(filesDir, '人员.csv');
  await writeFile(houses, housesCsv());
  await writeFile(badPeople, peopleCsv([3, 5, 7]));
  await writeFile(goodPeople, peopleCsv([]));

  await asOperator(async (page) => {
    await openMenu(page, '数据导入', /\/console\/import$/);
    await importFile(page, '房屋', houses);
    await page.getByTestId('import-ok').waitFor();
    await commitImport(page);
    assert.match(await text(page.getByTestId('import-result')), /新增 5 条/);

    await page.getByTestId('import-again').click();
    await importFile(page, '人员', badPeople);
    await page.getByTestId('import-errors').waitFor();
    const errorRows = page.getByTestId('import-error-row');
    const rowNumbers = new Set<number>();
    for (let i = 0; i < (await errorRows.count()); i++) {
      rowNumbers.add(Number(await text(errorRows.nth(i).locator('td').first())));
      assert.match(await text(errorRows.nth(i)), /证件号码/);
    }
    assert.deepEqual([...rowNumbers].sort(), [3, 5, 7]);
    assert.equal(await page.getByTestId('import-commit').isDisabled(), true);
    await page.screenshot({ path: '/tmp/shequ-import-errors.png', fullPage: true });

    await page.getByTestId('import-reupload').click();
    await uploadAndCheck(page, goodPeople);
    await page.getByTestId('import-ok').waitFor();
    assert.equal(await page.getByTestId('import-error-row').count(), 0);
    assert.equal(await page.getByTestId('import-commit').isEnabled(), true);
    await commitImport(page);
    assert.match(await text(page.getByTestId('import-result')), /新增 6 条/);

    await openMenu(page, '人员管理', /\/console\/people$/);
    await searchPeople(page, importedName(4));
    const row = tableRows(page, 'people-table').filter({ hasText: importedName(4) });
    await row.waitFor();
    assert.equal(await tableRows(page, 'people-table').count(), 1);
    assert.match((await row.textContent()) ?? '', /330106\*{8}\d{3}[\dX]/);
  });
});

test('房屋管理: the imported houses of building 8 in order; one shows who lives there, and an edit is versioned', async () => {
  await asOperator(async (page) => {
    await openMenu(page, '房屋管理', /\/console\/houses$/);
    await page.getByTestId('houses-building').locator('input').fill('8');
    await page.getByTestId('houses-building').locator('input').press('Enter');
    const rows = tableRows(page, 'houses-table');
    await rows.filter({ hasText: '8幢1单元501室' }).waitFor();
    assert.deepEqual(
      (await rows.getByTestId('house-link').allTextContents()).map((x) => x.trim()),
      [1, 2, 3, 4, 5].map((f) => `示范小区 8幢1单元${f}01室`),
    );
    await rows.getByTestId('house-link').first().click();
    await page.waitForURL(/\/console\/houses\/[0-9a-f-]{36}$/);
    assert.equal(await text(page.getByTestId('house-address')), '示范小区 8幢1单元101室');
    const occupants = page.getByTestId('house-occupants');
    await occupants
      .locator('tr', { hasText: importedName(1) })
      .getByText('业主')
      .waitFor();
    await occupants
      .locator('tr', { hasText: importedName(6) })
      .getByText('家属')
      .waitFor();
    assert.match(await text(occupants.locator('tr', { hasText: importedName(1) })), /330106\*{8}\d{3}[\dX]/);

    await page.getByTestId('house-edit').click();
    await acceptUndertakingIfShown(page, page.getByTestId('house-edit-drawer'));
    const area = page.getByTestId('house-edit-drawer').locator('#root_area');
    await area.fill('95');
    await page.getByTestId('house-save').click();
    await page.getByTestId('house-area').getByText('95 ㎡').waitFor();
    await page
      .getByTestId('house-history-entry')
      .filter({ hasText: 'v2 · 修改' })
      .getByText(/建筑面积/)
      .waitFor();
    await page.screenshot({ path: '/tmp/shequ-house.png', fullPage: true });
  });
});

test('车辆管理: a vehicle sheet with an impossible plate is refused row by row; fixed, the cars are listed and one is edited', async () => {
  const bad = join(filesDir, '车辆-有误.csv');
  const good = join(filesDir, '车辆.csv');
  await writeFile(bad, vehiclesCsv(true));
  await writeFile(good, vehiclesCsv(false));
  await asOperator(async (page) => {
    await openMenu(page, '数据导入', /\/console\/import$/);
    await importFile(page, '车辆', bad);
    await page.getByTestId('import-errors').waitFor();
    const errors = page.getByTestId('import-error-row');
    assert.equal(await errors.count(), 1);
    assert.equal(await text(errors.first().locator('td').first()), '3');
    assert.match(await text(errors.first()), /车牌/);
    assert.equal(await page.getByTestId('import-commit').isDisabled(), true);
    await page.getByTestId('import-reupload').click();
    await uploadAndCheck(page, good);
    await page.getByTestId('import-ok').waitFor();
    await commitImport(page);
    assert.match(await text(page.getByTestId('import-result')), /新增 3 条/);

    await openMenu(page, '车辆管理', /\/console\/vehicles$/);
    await page.getByTestId('vehicles-plate').locator('input').fill('浙a');
    await page.getByTestId('vehicles-plate').locator('input').press('Enter');
    const rows = tableRows(page, 'vehicles-table');
    await rows.filter({ hasText: '浙AD12202' }).waitFor();
    assert.deepEqual(
      (await rows.getByTestId('vehicle-link').allTextContents()).map((x) => x.trim()),
      ['浙A8B101', '浙AD12202'],
    );
    assert.match(await text(rows.filter({ hasText: '浙AD12202' })), /新能源.*导入居民2/);
    await rows.getByTestId('vehicle-link').first().click();
    await page.waitForURL(/\/console\/vehicles\/[0-9a-f-]{36}$/);
    assert.equal(await text(page.getByTestId('vehicle-plate')), '浙A8B101');
    assert.equal(await text(page.getByTestId('vehicle-owner')), importedName(1));
    assert.match(await text(page.getByTestId('vehicle-owner-id')), /330106\*{8}\d{3}[\dX]/);
    await page.getByTestId('vehicle-edit').click();
    await acceptUndertakingIfShown(page, page.getByTestId('vehicle-edit-drawer'));
    const drawer = page.getByTestId('vehicle-edit-drawer');
    await drawer.locator('#root_parkingSpace').fill('C-12');
    await drawer.locator('#root_brand').fill('比亚迪');
    await page.getByTestId('vehicle-save').click();
    await page.getByTestId('vehicle-parking').getByText('C-12').waitFor();
    await page
      .getByTestId('vehicle-history-entry')
      .filter({ hasText: 'v2 · 修改' })
      .getByText(/车位.*品牌/)
      .waitFor();
    await page.screenshot({ path: '/tmp/shequ-vehicle.png', fullPage: true });
  });
});

test('a re-import with a changed mobile number proposes a merge; the operator accepts it and the person changes', async () => {
  const changed = join(filesDir, '人员-新号码.csv');
  await writeFile(changed, peopleCsv([], { 2: '13700000002' }));

  await asOperator(async (page) => {
    await openMenu(page, '数据导入', /\/console\/import$/);
    await importFile(page, '人员', changed);
    assert.match(await text(page.getByTestId('import-proposals')), /1 行与已登记记录信息不一致/);
    await page.getByTestId('import-ok').waitFor();
    await commitImport(page);
    assert.match(await text(page.getByTestId('import-result')), /新增 0 条.*已生成 1 条合并建议/);
    await page.getByTestId('import-to-merges').click();
    await page.waitForURL(/\/console\/merges$/);

    const row = tableRows(page, 'merge-table').filter({ hasText: importedName(2) });
    await row.waitFor();
    assert.equal(await tableRows(page, 'merge-table').count(), 1);
    assert.match(await text(row.getByTestId('merge-change')), /^手机号码：139\*{4}0001 → 137\*{4}0002$/);
    assert.match(await text(row), /人员-新号码\.csv 第 3 行/);
    await page.screenshot({ path: '/tmp/shequ-merges.png', fullPage: true });

    await row.getByTestId('merge-accept').click();
    await page.getByTestId('merge-note').fill('本人来电核实');
    await page.getByTestId('merge-confirm').click();
    await page.getByText('没有待处理的合并建议').waitFor();
    await page.getByTestId('merge-status').getByText('已采纳').click();
    const decided = tableRows(page, 'merge-table').filter({ hasText: importedName(2) });
    await decided.getByText('本人来电核实').waitFor();

    await openMenu(page, '人员管理', /\/console\/people$/);
    await searchPeople(page, importedName(2));
    const person = tableRows(page, 'people-table').filter({ hasText: importedName(2) });
    await person.getByText('137****0002').waitFor();
  });
});

test('revealing an ID number needs a reason, and the read is audited with it', async () => {
  await asOperator(async (page) => {
    await openPerson(page, '测试老人');
    await page.getByTestId('masked-idNumber').waitFor();
    assert.equal(await text(page.getByTestId('masked-idNumber')), '110105********002X');

    await page.getByTestId('reveal-open').click();
    await page.getByTestId('reveal-dialog').waitFor();
    const confirm = page.getByTestId('reveal-confirm');
    assert.equal(await confirm.isDisabled(), true, 'no reason, no reveal');
    await page.getByTestId('reveal-reason').fill('核实');
    assert.equal(await confirm.isDisabled(), true, 'a two-character reason is not enough');
    await page.getByTestId('reveal-reason').fill('核实身份信息');
    await page.locator('[data-testid="reveal-confirm"]:enabled').waitFor();
    await confirm.click();
    await page.getByTestId('revealed-idNumber').waitFor();
    assert.equal(await text(page.getByTestId('revealed-idNumber')), '11010519491231002X');

    await openMenu(page, '审计日志', /\/console\/audit$/);
    const audited = tableRows(page, 'audit-table').filter({ hasText: 'base.person.reveal' });
    await audited.first().waitFor();
    assert.match(await text(audited.first()), /核实身份信息/);
  });
});

test('a consent is recorded on paper, withdrawn with a time, and the withdrawal is audited', async () => {
  await asOperator(async (page) => {
    await openPerson(page, '测试老人');
    await page.getByTestId('consent-table').waitFor();
    assert.equal(await tableRows(page, 'consent-table').count(), 0, 'no consents yet');

    await page.getByTestId('consent-grant').click();
    const dialog = page.getByTestId('consent-grant-dialog');
    await dialog.waitFor();
    const confirm = page.getByTestId('consent-grant-confirm');
    assert.equal(await confirm.isDisabled(), true, 'nothing chosen, nothing recorded');
    await page.getByTestId('consent-purpose').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option', { hasText: '健康数据共享' }).first().click();
    await dialog.getByText('健康信息', { exact: true }).click();
    await page.getByTestId('consent-channel').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option', { hasText: '纸质' }).first().click();
    await page.locator('[data-testid="consent-grant-confirm"]:enabled').waitFor();
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });

    const row = tableRows(page, 'consent-table').filter({ hasText: '健康数据共享' });
    await row.waitFor();
    assert.equal(await tableRows(page, 'consent-table').count(), 1);
    const granted = await text(row);
    assert.match(granted, /健康信息/);
    assert.match(granted, /纸质/);
    assert.equal(await text(row.getByTestId('consent-status')), '有效');

    await row.getByTestId('consent-withdraw').click();
    await page.getByTestId('consent-withdraw-confirm').click();
    await row.getByText('已撤回').waitFor();
    assert.match(await text(row.getByTestId('consent-withdrawn-at')), /\d{4}.*\d{1,2}:\d{2}/);
    assert.equal(await row.getByTestId('consent-withdraw').count(), 0, 'a withdrawn consent cannot be withdrawn again');

    await openMenu(page, '审计日志', /\/console\/audit$/);
    const audited = tableRows(page, 'audit-table').filter({ hasText: 'base.consent.withdraw' });
    await audited.first().waitFor();
  });
});

test('editing a person sends only the changes and shows them in the history; the export is masked', async () => {
  await asOperator(async (page) => {
    await openPerson(page, '测试老人');
    const history = page.getByTestId('person-history-entry');
    await history.first().waitFor();
    const entries = await history.count();

    const form = await openEdit(page);
    assert.equal(await form.locator('#root_phone').inputValue(), '', 'a masked value is never put into the form');
    assert.match(await text(form), /留空则不修改/);
    assert.equal(await form.locator('#root_idNumber').count(), 0, 'the ID number is not editable here');
    await form.locator('#root_occupation').fill('退休教师');
    await addArrayItem(form, 'tags', '志愿者');
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached' });

    await page.getByTestId('person-occupation').getByText('退休教师').waitFor();
    assert.match(await text(page.getByTestId('person-tags')), /志愿者/);
    await history.nth(entries).waitFor();
    assert.match(await text(history.last()), /修改.*变更字段: 职业、标签$/, 'only the changed fields were saved');

    await openMenu(page, '人员管理', /\/console\/people$/);
    const csv = csvText(await downloadExport(page, 'csv'));
    assert.equal(csv.split(/\r?\n/)[0], '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系');
    assert.match(csv, /测试老人,居民身份证,110105\*{8}002X/);
    assert.doesNotMatch(csv, /\d{17}[\dX]/, 'no ID number leaves in full');
  });
});
