// 场地预约 end to end. The community office imports a public space (共享活动室) into the base warehouse and makes it
// bookable (hourly slots 09:00–12:00, capacity 1). The resident, on a phone with large text, opens 预约, picks
// tomorrow's 09:00 slot and books it: it shows under 我的预约 with its check-in QR code. While her page still shows
// 10:00 as free, a neighbour (the demo operator, over the API) books 10:00; her attempt is refused with the clear
// message 该时段…已被预约 and nothing is booked for her. She cancels her 09:00 booking; staff check-in in the console
// is exercised with the short code (refused: the slot is tomorrow).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PASSWORD } from '@shequ/core';
import type { Page } from 'playwright-core';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { openBrowser } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';

const UI_TIMEOUT = 20_000;
const PHONE = { width: 390, height: 844 };
const COMMUNITY = 'demo';
const SPACE = '共享活动室A';

type Slot = { start: string; label: string; status: string };
type BookableSpace = { spaceId: string; name: string };

let platform: RunningPlatform;
let admin: AdminApi;
let spaceId: string;
// Tomorrow in Asia/Shanghai (UTC+8 all year).
const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

before(
  async () => {
    platform = await startPlatform();
    admin = adminApi(platform);
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
});

/** Signs a demo account in over HTTP and calls tRPC as it (the neighbour who books at the same time). */
async function asAccount(username: string) {
  const res = await fetch(new URL('/api/trpc/auth.login', platform.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: username, password: DEMO_PASSWORD }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  assert.match(cookie, /^shequ_session=/);
  return async (path: string, input: unknown) => {
    const r = await fetch(new URL(`/api/trpc/${path}`, platform.apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(input),
    });
    return (await r.json()) as { result?: { data: unknown }; error?: { data: { appCode: string } } };
  };
}

async function asResident(fn: (page: Page) => Promise<void>) {
  const session = await openBrowser({ viewport: PHONE });
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    const page = session.page;
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('login-identifier').fill('resident');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/app$/);
    await page.getByTestId('shell-title').waitFor();
    await page.getByRole('switch').click();
    await page.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
    await fn(page);
  } finally {
    await session.close();
  }
}

test('the office imports a public space and makes it bookable', async () => {
  const csv = `\uFEFF空间名称,用途类型\r\n${SPACE},共享活动室\r\n`;
  const report = await admin.postFile<{ committed: boolean; errors: unknown[] }>(
    `/api/base/import/spaces?community=${COMMUNITY}&dryRun=false`,
    csv,
  );
  assert.deepEqual(report.errors, []);
  const spaces = await admin.query<BookableSpace[]>('booking.allSpaces', { community: COMMUNITY });
  spaceId = spaces.find((s) => s.name === SPACE)?.spaceId as string;
  assert.ok(spaceId);
  await admin.mutate('booking.saveSpace', {
    community: COMMUNITY,
    spaceId,
    settings: {
      enabled: true,
      openingHours: Array.from({ length: 7 }, () => [{ open: '09:00', close: '12:00' }]),
      slotMinutes: 60,
      capacity: 1,
      allowedRoles: [],
      maxPerWeek: null,
      holdMinutes: 10,
      cancelBeforeMinutes: 60,
      advanceDays: 7,
      feeFen: 0,
      rules: '请爱护设施，用后关灯',
    },
  });
});

