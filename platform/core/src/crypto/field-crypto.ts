import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import type { Keyring, MasterKey } from './keyring.ts';

export type FieldCipher = 'aes-256-gcm' | 'sm4';

const derive = (key: MasterKey, info: string, length: number) =>
  Buffer.from(hkdfSync('sha256', key.key, Buffer.from(`shequ:${key.id}`), info, length));

/**
 * Encrypts graded (L3+) fields. Envelopes are `e1.<keyId>.<alg>.<base64url>` so any key in the ring decrypts
 * and rotation is a re-encrypt. `context` (e.g. `users.phone`) is bound in, so a value cannot be moved to
 * another field. SM4 has no AEAD in Node's OpenSSL, so it is SM4-CBC with an HMAC-SM3 tag (encrypt-then-MAC).
 */
export class FieldCrypto {
  readonly #ring: Keyring;
  readonly #cipher: FieldCipher;
  readonly #keys = new Map<string, KeyObject>();

  constructor(ring: Keyring, cipher: FieldCipher = 'aes-256-gcm') {
    this.#ring = ring;
    this.#cipher = cipher;
  }

  get activeKeyId(): string {
    return this.#ring.active.id;
  }

  // IVs come from a refilled pool: one randomFillSync per 4 KiB instead of one per field.
  #pool = Buffer.alloc(0);
  #poolAt = 0;
  #random(n: number): Buffer {
    if (this.#poolAt + n > this.#pool.length) {
      this.#pool = randomFillSync(Buffer.allocUnsafe(4096));
      this.#poolAt = 0;
    }
    const out = Buffer.from(this.#pool.subarray(this.#poolAt, this.#poolAt + n));
    this.#poolAt += n;
    return out;
  }

  /** Derived keys are held as KeyObjects: handing OpenSSL a raw Buffer re-imports the key on every call. */
  #key(kid: string, purpose: string, length: number): KeyObject {
    const cacheKey = `${kid}/${purpose}`;
    let k = this.#keys.get(cacheKey);
    if (!k) {
      const master = this.#ring.byId.get(kid);
      if (!master) throw new Error(`field key "${kid}" is not in SHEQU_MASTER_KEY; cannot decrypt`);
      k = createSecretKey(derive(master, purpose, length));
      this.#keys.set(cacheKey, k);
    }
    return k;
  }

  encrypt(plain: string, context: string): string {
    const kid = this.#ring.active.id;
    const data = Buffer.from(plain, 'utf8');
    if (this.#cipher === 'aes-256-gcm') {
      const iv = this.#random(12);
      const c = createCipheriv('aes-256-gcm', this.#key(kid, 'field-aes', 32), iv);
      c.setAAD(Buffer.from(context));
      const body = Buffer.concat([iv, c.update(data), c.final(), c.getAuthTag()]);
      return `e1.${kid}.g.${body.toString('base64url')}`;
    }
    const iv = this.#random(16);
    const c = createCipheriv('sm4-cbc', this.#key(kid, 'field-sm4', 16), iv);
    const ct = Buffer.concat([iv, c.update(data), c.final()]);
    const tag = this.#sm3Tag(kid, context, ct);
    return `e1.${kid}.s.${Buffer.concat([ct, tag]).toString('base64url')}`;
  }

  decrypt(envelope: string, context: string): string {
    const [v, kid, alg, b64] = envelope.split('.');
    if (v !== 'e1' || !kid || !b64) throw new Error('not a field envelope');
    const body = Buffer.from(b64, 'base64url');
    if (alg === 'g') {
      const d = createDecipheriv('aes-256-gcm', this.#key(kid, 'field-aes', 32), body.subarray(0, 12));
      d.setAAD(Buffer.from(context));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).toString('utf8');
    }
    if (alg === 's') {
      const ct = body.subarray(0, body.length - 32);
      const tag = body.subarray(body.length - 32);
      if (!timingSafeEqual(tag, this.#sm3Tag(kid, context, ct)))
        throw new Error('field envelope failed its integrity check');
      const d = createDecipheriv('sm4-cbc', this.#key(kid, 'field-sm4', 16), ct.subarray(0, 16));
      return Buffer.concat([d.update(ct.subarray(16)), d.final()]).toString('utf8');
    }
    throw new Error(`unknown field cipher "${alg}"`);
  }

  #sm3Tag(kid: string, context: string, ct: Buffer): Buffer {
    return createHmac('sm3', this.#key(kid, 'field-sm3-mac', 32))
      .update(context)
      .update('\0')
      .update(ct)
      .digest();
  }

  /** True when the envelope was written with an older key and should be re-encrypted. */
  needsRotation(envelope: string): boolean {
    return envelope.split('.')[1] !== this.#ring.active.id;
  }

  /** Deterministic HMAC for exact lookup of an encrypted field; `field` separates domains (a phone never matches an ID number). */
  blindIndex(field: string, normalised: string): string {
    const key = this.#key(this.#ring.index.id, 'blind-index', 32);
    return createHmac('sha256', key).update(field).update('\0').update(normalised).digest('base64url');
  }
}
