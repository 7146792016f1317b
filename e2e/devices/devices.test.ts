// 设备管理 end to end: the community operator starts a product from the standard smoke-detector model, registers
// the smoke detector of 7幢2单元302室 and is shown its secret once. A real MQTT device (the device SDK, Alink
// signing) connects with that secret and reports an alarm; the console shows it online with 报警 and the battery in
// per cent. The operator mutes it from a form generated from the thing model (bounded by the model's range) and
// the device receives the call. When the device goes away the console shows it offline.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectDevice, type DeviceClient } from '@shequ/device-sdk';
import type { Page } from 'playwright-core';
import { openMenu, text } from '../base-data/console-steps.ts';
import { freePort, type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const DEVICE = 'smoke-7-2-302';

let platform: RunningPlatform;
// MQTT over TLS with a throwaway server certificate for 127.0.0.1, so devices can sign in with client certificates.
const tlsDir = mkdtempSync(join(tmpdir(), 'shequ-e2e-tls-'));
let mqttsPort = 0;

before(
  async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(tlsDir, 'key.pem'),
        '-out',
        join(tlsDir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    mqttsPort = await freePort();
    platform = await startPlatform({
      env: {
        SHEQU_MQTTS_PORT: String(mqttsPort),
        SHEQU_MQTTS_CERT: join(tlsDir, 'cert.pem'),
        SHEQU_MQTTS_KEY: join(tlsDir, 'key.pem'),
      },
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
  rmSync(tlsDir, { recursive: true, force: true });
});

async function asOperator(fn: (page: Page) => Promise<void>) {
  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await fn(page);
  } finally {
    await session.close();
  }
}

test('an operator registers a smoke detector, a real device reports an alarm, and the operator mutes it', async () => {
  assert.ok(platform.mqttPort, 'the platform runs its MQTT gateway');
  let device: DeviceClient | undefined;
  try {
    await asOperator(async (page) => {
      await openMenu(page, '设备管理', /\/console\/devices$/);
      await page.getByTestId('product-add').click();
      const models = page.getByTestId('product-standard-model');
      await models.click();
      await models.locator('input').fill('烟感');
      await page.locator('.ant-select-item-option').filter({ hasText: '烟感探测器' }).click();
      // The choice fills the name and the thing model on the next render: wait for it rather than read at once (on
      // a loaded machine the read came first and saw an empty field).
      await page.waitForFunction(`document.querySelector('[data-testid="product-name"]')?.value === '烟感探测器'`);
      assert.match(await page.getByTestId('product-tsl').inputValue(), /"smokeDensity"/);
      await page.getByTestId('product-name').fill('7幢烟感');
      await page.getByTestId('product-submit').click();
      await page.waitForURL(/\/console\/devices\/[a-z0-9]+$/);
      const productKey = await text(page.getByTestId('product-key'));

      // Register the device: the secret is shown once.
      await page.getByTestId('device-add').click();
      await page.getByTestId('device-name').fill('x');
      await page.getByTestId('device-register-submit').click();
      await page.getByText('4–32 位字母、数字或 - _ . : @').first().waitFor();
      await page.getByTestId('device-name').fill(DEVICE);
      await page.getByTestId('device-register-submit').click();
      const deviceSecret = await text(page.getByTestId('device-secret'));
      assert.match(deviceSecret, /^[0-9a-f]{32}$/);
      await page.getByTestId('device-secret-done').click();
      await page.getByTestId('device-secret').waitFor({ state: 'detached' });
      assert.equal(await text(page.getByTestId(`device-status-${DEVICE}`)), '未激活');
      assert.ok(!(await page.content()).includes(deviceSecret), 'the secret is gone once the dialog closes');

      // The real device connects with the secret and reports an alarm.
      const muted: Record<string, unknown>[] = [];
      device = await connectDevice({
        url: `mqtt://127.0.0.1:${platform.mqttPort}`,
        device: { productKey, deviceName: DEVICE, deviceSecret },
        timestamp: true,
      });
      await device.onService('mute', (params) => {
        muted.push(params);
        return {};
      });
      const posted = await device.postProperties({ smokeDensity: 3.25, battery: 88, alarmState: 1 });
      assert.equal(posted.code, 200);
      await page.getByTestId(`device-status-${DEVICE}`).getByText('在线').waitFor();
      await page.getByTestId('device-count').getByText('共 1 台，在线 1 台').waitFor();

      await page.getByRole('link', { name: DEVICE }).click();
      await page.waitForURL(new RegExp(`/console/devices/${productKey}/${DEVICE}$`));
      await page.getByTestId('device-status').getByText('在线').waitFor();
      await page.getByTestId('property-alarmState').getByText('报警', { exact: true }).waitFor();
      await page.getByTestId('property-battery').getByText('88 %').waitFor();

      // Mute it for 5 minutes from the form the thing model generates (its 1–60 range bounds the number box).
      const minutes = page.getByTestId('device-commands').getByRole('spinbutton');
      assert.equal(await minutes.getAttribute('aria-valuemax'), '60');
      await minutes.fill('5');
      await page.getByTestId('command-service-send').click();
      await page.getByTestId('command-outcome').getByText('已下发到设备').waitFor();
      const deadline = Date.now() + 10_000;
      while (muted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(muted, [{ minutes: 5 }]);

      // The device goes away; the console follows.
      await device.close();
      device = undefined;
      await page.getByTestId('device-status').getByText('离线').waitFor();
    });
  } finally {
    await device?.close();
  }
});

test('an operator issues the smoke detector a certificate; the device signs in with it alone, and a revoke ends it', async () => {
  let device: DeviceClient | undefined;
  try {
    await asOperator(async (page) => {
      await openMenu(page, '设备管理', /\/console\/devices$/);
      await page.getByRole('link', { name: '7幢烟感' }).click();
      await page.getByRole('link', { name: DEVICE }).click();
      await page.waitForURL(new RegExp(`/console/devices/[a-z0-9]+/${DEVICE}$`));
      const productKey = page.url().split('/').at(-2) ?? '';
      await page.getByTestId('cert-table').getByText('还没有为该设备签发证书').waitFor();

      // Issue with a platform-made key: the key is offered once, as a download.
      await page.getByTestId('cert-issue').click();
      await page.getByTestId('cert-days').fill('30');
      await page.getByTestId('cert-issue-ok').click();
      const serial = await text(page.getByTestId('cert-issued-serial'));
      assert.match(serial, /^[0-9A-F]+$/);
      const cert = await page.getByTestId('cert-issued-pem').inputValue();
      assert.match(cert, /BEGIN CERTIFICATE/);
      const download = page.waitForEvent('download');
      await page.getByTestId('cert-download-key').click();
      const key = readFileSync((await (await download).path()) ?? '', 'utf8');
      assert.match(key, /BEGIN PRIVATE KEY/);
      await page.getByTestId('cert-issued-done').click();
      await page.getByTestId('cert-status').getByText('有效').waitFor();

      // Certificate-only: the secret no longer signs in; the certificate does, over TLS.
      await page.getByTestId('cert-required').click();
      await page.getByText('已设为仅证书接入').waitFor();
      device = await connectDevice({
        url: `mqtts://127.0.0.1:${mqttsPort}`,
        device: { productKey, deviceName: DEVICE },
        certificate: { cert, key },
        ca: readFileSync(join(tlsDir, 'cert.pem')),
      });
      assert.equal((await device.postProperties({ smokeDensity: 0.5 })).code, 200);
      await page.getByTestId('device-status').getByText('在线').waitFor();

      // Revoked: the live session ends at once and the console shows it.
      await page.getByTestId('cert-revoke').click();
      await page
        .locator('.ant-popconfirm')
        .getByRole('button', { name: /确\s*定|OK/ })
        .click();
      await page.getByTestId('cert-status').getByText('已吊销').waitFor();
      await page.getByTestId('device-status').getByText('离线').waitFor();
    });
  } finally {
    await device?.close();
  }
});

test('an operator writes a linkage rule, tries it on a sample, saves it and switches it off', async () => {
  await asOperator(async (page) => {
    await openMenu(page, '联动规则', /\/console\/rules$/);
    await page.getByTestId('rule-add').click();
    const products = page.getByTestId('rule-product');
    await products.click();
    await page.locator('.ant-select-item-option').filter({ hasText: '7幢烟感' }).click();
    const rule = JSON.parse(await page.getByTestId('rule-json').inputValue());
    assert.equal(rule.trigger.identifier, 'smokeAlarm');
    assert.match(rule.trigger.productKey, /^[a-z0-9]+$/);

    // A severity the schema does not know is named as a field error.
    const bad = { ...rule, actions: [{ kind: 'alarm', severity: 'huge', title: 'x' }] };
    await page.getByTestId('rule-json').fill(JSON.stringify(bad));
    await page.getByTestId('rule-save').click();
    await page
      .getByTestId('rule-outcome')
      .getByText(/actions\.0\.severity/)
      .waitFor();

    // The sample without smoke does not fire; with 0.3 it does, and the alarm is what would run.
    await page.getByTestId('rule-json').fill(JSON.stringify(rule, null, 2));
    await page.getByTestId('rule-dry-run').click();
    await page
      .getByTestId('rule-outcome')
      .getByText(/不会触发/)
      .waitFor();
    const sample = JSON.parse(await page.getByTestId('rule-sample').inputValue());
    await page.getByTestId('rule-sample').fill(JSON.stringify({ ...sample, params: { smokeDensity: 0.3 } }));
    await page.getByTestId('rule-dry-run').click();
    await page.getByTestId('rule-outcome').getByText('会触发：将执行 1 个动作').waitFor();

    await page.getByTestId('rule-save').click();
    const toggle = page.getByTestId('rule-enabled-烟感告警');
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    await page.waitForFunction(
      `document.querySelector('[data-testid="rule-enabled-烟感告警"]')?.getAttribute('aria-checked') === 'false'`,
    );
  });
});
