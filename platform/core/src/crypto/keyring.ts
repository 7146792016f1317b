import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The active key encrypts; every key decrypts; the index key (oldest unless named) keeps blind indexes stable across rotation. */
export interface Keyring {
  active: MasterKey;
  byId: Map<string, MasterKey>;
  index: MasterKey;
}

const kidRe = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `SHEQU_MASTER_KEY`: either one base64 key of 32 bytes, or `kid:base64,kid:base64,…` with the active
 * (newest) key first. Rotation prepends a new key; old ones stay to decrypt until re-encryption is done.
 */
export function parseKeyring(spec: string, indexKeyId?: string): Keyring {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('SHEQU_MASTER_KEY is empty');
  const keys = parts.map((part, i) => {
    const [id, b64] = part.includes(':') ? part.split(':', 2) : [`k${parts.length - i}`, part];
    if (!kidRe.test(id)) throw new Error(`SHEQU_MASTER_KEY: key id "${id}" must be 1–32 letters, digits, _ or -`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32)
      throw new Error(`SHEQU_MASTER_KEY: key "${id}" must be 32 bytes of base64, got ${key.length}`);
    return { id, key };
  });
  const byId = new Map(keys.map((k) => [k.id, k]));
  if (byId.size !== keys.length) throw new Error('SHEQU_MASTER_KEY: duplicate key ids');
  const index = indexKeyId ? byId.get(indexKeyId) : keys[keys.length - 1];
  if (!index) throw new Error(`SHEQU_INDEX_KEY_ID names unknown key "${indexKeyId}"`);
  return { active: keys[0], byId, index };
}

/** Embedded default: a key generated once into the data dir (mode 0600). Returns the spec and whether it was created. */
export function loadOrCreateLocalKey(path: string): { spec: string; created: boolean } {
  if (existsSync(path)) return { spec: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const spec = `k1:${randomBytes(32).toString('base64')}`;
  writeFileSync(path, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  return { spec, created: true };
}
