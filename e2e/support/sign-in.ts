// Signs a demo account in through the login page of a suite's platform and waits for its shell.
import { DEMO_PASSWORD } from '@shequ/core';
import type { Page } from 'playwright-core';
import { type BrowserSession, openBrowser } from './browser.ts';
import type { RunningPlatform } from './platform.ts';

export const UI_TIMEOUT = 20_000;

export async function signIn(
  platform: RunningPlatform,
  who: string,
  landing: RegExp,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<{ session: BrowserSession; page: Page }> {
  const session = await openBrowser(opts.viewport ? { viewport: opts.viewport } : {});
  const page = session.page;
  page.setDefaultTimeout(UI_TIMEOUT);
  await page.goto(`${platform.webUrl}/login`);
  await page.getByTestId('login-identifier').fill(who);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(landing);
  await page.getByTestId('shell-title').waitFor();
  return { session, page };
}
