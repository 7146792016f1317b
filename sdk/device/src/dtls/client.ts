import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { pskSessionKeys, sameBytes, sha256, suiteById, verifyData } from './ciphers.ts';
import {
  EMPTY_RENEGOTIATION_SCSV,
  encodeClientHello,
  encodeHandshake,
  encodePskIdentity,
  ext,
  fragmentHandshake,
  type HandshakeMessage,
  hsType,
  parseHelloVerify,
  parseServerHello,
  Reassembler,
} from './handshake.ts';
import {
  alertBody,
  alert as alertCodes,
  contentType,
  decryptRecord,
  encodeRecord,
  type Protection,
  parseRecords,
  ReplayWindow,
} from './record.ts';

export interface DtlsClientOptions {
  host: string;
  port: number;
  identity: string;
  psk: Buffer;
  /** Cipher suite id; CCM_8 (0xc0a8) unless set. */
  suite?: number;
  /** Offer the extended master secret (RFC 7627); on unless false. */
  extendedMasterSecret?: boolean;
  /** Cut handshake messages into fragments of this many bytes, one record and datagram each (not the ClientHello). */
  fragmentSize?: number;
  timeoutMs?: number;
  /** The local UDP port; a free one unless set (tests restart a client on the same port). */
  localPort?: number;
  /** The local address to bind; the loopback address for a loopback host, else every interface. */
  localAddress?: string;
}

const alertNames: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  40: 'handshake_failure: the identity is unknown, disabled or refused',
  47: 'illegal_parameter',
  50: 'decode_error',
  51: 'decrypt_error: the PSK is wrong',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  115: 'unknown_psk_identity',
};

/** The peer ended the connection with an alert (RFC 5246 §7.2); `alert` is its description code. */
export class DtlsAlertError extends Error {
  readonly alert: number;
  constructor(alert: number) {
    super(`DTLS alert ${alert} (${alertNames[alert] ?? 'alert'})`);
    this.alert = alert;
  }
}

const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * A small DTLS 1.2 PSK client (RFC 6347) on the same record, handshake and cipher code as the server: cookie
 * exchange, the PSK handshake, then application data. It retransmits its flight once a second while waiting.
 */
export class DtlsClient {
  readonly #o: DtlsClientOptions;
  readonly #socket: Socket;
  readonly #reassembler = new Reassembler();
  readonly #transcript: Buffer[] = [];
  readonly #windows = [new ReplayWindow(), new ReplayWindow()];
  readonly #writeSeq = [0, 0];
  readonly #random = randomBytes(32);
  #msgSeq = 0;
  #flight: { type: number; epoch: number; plain: Buffer }[][] = [];
  #read?: Protection;
  #write?: Protection;
  #master: Buffer = Buffer.alloc(0);
  #serverHello: ReturnType<typeof parseServerHello> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #done!: (err?: Error) => void;
  #established = false;
  #closed = false;
  readonly #listeners: ((d: Buffer) => void)[] = [];
  /** Every datagram sent, in order (tests replay them). */
  readonly sent: Buffer[] = [];
  /** The alert that ended the connection, if any. */
  alert: number | null = null;

  private constructor(o: DtlsClientOptions, socket: Socket) {
    this.#o = o;
    this.#socket = socket;
  }

  /** Connects and completes the handshake; rejects with `DtlsAlertError` on an alert, or after `timeoutMs` (10 s). */
  static async connect(o: DtlsClientOptions): Promise<DtlsClient> {
    const socket = createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
    const address = o.localAddress ?? (loopback(o.host) ? (o.host === 'localhost' ? '127.0.0.1' : o.host) : undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: o.localPort ?? 0, address }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const c = new DtlsClient(o, socket);
    try {
      await c.#handshake();
      return c;
    } catch (err) {
      c.#shut();
      throw err;
    }
  }

  get established(): boolean {
    return this.#established && !this.#closed;
  }

  onData(listener: (d: Buffer) => void): void {
    this.#listeners.push(listener);
  }

  /** Sends application data in one record. */
  send(data: Buffer): void {
    this.sendRaw(this.#record(contentType.applicationData, data, 1));
  }

  /** Sends bytes as they are (a test replays or forges records with it). */
  sendRaw(datagram: Buffer): void {
    this.sent.push(datagram);
    this.#socket.send(datagram, this.#o.port, this.#o.host);
  }

  /** Sends close_notify, then closes the socket. */
  async close(): Promise<void> {
    if (!this.#closed && this.#write) {
      const d = this.#record(contentType.alert, alertBody(alertCodes.closeNotify), 1);
      await new Promise<void>((resolve) => this.#socket.send(d, this.#o.port, this.#o.host, () => resolve()));
    }
    this.#shut();
  }

  #shut() {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      this.#socket.close();
    } catch {}
  }

  #record(type: number, plain: Buffer, epoch: number): Buffer {
    return encodeRecord(type, epoch, this.#writeSeq[epoch]++, plain, epoch === 1 ? this.#write : undefined);
  }

  #handshakeMsg(type: number, body: Buffer, keep = true): Buffer {
    const m = encodeHandshake(type, this.#msgSeq++, body);
    if (keep) this.#transcript.push(m);
    return m;
  }

