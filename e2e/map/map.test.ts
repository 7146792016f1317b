// 社区地图 end to end (DB33 6.3.6.1, 6.3.6.2, 7.2.3.7.2): the demo community has a building, a public space, a
// facility, a road and its boundary on the map. The operator opens 社区地图 and sees them listed (and drawn with deck.gl
// in software WebGL), selects one from the list, draws a polygon by clicking four points on the canvas and 完成, names
// it, saves it (accepting the data-entry undertaking), and finds it in the list, also after a reload; renames it and
// deletes it after the confirmation. Then a GeoJSON
// file with one bad feature is reported by feature index and imports nothing; fixed, it imports; imported again it
// would create nothing. Chromium, zh-CN.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mapFeatures, openPglite, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import type { BrowserSession } from '../support/browser.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function seed(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', 'seed'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shequ seed: ${code}`))));
  });
}

const rect = (x: number, y: number, w: number, h: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + w, y],
      [x + w, y + h],
      [x, y + h],
      [x, y],
    ],
  ],
});

/** The demo community's map: one feature of every kind, as the CIM data would hold them. */
async function mapData(dataDir: string, env: Record<string, string>) {
  await seed(env);
  const database = await openPglite(join(dataDir, 'pglite'));
  try {
    const db = database.db;
    const [demo] = await db.select().from(regions).where(eq(regions.code, 'demo'));
    const by = { communityId: demo.id, createdBy: 'system:seed', updatedBy: 'system:seed' };
    await db.insert(mapFeatures).values([
      { ...by, kind: 'boundary', name: '示范社区边界', geometry: rect(120.15, 30.255, 0.012, 0.008) },
      { ...by, kind: 'building', name: '1幢', geometry: rect(120.152, 30.258, 0.0004, 0.00014) },
      { ...by, kind: 'space', name: '中心广场', geometry: rect(120.155, 30.257, 0.001, 0.0008) },
      { ...by, kind: 'facility', name: '配电房', geometry: { type: 'Point', coordinates: [120.1535, 30.2575] } },
      {
        ...by,
        kind: 'road',
        name: '北山路',
        geometry: {
          type: 'LineString',
          coordinates: [
            [120.151, 30.256],
            [120.161, 30.256],
          ],
        },
      },
    ]);
  } finally {
    await database.close();
  }
}

let platform: RunningPlatform;
let session: BrowserSession | undefined;

before(
  async () => {
    platform = await startPlatform({ prepare: mapData });
  },
  { timeout: 240_000 },
);
after(async () => {
  await session?.close();
  await platform?.stop();
});

const items = (page: Page) => page.getByTestId('map-feature-item');
const item = (page: Page, name: string) => items(page).filter({ hasText: name });

/** The undertaking is asked before the first entry: accept it when it is shown. */
async function acceptUndertakingIfAsked(page: Page, done: Locator) {
  const modal = page.getByTestId('entry-undertaking');
  await modal.or(done).first().waitFor();
  if (await modal.isVisible()) {
    await modal.getByText('我已阅读并同意').click();
    await page.locator('[data-testid="entry-accept"]:enabled').waitFor();
    await page.getByTestId('entry-accept').click();
    await modal.waitFor({ state: 'detached' });
  }
  await done.waitFor();
}

const kindColours = {
  building: [59, 110, 200],
  space: [76, 165, 88],
  facility: [230, 120, 30],
  road: [110, 110, 110],
  boundary: [205, 40, 40],
};

/** Pixels of each kind's colour on the map (the browser decodes the screenshot), with their centre in page pixels. */
async function drawnKinds(page: Page) {
  const map = page.getByTestId('map-canvas');
  const box = await map.boundingBox();
  assert.ok(box, 'the map is laid out');
  const png = (await map.screenshot()).toString('base64');
  // Runs in the page (the e2e package has no DOM types): the browser's own PNG decoder reads the screenshot.
  const found = (await page.evaluate(`(async () => {
    const colours = ${JSON.stringify(kindColours)};
    const img = new Image();
    img.src = 'data:image/png;base64,${png}';
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = {};
    for (const [kind, [r, gr, b]] of Object.entries(colours)) {
      let n = 0, sx = 0, sy = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - gr) + Math.abs(d[i + 2] - b) < 24) {
          n++;
          sx += (i / 4) % c.width;
          sy += Math.floor(i / 4 / c.width);
        }
      }
      out[kind] = { n, x: n ? sx / n : 0, y: n ? sy / n : 0 };
    }
    return out;
  })()`)) as Record<string, { n: number; x: number; y: number }>;
  return Object.fromEntries(
    Object.entries(found).map(([k, v]) => [k, { n: v.n, x: box.x + v.x, y: box.y + v.y }]),
  ) as Record<keyof typeof kindColours, { n: number; x: number; y: number }>;
}

