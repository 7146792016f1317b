export * from './auth-request.ts';
export * from './coap-client.ts';
export * from './coap-message.ts';
export * from './coaps-client.ts';
export * from './device-client.ts';
export { DtlsAlertError, dtlsIdentity, dtlsPsk } from './dtls/index.ts';
export * from './http-client.ts';
export * from './sign.ts';
