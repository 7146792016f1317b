import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fontkit from '@pdf-lib/fontkit';
import { decodePDFRawStream, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from 'pdf-lib';
import { issueCertificate } from './pki.ts';
import { renderContract } from './render.ts';
import { signPdf } from './sign.ts';
import { TimeStampAuthority } from './tsa.ts';
import { verifyPdf } from './verify.ts';

describe('e-signature PDF', async () => {
  const root = await issueCertificate({ role: 'root', commonName: 'Shequ Root CA', organisation: 'Shequ', years: 20 });
  const issuing = await issueCertificate({
    role: 'issuing',
    commonName: 'Shequ Issuing CA',
    organisation: 'Shequ',
    years: 10,
    issuer: root,
  });
  const tsaCert = await issueCertificate({
    role: 'tsa',
    commonName: 'Shequ TSA',
    organisation: 'Shequ',
    years: 10,
    issuer: issuing,
  });
  const org = await issueCertificate({
    role: 'organisation',
    commonName: '示范小区物业服务中心',
    organisation: '示范小区',
    years: 3,
    issuer: issuing,
  });
  const tsa = new TimeStampAuthority(tsaCert, [issuing.cert]);

  test('renders, signs and verifies', async () => {
    let t = performance.now();
    const draft = await renderContract({
      title: '物业服务合同',
      body: '甲方：{{name}}\n乙方：示范小区物业服务中心\n'.repeat(20),
      values: { name: '张三' },
      footer: 'doc-1',
    });
    const tRender = performance.now() - t;
    t = performance.now();
    const signed = await signPdf({
      pdf: draft,
      signer: org,
      chain: [issuing.cert],
      timestamp: (req) => tsa.respond(req),
      completion: {
        documentId: 'doc-1',
        title: '物业服务合同',
        signerName: '张三',
        signerId: 'u1',
        organisation: '示范小区物业服务中心',
        contractSha256: 'ab',
        signedAt: new Date(),
        trail: [{ at: new Date(), actor: '张三', action: '验证码确认' }],
      },
    });
    const tSign = performance.now() - t;
    t = performance.now();
    const r = await verifyPdf(signed, root.cert);
    console.log({ tRender, tSign, tVerify: performance.now() - t, draft: draft.length, signed: signed.length });
    assert.deepEqual(r.problems, []);
    assert.equal(r.valid, true);

    const appended = Buffer.concat([signed, Buffer.from('\n%%EOF\n')]);
    const r2 = await verifyPdf(appended, root.cert);
    assert.equal(r2.valid, false);
    assert.deepEqual(
      r2.problems.map((p) => p.code),
      ['modified_after_signing'],
    );

    const flipped = Buffer.from(signed);
    flipped[200] ^= 0x01;
    const r3 = await verifyPdf(flipped, root.cert);
    assert.equal(r3.valid, false);
    assert.ok(
      r3.problems.some((p) => p.code === 'bad_signature'),
      JSON.stringify(r3.problems),
    );

    const other = await issueCertificate({ role: 'root', commonName: 'Other Root', organisation: 'X', years: 1 });
    const r4 = await verifyPdf(signed, other.cert);
    assert.equal(r4.valid, false);
  });
});
