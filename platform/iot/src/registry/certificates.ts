import { createHash, X509Certificate } from 'node:crypto';
import {
  AppError,
  appendAudit,
  certifyPublicKey,
  deviceCa,
  exportKey,
  issueCertificate,
  type KeyedCert,
  notFound,
  publicKeyOfCsr,
  toPem,
} from '@shequ/core';
import { type DataScope, type Db, deviceCertificates, devices, type Executor, withScope } from '@shequ/db';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { type Actor, auditActor, type IotDeps } from './deps.ts';
import { deviceIn } from './devices-service.ts';
import { deviceLifecycle } from './lifecycle-events.ts';

/** Device certificates live this long unless asked otherwise (two years), at most ten years. */
export const defaultCertificateDays = 730;
const maxCertificateDays = 3650;

/** The device CA of a database, loaded (or created) once per process. */
const cas = new WeakMap<object, Promise<KeyedCert>>();
export function deviceCaOf(d: IotDeps): Promise<KeyedCert> {
  let ca = cas.get(d.db);
  if (!ca) {
    ca = deviceCa(d.db, d.crypto);
    ca.catch(() => cas.delete(d.db));
    cas.set(d.db, ca);
  }
  return ca;
}

/** The device CA certificate in PEM: what the gateway trusts for client certificates and what devices are given. */
export async function deviceCaPem(d: IotDeps): Promise<string> {
  return toPem((await deviceCaOf(d)).der, 'CERTIFICATE');
}

/** SHA-256 of a DER certificate as the table keeps it: lower-case hex, no separators. */
export const certificateFingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

const serialHex = (der: Uint8Array) => new X509Certificate(der).serialNumber.toUpperCase();

export interface IssueCertificateInput {
  /** A PKCS#10 request (PEM) from the device: the private key never leaves it. Without one the platform makes the key. */
  csrPem?: string;
  days?: number;
  /** From now on the device may connect only with a certificate (its secret no longer signs in). */
  requireCertificate?: boolean;
}

/**
 * Issues an X.509 client certificate to a device from the platform's device CA (DB33 9.2.1.1). Answers the
 * certificate, the CA certificate and — when the platform made the key pair — the private key, which is shown this
 * once and never stored.
 */
export async function issueDeviceCertificate(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  input: IssueCertificateInput,
  actor: Actor,
) {
  const days = input.days ?? defaultCertificateDays;
  if (!Number.isInteger(days) || days < 1 || days > maxCertificateDays) {
    throw new AppError('INVALID_INPUT', {
      zh: `证书有效期为 1–${maxCertificateDays} 天`,
      en: `A certificate is valid for 1–${maxCertificateDays} days`,
      fieldErrors: { days: [`1–${maxCertificateDays}`] },
    });
  }
  let spki: Awaited<ReturnType<typeof publicKeyOfCsr>> | undefined;
  if (input.csrPem !== undefined) {
    try {
      spki = await publicKeyOfCsr(input.csrPem);
    } catch (err) {
      throw new AppError('INVALID_INPUT', {
        zh: `证书请求无效：${(err as Error).message}`,
        en: `The certificate signing request is not valid: ${(err as Error).message}`,
        fieldErrors: { csrPem: [(err as Error).message] },
      });
    }
  }
  const ca = await deviceCaOf(d);
  const subject = {
    role: 'device' as const,
    commonName: `${deviceName}&${productKey}`,
    organisation: 'Shequ Devices',
    years: 0,
    days,
    issuer: ca,
  };
  const issued = spki
    ? { ...(await certifyPublicKey(subject, spki)), key: undefined }
    : await issueCertificate(subject);
  const fingerprint = certificateFingerprint(issued.der);
  const serial = serialHex(issued.der);
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    await tx.insert(deviceCertificates).values({
      communityId: row.communityId,
      deviceId: row.id,
      serial,
      fingerprint,
      subject: subject.commonName,
      certDer: issued.der,
      keySource: spki ? 'csr' : 'platform',
      notBefore: issued.cert.notBefore.value,
      notAfter: issued.cert.notAfter.value,
      createdBy: actor.subject,
    });
    if (input.requireCertificate !== undefined && input.requireCertificate !== row.requireCertificate) {
      await tx
        .update(devices)
        .set({ requireCertificate: input.requireCertificate, updatedAt: new Date() })
        .where(eq(devices.id, row.id));
    }
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.certificate.issue',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: {
        productKey,
        deviceName,
        serial,
        fingerprint,
        keySource: spki ? 'csr' : 'platform',
        notAfter: issued.cert.notAfter.value.toISOString(),
        requireCertificate: input.requireCertificate ?? row.requireCertificate,
      },
    });
    await deviceLifecycle(tx, row, 'certificate');
    return {
      productKey,
      deviceName,
      serial,
      fingerprint,
      notAfter: issued.cert.notAfter.value,
      certificatePem: toPem(issued.der, 'CERTIFICATE'),
      privateKeyPem: issued.key ? toPem(await exportKey(issued.key), 'PRIVATE KEY') : undefined,
      caPem: toPem(ca.der, 'CERTIFICATE'),
      requireCertificate: input.requireCertificate ?? row.requireCertificate,
    };
  });
}

