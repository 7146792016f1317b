// 临时停车 end to end. A vehicle gate (the standard 车行道闸 model) connects as a real MQTT device. With a fee rule
// that charges from the first minute, a temporary car drives in and out; its parking session closes with a fee and
// the payment service raises the order at once. In the console's 出入管理 → 临时停车 the operator sees the order
// (collected at the gate), clicks 收款 and the sandbox payment settles the session: both tags turn 已支付 and the
// exit barrier is told to raise (its `raise` service).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectDevice, type DeviceClient } from '@shequ/device-sdk';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const GATE = 'car-gate-1';
const PLATE = '沪E36912';

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

const waitFor = async (ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return ok();
};

test("a temporary car's fee becomes a payment order; the operator collects it in the console and the barrier raises", async () => {
  const models = await admin.query<{ id: string; model: unknown }[]>('iot.products.standardModels', undefined);
  const gateModel = models.find((m) => m.id === 'vehicle-gate')?.model;
  assert.ok(gateModel, 'the standard vehicle gate model ships');
  const { productKey } = await admin.mutate<{ productKey: string }>('iot.products.create', {
    community: 'demo',
    name: '南门车行闸',
    thingModel: gateModel,
  });
  const { deviceSecret } = await admin.mutate<{ deviceSecret: string }>('iot.devices.create', {
    productKey,
    deviceName: GATE,
  });
  await admin.mutate('access.saveFeeRule', { community: 'demo', freeMinutes: 0, perHourFen: 500, dailyCapFen: 5000 });
  let device: DeviceClient | undefined;
  const opened: Record<string, unknown>[] = [];
  try {
    device = await connectDevice({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      device: { productKey, deviceName: GATE, deviceSecret },
      timestamp: true,
    });
    await device.onService('raise', (params) => {
      opened.push(params);
      return { result: 1 };
    });
    assert.equal((await device.postEvent('pass', { plate: { number: PLATE }, direction: 0 })).code, 200);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await device.postEvent('pass', { plate: { number: PLATE }, direction: 1 })).code, 200);

    const op = await signIn(platform, 'operator', /\/console$/);
    try {
      await op.page.goto(`${platform.webUrl}/console/access`);
      await op.page.getByRole('tab', { name: '临时停车' }).click();
      const row = op.page.getByTestId('access-sessions').locator('tr').filter({ hasText: PLATE });
      await row.getByText('¥5.00').waitFor();
      const order = op.page.getByTestId(`parking-order-${PLATE}`);
      await order.getByText('待支付').waitFor();
      await order.getByText('岗亭/控制台收取').waitFor();
      await op.page.getByTestId(`parking-collect-${PLATE}`).click();
      await op.page.getByText('已收款，停车费已结清').waitFor();
      await order.getByText('已支付').waitFor();
      await row.getByText('已支付').first().waitFor();
      assert.equal(await op.page.getByTestId(`parking-collect-${PLATE}`).count(), 0);
    } finally {
      await op.session.close();
    }
    assert.ok(await waitFor(() => opened.length === 1, 15_000), 'paid at the exit: the barrier was told to raise');
  } finally {
    await device?.close();
  }
});
