import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { authRequest, PlatformError } from './auth-request.ts';
import type { PlatformReply } from './device-client.ts';
import type { DeviceIdentity, SignMethod } from './sign.ts';

export interface HttpDeviceOptions {
  /** The platform's device HTTP listener, e.g. `http://127.0.0.1:1886` or `https://iot.example.org:1886`. */
  url: string;
  device: DeviceIdentity;
  signMethod?: SignMethod;
  /** Trusted CA certificate (PEM) for `https://` with a private CA. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/** A device talking HTTP(S): authenticates once, renews its token when it expires, posts properties and events. */
export interface HttpDevice {
  /** Authenticates (again) and keeps the token; called by the first post when needed. */
  authenticate(): Promise<string>;
  /** Posts property values; resolves with the platform's reply (code 200, 400, 413, 460 or 503). */
  postProperties(params: Record<string, unknown>): Promise<PlatformReply>;
  /** Posts an event with its output values. */
  postEvent(identifier: string, value: Record<string, unknown>, time?: number): Promise<PlatformReply>;
  /** Posts a raw body to any topic (for tests and custom payloads). */
  postRaw(topic: string, body: string | Buffer): Promise<{ status: number; body: Record<string, unknown> }>;
  readonly token: string | undefined;
}

/** Sends one POST and parses the JSON answer, whatever its status. */
export function postJson(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  o: { ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        ca: o.ca,
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} in time`)));
    req.on('error', reject);
    req.end(body);
  });
}

const TOKEN_CODES = new Set([20001, 20002, 20003]);

/**
 * A device client for the platform's HTTP(S) listener: `/auth` with the signed identity, then
 * `/topic/sys/{pk}/{dn}/thing/event/…/post` with the token in the `password` header.
 *
 * @example
 * const dev = httpDevice({ url: 'http://127.0.0.1:1886', device: { productKey, deviceName, deviceSecret } });
 * await dev.postProperties({ energyTotal: 1024.5 }); // { id, code: 200, message: 'success', data: {} }
 */
export function httpDevice(o: HttpDeviceOptions): HttpDevice {
  const base = o.url.replace(/\/$/, '');
  const sys = `/sys/${o.device.productKey}/${o.device.deviceName}`;
  let token: string | undefined;
  let seq = 0;
  const opts = { ca: o.ca, timeoutMs: o.timeoutMs };

  const authenticate = async () => {
    const r = await postJson(
      `${base}/auth`,
      JSON.stringify(authRequest(o.device, { signMethod: o.signMethod })),
      {},
      opts,
    );
    const info = r.body.info as { token?: string } | undefined;
    if (r.status !== 200 || !info?.token)
      throw new PlatformError(r.status, Number(r.body.code), String(r.body.message ?? 'auth failed'));
    token = info.token;
    return token;
  };

  const postRaw = async (topic: string, body: string | Buffer) => {
    const t = token ?? (await authenticate());
    let r = await postJson(`${base}/topic${topic}`, body, { password: t }, opts);
    // An expired or forgotten token (the platform restarted): authenticate once more and retry.
    if (r.status === 401 && TOKEN_CODES.has(Number(r.body.code)))
      r = await postJson(`${base}/topic${topic}`, body, { password: await authenticate() }, opts);
    return r;
  };

  const post = async (path: string, method: string, params: unknown): Promise<PlatformReply> => {
    const r = await postRaw(`${sys}/${path}`, JSON.stringify({ id: String(++seq), version: '1.0', params, method }));
    if (!('id' in r.body)) throw new PlatformError(r.status, Number(r.body.code), String(r.body.message));
    return r.body as unknown as PlatformReply;
  };

  return {
    authenticate,
    postRaw,
    postProperties: (params) => post('thing/event/property/post', 'thing.event.property.post', params),
    postEvent: (identifier, value, time) =>
      post(`thing/event/${identifier}/post`, `thing.event.${identifier}.post`, { value, time: time ?? Date.now() }),
    get token() {
      return token;
    },
  };
}
