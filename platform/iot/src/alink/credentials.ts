import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignMethod = 'hmacsha256' | 'hmacsha1' | 'hmacmd5';
const algorithms: Record<SignMethod, string> = { hmacsha256: 'sha256', hmacsha1: 'sha1', hmacmd5: 'md5' };

/** An Alink MQTT client id: `{id}|securemode=…,signmethod=…,timestamp=…|`. */
export interface AlinkClientId {
  id: string;
  signMethod: SignMethod;
  secureMode?: string;
  timestamp?: string;
  /** Keys the platform does not know are kept, not refused: firmware adds its own (e.g. `_v=sdk-c-4.0`). */
  extra: Record<string, string>;
}

/** Parses an Alink client id; null when it is not one (no `|…|` part or an unknown sign method). */
export function parseClientId(raw: string): AlinkClientId | null {
  const m = /^([^|]*)\|([^|]*)\|\s*$/.exec(raw);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const part of m[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim() === '') continue;
      return null;
    }
    params[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  const { securemode, signmethod, timestamp, ...extra } = params;
  const method = (signmethod ?? '').toLowerCase();
  if (!Object.hasOwn(algorithms, method)) return null;
  if (timestamp !== undefined && !/^\d{1,16}$/.test(timestamp)) return null;
  return {
    id: m[1].trim(),
    signMethod: method as SignMethod,
    secureMode: securemode,
    timestamp: timestamp === '' ? undefined : timestamp,
    extra,
  };
}

/** `{deviceName}&{productKey}`. */
export function parseUsername(raw: string | undefined): { deviceName: string; productKey: string } | null {
  if (!raw) return null;
  const amp = raw.lastIndexOf('&');
  if (amp <= 0 || amp === raw.length - 1) return null;
  return { deviceName: raw.slice(0, amp), productKey: raw.slice(amp + 1) };
}

/** The string an Alink device signs; the timestamp part only when the client id carried one. */
export function signContent(p: { id: string; deviceName: string; productKey: string; timestamp?: string }): string {
  return `clientId${p.id}deviceName${p.deviceName}productKey${p.productKey}${p.timestamp ? `timestamp${p.timestamp}` : ''}`;
}

/** Hex HMAC of the sign content with the device secret. */
export function sign(
  secret: string,
  method: SignMethod,
  p: { id: string; deviceName: string; productKey: string; timestamp?: string },
): string {
  return createHmac(algorithms[method], secret).update(signContent(p)).digest('hex');
}

/** Constant-time comparison of a presented password with the expected signature (case-insensitive hex). */
export function signatureMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented.trim().toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
