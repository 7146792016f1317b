import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { type KeyedCert, OID, pkiCrypto, sha256, signingCertificateV2 } from './pki.ts';

/**
 * The built-in RFC 3161 time-stamp authority. It speaks DER TimeStampReq → TimeStampResp, so the signer goes through
 * the same wire format an external TSA would use (and an HTTP endpoint can expose it unchanged).
 */
export class TimeStampAuthority {
  readonly #tsa: KeyedCert;
  readonly #chain: pkijs.Certificate[];

  constructor(tsa: KeyedCert, chain: pkijs.Certificate[]) {
    this.#tsa = tsa;
    this.#chain = chain;
  }

  /** Answers a DER TimeStampReq with a DER TimeStampResp (status granted, or rejection for a bad request). */
  async respond(requestDer: Uint8Array, now = new Date()): Promise<Buffer> {
    let req: pkijs.TimeStampReq;
    try {
      req = pkijs.TimeStampReq.fromBER(new Uint8Array(requestDer));
    } catch {
      return reject(2, 'badDataFormat');
    }
    if (
      req.messageImprint.hashAlgorithm.algorithmId !== OID.sha256 ||
      req.messageImprint.hashedMessage.valueBlock.valueHexView.length !== 32
    ) {
      return reject(2, 'badAlg: only SHA-256 imprints are accepted');
    }
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    const tst = new pkijs.TSTInfo({
      version: 1,
      policy: OID.tsaPolicy,
      messageImprint: req.messageImprint,
      serialNumber: new asn1js.Integer({ valueHex: serial }),
      genTime: now,
      accuracy: new pkijs.Accuracy({ seconds: 1 }),
      ...(req.nonce ? { nonce: req.nonce } : {}),
    });
    const tstDer = tst.toSchema().toBER(false);
    const encap = new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo });
    // Set after construction: pkijs's constructor turns eContent into a constructed (BER) OCTET STRING, which is not
    // DER and which its own verifier then reads as empty.
    encap.eContent = new asn1js.OctetString({ valueHex: tstDer });
    const signed = new pkijs.SignedData({
      version: 3,
      encapContentInfo: encap,
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({
            issuer: this.#tsa.cert.issuer,
            serialNumber: this.#tsa.cert.serialNumber,
          }),
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: [
              new pkijs.Attribute({
                type: OID.contentType,
                values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })],
              }),
              new pkijs.Attribute({
                type: OID.messageDigest,
                values: [new asn1js.OctetString({ valueHex: sha256(tstDer) })],
              }),
              signingCertificateV2(this.#tsa.cert, this.#tsa.der),
            ],
          }),
        }),
      ],
      certificates: req.certReq ? [this.#tsa.cert, ...this.#chain] : undefined,
    });
    await signed.sign(this.#tsa.key, 0, 'SHA-256', undefined, pkiCrypto());
    const resp = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: 0 }),
      timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) }),
    });
    return Buffer.from(resp.toSchema().toBER(false));
  }
}

function reject(failBit: number, text: string): Buffer {
  const bits = new Uint8Array([0x80 >> failBit]);
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: 2,
      statusStrings: [new asn1js.Utf8String({ value: text })],
      failInfo: new asn1js.BitString({ valueHex: bits.buffer }),
    }),
  });
  return Buffer.from(resp.toSchema().toBER(false));
}

/** A DER TimeStampReq for the SHA-256 of `data`, asking for the TSA's certificates, with a random nonce. */
export function timeStampRequest(data: Uint8Array): { der: Buffer; nonce: Buffer } {
  const nonce = randomBytes(8);
  nonce[0] &= 0x7f;
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256(data) }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  return { der: Buffer.from(req.toSchema().toBER(false)), nonce };
}

/** The TimeStampToken (a CMS ContentInfo) of a granted response whose nonce matches; throws otherwise. */
export function tokenOf(responseDer: Uint8Array, nonce: Uint8Array): pkijs.ContentInfo {
  const resp = pkijs.TimeStampResp.fromBER(new Uint8Array(responseDer));
  if (resp.status.status > 1 || !resp.timeStampToken) {
    const why = resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ') ?? `status ${resp.status.status}`;
    throw new Error(`time-stamp authority refused the request: ${why}`);
  }
  const signed = new pkijs.SignedData({ schema: resp.timeStampToken.content });
  const tst = pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent!.getValue());
  if (!tst.nonce || Buffer.compare(Buffer.from(tst.nonce.valueBlock.valueHexView), Buffer.from(nonce)) !== 0) {
    throw new Error('time-stamp response nonce does not match the request');
  }
  return resp.timeStampToken;
}
