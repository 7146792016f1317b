// LoRaWAN network server end to end: an operator registers the community's ChirpStack on the devices page (the token
// is write-only), and a property set to a meter with a DevEUI is then encoded by its codec and queued on that
// ChirpStack (a stand-in on loopback that records the request).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const codec = `function rawDataToProtocol(bytes) {
  return { method: 'thing.event.property.post', id: '1', params: { relay: bytes[0] } };
}
function protocolToRawData(json) {
  if (json.method === 'thing.service.property.set') return { fPort: 8, bytes: [0x20, json.params.relay] };
  return null;
}`;

let platform: RunningPlatform;
const requests: Array<{ url: string; auth: unknown; body: string }> = [];
const chirpstack = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    requests.push({
      url: req.url ?? '',
      auth: req.headers['grpc-metadata-authorization'],
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":"5c1d7b8e-0c1a-4b7e-9d4f-2f3e1a6b7c8d"}');
  });
});

before(
  async () => {
    await new Promise<void>((ok) => chirpstack.listen(0, '127.0.0.1', ok));
    platform = await startPlatform();
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
  await new Promise<void>((ok) => chirpstack.close(() => ok()));
});

test('an operator sets the community ChirpStack; a property set to a LoRaWAN meter is queued on it', async () => {
  const baseUrl = `http://127.0.0.1:${(chirpstack.address() as AddressInfo).port}`;
  const api = adminApi(platform);
  const models = await api.query<Array<{ id: string; model: unknown }>>('iot.products.standardModels', undefined);
  const { productKey } = await api.mutate<{ productKey: string }>('iot.products.create', {
    community: 'demo',
    name: 'LoRaWAN 电表',
    thingModel: models.find((m) => m.id === 'power-meter')!.model,
  });
  await api.mutate('iot.products.codec.set', { productKey, script: codec });
  await api.mutate('iot.devices.create', { productKey, deviceName: 'lora-meter-01' });
  await api.mutate('iot.devices.setDevEui', {
    productKey,
    deviceName: 'lora-meter-01',
    devEui: '70b3d57ed00000b1',
  });

  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await page.goto(`${platform.webUrl}/console/devices`);
    await page.getByTestId('network-server-open').click();
    await page.getByTestId('ns-base-url').fill('ftp://nowhere');
    await page.getByTestId('ns-token').fill('api-token-1');
    await page.getByTestId('ns-submit').click();
    await page.getByTestId('ns-form-error').getByText('http(s)').first().waitFor();
    await page.getByTestId('ns-base-url').fill(baseUrl);
    await page.getByTestId('ns-submit').click();
    await page.getByText('网络服务器已保存').waitFor();
    // The token is never read back: the field is empty and says so.
    await page.getByText('已保存（不会显示）；留空则保留原令牌').waitFor();
    assert.equal(await page.getByTestId('ns-token').inputValue(), '');
  } finally {
    await session.close();
  }
  const stored = await api.query<{ token: string; baseUrl: string }>('iot.networkServer.get', { community: 'demo' });
  assert.deepEqual([stored.baseUrl, stored.token], [baseUrl, '••••••••']);

  const r = await api.mutate<{ delivered: boolean; via?: string }>('iot.devices.command', {
    productKey,
    deviceName: 'lora-meter-01',
    command: { kind: 'set', params: { relay: 1 } },
  });
  assert.deepEqual([r.delivered, r.via], [true, 'chirpstack']);
  assert.deepEqual(requests, [
    {
      url: '/api/devices/70b3d57ed00000b1/queue',
      auth: 'Bearer api-token-1',
      body: JSON.stringify({
        queueItem: { confirmed: false, fPort: 8, data: Buffer.from([0x20, 1]).toString('base64') },
      }),
    },
  ]);
});
