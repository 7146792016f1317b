// Smoke test of the five shells: sign-in per demo role, shell access control, errors, logout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';

const PASSWORD = 'Shequ@2026';
const UI_TIMEOUT = 20_000;
// Page-side code as strings: this project is typed for Node, without the DOM library.
const LARGE_TEXT_ON = "document.documentElement.classList.contains('shequ-large-text')";

const demoAccounts = [
  { username: 'resident', shell: 'app', title: '居民服务', role: '居民' },
  { username: 'operator', shell: 'console', title: '运营管理后台', role: '社区管理员' },
  { username: 'gov', shell: 'gov', title: '政府治理端', role: '街道干部' },
  { username: 'provider', shell: 'designer', title: '应用设计器', role: '服务商' },
  { username: 'admin', shell: 'console', title: '运营管理后台', role: '平台管理员' },
];

let platform: RunningPlatform;

before(
  async () => {
    platform = await startPlatform();
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
});

async function withBrowser(fn: (page: Page) => Promise<void>, viewport?: { width: number; height: number }) {
  const session = await openBrowser({ viewport });
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    await fn(session.page);
  } finally {
    await session.close();
  }
}

async function fillLogin(page: Page, username: string, password: string) {
  await page.goto(`${platform.webUrl}/login`);
  await page.getByTestId('login-identifier').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function login(page: Page, username: string, shell: string) {
  await fillLogin(page, username, PASSWORD);
  await page.waitForURL(new RegExp(`/${shell}$`));
  await page.getByTestId('shell-title').waitFor();
}

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').trim();

for (const account of demoAccounts) {
  test(`${account.username} signs in and lands in /${account.shell}`, async () => {
    await withBrowser(async (page) => {
      await login(page, account.username, account.shell);
      assert.equal(await text(page, 'shell-title'), account.title);
      assert.equal(await text(page, 'user-role'), account.role);
      assert.notEqual(await text(page, 'user-name'), '');
      assert.notEqual(await text(page, 'user-community'), '');
    });
  });
}

test('a resident opening /console is refused', async () => {
  await withBrowser(async (page) => {
    await login(page, 'resident', 'app');
    await page.goto(`${platform.webUrl}/console`);
    await page.getByTestId('forbidden').waitFor();
    assert.match(await text(page, 'forbidden'), /无权访问此界面/);
    assert.equal(await page.getByTestId('shell-title').count(), 0);
  });
});

test('a wrong password shows the server message in Chinese', async () => {
  // The message the API gives for this failure, fetched through the web proxy like the browser does.
  const res = await fetch(`${platform.webUrl}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: 'gov', password: 'not-the-password' }),
  });
  const body = (await res.json()) as { error?: { data?: { appCode?: string; messageZh?: string } } };
  const expected = body.error?.data?.messageZh;
  assert.equal(body.error?.data?.appCode, 'INVALID_CREDENTIALS');
  assert.ok(expected && /[\u4e00-\u9fff]/.test(expected), `expected a Chinese message, got ${expected}`);

  await withBrowser(async (page) => {
    await fillLogin(page, 'gov', 'not-the-password');
    await page.getByTestId('login-error').waitFor();
    assert.equal(await text(page, 'login-error'), expected);
    assert.match(page.url(), /\/login/);
  });
});

test('logout returns to /login and ends the session', async () => {
  await withBrowser(async (page) => {
    await login(page, 'resident', 'app');
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${platform.webUrl}/app`);
    await page.waitForURL(/\/login\?next=%2Fapp$/);
  });
});

test('an unauthenticated visit to /gov goes to the login page', async () => {
  await withBrowser(async (page) => {
    await page.goto(`${platform.webUrl}/gov`);
    await page.waitForURL(/\/login\?next=%2Fgov$/);
    await page.getByTestId('login-identifier').waitFor();
  });
});

test('the language switch turns the login page into English', async () => {
  await withBrowser(async (page) => {
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('lang-switch').getByText('English').click();
    await page.getByText('Sign in', { exact: true }).first().waitFor();
    const cookies = await page.context().cookies(platform.webUrl);
    assert.equal(cookies.find((c) => c.name === 'shequ_lang')?.value, 'en');
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  });
});

test('the resident portal has a large-text mode (screenshot at 390x844)', async () => {
  await withBrowser(
    async (page) => {
      await login(page, 'resident', 'app');
      await page.getByRole('switch').click();
      await page.waitForFunction(LARGE_TEXT_ON);
      const size = await page.evaluate<number>('parseFloat(getComputedStyle(document.body).fontSize)');
      assert.ok(size >= 20, `body font size ${size}px`);
      await page.reload();
      await page.getByTestId('shell-title').waitFor();
      await page.waitForFunction(LARGE_TEXT_ON);
      await page.screenshot({ path: '/tmp/shequ-resident.png' });
    },
    { width: 390, height: 844 },
  );
});
