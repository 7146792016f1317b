import { createHmac } from 'node:crypto';

/**
 * CoAP over DTLS (coaps): the PSK identity is the MQTT username `{deviceName}&{productKey}`; the PSK is
 * HMAC-SHA256(deviceSecret, identity), 32 bytes, so the secret itself is never the key and each identity gets its own.
 */
export function dtlsPsk(deviceSecret: string, identity: string): Buffer {
  return createHmac('sha256', deviceSecret).update(identity, 'utf8').digest();
}

/** The PSK identity of a device on coaps: its MQTT username. */
export const dtlsIdentity = (productKey: string, deviceName: string) => `${deviceName}&${productKey}`;
