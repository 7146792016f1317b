import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * The platform PKI in memory: ECDSA P-256 keys, X.509 certificates for the root, the issuing CA, the time-stamp
 * authority and one organisation certificate per community. Storage (keys encrypted) is in ca.ts.
 */
/** The private key type pkijs signs with (the DOM CryptoKey, which Node's webcrypto keys are at run time). */
export type CryptoKey = Parameters<pkijs.Certificate['sign']>[0];
type CryptoKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };
const crypto = webcrypto;
pkijs.setEngine('shequ-node', new pkijs.CryptoEngine({ name: 'shequ-node', crypto: crypto as never }));
export const pkiCrypto = () => pkijs.getCrypto(true);

export const OID = {
  commonName: '2.5.4.3',
  organisation: '2.5.4.10',
  country: '2.5.4.6',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  /** TSA policy of the built-in time-stamp authority (a private arc under the platform's name). */
  tsaPolicy: '1.3.6.1.4.1.61234.1.1',
} as const;

const ecParams = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface KeyedCert {
  cert: pkijs.Certificate;
  der: Buffer;
  key: CryptoKey;
}

export const sha256 = (data: Uint8Array | ArrayBuffer) =>
  createHash('sha256')
    .update(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
    .digest();

export const certFromDer = (der: Uint8Array) => pkijs.Certificate.fromBER(new Uint8Array(der));

export async function exportKey(key: CryptoKey): Promise<Buffer> {
  return Buffer.from(await crypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey));
}
export async function importKey(pkcs8: Uint8Array): Promise<CryptoKey> {
  return (await crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), ecParams, true, [
    'sign',
  ])) as unknown as CryptoKey;
}

export const commonNameOf = (name: pkijs.RelativeDistinguishedNames) =>
  String(name.typesAndValues.find((t) => t.type === OID.commonName)?.value.valueBlock.value ?? '');

/**
 * C=CN, O=org, CN=cn as three single-valued RDNs. pkijs writes every attribute of a name into one SET (a
 * multi-valued RDN, shown as `C=CN+O=…+CN=…`), so the name is built as DER and parsed back: pkijs then re-emits
 * the parsed bytes unchanged.
 */
function dn(cn: string, org: string): pkijs.RelativeDistinguishedNames {
  const atv = (type: string, value: asn1js.AsnType) =>
    new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: value as never }).toSchema()] });
  const name = new asn1js.Sequence({
    value: [
      atv(OID.country, new asn1js.PrintableString({ value: 'CN' })),
      atv(OID.organisation, new asn1js.Utf8String({ value: org })),
      atv(OID.commonName, new asn1js.Utf8String({ value: cn })),
    ],
  });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER(false));
}

const ext = (extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType) =>
  new pkijs.Extension({
    extnID,
    critical,
    extnValue: ('toSchema' in value ? value.toSchema() : value).toBER(false),
  });

export type CertRole = 'root' | 'issuing' | 'tsa' | 'organisation' | 'device_ca' | 'device';

export interface IssueInput {
  role: CertRole;
  commonName: string;
  organisation: string;
  years: number;
  /** Absent for a self-signed root (the platform root, the device CA). */
  issuer?: KeyedCert;
  /** Validity in days instead of years (device certificates). */
  days?: number;
}

