import { createHmac } from 'node:crypto';

/** The HMAC algorithms an Alink device may sign with. */
export type SignMethod = 'hmacsha256' | 'hmacsha1' | 'hmacmd5';

const algorithm: Record<SignMethod, string> = { hmacsha256: 'sha256', hmacsha1: 'sha1', hmacmd5: 'md5' };

export interface DeviceIdentity {
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}

export interface MqttCredentials {
  clientId: string;
  username: string;
  password: string;
}

/**
 * MQTT CONNECT credentials for a device, as Alink defines them: client id `{id}|securemode=…,signmethod=…[,timestamp=…]|`,
 * username `{deviceName}&{productKey}`, password the hex HMAC of
 * `clientId{id}deviceName{dn}productKey{pk}[timestamp{ts}]` keyed with the device secret.
 *
 * @param device the device's identity and its own secret (one device, one secret)
 * @param opts `id` defaults to the device name; `timestamp` (ms) is signed only when given; `secureMode` 3 is
 *   plain TCP, 2 is TLS
 */
export function mqttCredentials(
  device: DeviceIdentity,
  opts: { id?: string; signMethod?: SignMethod; timestamp?: number; secureMode?: 2 | 3 } = {},
): MqttCredentials {
  const id = opts.id ?? device.deviceName;
  const method = opts.signMethod ?? 'hmacsha256';
  const ts = opts.timestamp === undefined ? undefined : String(opts.timestamp);
  const content = `clientId${id}deviceName${device.deviceName}productKey${device.productKey}${ts ? `timestamp${ts}` : ''}`;
  return {
    clientId: `${id}|securemode=${opts.secureMode ?? 3},signmethod=${method}${ts ? `,timestamp=${ts}` : ''}|`,
    username: `${device.deviceName}&${device.productKey}`,
    password: createHmac(algorithm[method], device.deviceSecret).update(content).digest('hex'),
  };
}
