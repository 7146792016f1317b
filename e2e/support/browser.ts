// Real Chromium from Debian's package (Playwright's own download cannot work offline here).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type BrowserSession = { context: BrowserContext; page: Page; close(): Promise<void> };

/** A browser with a fresh profile: no cookies or storage leak from one scenario into the next. */
export async function openBrowser(opts: { viewport?: { width: number; height: number }; locale?: string } = {}) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'shequ-chromium-'));
  // Playwright passes the profile as --user-data-dir itself; it refuses that flag in `args`.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    locale: opts.locale ?? 'zh-CN',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, close } satisfies BrowserSession;
}
