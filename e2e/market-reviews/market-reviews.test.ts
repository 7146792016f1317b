// Marketplace browse, end to end: the example noticeboard (with its two screenshots) is published and shelved over
// the API; the operator opens it in /market, sees the screenshots (served by the catalog as PNG, cached) and the
// permissions in plain Chinese, is told to install before rating, installs it into the demo community, rates and
// reviews it, and sees the average on the detail page and the catalog card follow an edit of the review.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildPlugin, packageFiles } from '@shequ/plugin-sdk/build';
import { generatePublisherKey, packPlugin, signPackage } from '@shequ/runtime';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const PLUGIN_ID = 'org.shequ.noticeboard';
const key = generatePublisherKey();

let platform: RunningPlatform;
let admin: AdminApi;

before(
  async () => {
    const built = await buildPlugin(fileURLToPath(new URL('../../examples/noticeboard', import.meta.url)));
    const files = packageFiles(built);
    assert.ok(files['screenshots/resident-board.png'], 'the example packs its screenshots');
    const archive = packPlugin(signPackage(files, key.privateKeyPem));
    platform = await startPlatform();
    admin = adminApi(platform);
    // The demo community runs the example from its folder at start; the suite takes it out so it comes from the shelf.
    await admin.mutate('plugins.uninstall', { community: 'demo', pluginId: PLUGIN_ID });
    // The provider registers the publisher (and so is its member, who may reply to reviews); the key comes by API.
    const provider = await signIn(platform, 'provider', /\/designer/);
    try {
      const page = provider.page;
      await page.goto(`${platform.webUrl}/market/publish`);
      await page.getByPlaceholder('发布者标识（如 org.example）').fill('org.shequ');
      await page.getByPlaceholder('中文名称').fill('社区平台示例');
      await page.getByPlaceholder('英文名称').fill('Shequ examples');
      await page.getByRole('button', { name: '登记发布者' }).click();
      await page.getByTestId('market-publishers').getByText('社区平台示例 (org.shequ)').waitFor();
    } finally {
      await provider.session.close();
    }
    await admin.mutate('market.addKey', { publisher: 'org.shequ', publicKey: key.publicKeyPem, keyId: key.keyId });
    const res = await fetch(new URL('/api/market/packages', platform.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/octet-stream' },
      body: archive,
    });
    const submitted = (await res.json()) as {
      submissionId: string;
      passed: boolean;
      items: { id: string; level: string }[];
    };
    assert.equal(submitted.passed, true, JSON.stringify(submitted));
    assert.equal(submitted.items.find((i) => i.id === 'screenshots')?.level, 'pass');
    for (const step of ['claim', 'approve', 'shelve'])
      await admin.mutate(`market.${step}`, { id: submitted.submissionId });
  },
  { timeout: 400_000 },
);

after(async () => {
  await platform?.stop();
});

