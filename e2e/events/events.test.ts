// The event closed loop end to end, in real Chromium. The resident, on a phone with large text, reports that the
// stair light of her building is out, with a photo and the place. The community administrator, at the event desk,
// accepts it and dispatches it to the grid worker 钱网格; the grid worker starts and resolves it from his queue; the
// resident rates it 5 stars; the administrator closes it; the history shows every step. An administrator working
// in a stale tab tries to accept an event another tab already accepted: the refusal is shown in plain Chinese and
// nothing changes. The community pays residents for reports carried through: the administrator sets a 积分规则 first
// (上报事件办结 +5 积分, at most 2 a day), and once the event is closed the resident finds the 5 points in 我的积分.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { BrowserSession } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn as signInAs, UI_TIMEOUT } from '../support/sign-in.ts';

const PHONE = { width: 390, height: 844 };
const TITLE = '3 幢 2 单元楼道灯不亮';

// A 2×2 red PNG: the photo she takes.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

let platform: RunningPlatform;
const sessions: BrowserSession[] = [];

before(
  async () => {
    platform = await startPlatform();
  },
  { timeout: 300_000 },
);

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await platform?.stop();
});

async function signIn(who: string, landing: RegExp, viewport?: { width: number; height: number }) {
  const { session } = await signInAs(platform, who, landing, { viewport });
  sessions.push(session);
  return session;
}

const stateOf = (page: Page) => page.getByTestId('event-detail').getAttribute('data-state');

async function waitState(page: Page, state: string) {
  await page.locator(`[data-testid="event-detail"][data-state="${state}"]`).waitFor();
}

/** Opens the event on the desk (console) in a drawer. */
async function openOnDesk(page: Page, title: string) {
  await page.goto(`${platform.webUrl}/console/events`);
  await page.getByTestId('desk-row-title').filter({ hasText: title }).first().click();
  await page.getByTestId('event-detail').waitFor();
}

let eventUrl = '';
const RULE = '随手拍上报办结';

test('the administrator sets a points rule: a closed report earns its reporter 5 points, at most twice a day', async () => {
  const { page } = await signIn('operator', /\/console$/);
  await page.goto(`${platform.webUrl}/console/points`);
  await page.getByRole('tab', { name: '积分规则' }).click();
  await page.getByTestId('rule-add').click();
  await page.getByTestId('rule-name').fill(RULE);
  await page.getByTestId('rule-trigger-closed').click();
  await page.getByTestId('rule-amount').fill('5');
  await page.getByTestId('rule-cap').fill('2');
  await page.getByTestId('rule-submit').click();
  const row = page.getByTestId('earning-rules').locator('tr', { hasText: RULE });
  await row.waitFor();
  assert.match((await row.getByTestId('rule-when').textContent()) ?? '', /上报事件办结 · 所有事件类型/);
  assert.match((await row.textContent()) ?? '', /\+5 积分.*2 次.*今日 0 次 · 累计 0 次.*启用/);
});

test('a resident reports an event with a photo and the place, on her phone with large text', async () => {
  const { page } = await signIn('resident', /\/app$/, PHONE);
  await page.getByTestId('shell-title').waitFor();
  await page.getByRole('switch').click();
  await page.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
  await page.getByTestId('home-events-link').click();
  await page.waitForURL(/\/app\/me\/events$/);
  await page.getByTestId('event-new').click();
  await page.waitForURL(/\/app\/me\/events\/new$/);
  await page.getByTestId('event-title').fill(TITLE);
  await page.getByTestId('event-description').fill('晚上下楼很黑，老人容易摔倒');
  await page.getByTestId('event-place').fill('3 幢 2 单元门口');
  await page
    .getByTestId('event-photo-input')
    .setInputFiles({ name: 'light.png', mimeType: 'image/png', buffer: PHOTO });
  await page.getByTestId('event-photo-thumb').waitFor();
  await page.getByTestId('event-submit').click();
  await page.waitForURL(/\/app\/me\/events\/[0-9a-f-]{36}$/);
  eventUrl = page.url();
  await waitState(page, 'reported');
  assert.equal(await page.getByTestId('event-detail-title').textContent(), TITLE);
  assert.match((await page.getByTestId('event-state').textContent()) ?? '', /已上报/);
  assert.equal(await page.locator('[data-testid="event-detail"] .ant-image').count(), 1);
  await page.screenshot({ path: '/tmp/shequ-events-reported.png', fullPage: true });
});

