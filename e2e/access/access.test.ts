// 访客邀请 end to end. A people gate (the standard 人行道闸 model) is registered for the demo community and a real
// MQTT device (the device SDK, Alink signing) connects as it. The resident, on a phone, opens 我的 → 访客邀请,
// invites 王五 for today and is shown the QR code (SVG) and an 8-digit code. The gate reports a `pass` with the
// scanned QR token and is told to open (the platform calls its `open` service). A code whose window has passed is
// refused: the gate is not opened and the refusal, with its reason, shows beside the admitted pass in the console's
// 出入管理. The gate measures body temperatures (防疫信息, DB33 7.2.2.2.1): 王五's 37.8 °C shows as a fever to the
// community admin only; property staff see the same pass without a temperature column; a reading outside the
// model's 30–45 °C is refused at the ingest. The gate measures body temperatures (防疫信息, DB33 7.2.2.2.1): 王五's 37.8 °C shows as a fever to the
// community admin only; property staff see the same pass without a temperature column; a reading outside the
// model's 30–45 °C is refused at the ingest.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PASSWORD } from '@shequ/core';
import { connectDevice, type DeviceClient } from '@shequ/device-sdk';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const PHONE = { width: 390, height: 844 };
const GATE = 'east-gate-1';

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

/** The resident over HTTP (what her phone would send), for a pass whose window ends in seconds. */
async function asResident() {
  const res = await fetch(new URL('/api/trpc/auth.login', platform.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: 'resident', password: DEMO_PASSWORD }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return async <T>(path: string, input: unknown) => {
    const r = await fetch(new URL(`/api/trpc/${path}`, platform.apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(input),
    });
    const body = (await r.json()) as { result?: { data: T }; error?: unknown };
    if (body.error) throw new Error(JSON.stringify(body.error));
    return body.result!.data;
  };
}

const waitFor = async (ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return ok();
};

test('a resident invites a visitor; the gate opens for the QR code, refuses an expired one; the console shows both', async () => {
  assert.ok(platform.mqttPort, 'the platform runs its MQTT gateway');
  const models = await admin.query<{ id: string; model: unknown }[]>('iot.products.standardModels', undefined);
  const gateModel = models.find((m) => m.id === 'people-gate')?.model;
  assert.ok(gateModel, 'the standard people gate model ships');
  const { productKey } = await admin.mutate<{ productKey: string }>('iot.products.create', {
    community: 'demo',
    name: '东门人行闸',
    thingModel: gateModel,
  });
  const { deviceSecret } = await admin.mutate<{ deviceSecret: string }>('iot.devices.create', {
    productKey,
    deviceName: GATE,
  });
  let device: DeviceClient | undefined;
  const opened: Record<string, unknown>[] = [];
  try {
    device = await connectDevice({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      device: { productKey, deviceName: GATE, deviceSecret },
      timestamp: true,
    });
    await device.onService('open', (params) => {
      opened.push(params);
      return { result: 1 };
    });

    // The resident invites 王五 on her phone and is shown the QR code and the short code.
    const { session, page } = await signIn(platform, 'resident', /\/app$/, { viewport: PHONE });
    let token: string;
    try {
      await page.goto(`${platform.webUrl}/app/me`);
      await page.getByTestId('me-visitors-link').click();
      await page.waitForURL(/\/app\/me\/visitors$/);
      await page.getByTestId('invite-submit').click();
      await page.getByText('请填写访客姓名').waitFor();
      await page.getByTestId('invite-name').fill('王五');
      await page.getByTestId('invite-phone').fill('13800138000');
      await page.getByTestId('invite-submit').click();
      const qr = page.getByTestId('visitor-qr');
      await qr.locator('svg').waitFor();
      token = (await qr.getAttribute('data-token')) ?? '';
      assert.match(token, /^SQV1\./);
      assert.match((await page.getByTestId('visitor-code').textContent()) ?? '', /^\d{8}$/);
      await page.keyboard.press('Escape');
      await page.getByTestId('my-invitation').filter({ hasText: '王五' }).getByText('有效').waitFor();
      await page.getByTestId('my-invitation').filter({ hasText: '138****8000' }).waitFor();
    } finally {
      await session.close();
    }

    // The gate scans the QR code and is told to open.
    assert.equal(
      (await device.postEvent('pass', { personRef: token, direction: 0, mode: 2, temperature: 37.8 })).code,
      200,
    );
    assert.ok(await waitFor(() => opened.length === 1, 15_000), 'the gate was told to open');

    // A temperature outside the thing model's bounds is refused by the ingest (Alink 460): no pass is recorded.
    assert.equal((await device.postEvent('pass', { direction: 0, mode: 0, temperature: 46 })).code, 460);

    // A code whose window has passed is refused; the gate stays shut.
    const call = await asResident();
    const now = Date.now();
    const short = await call<{ code: string }>('access.invite', {
      community: 'demo',
      visitorName: '赵六',
      validFrom: new Date(now - 3_600_000).toISOString(),
      validUntil: new Date(now + 3_000).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal((await device.postEvent('pass', { personRef: short.code, direction: 0, mode: 3 })).code, 200);
    assert.equal(await waitFor(() => opened.length > 1, 4_000), false, 'an expired code opens nothing');

    // The console's 出入管理 shows the admitted visitor and the refusal with its reason.
    const op = await signIn(platform, 'operator', /\/console$/);
    try {
      await op.page.goto(`${platform.webUrl}/console/access`);
      const rows = op.page.getByTestId('pass-row');
      await rows.filter({ hasText: '王五' }).filter({ hasText: '放行' }).waitFor();
      await rows.filter({ hasText: '赵六' }).filter({ hasText: '通行码已过期' }).waitFor();
      // The community admin holds the health permission: 王五's temperature, flagged as a fever.
      await rows.filter({ hasText: '王五' }).getByTestId('pass-temperature').filter({ hasText: '37.8 °C' }).waitFor();
      await rows.filter({ hasText: '王五' }).getByText('发热', { exact: true }).waitFor();
      assert.equal(await op.page.getByRole('columnheader', { name: '体温' }).count(), 1);
    } finally {
      await op.session.close();
    }
    // Property staff read the passes but no individual health data: no temperature column, no reading.
    const staff = await signIn(platform, 'property', /\/console$/);
    try {
      await staff.page.goto(`${platform.webUrl}/console/access`);
      await staff.page.getByTestId('pass-row').filter({ hasText: '王五' }).filter({ hasText: '放行' }).waitFor();
      assert.equal(await staff.page.getByRole('columnheader', { name: '体温' }).count(), 0);
      assert.equal(await staff.page.getByTestId('pass-temperature').count(), 0);
    } finally {
      await staff.session.close();
    }
  } finally {
    await device?.close();
  }
});
