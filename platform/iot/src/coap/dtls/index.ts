// The platform's DTLS server; the record layer, handshake messages, cipher suites and client are the device SDK's.
export * from '@shequ/device-sdk/dtls';
export * from './connection.ts';
export * from './server.ts';
