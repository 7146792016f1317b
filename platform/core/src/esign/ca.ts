import { type CaKind, type Executor, esignCertificates, regions, type Tx, withScope } from '@shequ/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { certFromDer, exportKey, importKey, issueCertificate, type KeyedCert } from './pki.ts';
import { TimeStampAuthority } from './tsa.ts';

/**
 * The platform certificate authority, created at first start: root (20 years) → issuing CA (10 years) → one
 * organisation certificate per community (3 years), and a time-stamp authority certificate under the issuing CA.
 *
 * Signatures are organisation signatures: the community's organisation certificate signs, and the person who signed
 * (name, user id, one-time code check, time) is recorded in the audit trail printed on the certificate-of-completion
 * page inside the signed range. Per-signer certificates would not add evidence here: the platform would hold every
 * signer's private key anyway (residents have no key of their own), so the identity evidence is the code check and
 * the trail either way, and one organisation certificate keeps issuance and revocation to one per community.
 */
export interface PlatformCa {
  root: KeyedCert;
  issuing: KeyedCert;
  tsa: TimeStampAuthority;
  tsaCert: KeyedCert;
}

const ctx = (kind: CaKind) => `esign.key.${kind}`;

/** Stores a certificate and its encrypted key; false when another process stored one of that kind first. */
async function store(
  tx: Tx,
  crypto: FieldCrypto,
  kind: CaKind,
  kc: KeyedCert,
  communityId: string | null,
  subject: string,
) {
  const rows = await tx
    .insert(esignCertificates)
    .values({
      kind,
      communityId,
      subject,
      serial: Buffer.from(kc.cert.serialNumber.valueBlock.valueHexView).toString('hex'),
      certDer: kc.der,
      keyEnvelope: crypto.encrypt((await exportKey(kc.key)).toString('base64'), ctx(kind)),
      notBefore: kc.cert.notBefore.value,
      notAfter: kc.cert.notAfter.value,
    })
    .onConflictDoNothing()
    .returning({ id: esignCertificates.id });
  return rows.length > 0;
}

async function load(crypto: FieldCrypto, row: typeof esignCertificates.$inferSelect): Promise<KeyedCert> {
  const key = await importKey(Buffer.from(crypto.decrypt(row.keyEnvelope, ctx(row.kind)), 'base64'));
  return { cert: certFromDer(row.certDer), der: row.certDer, key };
}

/**
 * Loads the platform CA, creating it on first start. An advisory lock makes two processes starting together create
 * it once. Runs with the platform's own role: the application role cannot see these rows.
 */
export async function platformCa(db: Executor, crypto: FieldCrypto): Promise<PlatformCa> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('esign.platform_ca'))`);
    const rows = await tx.select().from(esignCertificates).where(isNull(esignCertificates.communityId));
    const by = new Map(rows.map((r) => [r.kind, r]));
    let root: KeyedCert;
    let issuing: KeyedCert;
    let tsaCert: KeyedCert;
    const r = by.get('root');
    const i = by.get('issuing');
    const t = by.get('tsa');
    if (r && i && t) {
      [root, issuing, tsaCert] = await Promise.all([load(crypto, r), load(crypto, i), load(crypto, t)]);
    } else {
      if (r || i || t)
        throw new Error('esign: the platform CA is incomplete in esign.certificates; refusing to replace it');
      const org = 'Shequ Platform';
      root = await issueCertificate({ role: 'root', commonName: 'Shequ Root CA', organisation: org, years: 20 });
      issuing = await issueCertificate({
        role: 'issuing',
        commonName: 'Shequ Issuing CA',
        organisation: org,
        years: 10,
        issuer: root,
      });
      tsaCert = await issueCertificate({
        role: 'tsa',
        commonName: 'Shequ Time-Stamp Authority',
        organisation: org,
        years: 10,
        issuer: issuing,
      });
      await store(tx, crypto, 'root', root, null, 'Shequ Root CA');
      await store(tx, crypto, 'issuing', issuing, null, 'Shequ Issuing CA');
      await store(tx, crypto, 'tsa', tsaCert, null, 'Shequ Time-Stamp Authority');
    }
    return { root, issuing, tsaCert, tsa: new TimeStampAuthority(tsaCert, [issuing.cert]) };
  });
}

/** The organisation certificate of a community, issued by the issuing CA the first time the community signs. */
export async function organisationCert(
  tx: Tx,
  crypto: FieldCrypto,
  ca: PlatformCa,
  communityId: string,
): Promise<KeyedCert> {
  const find = () =>
    tx
      .select()
      .from(esignCertificates)
      .where(and(eq(esignCertificates.communityId, communityId), eq(esignCertificates.kind, 'organisation')));
  const [row] = await find();
  if (row && row.notAfter.getTime() > Date.now()) return load(crypto, row);
  if (row) throw new Error(`esign: the organisation certificate of ${communityId} has expired`);
  const [region] = await tx.select({ name: regions.name }).from(regions).where(eq(regions.id, communityId));
  const name = region?.name ?? communityId;
  const kc = await issueCertificate({
    role: 'organisation',
    commonName: name,
    organisation: name,
    years: 3,
    issuer: ca.issuing,
  });
  // Two first signings of a community at once: one certificate wins (unique index), the other signing uses it.
  const stored = await store(tx, crypto, 'organisation', kc, communityId, name);
  if (stored) return kc;
  const [winner] = await find();
  return load(crypto, winner);
}

/** The organisation certificate in the community's scope (what the signing path uses). */
export const organisationCertIn = (db: Executor, crypto: FieldCrypto, ca: PlatformCa, communityId: string) =>
  withScope(db, { kind: 'communities', ids: [communityId] }, (tx) => organisationCert(tx, crypto, ca, communityId));

/**
 * The device CA (DB33 9.2.1.1): a self-signed CA of its own that issues devices' TLS client certificates, kept apart
 * from the signing hierarchy so the MQTT gateway trusts exactly it and nothing the e-signature CA issued. Created on
 * first use; an advisory lock makes two processes create it once.
 */
export async function deviceCa(db: Executor, crypto: FieldCrypto): Promise<KeyedCert> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('iot.device_ca'))`);
    const [row] = await tx
      .select()
      .from(esignCertificates)
      .where(and(eq(esignCertificates.kind, 'device_ca'), isNull(esignCertificates.communityId)));
    if (row) return load(crypto, row);
    const subject = 'Shequ Device CA';
    const kc = await issueCertificate({
      role: 'device_ca',
      commonName: subject,
      organisation: 'Shequ Platform',
      years: 20,
    });
    await store(tx, crypto, 'device_ca', kc, null, subject);
    return kc;
  });
}
