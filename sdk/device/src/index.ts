export * from './auth-request.ts';
export * from './coap-client.ts';
export * from './device-client.ts';
export * from './http-client.ts';
export * from './sign.ts';
