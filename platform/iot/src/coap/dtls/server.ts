import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  alert,
  alertBody,
  contentType,
  DTLS12,
  type DtlsRecord,
  encodeHandshake,
  encodeHelloVerify,
  encodeRecord,
  HS_HEADER,
  hsType,
  parseClientHello,
  parseRecords,
  sameBytes,
  suites,
} from '@shequ/device-sdk/dtls';
import { type ConnectionHooks, type Peer, type PskAnswer, ServerConnection } from './connection.ts';

export interface DtlsServerOptions<T> {
  /** Looks up a PSK identity; a refusal answers the alert it names. */
  psk(identity: string, peer: Peer): Promise<PskAnswer<T>>;
  /** A handshake finished: the connection's `identity` and `context` are set. */
  onSession?(c: ServerConnection<T>): void;
  /** Application data of an established session. */
  onData(c: ServerConnection<T>, data: Buffer): void;
  onClose?(c: ServerConnection<T>, reason: string): void;
  /** Handshakes in progress at once (each costs memory and a PSK lookup); more ClientHellos are ignored. */
  maxHandshakes?: number;
  /** Established sessions at once; a handshake beyond it is refused with handshake_failure. */
  maxSessions?: number;
  handshakeTimeoutMs?: number;
  /** A session without a record from the peer for this long ends with close_notify. */
  idleTimeoutMs?: number;
}

const COOKIE_ROTATE_MS = 5 * 60_000;

/**
 * A DTLS 1.2 server with PSK key exchange (RFC 6347, RFC 5246, RFC 4279) on one UDP socket. Nothing is kept for a
 * peer until it echoes a cookie (an HMAC over its address and ClientHello, RFC 6347 §4.2.1), so spoofed
 * ClientHellos cost one HMAC and one small answer. Handshakes and sessions are capped and time out.
 */
export class DtlsServer<T> {
  readonly #o: Required<Omit<DtlsServerOptions<T>, 'onSession' | 'onClose'>> & DtlsServerOptions<T>;
  readonly #connections = new Map<string, ServerConnection<T>>();
  #socket: Socket | null = null;
  #secrets = [randomBytes(32), randomBytes(32)];
  #timers: NodeJS.Timeout[] = [];

