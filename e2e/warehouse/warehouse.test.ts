// 物联数据仓 end to end (DB33 7.2.2.2.3 货物, 7.2.2.5.4 垃圾回收, 7.2.2.4.1 健康画像, 7.2.2.4.2 订送餐, 7.2.2.4.4
// 教育学习画像): devices of the demo community report through the MQTT gateway as real devices (the device SDK, Alink
// signing): a parcel locker (two deposits, one pickup), a garbage bin (a drop and a collection), a health kiosk (two
// checkups), fitness equipment (a workout), a canteen till (two meals, one delivery), a library terminal (a borrow), an
// e-reading device (a reading session) and a training check-in terminal (a check-in and check-out). The warehouse
// consumer records them, and the operator (community admin) sees the figures and rows on the tabs of
// /console/warehouse.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectDevice, type DeviceClient } from '@shequ/device-sdk';
import { standardThingModels } from '@shequ/schemas';
import type { Page } from 'playwright-core';
import { openMenu } from '../base-data/console-steps.ts';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const COMMUNITY = 'demo';
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

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Registers a product from a standard model and one device of it; answers the device's credentials. */
async function register(model: string, name: string, deviceName: string) {
  const p = await admin.mutate<{ productKey: string }>('iot.products.create', {
    community: COMMUNITY,
    name,
    thingModel: standardThingModels()[model],
  });
  const d = await admin.mutate<{ deviceSecret: string }>('iot.devices.create', {
    productKey: p.productKey,
    deviceName,
  });
  return { productKey: p.productKey, deviceName, deviceSecret: d.deviceSecret };
}

/** Waits until a stat card shows the value (antd renders it in .ant-statistic-content). */
async function statShows(page: Page, testId: string, value: string) {
  // A string expression: the e2e code is type-checked without the DOM library.
  await page.waitForFunction(
    `document.querySelector('[data-testid="${testId}"] .ant-statistic-content')?.textContent?.trim() === ${JSON.stringify(value)}`,
    undefined,
    { timeout: 30_000 },
  );
}

test('devices report parcels and garbage; the operator sees the figures on the IoT warehouse page', async () => {
  assert.ok(platform.mqttPort, 'the platform runs its MQTT gateway');
  const locker = await register('parcel-locker', '1号快递柜', 'locker-e2e-1');
  const bin = await register('garbage-bin', '厨余垃圾桶', 'bin-e2e-1');
  const url = `mqtt://127.0.0.1:${platform.mqttPort}`;
  const devices: DeviceClient[] = [];
  try {
    const l = await connectDevice({ url, device: locker, timestamp: true });
    devices.push(l);
    const b = await connectDevice({ url, device: bin, timestamp: true });
    devices.push(b);
    const now = Date.now();
    const ok = async (p: Promise<{ code: number }>) => assert.equal((await p).code, 200);
    await ok(b.postProperties({ category: 2, fillLevel: 35 }));
    await ok(l.postEvent('deposit', { cell: 'A01', trackingNo: 'SF-E2E-1', carrier: '顺丰' }, now - 40 * 60_000));
    await ok(l.postEvent('deposit', { cell: 'A02', trackingNo: 'YT-E2E-2', carrier: '圆通' }, now - 30 * 60_000));
    await ok(l.postEvent('pickup', { cell: 'A01', dwellMinutes: 40 }, now - 60_000));
    await ok(b.postEvent('drop', { personRef: 'R-E2E', weight: 1.25, correct: true }, now - 20_000));
    await ok(b.postEvent('collected', { weight: 12.5, fillLevelBefore: 80 }, now - 10_000));
    // The consumer is asynchronous: wait until the records are there before looking.
    await until('the parcel figures', async () => {
      const s = await admin.query<{ waiting: number; pickups: number }>('iot.warehouse.parcels.stats', {
        community: COMMUNITY,
      });
      return s.waiting === 1 && s.pickups === 1;
    });
    await until('the garbage figures', async () => {
      const s = await admin.query<{ collectedKg: number }>('iot.warehouse.garbage.stats', { community: COMMUNITY });
      return s.collectedKg === 12.5;
    });
  } finally {
    await Promise.all(devices.map((d) => d.close()));
  }

  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await openMenu(page, '物联数据仓', /\/console\/warehouse$/);
    await statShows(page, 'parcel-deposits', '2');
    await statShows(page, 'parcel-pickups', '1');
    await statShows(page, 'parcel-waiting', '1');
    const picked = page.locator('[data-testid="parcel-row"][data-tracking="SF-E2E-1"]');
    await picked.getByText('已取件').waitFor();
    await picked.getByText('39', { exact: true }).waitFor(); // 40 minutes before now to 1 minute before
    await page.locator('[data-testid="parcel-row"][data-tracking="YT-E2E-2"]').getByText('待取件').waitFor();
    await page.getByText('locker-e2e-1').first().waitFor(); // 货物分布: the locker's row

    await page.getByTestId('warehouse-tab-garbage').click();
    await statShows(page, 'garbage-dropped', '1.25');
    await statShows(page, 'garbage-collected', '12.5');
    await statShows(page, 'garbage-drops', '1');
    const drop = page.locator('[data-testid="garbage-row"][data-event="drop"]');
    await drop.getByText('R-E2E').waitFor();
    await drop.getByText('厨余垃圾').waitFor();
    await page.locator('[data-testid="garbage-row"][data-event="collected"]').getByText('清运').waitFor();
  } finally {
    await session.close();
  }
});

