import { createHmac } from 'node:crypto';
import type { FieldCrypto } from '@shequ/core';
import { type Db, products } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { type AlinkClientId, signatureMatches } from '../alink/credentials.ts';
import { createDevices } from '../registry/devices-service.ts';

const algorithms = { hmacsha256: 'sha256', hmacsha1: 'sha1', hmacmd5: 'md5' } as const;

/** A connection that only registers a device: the gateway sends the new secret on `/ext/register` and closes it. */
export interface RegisterSession {
  kind: 'register';
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}

export type RegisterResult = { ok: true; session: RegisterSession } | { ok: false; code: 4 | 5; reason: string };

/**
 * Alink dynamic registration (一型一密 with an allow-list): client id `…|authType=register,random=R,signmethod=…|`,
 * username `dn&pk`, password the HMAC with the product secret over `deviceName{dn}productKey{pk}random{R}`.
 * Only names on the product's allow-list register, each once; the device and its own secret are created here.
 */
export async function registerDynamically(
  db: Db,
  crypto: FieldCrypto,
  alink: AlinkClientId,
  user: { deviceName: string; productKey: string },
  password: string,
): Promise<RegisterResult> {
  const random = alink.extra.random;
  if (!random) return { ok: false, code: 4, reason: 'registration without random' };
  const [p] = await db.select().from(products).where(eq(products.productKey, user.productKey));
  if (!p?.dynamicRegister || !p.productSecretCipher) return { ok: false, code: 4, reason: 'no dynamic registration' };
  const secret = crypto.decrypt(p.productSecretCipher, `iot.product_secret.${p.productKey}`);
  const expected = createHmac(algorithms[alink.signMethod], secret)
    .update(`deviceName${user.deviceName}productKey${user.productKey}random${random}`)
    .digest('hex');
  if (!signatureMatches(password, expected)) return { ok: false, code: 4, reason: 'bad product signature' };
  if (!p.registerAllowList.includes(user.deviceName)) return { ok: false, code: 5, reason: 'not on the allow-list' };
  try {
    const [made] = await createDevices(
      { db, crypto },
      { kind: 'all' },
      user.productKey,
      [{ deviceName: user.deviceName }],
      { subject: `device:${user.productKey}/${user.deviceName}`, role: 'dynamic-registration' },
    );
    return { ok: true, session: { kind: 'register', ...user, deviceSecret: made.deviceSecret } };
  } catch {
    // Registered before: its secret was issued once and is not issued again.
    return { ok: false, code: 5, reason: 'already registered' };
  }
}
