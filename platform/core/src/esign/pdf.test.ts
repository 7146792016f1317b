import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fontkit from '@pdf-lib/fontkit';
import { decodePDFRawStream, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { hasCriticalTimestampingEku, issueCertificate } from './pki.ts';
import { renderContract } from './render.ts';
import { signPdf } from './sign.ts';
import { TimeStampAuthority, timeStampRequest, tokenOf } from './tsa.ts';
import { verifyPdf } from './verify.ts';

const has = (tool: string) => {
  try {
    execFileSync(tool, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Embedded font programs (FontFile3) and page content streams of a PDF, decoded. */
async function inside(pdf: Uint8Array) {
  const doc = await PDFDocument.load(pdf);
  const fonts: Buffer[] = [];
  const contents: string[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream)) continue;
    const data = Buffer.from(decodePDFRawStream(obj).decode());
    if (obj.dict.get(PDFName.of('Subtype'))?.toString() === '/OpenType') fonts.push(data);
    else if (/\bTj\b/.test(data.toString('latin1'))) contents.push(data.toString('latin1'));
  }
  return { doc, fonts, contents };
}

const title = '物业服务合同';
const body = '甲方（业主）：{{name}}\n乙方：示范小区物业服务中心\n服务期限：{{term}}\n'.repeat(10);

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
    commonName: '示范小区',
    organisation: 'Shequ',
    years: 3,
    issuer: issuing,
  });
  const tsa = new TimeStampAuthority(tsaCert, [issuing.cert]);
  const draft = await renderContract({
    title,
    body,
    values: { name: '张三', term: '2026年1月1日至2027年12月31日' },
    footer: 'doc-1',
  });
  const sign = () =>
    signPdf({
      pdf: draft,
      signer: org,
      chain: [issuing.cert],
      timestamp: (req) => tsa.respond(req),
      completion: {
        documentId: 'doc-1',
        title,
        signerName: '张三',
        signerId: 'u1',
        organisation: '示范小区',
        contractSha256: 'ab'.repeat(32),
        signedAt: new Date(),
        trail: [{ at: new Date(), actor: '张三', action: '验证码确认身份' }],
      },
    });
  const signed = await sign();

  test('the TSA certificate has only the critical timeStamping EKU; the org certificate does not', () => {
    assert.equal(hasCriticalTimestampingEku(tsaCert.cert), true);
    assert.equal(hasCriticalTimestampingEku(org.cert), false);
  });

  test('names are three single-valued RDNs (C, O, CN), not one multi-valued RDN', () => {
    const rdns = org.cert.subject.toSchema().valueBlock.value;
    assert.equal(rdns.length, 3);
  });

  test('the TSA refuses a non-SHA-256 imprint and its token carries the request nonce', async () => {
    const req = timeStampRequest(Buffer.from('x'));
    assert.ok(tokenOf(await tsa.respond(req.der), req.nonce));
    assert.throws(() => tokenOf(Buffer.from([0x30, 0x00]), req.nonce));
    const refused = await tsa.respond(Buffer.from('not a request'));
    assert.throws(() => tokenOf(refused, req.nonce), /refused/);
  });

  test('Chinese text survives: every glyph drawn maps back to its character through the embedded font', async () => {
    const { fonts, contents } = await inside(draft);
    assert.equal(fonts.length, 1);
    const font = fontkit.create(fonts[0]);
    // The CFF charset is the identity, so the CID a viewer reads is the glyph fontkit and pdf-lib used.
    const charset = (font as unknown as { 'CFF ': { topDict: { charset: { ranges: { first: number }[] } } } })['CFF ']
      .topDict.charset;
    assert.equal(charset.ranges[0].first, 1);
    for (const ch of `${title}张三年月日业主`) {
      const gid = font.glyphForCodePoint(ch.codePointAt(0)!).id;
      assert.ok(gid > 0, `no glyph for ${ch}`);
      assert.ok(
        contents.join('').toUpperCase().includes(gid.toString(16).toUpperCase().padStart(4, '0')),
        `${ch} not drawn`,
      );
    }
    assert.ok(fonts[0].length < 200_000, `font subset is ${fonts[0].length} bytes`);
  });

  test('the certificate-of-completion page is part of the signed file', async () => {
    const { doc: d0 } = await inside(draft);
    const { doc: d1 } = await inside(signed);
    assert.equal(d1.getPageCount(), d0.getPageCount() + 1);
  });

  test('pdftotext / qpdf read the signed file (when installed)', { skip: !has('pdftotext') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'esign-'));
    writeFileSync(join(dir, 's.pdf'), signed);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 's.pdf'), '-'], { encoding: 'utf8' });
    assert.match(text, /物业服务合同/);
    assert.match(text, /张三/);
    assert.match(text, /签署完成证明/);
    if (has('qpdf')) execFileSync('qpdf', ['--check', join(dir, 's.pdf')]);
    if (has('pdfsig')) {
      // poppler's own CMS check (it does not know the platform root, so only the signature itself is judged).
      const out = execFileSync('pdfsig', [join(dir, 's.pdf')], { encoding: 'utf8' });
      assert.match(out, /Signature is Valid/);
      assert.match(out, /ETSI\.CAdES\.detached|PAdES/);
    }
    execFileSync('pdftoppm', ['-r', '40', '-png', join(dir, 's.pdf'), join(dir, 'p')]);
  });

  test('a signed file verifies: signature, chain, timestamp, whole-file coverage', async () => {
    const r = await verifyPdf(signed, root.cert);
    assert.deepEqual(r.problems, []);
    assert.equal(r.valid, true);
    assert.equal(r.signatures.length, 1);
    const s = r.signatures[0];
    assert.deepEqual([s.signatureValid, s.chainValid, s.timestampValid, s.coversWholeFile], [true, true, true, true]);
    assert.equal(s.signer, '示范小区');
    assert.ok(s.timestampedAt && Math.abs(Date.parse(s.timestampedAt) - Date.now()) < 60_000);
  });

  test('bytes appended after signing are reported as a modification', async () => {
    const appended = Buffer.concat([signed, Buffer.from('\n1 0 obj (x) endobj\n%%EOF\n')]);
    const r = await verifyPdf(appended, root.cert);
    assert.equal(r.valid, false);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['modified_after_signing'],
    );
    assert.equal(r.signatures[0].coversWholeFile, false);
  });

  test('a flipped byte inside the signed range breaks the signature', async () => {
    for (const at of [200, Math.floor(signed.length / 3), signed.length - 10]) {
      const flipped = Buffer.from(signed);
      flipped[at] ^= 0x01;
      const r = await verifyPdf(flipped, root.cert);
      assert.equal(r.valid, false, `byte ${at}`);
      assert.ok(
        r.problems.some((p) => p.code === 'bad_signature' || p.code === 'not_pdf'),
        JSON.stringify(r.problems),
      );
    }
  });

  test('a flipped byte inside the signature itself is caught', async () => {
    const hole = signed.indexOf('/Contents <', 0, 'latin1') + 40;
    const flipped = Buffer.from(signed);
    flipped[hole] = flipped[hole] === 0x41 ? 0x42 : 0x41;
    const r = await verifyPdf(flipped, root.cert);
    assert.equal(r.valid, false);
  });

  test('a signature from another root is untrusted; an unsigned file has no signature', async () => {
    const other = await issueCertificate({ role: 'root', commonName: 'Other Root', organisation: 'X', years: 1 });
    const r = await verifyPdf(signed, other.cert);
    assert.equal(r.valid, false);
    assert.ok(
      r.problems.some((p) => p.code === 'untrusted_chain'),
      JSON.stringify(r.problems),
    );
    assert.deepEqual(
      (await verifyPdf(draft, root.cert)).problems.map((p) => p.code),
      ['no_signature'],
    );
    assert.deepEqual(
      (await verifyPdf(Buffer.from('hello'), root.cert)).problems.map((p) => p.code),
      ['not_pdf'],
    );
  });
});