test("the street official's cockpit shows the new event in its feed within seconds, with no one's name", async () => {
  const session = await signIn('gov', /\/gov$/);
  const page = session.page;
  await page.getByTestId('cockpit-board').waitFor();
  const item = page.getByTestId('cockpit-feed-item').filter({ hasText: TITLE });
  const started = Date.now();
  await item.waitFor({ timeout: 5000 });
  assert.ok(Date.now() - started < 5000);
  await item.getByText('已上报').waitFor();
  assert.doesNotMatch((await item.textContent()) ?? '', /王秀英/, 'the feed names no reporter');
  assert.match((await page.getByTestId('cockpit-event-totals').textContent()) ?? '', /今日 1.*未关闭 1/);
  await page.screenshot({ path: '/tmp/shequ-cockpit.png', fullPage: true });
});

test('the administrator accepts and dispatches to the grid worker; a stale tab is refused clearly', async () => {
  const session = await signIn('operator', /\/console$/);
  const page = session.page;
  await openOnDesk(page, TITLE);
  // A second tab, opened before the first acts: it still offers 受理.
  const stale = await session.context.newPage();
  stale.setDefaultTimeout(UI_TIMEOUT);
  await openOnDesk(stale, TITLE);
  await page.getByTestId('event-action-accept').click();
  await waitState(page, 'accepted');
  await stale.getByTestId('event-action-accept').click();
  const refusal = stale.getByTestId('event-action-error');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /事件当前为“已受理”，不能受理/);
  await stale.screenshot({ path: '/tmp/shequ-events-refused.png', fullPage: true });
  await stale.close();
  // Dispatch to 钱网格.
  await page.getByTestId('event-assignee').click();
  await page.locator('.ant-select-item-option').filter({ hasText: '钱网格' }).click();
  await page.getByTestId('event-action-assign').click();
  await waitState(page, 'assigned');
  assert.equal(await page.getByTestId('event-assignee-name').textContent(), '钱网格');
});

test('the grid worker starts and resolves it from his queue', async () => {
  const { page } = await signIn('grid', /\/console$/);
  await page.goto(`${platform.webUrl}/console/events`);
  await page.getByTestId('desk-filter-mine').click();
  await page.getByTestId('desk-row-title').filter({ hasText: TITLE }).first().click();
  await waitState(page, 'assigned');
  await page.getByTestId('event-action-start').click();
  await waitState(page, 'in_progress');
  await page.getByTestId('event-note').fill('已更换灯泡');
  await page.getByTestId('event-action-resolve').click();
  await waitState(page, 'resolved');
  assert.equal(await page.getByTestId('event-action-close').count(), 0, 'a grid worker may not close');
});

test('the resident rates it 5 stars; the administrator closes it; the history shows every step', async () => {
  const resident = await signIn('resident', /\/app$/, PHONE);
  await resident.page.goto(eventUrl);
  await waitState(resident.page, 'resolved');
  await resident.page.locator('[data-testid="event-rate"] .ant-rate-star').nth(4).click();
  await resident.page.getByTestId('event-rate-comment').fill('修得很快，谢谢');
  await resident.page.getByTestId('event-rate-submit').click();
  await waitState(resident.page, 'rated');
  const { page } = await signIn('operator', /\/console$/);
  await openOnDesk(page, TITLE);
  await page.getByTestId('event-action-close').click();
  await waitState(page, 'closed');
  const actions = await page
    .getByTestId('event-history-item')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  assert.deepEqual(actions, ['report', 'accept', 'assign', 'start', 'resolve', 'rate', 'close']);
  await resident.page.reload();
  await waitState(resident.page, 'closed');
  assert.equal(await stateOf(resident.page), 'closed');
  await resident.page.screenshot({ path: '/tmp/shequ-events-closed.png', fullPage: true });
});

test('the closed report earned the resident 5 points under the rule; the console counts the award', async () => {
  const resident = await signIn('resident', /\/app$/, PHONE);
  await resident.page.goto(`${platform.webUrl}/app/me/points`);
  // The award arrives through the bus a moment after the close.
  await resident.page.getByTestId('points-balance').getByText('5', { exact: true }).waitFor();
  await resident.page.getByRole('tab', { name: '明细' }).click();
  const history = resident.page.getByTestId('points-history');
  await history.getByText(RULE).waitFor();
  await history.getByText('+5').waitFor();
  const { page } = await signIn('operator', /\/console$/);
  await page.goto(`${platform.webUrl}/console/points`);
  await page.getByRole('tab', { name: '积分规则' }).click();
  const row = page.getByTestId('earning-rules').locator('tr', { hasText: RULE });
  await row.getByTestId('rule-paid').getByText('今日 1 次 · 累计 1 次').waitFor();
});
