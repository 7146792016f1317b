import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * The CoAP transport's symmetric-encryption mode (the coap library has no DTLS): after `/auth` the device and the
 * platform share an AES-128-GCM key derived from the device secret and a random the platform sent with the token.
 * The secret itself never travels; the key differs per token.
 */
export function coapSessionKey(deviceSecret: string, random: string): Buffer {
  return createHmac('sha256', deviceSecret).update(`shequ-coap-key${random}`).digest().subarray(0, 16);
}

/** A post's body on CoAP: the token, the request sequence number, and the encrypted Alink payload. */
export interface CoapEnvelope {
  token: string;
  seq: number;
  /** 12-byte GCM nonce, base64. */
  iv: string;
  /** Ciphertext followed by the 16-byte tag, base64. */
  data: string;
}

/** Token, sequence and topic are authenticated with the payload, so none of them can be swapped or replayed elsewhere. */
const aad = (token: string, seq: number, path: string) => Buffer.from(`${token}\n${seq}\n${path}`);

export function sealEnvelope(key: Buffer, token: string, seq: number, path: string, payload: Buffer): CoapEnvelope {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(aad(token, seq, path));
  const data = Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]);
  return { token, seq, iv: iv.toString('base64'), data: data.toString('base64') };
}

/** The plaintext, or null when the envelope was not sealed with this key for this token, sequence and topic. */
export function openEnvelope(key: Buffer, e: CoapEnvelope, path: string): Buffer | null {
  try {
    const iv = Buffer.from(e.iv, 'base64');
    const data = Buffer.from(e.data, 'base64');
    if (iv.length !== 12 || data.length < 16) return null;
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAAD(aad(e.token, e.seq, path));
    d.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]);
  } catch {
    return null;
  }
}

/** Checks an envelope's shape; null when it is not one. */
export function parseEnvelope(raw: Buffer): CoapEnvelope | null {
  let b: unknown;
  try {
    b = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof b !== 'object' || b === null) return null;
  const e = b as Record<string, unknown>;
  if (typeof e.token !== 'string' || typeof e.iv !== 'string' || typeof e.data !== 'string') return null;
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq)) return null;
  return { token: e.token, seq: e.seq, iv: e.iv, data: e.data };
}

// CoAP over DTLS (coaps): the PSK identity and key derivation are the device SDK's, so both sides derive them alike.
export { dtlsIdentity, dtlsPsk } from '@shequ/device-sdk/dtls';
