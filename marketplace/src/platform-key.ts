import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import type { FieldCrypto } from '@shequ/core';
import { type Executor, marketPlatformKeys } from '@shequ/db';
import { keyFingerprint, publicKeyText } from '@shequ/runtime';
import { asc } from 'drizzle-orm';

/** The platform's review-report signing key. */
export interface PlatformKey {
  keyId: string;
  publicKey: string;
  privateKey: KeyObject;
}

const context = 'market.platform_keys.private_key';

/**
 * Loads the platform key, generating one on first start. It lives in the database (so every API process signs with
 * the same key), its private half encrypted with the field key (SHEQU_MASTER_KEY, or the data dir's master.key) like
 * other secrets. Two processes racing at first start both insert; the oldest key wins for everyone.
 */
export async function loadPlatformKey(db: Executor, crypto: FieldCrypto): Promise<PlatformKey> {
  const read = async () => {
    const [row] = await db.select().from(marketPlatformKeys).orderBy(asc(marketPlatformKeys.createdAt)).limit(1);
    return row;
  };
  let row = await read();
  if (!row) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await db
      .insert(marketPlatformKeys)
      .values({
        keyId: `platform-${keyFingerprint(publicKey)}`,
        publicKey: publicKeyText(publicKey),
        privateKeyEnc: crypto.encrypt(pem, context),
      })
      .onConflictDoNothing();
    row = await read();
  }
  return {
    keyId: row.keyId,
    publicKey: row.publicKey,
    privateKey: createPrivateKey(crypto.decrypt(row.privateKeyEnc, context)),
  };
}

/** Canonical JSON: object keys sorted at every level, so the signed bytes do not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function signBody(key: PlatformKey, body: string): string {
  return sign(null, Buffer.from(body, 'utf8'), key.privateKey).toString('base64');
}

/** Checks a report signature against the platform public key (base64 SPKI DER). */
export function verifyBody(publicKey: string, body: string, signature: string): boolean {
  const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(body, 'utf8'), key, Buffer.from(signature, 'base64'));
}