const publicCertificate = (r: typeof deviceCertificates.$inferSelect) => ({
  serial: r.serial,
  fingerprint: r.fingerprint,
  subject: r.subject,
  keySource: r.keySource,
  notBefore: r.notBefore,
  notAfter: r.notAfter,
  revokedAt: r.revokedAt,
  revokedBy: r.revokedBy,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  status: r.revokedAt ? ('revoked' as const) : r.notAfter <= new Date() ? ('expired' as const) : ('valid' as const),
});

/** A device's certificates, newest first, with whether it may connect without one. */
export async function listDeviceCertificates(d: IotDeps, scope: DataScope, productKey: string, deviceName: string) {
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    const rows = await tx
      .select()
      .from(deviceCertificates)
      .where(eq(deviceCertificates.deviceId, row.id))
      .orderBy(desc(deviceCertificates.createdAt));
    return { requireCertificate: row.requireCertificate, certificates: rows.map(publicCertificate) };
  });
}

/** Revokes one certificate of a device by its serial; a live session that used it ends at once. */
export async function revokeDeviceCertificate(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  serial: string,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    const [cert] = await tx
      .select()
      .from(deviceCertificates)
      .where(and(eq(deviceCertificates.deviceId, row.id), eq(deviceCertificates.serial, serial.toUpperCase())));
    if (!cert) throw notFound(`Certificate ${serial} of ${productKey}/${deviceName}`, `证书 ${serial} `);
    if (cert.revokedAt) {
      throw new AppError('CONFLICT', {
        zh: `证书 ${cert.serial} 已于 ${cert.revokedAt.toISOString()} 吊销`,
        en: `Certificate ${cert.serial} was revoked at ${cert.revokedAt.toISOString()}`,
      });
    }
    const [revoked] = await tx
      .update(deviceCertificates)
      .set({ revokedAt: new Date(), revokedBy: actor.subject })
      .where(eq(deviceCertificates.id, cert.id))
      .returning();
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.certificate.revoke',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName, serial: cert.serial, fingerprint: cert.fingerprint },
    });
    await deviceLifecycle(tx, row, 'certificate');
    return publicCertificate(revoked);
  });
}

/** Switches certificate-only access of a device; switching it on needs a valid certificate first. */
export async function setRequireCertificate(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  require: boolean,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const row = await deviceIn(tx, productKey, deviceName);
    if (require) {
      const valid = await validFingerprints(tx, row.id);
      if (valid.length === 0) {
        throw new AppError('CONFLICT', {
          zh: '该设备还没有有效证书：先签发证书，再设为仅证书接入',
          en: 'The device has no valid certificate: issue one before requiring certificates',
        });
      }
    }
    await tx.update(devices).set({ requireCertificate: require, updatedAt: new Date() }).where(eq(devices.id, row.id));
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.certificate.require',
      objectType: 'iot.device',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, deviceName, requireCertificate: require },
    });
    await deviceLifecycle(tx, row, 'certificate');
    return { productKey, deviceName, requireCertificate: require };
  });
}

/** Fingerprints of a device's certificates that are neither revoked nor expired. */
export async function validFingerprints(ex: Executor, deviceId: string): Promise<string[]> {
  const rows = await ex
    .select({ f: deviceCertificates.fingerprint })
    .from(deviceCertificates)
    .where(
      and(
        eq(deviceCertificates.deviceId, deviceId),
        isNull(deviceCertificates.revokedAt),
        gt(deviceCertificates.notAfter, new Date()),
      ),
    );
  return rows.map((r) => r.f);
}

/** The certificate a TLS client presented, looked up platform-wide by fingerprint (what the gateway asks). */
export async function findCertificate(db: Db, fingerprint: string) {
  const [row] = await db
    .select({
      deviceId: deviceCertificates.deviceId,
      serial: deviceCertificates.serial,
      notBefore: deviceCertificates.notBefore,
      notAfter: deviceCertificates.notAfter,
      revokedAt: deviceCertificates.revokedAt,
      productKey: devices.productKey,
      deviceName: devices.deviceName,
    })
    .from(deviceCertificates)
    .innerJoin(devices, eq(devices.id, deviceCertificates.deviceId))
    .where(eq(deviceCertificates.fingerprint, fingerprint));
  return row;
}
