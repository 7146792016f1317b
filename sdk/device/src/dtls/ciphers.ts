import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The two AEAD PSK suites (RFC 6655 and RFC 5487), both AES-128 with a 4-byte implicit salt and an 8-byte explicit
 * nonce per record; CCM_8 is CoAP's mandatory suite (RFC 7252 §9.1.3.1), with an 8-byte tag.
 */
export interface CipherSuite {
  id: number;
  name: string;
  algorithm: 'aes-128-ccm' | 'aes-128-gcm';
  tagLength: number;
}

export const suites: CipherSuite[] = [
  { id: 0xc0a8, name: 'TLS_PSK_WITH_AES_128_CCM_8', algorithm: 'aes-128-ccm', tagLength: 8 },
  { id: 0x00a8, name: 'TLS_PSK_WITH_AES_128_GCM_SHA256', algorithm: 'aes-128-gcm', tagLength: 16 },
];

export const suiteById = (id: number) => suites.find((s) => s.id === id);

/** TLS 1.2 PRF with SHA-256 (RFC 5246 §5): P_SHA256(secret, label + seed) cut to `length` bytes. */
export function prf(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const s = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let a = s;
  let n = 0;
  while (n < length) {
    a = createHmac('sha256', secret).update(a).digest();
    const p = createHmac('sha256', secret).update(a).update(s).digest();
    out.push(p);
    n += p.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 4279 §2: the premaster secret of plain PSK: N zero bytes, then the PSK, each with a 2-byte length. */
export function pskPremaster(psk: Buffer): Buffer {
  const b = Buffer.alloc(4 + psk.length * 2);
  b.writeUInt16BE(psk.length, 0);
  b.writeUInt16BE(psk.length, 2 + psk.length);
  psk.copy(b, 4 + psk.length);
  return b;
}

/**
 * The master secret: RFC 7627's extended form (bound to the hash of the handshake up to the ClientKeyExchange)
 * when both sides offered it, else RFC 5246's over the two randoms.
 */
export function masterSecret(
  premaster: Buffer,
  o: { extended: true; sessionHash: Buffer } | { extended: false; clientRandom: Buffer; serverRandom: Buffer },
): Buffer {
  return o.extended
    ? prf(premaster, 'extended master secret', o.sessionHash, 48)
    : prf(premaster, 'master secret', Buffer.concat([o.clientRandom, o.serverRandom]), 48);
}

/** The traffic keys of one direction. */
export interface DirectionKeys {
  key: Buffer;
  salt: Buffer;
}

/** RFC 5246 §6.3 for AEAD suites: no MAC keys, 16-byte keys, 4-byte implicit IVs. */
export function keyBlock(master: Buffer, clientRandom: Buffer, serverRandom: Buffer) {
  const kb = prf(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 40);
  return {
    client: { key: kb.subarray(0, 16), salt: kb.subarray(32, 36) } as DirectionKeys,
    server: { key: kb.subarray(16, 32), salt: kb.subarray(36, 40) } as DirectionKeys,
  };
}

/**
 * Everything a PSK handshake derives: the master secret and each direction's suite and keys. `sessionHash` (the
 * transcript through the ClientKeyExchange) is used only with the extended master secret.
 */
export function pskSessionKeys(o: {
  psk: Buffer;
  suite: CipherSuite;
  extended: boolean;
  sessionHash: Buffer;
  clientRandom: Buffer;
  serverRandom: Buffer;
}) {
  const pms = pskPremaster(o.psk);
  const master = o.extended
    ? masterSecret(pms, { extended: true, sessionHash: o.sessionHash })
    : masterSecret(pms, { extended: false, clientRandom: o.clientRandom, serverRandom: o.serverRandom });
  const kb = keyBlock(master, o.clientRandom, o.serverRandom);
  return { master, client: { suite: o.suite, keys: kb.client }, server: { suite: o.suite, keys: kb.server } };
}

/** Finished's verify_data (RFC 5246 §7.4.9) over the SHA-256 of the transcript. */
export function verifyData(master: Buffer, who: 'client' | 'server', transcript: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const m of transcript) h.update(m);
  return prf(master, `${who} finished`, h.digest(), 12);
}

export const sha256 = (parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * Seals a record's fragment: the 8-byte explicit nonce (we use epoch and sequence number, unique per key), then the
 * ciphertext and tag. `aad` is seq_num(8) + type + version + plaintext length (RFC 5246 §6.2.3.3).
 */
export function seal(s: CipherSuite, k: DirectionKeys, explicit: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const nonce = Buffer.concat([k.salt, explicit]);
  const c =
    s.algorithm === 'aes-128-ccm'
      ? createCipheriv('aes-128-ccm', k.key, nonce, { authTagLength: s.tagLength })
      : createCipheriv('aes-128-gcm', k.key, nonce);
  if (s.algorithm === 'aes-128-ccm') c.setAAD(aad, { plaintextLength: plain.length });
  else c.setAAD(aad);
  return Buffer.concat([explicit, c.update(plain), c.final(), c.getAuthTag()]);
}

/** Opens a sealed fragment; null when it does not authenticate (DTLS drops such records). */
export function open(
  s: CipherSuite,
  k: DirectionKeys,
  fragment: Buffer,
  aadFor: (len: number) => Buffer,
): Buffer | null {
  if (fragment.length < 8 + s.tagLength) return null;
  const nonce = Buffer.concat([k.salt, fragment.subarray(0, 8)]);
  const body = fragment.subarray(8, fragment.length - s.tagLength);
  const tag = fragment.subarray(fragment.length - s.tagLength);
  try {
    const d =
      s.algorithm === 'aes-128-ccm'
        ? createDecipheriv('aes-128-ccm', k.key, nonce, { authTagLength: s.tagLength })
        : createDecipheriv('aes-128-gcm', k.key, nonce);
    d.setAuthTag(tag);
    if (s.algorithm === 'aes-128-ccm') d.setAAD(aadFor(body.length), { plaintextLength: body.length });
    else d.setAAD(aadFor(body.length));
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return null;
  }
}
