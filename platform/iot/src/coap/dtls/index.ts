export * from './ciphers.ts';
export * from './client.ts';
export * from './connection.ts';
export * from './handshake.ts';
export * from './record.ts';
export * from './server.ts';
