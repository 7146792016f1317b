import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type OutgoingMessage, type Server } from 'coap';
import { DeviceIngest, type DeviceIngestOptions, type IngestAnswer, ingestCodes } from '../http/device-ingest.ts';
import { ReplayWindow } from '../http/device-tokens.ts';
import { coapSessionKey, openEnvelope, parseEnvelope } from './coap-crypto.ts';

const coapCode: Record<number, string> = {
  200: '2.05',
  400: '4.00',
  401: '4.01',
  403: '4.03',
  404: '4.04',
  405: '4.05',
  413: '4.13',
  429: '4.29',
  500: '5.00',
  503: '5.03',
};

const TOPIC_PREFIX = '/topic';

/**
 * CoAP device access (UDP): `POST /auth` with the signed identity answers a token, a random and a sequence offset;
 * `POST /topic/sys/{pk}/{dn}/thing/event/…/post` carries an envelope sealed with the session key (see
 * coap-crypto.ts). Each sequence number is accepted once, so a captured request cannot be replayed.
 */
export class CoapIngest {
  readonly ingest: DeviceIngest;
  #server: Server | null = null;
  #socket: Socket | null = null;

  constructor(o: Omit<DeviceIngestOptions, 'transport'>) {
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

  async close(): Promise<void> {
    this.#server?.close();
    this.#server = null;
    const s = this.#socket;
    this.#socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    await this.ingest.close();
  }

  async #handle(req: IncomingMessage): Promise<IngestAnswer> {
    if (req.method !== 'POST') return { status: 405, body: { code: ingestCodes.BAD_REQUEST, message: 'POST only' } };
    const path = req.url.split('?')[0];
    const ip = req.rsinfo.address;
    if (path === '/auth') return this.#auth(req.payload, ip);
    if (!path.startsWith(`${TOPIC_PREFIX}/`))
      return { status: 404, body: { code: ingestCodes.BAD_REQUEST, message: 'use /auth or /topic/…' } };
    const topic = path.slice(TOPIC_PREFIX.length);
    if (req.payload.length > this.ingest.maxPayloadBytes * 2)
      return { status: 413, body: { id: '0', code: 413, message: 'payload too large', data: {} } };
    const env = parseEnvelope(req.payload);
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
