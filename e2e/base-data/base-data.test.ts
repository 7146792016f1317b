// The operator's base-data journey: add a person with field-level errors, import houses and people through the
// dry-run wizard (row errors, then the fixed file), reveal a sensitive value with a reason and find it audited.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { openBrowser } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';

const PASSWORD = 'Shequ@2026';
const UI_TIMEOUT = 20_000;

/** GB 11643 MOD 11-2 check character for 17 leading digits. */
function checkChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return '10X98765432'[sum % 11];
}
const validId = (first17: string) => first17 + checkChar(first17);
const wrongCheck = (first17: string) => first17 + (checkChar(first17) === '1' ? '2' : '1');

const PEOPLE_HEADER = '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系';
const HOUSES_HEADER = '小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质';
const importedName = (i: number) => `导入居民${i}`;

function housesCsv(): string {
  const rows = Array.from({ length: 5 }, (_, i) => `示范小区,8,1,${i + 1},${i + 1}01,三室一厅,89.5,商品房`);
  return `\uFEFF${[HOUSES_HEADER, ...rows].join('\r\n')}\r\n`;
}

/** Six people in building 8; `badRows` are spreadsheet row numbers (the header is row 1). */
function peopleCsv(badRows: number[]): string {
  const rows = Array.from({ length: 6 }, (_, i) => {
    const first17 = `33010619800101${String(101 + i)}`;
    const id = badRows.includes(i + 2) ? wrongCheck(first17) : validId(first17);
    const floor = (i % 5) + 1;
    const role = i < 5 ? '业主' : '家属';
    return `${importedName(i + 1)},居民身份证,${id},1390000000${i},示范小区,8,1,${floor},${floor}01,${role}`;
  });
  return `\uFEFF${[PEOPLE_HEADER, ...rows].join('\r\n')}\r\n`;
}

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

async function openMenu(page: Page, label: string, path: RegExp) {
  await page.getByRole('menuitem', { name: label }).click();
  await page.waitForURL(path);
}

const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

const tableRows = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr.ant-table-row');

async function searchPeople(page: Page, text: string) {
  await page.getByTestId('people-search').locator('input').fill(text);
  await page.getByTestId('people-search').locator('input').press('Enter');
}

test('adding a person: a wrong check digit is a field error, the right one saves a masked row', async () => {
  await asOperator(async (page) => {
    await openMenu(page, '人员管理', /\/console\/people$/);
    await page.getByTestId('people-table').waitFor();
    await page.getByTestId('people-add').click();
    const form = page.getByTestId('person-form');
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

async function importFile(page: Page, kind: '人员' | '房屋', path: string) {
  await page.getByTestId('import-kind').getByText(kind, { exact: true }).click();
  await page.getByTestId('import-next').click();
  await uploadAndCheck(page, path);
}

async function uploadAndCheck(page: Page, path: string) {
  await page.locator('input[type=file]').setInputFiles(path);
  await page.getByTestId('import-file').waitFor();
  await page.getByTestId('import-dryrun').click();
  await page.getByTestId('import-report').waitFor();
}

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
    await page.getByTestId('import-commit').click();
    await page.getByTestId('import-result').waitFor();
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
    await page.getByTestId('import-commit').click();
    await page.getByTestId('import-result').waitFor();
    assert.match(await text(page.getByTestId('import-result')), /新增 6 条/);

    await openMenu(page, '人员管理', /\/console\/people$/);
    await searchPeople(page, importedName(4));
    const row = tableRows(page, 'people-table').filter({ hasText: importedName(4) });
    await row.waitFor();
    assert.equal(await tableRows(page, 'people-table').count(), 1);
    assert.match((await row.textContent()) ?? '', /330106\*{8}\d{3}[\dX]/);
  });
});

test('revealing an ID number needs a reason, and the read is audited with it', async () => {
  await asOperator(async (page) => {
    await openMenu(page, '人员管理', /\/console\/people$/);
    await searchPeople(page, '测试老人');
    await tableRows(page, 'people-table').getByRole('link', { name: '测试老人' }).click();
    await page.waitForURL(/\/console\/people\/[0-9a-f-]{36}$/);
    await page.getByTestId('masked-idNumber').waitFor();
    assert.equal(await text(page.getByTestId('masked-idNumber')), '110105********002X');

    await page.getByTestId('reveal-open').click();
    await page.getByTestId('reveal-dialog').waitFor();
    const confirm = page.getByTestId('reveal-confirm');
    assert.equal(await confirm.isDisabled(), true, 'no reason, no reveal');
    await page.getByTestId('reveal-reason').fill('核实');
    assert.equal(await confirm.isDisabled(), true, 'a two-character reason is not enough');
    await page.getByTestId('reveal-reason').fill('核实身份信息');
    assert.equal(await confirm.isEnabled(), true);
    await confirm.click();
    await page.getByTestId('revealed-idNumber').waitFor();
    assert.equal(await text(page.getByTestId('revealed-idNumber')), '11010519491231002X');

    await openMenu(page, '审计日志', /\/console\/audit$/);
    const audited = tableRows(page, 'audit-table').filter({ hasText: 'base.person.reveal' });
    await audited.first().waitFor();
    assert.match(await text(audited.first()), /核实身份信息/);
  });
});
