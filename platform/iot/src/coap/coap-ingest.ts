import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { coapCode } from '@shequ/device-sdk/coap-message';
import { createServer, type IncomingMessage, type OutgoingMessage, type Server } from 'coap';
import { DeviceIngest, type DeviceIngestOptions, type IngestAnswer, ingestCodes } from '../http/device-ingest.ts';
import { ReplayWindow, type TokenSession } from '../http/device-tokens.ts';
import { coapSessionKey, openEnvelope, parseEnvelope } from './coap-crypto.ts';
import { CoapDtls, type CoapDtlsLimits } from './coap-dtls.ts';

const TOPIC_PREFIX = '/topic';

/** A CoAP request as the handler sees it; `device` is the session of a DTLS peer that completed its handshake. */
export interface CoapRequest {
  method: string;
  path: string;
  payload: Buffer;
  ip: string;
  device?: TokenSession;
}

/**
 * CoAP device access (UDP): `POST /auth` with the signed identity answers a token, a random and a sequence offset;
 * `POST /topic/sys/{pk}/{dn}/thing/event/…/post` carries an envelope sealed with the session key (see
 * coap-crypto.ts). Each sequence number is accepted once, so a captured request cannot be replayed.
 */
export class CoapIngest {
  readonly ingest: DeviceIngest;
  #server: Server | null = null;
  #socket: Socket | null = null;
  #dtls: CoapDtls | null = null;
  readonly #options: Omit<DeviceIngestOptions, 'transport'>;

  constructor(o: Omit<DeviceIngestOptions, 'transport'>) {
    this.#options = o;
    this.ingest = new DeviceIngest({ ...o, transport: 'coap' });
  }

  async listen(o: { port: number; host: string }): Promise<{ port: number }> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port, o.host, () => resolve());
    });
    const server = createServer({ type: 'udp4' }, (req: IncomingMessage, res: OutgoingMessage) => {
      this.#handle(req).then(
        (a) => reply(res, a),
        () => reply(res, { status: 500, body: { code: 10000, message: 'internal error' } }),
      );
    });
    server.listen(socket);
    this.#server = server;
    this.#socket = socket;
    return { port: socket.address().port };
  }

  /**
   * CoAP over DTLS 1.2 with PSK (`coaps://`, see coap-dtls.ts) on its own port, sharing this listener's tokens,
   * limits and request handling.
   */
  /** The DTLS listener, when `listenDtls` started one. */
  get dtls(): CoapDtls | null {
    return this.#dtls;
  }

  async listenDtls(o: { port: number; host: string } & CoapDtlsLimits): Promise<{ port: number }> {
    const { port, host, ...limits } = o;
    this.#dtls = new CoapDtls(this, this.#options, limits);
    return this.#dtls.listen({ port, host });
  }

  async close(): Promise<void> {
    await this.#dtls?.close();
    this.#dtls = null;
    this.#server?.close();
    this.#server = null;
    const s = this.#socket;
    this.#socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    await this.ingest.close();
  }

  /**
   * One CoAP request, from the UDP listener or a DTLS session. A DTLS session's device proved itself in the
   * handshake, so its posts carry the Alink JSON as is: no token, no envelope (the channel encrypts and counts).
   */
  async handleRequest(r: CoapRequest): Promise<IngestAnswer> {
    if (r.method !== 'POST') return { status: 405, body: { code: ingestCodes.BAD_REQUEST, message: 'POST only' } };
    const { path, ip, payload } = r;
    if (path === '/auth') return this.#auth(payload, ip);
    if (!path.startsWith(`${TOPIC_PREFIX}/`))
      return { status: 404, body: { code: ingestCodes.BAD_REQUEST, message: 'use /auth or /topic/…' } };
    const topic = path.slice(TOPIC_PREFIX.length);
    if (payload.length > this.ingest.maxPayloadBytes * 2)
      return { status: 413, body: { id: '0', code: 413, message: 'payload too large', data: {} } };
    if (r.device) {
      const s = await this.ingest.session(r.device.token);
      if (!('ok' in s)) return s;
      return this.ingest.post(s.session, topic, payload, ip);
    }
    const env = parseEnvelope(payload);
    if (!env)
      return { status: 400, body: { code: ingestCodes.BAD_REQUEST, message: 'body must be {token, seq, iv, data}' } };
    const s = await this.ingest.session(env.token);
    if (!('ok' in s)) return s;
    const plain = s.session.key && openEnvelope(s.session.key, env, topic);
    if (!plain)
      return {
        status: 401,
        body: { code: ingestCodes.TOKEN_INVALID, message: 'payload not sealed with the session key' },
      };
    // Checked after decryption: only the key holder can advance the window, a forger cannot burn numbers.
    if (!s.session.replay?.accept(env.seq))
      return { status: 401, body: { code: ingestCodes.REPLAYED, message: 'sequence number already used' } };
    return this.ingest.post(s.session, topic, plain, ip);
  }

  #handle(req: IncomingMessage): Promise<IngestAnswer> {
    return this.handleRequest({
      method: req.method,
      path: req.url.split('?')[0],
      payload: req.payload,
      ip: req.rsinfo.address,
    });
  }

  async #auth(payload: Buffer, ip: string): Promise<IngestAnswer> {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return { status: 400, body: { code: ingestCodes.BAD_REQUEST, message: 'body is not JSON' } };
    }
    const random = randomBytes(16).toString('hex');
    const seqOffset = randomInt(1, 2 ** 31);
    const r = await this.ingest.authenticate(json, ip, (secret) => ({
      key: coapSessionKey(secret, random),
      replay: new ReplayWindow(seqOffset),
    }));
    if (!r.session) return r.answer;
    const body = r.answer.body as unknown as { info: Record<string, unknown> };
    return { ...r.answer, body: { ...r.answer.body, info: { ...body.info, random, seqOffset } } };
  }
}

function reply(res: OutgoingMessage, a: IngestAnswer) {
  res.code = coapCode[a.status] ?? '5.00';
  res.setOption('Content-Format', 'application/json');
  res.end(JSON.stringify(a.body));
}