  #sendFlight() {
    for (const datagram of this.#flight)
      this.sendRaw(Buffer.concat(datagram.map((r) => this.#record(r.type, r.plain, r.epoch))));
  }

  #hello(cookie: Buffer, keep: boolean) {
    const extensions: [number, Buffer][] =
      this.#o.extendedMasterSecret === false ? [] : [[ext.extendedMasterSecret, Buffer.alloc(0)]];
    const body = encodeClientHello({
      random: this.#random,
      cookie,
      suites: [this.#o.suite ?? 0xc0a8, EMPTY_RENEGOTIATION_SCSV],
      extensions,
    });
    this.#flight = [
      [{ type: contentType.handshake, epoch: 0, plain: this.#handshakeMsg(hsType.clientHello, body, keep) }],
    ];
    this.#sendFlight();
  }

  #handshake(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => this.#done(new Error(`DTLS handshake with ${this.#o.host}:${this.#o.port} timed out`)),
        this.#o.timeoutMs ?? 10_000,
      );
      this.#done = (err) => {
        clearTimeout(deadline);
        if (err) reject(err);
        else resolve();
      };
      this.#socket.on('error', (err) => this.#done(err));
      this.#socket.on('message', (msg) => {
        try {
          this.#datagram(msg);
        } catch (err) {
          this.#done(err as Error);
        }
      });
      this.#timer = setInterval(() => {
        if (!this.#established) this.#sendFlight();
      }, 1000);
      this.#hello(Buffer.alloc(0), false);
    });
  }

  #datagram(msg: Buffer) {
    for (const r of parseRecords(msg)) {
      if (r.epoch > 1 || !this.#windows[r.epoch].check(r.seq)) continue;
      let plain = r.fragment;
      if (r.epoch === 1) {
        const p = this.#read && decryptRecord(r, this.#read);
        if (!p) continue;
        plain = p;
      } else if (this.#established && r.type !== contentType.handshake) continue; // unauthenticated: dropped
      this.#windows[r.epoch].mark(r.seq);
      if (r.type === contentType.alert) {
        this.alert = plain[1];
        this.#closed = true;
        this.#done(new DtlsAlertError(plain[1]));
        return;
      }
      if (r.type === contentType.applicationData && r.epoch === 1) {
        for (const l of this.#listeners) l(plain);
        continue;
      }
      if (r.type !== contentType.handshake) continue;
      const msgs = this.#reassembler.add(plain);
      if (msgs === 'bad' || msgs === 'old') continue;
      for (const m of msgs) this.#message(m, r.epoch);
    }
  }

  #message(m: HandshakeMessage, epoch: number) {
    if (m.type === hsType.helloVerifyRequest) return this.#hello(parseHelloVerify(m.body), true);
    const whole = encodeHandshake(m.type, m.seq, m.body);
    if (m.type === hsType.serverHello) {
      const sh = parseServerHello(m.body);
      const suite = suiteById(sh.suite);
      if (!suite) throw new Error('server chose an unknown suite');
      this.#transcript.push(whole);
      this.#serverHello = sh;
      return;
    }
    if (m.type === hsType.serverKeyExchange) return void this.#transcript.push(whole);
    if (m.type === hsType.serverHelloDone) {
      this.#transcript.push(whole);
      return this.#keyExchange();
    }
    if (m.type === hsType.finished && epoch === 1) {
      if (!sameBytes(m.body, verifyData(this.#master, 'server', this.#transcript)))
        throw new Error('server Finished did not verify');
      this.#established = true;
      if (this.#timer) clearInterval(this.#timer);
      this.#done();
    }
  }

  #keyExchange() {
    const sh = this.#serverHello;
    if (!sh) throw new Error('ServerHelloDone before ServerHello');
    const suite = suiteById(sh.suite)!;
    const cke = this.#handshakeMsg(hsType.clientKeyExchange, encodePskIdentity(this.#o.identity));
    const k = pskSessionKeys({
      psk: this.#o.psk,
      suite,
      extended: sh.extensions.has(ext.extendedMasterSecret),
      sessionHash: sha256(this.#transcript),
      clientRandom: this.#random,
      serverRandom: sh.random,
    });
    this.#master = k.master;
    this.#write = k.client;
    this.#read = k.server;
    const fin = this.#handshakeMsg(hsType.finished, verifyData(this.#master, 'client', this.#transcript));
    const ccs = { type: contentType.changeCipherSpec, epoch: 0, plain: Buffer.from([1]) };
    const size = this.#o.fragmentSize;
    this.#flight = size
      ? [
          ...fragmentHandshake(cke, size).map((f) => [{ type: contentType.handshake, epoch: 0, plain: f }]),
          [ccs],
          ...fragmentHandshake(fin, size).map((f) => [{ type: contentType.handshake, epoch: 1, plain: f }]),
        ]
      : [
          [
            { type: contentType.handshake, epoch: 0, plain: cke },
            ccs,
            { type: contentType.handshake, epoch: 1, plain: fin },
          ],
        ];
    this.#sendFlight();
  }
}