/** Issues a certificate for a fresh key pair: CA roles get basicConstraints cA, the TSA a critical timeStamping EKU. */
export async function issueCertificate(input: IssueInput): Promise<KeyedCert> {
  const pair = (await crypto.subtle.generateKey(ecParams, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const spki = new pkijs.PublicKeyInfo();
  await spki.importKey(pair.publicKey, pkiCrypto());
  const { cert, der } = await certify(input, spki, input.issuer ? input.issuer.key : pair.privateKey);
  return { cert, der, key: pair.privateKey };
}

/**
 * Certifies a public key the platform never held the private half of (a device's certificate signing request).
 * The issuer is required: nothing self-signs without its key.
 */
export function certifyPublicKey(input: IssueInput & { issuer: KeyedCert }, spki: pkijs.PublicKeyInfo) {
  return certify(input, spki, input.issuer.key);
}

async function certify(input: IssueInput, spki: pkijs.PublicKeyInfo, signer: CryptoKey) {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const subject = dn(input.commonName, input.organisation);
  cert.subject = subject;
  cert.issuer = input.issuer ? input.issuer.cert.subject : subject;
  const now = new Date(Date.now() - 5 * 60_000);
  cert.notBefore.value = now;
  const lifetimeMs = input.days ? input.days * 86_400_000 : input.years * 365 * 86_400_000;
  cert.notAfter.value = new Date(now.getTime() + lifetimeMs);
  cert.subjectPublicKeyInfo = spki;

  const isCA = input.role === 'root' || input.role === 'issuing' || input.role === 'device_ca';
  cert.extensions = [];
  cert.extensions.push(
    ext(
      OID.basicConstraints,
      true,
      new pkijs.BasicConstraints(isCA ? { cA: true, pathLenConstraint: input.role === 'root' ? 1 : 0 } : {}),
    ),
  );
  // keyUsage bits: digitalSignature 0x80, nonRepudiation 0x40, keyCertSign 0x04, cRLSign 0x02. A device
  // certificate only authenticates a TLS client: digitalSignature alone.
  const usage = isCA ? 0x06 : input.role === 'device' ? 0x80 : 0x80 | 0x40;
  const unusedBits = isCA ? 1 : input.role === 'device' ? 7 : 6;
  cert.extensions.push(
    ext(OID.keyUsage, true, new asn1js.BitString({ valueHex: new Uint8Array([usage]).buffer, unusedBits })),
  );
  if (input.role === 'tsa') {
    // RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, timeStamping, marked critical.
    cert.extensions.push(ext(OID.extKeyUsage, true, new pkijs.ExtKeyUsage({ keyPurposes: [OID.timeStamping] })));
  }
  if (input.role === 'device') {
    cert.extensions.push(ext(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.clientAuth] })));
  }
  const spkiBits = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const keyId = createHash('sha1').update(spkiBits).digest();
  cert.extensions.push(ext(OID.subjectKeyId, false, new asn1js.OctetString({ valueHex: keyId })));
  const issuerKeyId = input.issuer
    ? createHash('sha1')
        .update(input.issuer.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)
        .digest()
    : keyId;
  cert.extensions.push(
    ext(
      OID.authorityKeyId,
      false,
      new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuerKeyId }) }),
    ),
  );

  await cert.sign(signer, 'SHA-256', pkiCrypto());
  return { cert, der: Buffer.from(cert.toSchema(true).toBER(false)) };
}

/** PEM text of DER bytes (`CERTIFICATE`, `PRIVATE KEY`, …), 64 characters a line. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with `label`, or undefined. */
export function fromPem(pem: string, label: string): Buffer | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  return m ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : undefined;
}

/**
 * Reads a PKCS#10 certificate signing request (PEM) and checks its self-signature: the requester holds the key.
 * Answers the public key to certify; throws with a plain reason when the request is malformed or forged.
 */
export async function publicKeyOfCsr(pem: string): Promise<pkijs.PublicKeyInfo> {
  const der = fromPem(pem, 'CERTIFICATE REQUEST') ?? fromPem(pem, 'NEW CERTIFICATE REQUEST');
  if (!der) throw new Error('not a PEM certificate signing request');
  let csr: pkijs.CertificationRequest;
  try {
    csr = pkijs.CertificationRequest.fromBER(new Uint8Array(der));
  } catch {
    throw new Error('the certificate signing request cannot be parsed');
  }
  let valid = false;
  try {
    valid = await csr.verify(pkiCrypto());
  } catch {
    valid = false;
  }
  if (!valid) throw new Error('the certificate signing request is not signed by its own key');
  return csr.subjectPublicKeyInfo;
}

/** ESS signingCertificateV2 (RFC 5035) naming `cert` by its SHA-256 hash and issuer/serial: binds the signer cert (PAdES-B). */
export function signingCertificateV2(cert: pkijs.Certificate, der: Uint8Array): pkijs.Attribute {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: sha256(der) }), issuerSerial] });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })],
  });
}

/** The certificate hash inside a signingCertificateV2 attribute value, if present. */
export function signingCertificateHash(attr: pkijs.Attribute): Buffer | undefined {
  const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const first = certs?.valueBlock.value[0] as asn1js.Sequence | undefined;
  if (!first) return undefined;
  const parts = first.valueBlock.value;
  // hashAlgorithm is optional (DEFAULT sha256): the hash is the first OCTET STRING.
  const hash = parts.find((p) => p instanceof asn1js.OctetString) as asn1js.OctetString | undefined;
  return hash ? Buffer.from(hash.valueBlock.valueHexView) : undefined;
}

export const hasCriticalTimestampingEku = (cert: pkijs.Certificate) => {
  const e = cert.extensions?.find((x) => x.extnID === OID.extKeyUsage);
  const eku = e?.parsedValue as pkijs.ExtKeyUsage | undefined;
  return !!e?.critical && !!eku && eku.keyPurposes.length === 1 && eku.keyPurposes[0] === OID.timeStamping;
};