  constructor(o: DtlsServerOptions<T>) {
    this.#o = {
      maxHandshakes: 256,
      maxSessions: 10_000,
      handshakeTimeoutMs: 30_000,
      idleTimeoutMs: 10 * 60_000,
      ...o,
    };
  }

  get size(): { handshakes: number; sessions: number } {
    let handshakes = 0;
    for (const c of this.#connections.values()) if (c.state === 'handshake') handshakes++;
    return { handshakes, sessions: this.#connections.size - handshakes };
  }

  /** The live sessions (for ending those whose device lost its rights). */
  sessions(): ServerConnection<T>[] {
    return [...this.#connections.values()].filter((c) => c.state === 'established');
  }

  async listen(o: { port: number; host: string }): Promise<{ port: number }> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port, o.host, () => resolve());
    });
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => this.#datagram(msg, { address: rinfo.address, port: rinfo.port }));
    this.#socket = socket;
    const rotate = setInterval(() => {
      this.#secrets = [randomBytes(32), this.#secrets[0]];
    }, COOKIE_ROTATE_MS);
    const sweep = setInterval(() => this.sweep(), 1000);
    rotate.unref();
    sweep.unref();
    this.#timers = [rotate, sweep];
    return { port: socket.address().port };
  }

  /** Ends every session with close_notify and closes the socket. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const c of [...this.#connections.values()]) c.close('server stopped');
    const s = this.#socket;
    this.#socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Drops handshakes past their time and ends idle sessions (run every second). */
  sweep(now = Date.now()): void {
    for (const c of [...this.#connections.values()]) {
      if (c.state === 'handshake' && now - c.createdAt > this.#o.handshakeTimeoutMs) c.drop('handshake timed out');
      else if (c.state === 'established' && now - c.lastActivity > this.#o.idleTimeoutMs) c.close('idle timeout');
    }
  }

  #send(peer: Peer, datagram: Buffer) {
    this.#socket?.send(datagram, peer.port, peer.address);
  }

  #cookie(peer: Peer, input: Buffer, secret: Buffer): Buffer {
    return createHmac('sha256', secret).update(`${peer.address}|${peer.port}|`).update(input).digest().subarray(0, 16);
  }

  #datagram(msg: Buffer, peer: Peer) {
    const key = `${peer.address}|${peer.port}`;
    const records = parseRecords(msg);
    if (records.length === 0) return;
    const conn = this.#connections.get(key);
    const first = records[0];
    const isHello =
      first.epoch === 0 && first.type === contentType.handshake && first.fragment[0] === hsType.clientHello;
    // A ClientHello from a peer with no handshake under way (new, or a device that lost its session), or with
    // another random than the handshake under way (the device restarted), goes through the stateless cookie check;
    // everything else, a repeated ClientHello included, belongs to the peer's connection.
    const restarted = isHello && conn?.state === 'handshake' && !conn.helloRandomIs(first.fragment.subarray(14, 46));
    if ((isHello && conn?.state !== 'handshake') || restarted) return this.#hello(first, peer, key, conn);
    if (conn) void conn.receive(records);
  }

  #hello(r: DtlsRecord, peer: Peer, key: string, old: ServerConnection<T> | undefined) {
    const f = r.fragment;
    if (f.length < HS_HEADER) return;
    const length = f.readUIntBE(1, 3);
    const msgSeq = f.readUInt16BE(4);
    const off = f.readUIntBE(6, 3);
    const flen = f.readUIntBE(9, 3);
    // A fragmented first ClientHello is not reassembled statelessly; its cookie-bearing retry is small enough.
    if (off !== 0 || flen !== length || f.length !== HS_HEADER + length) return;
    let hello: ReturnType<typeof parseClientHello>;
    try {
      hello = parseClientHello(f.subarray(HS_HEADER));
    } catch {
      return;
    }
    if (hello.version > DTLS12) return this.#alert(peer, r, alert.protocolVersion);
    const valid = this.#secrets.some(
      (s) => hello.cookie.length === 16 && sameBytes(hello.cookie, this.#cookie(peer, hello.cookieInput, s)),
    );
    if (!valid) {
      // Flight 2: HelloVerifyRequest, same record number as the ClientHello (RFC 6347 §4.2.1).
      const hvr = encodeHandshake(
        hsType.helloVerifyRequest,
        msgSeq,
        encodeHelloVerify(this.#cookie(peer, hello.cookieInput, this.#secrets[0])),
      );
      return this.#send(peer, encodeRecord(contentType.handshake, 0, r.seq, hvr));
    }
    if (!suites.some((s) => hello.suites.includes(s.id)) || !hello.compressions.includes(0))
      return this.#alert(peer, r, alert.handshakeFailure);
    // The connection this one replaces does not count against the caps.
    const { handshakes, sessions } = this.size;
    if (handshakes - (old?.state === 'handshake' ? 1 : 0) >= this.#o.maxHandshakes) return; // the client retries
    if (sessions - (old?.state === 'established' ? 1 : 0) >= this.#o.maxSessions)
      return this.#alert(peer, r, alert.handshakeFailure);
    // The new handshake replaces the old one from the same address (RFC 6347 §4.2.8: the peer restarted).
    old?.drop('new handshake from the same address');
    const hooks: ConnectionHooks<T> = {
      send: (d) => this.#send(peer, d),
      psk: (identity, p) => this.#o.psk(identity, p),
      established: (c) => this.#o.onSession?.(c),
      data: (c, d) => this.#o.onData(c, d),
      closed: (c, reason) => {
        if (this.#connections.get(key) === c) this.#connections.delete(key);
        this.#o.onClose?.(c, reason);
      },
    };
    const conn = new ServerConnection<T>(
      peer,
      hello,
      { type: hsType.clientHello, seq: msgSeq, body: f.subarray(HS_HEADER) },
      r.seq,
      hooks,
    );
    this.#connections.set(key, conn);
  }

  #alert(peer: Peer, r: DtlsRecord, description: number) {
    this.#send(peer, encodeRecord(contentType.alert, 0, r.seq, alertBody(description)));
  }
}
