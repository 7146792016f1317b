// 支付 end to end. The resident has an order for the community room (活动室使用费, ¥50.00). On her phone, with large
// text, she opens 我的 → 我的订单 and pays it in the sandbox: it reads 已支付. In the console the operator opens
// 支付管理, refunds ¥15.00 of it with a reason: the order reads 部分退款. A second refund of ¥40.00 — more than the
// ¥35.00 left — is refused with the clear message 超过可退金额 and nothing changes. Back on her phone the order reads
// 部分退款 with the refund line. The reconciliation tab finds the sandbox's bill and the ledger in agreement.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openMenu, tableRows, text } from '../base-data/console-steps.ts';
import type { BrowserSession } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const PHONE = { width: 390, height: 844 };
const SUBJECT = '活动室使用费';

let platform: RunningPlatform;
const sessions: BrowserSession[] = [];

before(
  async () => {
    platform = await startPlatform();
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

/** The order the community's booking desk raised for her (as the booking service does), through her session. */
async function raiseOrder(page: Page) {
  const res = await page.request.post(`${platform.webUrl}/api/trpc/payment.createOrder`, {
    data: { community: 'demo', subject: SUBJECT, amountFen: 5_000, idempotencyKey: 'e2e-order-room-0001' },
  });
  const body = (await res.json()) as { result?: { data: { id: string } } };
  assert.ok(body.result?.data.id, JSON.stringify(body));
}

test('a resident pays an order; the operator refunds part; an over-refund is refused; she sees 部分退款', async () => {
  const phone = await open('resident', /\/app$/, PHONE);
  await phone.getByRole('switch').click();
  await phone.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
  await raiseOrder(phone);

  await phone.goto(`${platform.webUrl}/app/me`);
  await phone.getByTestId('me-orders-link').click();
  await phone.waitForURL(/\/app\/me\/orders$/);
  const order = phone.getByTestId('my-order').filter({ hasText: SUBJECT });
  assert.equal(await text(order.getByTestId('my-order-status')), '待支付');
  await order.getByTestId('order-pay').click();
  await phone.waitForSelector('[data-testid="my-order"][data-status="paid"]');
  assert.equal(await text(order.getByTestId('my-order-status')), '已支付');

  const desk = await open('operator', /\/console$/);
  await openMenu(desk, '支付管理', /\/console\/payments$/);
  const row = tableRows(desk, 'payment-orders').filter({ hasText: SUBJECT });
  assert.equal(await text(row.getByTestId('payment-order-status')), '已支付');
  await row.getByTestId('payment-refund').click();
  await desk.getByTestId('refund-amount').fill('15');
  await desk.getByTestId('refund-reason').fill('提前结束，部分退款');
  await desk.getByTestId('refund-ok').click();
  await row.getByTestId('payment-order-status').getByText('部分退款').waitFor();

  // ¥40.00 is more than the ¥35.00 left: refused clearly, nothing changes.
  await row.getByTestId('payment-refund').click();
  await desk.getByTestId('refund-amount').fill('40');
  await desk.getByTestId('refund-ok').click();
  const error = desk.getByTestId('refund-error');
  await error.waitFor();
  assert.match(await text(error), /超过可退金额 ¥35\.00/);
  await desk.keyboard.press('Escape');
  assert.equal(await text(row.getByTestId('payment-order-status')), '部分退款');

  await desk.getByRole('tab', { name: '对账' }).click();
  await desk.getByTestId('reconcile-result').getByText('账单与账本一致').waitFor();

  await phone.reload();
  await phone.waitForSelector('[data-testid="my-order"][data-status="partially_refunded"]');
  assert.equal(await text(order.getByTestId('my-order-status')), '部分退款');
  assert.match(await text(order.getByTestId('my-order-refund')), /退款 ¥15\.00 · 提前结束，部分退款/);
});
