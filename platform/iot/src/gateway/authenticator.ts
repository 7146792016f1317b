import { createHash } from 'node:crypto';
import type { FieldCrypto } from '@shequ/core';
import { verifyPassword } from '@shequ/core';
import { type Db, mqttAccounts } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { parseClientId, parseUsername, type SignMethod, sign, signatureMatches } from '../alink/credentials.ts';
import { findCertificate } from '../registry/certificates.ts';
import { type DeviceIdentity, findIdentity } from '../registry/devices-repo.ts';
import { secretContext } from '../registry/devices-service.ts';
import { type RegisterSession, registerDynamically } from './registration.ts';

export interface AccountSession {
  kind: 'app';
  id: string;
  username: string;
  communityId: string;
  topics: string[];
  productKeys: string[];
}

export interface DeviceSession {
  kind: 'device';
  identity: DeviceIdentity;
  signMethod: SignMethod;
  /** Fingerprint of the client certificate the device signed in with; absent for a secret-signed session. */
  certificate?: string;
}

export type Session = AccountSession | DeviceSession | RegisterSession;

/** CONNACK return codes of MQTT 3.1.1 that the gateway answers with. */
export const connack = { IDENTIFIER_REJECTED: 2, UNAVAILABLE: 3, BAD_CREDENTIALS: 4, NOT_AUTHORIZED: 5 } as const;

export type AuthResult =
  | { ok: true; session: Session }
  | { ok: false; code: number; reason: string; subject: string; cached?: boolean };

const digest = (parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

/**
 * Decides who a CONNECT is: an Alink device (client id with `|…|`, username `dn&pk`, HMAC password) or an
 * application account (username and password). Failures are remembered for a while (negative cache).
 */
export class Authenticator {
  readonly #db: Db;
  readonly #crypto: FieldCrypto;
  readonly #maxSkewMs: number | null;
  readonly #failed: { has(k: string): boolean; add(k: string): void };

  constructor(
    db: Db,
    crypto: FieldCrypto,
    failed: { has(k: string): boolean; add(k: string): void },
    opts: { maxTimestampSkewMs?: number | null } = {},
  ) {
    this.#db = db;
    this.#crypto = crypto;
    this.#failed = failed;
    this.#maxSkewMs = opts.maxTimestampSkewMs ?? null;
  }

  /**
   * `certificate` is the SHA-256 fingerprint (hex) of a client certificate the TLS listener verified against the
   * device CA; such a connection is the certificate's device, whatever password it sends.
   */
  async authenticate(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    certificate?: string,
  ): Promise<AuthResult> {
    const pw = password?.toString('utf8') ?? '';
    const key = digest([clientId, username ?? '', pw, certificate ?? '']);
    const subject = username ?? clientId;
    if (this.#failed.has(key))
      return { ok: false, code: connack.BAD_CREDENTIALS, reason: 'recently failed', subject, cached: true };
    const r = certificate
      ? await this.#byCertificate(certificate, username)
      : await this.#decide(clientId, username, pw);
    if (!r.ok && r.code === connack.BAD_CREDENTIALS) this.#failed.add(key);
    return r;
  }

  async #decide(clientId: string, username: string | undefined, pw: string): Promise<AuthResult> {
    const alink = parseClientId(clientId);
    const user = parseUsername(username);
    if (alink && user && alink.extra.authtype === 'register') {
      const r = await registerDynamically(this.#db, this.#crypto, alink, user, pw);
      return r.ok ? r : { ...r, subject: `device:${user.productKey}/${user.deviceName}` };
    }
    if (alink && user) return this.#device(alink, user, pw);
    if (!username) return { ok: false, code: connack.BAD_CREDENTIALS, reason: 'no username', subject: clientId };
    return this.#account(username, pw);
  }

  async #device(
    alink: NonNullable<ReturnType<typeof parseClientId>>,
    user: { deviceName: string; productKey: string },
    pw: string,
  ): Promise<AuthResult> {
    const subject = `device:${user.productKey}/${user.deviceName}`;
    const bad = (reason: string): AuthResult => ({ ok: false, code: connack.BAD_CREDENTIALS, reason, subject });
    if (this.#maxSkewMs !== null && alink.timestamp) {
      if (Math.abs(Number(alink.timestamp) - Date.now()) > this.#maxSkewMs) return bad('timestamp skewed');
    }
    const identity = await findIdentity(this.#db, user.productKey, user.deviceName);
    if (!identity) return bad('unknown device');
    const ctx = secretContext(identity.productKey, identity.deviceName);
    const p = { id: alink.id, deviceName: user.deviceName, productKey: user.productKey, timestamp: alink.timestamp };
    const secrets = [this.#crypto.decrypt(identity.secretCipher, ctx)];
    // During a rotation window the previous secret still signs.
    if (identity.previousSecretCipher && identity.previousSecretUntil && identity.previousSecretUntil > new Date())
      secrets.push(this.#crypto.decrypt(identity.previousSecretCipher, ctx));
    if (!secrets.some((s) => signatureMatches(pw, sign(s, alink.signMethod, p)))) return bad('bad signature');
    if (!identity.enabled) return { ok: false, code: connack.NOT_AUTHORIZED, reason: 'device disabled', subject };
    if (identity.requireCertificate)
      return { ok: false, code: connack.NOT_AUTHORIZED, reason: 'certificate required', subject };
    return { ok: true, session: { kind: 'device', identity, signMethod: alink.signMethod } };
  }

  /**
   * X.509 sign-in (DB33 9.2.1.1): the certificate must be one the platform issued to a device and still on record,
   * not revoked and within its validity; a username, when sent, must name that same device.
   */
  async #byCertificate(fingerprint: string, username: string | undefined): Promise<AuthResult> {
    const cert = await findCertificate(this.#db, fingerprint);
    const subject = cert ? `device:${cert.productKey}/${cert.deviceName}` : `certificate:${fingerprint.slice(0, 16)}`;
    const bad = (reason: string): AuthResult => ({ ok: false, code: connack.BAD_CREDENTIALS, reason, subject });
    if (!cert) return bad('unknown certificate');
    if (cert.revokedAt) return bad('certificate revoked');
    const now = Date.now();
    if (cert.notAfter.getTime() <= now || cert.notBefore.getTime() > now) return bad('certificate not valid now');
    const user = username ? parseUsername(username) : undefined;
    if (username && (!user || user.productKey !== cert.productKey || user.deviceName !== cert.deviceName))
      return bad('username does not match the certificate');
    const identity = await findIdentity(this.#db, cert.productKey, cert.deviceName);
    if (!identity) return bad('unknown device');
    if (!identity.enabled) return { ok: false, code: connack.NOT_AUTHORIZED, reason: 'device disabled', subject };
    return { ok: true, session: { kind: 'device', identity, signMethod: 'hmacsha256', certificate: fingerprint } };
  }

  async #account(username: string, pw: string): Promise<AuthResult> {
    const subject = `mqtt-account:${username}`;
    const [a] = await this.#db.select().from(mqttAccounts).where(eq(mqttAccounts.username, username));
    if (!a || !(await verifyPassword(pw, a.passwordHash)))
      return { ok: false, code: connack.BAD_CREDENTIALS, reason: 'bad username or password', subject };
    if (!a.enabled) return { ok: false, code: connack.NOT_AUTHORIZED, reason: 'account disabled', subject };
    return {
      ok: true,
      session: {
        kind: 'app',
        id: a.id,
        username: a.username,
        communityId: a.communityId,
        topics: a.topics,
        productKeys: a.productKeys,
      },
    };
  }
}
