// DTLS 1.2 with PSK (RFC 6347, RFC 4279): the record layer, handshake messages, cipher suites and the client. The
// platform's DTLS server (`@shequ/iot`) runs on the same code.
export * from './ciphers.ts';
export * from './client.ts';
export * from './handshake.ts';
export * from './psk.ts';
export * from './record.ts';