/** deck.gl draws after the data arrives: look again until every kind shows (bounded by the UI timeout). */
async function untilDrawn(page: Page) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const kinds = await drawnKinds(page);
    if (Object.values(kinds).every((k) => k.n > 10) || Date.now() > deadline) return kinds;
    await page.waitForTimeout(250);
  }
}

const collection = (features: unknown[]) =>
  Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }), 'utf8');

test('社区地图: the seeded map listed, a polygon drawn on the canvas and saved, a GeoJSON file checked then imported', async () => {
  const signed = await signIn(platform, 'operator', /\/console$/);
  session = signed.session;
  const page = signed.page;

  await page.getByRole('menuitem', { name: '社区地图' }).click();
  await page.waitForURL(/\/console\/map$/);
  for (const name of ['示范社区边界', '1幢', '中心广场', '配电房', '北山路']) await item(page, name).waitFor();
  assert.equal(await items(page).count(), 5);
  const canvas = page.getByTestId('map-canvas').locator('canvas').first();
  await canvas.waitFor();

  // 7.2.3.7.2: every kind is drawn in its own colour (WebGL in software); hovering the facility names it, a click
  // selects it.
  const drawn = await untilDrawn(page);
  for (const [kind, k] of Object.entries(drawn)) assert.ok(k.n > 10, `${kind} drawn (${k.n} pixels)`);
  await page.mouse.move(drawn.facility.x, drawn.facility.y);
  await page.getByText('配电房 · 设施').waitFor();
  await page.mouse.click(drawn.facility.x, drawn.facility.y);
  await page.getByTestId('map-selected').getByText('配电房').waitFor();

  // Select from the list: the selected card names it.
  await item(page, '中心广场').click();
  await page.getByTestId('map-selected').getByText('公共空间').waitFor();
  await page.getByTestId('map-selected').getByText('中心广场').waitFor();

  // Draw a polygon: four clicks on the canvas, then 完成.
  await page.getByTestId('map-draw-polygon').click();
  const box = await canvas.boundingBox();
  assert.ok(box, 'the map canvas is laid out');
  const at = [
    [0.15, 0.15],
    [0.3, 0.15],
    [0.3, 0.3],
    [0.15, 0.3],
  ];
  for (const [i, [fx, fy]] of at.entries()) {
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    await page.locator(`[data-testid="map-canvas"][data-draft="${i + 1}"]`).waitFor();
  }
  await page.getByTestId('map-draw-finish').click();
  const form = page.getByTestId('map-feature-form');
  await form.waitFor();
  await form.locator('#kind').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '公共空间' }).first().click();
  await form.locator('#name').fill('东侧绿地');
  await page.locator('.ant-modal:has([data-testid="map-feature-form"]) .ant-modal-footer .ant-btn-primary').click();
  await acceptUndertakingIfAsked(page, item(page, '东侧绿地'));
  assert.equal(await items(page).count(), 6);

  // The list filtered by kind: the two public spaces.
  await page.locator('.ant-card:has([data-testid="map-feature-list"]) .ant-select').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '公共空间' }).first().click();
  await page.getByText('地图要素（2）').waitFor();
  assert.deepEqual((await items(page).allTextContents()).map((s) => s.replace(/\s+/g, '')).sort(), [
    '公共空间东侧绿地',
    '公共空间中心广场',
  ]);

  await page.reload();
  await item(page, '东侧绿地').waitFor();
  assert.equal(await items(page).count(), 6);
  await item(page, '东侧绿地').click();
  await page.getByTestId('map-selected').getByText('Polygon，5 个坐标').waitFor();

  // 重新绘制: a triangle replaces the shape; the name and kind stay.
  await page.getByTestId('map-redraw').click();
  for (const [i, [fx, fy]] of at.slice(0, 3).entries()) {
    await page.mouse.click(box.x + box.width * (fx + 0.05), box.y + box.height * fy);
    await page.locator(`[data-testid="map-canvas"][data-draft="${i + 1}"]`).waitFor();
  }
  await page.getByTestId('map-draw-finish').click();
  await form.waitFor();
  assert.equal(await form.locator('#name').inputValue(), '东侧绿地');
  await page.locator('.ant-modal:has([data-testid="map-feature-form"]) .ant-modal-footer .ant-btn-primary').click();
  await page.getByTestId('map-selected').getByText('Polygon，4 个坐标').waitFor();
  assert.equal(await items(page).count(), 6);

  // Renamed through 编辑 (the version it was read at goes along), then deleted after the confirmation.
  await page
    .getByTestId('map-selected')
    .locator('button', { hasText: /编\s*辑/ })
    .click();
  await form.waitFor();
  assert.equal(await form.locator('#name').inputValue(), '东侧绿地');
  await form.locator('#name').fill('东侧草坪');
  await page.locator('.ant-modal:has([data-testid="map-feature-form"]) .ant-modal-footer .ant-btn-primary').click();
  await item(page, '东侧草坪').waitFor();
  await item(page, '东侧绿地').waitFor({ state: 'detached' });
  await item(page, '东侧草坪').click();
  await page
    .getByTestId('map-selected')
    .locator('button', { hasText: /删\s*除/ })
    .click();
  await page.getByText('确定删除“东侧草坪”吗？此操作不可撤销。').waitFor();
  assert.equal(await item(page, '东侧草坪').count(), 1, 'nothing deleted before the confirmation');
  await page.locator('.ant-popconfirm:visible .ant-btn-primary').click();
  await item(page, '东侧草坪').waitFor({ state: 'detached' });
  assert.equal(await items(page).count(), 5);

  // GeoJSON import: feature 1 is bad (unknown kind, a longitude out of range): reported, nothing imported.
  const good = [
    {
      type: 'Feature',
      id: 'ZJ-0001',
      geometry: { type: 'Point', coordinates: [120.156, 30.2585] },
      properties: { kind: 'facility', name: '消防栓 A' },
    },
    {
      type: 'Feature',
      id: 'ZJ-0002',
      geometry: rect(120.158, 30.259, 0.0005, 0.0003),
      properties: { kind: 'space', name: '健身角' },
    },
  ];
  const bad = [
    good[0],
    {
      type: 'Feature',
      id: 'ZJ-0002',
      geometry: { type: 'Point', coordinates: [999, 30] },
      properties: { kind: 'tree', name: '健身角' },
    },
  ];
  await page.getByTestId('map-import-open').click();
  const dialog = page.getByTestId('map-import');
  await dialog.getByText('properties.kind').first().waitFor();
  const input = dialog.locator('input[type=file]');
  await input.setInputFiles({
    name: 'province-bad.geojson',
    mimeType: 'application/geo+json',
    buffer: collection(bad),
  });
  const report = page.getByTestId('map-import-report');
  await report.getByText('共 2 个要素：将新建 1，已存在 0，有误 1').waitFor();
  const badRow = report.locator('tr[data-row-key="1"]');
  await badRow.getByText('有误').waitFor();
  await badRow.getByText(/geometry:/).waitFor();
  await badRow.getByText(/kind:/).waitFor();
  assert.equal(await report.getByTestId('map-import-commit').isDisabled(), true, 'an invalid file cannot be imported');
  assert.equal(await items(page).count(), 5, 'nothing imported');

  // Fixed, the whole file imports.
  await input.setInputFiles({ name: 'province.geojson', mimeType: 'application/geo+json', buffer: collection(good) });
  await report.getByText('共 2 个要素：将新建 2，已存在 0，有误 0').waitFor();
  await report.getByTestId('map-import-commit').click();
  await report.getByText('已导入 2 个要素').waitFor();
  await item(page, '消防栓 A').waitFor();
  await item(page, '健身角').waitFor();
  assert.equal(await items(page).count(), 7);

  // The same file again would create nothing.
  await input.setInputFiles({ name: 'province.geojson', mimeType: 'application/geo+json', buffer: collection(good) });
  await report.getByText('共 2 个要素：将新建 0，已存在 2，有误 0').waitFor();
  assert.equal(await report.getByTestId('map-import-commit').isDisabled(), true);
});
