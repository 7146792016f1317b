import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, openPlatform, type Platform, timeStampRequest, tokenOf } from '@shequ/core';
import { users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

describe('e-signature API', () => {
  let dir: string;
  let platform: Platform;
  let app: FastifyInstance;
  let residentId: string;
  const client = apiTestClient(() => app);
  const call = async (who: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
    const res = await client.send(who, path, input, method === 'GET' ? 'query' : 'mutation');
    const body = res.json();
    return { status: res.statusCode, data: body.result?.data, error: body.error?.data };
  };
  const template = {
    name: '车位租赁合同',
    body: '出租方：示范小区物业服务中心\n承租方：{{name}}\n车位：{{slot}}',
    variables: [
      { key: 'name', label: '承租人', required: true },
      { key: 'slot', label: '车位', required: true },
    ],
    validDays: 7,
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-esign-api-'));
    platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dir, SHEQU_LOG_LEVEL: 'silent' }), { role: 'test' });
    app = await buildServer(platform);
    await client.login('resident', 'operator');
    [{ id: residentId }] = await platform.database.db.select().from(users).where(eq(users.username, 'resident'));
  });
  after(async () => {
    await app?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('operator sends a contract; the resident signs with the code from her inbox; it verifies; a tampered copy does not', async () => {
    assert.equal(
      (await call('resident', 'esign.saveTemplate', { community: 'demo', template })).error.appCode,
      'FORBIDDEN',
    );
    const t = await call('operator', 'esign.saveTemplate', { community: 'demo', template });
    assert.equal(t.data.version, 1);
    const doc = await call('operator', 'esign.createDocument', {
      community: 'demo',
      templateId: t.data.id,
      signerUserId: residentId,
      signerName: '王秀英',
      values: { name: '王秀英', slot: 'B2-017' },
    });
    assert.equal(doc.data.status, 'sent');
    const mine = await call('resident', 'esign.mine', { community: 'demo' }, 'GET');
    assert.deepEqual(
      mine.data.map((d: { id: string }) => d.id),
      [doc.data.id],
    );
    assert.equal(
      (await call('operator', 'esign.requestCode', { community: 'demo', id: doc.data.id })).error.appCode,
      'FORBIDDEN',
    );
    assert.equal((await call('resident', 'esign.requestCode', { community: 'demo', id: doc.data.id })).status, 200);
    const inbox = await call('resident', 'message.inbox', { community: 'demo' }, 'GET');
    const code = /验证码 (\d{6})/.exec(
      inbox.data.items.find((m: { titleZh: string }) => m.titleZh === '合同签署验证码').bodyZh,
    )?.[1];
    assert.ok(code);
    const badInput = await call('resident', 'esign.sign', { community: 'demo', id: doc.data.id, code: 'abc' });
    assert.equal(badInput.error.appCode ?? badInput.error.code, 'INVALID_INPUT');
    const signed = await call('resident', 'esign.sign', { community: 'demo', id: doc.data.id, code });
    assert.equal(signed.data.status, 'signed');

    const file = await call('resident', 'esign.download', { community: 'demo', id: doc.data.id }, 'GET');
    assert.equal(file.data.signed, true);
    const report = await call('anonymous', 'esign.verify', { pdf: file.data.base64 });
    assert.equal(report.data.valid, true);
    assert.equal(report.data.signatures[0].timestampValid, true);

    const pdf = Buffer.from(file.data.base64, 'base64');
    const appended = await call('anonymous', 'esign.verify', {
      pdf: Buffer.concat([pdf, Buffer.from('junk')]).toString('base64'),
    });
    assert.equal(appended.data.valid, false);
    assert.equal(appended.data.problems[0].code, 'modified_after_signing');
    assert.match(appended.data.problems[0].zh, /已被修改/);
    pdf[1000] ^= 1;
    const flipped = await call('anonymous', 'esign.verify', { pdf: pdf.toString('base64') });
    assert.equal(flipped.data.valid, false);

    // The same over plain HTTP: the PDF as the body, a plain-text report back (what curl or the CLI shows).
    const original = Buffer.from(file.data.base64, 'base64');
    const text = await app.inject({
      method: 'POST',
      url: '/api/esign/verify',
      headers: { 'content-type': 'application/pdf' },
      payload: original,
    });
    assert.equal(text.statusCode, 200);
    assert.match(text.body, /^验证通过/);
    const textEn = await app.inject({
      method: 'POST',
      url: '/api/esign/verify?lang=en',
      headers: { 'content-type': 'application/pdf' },
      payload: Buffer.concat([original, Buffer.from('x')]),
    });
    assert.match(
      textEn.body,
      /^Verification failed\.\n- 1 bytes were appended after signing: the file has been modified/,
    );
    const empty = await app.inject({
      method: 'POST',
      url: '/api/esign/verify',
      headers: { 'content-type': 'application/pdf' },
      payload: Buffer.alloc(0),
    });
    assert.equal(empty.statusCode, 400);

    // The built-in time-stamp authority answers RFC 3161 requests over HTTP.
    const req = timeStampRequest(Buffer.from('hello'));
    const tsr = await app.inject({
      method: 'POST',
      url: '/api/esign/tsa',
      headers: { 'content-type': 'application/timestamp-query' },
      payload: req.der,
    });
    assert.equal(tsr.headers['content-type'], 'application/timestamp-reply');
    assert.ok(tokenOf(tsr.rawPayload, req.nonce));

    const trail = await call('operator', 'esign.document', { community: 'demo', id: doc.data.id }, 'GET');
    assert.deepEqual(
      trail.data.trail.map((e: { action: string }) => e.action),
      ['created', 'sent', 'code_sent', 'code_verified', 'signed'],
    );
  });
});
