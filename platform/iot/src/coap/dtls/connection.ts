import { randomBytes } from 'node:crypto';
import {
  alert,
  alertBody,
  type CipherSuite,
  type ClientHello,
  contentType,
  type DtlsRecord,
  decryptRecord,
  EMPTY_RENEGOTIATION_SCSV,
  encodeHandshake,
  encodeRecord,
  encodeServerHello,
  ext,
  type HandshakeMessage,
  HS_HEADER,
  hsType,
  type Protection,
  parsePskIdentity,
  pskSessionKeys,
  Reassembler,
  ReplayWindow,
  sameBytes,
  sha256,
  suites,
  verifyData,
} from '@shequ/device-sdk/dtls';

export interface Peer {
  address: string;
  port: number;
}

const MAX_WAITING = 16;
/**
 * A client flight whose Finished does not authenticate under any candidate key is dropped without a word (RFC 6347
 * §4.1.2.7: it may be corrupted or forged, and the client retransmits). Only when the Finished of this many of the
 * client's flights (counted by their ChangeCipherSpec) fails is the PSK taken to be wrong: decrypt_error (RFC 4279 §2).
 */
export const FINISHED_ATTEMPTS = 2;

/** What the server's PSK lookup answers: the candidate keys (the current and, during a rotation, the previous). */
export type PskAnswer<T> = { ok: true; psks: Buffer[]; context: T } | { ok: false; alert: number; reason: string };

export interface ConnectionHooks<T> {
  send(datagram: Buffer): void;
  psk(identity: string, peer: Peer): Promise<PskAnswer<T>>;
  established(c: ServerConnection<T>): void;
  data(c: ServerConnection<T>, data: Buffer): void;
  closed(c: ServerConnection<T>, reason: string): void;
}

interface Candidate {
  master: Buffer;
  read: Protection;
  write: Protection;
}

/**
 * One peer's DTLS 1.2 state on the server, created only after a ClientHello with a valid cookie: the rest of the
 * PSK handshake (RFC 6347 flights 4–6), then application data. Records are handled one datagram at a time, in
 * order (the PSK lookup is asynchronous).
 */
