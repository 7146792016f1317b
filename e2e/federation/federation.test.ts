// Marketplace federation in the admin UI (/market/upstreams): the platform administrator sees this catalog's id and
// key fingerprint, follows an upstream catalog with its pinned key and syncs it now (OK, serial shown), then follows
// an upstream that is down: "sync now" shows the reason in Chinese in the table, and nothing else changes. On the same
// page the administrator registers a downstream catalog (8.1.2): a bad key is shown under the key field, a good one
// lists the catalog with its key fingerprint, and deactivating it marks it so.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { canonicalJson } from '@shequ/marketplace';
import { keyFingerprint, publicKeyText } from '@shequ/runtime';
import { freePort } from '../../bench/common.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

let platform: RunningPlatform;
let upstream: Server;
let upstreamUrl = '';
const pair = generateKeyPairSync('ed25519');
const fingerprint = keyFingerprint(pair.publicKey);
let serial = 0;

before(
  async () => {
    // A small upstream catalog on loopback: an empty signed index with a rising serial.
    upstream = createServer((req, res) => {
      if (req.url !== '/api/market/index') {
        res.statusCode = 404;
        res.end();
        return;
      }
      serial += 1;
      const now = Date.now();
      const index = {
        format: 'shequ-catalog-index/1',
        catalogId: 'zj-province',
        keyId: `platform-${fingerprint}`,
        publicKey: publicKeyText(pair.publicKey),
        serial,
        issuedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 3600_000).toISOString(),
        apps: [],
      };
      const signature = sign(null, Buffer.from(canonicalJson(index)), pair.privateKey).toString('base64');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ index, signature }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    platform = await startPlatform({
      env: { SHEQU_CATALOG_ID: 'hz-city', SHEQU_UPSTREAM_HOSTS: '127.0.0.1', SHEQU_UPSTREAM_SYNC_SECONDS: '0' },
    });
  },
  { timeout: 400_000 },
);

after(async () => {
  upstream?.close();
  await platform?.stop();
});

test('the administrator follows an upstream with a pinned key, syncs now, and sees why a down upstream fails', async () => {
  const { session, page } = await signIn(platform, 'admin', /\/(console|gov|designer|market)/);
  try {
    await page.goto(`${platform.webUrl}/market/upstreams`);
    await page.getByTestId('own-catalog').getByText('hz-city').waitFor();
    const form = page.getByTestId('follow-form');
    await form.locator('#url').fill(upstreamUrl);
    await form.locator('#key').fill(fingerprint);
    await form.getByRole('button').click();
    const table = page.getByTestId('upstreams');
    const row = table.locator('tr', { hasText: upstreamUrl });
    await row.waitFor();
    await row.getByRole('button', { name: '立即同步' }).click();
    await row.getByText('zj-province').waitFor();
    await row.getByText('正常').waitFor();
    assert.ok(serial >= 1);

    const down = `http://127.0.0.1:${await freePort()}`;
    await form.locator('#url').fill(down);
    await form.locator('#key').fill(fingerprint);
    await form.getByRole('button').click();
    const downRow = table.locator('tr', { hasText: down });
    await downRow.waitFor();
    await downRow.getByRole('button', { name: '立即同步' }).click();
    await downRow.getByText(/无法连接/).waitFor();
    // The first upstream is untouched by the failure.
    await row.getByText('正常').waitFor();
  } finally {
    await session.close();
  }
});

test('the administrator registers a downstream catalog, sees it listed with its fingerprint, and deactivates it', async () => {
  const { session, page } = await signIn(platform, 'admin', /\/(console|gov|designer|market)/);
  const downKey = generateKeyPairSync('ed25519').publicKey;
  try {
    await page.goto(`${platform.webUrl}/market/upstreams`);
    const section = page.getByTestId('downstreams-section');
    await section.getByText('尚未登记下级目录').waitFor();
    await page.getByTestId('downstream-catalog-id').fill('xh-community');
    await page.getByTestId('downstream-name').fill('西湖社区目录');
    await page.getByTestId('downstream-key').fill('this is not a catalog key');
    await page.getByTestId('downstream-region').fill('330106');
    await page.getByTestId('downstream-add').click();
    // The server's refusal lands under the field it is about.
    await section
      .locator('.ant-form-item-has-error')
      .getByText(/目录公钥无效/)
      .waitFor();

    await page.getByTestId('downstream-key').fill(publicKeyText(downKey));
    await page.getByTestId('downstream-add').click();
    const row = page.getByTestId('downstreams').locator('tr', { hasText: 'xh-community' });
    await row.waitFor();
    await row.getByText(keyFingerprint(downKey)).waitFor();
    await row.getByText('西湖社区目录').waitFor();
    await row.getByText('尚未收到').waitFor();
    await row.getByText(/330106/).waitFor();

    await row.getByTestId('downstream-remove-xh-community').click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await row.getByText('已停用').waitFor();
  } finally {
    await session.close();
  }
});
