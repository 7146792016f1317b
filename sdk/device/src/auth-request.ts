import { createHmac } from 'node:crypto';
import type { DeviceIdentity, SignMethod } from './sign.ts';

const algorithm: Record<SignMethod, string> = { hmacsha256: 'sha256', hmacsha1: 'sha1', hmacmd5: 'md5' };

/** The body of an HTTP or CoAP `/auth` request. */
export interface AuthRequestBody {
  productKey: string;
  deviceName: string;
  clientId: string;
  timestamp: string;
  sign: string;
  signmethod: SignMethod;
}

/**
 * A signed `/auth` body for the HTTP and CoAP transports, as Alink defines it: `sign` is the hex HMAC of
 * `clientId{clientId}deviceName{dn}productKey{pk}timestamp{ts}` keyed with the device secret — the same content an
 * MQTT password signs.
 *
 * @param device the device's identity and its own secret
 * @param opts `clientId` defaults to the device name; `timestamp` (ms) to now
 */
export function authRequest(
  device: DeviceIdentity,
  opts: { clientId?: string; signMethod?: SignMethod; timestamp?: number } = {},
): AuthRequestBody {
  const clientId = opts.clientId ?? device.deviceName;
  const method = opts.signMethod ?? 'hmacsha256';
  const timestamp = String(opts.timestamp ?? Date.now());
  const content = `clientId${clientId}deviceName${device.deviceName}productKey${device.productKey}timestamp${timestamp}`;
  return {
    productKey: device.productKey,
    deviceName: device.deviceName,
    clientId,
    timestamp,
    signmethod: method,
    sign: createHmac(algorithm[method], device.deviceSecret).update(content).digest('hex'),
  };
}

/** The platform's answer to a refused request (bad signature, expired token, topic not allowed…). */
export class PlatformError extends Error {
  readonly code: number;
  readonly status: number;

  constructor(status: number, code: number, message: string) {
    super(`${message} (code ${code})`);
    this.code = code;
    this.status = status;
  }
}
