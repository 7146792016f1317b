import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { AppError } from '@shequ/core';
import type { PackageFiles, PackageSignature, UnpackedPackage } from './archive.ts';

/**
 * Publisher signatures. The signature covers the SHA-256 of every entry but itself, listed in a canonical text, so
 * it survives re-compression and names the entry that changed when verification fails.
 */

const SIGNATURE = 'signature.json';
const FORMAT = 'shequ-package-signature/1';

const bad = (zh: string, en: string) =>
  new AppError('INVALID_INPUT', { zh: `签名校验失败：${zh}`, en: `Signature check failed: ${en}` });

const bytes = (v: Buffer | Uint8Array | string) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));

/** SHA-256 (hex) of every entry except `signature.json`, by name. */
export function packageDigests(files: PackageFiles): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) {
    if (name === SIGNATURE) continue;
    out[name] = createHash('sha256').update(bytes(files[name])).digest('hex');
  }
  return out;
}

/** The exact bytes that are signed: a header line, then `sha256 <hex> <name>` per entry in name order. */
export function canonicalDigestText(keyId: string, digests: Record<string, string>): Buffer {
  const lines = Object.keys(digests)
    .sort()
    .map((n) => `sha256 ${digests[n]} ${n}\n`);
  return Buffer.from(`${FORMAT}\nkey ${keyId}\n${lines.join('')}`, 'utf8');
}

/** A key as a KeyObject, from a KeyObject, PEM text or base64 SPKI DER (public keys). */
function toPublicKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  if (key.includes('-----BEGIN')) return createPublicKey(key);
  return createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
}

/** The public key as base64 SPKI DER: the form stored in signature.json and in trust lists. */
export function publicKeyText(key: KeyObject | string): string {
  return toPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
}

/** A short fingerprint of a public key (first 16 hex digits of the SHA-256 of its SPKI DER), used as default key id. */
export function keyFingerprint(key: KeyObject | string): string {
  return createHash('sha256')
    .update(Buffer.from(publicKeyText(key), 'base64'))
    .digest('hex')
    .slice(0, 16);
}

/** A new ed25519 publisher key pair as PEM text, with its fingerprint. */
export function generatePublisherKey(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyFingerprint(publicKey),
  };
}

/** Signs a package's files with an ed25519 private key; returns the files with `signature.json` added or replaced. */
export function signPackage(files: PackageFiles, privateKey: KeyObject | string, keyId?: string): PackageFiles {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') throw bad('只支持 ed25519 密钥', 'only ed25519 keys can sign packages');
  const { [SIGNATURE]: _old, ...rest } = files;
  const id = keyId ?? keyFingerprint(key);
  const digests = packageDigests(rest);
  const body: PackageSignature = {
    format: FORMAT,
    algorithm: 'ed25519',
    keyId: id,
    publicKey: publicKeyText(key),
    digests,
    signature: sign(null, canonicalDigestText(id, digests), key).toString('base64'),
  };
  return { ...rest, [SIGNATURE]: `${JSON.stringify(body, null, 2)}\n` };
}

/** Who signed a package. */
export interface SignedBy {
  keyId: string;
  publicKey: string;
  fingerprint: string;
}

/**
 * Checks a package's signature: every entry is covered and unchanged, and the signature is valid for the key in
 * signature.json. With `trusted` (key id → public key), that key must also be the one trusted under its id.
 * Throws INVALID_INPUT naming the entry or the key; returns who signed.
 */
export function verifyPackage(
  pkg: Pick<UnpackedPackage, 'files' | 'signature'>,
  trusted?: Record<string, KeyObject | string>,
): SignedBy {
  const sig = pkg.signature;
  if (!sig) throw bad('安装包没有签名', 'the package is not signed (no signature.json)');
  if (sig.format !== FORMAT || sig.algorithm !== 'ed25519' || typeof sig.digests !== 'object' || !sig.digests)
    throw bad('signature.json 格式不支持', `signature.json is not a ${FORMAT} ed25519 signature`);
  const actual = packageDigests(pkg.files);
  for (const name of Object.keys(actual)) {
    if (!Object.hasOwn(sig.digests, name))
      throw bad(`${name} 未被签名覆盖`, `entry "${name}" was added after signing (not covered by the signature)`);
    if (sig.digests[name] !== actual[name])
      throw bad(`${name} 在签名后被改动`, `entry "${name}" was changed after signing (digest mismatch)`);
  }
  for (const name of Object.keys(sig.digests))
    if (!Object.hasOwn(actual, name)) throw bad(`缺少已签名的 ${name}`, `signed entry "${name}" is missing`);
  let key: KeyObject;
  try {
    key = toPublicKey(sig.publicKey);
  } catch {
    throw bad('签名中的公钥无效', 'the public key in signature.json is not valid');
  }
  if (trusted) {
    const expected = trusted[sig.keyId];
    if (!expected) throw bad(`密钥 ${sig.keyId} 不受信任`, `key "${sig.keyId}" is not a trusted publisher key`);
    if (publicKeyText(expected) !== publicKeyText(key))
      throw bad(`密钥 ${sig.keyId} 与受信任的公钥不符`, `key "${sig.keyId}" does not match the trusted public key`);
  }
  const ok = verify(null, canonicalDigestText(sig.keyId, actual), key, Buffer.from(String(sig.signature), 'base64'));
  if (!ok) throw bad('签名与内容不符', `the signature of key "${sig.keyId}" does not match the package`);
  return { keyId: sig.keyId, publicKey: publicKeyText(key), fingerprint: keyFingerprint(key) };
}
