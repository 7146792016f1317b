import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Agent, request } from 'coap';
import { authRequest, PlatformError } from './auth-request.ts';
import type { PlatformReply } from './device-client.ts';
import type { DeviceIdentity, SignMethod } from './sign.ts';

export interface CoapDeviceOptions {
  /** The platform's CoAP listener (UDP), e.g. host `127.0.0.1`, port 5683. */
  host: string;
  port: number;
  device: DeviceIdentity;
  signMethod?: SignMethod;
  timeoutMs?: number;
}

/** An answer on CoAP: the response code (`2.05`, `4.01`…) and the JSON body. */
export interface CoapAnswer {
  code: string;
  body: Record<string, unknown>;
}

/** A device talking CoAP with the platform's symmetric-encryption mode. */
export interface CoapDevice {
  /** Authenticates (again): a new token, session key and sequence offset. */
  authenticate(): Promise<string>;
  /** Posts property values; resolves with the platform's reply (code 200, 400, 413, 460 or 503). */
  postProperties(params: Record<string, unknown>): Promise<PlatformReply>;
  /** Posts an event with its output values. */
  postEvent(identifier: string, value: Record<string, unknown>, time?: number): Promise<PlatformReply>;
  /** Seals and posts a raw payload to a topic; `seq` overrides the next sequence number (tests of replay). */
  postRaw(topic: string, payload: string | Buffer, seq?: number): Promise<CoapAnswer>;
  /** Sends bytes as they are, unsealed (tests of what the platform refuses). */
  sendUnsealed(path: string, payload: string | Buffer): Promise<CoapAnswer>;
  /** The last sequence number used (undefined before the first `/auth`). */
  readonly seq: number | undefined;
  close(): Promise<void>;
}

/** The session key: HMAC-SHA256(deviceSecret, "shequ-coap-key" + random), first 16 bytes (AES-128-GCM). */
export function coapSessionKey(deviceSecret: string, random: string): Buffer {
  return createHmac('sha256', deviceSecret).update(`shequ-coap-key${random}`).digest().subarray(0, 16);
}

/**
 * Seals a payload for `POST /topic{path}`: AES-128-GCM with a random 12-byte nonce; the token, sequence number and
 * topic are authenticated with it. Returns the JSON envelope `{token, seq, iv, data}` (base64 fields).
 */
export function sealCoapPayload(key: Buffer, token: string, seq: number, path: string, payload: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(Buffer.from(`${token}\n${seq}\n${path}`));
  const data = Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]);
  return JSON.stringify({ token, seq, iv: iv.toString('base64'), data: data.toString('base64') });
}

const TOKEN_CODES = new Set([20001, 20002, 20003]);

/**
 * A device client for the platform's CoAP listener. `/auth` answers a token, a random and a sequence offset; posts
 * are sealed with the key derived from the device secret and that random, and numbered from the offset up (each
 * number is accepted once). The UDP socket is the client's own (coap's shared agent breaks after an idle close).
 *
 * @example
 * const dev = coapDevice({ host: '127.0.0.1', port: 5683, device: { productKey, deviceName, deviceSecret } });
 * await dev.postProperties({ smokeDensity: 0.2 });
 * await dev.close();
 */
export function coapDevice(o: CoapDeviceOptions): CoapDevice {
  const socket = createSocket('udp4');
  const agent = new Agent({ socket });
  const sys = `/sys/${o.device.productKey}/${o.device.deviceName}`;
  let session: { token: string; key: Buffer; seq: number } | undefined;
  let id = 0;

  const send = (pathname: string, payload: string | Buffer): Promise<CoapAnswer> =>
    new Promise((resolve, reject) => {
      const req = request({ hostname: o.host, port: o.port, pathname, method: 'POST', confirmable: true, agent });
      const t = setTimeout(
        () => reject(new Error(`no CoAP answer from ${o.host}:${o.port} in time`)),
        o.timeoutMs ?? 10_000,
      );
      req.on('response', (res) => {
        clearTimeout(t);
        try {
          resolve({ code: res.code, body: JSON.parse(res.payload.toString('utf8')) });
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', (err: Error) => {
        clearTimeout(t);
        reject(err);
      });
      req.end(payload);
    });

  const authenticate = async () => {
    const r = await send('/auth', JSON.stringify(authRequest(o.device, { signMethod: o.signMethod })));
    const info = r.body.info as { token?: string; random?: string; seqOffset?: number } | undefined;
    if (r.code !== '2.05' || !info?.token || !info.random || info.seqOffset === undefined)
      throw new PlatformError(0, Number(r.body.code), String(r.body.message ?? 'auth failed'));
    session = { token: info.token, key: coapSessionKey(o.device.deviceSecret, info.random), seq: info.seqOffset };
    return info.token;
  };

  const postRaw = async (topic: string, payload: string | Buffer, seq?: number) => {
    if (!session) await authenticate();
    const once = () => {
      const s = session!;
      const n = seq ?? ++s.seq;
      return send(`/topic${topic}`, sealCoapPayload(s.key, s.token, n, topic, Buffer.from(payload)));
    };
    let r = await once();
    if (r.code === '4.01' && TOKEN_CODES.has(Number(r.body.code)) && seq === undefined) {
      await authenticate();
      r = await once();
    }
    return r;
  };

  const post = async (path: string, method: string, params: unknown): Promise<PlatformReply> => {
    const r = await postRaw(`${sys}/${path}`, JSON.stringify({ id: String(++id), version: '1.0', params, method }));
    if (!('id' in r.body)) throw new PlatformError(0, Number(r.body.code), String(r.body.message));
    return r.body as unknown as PlatformReply;
  };

  return {
    authenticate,
    postRaw,
    sendUnsealed: send,
    get seq() {
      return session?.seq;
    },
    postProperties: (params) => post('thing/event/property/post', 'thing.event.property.post', params),
    postEvent: (identifier, value, time) =>
      post(`thing/event/${identifier}/post`, `thing.event.${identifier}.post`, { value, time: time ?? Date.now() }),
    close: async () => {
      agent.close();
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      });
    },
  };
}
