// 电子签章 end to end. The operator writes a contract template in the console (合同模板) and sends a parking-space
// lease to the demo resident. The resident, on a phone, opens 我的 → 待签合同, reads it, asks for a one-time code,
// reads the code from her inbox (我的消息, the message service's in-app copy; the SMS goes to the dev sink), types
// it and signs. The signed PDF is downloaded; the console's verify page reports it valid; a copy with bytes appended
// after signing and a copy with one flipped byte are both reported as modified.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const PHONE = { width: 390, height: 844 };
const COMMUNITY = 'demo';
const TEMPLATE = '车位租赁合同';

let platform: RunningPlatform;
let admin: AdminApi;
let signedPdf: Buffer;
let documentId: string;

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

async function asOperator(fn: (page: Page) => Promise<void>) {
  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await page.goto(`${platform.webUrl}/console/contracts`);
    await fn(page);
  } finally {
    await session.close();
  }
}

test('the operator writes a template and sends a contract to the resident', async () => {
  await asOperator(async (page) => {
    await page.getByTestId('esign-template-new').click();
    await page.getByTestId('esign-template-name').fill(TEMPLATE);
    await page
      .getByTestId('esign-template-body')
      .fill('出租方：示范小区物业服务中心\n承租方：{{name}}\n车位编号：{{slot}}\n月租金：300 元，按季度缴纳。');
    await page.getByTestId('esign-var-label-name').fill('承租人');
    await page.getByTestId('esign-var-label-slot').fill('车位编号');
    await page.getByTestId('esign-template-save').click();
    await page.getByRole('cell', { name: TEMPLATE }).waitFor();

    await page.getByRole('tab', { name: '发送合同' }).click();
    await page.getByTestId('esign-send-template').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option', { hasText: TEMPLATE }).first().click();
    await page.getByTestId('esign-send-signer').fill('resident');
    await page.getByTestId('esign-send-var-name').fill('王秀英');
    await page.getByTestId('esign-send-var-slot').fill('B2-017');
    await page.getByTestId('esign-send-submit').click();
    await page.getByText('合同已发送给签署人').waitFor();

    await page.getByRole('tab', { name: '合同状态' }).click();
    await page.getByTestId('esign-doc-status').filter({ hasText: '待签署' }).first().waitFor();
  });
});

test('the resident reads it, gets a one-time code from her inbox, signs and downloads the signed PDF', async () => {
  const { session, page } = await signIn(platform, 'resident', /\/app$/, { viewport: PHONE });
  try {
    await page.goto(`${platform.webUrl}/app/me`);
    await page.getByTestId('me-contracts-link').click();
    await page.waitForURL(/\/app\/me\/contracts$/);
    const card = page.getByTestId('contract-item').filter({ hasText: TEMPLATE });
    await card.waitFor();
    assert.equal(await card.getByTestId('contract-status').textContent(), '待签署');
    await card.getByTestId('contract-read').click();
    await card.locator('iframe').waitFor();

    await card.getByTestId('contract-request-code').click();
    await card.getByTestId('contract-code-sent').waitFor();
    // She reads the code in 我的消息 in another tab, as she would glance at a text message.
    const inbox = await page.context().newPage();
    await inbox.goto(`${platform.webUrl}/app/me/inbox`);
    const message = inbox.getByTestId('inbox-item').filter({ hasText: '合同签署验证码' }).first();
    await message.click();
    const code = /验证码 (\d{6})/.exec((await message.textContent()) ?? '')?.[1];
    assert.ok(code, 'no code in the inbox');
    await inbox.close();

    // A wrong code first: refused with the attempts left, nothing signed.
    await card.getByTestId('contract-code').fill(code === '000000' ? '111111' : '000000');
    await card.getByTestId('contract-sign').click();
    await page.getByText(/验证码错误，还可尝试 4 次/).waitFor();
    assert.equal(await card.getByTestId('contract-status').textContent(), '待签署');

    await card.getByTestId('contract-code').fill(code);
    await card.getByTestId('contract-sign').click();
    await card.getByTestId('contract-status').filter({ hasText: '已签署' }).waitFor();

    const download = page.waitForEvent('download');
    await card.getByTestId('contract-download').click();
    const file = await download;
    const chunks: Buffer[] = [];
    for await (const c of (await file.createReadStream()) as AsyncIterable<Buffer>) chunks.push(c);
    signedPdf = Buffer.concat(chunks);
    assert.equal(signedPdf.subarray(0, 5).toString(), '%PDF-');
  } finally {
    await session.close();
  }
  const docs = await admin.query<{ id: string; status: string }[]>('esign.documents', { community: COMMUNITY });
  documentId = docs[0].id;
  assert.equal(docs[0].status, 'signed');
});

test('the verify page reports the signed PDF valid and modified copies as modified', async () => {
  await asOperator(async (page) => {
    await page.getByRole('tab', { name: '验证合同' }).click();
    const verify = async (name: string, buffer: Buffer) => {
      await page
        .locator('[data-testid=esign-verify] input[type=file]')
        .setInputFiles({ name, mimeType: 'application/pdf', buffer });
      const report = page.getByTestId('esign-verify-report');
      await report.waitFor();
      return report;
    };
    const ok = await verify('signed.pdf', signedPdf);
    assert.equal(await ok.getAttribute('data-valid'), 'yes');
    assert.match((await ok.textContent()) ?? '', /验证通过/);

    const appended = await verify(
      'appended.pdf',
      Buffer.concat([signedPdf, Buffer.from('\n% appended after signing\n')]),
    );
    await page.locator('[data-code=modified_after_signing]').waitFor();
    assert.equal(await appended.getAttribute('data-valid'), 'no');
    assert.match((await appended.textContent()) ?? '', /文件已被修改/);

    const flipped = Buffer.from(signedPdf);
    flipped[Math.floor(flipped.length / 4)] ^= 0x01;
    const bad = await verify('flipped.pdf', flipped);
    await page.locator('[data-code=bad_signature]').waitFor();
    assert.equal(await bad.getAttribute('data-valid'), 'no');
  });
  // The stored document did not change.
  const doc = await admin.query<{ status: string }>('esign.document', { community: COMMUNITY, id: documentId });
  assert.equal(doc.status, 'signed');
});
