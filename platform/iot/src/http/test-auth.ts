import { sign } from '../alink/credentials.ts';

export type Dev = { productKey: string; deviceName: string; deviceSecret: string };

/** A signed `/auth` body for the HTTP and CoAP tests (the SDK has its own; the platform's tests do not import it). */
export function authBody(d: Dev, o: { secret?: string; timestamp?: number; clientId?: string } = {}) {
  const timestamp = String(o.timestamp ?? Date.now());
  const clientId = o.clientId ?? `${d.deviceName}-c`;
  return {
    productKey: d.productKey,
    deviceName: d.deviceName,
    clientId,
    timestamp,
    signmethod: 'hmacsha256',
    sign: sign(o.secret ?? d.deviceSecret, 'hmacsha256', {
      id: clientId,
      deviceName: d.deviceName,
      productKey: d.productKey,
      timestamp,
    }),
  };
}
