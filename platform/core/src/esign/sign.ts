import fontkit from '@pdf-lib/fontkit';
import * as asn1js from 'asn1js';
import { PDFArray, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { contractFontFor } from './font.ts';
import { type KeyedCert, OID, pkiCrypto, sha256, signingCertificateV2 } from './pki.ts';
import { embedAsOpenTypeCff, TextFlow } from './render.ts';
import { timeStampRequest, tokenOf } from './tsa.ts';

/** Bytes reserved for the CMS signature in /Contents (hex-encoded it takes twice as much). */
export const CONTENTS_BYTES = 12_288;
const BR_PLACEHOLDER = '**********';

export interface CompletionEntry {
  at: Date;
  actor: string;
  action: string;
}

export interface CompletionInfo {
  documentId: string;
  title: string;
  signerName: string;
  signerId: string;
  organisation: string;
  /** SHA-256 (hex) of the unsigned contract the signer read. */
  contractSha256: string;
  signedAt: Date;
  trail: CompletionEntry[];
}

export interface SignInput {
  pdf: Uint8Array;
  signer: KeyedCert;
  /** Certificates sent with the signature: the issuing CA (the root is the trust anchor, not sent). */
  chain: pkijs.Certificate[];
  /** Posts a DER TimeStampReq and returns the DER TimeStampResp. */
  timestamp: (requestDer: Buffer) => Promise<Buffer>;
  completion: CompletionInfo;
}

const fmt = (d: Date) => `${d.toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' })} (UTC+8)`;

/** The certificate-of-completion page lines (zh first, then en), also used by tests to check the text survives. */
export function completionLines(c: CompletionInfo): string[] {
  return [
    `合同编号 Document: ${c.documentId}`,
    `合同名称 Title: ${c.title}`,
    `签署人 Signer: ${c.signerName}（${c.signerId}）`,
    `签署机构证书 Organisation certificate: ${c.organisation}`,
    '身份验证方式 Identity check: 一次性验证码 one-time code',
    `签署时间 Signed at: ${fmt(c.signedAt)}`,
    `合同原文 SHA-256 Contract hash: ${c.contractSha256}`,
    '审计记录 Audit trail:',
    ...c.trail.map((e) => `  ${fmt(e.at)}  ${e.actor}  ${e.action}`),
    '本页在签名之前加入，受电子签名保护；任何改动都会使签名验证失败。',
    'This page was added before signing and is covered by the signature; any change makes verification fail.',
  ];
}

/**
 * Signs a contract (PAdES-B-T): appends the certificate-of-completion page (before signing, so the signature covers
 * it), reserves /Contents, fixes /ByteRange over the whole file but the /Contents hole, and fills in a detached CMS
 * SignedData (SHA-256, signingCertificateV2) with an RFC 3161 timestamp token over the signature as unsigned attribute.
 */
export async function signPdf(input: SignInput): Promise<Buffer> {
  const doc = await PDFDocument.load(input.pdf);
  doc.registerFontkit(fontkit);
  const lines = completionLines(input.completion);
  const font = await doc.embedFont(await contractFontFor(`签署完成证明 Certificate of Completion${lines.join('')}`), {
    subset: false,
    features: { liga: false, clig: false },
  });
  const flow = new TextFlow(doc, font);
  flow.write('签署完成证明 Certificate of Completion', 16, { center: true, gap: 10 });
  for (const l of lines) flow.write(l, 9);
  await embedAsOpenTypeCff(doc, font);

  const ctx = doc.context;
  const byteRange = PDFArray.withContext(ctx);
  byteRange.push(PDFNumber.of(0));
  for (let i = 0; i < 3; i++) byteRange.push(PDFName.of(BR_PLACEHOLDER));
  const sig = ctx.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: byteRange,
    Contents: PDFHexString.of('0'.repeat(CONTENTS_BYTES * 2)),
    M: PDFString.fromDate(input.completion.signedAt),
    Name: PDFHexString.fromText(input.completion.signerName),
    Reason: PDFHexString.fromText('一次性验证码确认身份后签署 Signed after one-time code confirmation'),
  });
  const sigRef = ctx.register(sig);
  const widget = ctx.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: [0, 0, 0, 0],
    V: sigRef,
    T: PDFHexString.fromText(`signer-${input.completion.signerId}`),
    F: 132,
    P: flow.page.ref,
  });
  const widgetRef = ctx.register(widget);
  flow.page.node.addAnnot(widgetRef);
  doc.catalog.set(PDFName.of('AcroForm'), ctx.obj({ SigFlags: 3, Fields: [widgetRef] }));

  const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  const holeStart = pdf.indexOf(`<${'0'.repeat(CONTENTS_BYTES * 2)}>`, 0, 'latin1');
  const holeEnd = holeStart + CONTENTS_BYTES * 2 + 2;
  const brText = `/ByteRange [ 0 /${BR_PLACEHOLDER} /${BR_PLACEHOLDER} /${BR_PLACEHOLDER} ]`;
  const brAt = pdf.indexOf(brText, 0, 'latin1');
  if (holeStart < 0 || brAt < 0) throw new Error('signature placeholder not found in the saved PDF');
  const range = [0, holeStart, holeEnd, pdf.length - holeEnd];
  const brValue = `/ByteRange [${range.join(' ')}]`.padEnd(brText.length, ' ');
  pdf.write(brValue, brAt, 'latin1');
  const signed = Buffer.concat([pdf.subarray(0, holeStart), pdf.subarray(holeEnd)]);

  const cms = await detachedCms(signed, input);
  const hex = cms.toString('hex').toUpperCase();
  if (hex.length > CONTENTS_BYTES * 2) throw new Error(`signature (${cms.length} bytes) exceeds the reserved space`);
  pdf.write(hex, holeStart + 1, 'latin1');
  return pdf;
}

/** CMS SignedData over `data`, detached, with the signature timestamped by the TSA (unsigned attribute). */
async function detachedCms(data: Uint8Array, input: SignInput): Promise<Buffer> {
  const { signer } = input;
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.cert.issuer, serialNumber: signer.cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
            new pkijs.Attribute({
              type: OID.messageDigest,
              values: [new asn1js.OctetString({ valueHex: sha256(data) })],
            }),
            signingCertificateV2(signer.cert, signer.der),
          ],
        }),
      }),
    ],
    certificates: [signer.cert, ...input.chain],
  });
  await signedData.sign(signer.key, 0, 'SHA-256', undefined, pkiCrypto());
  const signerInfo = signedData.signerInfos[0];
  const signature = signerInfo.signature.valueBlock.valueHexView;
  const req = timeStampRequest(signature);
  const token = tokenOf(await input.timestamp(req.der), req.nonce);
  signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 1,
    attributes: [new pkijs.Attribute({ type: OID.timeStampToken, values: [token.toSchema()] })],
  });
  const ci = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(ci.toSchema().toBER(false));
}
