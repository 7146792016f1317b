// 数据解析 end to end: an operator opens an NB-IoT power meter's product page, writes the codec that turns its binary
// frames into Alink JSON, tries it on hex bytes (a decoding and a script error, shown, nothing stored), saves it, and a
// real MQTT device then publishes bytes on thing/model/up_raw: the decoded value shows on the device page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sign } from '@shequ/iot';
import { connectAsync } from 'mqtt';
import { adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const codec = `function rawDataToProtocol(bytes) {
  if (bytes[0] !== 1) throw new Error('unknown frame ' + bytes[0]);
  return { method: 'thing.event.property.post', id: String(bytes[3]), params: { activePower: ((bytes[1] << 8) | bytes[2]) / 100 } };
}`;

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

test('an operator writes a codec, test-runs it on hex bytes, saves it, and a device posts binary', async () => {
  assert.ok(platform.mqttPort);
  const api = adminApi(platform);
  const models = await api.query<Array<{ id: string; model: unknown }>>('iot.products.standardModels', undefined);
  const { productKey } = await api.mutate<{ productKey: string }>('iot.products.create', {
    community: 'demo',
    name: 'NB-IoT 电表',
    thingModel: models.find((m) => m.id === 'power-meter')!.model,
  });
  const dev = await api.mutate<{ deviceSecret: string }>('iot.devices.create', {
    productKey,
    deviceName: 'nb-meter-01',
  });
  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await page.goto(`${platform.webUrl}/console/devices/${productKey}`);
    await page.getByTestId('codec-state').getByText('未配置脚本').waitFor();
    await page.getByTestId('codec-script').fill(codec);
    await page.getByTestId('codec-hex').fill('01 01 5e 07');
    await page.getByTestId('codec-run').click();
    await page.getByTestId('codec-result').getByText('"activePower": 3.5').waitFor();
    await page.getByTestId('codec-hex').fill('02');
    await page.getByTestId('codec-run').click();
    await page.getByTestId('codec-error').getByText('unknown frame 2').waitFor();
    await page.getByTestId('codec-save').click();
    await page.getByTestId('codec-state').getByText('已启用').waitFor();

    const c = await connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      clientId: 'nb-meter-01|securemode=3,signmethod=hmacsha256|',
      username: `nb-meter-01&${productKey}`,
      password: sign(dev.deviceSecret, 'hmacsha256', { id: 'nb-meter-01', deviceName: 'nb-meter-01', productKey }),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      const topic = `/sys/${productKey}/nb-meter-01/thing/model/up_raw`;
      await c.subscribeAsync(`${topic}_reply`);
      const reply = new Promise<{ code: number }>((resolve) =>
        c.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
      );
      await c.publishAsync(topic, Buffer.from([0x01, 0x00, 0x7b, 0x08]), { qos: 1 });
      assert.equal((await reply).code, 200);
      await page.goto(`${platform.webUrl}/console/devices/${productKey}/nb-meter-01`);
      await page.getByTestId('property-activePower').getByText('1.23').waitFor();
      // The meter also sits behind a LoRaWAN network server: its DevEUI is set on the device page.
      await page.getByTestId('device-dev-eui').getByText('未设置').waitFor();
      await page
        .locator('.ant-descriptions-item-content:has([data-testid="device-dev-eui"]) .ant-typography-edit')
        .click();
      const box = page.locator('.ant-descriptions-item-content:has(.ant-typography-edit-content) textarea');
      await box.fill('70-B3-D5-7E-D0-00-00-0A');
      await box.press('Enter');
      await page.getByTestId('device-dev-eui').getByText('70b3d57ed000000a').waitFor();
      const shown = await api.query<{ devEui: string }>('iot.devices.get', { productKey, deviceName: 'nb-meter-01' });
      assert.equal(shown.devEui, '70b3d57ed000000a');
    } finally {
      await c.endAsync();
    }
  } finally {
    await session.close();
  }
});