export class ServerConnection<T> {
  readonly peer: Peer;
  state: 'handshake' | 'established' | 'closed' = 'handshake';
  identity: string | null = null;
  context: T | null = null;
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  readonly suite: CipherSuite;
  readonly extendedMasterSecret: boolean;
  readonly #hooks: ConnectionHooks<T>;
  readonly #clientRandom: Buffer;
  readonly #serverRandom = randomBytes(32);
  readonly #reassembler = new Reassembler();
  readonly #transcript: Buffer[] = [];
  readonly #windows = new Map<number, ReplayWindow>();
  readonly #writeSeq = [0, 0];
  #sendMsgSeq: number;
  #candidates: Candidate[] = [];
  #chosen: Candidate | null = null;
  #readEpoch = 0;
  /** ChangeCipherSpec records seen (one per client flight), and the flights whose Finished did not authenticate. */
  #ccsSeen = 0;
  #failedFlight = -1;
  #failedFlights = 0;
  /** The last flight, kept as plaintext: a retransmission takes new record numbers (the old ones are replays). */
  #flight: { type: number; epoch: number; plain: Buffer }[] = [];
  #lastRetransmit = 0;
  #queue: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(
    peer: Peer,
    hello: ClientHello,
    helloMsg: HandshakeMessage,
    helloRecordSeq: number,
    hooks: ConnectionHooks<T>,
  ) {
    this.peer = peer;
    this.#hooks = hooks;
    this.#clientRandom = hello.random;
    // Server preference: CCM_8 (CoAP's mandatory suite) first; the server checked there is a common suite.
    this.suite = suites.find((s) => hello.suites.includes(s.id))!;
    this.extendedMasterSecret = hello.extensions.has(ext.extendedMasterSecret);
    // After a stateless cookie exchange the server's first message and record take the ClientHello's numbers
    // (RFC 6347 §4.2.1), so neither repeats one the client saw in the HelloVerifyRequest.
    this.#sendMsgSeq = helloMsg.seq;
    this.#writeSeq[0] = helloRecordSeq;
    this.#reassembler.next = helloMsg.seq + 1;
    this.#window(0).mark(helloRecordSeq);
    this.#transcript.push(encodeHandshake(helloMsg.type, helloMsg.seq, helloMsg.body));
    const extensions: [number, Buffer][] = [];
    if (hello.extensions.has(ext.renegotiationInfo) || hello.suites.includes(EMPTY_RENEGOTIATION_SCSV))
      extensions.push([ext.renegotiationInfo, Buffer.from([0])]);
    if (this.extendedMasterSecret) extensions.push([ext.extendedMasterSecret, Buffer.alloc(0)]);
    const sh = this.#handshake(
      hsType.serverHello,
      encodeServerHello({ random: this.#serverRandom, suite: this.suite.id, extensions }),
    );
    const done = this.#handshake(hsType.serverHelloDone, Buffer.alloc(0));
    this.#flight = [
      { type: contentType.handshake, epoch: 0, plain: sh },
      { type: contentType.handshake, epoch: 0, plain: done },
    ];
    this.#sendFlight();
  }

  /** Whether a ClientHello's random is this handshake's (a retransmission) or another's (the client restarted). */
  helloRandomIs(random: Buffer): boolean {
    return random.length === 32 && random.equals(this.#clientRandom);
  }

  /** A method, not a comparison, so TypeScript does not narrow it away across awaits. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Queues a datagram's records; they are handled after the previous datagram's. */
  receive(records: DtlsRecord[]): Promise<void> {
    // Datagrams wait only behind a PSK lookup; a peer flooding meanwhile loses the surplus, as UDP would.
    if (this.#waiting >= MAX_WAITING) return this.#queue;
    this.#waiting++;
    this.#queue = this.#queue
      .finally(() => {
        this.#waiting--;
      })
      .then(() => this.#receive(records))
      .catch(() => this.#fail(alert.internalError, 'internal error'));
    return this.#queue;
  }

  /** Sends application data (a CoAP message). */
  send(data: Buffer): void {
    if (this.state !== 'established' || !this.#chosen) return;
    this.#hooks.send(this.#record(contentType.applicationData, data, 1));
  }

  /** Ends the session with close_notify (timeout, shutdown, the device lost its rights). */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.#sendAlert(alert.closeNotify);
    this.#end(reason);
  }

  /** Ends a handshake that took too long, without a word (the peer may be a spoofer). */
  drop(reason: string): void {
    this.#end(reason);
  }

  #window(epoch: number) {
    let w = this.#windows.get(epoch);
    if (!w) {
      w = new ReplayWindow();
      this.#windows.set(epoch, w);
    }
    return w;
  }

  #handshake(type: number, body: Buffer): Buffer {
    const m = encodeHandshake(type, this.#sendMsgSeq++, body);
    this.#transcript.push(m);
    return m;
  }

  #record(type: number, plain: Buffer, epoch = 0): Buffer {
    const seq = this.#writeSeq[epoch]++;
    return encodeRecord(type, epoch, seq, plain, epoch === 1 ? this.#chosen?.write : undefined);
  }

  #sendFlight() {
    this.#hooks.send(Buffer.concat(this.#flight.map((f) => this.#record(f.type, f.plain, f.epoch))));
  }

  #sendAlert(description: number) {
    const epoch = this.#chosen && this.#readEpoch === 1 ? 1 : 0;
    this.#hooks.send(this.#record(contentType.alert, alertBody(description), epoch));
  }

  #fail(description: number, reason: string) {
    if (this.state === 'closed') return;
    this.#sendAlert(description);
    this.#end(reason);
  }

  #end(reason: string) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#hooks.closed(this, reason);
  }

  async #receive(records: DtlsRecord[]) {
    let retransmit = false;
    for (const r of records) {
      if (this.state === 'closed') return;
      const w = this.#window(r.epoch);
      if (r.epoch > 1 || !w.check(r.seq)) continue;
      let plain = r.fragment;
      if (r.epoch === 1) {
        const p = this.#open(r);
        if (!p) {
          // A record that does not authenticate is discarded, state unchanged (RFC 6347 §4.1.2.7). During the
          // handshake the only epoch-1 record is the client's Finished: when it fails in FINISHED_ATTEMPTS of the
          // client's flights, corruption is no longer the likely cause but a wrong PSK (RFC 4279 §2: decrypt_error).
          if (this.state === 'handshake' && this.#candidates.length && this.#readEpoch === 1) {
            if (this.#failedFlight !== this.#ccsSeen) {
              this.#failedFlight = this.#ccsSeen;
              if (++this.#failedFlights >= FINISHED_ATTEMPTS)
                return this.#fail(alert.decryptError, 'wrong PSK (Finished did not decrypt)');
            }
          }
          continue;
        }
        plain = p;
      } else if (this.state === 'established' && r.type !== contentType.handshake) continue; // unauthenticated
      w.mark(r.seq);
      this.lastActivity = Date.now();
      if (r.type === contentType.alert) {
        if (plain.length < 2) continue;
        if (plain[1] === alert.closeNotify && this.state === 'established') this.close('peer sent close_notify');
        else if (plain[0] === 2 || plain[1] === alert.closeNotify) this.#end(`peer alert ${plain[1]}`);
        return;
      }
      if (r.type === contentType.changeCipherSpec) {
        if (this.state === 'handshake' && this.#candidates.length) {
          this.#readEpoch = 1;
          this.#ccsSeen++;
        }
        continue;
      }
      if (r.type === contentType.applicationData) {
        if (this.state === 'established' && r.epoch === 1) this.#hooks.data(this, plain);
        continue;
      }
      // Once established, an epoch-0 handshake record is unauthenticated: it may show the client repeating its last
      // flight (ours was lost), and is otherwise dropped; it can neither end the session nor start anything.
      if (this.state === 'established' && r.epoch === 0) {
        if (plain.length >= HS_HEADER && plain.readUInt16BE(4) < this.#reassembler.next) retransmit = true;
        continue;
      }
      const msgs = this.#reassembler.add(plain);
      if (msgs === 'bad') return this.#fail(alert.decodeError, 'malformed handshake');
      if (msgs === 'old') {
        retransmit = true;
        continue;
      }
      for (const m of msgs) {
        await this.#message(m, r.epoch);
        if (this.closed) return;
      }
    }
    // A repeated client flight means our last flight was lost: send it again, at most once a second.
    if (retransmit && Date.now() - this.#lastRetransmit > 1000) {
      this.#lastRetransmit = Date.now();
      this.#sendFlight();
    }
  }

  #open(r: DtlsRecord): Buffer | null {
    if (this.#chosen) return decryptRecord(r, this.#chosen.read);
    for (const c of this.#candidates) {
      const p = decryptRecord(r, c.read);
      if (p) {
        this.#chosen = c;
        return p;
      }
    }
    return null;
  }

  async #message(m: HandshakeMessage, epoch: number) {
    // Renegotiation is not offered: a warning, and the session goes on (RFC 5746 §4.4).
    if (this.state !== 'handshake')
      return this.#hooks.send(this.#record(contentType.alert, alertBody(alert.noRenegotiation, false), 1));
    const whole = encodeHandshake(m.type, m.seq, m.body);
    if (m.type === hsType.clientKeyExchange && epoch === 0 && !this.#candidates.length) {
      let identity: string;
      try {
        identity = parsePskIdentity(m.body);
      } catch {
        return this.#fail(alert.decodeError, 'bad ClientKeyExchange');
      }
      this.#transcript.push(whole);
      this.identity = identity;
      const a = await this.#hooks.psk(identity, this.peer);
      if (this.closed) return;
      if (!a.ok) return this.#fail(a.alert, a.reason);
      this.context = a.context;
      const sessionHash = sha256(this.#transcript);
      this.#candidates = a.psks.map((psk) => {
        const k = pskSessionKeys({
          psk,
          suite: this.suite,
          extended: this.extendedMasterSecret,
          sessionHash,
          clientRandom: this.#clientRandom,
          serverRandom: this.#serverRandom,
        });
        return { master: k.master, read: k.client, write: k.server };
      });
      return;
    }
    if (m.type === hsType.finished && epoch === 1 && this.#chosen) {
      const expected = verifyData(this.#chosen.master, 'client', this.#transcript);
      if (!sameBytes(expected, m.body)) return this.#fail(alert.decryptError, 'client Finished did not verify');
      this.#transcript.push(whole);
      const fin = encodeHandshake(
        hsType.finished,
        this.#sendMsgSeq++,
        verifyData(this.#chosen.master, 'server', this.#transcript),
      );
      this.#flight = [
        { type: contentType.changeCipherSpec, epoch: 0, plain: Buffer.from([1]) },
        { type: contentType.handshake, epoch: 1, plain: fin },
      ];
      this.state = 'established';
      this.#sendFlight();
      this.#hooks.established(this);
      return;
    }
    return this.#fail(alert.unexpectedMessage, `unexpected handshake message ${m.type}`);
  }
}
