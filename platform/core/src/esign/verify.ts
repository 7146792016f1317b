import * as asn1js from 'asn1js';
import { PDFDocument } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { commonNameOf, hasCriticalTimestampingEku, OID, pkiCrypto, sha256, signingCertificateHash } from './pki.ts';

export interface Problem {
  code:
    | 'not_pdf'
    | 'no_signature'
    | 'bad_signature'
    | 'untrusted_chain'
    | 'bad_timestamp'
    | 'no_timestamp'
    | 'modified_after_signing'
    | 'partial_coverage';
  zh: string;
  en: string;
}

export interface SignatureReport {
  signer: string;
  organisation: string;
  /** Time from the RFC 3161 token (trusted), or null when there is no valid token. */
  timestampedAt: string | null;
  signatureValid: boolean;
  chainValid: boolean;
  timestampValid: boolean;
  /** The byte range is the whole file except the signature hole. */
  coversWholeFile: boolean;
}

export interface VerifyReport {
  valid: boolean;
  sha256: string;
  size: number;
  signatures: SignatureReport[];
  problems: Problem[];
}

const P = (code: Problem['code'], zh: string, en: string): Problem => ({ code, zh, en });

interface Found {
  range: [number, number, number, number];
  contents: Buffer;
}

/** Every /ByteRange in the file with the /Contents hex it leaves out. */
function findSignatures(pdf: Buffer): Found[] {
  const text = pdf.toString('latin1');
  const out: Found[] = [];
  for (const m of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const range = m.slice(1, 5).map(Number) as Found['range'];
    const [a, b, c] = range;
    if (a !== 0 || b >= c || c > pdf.length) continue;
    const hole = text.slice(b, c);
    const hex = /^<([0-9A-Fa-f]*)>$/.exec(hole)?.[1];
    if (hex === undefined) continue;
    out.push({ range, contents: Buffer.from(hex, 'hex') });
  }
  return out;
}

/**
 * Checks a signed PDF: the CMS signature over its byte range, the signer chain up to the platform root, the RFC 3161
 * timestamp (signature, TSA chain, critical timeStamping EKU, imprint = hash of the signature), and that the signed
 * range covers the whole file: bytes appended after signing are reported as a modification.
 */
export async function verifyPdf(input: Uint8Array, root: pkijs.Certificate): Promise<VerifyReport> {
  const pdf = Buffer.from(input);
  const report: VerifyReport = {
    valid: false,
    sha256: sha256(pdf).toString('hex'),
    size: pdf.length,
    signatures: [],
    problems: [],
  };
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    report.problems.push(P('not_pdf', '文件不是 PDF', 'The file is not a PDF'));
    return report;
  }
  try {
    await PDFDocument.load(pdf, { updateMetadata: false });
  } catch {
    report.problems.push(
      P('not_pdf', '文件已损坏，无法作为 PDF 打开', 'The file is damaged and cannot be opened as a PDF'),
    );
  }
  const found = findSignatures(pdf);
  if (found.length === 0) {
    report.problems.push(P('no_signature', '文件中没有电子签名', 'The file carries no electronic signature'));
    return report;
  }
  for (const f of found) report.signatures.push(await checkOne(pdf, f, root, report.problems));
  const last = found[found.length - 1];
  const end = last.range[2] + last.range[3];
  if (end < pdf.length) {
    report.problems.push(
      P(
        'modified_after_signing',
        `签名之后文件被追加了 ${pdf.length - end} 字节：文件已被修改`,
        `${pdf.length - end} bytes were appended after signing: the file has been modified`,
      ),
    );
  }
  report.valid =
    report.problems.length === 0 &&
    report.signatures.every((s) => s.signatureValid && s.chainValid && s.timestampValid) &&
    end === pdf.length;
  return report;
}

async function checkOne(pdf: Buffer, f: Found, root: pkijs.Certificate, problems: Problem[]): Promise<SignatureReport> {
  const [, b, c, d] = f.range;
  const out: SignatureReport = {
    signer: '',
    organisation: '',
    timestampedAt: null,
    signatureValid: false,
    chainValid: false,
    timestampValid: false,
    coversWholeFile: c + d === pdf.length,
  };
  if (c + d > pdf.length) {
    problems.push(
      P(
        'partial_coverage',
        '签名范围超出文件长度：文件被截断',
        'The signed range runs past the end of the file: it was truncated',
      ),
    );
    return out;
  }
  const data = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
  let signed: pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(f.contents);
    if (asn.offset === -1) throw new Error('bad BER');
    const ci = new pkijs.ContentInfo({ schema: asn.result });
    if (ci.contentType !== OID.signedData) throw new Error('not SignedData');
    signed = new pkijs.SignedData({ schema: ci.content });
  } catch {
    problems.push(P('bad_signature', '签名数据损坏，无法解析', 'The signature data is damaged and cannot be read'));
    return out;
  }
  const si = signed.signerInfos[0];

  // The timestamp first: its time is when the signer certificate must have been valid.
  let checkDate = new Date();
  const tokenAttr = si.unsignedAttrs?.attributes.find((a) => a.type === OID.timeStampToken);
  if (!tokenAttr) {
    problems.push(P('no_timestamp', '签名没有可信时间戳', 'The signature has no trusted timestamp'));
  } else {
    try {
      const token = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: tokenAttr.values[0] }).content });
      const r = await token.verify(
        {
          signer: 0,
          data: si.signature.valueBlock.valueHexView.slice().buffer,
          trustedCerts: [root],
          checkChain: true,
          extendedMode: true,
        },
        pkiCrypto(),
      );
      const tst = pkijs.TSTInfo.fromBER(token.encapContentInfo.eContent!.getValue());
      const tsaCert = r.signerCertificate;
      if (!r.signatureVerified || !tsaCert || !hasCriticalTimestampingEku(tsaCert)) throw new Error('TSA');
      out.timestampValid = true;
      out.timestampedAt = tst.genTime.toISOString();
      checkDate = tst.genTime;
    } catch (e) {
      if (process.env.ESIGN_DEBUG) console.error(e);
      problems.push(
        P('bad_timestamp', '时间戳无效或与签名不符', 'The timestamp is invalid or does not match the signature'),
      );
    }
  }

  try {
    const r = await signed.verify(
      {
        signer: 0,
        data: data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
        trustedCerts: [root],
        checkChain: true,
        checkDate,
        extendedMode: true,
      },
      pkiCrypto(),
    );
    const cert = r.signerCertificate;
    if (cert) {
      out.signer = commonNameOf(cert.subject);
      out.organisation = commonNameOf(cert.issuer);
      const bound = si.signedAttrs?.attributes.find((a) => a.type === OID.signingCertificateV2);
      const certDer = cert.toSchema(true).toBER(false);
      const hash = bound ? signingCertificateHash(bound) : undefined;
      out.signatureValid = !!r.signatureVerified && !!hash && hash.equals(sha256(certDer));
      out.chainValid = true;
    }
  } catch (e) {
    const err = e as { code?: number; signerCertificate?: pkijs.Certificate };
    if (err.signerCertificate) out.signer = commonNameOf(err.signerCertificate.subject);
    if (err.code === 5) {
      problems.push(
        P(
          'untrusted_chain',
          '签名证书不是由平台根证书签发的',
          'The signing certificate does not chain to the platform root',
        ),
      );
      return out;
    }
  }
  if (!out.signatureValid) {
    problems.push(
      P(
        'bad_signature',
        '签名校验失败：签名之后内容被改动',
        'The signature does not match: the content was changed after signing',
      ),
    );
  }
  return out;
}
