/** Handshake message types used by PSK DTLS 1.2 (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const hsType = {
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  serverKeyExchange: 12,
  serverHelloDone: 14,
  clientKeyExchange: 16,
  finished: 20,
} as const;

export const HS_HEADER = 12;

export interface HandshakeMessage {
  type: number;
  seq: number;
  body: Buffer;
}

/** A whole message with its DTLS header (offset 0, fragment = length): the form the Finished hash covers. */
export function encodeHandshake(type: number, seq: number, body: Buffer): Buffer {
  const h = Buffer.alloc(HS_HEADER);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUInt16BE(seq, 4);
  h.writeUIntBE(0, 6, 3);
  h.writeUIntBE(body.length, 9, 3);
  return Buffer.concat([h, body]);
}

/** Cuts a whole message (as from `encodeHandshake`) into fragments of at most `max` body bytes. */
export function fragmentHandshake(whole: Buffer, max: number): Buffer[] {
  const body = whole.subarray(HS_HEADER);
  if (body.length <= max) return [whole];
  const out: Buffer[] = [];
  for (let o = 0; o < body.length; o += max) {
    const part = body.subarray(o, o + max);
    const h = Buffer.from(whole.subarray(0, HS_HEADER));
    h.writeUIntBE(o, 6, 3);
    h.writeUIntBE(part.length, 9, 3);
    out.push(Buffer.concat([h, part]));
  }
  return out;
}

interface Partial {
  type: number;
  body: Buffer;
  have: Uint8Array;
  missing: number;
}

/**
 * Collects handshake fragments (RFC 6347 §4.2.3) into whole messages, delivered in message_seq order. Fragments of
 * messages already delivered are reported as `old` (a retransmitted flight), bodies above `maxLength` or too far
 * ahead are refused, so a peer cannot make the server hold much memory.
 */
export class Reassembler {
  next = 0;
  readonly #pending = new Map<number, Partial>();
  readonly #maxLength: number;

  constructor(maxLength = 4096) {
    this.#maxLength = maxLength;
  }

  /** Feeds a handshake record's fragment; answers the whole messages now ready, or 'old' / 'bad'. */
  add(fragment: Buffer): HandshakeMessage[] | 'old' | 'bad' {
    const out: HandshakeMessage[] = [];
    let old = false;
    let o = 0;
    while (o < fragment.length) {
      if (o + HS_HEADER > fragment.length) return 'bad';
      const type = fragment[o];
      const length = fragment.readUIntBE(o + 1, 3);
      const seq = fragment.readUInt16BE(o + 4);
      const off = fragment.readUIntBE(o + 6, 3);
      const flen = fragment.readUIntBE(o + 9, 3);
      if (o + HS_HEADER + flen > fragment.length || off + flen > length || length > this.#maxLength) return 'bad';
      const data = fragment.subarray(o + HS_HEADER, o + HS_HEADER + flen);
      o += HS_HEADER + flen;
      if (seq < this.next) {
        old = true;
        continue;
      }
      if (seq > this.next + 4) continue;
      let p = this.#pending.get(seq);
      if (!p) {
        p = { type, body: Buffer.alloc(length), have: new Uint8Array(length), missing: length };
        this.#pending.set(seq, p);
      }
      if (p.type !== type || p.body.length !== length) return 'bad';
      data.copy(p.body, off);
      for (let i = off; i < off + flen; i++)
        if (!p.have[i]) {
          p.have[i] = 1;
          p.missing--;
        }
    }
    for (let p = this.#pending.get(this.next); p && p.missing === 0; p = this.#pending.get(this.next)) {
      this.#pending.delete(this.next);
      out.push({ type: p.type, seq: this.next, body: p.body });
      this.next++;
    }
    return out.length === 0 && old ? 'old' : out;
  }
}

/** A tiny bounds-checked reader; any overrun throws, which callers turn into decode_error. */
export class Reader {
  o = 0;
  readonly b: Buffer;
  constructor(b: Buffer) {
    this.b = b;
  }
  #need(n: number) {
    if (this.o + n > this.b.length) throw new RangeError('short handshake message');
  }
  u8() {
    this.#need(1);
    return this.b[this.o++];
  }
  u16() {
    this.#need(2);
    const v = this.b.readUInt16BE(this.o);
    this.o += 2;
    return v;
  }
  bytes(n: number) {
    this.#need(n);
    const v = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  vec8() {
    return this.bytes(this.u8());
  }
  vec16() {
    return this.bytes(this.u16());
  }
  get done() {
    return this.o === this.b.length;
  }
}

export const ext = { extendedMasterSecret: 0x0017, renegotiationInfo: 0xff01 } as const;
export const EMPTY_RENEGOTIATION_SCSV = 0x00ff;

export interface ClientHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cookie: Buffer;
  suites: number[];
  compressions: Buffer;
  extensions: Map<number, Buffer>;
  /** The body without the cookie: what the cookie's HMAC covers. */
  cookieInput: Buffer;
}

