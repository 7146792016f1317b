// 我的家庭 end to end: the resident in her seventies, on a phone with large text. Before her phone number is on a
// resident record she is told, kindly, whom to ask. The suite then registers what the community office would —
// her home (示范小区 7幢2单元302室), her and her daughter living there (the people import), the daughter's car and
// a health-data-sharing consent — through the platform's admin API. She opens 我的家庭 from her home screen, sees
// the address, her daughter and the consent; withdraws it after a confirm dialog that explains the effect; sees
// 已撤回 with the time, and after a reload it is still withdrawn (the API agrees); the page also reads in English.
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
const HER_PHONE = '13800000001'; // the demo `resident` account's phone
const HER = '王秀英';
const DAUGHTER = '李梅';
const PLATE = '浙A12345';
const ADDRESS = '示范小区7幢2单元302室';
const PEOPLE_HEADER = '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系';
const VEHICLES_HEADER = '车牌号码,号牌颜色,车辆类型,车主证件号码';

/** A valid resident ID number (GB 11643 check character), as platform/core's idFor() makes them. */
function idFor(birth: string, seq: number, region = '330106'): string {
  const body = `${region}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}
const HER_ID = idFor('19490312', 21);
const DAUGHTER_ID = idFor('19750601', 22);

type ImportReport = { committed: boolean; created: number; errors: unknown[] };
type HouseholdConsent = { id: string; purpose: string; active: boolean; withdrawnAt: string | null };

let platform: RunningPlatform;
let admin: AdminApi;

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
    // Large text on, as she always has it.
    await page.getByRole('switch').click();
    await page.waitForFunction("document.documentElement.classList.contains('shequ-large-text')");
    await fn(page);
  } finally {
    await session.close();
  }
}

/** Waits until antd's transitions (switch, modal zoom) are over, so a screenshot shows the settled screen. */
const settled = (page: Page) =>
  page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");

// A string, so the e2e typecheck needs no DOM types (as in the apps suite).
const fontSize = (page: Page, selector: string) =>
  page.evaluate<number>(`parseFloat(getComputedStyle(document.querySelector(${JSON.stringify(selector)})).fontSize)`);

test('before her phone is on a resident record, 我的家庭 explains whom to ask — no error', async () => {
  await asResident(async (page) => {
    await page.locator('nav a[href="/app/me"]').click();
    await page.waitForURL(/\/app\/me$/);
    await page.getByTestId('me-household-link').click();
    await page.waitForURL(/\/app\/me\/household$/);
    const unlinked = page.getByTestId('household-unlinked');
    await unlinked.getByText('还没有找到您的住户信息').waitFor();
    assert.match((await unlinked.textContent()) ?? '', /手机号码.*社区居委会/);
    assert.equal(await page.getByTestId('app-error').count(), 0);
    await page.screenshot({ path: '/tmp/shequ-household-unlinked.png', fullPage: true });
  });
});

test('the office registers her home, her daughter, the car and a health-data consent', async () => {
  await admin.mutate('base.houses.create', {
    community: COMMUNITY,
    house: { compound: '示范小区', building: '7', unit: '2', floor: '3', room: '302' },
  });
  // The office draws building 7 on the community map: its houses take the building's Beidou grid code.
  const compounds = await admin.query<Array<{ id: string; name: string }>>('tenancy.compounds', undefined);
  const compound = compounds.find((c) => c.name === '示范小区');
  assert.ok(compound);
  await admin.mutate('base.map.create', {
    community: COMMUNITY,
    kind: 'building',
    name: '7',
    refId: compound.id,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [120.1502, 30.2586],
          [120.1506, 30.2586],
          [120.1506, 30.25874],
          [120.1502, 30.25874],
          [120.1502, 30.2586],
        ],
      ],
    },
  });
  const people = [
    PEOPLE_HEADER,
    `${HER},居民身份证,${HER_ID},${HER_PHONE},示范小区,7,2,3,302,业主`,
    `${DAUGHTER},居民身份证,${DAUGHTER_ID},13900000077,示范小区,7,2,3,302,家属`,
  ];
  const imported = await admin.postFile<ImportReport>(
    `/api/base/import/people?community=${COMMUNITY}&dryRun=false`,
    `\uFEFF${people.join('\r\n')}\r\n`,
  );
  assert.deepEqual(imported.errors, []);
  assert.equal(imported.committed, true);
  assert.equal(imported.created, 2);
  const cars = await admin.postFile<ImportReport>(
    `/api/base/import/vehicles?community=${COMMUNITY}&dryRun=false`,
    `\uFEFF${[VEHICLES_HEADER, `${PLATE},蓝,居民,${DAUGHTER_ID}`].join('\r\n')}\r\n`,
  );
  assert.deepEqual(cars.errors, []);

  const found = await admin.query<{ items: Array<{ id: string; name: string }> }>('base.people.list', {
    community: COMMUNITY,
    phone: HER_PHONE,
  });
  assert.deepEqual(
    found.items.map((p) => p.name),
    [HER],
  );
  await admin.mutate('base.consents.grant', {
    community: COMMUNITY,
    personId: found.items[0].id,
    purpose: 'health_data_sharing',
    categories: ['health', 'identity'],
    channel: 'paper',
  });
});

test('she opens 我的家庭 from her home screen: address, family, car and the consent, in large text', async () => {
  await asResident(async (page) => {
    await page.getByTestId('my-apps').waitFor();
    await settled(page);
    await page.screenshot({ path: '/tmp/shequ-household-home.png' });
    await page.getByTestId('home-household-link').click();
    await page.waitForURL(/\/app\/me\/household$/);
    const home = page.getByTestId('household-home');
    await home.getByTestId('household-address').getByText(ADDRESS).waitFor();
    assert.match((await home.getByTestId('household-grid-code').textContent()) ?? '', /^北斗网格码N51H[0-9A-F]{16}$/);
    const members = home.getByTestId('household-member');
    await members.filter({ hasText: DAUGHTER }).getByText('家庭成员').waitFor();
    const me = members.filter({ hasText: HER });
    await me.getByText('业主').waitFor();
    await me.getByTestId('household-member-me').getByText('我').waitFor();
    assert.equal(await members.filter({ hasText: DAUGHTER }).getByTestId('household-member-me').count(), 0);
    assert.equal(await members.first().getAttribute('data-me'), 'yes', 'she is listed first');
    await home.getByTestId('household-vehicle').getByText(PLATE).waitFor();

    const consent = page.getByTestId('consent-item').filter({ hasText: '健康数据共享' });
    await consent.getByTestId('consent-state').getByText('有效').waitFor();
    await consent.getByText('健康信息、身份信息').waitFor();
    assert.ok((await fontSize(page, '[data-testid=household-member]')) >= 20, 'members read in large text');
    const button = consent.getByTestId('consent-withdraw');
    const box = await button.boundingBox();
    assert.ok(box && box.height >= 48 && box.width >= 300, `撤回授权 is a big button (${JSON.stringify(box)})`);
    await page.screenshot({ path: '/tmp/shequ-household-before.png', fullPage: true });
  });
});

test('she withdraws the health-data consent after a confirm dialog; it stays withdrawn after a reload', async () => {
  await asResident(async (page) => {
    await page.goto(`${platform.webUrl}/app/me/household`);
    const consent = page.getByTestId('consent-item').filter({ hasText: '健康数据共享' });
    await consent.getByTestId('consent-withdraw').click();

    // The dialog says what withdrawing does; cancelling changes nothing.
    const dialog = page.getByTestId('withdraw-dialog');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /不再把您的健康信息、身份信息用于“健康数据共享/);
    await page.getByTestId('withdraw-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await consent.getByTestId('consent-state').getByText('有效').waitFor();

    await consent.getByTestId('consent-withdraw').click();
    await dialog.waitFor();
    await settled(page);
    await page.screenshot({ path: '/tmp/shequ-household-dialog.png' });
    await page.getByTestId('withdraw-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await consent.getByTestId('consent-state').getByText('已撤回').waitFor();
    await consent
      .getByTestId('consent-withdrawn-at')
      .getByText(/撤回时间 \d{4}年/)
      .waitFor();
    assert.equal(await consent.getByTestId('consent-withdraw').count(), 0, 'nothing left to withdraw');

    await page.reload();
    await consent.getByTestId('consent-state').getByText('已撤回').waitFor();
    await consent.getByTestId('consent-withdrawn-at').waitFor();
    // The phone's own view of the record (a full-page shot would put the fixed tab bar over it).
    await page.evaluate("document.querySelector('[data-testid=consent-item]').scrollIntoView({ block: 'center' })");
    await page.screenshot({ path: '/tmp/shequ-household.png' });

    // The same page reads in English too.
    await page.getByTestId('lang-switch').getByText('English').click();
    await page.getByTestId('household').getByText('My household').waitFor();
    await page.getByTestId('household-address').getByText('示范小区, Building 7, Unit 2, Room 302').waitFor();
    const item = page.getByTestId('consent-item').filter({ hasText: 'Sharing health data' });
    await item.getByTestId('consent-state').getByText('Withdrawn').waitFor();
    await item.getByText('Health, Identity').waitFor();
  });

  // The office's ledger agrees: the same record, now with the time it ended.
  const found = await admin.query<{ items: Array<{ id: string }> }>('base.people.list', {
    community: COMMUNITY,
    phone: HER_PHONE,
  });
  const ledger = await admin.query<HouseholdConsent[]>('base.consents.list', {
    community: COMMUNITY,
    personId: found.items[0].id,
  });
  assert.equal(ledger.length, 1);
  assert.equal(ledger[0].purpose, 'health_data_sharing');
  assert.equal(ledger[0].active, false);
  assert.ok(ledger[0].withdrawnAt);
});

test('时间银行: her banked volunteer hours, and 1.5 hours given to her daughter after a plain confirm', async () => {
  // The daughter gets an account with the phone on her resident record.
  await admin.mutate('admin.createUser', {
    username: 'limei',
    displayName: DAUGHTER,
    phone: '13900000077',
    password: DEMO_PASSWORD,
    roles: [{ role: 'resident', regionCode: COMMUNITY }],
  });
  await asResident(async (page) => {
    const res = await page.request.get(`${platform.webUrl}/api/trpc/auth.me`);
    const me = ((await res.json()) as { result: { data: { user: { id: string } } } }).result.data.user.id;
    // Three hours of volunteering, banked by the office (the time bank counts minutes).
    await admin.mutate('points.award', {
      community: COMMUNITY,
      kind: 'time',
      userId: me,
      amount: 180,
      reason: '社区助老志愿服务',
      idempotencyKey: 'e2e-volunteer-1',
    });
    await page.locator('nav a[href="/app/me"]').click();
    await page.waitForURL(/\/app\/me$/);
    await page.getByTestId('me-timebank-link').click();
    await page.waitForURL(/\/app\/me\/timebank$/);
    await page.getByTestId('timebank-balance').getByText('3 小时').waitFor();
    await page.getByTestId('timebank-to').click();
    await page
      .locator('.ant-select-dropdown .ant-select-item-option', { hasText: `${DAUGHTER}（家庭成员）` })
      .first()
      .click();
    await page
      .locator('[data-testid="timebank-amount"] input, input[data-testid="timebank-amount"]')
      .first()
      .fill('1.5');
    await page.getByTestId('timebank-submit').click();
    await page.getByTestId('timebank-confirm').click();
    await page.getByTestId('timebank-done').getByText(`已把 1.5 小时转给${DAUGHTER}`).waitFor();
    await page.getByTestId('timebank-balance').getByText('1.5 小时').waitFor();
    await page.getByTestId('timebank-history').getByText('社区助老志愿服务').waitFor();
    await page.screenshot({ path: '/tmp/shequ-timebank.png', fullPage: true });
  });
});
