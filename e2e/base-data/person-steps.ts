// Person-detail and people-list steps: the 编辑 drawer and the 导出 download.
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { acceptUndertakingIfShown } from './console-steps.ts';

/** Opens 编辑 on the current person's detail (behind the undertaking, if it is asked) and returns the form. */
export async function openEdit(page: Page): Promise<Locator> {
  const form = page.getByTestId('person-edit-form');
  await page.getByTestId('person-edit').click();
  await acceptUndertakingIfShown(page, form);
  await form.waitFor();
  return form;
}

/** Adds one entry to the rjsf string array `field` (e.g. tags) and fills it. */
export async function addArrayItem(form: Locator, field: string, value: string) {
  const items = form.locator(`[id^="root_${field}_"]:is(input)`);
  const index = await items.count();
  await form.locator(`#root_${field}__add`).click();
  await form.locator(`#root_${field}_${index}`).fill(value);
}

/** Picks 导出 → CSV / Excel on the people list and returns the downloaded file. */
export async function downloadExport(page: Page, format: 'csv' | 'xlsx'): Promise<{ name: string; body: Buffer }> {
  await page.getByTestId('people-export').click();
  const option = page.getByTestId(`people-export-${format}`);
  await option.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), option.click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), body: await readFile(path) };
}

/** A CSV download as text, without the byte-order mark Excel needs; checks it was named as one. */
export function csvText(file: { name: string; body: Buffer }): string {
  if (!file.name.endsWith('.csv')) throw new Error(`expected a .csv download, got ${file.name}`);
  return file.body.toString('utf8').replace(/^\uFEFF/, '');
}