export function parseClientHello(body: Buffer): ClientHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  const cookieAt = r.o;
  const cookie = r.vec8();
  const afterCookie = r.o;
  const raw = r.vec16();
  if (raw.length % 2) throw new RangeError('odd cipher suite list');
  const suites: number[] = [];
  for (let i = 0; i < raw.length; i += 2) suites.push(raw.readUInt16BE(i));
  const compressions = r.vec8();
  const extensions = new Map<number, Buffer>();
  if (!r.done) {
    const er = new Reader(r.vec16());
    while (!er.done) {
      const t = er.u16();
      extensions.set(t, er.vec16());
    }
  }
  if (!r.done) throw new RangeError('trailing bytes after ClientHello');
  const cookieInput = Buffer.concat([body.subarray(0, cookieAt), body.subarray(afterCookie)]);
  return { version, random, sessionId, cookie, suites, compressions, extensions, cookieInput };
}

export function encodeClientHello(o: {
  random: Buffer;
  cookie: Buffer;
  suites: number[];
  extensions: [number, Buffer][];
}): Buffer {
  const suites = Buffer.alloc(o.suites.length * 2);
  o.suites.forEach((s, i) => {
    suites.writeUInt16BE(s, i * 2);
  });
  return Buffer.concat([
    u16(0xfefd),
    o.random,
    Buffer.from([0]),
    Buffer.from([o.cookie.length]),
    o.cookie,
    u16(suites.length),
    suites,
    Buffer.from([1, 0]),
    encodeExtensions(o.extensions),
  ]);
}

export const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};

export function encodeExtensions(list: [number, Buffer][]): Buffer {
  if (list.length === 0) return Buffer.alloc(0);
  const parts = list.map(([t, d]) => Buffer.concat([u16(t), u16(d.length), d]));
  const all = Buffer.concat(parts);
  return Buffer.concat([u16(all.length), all]);
}

export function encodeServerHello(o: { random: Buffer; suite: number; extensions: [number, Buffer][] }): Buffer {
  return Buffer.concat([
    u16(0xfefd),
    o.random,
    Buffer.from([0]),
    u16(o.suite),
    Buffer.from([0]),
    encodeExtensions(o.extensions),
  ]);
}

export interface ServerHello {
  version: number;
  random: Buffer;
  suite: number;
  extensions: Map<number, Buffer>;
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(32);
  r.vec8();
  const suite = r.u16();
  r.u8();
  const extensions = new Map<number, Buffer>();
  if (!r.done) {
    const er = new Reader(r.vec16());
    while (!er.done) extensions.set(er.u16(), er.vec16());
  }
  return { version, random, suite, extensions };
}

/** HelloVerifyRequest: server_version (DTLS 1.0 by RFC 6347 §4.2.1's advice) and the cookie. */
export const encodeHelloVerify = (cookie: Buffer) => Buffer.concat([u16(0xfeff), Buffer.from([cookie.length]), cookie]);

export function parseHelloVerify(body: Buffer): Buffer {
  const r = new Reader(body);
  r.u16();
  return r.vec8();
}

/** RFC 4279 ClientKeyExchange: the PSK identity, UTF-8, at most 128 bytes per RFC 4279 §5.3. */
export function parsePskIdentity(body: Buffer): string {
  const r = new Reader(body);
  const id = r.vec16();
  if (!r.done || id.length === 0 || id.length > 128) throw new RangeError('bad psk_identity');
  return id.toString('utf8');
}

export const encodePskIdentity = (identity: string) => {
  const id = Buffer.from(identity, 'utf8');
  return Buffer.concat([u16(id.length), id]);
};
