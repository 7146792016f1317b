/**
 * The part of CoAP's message format (RFC 7252 §3) that DTLS sessions need: the UDP listener leaves this to the
 * `coap` library, which cannot sit on a DTLS channel.
 */
export interface CoapMessage {
  /** 0 CON, 1 NON, 2 ACK, 3 RST. */
  type: number;
  /** class << 5 | detail, e.g. 0x02 POST, 0x45 2.05. */
  code: number;
  messageId: number;
  token: Buffer;
  options: { number: number; value: Buffer }[];
  payload: Buffer;
}

export const coapType = { con: 0, non: 1, ack: 2, rst: 3 } as const;
export const coapOption = { uriPath: 11, contentFormat: 12, uriQuery: 15 } as const;

/** The message, or null when it is not a well-formed CoAP 1 message. */
export function parseCoap(b: Buffer): CoapMessage | null {
  if (b.length < 4 || b[0] >> 6 !== 1) return null;
  const type = (b[0] >> 4) & 3;
  const tkl = b[0] & 15;
  if (tkl > 8 || b.length < 4 + tkl) return null;
  const code = b[1];
  const messageId = b.readUInt16BE(2);
  const token = b.subarray(4, 4 + tkl);
  const options: CoapMessage['options'] = [];
  let o = 4 + tkl;
  let number = 0;
  while (o < b.length && b[o] !== 0xff) {
    const ext = (nibble: number): number | null => {
      if (nibble < 13) return nibble;
      if (nibble === 13 && o < b.length) return 13 + b[o++];
      if (nibble === 14 && o + 1 < b.length) {
        const v = 269 + b.readUInt16BE(o);
        o += 2;
        return v;
      }
      return null;
    };
    const head = b[o++];
    const delta = ext(head >> 4);
    const len = ext(head & 15);
    if (delta === null || len === null || o + len > b.length) return null;
    number += delta;
    options.push({ number, value: b.subarray(o, o + len) });
    o += len;
  }
  let payload: Buffer = Buffer.alloc(0);
  if (o < b.length) {
    if (o + 1 >= b.length) return null; // a payload marker must be followed by a payload
    payload = b.subarray(o + 1);
  }
  return { type, code, messageId, token, options, payload };
}

function optionHeader(n: number): { nibble: number; ext: Buffer } {
  if (n < 13) return { nibble: n, ext: Buffer.alloc(0) };
  if (n < 269) return { nibble: 13, ext: Buffer.from([n - 13]) };
  const e = Buffer.alloc(2);
  e.writeUInt16BE(n - 269);
  return { nibble: 14, ext: e };
}

export function encodeCoap(m: CoapMessage): Buffer {
  const parts = [
    Buffer.from([0x40 | (m.type << 4) | m.token.length, m.code, m.messageId >> 8, m.messageId & 255]),
    m.token,
  ];
  let last = 0;
  for (const opt of [...m.options].sort((a, b) => a.number - b.number)) {
    const d = optionHeader(opt.number - last);
    const l = optionHeader(opt.value.length);
    parts.push(Buffer.from([(d.nibble << 4) | l.nibble]), d.ext, l.ext, opt.value);
    last = opt.number;
  }
  if (m.payload.length) parts.push(Buffer.from([0xff]), m.payload);
  return Buffer.concat(parts);
}

/** The request's path, `/a/b`, from its Uri-Path options. */
export const coapPath = (m: CoapMessage) =>
  `/${m.options
    .filter((o) => o.number === coapOption.uriPath)
    .map((o) => o.value.toString('utf8'))
    .join('/')}`;

/** `'2.05'` → 0x45. */
export const coapCodeByte = (code: string) => {
  const [c, d] = code.split('.').map(Number);
  return (c << 5) | d;
};

/** HTTP-like statuses of `IngestAnswer` as CoAP response codes. */
export const coapCode: Record<number, string> = {
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
