// 开放接口 end to end (DB33 9.3.1.5, 6.3.1.4): the community operator creates an open-API client for the property
// management system in the console and is shown its secret once. The test, as that system, signs a tenant upsert
// with the key over real HTTP (HMAC-SHA256, timestamp, nonce); a replay of the same request is refused, and the tenant
// appears in the console's people list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signOpenApiRequest } from '@shequ/api';
import { openMenu, searchPeople, tableRows, text } from '../base-data/console-steps.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

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

const house = { compound: '示范小区', building: '9', unit: '1', floor: '5', room: '502' };

test('an operator creates an API client; a signed tenant upsert over HTTP shows up in the people list', async () => {
  // The house the tenant rents, entered as the CLI would (the admin bearer token).
  const made = await fetch(new URL('/api/trpc/base.houses.create', platform.apiUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ community: 'demo', house }),
  });
  assert.equal(made.status, 200, await made.text());

  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  let key: { keyId: string; secret: string };
  try {
    await openMenu(page, '开放接口', /\/console\/api-clients$/);
    await page.getByTestId('api-client-new').click();
    await page.getByTestId('api-client-name').fill('物业管理系统');
    await page.getByRole('checkbox', { name: '读取房屋' }).check();
    await page.getByTestId('api-client-submit').click();
    await page.getByTestId('api-secret').waitFor();
    key = { keyId: await text(page.getByTestId('api-key-id')), secret: await text(page.getByTestId('api-secret')) };
    assert.match(key.keyId, /^sqk_/);
    assert.ok(key.secret.length >= 40);
    await page.getByTestId('api-secret-done').click();
    await page.getByTestId('api-secret').waitFor({ state: 'detached' });
    await page.getByTestId('api-client-status-物业管理系统').waitFor();
    assert.equal(await page.getByText(key.secret).count(), 0, 'the secret is shown once');

    const url = '/open/v1/people/tenants';
    const body = JSON.stringify({
      name: '开放接口租客',
      idType: 'id_card',
      idNumber: '11010519491231002X',
      phone: '13912340000',
      ...house,
      validFrom: '2026-11-01',
      validTo: '2027-10-31',
    });
    const headers = {
      'content-type': 'application/json',
      ...signOpenApiRequest({ ...key, method: 'POST', url, body }),
    };
    const res = await fetch(new URL(url, platform.apiUrl), { method: 'POST', headers, body });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { occupancy: string }).occupancy, 'created');
    const replay = await fetch(new URL(url, platform.apiUrl), { method: 'POST', headers, body });
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as { error: { reason: string } }).error.reason, 'replayed_nonce');

    // Through the web origin too: the gateway passes the signed request on untouched.
    const houses = new URL('/open/v1/houses?compound=示范小区&building=9', platform.webUrl);
    const viaWeb = await fetch(houses, {
      headers: signOpenApiRequest({ ...key, method: 'GET', url: houses.pathname + houses.search }),
    });
    assert.equal(viaWeb.status, 200, await viaWeb.clone().text());
    assert.deepEqual(
      ((await viaWeb.json()) as { items: Array<{ room: string }> }).items.map((h) => h.room),
      ['502'],
    );
    assert.equal((await fetch(new URL('/open/v1/openapi.json', platform.webUrl))).status, 200);
    await openMenu(page, '人员管理', /\/console\/people$/);
    await searchPeople(page, '开放接口租客');
    await tableRows(page, 'people-table').getByText('开放接口租客').first().waitFor();
  } finally {
    await session.close();
  }
});

test('the provincial shared application gets exchange scopes in the console; its signed house upsert is stored', async () => {
  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await openMenu(page, '开放接口', /\/console\/api-clients$/);
    await page.getByTestId('api-client-new').click();
    await page.getByTestId('api-client-name').fill('省域共享应用');
    await page.getByRole('checkbox', { name: '登记/更新租客' }).uncheck();
    await page.getByRole('checkbox', { name: '更新房屋' }).check();
    await page.getByRole('checkbox', { name: '读取房屋' }).check();
    await page.getByTestId('api-client-submit').click();
    await page.getByTestId('api-secret').waitFor();
    const key = {
      keyId: await text(page.getByTestId('api-key-id')),
      secret: await text(page.getByTestId('api-secret')),
    };
    await page.getByTestId('api-secret-done').click();
    await page.getByTestId('api-client-status-省域共享应用').waitFor();
    const row = page.getByRole('row').filter({ hasText: key.keyId });
    await row.getByText('更新房屋').waitFor();
    assert.equal(await row.getByText('登记/更新租客').count(), 0, 'only the scopes ticked are granted');

    const url = '/open/v1/houses';
    const body = JSON.stringify({ ...house, room: '503', layout: '两室一厅', area: 76.5 });
    const post = () =>
      fetch(new URL(url, platform.apiUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signOpenApiRequest({ ...key, method: 'POST', url, body }) },
        body,
      });
    const res = await post();
    assert.equal(res.status, 201, await res.clone().text());
    const again = await post();
    assert.equal(again.status, 200, 'the same record again changes nothing');
    assert.equal(((await again.json()) as { result: string }).result, 'unchanged');
    const q = `/open/v1/houses?compound=${encodeURIComponent('示范小区')}&building=9`;
    const list = await fetch(new URL(q, platform.apiUrl), {
      headers: signOpenApiRequest({ ...key, method: 'GET', url: q }),
    });
    const items = ((await list.json()) as { items: Array<{ room: string; area: number }> }).items;
    assert.deepEqual(items.map((h) => [h.room, h.area]).sort(), [
      ['502', null],
      ['503', 76.5],
    ]);
  } finally {
    await session.close();
  }
});