test('a kiosk, fitness equipment, a till and the library, e-reading and training terminals report; the operator sees their figures', async () => {
  const kiosk = await register('health-kiosk', '健康小屋一体机', 'kiosk-e2e-1');
  const till = await register('canteen-till', '长者食堂收银机', 'till-e2e-1');
  const library = await register('library-terminal', '图书借阅终端', 'lib-e2e-1');
  const reader = await register('e-reader', '电子阅读设备', 'ereader-e2e-1');
  const training = await register('training-terminal', '社区教育培训签到终端', 'class-e2e-1');
  const fitness = await register('fitness-equipment', '智能健身器材', 'trail-e2e-1');
  const url = `mqtt://127.0.0.1:${platform.mqttPort}`;
  const devices: DeviceClient[] = [];
  try {
    const k = await connectDevice({ url, device: kiosk, timestamp: true });
    devices.push(k);
    const c = await connectDevice({ url, device: till, timestamp: true });
    devices.push(c);
    const l = await connectDevice({ url, device: library, timestamp: true });
    devices.push(l);
    const r = await connectDevice({ url, device: reader, timestamp: true });
    devices.push(r);
    const tr = await connectDevice({ url, device: training, timestamp: true });
    devices.push(tr);
    const w = await connectDevice({ url, device: fitness, timestamp: true });
    devices.push(w);
    const now = Date.now();
    const ok = async (p: Promise<{ code: number }>) => assert.equal((await p).code, 200);
    await ok(
      k.postEvent(
        'checkup',
        { personRef: 'HK-E2E-1', height: 160, weight: 80, systolic: 150, diastolic: 95 },
        now - 60_000,
      ),
    );
    await ok(
      k.postEvent('checkup', { personRef: 'HK-E2E-2', systolic: 118, diastolic: 75, bloodGlucose: 5.2 }, now - 50_000),
    );
    const lunch = {
      personRef: 'HK-E2E-1',
      orderRef: 'OE-1',
      amount: 12,
      subsidy: 4,
      dishes: ['清蒸鲈鱼', '青菜'],
      mealType: 1,
    };
    await ok(c.postEvent('meal', lunch, now - 40_000));
    await ok(
      c.postEvent(
        'meal',
        { personRef: 'HK-E2E-2', amount: 10, subsidy: 4, dishes: ['青菜'], mealType: 1 },
        now - 35_000,
      ),
    );
    await ok(c.postEvent('delivered', { orderRef: 'OE-1', personRef: 'HK-E2E-1', minutes: 18 }, now - 20_000));
    await ok(
      l.postEvent(
        'borrow',
        { personRef: 'HK-E2E-2', isbn: '9787020002207', dueDate: now + 14 * 86_400_000 },
        now - 10_000,
      ),
    );
    await ok(
      r.postEvent('reading', { personRef: 'HK-E2E-1', minutes: 40, title: '红楼梦', category: '文学' }, now - 9000),
    );
    await ok(tr.postEvent('checkIn', { personRef: 'HK-E2E-2', course: '太极拳班' }, now - 8000));
    await ok(tr.postEvent('checkOut', { personRef: 'HK-E2E-2', course: '太极拳班', minutes: 60 }, now - 7000));
    await ok(w.postEvent('workout', { personRef: 'HK-E2E-1', kind: 0, minutes: 30, calories: 150 }, now - 6000));
    // Negative minutes do not fit the thing model: the gateway refuses them.
    assert.equal((await w.postEvent('workout', { personRef: 'HK-E2E-1', kind: 0, minutes: -30 }, now)).code, 460);
    await until('the health, meal, loan, reading, training and exercise figures', async () => {
      const h = await admin.query<{ checkups: number; exercise: { workouts: number } }>('iot.warehouse.health.stats', {
        community: COMMUNITY,
      });
      const m = await admin.query<{ meals: number; delivery: { deliveries: number } }>('iot.warehouse.meals.stats', {
        community: COMMUNITY,
      });
      const b = await admin.query<{ outNow: number; reading: { minutes: number }; training: { minutes: number } }>(
        'iot.warehouse.library.stats',
        { community: COMMUNITY },
      );
      return (
        h.checkups === 2 &&
        h.exercise.workouts === 1 &&
        m.meals === 2 &&
        m.delivery.deliveries === 1 &&
        b.outNow === 1 &&
        b.reading.minutes === 40 &&
        b.training.minutes === 60
      );
    });
  } finally {
    await Promise.all(devices.map((d) => d.close()));
  }

  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await openMenu(page, '物联数据仓', /\/console\/warehouse$/);
    await page.getByTestId('warehouse-tab-health').click();
    await statShows(page, 'health-checkups', '2');
    await statShows(page, 'health-flagged', '1');
    // The community admin sees the checkups: HK-E2E-1 tagged 高血压风险 and 肥胖 (BMI 31.3).
    const tagged = page.locator('[data-testid="health-row"][data-ref="HK-E2E-1"]');
    await tagged.getByText('高血压风险').waitFor();
    await tagged.getByText('肥胖').waitFor();
    await page.locator('[data-testid="health-row"][data-ref="HK-E2E-2"]').getByText('无标签').waitFor();
    await statShows(page, 'health-workouts', '1');
    await statShows(page, 'health-exercise-minutes', '30');
    await page.getByText('健步走', { exact: true }).first().waitFor(); // 锻炼项目

    await page.getByTestId('warehouse-tab-meals').click();
    await statShows(page, 'meals-count', '2');
    await statShows(page, 'meals-diners', '2');
    await statShows(page, 'meals-subsidy', '8.00');
    await statShows(page, 'meals-deliveries', '1');
    await statShows(page, 'meals-delivery-mean', '18');
    await page.locator('[data-testid="meals-row"][data-event="meal"]').first().getByText('午餐').waitFor();
    await page.getByText('清蒸鲈鱼', { exact: true }).waitFor(); // 热门菜品

    await page.getByTestId('warehouse-tab-library').click();
    await statShows(page, 'library-borrows', '1');
    await statShows(page, 'library-out', '1');
    await statShows(page, 'library-overdue', '0');
    await page.locator('[data-testid="library-row"][data-event="borrow"]').getByText('9787020002207').waitFor();
    await statShows(page, 'library-reading-minutes', '40');
    await statShows(page, 'library-training-minutes', '60');
    await statShows(page, 'library-trainees', '1');
    await page.locator('[data-testid="library-row"][data-event="reading"]').getByText('红楼梦').waitFor();
    await page.locator('[data-testid="library-row"][data-event="checkOut"]').getByText('培训签退').waitFor();
    await page.getByTestId('library-courses').getByText('太极拳班').waitFor();
  } finally {
    await session.close();
  }

  // Property staff read the health aggregates but not residents' checkups: two people are too few to show how
  // they are, so the flagged count is withheld and the page says why.
  const staff = await signIn(platform, 'property', /\/console$/);
  try {
    await openMenu(staff.page, '物联数据仓', /\/console\/warehouse$/);
    await staff.page.getByTestId('warehouse-tab-health').click();
    await statShows(staff.page, 'health-checkups', '2');
    await statShows(staff.page, 'health-flagged', '—');
    // One person's exercise is counted but its minutes are not shown.
    await statShows(staff.page, 'health-workouts', '1');
    await statShows(staff.page, 'health-exercise-minutes', '—');
    await staff.page.getByTestId('health-withheld').getByText('少于 5 人').waitFor();
    assert.equal(await staff.page.getByTestId('health-row').count(), 0, 'no checkup rows for property staff');
  } finally {
    await staff.session.close();
  }
});
