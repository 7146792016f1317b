import { type CipherSuite, type DirectionKeys, open, seal } from './ciphers.ts';

/** Record content types (RFC 5246 §6.2.1). */
export const contentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

/** DTLS 1.2 on the wire; DTLS 1.0's number is accepted in a first ClientHello's record (RFC 6347 §4.1). */
export const DTLS12 = 0xfefd;
export const DTLS10 = 0xfeff;
export const RECORD_HEADER = 13;

export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  /** 48-bit sequence number; safe as a JS number. */
  seq: number;
  fragment: Buffer;
}

/** Splits a datagram into records; a malformed tail is dropped with the rest of it (RFC 6347 §4.1.2.7). */
export function parseRecords(datagram: Buffer): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let o = 0;
  while (o + RECORD_HEADER <= datagram.length) {
    const type = datagram[o];
    const version = datagram.readUInt16BE(o + 1);
    const epoch = datagram.readUInt16BE(o + 3);
    const seq = datagram.readUIntBE(o + 5, 6);
    const len = datagram.readUInt16BE(o + 11);
    if (o + RECORD_HEADER + len > datagram.length) break;
    if (type < 20 || type > 23 || (version !== DTLS12 && version !== DTLS10)) break;
    out.push({ type, version, epoch, seq, fragment: datagram.subarray(o + RECORD_HEADER, o + RECORD_HEADER + len) });
    o += RECORD_HEADER + len;
  }
  return out;
}

function header(type: number, version: number, epoch: number, seq: number, length: number): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq, 5, 6);
  h.writeUInt16BE(length, 11);
  return h;
}

/** seq_num as AEAD sees it in DTLS: epoch and sequence number, 8 bytes. */
function seqNum(epoch: number, seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(epoch, 0);
  b.writeUIntBE(seq, 2, 6);
  return b;
}

function aad(epoch: number, seq: number, type: number, version: number, length: number): Buffer {
  const b = Buffer.alloc(13);
  seqNum(epoch, seq).copy(b, 0);
  b[8] = type;
  b.writeUInt16BE(version, 9);
  b.writeUInt16BE(length, 11);
  return b;
}

/** One direction's protection: the suite and keys, none in epoch 0. */
export interface Protection {
  suite: CipherSuite;
  keys: DirectionKeys;
}

/** A record ready for the wire, sealed when `p` is given. */
export function encodeRecord(
  type: number,
  epoch: number,
  seq: number,
  plain: Buffer,
  p?: Protection,
  version = DTLS12,
): Buffer {
  const body = p
    ? seal(p.suite, p.keys, seqNum(epoch, seq), aad(epoch, seq, type, version, plain.length), plain)
    : plain;
  return Buffer.concat([header(type, version, epoch, seq, body.length), body]);
}

/** The plaintext of a protected record, or null when it does not authenticate under `p`. */
export function decryptRecord(r: DtlsRecord, p: Protection): Buffer | null {
  return open(p.suite, p.keys, r.fragment, (len) => aad(r.epoch, r.seq, r.type, r.version, len));
}

/**
 * RFC 6347 §4.1.2.6 anti-replay: a 64-record sliding window per epoch. `check` before decrypting, `mark` only after
 * the record authenticated, so forged records cannot move the window.
 */
export class ReplayWindow {
  #highest = -1;
  #bits = 0n;

  check(seq: number): boolean {
    if (seq > this.#highest) return true;
    const d = this.#highest - seq;
    if (d >= 64) return false;
    return ((this.#bits >> BigInt(d)) & 1n) === 0n;
  }

  mark(seq: number): void {
    if (seq > this.#highest) {
      const shift = this.#highest < 0 ? 64 : seq - this.#highest;
      this.#bits = shift >= 64 ? 1n : ((this.#bits << BigInt(shift)) | 1n) & 0xffffffffffffffffn;
      this.#highest = seq;
    } else this.#bits |= 1n << BigInt(this.#highest - seq);
  }
}

/** Alert levels and the descriptions this server sends (RFC 5246 §7.2, RFC 4279 §2). */
export const alert = {
  closeNotify: 0,
  unexpectedMessage: 10,
  handshakeFailure: 40,
  illegalParameter: 47,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  noRenegotiation: 100,
  unknownPskIdentity: 115,
} as const;

export const alertBody = (description: number, fatal = description !== alert.closeNotify) =>
  Buffer.from([fatal ? 2 : 1, description]);
