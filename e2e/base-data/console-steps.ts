// Console steps the base-data scenarios share: menus, tables, search, the import wizard and the undertaking.
import type { Locator, Page } from 'playwright-core';

export async function openMenu(page: Page, label: string, path: RegExp) {
  await page.getByRole('menuitem', { name: label }).click();
  await page.waitForURL(path);
}

export const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

export const tableRows = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr.ant-table-row');

/**
 * The undertaking is asked once per operator and remembered by the server: the first scenario accepts it, later
 * ones (same platform, same operator) normally never see it. Waits for `next` or the undertaking, accepts the latter.
 */
export async function acceptUndertakingIfShown(page: Page, next: Locator) {
  const modal = page.getByTestId('entry-undertaking');
  await modal.or(next).first().waitFor();
  if (!(await modal.isVisible())) return;
  await modal.getByText('我已阅读并同意').click();
  await page.getByTestId('entry-accept').click();
  await modal.waitFor({ state: 'detached' });
}

export async function searchPeople(page: Page, text: string) {
  await page.getByTestId('people-search').locator('input').fill(text);
  await page.getByTestId('people-search').locator('input').press('Enter');
}

export async function importFile(page: Page, kind: '人员' | '房屋' | '车辆', path: string) {
  await page.getByTestId('import-kind').getByText(kind, { exact: true }).click();
  await page.getByTestId('import-next').click();
  await uploadAndCheck(page, path);
}

export async function uploadAndCheck(page: Page, path: string) {
  await page.locator('input[type=file]').setInputFiles(path);
  await page.getByTestId('import-file').waitFor();
  await page.getByTestId('import-dryrun').click();
  await acceptUndertakingIfShown(page, page.getByTestId('import-report'));
  await page.getByTestId('import-report').waitFor();
}

export async function commitImport(page: Page) {
  await page.getByTestId('import-commit').click();
  await acceptUndertakingIfShown(page, page.getByTestId('import-result'));
  await page.getByTestId('import-result').waitFor();
}

export async function openPerson(page: Page, name: string) {
  await openMenu(page, '人员管理', /\/console\/people$/);
  await searchPeople(page, name);
  await tableRows(page, 'people-table').getByRole('link', { name }).click();
  await page.waitForURL(/\/console\/people\/[0-9a-f-]{36}$/);
}
