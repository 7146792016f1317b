// Operations metrics (DB33 8.1.2) end to end: a resident opens the demo noticeboard (its handlers run and are
// counted), then the street official opens 应用运营 in the government console and sees the app's figures for this
// month — the same the API answers — expands it to the demo community, and exports the CSV. A downstream catalog's
// signed report pushed to this platform shows under 下级上报 for the district official.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { canonicalJson } from '@shequ/marketplace';
import { adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const BOARD = 'org.shequ.noticeboard';
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

test('the street official sees a resident’s use of the noticeboard on 应用运营 and exports it', async () => {
  const resident = await signIn(platform, 'resident', /\/app$/, { viewport: { width: 390, height: 844 } });
  try {
    const page = resident.page;
    await page.getByTestId(`my-app-${BOARD}`).click();
    await page.waitForURL(/\/app\/apps\/org\.shequ\.noticeboard\/board$/);
    await page.getByTestId('app-list-item').first().waitFor();
  } finally {
    await resident.session.close();
  }

  const gov = await signIn(platform, 'gov', /\/gov$/);
  try {
    const page = gov.page;
    await page.getByRole('menuitem', { name: '应用运营' }).click();
    await page.waitForURL(/\/gov\/operations$/);
    const row = page.getByTestId(`operations-app-${BOARD}`);
    await row.getByText('邻里公告板').waitFor();
    // The figures on screen are the API's for this month.
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).slice(0, 7);
    const [y, m] = month.split('-').map(Number);
    const win = { from: `${month}-01`, to: `${month}-${new Date(Date.UTC(y, m, 0)).getUTCDate()}` };
    const res = await page.request.get(
      `${platform.webUrl}/api/trpc/market.operations?input=${encodeURIComponent(JSON.stringify(win))}`,
    );
    assert.equal(res.status(), 200, await res.text());
    const app = (await res.json()).result.data.apps.find((a: { pluginId: string }) => a.pluginId === BOARD);
    assert.ok(app.calls >= 1, JSON.stringify(app));
    // The operator whose start-up seeding posted the demo notices, and the resident.
    assert.equal(app.activeUsers, 2);
    assert.equal(app.errors, 0);
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    assert.ok(cells.includes(`${app.enabled}/${app.installs}`), cells.join('|'));
    assert.deepEqual(cells.slice(-6, -3), [String(app.activeUsers), String(app.calls), String(app.errors)]);

    await row.locator('.ant-table-row-expand-icon').click();
    const communities = page.getByTestId(`operations-communities-${BOARD}`);
    await communities.getByText('（demo）').waitFor();

    const href = await page.getByTestId('operations-export').getAttribute('href');
    assert.ok(href);
    const csv = await page.request.get(`${platform.webUrl}${href}`);
    assert.equal(csv.status(), 200);
    const body = await csv.body();
    assert.equal(body.subarray(0, 3).toString('hex'), 'efbbbf');
    const text = body.subarray(3).toString('utf8');
    assert.ok(text.startsWith('应用标识,应用名称,社区编码'));
    assert.match(
      text,
      new RegExp(`${BOARD.replaceAll('.', '\\.')},邻里公告板,demo,[^,]+,1\\.0\\.0,enabled,2,${app.calls},0,`),
    );
  } finally {
    await gov.session.close();
  }
});

test('a downstream catalog pushes its signed report; the district official sees it under 下级上报', async () => {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  await adminApi(platform).mutate('market.downstreams.add', {
    catalogId: 'xh-downstream',
    name: '西湖下级目录',
    key: publicKey,
    region: '330106',
  });
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const report = {
    format: 'shequ-operations-report/1',
    catalogId: 'xh-downstream',
    keyId: 'platform-e2e',
    publicKey,
    day: today,
    issuedAt: new Date().toISOString(),
    apps: [
      {
        pluginId: 'org.example.downstream',
        name: { zh: '下级应用', en: 'Downstream app' },
        installs: 3,
        enabled: 2,
        activeUsers: 7,
        calls: 4242,
        errors: 1,
        errorRate: 0.0002,
        p95Ms: 120,
        ratings: 0,
        averageRating: null,
        communities: [],
      },
    ],
  };
  const signature = sign(null, Buffer.from(canonicalJson(report)), pair.privateKey).toString('base64');
  const pushed = await fetch(new URL('/api/market/operations-reports', platform.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ report, signature }),
  });
  assert.equal(pushed.status, 200, await pushed.text());

  const district = await signIn(platform, 'district', /\/gov$/);
  try {
    const page = district.page;
    await page.getByRole('menuitem', { name: '应用运营' }).click();
    await page.waitForURL(/\/gov\/operations$/);
    // This platform follows no upstream: the line says nothing went up yet.
    await page.getByTestId('operations-upstream').filter({ hasText: '尚未向上级目录上报' }).waitFor();
    const row = page.getByTestId('operations-downstream-xh-downstream');
    await row.getByText('西湖下级目录（xh-downstream）').waitFor();
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    assert.ok(cells.includes('4242'), cells.join('|'));
    assert.ok(cells.includes('1'), cells.join('|'));
  } finally {
    await district.session.close();
  }
});
