import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The signing headers of the open API (`/open/v1`). */
export const openApiHeaders = {
  key: 'x-shequ-key',
  timestamp: 'x-shequ-timestamp',
  nonce: 'x-shequ-nonce',
  signature: 'x-shequ-signature',
} as const;

/** Requests are accepted within this many milliseconds of the server's clock, either way. */
export const openApiSkewMs = 5 * 60_000;
export const nonceRe = /^[A-Za-z0-9_-]{16,64}$/;

const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The canonical query: every `name=value` pair decoded, then percent-encoded (RFC 3986), sorted by name then value,
 * joined with `&`. An empty query is the empty string.
 */
export function canonicalQuery(search: string): string {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  return [...params]
    .map(([k, v]) => [enc(k), enc(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export const sha256Hex = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

/** METHOD \n path \n canonical query \n timestamp \n nonce \n hex SHA-256 of the body. */
export function stringToSign(
  method: string,
  path: string,
  query: string,
  timestamp: string,
  nonce: string,
  body: Uint8Array | string,
) {
  return [method.toUpperCase(), path, canonicalQuery(query), timestamp, nonce, sha256Hex(body)].join('\n');
}

export const openApiSignature = (secret: string, text: string) =>
  createHmac('sha256', secret).update(text).digest('hex');

/** Constant-time comparison of a given hex signature with the expected one. */
export function signatureMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignInput {
  keyId: string;
  secret: string;
  method: string;
  /** Path with optional query, e.g. `/open/v1/houses?building=7`. */
  url: string;
  body?: string | Uint8Array;
  /** Milliseconds since the epoch; now by default. */
  timestamp?: number;
  nonce?: string;
}

/**
 * The headers a business system sends with an open-API request (see README "Open API"): the key id, the time in
 * milliseconds, a fresh nonce and the hex HMAC-SHA256 of the string to sign under the client secret.
 */
export function signOpenApiRequest(input: SignInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? Date.now());
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  const q = input.url.indexOf('?');
  const path = q < 0 ? input.url : input.url.slice(0, q);
  const query = q < 0 ? '' : input.url.slice(q + 1);
  const text = stringToSign(input.method, path, query, timestamp, nonce, input.body ?? '');
  return {
    'X-Shequ-Key': input.keyId,
    'X-Shequ-Timestamp': timestamp,
    'X-Shequ-Nonce': nonce,
    'X-Shequ-Signature': openApiSignature(input.secret, text),
  };
}
