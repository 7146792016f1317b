import { connectAsync, type MqttClient } from 'mqtt';
import { type DeviceIdentity, mqttCredentials, type SignMethod } from './sign.ts';

export interface ConnectOptions {
  /** e.g. `mqtt://127.0.0.1:1884` or `mqtts://iot.example.org:8883`. */
  url: string;
  /** The device's identity; its secret may be left out when it signs in with `certificate`. */
  device: DeviceIdentity | Omit<DeviceIdentity, 'deviceSecret'>;
  /**
   * An X.509 client certificate the platform's device CA issued to this device (PEM), with its private key: over
   * `mqtts://` the device then signs in without a secret (DB33 9.2.1.1).
   */
  certificate?: { cert: string | Buffer; key: string | Buffer };
  signMethod?: SignMethod;
  /** Sign with the current time (recommended when the platform checks clock skew). */
  timestamp?: boolean;
  /** Trusted CA certificate (PEM) for `mqtts://` with a private CA. */
  ca?: string | Buffer;
  keepalive?: number;
  /** A persistent session keeps subscriptions and QoS 1 downlinks while offline. */
  clean?: boolean;
  /** How long to wait for a `_reply` before a post rejects. */
  replyTimeoutMs?: number;
}

/** The `_reply` the platform sends for every post: code 200 on success, 4xx/460/503 with a message otherwise. */
export interface PlatformReply {
  id: string;
  code: number;
  message: string;
  data: unknown;
}

export type ServiceHandler = (params: Record<string, unknown>) => Promise<unknown> | unknown;

/** A connected device: posts properties and events, answers property sets and service calls. */
export interface DeviceClient {
  readonly mqtt: MqttClient;
  /** Posts property values; resolves with the platform's reply (rejects on timeout). */
  postProperties(params: Record<string, unknown>): Promise<PlatformReply>;
  /** Posts an event with its output values. */
  postEvent(identifier: string, value: Record<string, unknown>, time?: number): Promise<PlatformReply>;
  /** Handles `thing/service/property/set`; the handler's return (or a throw) becomes the reply. */
  onPropertySet(handler: ServiceHandler): Promise<void>;
  /** Handles calls of one service; the handler's result is the reply's `data`. */
  onService(identifier: string, handler: ServiceHandler): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects a device to the platform's MQTT gateway with its own secret and subscribes to its reply topics.
 *
 * @example
 * const dev = await connectDevice({ url: 'mqtt://127.0.0.1:1884', device: { productKey, deviceName, deviceSecret } });
 * await dev.postProperties({ smokeDensity: 0.4 });
 */
export async function connectDevice(o: ConnectOptions): Promise<DeviceClient> {
  let creds: { clientId: string; username: string; password?: string };
  if (o.certificate) {
    if (!o.url.startsWith('mqtts:')) throw new Error('a client certificate needs an mqtts:// URL');
    creds = {
      clientId: `${o.device.deviceName}|securemode=2,authtype=x509|`,
      username: `${o.device.deviceName}&${o.device.productKey}`,
    };
  } else {
    if (!('deviceSecret' in o.device)) throw new Error('a device signs in with its deviceSecret or a certificate');
    creds = mqttCredentials(o.device, {
      signMethod: o.signMethod,
      timestamp: o.timestamp ? Date.now() : undefined,
      secureMode: o.url.startsWith('mqtts:') ? 2 : 3,
    });
  }
  const client = await connectAsync(o.url, {
    ...creds,
    cert: o.certificate?.cert,
    key: o.certificate?.key,
    protocolVersion: 4,
    keepalive: o.keepalive ?? 60,
    clean: o.clean ?? true,
    reconnectPeriod: 0,
    ca: o.ca,
  });
  const base = `/sys/${o.device.productKey}/${o.device.deviceName}`;
  const waiting = new Map<string, (r: PlatformReply) => void>();
  const handlers = new Map<string, ServiceHandler>();
  let seq = 0;
  client.on('message', (topic, payload) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (topic.endsWith('_reply')) {
      waiting.get(String(body.id))?.(body as unknown as PlatformReply);
      return;
    }
    const handler = handlers.get(topic);
    if (!handler) return;
    const answer = (code: number, data: unknown, message?: string) =>
      client.publish(`${topic}_reply`, JSON.stringify({ id: body.id, code, data: data ?? {}, message }));
    Promise.resolve()
      .then(() => handler((body.params ?? {}) as Record<string, unknown>))
      .then(
        (data) => answer(200, data),
        (err: Error) => answer(500, {}, err.message),
      );
  });
  await client.subscribeAsync(`${base}/thing/event/+/post_reply`, { qos: 0 });

  const post = (path: string, method: string, params: unknown): Promise<PlatformReply> => {
    const id = String(++seq);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no reply to message ${id} within ${o.replyTimeoutMs ?? 5000} ms`));
      }, o.replyTimeoutMs ?? 5000);
      waiting.set(id, (r) => {
        clearTimeout(t);
        waiting.delete(id);
        resolve(r);
      });
      client.publish(`${base}/${path}`, JSON.stringify({ id, version: '1.0', params, method }), { qos: 1 });
    });
  };

  return {
    mqtt: client,
    postProperties: (params) => post('thing/event/property/post', 'thing.event.property.post', params),
    postEvent: (identifier, value, time) =>
      post(`thing/event/${identifier}/post`, `thing.event.${identifier}.post`, { value, time: time ?? Date.now() }),
    async onPropertySet(handler) {
      handlers.set(`${base}/thing/service/property/set`, handler);
      await client.subscribeAsync(`${base}/thing/service/property/set`, { qos: 1 });
    },
    async onService(identifier, handler) {
      handlers.set(`${base}/thing/service/${identifier}`, handler);
      await client.subscribeAsync(`${base}/thing/service/${identifier}`, { qos: 1 });
    },
    close: () => client.endAsync(),
  };
}
