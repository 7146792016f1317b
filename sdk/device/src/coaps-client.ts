import { PlatformError } from './auth-request.ts';
import type { CoapAnswer } from './coap-client.ts';
import { coapOption, coapType, encodeCoap, parseCoap } from './coap-message.ts';
import type { PlatformReply } from './device-client.ts';
import { DtlsClient } from './dtls/client.ts';
import { dtlsIdentity, dtlsPsk } from './dtls/psk.ts';
import type { DeviceIdentity } from './sign.ts';

export interface CoapsDeviceOptions {
  /** The platform's coaps listener (UDP, `SHEQU_COAPS_PORT`), e.g. host `127.0.0.1`, port 5684. */
  host: string;
  port: number;
  device: DeviceIdentity;
  /** How long a request waits for its answer (default 10 s); CON retransmissions happen within it. */
  timeoutMs?: number;
  /** How long the DTLS handshake may take (default 10 s). */
  handshakeTimeoutMs?: number;
  /** DTLS cipher suite: TLS_PSK_WITH_AES_128_CCM_8 (0xc0a8, CoAP's mandatory one) unless set. */
  suite?: number;
  /** The local address to bind (see `DtlsClientOptions.localAddress`). */
  localAddress?: string;
}

/** A device talking CoAP over DTLS 1.2 with its PSK: the DTLS session is its authentication, no `/auth` or token. */
export interface CoapsDevice {
  /** Runs the DTLS handshake now (posts do it when needed); rejects with `DtlsAlertError` when refused. */
  connect(): Promise<void>;
  /** Posts property values; resolves with the platform's reply (code 200, 400, 460…). */
  postProperties(params: Record<string, unknown>): Promise<PlatformReply>;
  /** Posts an event with its output values. */
  postEvent(identifier: string, value: Record<string, unknown>, time?: number): Promise<PlatformReply>;
  /** Posts a payload as it is to `/topic{topic}` (JSON for Alink topics, bytes for `thing/model/up_raw`). */
  postRaw(topic: string, payload: string | Buffer): Promise<CoapAnswer>;
  /** Whether a DTLS session is up. */
  readonly connected: boolean;
  /** Ends the session with close_notify. */
  close(): Promise<void>;
}

/** CoAP's ACK_TIMEOUT (RFC 7252 §4.8): the first retransmission of a CON after 2 s, then twice as long each time. */
const ACK_TIMEOUT_MS = 2000;
const MAX_RETRANSMIT = 4;

/**
 * A device client for the platform's CoAP-over-DTLS listener (coaps, RFC 7252 §9.1 PreSharedKey mode). The PSK
 * identity is the device's MQTT username `{deviceName}&{productKey}` and the PSK HMAC-SHA256(deviceSecret, identity),
 * so only the device and the platform know it. Posts carry the Alink JSON as it is; the platform answers the
 * `_reply` payload. A session the platform ended (idle, token lifetime, restart) is set up again on the next post.
 *
 * @example
 * const dev = coapsDevice({ host: '127.0.0.1', port: 5684, device: { productKey, deviceName, deviceSecret } });
 * await dev.postProperties({ smokeDensity: 0.2 });
 * await dev.close();
 */
export function coapsDevice(o: CoapsDeviceOptions): CoapsDevice {
  const identity = dtlsIdentity(o.device.productKey, o.device.deviceName);
  const sys = `/sys/${o.device.productKey}/${o.device.deviceName}`;
  let session: Promise<DtlsClient> | undefined;
  let current: DtlsClient | undefined;
  let messageId = Math.floor(Math.random() * 0xffff);
  let id = 0;
  const waiting = new Map<number, (a: CoapAnswer) => void>();

  const onData = (d: Buffer) => {
    const m = parseCoap(d);
    if (!m) return;
    // Piggybacked answers (ACK) and separate ones (CON/NON) alike are matched by message id or token.
    const key = m.type === coapType.ack ? m.messageId : m.token.length === 2 ? m.token.readUInt16BE(0) : -1;
    const done = waiting.get(key);
    if (!done) return;
    if (m.type === coapType.ack && m.code === 0) return; // an empty ACK: the answer comes separately
    waiting.delete(key);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(m.payload.toString('utf8'));
    } catch {
      body = { raw: m.payload.toString('base64') };
    }
    done({ code: `${m.code >> 5}.${String(m.code & 31).padStart(2, '0')}`, body });
  };

  const connect = () => {
    if (session) return session;
    const s = DtlsClient.connect({
      host: o.host,
      port: o.port,
      identity,
      psk: dtlsPsk(o.device.deviceSecret, identity),
      suite: o.suite,
      timeoutMs: o.handshakeTimeoutMs,
      localAddress: o.localAddress,
    }).then((c) => {
      c.onData(onData);
      current = c;
      return c;
    });
    session = s;
    s.catch(() => {
      if (session === s) session = undefined;
    });
    return s;
  };

  /** The live session, set up again when the platform ended the last one. */
  const live = async () => {
    const s = connect();
    const c = await s;
    if (c.established) return c;
    if (session === s) session = undefined;
    await c.close();
    return connect();
  };

  const postRaw = async (topic: string, payload: string | Buffer): Promise<CoapAnswer> => {
    const c = await live();
    messageId = (messageId + 1) & 0xffff;
    const mid = messageId;
    const token = Buffer.alloc(2);
    token.writeUInt16BE(mid);
    const msg = encodeCoap({
      type: coapType.con,
      code: 0x02, // POST
      messageId: mid,
      token,
      options: `topic${topic}`
        .split('/')
        .filter(Boolean)
        .map((p) => ({ number: coapOption.uriPath, value: Buffer.from(p) })),
      payload: Buffer.from(payload),
    });
    return new Promise<CoapAnswer>((resolve, reject) => {
      let tries = 0;
      let retry: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        clearTimeout(retry);
        waiting.delete(mid);
        reject(new Error(`no CoAP answer from ${o.host}:${o.port} in time`));
      }, o.timeoutMs ?? 10_000);
      const send = () => {
        c.send(msg);
        if (tries < MAX_RETRANSMIT) retry = setTimeout(send, ACK_TIMEOUT_MS * 2 ** tries++);
      };
      waiting.set(mid, (a) => {
        clearTimeout(deadline);
        clearTimeout(retry);
        resolve(a);
      });
      send();
    });
  };

  const post = async (path: string, method: string, params: unknown): Promise<PlatformReply> => {
    const r = await postRaw(`${sys}/${path}`, JSON.stringify({ id: String(++id), version: '1.0', params, method }));
    if (!('id' in r.body)) throw new PlatformError(0, Number(r.body.code), String(r.body.message));
    return r.body as unknown as PlatformReply;
  };

  return {
    connect: async () => {
      await live();
    },
    postRaw,
    postProperties: (params) => post('thing/event/property/post', 'thing.event.property.post', params),
    postEvent: (identifier, value, time) =>
      post(`thing/event/${identifier}/post`, `thing.event.${identifier}.post`, { value, time: time ?? Date.now() }),
    get connected() {
      return current?.established ?? false;
    },
    close: async () => {
      const s = session;
      session = undefined;
      current = undefined;
      const c = await s?.catch(() => undefined);
      await c?.close();
    },
  };
}