test('she books 09:00 tomorrow; 10:00, taken meanwhile by a neighbour, is refused clearly; she cancels; the confirmation is in her inbox', async () => {
  await asResident(async (page) => {
    await page.locator('nav a[href="/app/bookings"]').click();
    await page.waitForURL(/\/app\/bookings$/);
    await page.getByTestId('booking-space').filter({ hasText: SPACE }).click();
    const slots = page.getByTestId('booking-slot');
    await slots.first().waitFor();
    assert.deepEqual(await slots.allTextContents(), ['09:00–10:00可预约', '10:00–11:00可预约', '11:00–12:00可预约']);

    // 09:00: pick, confirm, booked.
    await slots.nth(0).click();
    await page.getByTestId('booking-confirm').click();
    const mine = page.getByTestId('my-booking');
    await mine.first().getByTestId('my-booking-status').getByText('已预约').waitFor();
    await page.getByTestId('booking-code').first().click();
    await page.getByTestId('booking-short-code').waitFor();
    assert.match((await page.getByTestId('booking-short-code').textContent()) ?? '', /^[0-9A-Z]{6}-[0-9A-Z]{6}$/);
    await page.keyboard.press('Escape');
    await page.getByTestId('booking-short-code').waitFor({ state: 'hidden' });
    await page.screenshot({ path: '/tmp/shequ-booking-booked.png', fullPage: true });

    // Her page still shows 10:00 free; the neighbour books it first.
    assert.equal(await slots.nth(1).getAttribute('data-status'), 'free');
    const day = (
      await admin.query<{ slots: Slot[] }>('booking.availability', { community: COMMUNITY, spaceId, day: tomorrow })
    ).slots;
    const neighbour = await asAccount('operator');
    const taken = await neighbour('booking.book', { community: COMMUNITY, spaceId, start: day[1].start });
    assert.ok(taken.result, JSON.stringify(taken.error));

    await slots.nth(1).click();
    await page.getByTestId('booking-confirm').click();
    const error = page.getByTestId('booking-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /该时段（.*10:00）已被预约，请选择其他时段/);
    // Only her 09:00 booking exists; the page now shows 10:00 as taken.
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="booking-slot"]')[1]?.getAttribute('data-status') === 'taken'`,
    );
    assert.equal(await mine.count(), 1);
    await page.screenshot({ path: '/tmp/shequ-booking-refused.png', fullPage: true });

    // She cancels 09:00.
    await mine.first().getByTestId('booking-cancel').click();
    await page.getByTestId('booking-cancel-ok').click();
    await mine.first().getByTestId('my-booking-status').getByText('已取消').waitFor();
    await page.locator('[data-testid="booking-slot"][data-status="free"]').first().waitFor();

    // The confirmation is in her inbox (我的消息), sent through the message service.
    await page.locator('nav a[href="/app/me"]').click();
    await page.getByTestId('me-inbox-link').click();
    await page.waitForURL(/\/app\/me\/inbox$/);
    const item = page.getByTestId('inbox-item').first();
    await item.getByText('预约成功').waitFor();
    assert.equal(await item.getAttribute('data-read'), 'no');
    await item.click();
    await page.locator('[data-testid="inbox-item"][data-read="yes"]').first().waitFor();
    await page.screenshot({ path: '/tmp/shequ-booking-inbox.png', fullPage: true });
  });
  const list = await admin.query<{ status: string; start: string }[]>('booking.list', {
    community: COMMUNITY,
    spaceId,
  });
  assert.deepEqual(
    list.map((b) => b.status),
    ['cancelled', 'confirmed'],
  );
});

test('in the console, staff see the space and check-in by code refuses a booking outside its window', async () => {
  const session = await openBrowser();
  session.page.setDefaultTimeout(UI_TIMEOUT);
  try {
    const page = session.page;
    await page.goto(`${platform.webUrl}/login`);
    await page.getByTestId('login-identifier').fill('operator');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/console/);
    await page.goto(`${platform.webUrl}/console/spaces`);
    await page.getByText(SPACE).first().waitFor();
    await page.getByText('开放预约').first().waitFor();
    await page.getByRole('tab', { name: '签到核验' }).click();
    await page.getByTestId('checkin-input').locator('input').fill('ABCDEF-123456');
    await page.getByTestId('checkin-input').locator('input').press('Enter');
    await page.getByTestId('checkin-result').getByText('没有找到此签到码').waitFor();
    await page.screenshot({ path: '/tmp/shequ-booking-console.png', fullPage: true });
  } finally {
    await session.close();
  }
});
