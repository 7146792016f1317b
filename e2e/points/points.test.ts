// 积分 end to end. The operator puts a reward on the shelf of the points shop (环保购物袋, 50 points, one in stock).
// The community awards the resident 120 points for waste sorting (through the API, as the sorting station would).
// She sees 120 on her home screen (large text, phone), opens 我的积分, redeems the bag after a plain confirm and is
// given a pickup code; her balance reads 70 and the bag shows as sold out. At the service desk the operator types
// her code and hands the bag over; a second hand-over of the same code is refused. Her redemption then reads 已领取.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openMenu, text } from '../base-data/console-steps.ts';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import type { BrowserSession } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const PHONE = { width: 390, height: 844 };

let platform: RunningPlatform;
let admin: AdminApi;
const sessions: BrowserSession[] = [];

before(
  async () => {
    platform = await startPlatform();
    admin = adminApi(platform);
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const s of sessions) await s.close();
  await platform?.stop();
});

async function open(who: 'operator' | 'resident', landing: RegExp, viewport?: { width: number; height: number }) {
  const { session, page } = await signIn(platform, who, landing, { viewport });
  sessions.push(session);
  return page;
}

async function myUserId(page: Page) {
  const res = await page.request.get(`${platform.webUrl}/api/trpc/auth.me`);
  const body = (await res.json()) as { result: { data: { user: { id: string } } } };
  return body.result.data.user.id;
}

test('a resident redeems her points for a reward and collects it at the service desk', async () => {
  // The operator stocks the shop.
  const desk = await open('operator', /\/console$/);
  await openMenu(desk, '积分管理', /\/console\/points$/);
  await desk.getByTestId('shop-add').click();
  await desk.getByTestId('shop-name').fill('环保购物袋');
  await desk.getByTestId('shop-price').fill('50');
  await desk.getByTestId('shop-stock').fill('1');
  await desk.getByTestId('shop-submit').click();
  await desk.getByTestId('shop-items').getByText('环保购物袋').waitFor();

  // She is awarded 120 points and sees them on her home screen, with large text on.
  const phone = await open('resident', /\/app$/, PHONE);
  await phone.getByRole('switch').click();
  await phone.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
  await admin.mutate('points.award', {
    community: 'demo',
    userId: await myUserId(phone),
    amount: 120,
    reason: '垃圾分类积分',
    idempotencyKey: 'e2e-sorting-1',
  });
  await phone.reload();
  await phone.getByTestId('home-points-link-balance').getByText('积分 120').waitFor();
  await phone.getByTestId('home-points-link').click();
  await phone.waitForURL(/\/app\/me\/points$/);
  assert.equal(await text(phone.getByTestId('points-balance')), '120');

  // Redeem the bag: a plain confirm, then the pickup code.
  const bag = phone.locator('[data-testid="shop-item"][data-name="环保购物袋"]');
  await bag.getByTestId('shop-redeem').click();
  await phone.locator('.ant-modal-confirm-title').getByText('用 50 积分兑换“环保购物袋”吗？').waitFor();
  await phone.getByTestId('redeem-confirm').click();
  const done = await text(phone.getByTestId('redeem-done'));
  const code = /取货码 (\d{6})/.exec(done)?.[1];
  assert.ok(code, `a pickup code in "${done}"`);
  await phone.getByTestId('points-balance').getByText('70').waitFor();
  await bag.getByTestId('shop-redeem').getByText('已兑完').waitFor();
  assert.equal(await bag.getByTestId('shop-redeem').isDisabled(), true);
  await phone.getByRole('tab', { name: '已兑换' }).click();
  const mine = phone.getByTestId('redemption').first();
  assert.equal(await mine.getAttribute('data-state'), 'placed');
  await mine.getByText(code).waitFor();
  await phone.getByRole('tab', { name: '明细', exact: true }).click();
  await phone.getByTestId('points-history').getByText('-50').waitFor();

  // The desk hands it over by code, once.
  await desk.getByTestId('desk-code').fill(code);
  await desk.getByTestId('desk-fulfil').click();
  await desk.getByTestId('desk-outcome').getByText('环保购物袋 × 1 已交付').waitFor();
  await desk.getByTestId('desk-code').fill(code);
  await desk.getByTestId('desk-fulfil').click();
  await desk.getByTestId('desk-outcome').getByText('该兑换已领取').waitFor();

  await phone.reload();
  await phone.getByRole('tab', { name: '已兑换' }).click();
  await phone.locator('[data-testid="redemption"][data-state="fulfilled"]').getByText('已领取').waitFor();
});