test('the catalog serves the screenshots as PNG with a long cache', async () => {
  const res = await fetch(`${platform.webUrl}/api/market/screenshots/${PLUGIN_ID}/1.0.0/0`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.match(res.headers.get('cache-control') ?? '', /max-age=31536000/);
  assert.equal(
    Buffer.from(await res.arrayBuffer())
      .subarray(1, 4)
      .toString(),
    'PNG',
  );
  assert.equal((await fetch(`${platform.webUrl}/api/market/screenshots/${PLUGIN_ID}/1.0.0/7`)).status, 404);
});

test('the operator sees screenshots and plain-language permissions, installs, rates and reviews; the average follows', async () => {
  const { session, page } = await signIn(platform, 'operator', /\/console/);
  try {
    await page.goto(`${platform.webUrl}/market`);
    await page.getByTestId('market-search').locator('input').fill('公告');
    await page.getByTestId('market-search').locator('input').press('Enter');
    await page.getByTestId(`market-rating-${PLUGIN_ID}`).getByText('暂无评分').waitFor();
    await page.getByTestId(`market-app-${PLUGIN_ID}`).click();
    const drawer = page.getByTestId('market-app-drawer');

    // Screenshots: both shown, really loaded, with their captions.
    const shots = drawer.getByTestId('market-screenshots');
    await shots.getByText('居民看到的公告板（示意图）').waitFor();
    await shots.getByText('工作人员的公告管理（示意图）').waitFor();
    const images = shots.locator('img');
    assert.equal(await images.count(), 2);
    // Each image really loaded (decoded to a non-zero width), not a broken link.
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="market-screenshots"] img')].every((i) => i.complete && i.naturalWidth > 0)`,
    );

    // Permissions as plain sentences, with the technical id alongside.
    const perms = drawer.getByTestId('market-permissions');
    await perms.getByText('给社区居民发送消息').waitFor();
    await perms.getByText('写入审计记录').waitFor();

    // Not installed yet: no review form, a clear hint instead.
    await drawer.getByTestId('market-review-need-install').getByText('本社区安装该应用后才能评分和评价').waitFor();
    assert.equal(await drawer.getByTestId('market-review-form').count(), 0);
    await page.screenshot({ path: '/tmp/shequ-market-reviews-detail.png', fullPage: true });

    await drawer.getByTestId('market-install').click();
    await page.getByText('已安装到 1 个社区').waitFor();

    // Rate 4 stars with a text.
    const form = drawer.getByTestId('market-review-form');
    await form.locator('.ant-rate-star').nth(3).click();
    await form.getByTestId('market-review-body').fill('居民反映通知看得清楚，老人也会用。');
    await form.getByTestId('market-review-submit').click();
    await page.getByText('评价已保存').first().waitFor();
    const summary = drawer.getByTestId('market-rating-summary');
    await summary.getByText('4.0 分 · 1 条评价').waitFor();
    await drawer
      .getByTestId('market-reviews')
      .locator('.ant-list-item')
      .getByText('居民反映通知看得清楚，老人也会用。')
      .waitFor();

    // Edited: still one review, the average follows.
    await form.locator('.ant-rate-star').nth(1).click();
    await form.getByTestId('market-review-submit').click();
    await summary.getByText('2.0 分 · 1 条评价').waitFor();
    assert.equal(await summary.getAttribute('data-count'), '1');
    await page.screenshot({ path: '/tmp/shequ-market-reviews-rated.png', fullPage: true });

    // The catalog card shows the same average.
    await page.keyboard.press('Escape');
    await page.getByTestId(`market-rating-${PLUGIN_ID}`).getByText('2.0 分 · 1 条评价').waitFor();
  } finally {
    await session.close();
  }
});

test('the publisher replies once in the catalog; a reviewer hides the review with a reason, and the average drops it', async () => {
  const [review] = await admin.query<{ id: string; rating: number }[]>('market.reviews', { pluginId: PLUGIN_ID });
  assert.equal(review.rating, 2);
  const provider = await signIn(platform, 'provider', /\/designer/);
  try {
    const page = provider.page;
    await page.goto(`${platform.webUrl}/market`);
    await page.getByTestId(`market-app-${PLUGIN_ID}`).click();
    const item = page.getByTestId(`market-review-${review.id}`);
    await item.getByTestId('market-review-reply-input').fill('感谢反馈，我们会改进。');
    await item.getByTestId('market-review-reply-submit').click();
    await item.getByTestId('market-review-reply').getByText('感谢反馈，我们会改进。').waitFor();
    assert.equal(await item.getByTestId('market-review-reply-input').count(), 0, 'one reply: no second reply box');
  } finally {
    await provider.session.close();
  }
  await assert.rejects(admin.mutate('market.replyReview', { id: review.id, reply: '再次回复' }), /CONFLICT/);
  const reviewer = await signIn(platform, 'reviewer', /\/market/);
  try {
    const page = reviewer.page;
    await page.getByTestId(`market-app-${PLUGIN_ID}`).click();
    const drawer = page.getByTestId('market-app-drawer');
    const item = page.getByTestId(`market-review-${review.id}`);
    await item.getByTestId('market-review-hide-reason').fill('与应用无关的内容');
    await item.getByTestId('market-review-hide').click();
    await item.getByText('已被隐藏：与应用无关的内容').waitFor();
    await drawer.getByTestId('market-rating-summary').getByText('暂无评分').waitFor();
  } finally {
    await reviewer.session.close();
  }
  const detail = await admin.query<{ rating: { average: number | null; count: number } }>('market.app', {
    pluginId: PLUGIN_ID,
  });
  assert.deepEqual([detail.rating.average, detail.rating.count], [null, 0]);
  const audit = await admin.query<{ action: string; detail: { reason?: string } | null }[]>('admin.auditList', {
    objectId: PLUGIN_ID,
    limit: 200,
  });
  assert.ok(
    audit.some((a) => a.action === 'market.review.hidden' && a.detail?.reason === '与应用无关的内容'),
    'the hiding is audited with its reason',
  );
  assert.ok(audit.some((a) => a.action === 'market.review.replied'));
});
