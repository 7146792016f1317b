// 支付 end to end. The resident has an order for the community room (活动室使用费, ¥50.00). On her phone, with large
// text, she opens 我的 → 我的订单 and pays it in the sandbox: it reads 已支付. In the console the operator opens
// 支付管理, refunds ¥15.00 of it with a reason: the order reads 部分退款. A second refund of ¥40.00 — more than the
// ¥35.00 left — is refused with the clear message 超过可退金额 and nothing changes. Back on her phone the order reads
// 部分退款 with the refund line. The reconciliation tab finds the sandbox's bill and the ledger in agreement.
// Then the booking fee: a room with a ¥25.00 fee is booked; under 我的预约 she taps 去支付, pays the booking's order in
// 我的订单, and the booking no longer asks for the fee.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openMenu, tableRows, text } from '../base-data/console-steps.ts';
import { adminApi } from '../support/admin-api.ts';
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

test('a booking with a fee is paid through 我的订单 and the booking is marked paid', async () => {
  const admin = adminApi(platform);
  const SPACE = '收费活动室';
  const report = await admin.postFile<{ errors: unknown[] }>(
    `/api/base/import/spaces?community=demo&dryRun=false`,
    `\uFEFF空间名称,用途类型\r\n${SPACE},共享活动室\r\n`,
  );
  assert.deepEqual(report.errors, []);
  const spaces = await admin.query<{ spaceId: string; name: string }[]>('booking.allSpaces', { community: 'demo' });
  const spaceId = spaces.find((x) => x.name === SPACE)?.spaceId as string;
  await admin.mutate('booking.saveSpace', {
    community: 'demo',
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
      feeFen: 2_500,
      rules: null,
    },
  });
  const phone = await open('resident', /\/app$/, PHONE);
  const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
  const avail = await phone.request.get(
    `${platform.webUrl}/api/trpc/booking.availability?input=${encodeURIComponent(JSON.stringify({ community: 'demo', spaceId, day: tomorrow }))}`,
  );
  const start = ((await avail.json()) as { result: { data: { slots: { start: string }[] } } }).result.data.slots[0]
    .start;
  const booked = await phone.request.post(`${platform.webUrl}/api/trpc/booking.book`, {
    data: { community: 'demo', spaceId, start },
  });
  assert.equal(
    ((await booked.json()) as { result: { data: { paymentStatus: string } } }).result.data.paymentStatus,
    'pending',
  );

  await phone.goto(`${platform.webUrl}/app/bookings`);
  const card = phone.getByTestId('my-booking').filter({ hasText: SPACE });
  await card.getByTestId('booking-pay').click();
  await phone.waitForURL(/\/app\/me\/orders$/);
  const order = phone.getByTestId('my-order').filter({ hasText: SPACE });
  assert.equal(await text(order.getByTestId('my-order-status')), '待支付');
  await order.getByTestId('order-pay').click();
  await order.getByTestId('my-order-status').getByText('已支付').waitFor();

  await phone.goto(`${platform.webUrl}/app/bookings`);
  await card.getByTestId('my-booking-status').waitFor();
  assert.equal(await card.getByTestId('booking-pay').count(), 0);
  assert.doesNotMatch(await text(card), /待缴费/);
});
