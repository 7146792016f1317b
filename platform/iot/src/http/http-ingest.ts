import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DeviceIngest, type DeviceIngestOptions, type IngestAnswer, ingestCodes } from './device-ingest.ts';
import { LorawanIngest, type LorawanIngestOptions } from './lorawan-ingest.ts';

export interface HttpIngestListen {
  port: number;
  host: string;
  /** PEM certificate and key: HTTPS. Without them plain HTTP, meant for loopback and development. */
  tls?: { cert: Buffer | string; key: Buffer | string };
}

const TOPIC_PREFIX = '/topic';

/**
 * Alink-style HTTP(S) device access on its own port: `POST /auth` with the signed device identity answers a token;
 * `POST /topic/sys/{pk}/{dn}/thing/event/…/post` with the token in the `password` header (Alink's name) or
 * `Authorization: Bearer …` posts like MQTT and answers the `_reply` payload.
 */
export class HttpIngest {
  readonly ingest: DeviceIngest;
  /**
   * Network servers' uplinks (ChirpStack's HTTP integration on `/lorawan/chirpstack`, The Things Stack's webhook on
   * `/lorawan/tts`), when the listener has the product codecs.
   */
  readonly lorawan: LorawanIngest | undefined;
  #server: Server | null = null;

  constructor(
    o: Omit<DeviceIngestOptions, 'transport'> & Pick<LorawanIngestOptions, 'networkServers' | 'offlineAfterMs'>,
  ) {
    this.ingest = new DeviceIngest({ ...o, transport: 'http' });
    this.lorawan = o.codecs && new LorawanIngest({ ...o, codecs: o.codecs });
  }

  async listen(o: HttpIngestListen): Promise<{ port: number; tls: boolean }> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req).then(
        (a) => send(res, a),
        () => send(res, { status: 500, body: { code: 10000, message: 'internal error' } }),
      );
    };
    const server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttpServer(handler);
    // A device that opens a request and never finishes it must not hold a socket for long.
    server.requestTimeout = 15_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
    this.#server = server;
    return { port: (server.address() as AddressInfo).port, tls: o.tls !== undefined };
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await this.ingest.close();
    await this.lorawan?.close();
  }

  async #handle(req: IncomingMessage): Promise<IngestAnswer> {
    if (req.method !== 'POST') return { status: 405, body: { code: ingestCodes.BAD_REQUEST, message: 'POST only' } };
    // Not percent-decoded: topic names are plain, and an escaped '/' must not become a topic level.
    const url = new URL(req.url ?? '/', 'http://device');
    const path = url.pathname;
    const ip = req.socket.remoteAddress ?? null;
    const body = await readBody(req, this.ingest.maxPayloadBytes);
    if (body === 'too-large')
      return { status: 413, body: { id: '0', code: 413, message: 'payload too large', data: {} } };
    if (path === '/auth') {
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return { status: 400, body: { code: ingestCodes.BAD_REQUEST, message: 'body is not JSON' } };
      }
      return (await this.ingest.authenticate(json, ip)).answer;
    }
    if (path === '/lorawan/chirpstack' && this.lorawan)
      return this.lorawan.chirpstack(req.headers, url.searchParams.get('event'), body, ip);
    if (path === '/lorawan/tts' && this.lorawan) return this.lorawan.tts(req.headers, body, ip);
    if (!path.startsWith(`${TOPIC_PREFIX}/`))
      return { status: 404, body: { code: ingestCodes.BAD_REQUEST, message: 'use /auth or /topic/…' } };
    const s = await this.ingest.session(tokenOf(req));
    if (!('ok' in s)) return s;
    return this.ingest.post(s.session, path.slice(TOPIC_PREFIX.length), body, ip);
  }
}

function tokenOf(req: IncomingMessage): string | undefined {
  const pw = req.headers.password;
  if (typeof pw === 'string' && pw) return pw;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}

/** Reads at most `max` bytes; a larger body is drained unread so the answer still reaches the device. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, a: IngestAnswer) {
  const body = JSON.stringify(a.body);
  res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
